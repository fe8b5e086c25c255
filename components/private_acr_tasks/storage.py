"""A private storage account holding the artifacts builds read, reachable only over private link.

Public network access off, network rules Deny with no bypass, shared keys off (Entra ID
only), TLS 1.2, no anonymous blob access. Readers get Storage Blob Data Reader on the
account, the least role that can download a blob. The blob private endpoint and its
``privatelink.blob.core.windows.net`` zone sit in the private-endpoint subnet.

The artifact itself is not a Pulumi resource: with public access and shared keys off, only a
client inside the VNet can write it (see README, "Put the private artifact in place").
"""

# pyright: reportUnknownArgumentType=false, reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnnecessaryIsInstance=false
# (Temporary while issue 10 reworks this module; remove this line when it is clean under strict.)

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NotRequired

import pulumi
import pulumi_random as random
from pulumi_azure_native import authorization, storage

from private_acr_rules.dns import BLOB_ZONE
from private_acr_tasks._common import SharedArgs, child_name, role_definition_id, type_token
from private_acr_tasks.errors import ComponentArgsError
from private_acr_tasks.private_endpoint import PrivateLinkEndpoint

_PREFIX = re.compile(r"^[a-z0-9]{1,16}$")
_CONTAINER = re.compile(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")


class ArtifactStoreArgs(SharedArgs):
    """Arguments of :class:`ArtifactStore`."""

    name_prefix: str
    """1-16 lower-case alphanumerics starting the account name (a random suffix of 8 follows)."""
    private_endpoint_subnet_id: pulumi.Input[str]
    linked_vnet_ids: Mapping[str, pulumi.Input[str]]
    """VNets that must resolve the blob endpoint privately, keyed by a stable short name."""
    subscription_id: pulumi.Input[str]
    """Subscription of the role definitions."""
    container_name: NotRequired[str]
    """Blob container for the artifacts. Default ``artifacts``."""
    redundancy: NotRequired[str]
    """Storage SKU, e.g. Standard_LRS or Standard_ZRS. Default Standard_LRS."""


def _check(args: ArtifactStoreArgs) -> list[str]:
    problems: list[str] = []
    prefix = args.get("name_prefix")
    if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
        problems.append(
            f"ArtifactStoreArgs.name_prefix: got {prefix!r}; expected 1-16 lower-case letters or digits"
        )
    container = args.get("container_name", "artifacts")
    if not _CONTAINER.fullmatch(container):
        problems.append(
            f"ArtifactStoreArgs.container_name: got {container!r}; expected 3-63 lower-case letters, digits, '-'"
        )
    sku = args.get("redundancy", "Standard_LRS")
    if sku not in ("Standard_LRS", "Standard_ZRS", "Standard_GRS", "Standard_GZRS"):
        problems.append(
            f"ArtifactStoreArgs.redundancy: got {sku!r}; expected Standard_LRS, Standard_ZRS, Standard_GRS or Standard_GZRS"
        )
    return problems


class ArtifactStore(pulumi.ComponentResource):
    """Private storage account, blob container, blob private endpoint and reader roles.

    Children: ``<name>-suffix``, ``<name>-account``, ``<name>-container``, ``<name>-blob``
    (a :class:`PrivateLinkEndpoint`), and ``<name>-reader-<key>`` per :meth:`grant_reader`.
    """

    account_id: pulumi.Output[str]
    account_name: pulumi.Output[str]
    container_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: ArtifactStoreArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = _check(args)
        if problems:
            raise ComponentArgsError(problems)
        super().__init__(type_token("ArtifactStore"), name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.get("tags", {}))
        suffix = random.RandomString(
            child_name(name, "suffix"), length=8, special=False, upper=False, opts=child
        )
        self.account = storage.StorageAccount(
            child_name(name, "account"),
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            account_name=pulumi.Output.concat(args["name_prefix"], suffix.result),
            kind="StorageV2",
            sku=storage.SkuArgs(name=args.get("redundancy", "Standard_LRS")),
            access_tier=storage.AccessTier.HOT,
            allow_blob_public_access=False,
            allow_shared_key_access=False,
            default_to_o_auth_authentication=True,
            enable_https_traffic_only=True,
            minimum_tls_version="TLS1_2",
            public_network_access="Disabled",
            network_rule_set=storage.NetworkRuleSetArgs(
                default_action=storage.DefaultAction.DENY, bypass=storage.Bypass.NONE
            ),
            tags=tags,
            opts=child,
        )
        container = storage.BlobContainer(
            child_name(name, "container"),
            resource_group_name=args["resource_group_name"],
            account_name=self.account.name,
            container_name=args.get("container_name", "artifacts"),
            public_access=storage.PublicAccess.NONE,
            opts=pulumi.ResourceOptions(parent=self.account),
        )
        PrivateLinkEndpoint(
            child_name(name, "blob"),
            {
                "resource_group_name": args["resource_group_name"],
                "location": args["location"],
                "target_resource_id": self.account.id,
                "group_id": "blob",
                "subnet_id": args["private_endpoint_subnet_id"],
                "zone_name": BLOB_ZONE,
                "linked_vnet_ids": args["linked_vnet_ids"],
                "tags": tags,
            },
            opts=child,
        )
        self._name = name
        self._subscription_id = args["subscription_id"]
        self.account_id = self.account.id
        self.account_name = self.account.name
        self.container_name = container.name
        self.register_outputs(
            {
                "account_id": self.account_id,
                "account_name": self.account_name,
                "container_name": self.container_name,
            }
        )

    def grant_reader(
        self, key: str, principal_id: pulumi.Input[str]
    ) -> authorization.RoleAssignment:
        """Give a service principal Storage Blob Data Reader on the account.

        ``key`` is a stable short name; it is part of the role assignment's logical name.
        """
        if not _KEY.fullmatch(key):
            raise ComponentArgsError(
                [
                    f"ArtifactStore.grant_reader key: got {key!r}; expected lower-case letters, digits or '-'"
                ]
            )
        return authorization.RoleAssignment(
            child_name(self._name, "reader", key),
            scope=self.account.id,
            principal_id=principal_id,
            principal_type="ServicePrincipal",
            role_definition_id=role_definition_id(
                self._subscription_id, "Storage Blob Data Reader"
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
