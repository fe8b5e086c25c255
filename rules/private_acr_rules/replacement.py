"""Which input changes make a provider replace a resource, and what replacing or deleting it loses.

A replacement deletes the resource and creates another: its data, its identity (a new principal
id breaks every role assignment and federated credential that names the old one) and its
address are gone. Pulumi replaces a resource when its provider's ``Diff`` says so, or when a
property named in the resource's ``replaceOnChanges`` option changes. This table is what the
providers say, for every resource type the stacks of this project deploy.

**azure-native** (v3.29.0, the version ``uv.lock`` pins) decides in its ``Diff``
(pulumi/pulumi-azure-native ``provider/pkg/provider/diff.go``, ``calculateDetailedDiff``): a
change replaces the resource when it touches

- a parameter of the request path: the resource group, the resource's own name and its
  parents' names, an extension resource's scope;
- a top-level property the REST spec marks create-only (``x-ms-mutability`` with ``create``
  but not ``update``); a create-only property nested inside a type does not replace
  (``provider/pkg/gen/properties.go``, ``forceNew``: "a non-updatable property at a subtype
  level ... does not mandate the replacement of the whole resource");
- a property in the provider's hand-kept ``forceNewMap`` (``provider/pkg/gen/replacement.go``),
  top level or one level into an object (``networkProfile.serviceCidr``), unless
  ``noForceNewMap`` takes it back. A change anywhere under a listed object property
  (``linuxProfile``, ``subnet``) replaces too.

``location`` is create-only where the spec's resource base says so: the common types'
``TrackedResource`` (azure-rest-api-specs ``common-types/resource-management/v5/types.json``)
and the container registry's own ``Resource`` ("This cannot be changed after the resource is
created", ``Microsoft.ContainerRegistry/preview/2019-06-01-preview/containerregistry_build.json``).
Properties the spec leaves updatable are absent even when Azure then refuses the change: the
agent pool's ``tier``, ``os`` and ``virtualNetworkSubnetResourceId`` carry no mutability in
``2019-06-01-preview``, yet ``AgentPoolUpdateParameters`` holds only ``count`` and ``tags``
(Learn, @azure/arm-containerregistry AgentPoolUpdateParameters), so ``BuildAgentPool`` asks
for the replacement itself with ``replaceOnChanges``. Likewise the registry's and a replica's
``zoneRedundancy`` carry no mutability in ``2023-01-01-preview``.

**random** (pulumi-random 4.21.4 bridges hashicorp/terraform-provider-random): every input of
``random_string`` has the ``RequiresReplace`` plan modifier (``internal/provider/
resource_string.go``), so any change draws a new string.

Properties are named as the SDK's inputs are (camelCase); ``a.b`` is ``b`` inside object ``a``.
The table lists what replaces among the inputs this project sets; a type's other create-only
properties are not listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["REPLACEMENT", "TypeFacts", "facts"]

_TRACKED = "location: create-only in the spec's TrackedResource"
_ACR_RESOURCE = "location: create-only in the container registry spec's Resource"


@dataclass(frozen=True)
class TypeFacts:
    """What one resource type's provider does with a changed input, and what deleting it loses."""

    api_version: str
    """The Azure REST API version the SDK's default resource uses (the provider's for others)."""
    path: tuple[str, ...]
    """Inputs that fill the request path, the resource's own name last."""
    properties: tuple[str, ...] = ()
    """Other inputs whose change replaces the resource."""
    holds: str = ""
    """What a delete or replacement loses for good (data or an identity), or ``""``."""
    source: str = ""
    """Where the properties come from, beyond the request path."""

    @property
    def replace_on(self) -> tuple[str, ...]:
        """Every input path whose change replaces the resource."""
        return self.path + self.properties

    @property
    def auto_name(self) -> str | None:
        """The input the provider fills with a generated name when the program sets none (the
        last path parameter); the provider then keeps it from the state."""
        return self.path[-1] if self.path else None

    @property
    def destroys(self) -> str | None:
        """What a delete or replacement of this type loses, when it loses something."""
        return self.holds or None


_NETWORK = "2024-05-01"
_GROUP = ("resourceGroupName",)

