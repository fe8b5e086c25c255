"""A private storage account holding the artifacts builds read, reachable only over private link.

Public network access off, network rules Deny with no bypass, shared keys off (Entra ID
only), TLS 1.2, no anonymous blob access. Readers get Storage Blob Data Reader, the least
role that can download a blob, on the artifact container only (Learn, storage/blobs/
assign-azure-role-data-access: a data role can be scoped to a container), so a reader sees
nothing else the account may hold. Private endpoints come from the shared ``private_endpoints``
argument (group ``blob``, zone ``privatelink.blob.core.windows.net``).

The artifact itself is not a Pulumi resource: with public access and shared keys off, only a
client inside the VNet can write it (see README, "Put the private artifact in place").
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import NotRequired

import pulumi
import pulumi_random as random
from pulumi_azure_native import authorization, storage

from private_acr_rules import naming
from private_acr_rules.clouds import AzureCloud, names
from private_acr_rules.validation import FieldReader
from private_acr_tasks._common import (
    PlannedComponent,
    SharedArgs,
    child_name,
    role_definition_id,
    tags_of,
    type_token,
)
from private_acr_tasks.errors import ComponentArgsError
from private_acr_tasks.private_endpoint import (
    PrivateEndpointArgs,
    PrivateLinkEndpoint,
    private_endpoints,
    validate_endpoints,
)

_PREFIX = re.compile(r"^[a-z0-9]{1,16}$")


class StorageRedundancy(StrEnum):
    """How the artifact store replicates its data."""

    STANDARD_LRS = "Standard_LRS"
    """Three copies in one datacenter."""
    STANDARD_ZRS = "Standard_ZRS"
    """Three copies across availability zones."""
    STANDARD_GRS = "Standard_GRS"
    """Locally redundant, plus a copy in the paired region."""
    STANDARD_GZRS = "Standard_GZRS"
    """Zone redundant, plus a copy in the paired region."""


class ArtifactStoreInputs(SharedArgs):
    """The artifact store's links to other resources."""

    subscription_id: pulumi.Input[str]
    """Subscription of the role definitions."""
    private_endpoints: NotRequired[Mapping[str, PrivateEndpointArgs]]
    """Private endpoints keyed by a short name; each is a ``<name>-<key>`` child with group
    ``blob``. Default: none (the account then has no network path at all)."""
    reader_principal_ids: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Service principals granted Storage Blob Data Reader on the artifact container, keyed by
    a stable short name (part of the role assignment's logical name ``<name>-reader-<key>``).
    Default: none."""


class ArtifactStoreArgs(ArtifactStoreInputs):
    """Arguments of :class:`ArtifactStore`."""

    name_prefix: str
    """1-16 lower-case alphanumerics starting the account name (a random suffix of 8 follows)."""
    container_name: NotRequired[str]
    """Blob container for the artifacts. Default ``artifacts``."""
    redundancy: NotRequired[StorageRedundancy]
    """Storage SKU. Default Standard_LRS."""
    cloud: NotRequired[AzureCloud]
    """The Azure cloud, for the private DNS zone of the endpoints
    (``privatelink.blob.core.windows.net`` and its sovereign forms). Default public."""


@dataclass(frozen=True)
class ArtifactStorePlan:
    name_prefix: str
    container_name: str = "artifacts"
    redundancy: StorageRedundancy = StorageRedundancy.STANDARD_LRS
    cloud: AzureCloud = AzureCloud.PUBLIC


def validate_artifact_store(fields: FieldReader) -> ArtifactStorePlan | None:
    mark = fields.mark()
    prefix = fields.text("name_prefix", _PREFIX, "1-16 lower-case letters or digits")
    plan = ArtifactStorePlan(
        prefix or "",
        container_name=fields.text(
            "container_name",
            naming.BLOB_CONTAINER,
            "a blob container name (3-63 lower-case letters, digits, '-')",
            "artifacts",
        ),
        redundancy=fields.choice("redundancy", StorageRedundancy, StorageRedundancy.STANDARD_LRS),
        cloud=fields.choice("cloud", AzureCloud, AzureCloud.PUBLIC),
    )
    return None if fields.failed_since(mark) else plan


class ArtifactStore(
    PlannedComponent[ArtifactStorePlan, ArtifactStoreInputs],
    args=ArtifactStoreArgs,
    validate=validate_artifact_store,
):
    """Private storage account, blob container, blob private endpoints and reader roles.

    Children: ``<name>-suffix``, ``<name>-account``, ``<name>-container`` (a child of the
    account), a :class:`PrivateLinkEndpoint` ``<name>-<key>`` per ``private_endpoints`` entry,
    and ``<name>-reader-<key>`` per reader.
    """

    account_id: pulumi.Output[str]
    """ARM id of the storage account."""
    account_name: pulumi.Output[str]
    """Name of the storage account."""
    container_name: pulumi.Output[str]
    """Name of the artifact container."""
    container_id: pulumi.Output[str]
    """ARM id of the artifact container (a role-assignment scope)."""
    blob_service_id: pulumi.Output[str]
    """ARM id of the account's blob service, the resource that has the blob logs."""

    def __init__(
        self, name: str, args: ArtifactStoreArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        self._construct(name, self.plan(args), args, opts)

    def _check_links(self, plan: ArtifactStorePlan, links: FieldReader) -> None:
        validate_endpoints(links)
        for key in links.mapping("reader_principal_ids", "a map of short names to principal ids"):
            if not naming.CHILD_KEY.fullmatch(key):
                links.invalid(
                    "reader_principal_ids", key, "keys of lower-case letters, digits or '-'"
                )

    def _build(
        self,
        name: str,
        plan: ArtifactStorePlan,
        inputs: ArtifactStoreInputs,
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        super().__init__(type_token("ArtifactStore"), name, {}, opts)
        suffix = random.RandomString(
            child_name(name, "suffix"),
            length=8,
            special=False,
            upper=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.account = self._account(name, plan, inputs, suffix)
        self.container = storage.BlobContainer(
            child_name(name, "container"),
            resource_group_name=inputs["resource_group_name"],
            account_name=self.account.name,
            container_name=plan.container_name,
            public_access=storage.PublicAccess.NONE,
            opts=pulumi.ResourceOptions(parent=self.account),
        )
        self.endpoints: dict[str, PrivateLinkEndpoint] = private_endpoints(
            self,
            name,
            target_resource_id=self.account.id,
            group_id="blob",
            zone_name=names(plan.cloud).blob_zone,
            entries=inputs.get("private_endpoints", {}),
            placement=inputs,
        )
        self._subscription_id = inputs["subscription_id"]
        for key, principal_id in sorted(inputs.get("reader_principal_ids", {}).items()):
            self._reader(key, principal_id)
        self.account_id = self.account.id
        self.account_name = self.account.name
        self.container_name = self.container.name
        self.container_id = self.container.id
        # Every account has exactly one blob service, named "default" (Learn, storage
        # ARM reference storageaccounts/blobservices); it exists without being declared.
        self.blob_service_id = self.account.id.apply(
            lambda account: f"{account}/blobServices/default"
        )
        self.register_outputs(
            {
                "account_id": self.account_id,
                "account_name": self.account_name,
                "container_name": self.container_name,
                "container_id": self.container_id,
                "blob_service_id": self.blob_service_id,
            }
        )

    def _account(
        self,
        name: str,
        plan: ArtifactStorePlan,
        inputs: ArtifactStoreInputs,
        suffix: random.RandomString,
    ) -> storage.StorageAccount:
        return storage.StorageAccount(
            child_name(name, "account"),
            resource_group_name=inputs["resource_group_name"],
            location=inputs["location"],
            account_name=pulumi.Output.concat(plan.name_prefix, suffix.result),
            kind="StorageV2",
            sku=storage.SkuArgs(name=plan.redundancy.value),
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
            tags=tags_of(inputs),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _reader(self, key: str, principal_id: pulumi.Input[str]) -> authorization.RoleAssignment:
        return authorization.RoleAssignment(
            child_name(self._component_name, "reader", key),
            scope=self.container.id,
            principal_id=principal_id,
            principal_type="ServicePrincipal",
            role_definition_id=role_definition_id(
                self._subscription_id, "Storage Blob Data Reader"
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def grant_reader(
        self, key: str, principal_id: pulumi.Input[str]
    ) -> authorization.RoleAssignment:
        """Give a service principal Storage Blob Data Reader on the container after the store exists.

        The same assignment as a ``reader_principal_ids`` entry, for a principal created after
        the store (the build task's identity needs the store's name first).
        """
        if not naming.CHILD_KEY.fullmatch(key):
            raise ComponentArgsError(
                [
                    f"ArtifactStore.grant_reader key: got {key!r}; expected lower-case letters, digits or '-'"
                ]
            )
        return self._reader(key, principal_id)
