"""Provider-computed outputs that look as Azure would return them.

The mock engine asks ``CloudModel.new_resource`` for each resource's id and outputs. For the
azure-native types this project uses it builds real ARM ids from the inputs (parent names,
resource group, subscription), the registry login server, identity principal and client ids,
the AKS OIDC issuer URL and kubelet identity, and private endpoint addresses taken from the
endpoint's subnet. Everything is deterministic: the same program and stack give the same
values, so plans can be compared and pinned. Unknown types get their inputs back and a
name-derived id, which keeps the engine generic.
"""

# pyright: reportUnknownArgumentType=false, reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnnecessaryIsInstance=false
# (Temporary while issue 10 reworks this module; remove this line when it is clean under strict.)

from __future__ import annotations

import hashlib
import ipaddress
import string
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pulumi.runtime import mocks

if TYPE_CHECKING:
    from private_acr_preview.program import ProgramRun

_NAMESPACE = uuid.UUID("6f1e2c3a-0b7d-4c1e-9a55-2f6d8e4b1c90")


def _token(type_: str) -> tuple[str, str]:
    """``azure-native:network/v20240501:Subnet`` -> (``network``, ``Subnet``)."""
    parts = type_.split(":")
    if len(parts) != 3:
        return "", type_
    return parts[1].split("/")[0], parts[2]


# (ARM provider path segments, the input naming this resource, parent input names)
_ARM: Mapping[tuple[str, str], tuple[str, str, tuple[tuple[str, str], ...]]] = {
    ("network", "VirtualNetwork"): ("Microsoft.Network/virtualNetworks", "virtualNetworkName", ()),
    ("network", "Subnet"): (
        "subnets",
        "subnetName",
        (("Microsoft.Network/virtualNetworks", "virtualNetworkName"),),
    ),
    ("network", "NetworkSecurityGroup"): (
        "Microsoft.Network/networkSecurityGroups",
        "networkSecurityGroupName",
        (),
    ),
    ("network", "SecurityRule"): (
        "securityRules",
        "securityRuleName",
        (("Microsoft.Network/networkSecurityGroups", "networkSecurityGroupName"),),
    ),
    ("network", "PrivateEndpoint"): (
        "Microsoft.Network/privateEndpoints",
        "privateEndpointName",
        (),
    ),
    ("network", "PrivateDnsZoneGroup"): (
        "privateDnsZoneGroups",
        "privateDnsZoneGroupName",
        (("Microsoft.Network/privateEndpoints", "privateEndpointName"),),
    ),
    ("network", "VirtualNetworkPeering"): (
        "virtualNetworkPeerings",
        "virtualNetworkPeeringName",
        (("Microsoft.Network/virtualNetworks", "virtualNetworkName"),),
    ),
    ("privatedns", "PrivateZone"): ("Microsoft.Network/privateDnsZones", "privateZoneName", ()),
    ("privatedns", "VirtualNetworkLink"): (
        "virtualNetworkLinks",
        "virtualNetworkLinkName",
        (("Microsoft.Network/privateDnsZones", "privateZoneName"),),
    ),
    ("containerregistry", "Registry"): (
        "Microsoft.ContainerRegistry/registries",
        "registryName",
        (),
    ),
    ("containerregistry", "AgentPool"): (
        "agentPools",
        "agentPoolName",
        (("Microsoft.ContainerRegistry/registries", "registryName"),),
    ),
    ("containerregistry", "Task"): (
        "tasks",
        "taskName",
        (("Microsoft.ContainerRegistry/registries", "registryName"),),
    ),
    ("containerservice", "ManagedCluster"): (
        "Microsoft.ContainerService/managedClusters",
        "resourceName",
        (),
    ),
    ("storage", "StorageAccount"): ("Microsoft.Storage/storageAccounts", "accountName", ()),
    ("storage", "BlobContainer"): (
        "blobServices/default/containers",
        "containerName",
        (("Microsoft.Storage/storageAccounts", "accountName"),),
    ),
    ("managedidentity", "UserAssignedIdentity"): (
        "Microsoft.ManagedIdentity/userAssignedIdentities",
        "resourceName",
        (),
    ),
    ("managedidentity", "FederatedIdentityCredential"): (
        "federatedIdentityCredentials",
        "federatedIdentityCredentialResourceName",
        (("Microsoft.ManagedIdentity/userAssignedIdentities", "resourceName"),),
    ),
}


