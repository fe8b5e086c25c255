"""A key vault for build secrets, reachable only from the VNet, readable only by role.

- Authorization by Azure RBAC (``enableRbacAuthorization``): data access is a role assignment
  such as Key Vault Secrets User, never an access policy (Learn, key-vault/general/rbac-guide).
- Public network access off and the firewall closed (``networkAcls`` Deny, bypass ``None``):
  only the private endpoints reach the data plane. Both are needed: "Disabling public access
  doesn't suppress the trusted services bypass: services on the allowlist continue to reach the
  vault" (Learn, key-vault/general/network-security.md, "Public access disabled (private
  endpoint only)"). Control-plane calls (creating the vault, role assignments) go through Azure
  Resource Manager and are not affected; setting a secret is a data-plane call, made from
  inside the network.
- Soft delete on, retained ``soft_delete_days`` (7-90, default 90; Learn, key-vault/general/
  soft-delete-overview). Purge protection, on by default, makes a deleted vault or secret
  unpurgeable until the retention ends: "Once purge protection is enabled, it cannot be
  disabled or overridden by anyone including Microsoft" (Learn, key-vault/general/
  key-vault-recovery), and the API refuses ``false`` ("Enabling this functionality is
  irreversible - that is, the property does not accept false as its value", Vault
  ``enablePurgeProtection``), so it is sent only when on. A throwaway vault may leave it off;
  turning it off later changes nothing on a vault that has it.
- The name: 3-24 letters, digits and '-', globally unique, and a deleted vault keeps its name
  reserved while soft-deleted, so a random suffix of 8 follows the prefix and is pinned in state.

Secrets are set out of band, from inside the network (README, "Private registries and build
secrets"); the stack only creates the vault and grants the task identities.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NotRequired

import pulumi
import pulumi_random as random
from pulumi_azure_native import keyvault

from private_acr_rules.clouds import AzureCloud, names
from private_acr_rules.validation import FieldReader
from private_acr_tasks._common import (
    PlannedComponent,
    SharedArgs,
    child_name,
    tags_of,
    type_token,
)
from private_acr_tasks.private_endpoint import (
    PrivateEndpointArgs,
    PrivateLinkEndpoint,
    private_endpoints,
    validate_endpoints,
)

_SUFFIX_LENGTH = 8
_PREFIX = re.compile(r"^[a-z][a-z0-9]{0,15}$")
DEFAULT_SOFT_DELETE_DAYS = 90


class BuildKeyVaultInputs(SharedArgs):
    """The vault's links to other resources."""

    tenant_id: pulumi.Input[str]
    """The Entra tenant that authenticates requests to the vault."""
    private_endpoints: NotRequired[Mapping[str, PrivateEndpointArgs]]
    """Private endpoints keyed by a short name; each is a ``<name>-<key>`` child with group
    ``vault`` and zone ``privatelink.vaultcore.azure.net`` (or the cloud's). Default: none (the
    vault then has no network path at all)."""


class BuildKeyVaultArgs(BuildKeyVaultInputs):
    """Arguments of :class:`BuildKeyVault`."""

    name_prefix: str
    """1-16 lower-case letters or digits starting with a letter; a random suffix of 8 follows."""
    soft_delete_days: NotRequired[int]
    """Days a deleted vault or secret stays recoverable, 7-90. Default 90."""
    purge_protection: NotRequired[bool]
    """Refuse purging deleted secrets and the vault before ``soft_delete_days`` end. Default
    True. Once on it cannot be turned off: False only shapes a new vault (a throwaway one)."""
    cloud: NotRequired[AzureCloud]
    """The Azure cloud, for the endpoints' private DNS zone. Default public."""


@dataclass(frozen=True)
class BuildKeyVaultPlan:
    name_prefix: str
    soft_delete_days: int = DEFAULT_SOFT_DELETE_DAYS
    purge_protection: bool = True
    cloud: AzureCloud = AzureCloud.PUBLIC


