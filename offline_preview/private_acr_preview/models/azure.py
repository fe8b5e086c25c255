"""The ``azure-native`` package: outputs and lookups that look as Azure would return them.

Resources: real ARM ids built from the inputs (parent names, resource group, subscription), the
registry login server, identity principal and client ids, the AKS FQDN, OIDC issuer URL and
kubelet identity, storage endpoints, a Logic Apps workflow's access endpoint, and private
endpoint addresses taken from the endpoint's
subnet (a registry's endpoint gets a data-endpoint record for each region the registry serves
when the endpoint is created: its home, then every replica by region name), all with the DNS
suffixes of the cloud that ``azure-native:environment`` names (``azure_clouds.CLOUDS``). Values
are deterministic per project and stack.

Lookups (``get<Type>`` functions such as ``azure-native:network:getSubnet``, their ``_output``
forms use the same token, and ``Resource.get`` reads by id): the ARM id is built from the
function's arguments and looked up case-insensitively in the ``--existing`` snapshot, child
resources held inline included. A miss fails the function as ARM's 404 does (``Code="NotFound"``
for a child of an existing parent, ``Code="ResourceNotFound"`` otherwise; Learn, "Resolve
resource not found errors"). Without a snapshot a lookup answers an empty result and is listed
in ``notes()`` as not verified.

Subscriptions: a resource is created, and a lookup made, in the subscription of the provider
that serves it, as the real provider does. An explicit provider
(``azure_native.Provider(subscription_id=...)`` in a resource's or a call's options, or a
parent's ``providers``) has its own; the default provider has ``azure-native:subscriptionId``.
An explicit provider reads none of the stack's ``azure-native:*`` config, so one without a
subscription, like a default provider without the setting, uses the credentials' (Azure CLI
default, ``ARM_SUBSCRIPTION_ID``), which the one subscription of the snapshot (or of the base
state's ids) stands for offline.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, cast

from pulumi.runtime import mocks

from private_acr_preview.errors import UserError
from private_acr_preview.models import ModelContext
from private_acr_preview.models.azure_clouds import CLOUDS, Cloud
from private_acr_preview.models.azure_existing import Snapshot
from private_acr_preview.models.base import (
    PROVIDER_TYPE,
    Deterministic,
    InvokeFailure,
    Outputs,
    arguments_of,
    inputs_of,
)


class AzureConfigError(UserError):
    """A provider config value the model cannot honour."""


def _token(type_: str) -> tuple[str, str]:
    """``azure-native:network/v20240501:Subnet`` -> (``network``, ``Subnet``)."""
    parts = type_.split(":")
    if len(parts) != 3:
        return "", type_
    return parts[1].split("/")[0], parts[2]


_Parents = tuple[tuple[str, str], ...]
_VNET = (("Microsoft.Network/virtualNetworks", "virtualNetworkName"),)
_NSG = (("Microsoft.Network/networkSecurityGroups", "networkSecurityGroupName"),)
_ROUTES = (("Microsoft.Network/routeTables", "routeTableName"),)
_ENDPOINT = (("Microsoft.Network/privateEndpoints", "privateEndpointName"),)
_ZONE = (("Microsoft.Network/privateDnsZones", "privateZoneName"),)
_REGISTRY = (("Microsoft.ContainerRegistry/registries", "registryName"),)
_ACCOUNT = (("Microsoft.Storage/storageAccounts", "accountName"),)
_IDENTITY = (("Microsoft.ManagedIdentity/userAssignedIdentities", "resourceName"),)
_FIREWALL_POLICY = (("Microsoft.Network/firewallPolicies", "firewallPolicyName"),)

# (module, type) -> (ARM path segment, the input naming the resource, parents' segments and inputs).
# Lookups (get<Type>) take the same argument names as the resource's inputs.
ARM_PATHS: Mapping[tuple[str, str], tuple[str, str, _Parents]] = {
    ("network", "VirtualNetwork"): ("Microsoft.Network/virtualNetworks", "virtualNetworkName", ()),
    ("network", "Subnet"): ("subnets", "subnetName", _VNET),
    ("network", "VirtualNetworkPeering"): (
        "virtualNetworkPeerings",
        "virtualNetworkPeeringName",
        _VNET,
    ),
    ("network", "NetworkSecurityGroup"): (
        "Microsoft.Network/networkSecurityGroups",
        "networkSecurityGroupName",
        (),
    ),
    ("network", "SecurityRule"): ("securityRules", "securityRuleName", _NSG),
    ("network", "RouteTable"): ("Microsoft.Network/routeTables", "routeTableName", ()),
    ("network", "IpGroup"): ("Microsoft.Network/ipGroups", "ipGroupsName", ()),
    ("network", "Route"): ("routes", "routeName", _ROUTES),
    ("network", "FirewallPolicy"): (
        "Microsoft.Network/firewallPolicies",
        "firewallPolicyName",
        (),
    ),
    ("network", "FirewallPolicyRuleCollectionGroup"): (
        "ruleCollectionGroups",
        "ruleCollectionGroupName",
        _FIREWALL_POLICY,
    ),
    ("network", "PrivateEndpoint"): (
        "Microsoft.Network/privateEndpoints",
        "privateEndpointName",
        (),
    ),
    ("network", "PrivateDnsZoneGroup"): (
        "privateDnsZoneGroups",
        "privateDnsZoneGroupName",
        _ENDPOINT,
    ),
    ("privatedns", "PrivateZone"): ("Microsoft.Network/privateDnsZones", "privateZoneName", ()),
    ("privatedns", "VirtualNetworkLink"): ("virtualNetworkLinks", "virtualNetworkLinkName", _ZONE),
    ("containerregistry", "Registry"): (
        "Microsoft.ContainerRegistry/registries",
        "registryName",
        (),
    ),
    ("containerregistry", "AgentPool"): ("agentPools", "agentPoolName", _REGISTRY),
    ("containerregistry", "Replication"): ("replications", "replicationName", _REGISTRY),
    ("containerregistry", "Task"): ("tasks", "taskName", _REGISTRY),
    ("containerservice", "ManagedCluster"): (
        "Microsoft.ContainerService/managedClusters",
        "resourceName",
        (),
    ),
    ("keyvault", "Vault"): ("Microsoft.KeyVault/vaults", "vaultName", ()),
    ("logic", "Workflow"): ("Microsoft.Logic/workflows", "workflowName", ()),
    ("operationalinsights", "Workspace"): (
        "Microsoft.OperationalInsights/workspaces",
        "workspaceName",
        (),
    ),
    ("monitor", "DataCollectionRule"): (
        "Microsoft.Insights/dataCollectionRules",
        "dataCollectionRuleName",
        (),
    ),
    ("storage", "StorageAccount"): ("Microsoft.Storage/storageAccounts", "accountName", ()),
    ("storage", "BlobContainer"): ("blobServices/default/containers", "containerName", _ACCOUNT),
    ("managedidentity", "UserAssignedIdentity"): (
        "Microsoft.ManagedIdentity/userAssignedIdentities",
        "resourceName",
        (),
    ),
    ("managedidentity", "FederatedIdentityCredential"): (
        "federatedIdentityCredentials",
        "federatedIdentityCredentialResourceName",
        _IDENTITY,
    ),
}

# Extension resources live under the resource they extend (``<scope>/providers/<type>/<name>``):
# (module, type) -> (the input holding the scope, the type's path, the input naming it).
EXTENSION_PATHS: Mapping[tuple[str, str], tuple[str, str, str]] = {
    # Its name is the GUID the program chose (REST: PUT {scope}/providers/Microsoft.Authorization/
    # roleDefinitions/{roleDefinitionId}); an assignment names the role by that GUID.
    ("authorization", "RoleDefinition"): (
        "scope",
        "Microsoft.Authorization/roleDefinitions",
        "roleDefinitionId",
    ),
    ("monitor", "DiagnosticSetting"): (
        "resourceUri",
        "Microsoft.Insights/diagnosticSettings",
        "name",
    ),
    ("monitor", "DataCollectionRuleAssociation"): (
        "resourceUri",
        "Microsoft.Insights/dataCollectionRuleAssociations",
        "associationName",
    ),
}

_NO_LOCATION = {
    "Subnet",
    "SecurityRule",
    "Route",
    "RoleAssignment",
    "RoleDefinition",
    "DiagnosticSetting",
    "DataCollectionRuleAssociation",
}


_RESPONSE_HOLDS_SCOPE = {("authorization", "RoleAssignment")}
"""Extension types whose response body repeats the scope (``properties.scope``)."""


def _path_inputs(module: str, kind: str) -> set[str]:
    """Inputs that only name the request URL (the resource group, the names of the resource
    and its parents, an extension's scope). azure-native's outputs follow the response body,
    so these are not among them, in a preview or after ``up``: the Pulumi CLI gives the policy
    pack's AnalyzeStack each resource's outputs (pkg/resource/deploy/step_generator.go), and a
    pack can link such a resource only by property dependency or by id."""
    found = {"resourceGroupName"}
    spec = ARM_PATHS.get((module, kind))
    if spec is not None:
        found |= {spec[1], *(name_input for _, name_input in spec[2])}
    extension = EXTENSION_PATHS.get((module, kind))
    if extension is not None:
        found.add(extension[2])
        if (module, kind) not in _RESPONSE_HOLDS_SCOPE:
            found.add(extension[0])
    return found - {"name"}  # the answer's own name, whatever the input naming it was called


_PREFIX = "azure-native:"
_PROVIDER = f"{PROVIDER_TYPE}azure-native"


def _subscription_of(resource_id: str) -> str:
    parts = resource_id.split("/")
    return parts[2] if len(parts) > 2 and parts[1].lower() == "subscriptions" else ""


def _tenants(value: object) -> Iterator[str]:
    """Every ``tenantId`` text in a resource's outputs (identities and vaults answer one)."""
    if isinstance(value, dict):
        for key, item in cast(dict[str, object], value).items():
            if key == "tenantId" and isinstance(item, str):
                yield item
            else:
                yield from _tenants(item)
    elif isinstance(value, list):
        for item in cast(list[object], value):
            yield from _tenants(item)


def _only(groups: Iterable[Iterable[str]]) -> str:
    """The one non-empty value all ``groups`` hold together, or ``""`` when there are none or
    several (then it cannot be told which one the provider uses)."""
    found = {value.lower(): value for group in groups for value in group if value}
    return next(iter(found.values())) if len(found) == 1 else ""


def _mapping(value: object) -> dict[str, Any]:
    return cast(dict[str, Any], value) if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return cast(list[Any], value) if isinstance(value, list) else []


class AzureModel:
    """Deterministic stand-in for Azure Resource Manager, per stack."""

    def __init__(self, context: ModelContext) -> None:
        self.values = Deterministic(context.project, context.stack)
        config = context.config
        self.location = config.get("azure-native:location", "eastus2")
        environment = config.get("azure-native:environment", "public")
        if environment not in CLOUDS:
            raise AzureConfigError(
                f"azure-native:environment: got {environment!r}; expected one of {', '.join(CLOUDS)}"
            )
        self.cloud: Cloud = CLOUDS[environment]
        self.snapshot = Snapshot(context.existing) if context.existing is not None else None
        self.prior = [p for p in context.prior or () if str(p.get("type", "")).startswith(_PREFIX)]
        self.subscription_id = config.get("azure-native:subscriptionId") or self._credentials()
        # Explicit providers' ids (as answered for them) -> their subscriptions.
        self._provider_subscriptions: dict[str, str] = {}
        self.tenant_id = (
            config.get("azure-native:tenantId")
            or _only(_tenants(p.get("outputs")) for p in self.prior)
            or self.values.uuid("tenant")
        )
        self._unverified: list[str] = []
        self._unmodelled: list[str] = []
        self._subnet_prefixes: dict[str, ipaddress.IPv4Network] = {}
        self._allocated: dict[str, set[int]] = {}
        # Registry id (lower case) -> its home region and the regions of its replicas so far.
        self._registry_regions: dict[str, list[str]] = {}
        self._handlers: Mapping[tuple[str, str], Callable[[str, Outputs], Outputs]] = {
            ("containerregistry", "Registry"): self._registry,
            ("containerregistry", "Replication"): self._replication,
            ("containerservice", "ManagedCluster"): self._cluster,
            ("keyvault", "Vault"): self._vault,
            ("logic", "Workflow"): self._workflow,
            ("managedidentity", "UserAssignedIdentity"): self._identity,
            ("network", "PrivateEndpoint"): self._private_endpoint,
            ("network", "Subnet"): self._subnet,
            ("network", "VirtualNetwork"): self._virtual_network,
            ("storage", "StorageAccount"): self._storage_account,
        }

    def _credentials(self) -> str:
        """The subscription a provider given none uses: the one its credentials select."""
        if self.snapshot is not None:
            # The credentials that printed the snapshot select the provider's subscription.
            found = self.snapshot.subscriptions()
            if len(found) == 1:
                return found[0]
        # A base state was deployed with the provider's subscription: its ids hold it.
        deployed = _only([_subscription_of(str(p.get("id", "")))] for p in self.prior)
        if deployed:
            return deployed
        # Never read from the environment: the same stack must give the same plan everywhere.
        return self.values.uuid("subscription")

    # Model interface ---------------------------------------------------------------------

    def notes(self) -> list[str]:
        notes = [
            f"not verified (no --existing snapshot; the lookup returned an empty result): {item}"
            for item in self._unverified
        ]
        notes += [f"not modelled (returned an empty result): {token}" for token in self._unmodelled]
        return notes

    def _subscription_of_provider(self, reference: str | None) -> str:
        """The subscription of the provider a resource or call names (``<urn>::<id>``)."""
        if not reference:
            return self.subscription_id
        return self._provider_subscriptions.get(reference.rsplit("::", 1)[-1], self.subscription_id)

    def _provider(self, args: mocks.MockResourceArgs) -> tuple[str, Outputs]:
        inputs = inputs_of(args)
        configured = inputs.get("subscriptionId")
        subscription = configured if isinstance(configured, str) and configured else None
        subscription = subscription or self._credentials()
        provider_id = self.values.uuid("provider", args.name, subscription.lower())
        self._provider_subscriptions[provider_id] = subscription
        return provider_id, inputs

    def call(self, args: mocks.MockCallArgs) -> Outputs:
        module, function = _token(args.token)
        subscription = self._subscription_of_provider(args.provider)
        if function == "getClientConfig":
            return {
                "subscriptionId": subscription,
                "tenantId": self.tenant_id,
                "clientId": self.values.uuid("client"),
                "objectId": self.values.uuid("caller"),
            }
        spec = ARM_PATHS.get((module, function[3:])) if function.startswith("get") else None
        resource_id = self._lookup_id(spec, arguments_of(args), subscription) if spec else None
        if resource_id is None:
            if args.token not in self._unmodelled:
                self._unmodelled.append(args.token)
            return {}
        return self._existing(args.token, resource_id)

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, Outputs]:
        if args.typ == _PROVIDER:
            return self._provider(args)
        if args.resource_id:
            return args.resource_id, self._existing(f"{args.typ}.get", args.resource_id)
        inputs = inputs_of(args)
        module, kind = _token(args.typ)
        physical = self._physical_name(module, kind, args.name, inputs)
        subscription = self._subscription_of_provider(args.provider)
        resource_id = self._arm_id(module, kind, physical, inputs, subscription)
        outputs = {**inputs, "name": physical, "id": resource_id}
        if "location" not in outputs and kind not in _NO_LOCATION:
            outputs["location"] = self.location
        if _mapping(inputs.get("identity")):
            outputs["identity"] = self._answered_identity(_mapping(inputs["identity"]), resource_id)
        handler = self._handlers.get((module, kind))
        if handler is not None:
            outputs.update(handler(physical, outputs))
        for key in _path_inputs(module, kind):
            outputs.pop(key, None)
        return resource_id, outputs

    def _answered_identity(self, declared: Mapping[str, Any], resource_id: str) -> Outputs:
        """A resource's ``identity`` as ARM answers it: azure-native v3 inputs name user-assigned
        identities as a list of ids, every resource type's response holds a map keyed by id."""
        ids: object = declared.get("userAssignedIdentities") or []
        answered: Outputs = {
            "type": declared.get("type"),
            "userAssignedIdentities": {
                str(i): {
                    "clientId": self.values.uuid("client", str(i)),
                    "principalId": self.values.uuid("principal", str(i)),
                }
                for i in (_list(ids) or list(_mapping(ids)))
            },
        }
        if "SystemAssigned" in str(declared.get("type", "")):
            answered["principalId"] = self.values.uuid("principal", resource_id)
            answered["tenantId"] = self.tenant_id
        return answered

    # lookups ----------------------------------------------------------------------------

    def _lookup_id(
        self, spec: tuple[str, str, _Parents], args: Mapping[str, Any], subscription: str
    ) -> str | None:
        path, name_arg, parents = spec
        names = [args.get(arg) for _, arg in parents] + [args.get(name_arg)]
        group = args.get("resourceGroupName")
        if not all(isinstance(n, str) and n for n in [*names, group]):
            return None
        segments = [f"{segment}/{name}" for (segment, _), name in zip(parents, names, strict=False)]
        return "/".join(
            [
                f"/subscriptions/{subscription}/resourceGroups/{group}/providers",
                *segments,
                f"{path}/{names[-1]}",
            ]
        )

    def _existing(self, what: str, resource_id: str) -> Outputs:
        if self.snapshot is None:
            entry = f"{resource_id} ({what})"
            if entry not in self._unverified:
                self._unverified.append(entry)
            return {}
        found = self.snapshot.find(resource_id)
        if found is not None:
            return found
        raise InvokeFailure(self._not_found(resource_id))

    def _not_found(self, resource_id: str) -> str:
        parts = resource_id.split("/")
        group = parts[4] if len(parts) > 4 else ""
        provider_path = "/".join(parts[6:]) if len(parts) > 6 else resource_id
        parent = "/".join(parts[:-2])
        if len(parts) > 9 and self.snapshot is not None and self.snapshot.find(parent):
            return f'Status=404 Code="NotFound" Message="Resource {resource_id} not found."'
        return (
            f'Status=404 Code="ResourceNotFound" Message="The Resource \'{provider_path}\' under '
            f"resource group '{group}' was not found (not in the --existing snapshot).\""
        )

    # ids and names ----------------------------------------------------------------------

    def _physical_name(
        self, module: str, kind: str, logical: str, inputs: Mapping[str, Any]
    ) -> str:
        spec = ARM_PATHS.get((module, kind))
        name_input = spec[1] if spec else EXTENSION_PATHS.get((module, kind), ("", "", ""))[2]
        if name_input and isinstance(inputs.get(name_input), str) and inputs[name_input]:
            return str(inputs[name_input])
        if kind == "RoleAssignment":
            return str(
                inputs.get("roleAssignmentName") or self.values.uuid("role-assignment", logical)
            )
        if kind == "ResourceGroup" and isinstance(inputs.get("resourceGroupName"), str):
            return str(inputs["resourceGroupName"])
        # azure-native auto-names from the logical name plus a random suffix.
        return f"{logical}{self.values.suffix(logical)}"

    def _arm_id(
        self, module: str, kind: str, physical: str, inputs: Mapping[str, Any], subscription: str
    ) -> str:
        group = (
            f"/subscriptions/{subscription}/resourceGroups/{inputs.get('resourceGroupName', 'rg')}"
        )
        if kind == "ResourceGroup":
            return f"/subscriptions/{subscription}/resourceGroups/{physical}"
        if kind == "RoleAssignment":
            return f"{inputs.get('scope', group)}/providers/Microsoft.Authorization/roleAssignments/{physical}"
        extension = EXTENSION_PATHS.get((module, kind))
        if extension is not None:
            scope, path, _ = extension
            return f"{inputs.get(scope, group)}/providers/{path}/{physical}"
        spec = ARM_PATHS.get((module, kind))
        if spec is None:
            return f"{group}/providers/Microsoft.{module.capitalize()}/{kind[0].lower()}{kind[1:]}s/{physical}"
        path, _, parents = spec
        segments = [f"{segment}/{inputs.get(name_input, '')}" for segment, name_input in parents]
        return "/".join([group, "providers", *segments, path, physical])

    # per-type outputs -------------------------------------------------------------------

    def _remember_prefix(self, subnet_id: str, prefix: object) -> None:
        try:
            self._subnet_prefixes[subnet_id.lower()] = ipaddress.IPv4Network(str(prefix))
        except ValueError:
            return

    def _subnet(self, name: str, props: Outputs) -> Outputs:
        self._remember_prefix(str(props["id"]), props.get("addressPrefix"))
        return {"provisioningState": "Succeeded"}

    def _virtual_network(self, name: str, props: Outputs) -> Outputs:
        """Inline subnets come back with their ids, as ARM returns them."""
        subnets: list[Any] = []
        for subnet in _list(props.get("subnets")):
            entry = _mapping(subnet)
            if isinstance(entry.get("name"), str):
                entry = {**entry, "id": f"{props['id']}/subnets/{entry['name']}"}
                self._remember_prefix(entry["id"], entry.get("addressPrefix"))
            subnets.append(entry or subnet)
        return {"subnets": subnets, "provisioningState": "Succeeded"} if subnets else {}

    def _registry(self, name: str, props: Outputs) -> Outputs:
        suffix = self.cloud.registry
        home = str(props["location"]).lower()
        self._registry_regions[str(props["id"]).lower()] = [home]
        return {
            "loginServer": f"{name.lower()}.{suffix}",
            "provisioningState": "Succeeded",
            "dataEndpointHostNames": [f"{name.lower()}.{home}.data.{suffix}"]
            if props.get("dataEndpointEnabled")
            else [],
        }

    def _replication(self, name: str, props: Outputs) -> Outputs:
        """A replica adds its region's data endpoint to the registry's private endpoints."""
        registry_id = str(props["id"]).lower().rsplit("/replications/", 1)[0]
        # A registry outside the plan is taken to live in the provider's region, as below.
        regions = self._registry_regions.setdefault(registry_id, [self.location])
        region = str(props["location"]).lower()
        if region not in regions:
            regions.append(region)
        return {
            "provisioningState": "Succeeded",
            "status": {"displayStatus": "Ready"},
            "regionEndpointEnabled": props.get("regionEndpointEnabled", True),
        }

    def _identity(self, name: str, props: Outputs) -> Outputs:
        return {
            "principalId": self.values.uuid("principal", name),
            "clientId": self.values.uuid("client", name),
            "tenantId": self.tenant_id,
        }

    def _vault(self, name: str, props: Outputs) -> Outputs:
        properties = _mapping(props.get("properties"))
        return {
            "properties": {**properties, "vaultUri": f"https://{name}.{self.cloud.key_vault}/"},
            "provisioningState": "Succeeded",
        }

    def _workflow(self, name: str, props: Outputs) -> Outputs:
        location = str(props["location"]).lower().replace(" ", "")
        workflow = self.values.suffix(str(props["id"]).lower(), 32, "0123456789abcdef")
        endpoint = f"https://prod-00.{location}.{self.cloud.logic}:443/workflows/{workflow}"
        return {"accessEndpoint": endpoint, "provisioningState": "Succeeded"}

    def _cluster(self, name: str, props: Outputs) -> Outputs:
        kubelet = f"{name}-agentpool"
        node_group = f"MC_{props.get('resourceGroupName', 'rg')}_{name}_{self.location}"
        private = bool(_mapping(props.get("apiServerAccessProfile")).get("enablePrivateCluster"))
        host = self.cloud.aks_hcp.format(region=self.location)
        fqdn = f"{props.get('dnsPrefix', name)}-{self.values.suffix(name, 8)}.{host}"
        outputs: Outputs = {
            "nodeResourceGroup": node_group,
            "identityProfile": {
                "kubeletidentity": {
                    "clientId": self.values.uuid("client", kubelet),
                    "objectId": self.values.uuid("principal", kubelet),
                    "resourceId": f"/subscriptions/{_subscription_of(str(props['id']))}/resourceGroups/{node_group}"
                    f"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{kubelet}",
                }
            },
            "provisioningState": "Succeeded",
            "powerState": {"code": "Running"},
        }
        if private:
            outputs["privateFQDN"] = fqdn.replace(".hcp.", ".privatelink.", 1)
        else:
            outputs["fqdn"] = fqdn
        if _mapping(props.get("oidcIssuerProfile")).get("enabled"):
            issuer_host = self.cloud.aks_oidc.format(region=self.location)
            outputs["oidcIssuerProfile"] = {
                "enabled": True,
                "issuerURL": f"https://{issuer_host}/{self.tenant_id}/{self.values.uuid('oidc', name)}/",
            }
        return outputs

    def _storage_account(self, name: str, props: Outputs) -> Outputs:
        return {
            "primaryEndpoints": {
                service: f"https://{name}.{service}.{self.cloud.storage}/"
                for service in ("blob", "dfs", "file", "queue", "table", "web")
            },
            "provisioningState": "Succeeded",
        }

    def _subnet_prefix(self, subnet_id: str) -> ipaddress.IPv4Network | None:
        prefix = self._subnet_prefixes.get(subnet_id.lower())
        if prefix is None and self.snapshot is not None:
            existing = self.snapshot.find(subnet_id)
            if existing is not None:
                self._remember_prefix(subnet_id, existing.get("addressPrefix"))
                prefix = self._subnet_prefixes.get(subnet_id.lower())
        return prefix

    def _allocate(self, subnet_id: str, prefix: ipaddress.IPv4Network, key: str) -> str:
        """An address from the subnet chosen by name, so concurrent registrations stay repeatable.

        Azure keeps the first four addresses and the last one of every subnet.
        """
        usable = max(prefix.num_addresses - 5, 1)
        taken = self._allocated.setdefault(subnet_id.lower(), set())
        offset = int(hashlib.sha256(key.encode()).hexdigest(), 16) % usable
        for _ in range(usable):
            if offset not in taken:
                break
            offset = (offset + 1) % usable
        taken.add(offset)
        return str(prefix.network_address + 4 + offset)

    def _endpoint_fqdns(self, props: Outputs) -> list[str]:
        connections = [_mapping(c) for c in _list(props.get("privateLinkServiceConnections"))]
        groups = [str(g) for c in connections for g in _list(c.get("groupIds"))]
        target = str(connections[0].get("privateLinkServiceId", "")) if connections else ""
        target_name = target.rsplit("/", 1)[-1].lower()
        if "registry" in groups:
            # One record for the login server and one per regional data endpoint: the home
            # region's and each replica's that exists when the endpoint is created (Learn,
            # container-registry-private-link, "Private IP addresses").
            # The home region's first, then the replicas' by name: replicas are registered
            # concurrently, so the order they arrive in is not the same from run to run.
            registry = self.cloud.registry
            home, *replicas = self._registry_regions.get(target.lower(), [self.location])
            return [f"{target_name}.{registry}"] + [
                f"{target_name}.{region}.data.{registry}" for region in [home, *sorted(replicas)]
            ]
        if "vault" in groups:
            return [f"{target_name}.{self.cloud.key_vault}"]
        if groups:
            return [f"{target_name}.{groups[0]}.{self.cloud.storage}"]
        return []

    def _private_endpoint(self, name: str, props: Outputs) -> Outputs:
        subnet_id = str(_mapping(props.get("subnet")).get("id", ""))
        prefix = self._subnet_prefix(subnet_id)
        configs: list[Outputs] = []
        for fqdn in self._endpoint_fqdns(props):
            address = ""
            if prefix is not None:
                address = self._allocate(subnet_id, prefix, f"{name}/{fqdn}")
            configs.append({"fqdn": fqdn, "ipAddresses": [address] if address else []})
        group = subnet_id.split("/providers/", maxsplit=1)[0]
        return {
            "customDnsConfigs": configs,
            "networkInterfaces": [
                {"id": f"{group}/providers/Microsoft.Network/networkInterfaces/{name}.nic"}
            ],
            "provisioningState": "Succeeded",
        }