REPLACEMENT: dict[str, TypeFacts] = {
    "azure-native:resources:ResourceGroup": TypeFacts(
        "2024-03-01", _GROUP, ("location",), source="forceNewMap Resources.ResourceGroup"
    ),
    "azure-native:network:VirtualNetwork": TypeFacts(
        _NETWORK,
        (*_GROUP, "virtualNetworkName"),
        ("location",),
        source="forceNewMap Network.VirtualNetwork",
    ),
    "azure-native:network:Subnet": TypeFacts(
        _NETWORK,
        (*_GROUP, "virtualNetworkName", "subnetName"),
        source="forceNewMap Network.Subnet: no force-news",
    ),
    "azure-native:network:NetworkSecurityGroup": TypeFacts(
        _NETWORK, (*_GROUP, "networkSecurityGroupName")
    ),
    "azure-native:network:PrivateEndpoint": TypeFacts(
        _NETWORK,
        (*_GROUP, "privateEndpointName"),
        ("subnet",),
        source="forceNewMap Network.PrivateEndpoint (pulumi-azure-native#3883)",
    ),
    "azure-native:network:PrivateDnsZoneGroup": TypeFacts(
        _NETWORK, (*_GROUP, "privateEndpointName", "privateDnsZoneGroupName")
    ),
    "azure-native:privatedns:PrivateZone": TypeFacts(
        "2024-06-01",
        (*_GROUP, "privateZoneName"),
        holds="its DNS records (every private endpoint's name resolution through it)",
    ),
    "azure-native:privatedns:VirtualNetworkLink": TypeFacts(
        "2024-06-01", (*_GROUP, "privateZoneName", "virtualNetworkLinkName")
    ),
    "azure-native:containerregistry:Registry": TypeFacts(
        "2023-01-01-preview",
        (*_GROUP, "registryName"),
        ("location",),
        holds="its images and artifacts",
        source=_ACR_RESOURCE,
    ),
    "azure-native:containerregistry:Replication": TypeFacts(
        "2024-11-01-preview",
        (*_GROUP, "registryName", "replicationName"),
        ("location",),
        source=_ACR_RESOURCE,
    ),
    "azure-native:containerregistry:AgentPool": TypeFacts(
        "2019-06-01-preview",
        (*_GROUP, "registryName", "agentPoolName"),
        ("location",),
        source=_ACR_RESOURCE,
    ),
    "azure-native:containerregistry:Task": TypeFacts(
        "2019-06-01-preview",
        (*_GROUP, "registryName", "taskName"),
        ("location",),
        source=_ACR_RESOURCE,
    ),
    "azure-native:containerservice:ManagedCluster": TypeFacts(
        "2025-09-01",
        (*_GROUP, "resourceName"),
        (
            "location",
            "diskEncryptionSetID",
            "dnsPrefix",
            "fqdnSubdomain",
            "linuxProfile",
            "nodeResourceGroup",
            "windowsProfile",
            "networkProfile.serviceCidr",
            "networkProfile.serviceCidrs",
            "networkProfile.dnsServiceIP",
            "networkProfile.networkMode",
            "networkProfile.networkPlugin",
            "networkProfile.networkPluginMode",
            "networkProfile.podCidr",
            "networkProfile.networkDataplane",
            "networkProfile.networkPolicy",
            "networkProfile.outboundType",
        ),
        holds="its workloads, persistent volumes, kubelet identity and OIDC issuer (every "
        "federated credential that trusts it)",
        source="forceNewMap ContainerService.ManagedCluster (networkProfile leaves since "
        "pulumi-azure-native#4771)",
    ),
    "azure-native:keyvault:Vault": TypeFacts(
        "2024-11-01",
        (*_GROUP, "vaultName"),
        holds="its secrets, keys and certificates (soft-deleted, the name held until purged)",
    ),
    "azure-native:operationalinsights:Workspace": TypeFacts(
        "2023-09-01",
        (*_GROUP, "workspaceName"),
        ("location",),
        holds="its logs and metrics",
        source=_TRACKED,
    ),
    "azure-native:managedidentity:UserAssignedIdentity": TypeFacts(
        "2023-01-31",
        (*_GROUP, "resourceName"),
        ("location",),
        holds="its principal id (every role assignment and federated credential of it)",
        source=_TRACKED,
    ),
    "azure-native:managedidentity:FederatedIdentityCredential": TypeFacts(
        "2023-01-31", (*_GROUP, "resourceName", "federatedIdentityCredentialResourceName")
    ),
    "azure-native:authorization:RoleAssignment": TypeFacts(
        "2022-04-01",
        ("scope", "roleAssignmentName"),
        ("principalId",),
        source="forceNewMap Authorization.RoleAssignment",
    ),
    "azure-native:authorization:RoleDefinition": TypeFacts(
        "2022-05-01-preview", ("scope", "roleDefinitionId")
    ),
    "azure-native:monitor:DiagnosticSetting": TypeFacts(
        "2021-05-01-preview", ("resourceUri", "name")
    ),
    "azure-native:monitor:DataCollectionRule": TypeFacts(
        "2022-06-01", (*_GROUP, "dataCollectionRuleName")
    ),
    "azure-native:monitor:DataCollectionRuleAssociation": TypeFacts(
        "2022-06-01", ("resourceUri", "associationName")
    ),
    "azure-native:storage:StorageAccount": TypeFacts(
        "2024-01-01",
        (*_GROUP, "accountName"),
        ("isHnsEnabled", "location"),
        holds="its blobs, files, queues and tables",
        source="forceNewMap Storage.StorageAccount",
    ),
    "azure-native:storage:BlobContainer": TypeFacts(
        "2024-01-01",
        (*_GROUP, "accountName", "containerName"),
        holds="its blobs",
        source="forceNewMap Storage.BlobContainer: no force-news",
    ),
    "azure-native:logic:Workflow": TypeFacts("2019-05-01", (*_GROUP, "workflowName")),
    "random:index/randomString:RandomString": TypeFacts(
        "pulumi-random 4.21.4",
        (),
        (
            "keepers",
            "length",
            "lower",
            "minLower",
            "minNumeric",
            "minSpecial",
            "minUpper",
            "number",
            "numeric",
            "overrideSpecial",
            "special",
            "upper",
        ),
        source="terraform-provider-random resource_string.go: RequiresReplace on every input",
    ),
}
"""The facts of each type this project deploys, by token without its API version."""

_VERSION = re.compile(r"/v[0-9][0-9A-Za-z]*(?=:)")


def facts(type_token: str) -> TypeFacts | None:
    """The facts for ``type_token``, whatever API-version segment it carries
    (``azure-native:containerservice/v20240801:ManagedCluster``), or None for a type not here."""
    return REPLACEMENT.get(_VERSION.sub("", type_token, count=1))