class CloudModel(mocks.Mocks):
    """Deterministic stand-in for Azure's responses, per stack."""

    def __init__(
        self, *, project: str, stack: str, config: Mapping[str, str], run: ProgramRun
    ) -> None:
        self.project = project
        self.stack = stack
        self.run = run
        self.location = config.get("azure-native:location", "eastus2")
        # Never read from the environment: the same stack must give the same plan everywhere.
        self.subscription_id = self.uuid("subscription")
        self.tenant_id = self.uuid("tenant")
        self._allocated: dict[str, set[int]] = {}
        self._handlers: Mapping[
            tuple[str, str], Callable[[str, dict[str, Any]], dict[str, Any]]
        ] = {
            ("containerregistry", "Registry"): self._registry,
            ("containerservice", "ManagedCluster"): self._cluster,
            ("managedidentity", "UserAssignedIdentity"): self._identity,
            ("network", "PrivateEndpoint"): self._private_endpoint,
            ("storage", "StorageAccount"): self._storage_account,
        }

    def uuid(self, *parts: str) -> str:
        return str(uuid.uuid5(_NAMESPACE, "/".join((self.project, self.stack, *parts))))

    def suffix(
        self, name: str, length: int = 8, alphabet: str = string.ascii_lowercase + string.digits
    ) -> str:
        digest = hashlib.sha256(f"{self.project}/{self.stack}/{name}".encode()).digest()
        return "".join(alphabet[b % len(alphabet)] for b in digest[:length])

    # Mocks interface -------------------------------------------------------------------

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        # The mock monitor iterates the failures, so "none" is an empty list.
        self.run.invokes.append(args.token)
        if args.token == "azure-native:authorization:getClientConfig":
            return {
                "subscriptionId": self.subscription_id,
                "tenantId": self.tenant_id,
                "clientId": self.uuid("client"),
                "objectId": self.uuid("caller"),
            }, []
        return dict(args.args), []

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        if args.typ.startswith("random:"):
            return self._random(args.name, inputs)
        if not args.typ.startswith("azure-native:"):
            return f"{args.name}-id", inputs
        module, kind = _token(args.typ)
        physical = self._physical_name(module, kind, args.name, inputs)
        resource_id = self._arm_id(module, kind, physical, inputs)
        outputs = {**inputs, "name": physical, "id": resource_id}
        if "location" not in outputs and kind not in ("Subnet", "SecurityRule", "RoleAssignment"):
            outputs["location"] = self.location
        handler = self._handlers.get((module, kind))
        if handler is not None:
            outputs.update(handler(physical, outputs))
        return resource_id, outputs

    # ids and names ---------------------------------------------------------------------

    def _physical_name(
        self, module: str, kind: str, logical: str, inputs: Mapping[str, Any]
    ) -> str:
        spec = _ARM.get((module, kind))
        if spec and isinstance(inputs.get(spec[1]), str) and inputs[spec[1]]:
            return str(inputs[spec[1]])
        if kind == "RoleAssignment":
            return str(inputs.get("roleAssignmentName") or self.uuid("role-assignment", logical))
        if kind == "ResourceGroup" and isinstance(inputs.get("resourceGroupName"), str):
            return str(inputs["resourceGroupName"])
        # azure-native auto-names from the logical name plus a random suffix.
        return f"{logical}{self.suffix(logical)}"

    def _arm_id(self, module: str, kind: str, physical: str, inputs: Mapping[str, Any]) -> str:
        group = f"/subscriptions/{self.subscription_id}/resourceGroups/{inputs.get('resourceGroupName', 'rg')}"
        if kind == "ResourceGroup":
            return f"/subscriptions/{self.subscription_id}/resourceGroups/{physical}"
        if kind == "RoleAssignment":
            return f"{inputs.get('scope', group)}/providers/Microsoft.Authorization/roleAssignments/{physical}"
        spec = _ARM.get((module, kind))
        if spec is None:
            return f"{group}/providers/Microsoft.{module.capitalize()}/{kind[0].lower()}{kind[1:]}s/{physical}"
        path, _, parents = spec
        segments = [
            f"{parent_path}/{inputs.get(parent_input, '')}" for parent_path, parent_input in parents
        ]
        return "/".join([group, "providers", *segments, path, physical])

    # per-type outputs ------------------------------------------------------------------

    def _random(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        length = int(inputs.get("length", 8))
        alphabet = string.ascii_lowercase + string.digits
        if inputs.get("upper", True):
            alphabet += string.ascii_uppercase
        result = self.suffix(name, length, alphabet)
        return f"{name}-id", {**inputs, "result": result}

    def _registry(self, name: str, props: dict[str, Any]) -> dict[str, Any]:
        return {
            "loginServer": f"{name.lower()}.azurecr.io",
            "provisioningState": "Succeeded",
            "dataEndpointHostNames": [f"{name.lower()}.{self.location}.data.azurecr.io"]
            if props.get("dataEndpointEnabled")
            else [],
        }

    def _identity(self, name: str, props: dict[str, Any]) -> dict[str, Any]:
        return {
            "principalId": self.uuid("principal", name),
            "clientId": self.uuid("client", name),
            "tenantId": self.tenant_id,
        }

    def _cluster(self, name: str, props: dict[str, Any]) -> dict[str, Any]:
        kubelet = f"{name}-agentpool"
        node_group = f"MC_{props.get('resourceGroupName', 'rg')}_{name}_{self.location}"
        private = bool((props.get("apiServerAccessProfile") or {}).get("enablePrivateCluster"))
        fqdn = (
            f"{props.get('dnsPrefix', name)}-{self.suffix(name, 8)}.hcp.{self.location}.azmk8s.io"
        )
        outputs: dict[str, Any] = {
            "nodeResourceGroup": node_group,
            "identityProfile": {
                "kubeletidentity": {
                    "clientId": self.uuid("client", kubelet),
                    "objectId": self.uuid("principal", kubelet),
                    "resourceId": f"/subscriptions/{self.subscription_id}/resourceGroups/{node_group}"
                    f"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{kubelet}",
                }
            },
            "provisioningState": "Succeeded",
            "powerState": {"code": "Running"},
        }
        identity = props.get("identity")
        if isinstance(identity, dict):
            # Inputs name user-assigned identities as a list of ids; Azure answers with a map.
            ids = identity.get("userAssignedIdentities") or []
            outputs["identity"] = {
                "type": identity.get("type"),
                "userAssignedIdentities": {
                    str(i): {
                        "clientId": self.uuid("client", str(i)),
                        "principalId": self.uuid("principal", str(i)),
                    }
                    for i in (ids if isinstance(ids, list) else list(ids))
                },
            }
        if private:
            outputs["privateFQDN"] = fqdn.replace(".hcp.", ".privatelink.")
        else:
            outputs["fqdn"] = fqdn
        if (props.get("oidcIssuerProfile") or {}).get("enabled"):
            outputs["oidcIssuerProfile"] = {
                "enabled": True,
                "issuerURL": f"https://{self.location}.oic.prod-aks.azure.com/{self.tenant_id}/{self.uuid('oidc', name)}/",
            }
        return outputs

    def _storage_account(self, name: str, props: dict[str, Any]) -> dict[str, Any]:
        return {
            "primaryEndpoints": {
                service: f"https://{name}.{service}.core.windows.net/"
                for service in ("blob", "dfs", "file", "queue", "table", "web")
            },
            "provisioningState": "Succeeded",
        }

    def _subnet_prefix(self, subnet_id: str) -> ipaddress.IPv4Network | None:
        for resource in self.run.resources:
            if resource.outputs.get("id") == subnet_id:
                prefix = resource.outputs.get("addressPrefix")
                try:
                    return ipaddress.IPv4Network(prefix) if isinstance(prefix, str) else None
                except ValueError:
                    return None
        return None

    def _allocate(self, subnet_id: str, prefix: ipaddress.IPv4Network, key: str) -> str:
        """An address from the subnet chosen by name, so concurrent registrations stay repeatable.

        Azure keeps the first four addresses and the last one of every subnet.
        """
        usable = max(prefix.num_addresses - 5, 1)
        taken = self._allocated.setdefault(subnet_id, set())
        offset = int(hashlib.sha256(key.encode()).hexdigest(), 16) % usable
        for _ in range(usable):
            if offset not in taken:
                break
            offset = (offset + 1) % usable
        taken.add(offset)
        return str(prefix.network_address + 4 + offset)

    def _private_endpoint(self, name: str, props: dict[str, Any]) -> dict[str, Any]:
        subnet_id = str((props.get("subnet") or {}).get("id", ""))
        prefix = self._subnet_prefix(subnet_id)
        connections = props.get("privateLinkServiceConnections") or []
        groups = [g for c in connections for g in (c.get("groupIds") or [])]
        target = str(connections[0].get("privateLinkServiceId", "")) if connections else ""
        target_name = target.rsplit("/", 1)[-1].lower()
        if "registry" in groups:
            fqdns = [f"{target_name}.azurecr.io", f"{target_name}.{self.location}.data.azurecr.io"]
        elif groups:
            fqdns = [f"{target_name}.{groups[0]}.core.windows.net"]
        else:
            fqdns = []
        configs: list[dict[str, Any]] = []
        for fqdn in fqdns:
            address = ""
            if prefix is not None:
                address = self._allocate(subnet_id, prefix, f"{name}/{fqdn}")
            configs.append({"fqdn": fqdn, "ipAddresses": [address] if address else []})
        return {
            "customDnsConfigs": configs,
            "networkInterfaces": [
                {
                    "id": f"{subnet_id.split('/providers/', maxsplit=1)[0]}/providers/Microsoft.Network/networkInterfaces/{name}.nic"
                }
            ],
            "provisioningState": "Succeeded",
        }