def validate_key_vault(fields: FieldReader) -> BuildKeyVaultPlan | None:
    mark = fields.mark()
    prefix = fields.text(
        "name_prefix", _PREFIX, "1-16 lower-case letters or digits, a letter first"
    )
    plan = BuildKeyVaultPlan(
        prefix or "",
        soft_delete_days=fields.whole("soft_delete_days", 7, 90, DEFAULT_SOFT_DELETE_DAYS),
        purge_protection=fields.flag("purge_protection", True),
        cloud=fields.choice("cloud", AzureCloud, AzureCloud.PUBLIC),
    )
    return None if fields.failed_since(mark) else plan


class BuildKeyVault(
    PlannedComponent[BuildKeyVaultPlan, BuildKeyVaultInputs],
    args=BuildKeyVaultArgs,
    validate=validate_key_vault,
):
    """Key vault (RBAC, private only, soft delete) and its private endpoints.

    Children: ``<name>-suffix`` (random.RandomString), ``<name>-vault``, and a
    :class:`PrivateLinkEndpoint` ``<name>-<key>`` per ``private_endpoints`` entry.
    """

    vault_id: pulumi.Output[str]
    """ARM id of the vault (the scope of its role assignments)."""
    vault_name: pulumi.Output[str]
    """The vault's globally unique name (``az keyvault secret set --vault-name``)."""
    vault_uri: pulumi.Output[str]
    """``https://<name>.vault.azure.net/`` (or the cloud's suffix); secrets are under ``secrets/``."""

    def __init__(
        self, name: str, args: BuildKeyVaultArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        self._construct(name, self.plan(args), args, opts)

    def _check_links(self, plan: BuildKeyVaultPlan, links: FieldReader) -> None:
        validate_endpoints(links)

    def _build(
        self,
        name: str,
        plan: BuildKeyVaultPlan,
        inputs: BuildKeyVaultInputs,
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        super().__init__(type_token("BuildKeyVault"), name, {}, opts)
        if not plan.purge_protection:
            pulumi.log.warn(
                "purge protection is off: a deleted vault and its secrets can be purged at once; "
                "a vault that already has it keeps it (Azure cannot turn it off)",
                resource=self,
            )
        suffix = random.RandomString(
            child_name(name, "suffix"),
            length=_SUFFIX_LENGTH,
            special=False,
            upper=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.vault = keyvault.Vault(
            child_name(name, "vault"),
            resource_group_name=inputs["resource_group_name"],
            location=inputs["location"],
            vault_name=pulumi.Output.concat(plan.name_prefix, suffix.result),
            properties=keyvault.VaultPropertiesArgs(
                tenant_id=inputs["tenant_id"],
                sku=keyvault.SkuArgs(family="A", name=keyvault.SkuName.STANDARD),
                enable_rbac_authorization=True,
                public_network_access="Disabled",
                network_acls=keyvault.NetworkRuleSetArgs(
                    default_action=keyvault.NetworkRuleAction.DENY,
                    bypass=keyvault.NetworkRuleBypassOptions.NONE,
                ),
                enable_soft_delete=True,
                soft_delete_retention_in_days=plan.soft_delete_days,
                enable_purge_protection=True if plan.purge_protection else None,
                enabled_for_deployment=False,
                enabled_for_disk_encryption=False,
                enabled_for_template_deployment=False,
            ),
            tags=tags_of(inputs),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.endpoints: dict[str, PrivateLinkEndpoint] = private_endpoints(
            self,
            name,
            target_resource_id=self.vault.id,
            group_id="vault",
            zone_name=names(plan.cloud).vault_zone,
            entries=inputs.get("private_endpoints", {}),
            placement=inputs,
        )
        self.vault_id = self.vault.id
        self.vault_name = self.vault.name
        self.vault_uri = self.vault.properties.vault_uri
        self.register_outputs(
            {"vault_id": self.vault_id, "vault_name": self.vault_name, "vault_uri": self.vault_uri}
        )
