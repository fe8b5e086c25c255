"""Refactor safety: the URN of every resource and the properties whose change makes Azure replace it.

A change of URN (a renamed logical name, a new parent) makes Pulumi delete the resource and
create another; so does a change to a property Azure cannot update in place (a registry's
name, an agent pool's tier or subnet, a cluster's network profile, an endpoint's subnet).
``tests/test_pins.py`` compares the dev and prod plans with the pins in ``tests/pins/``.

When a change is intended, review the diff the failing test prints, then update the pins:

    .venv/bin/python tests/pins.py            # rewrites tests/pins/dev.json and prod.json

and commit them with the change. Renaming a resource on purpose? Add
``pulumi.Alias(name="<old name>")`` to its options instead: a resource whose alias covers
a pinned URN passes without a pin update.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
PIN_DIR = Path(__file__).resolve().parent / "pins"
STACKS = ("dev", "prod")

REPLACE_ON: dict[str, tuple[str, ...]] = {
    "azure-native:resources:ResourceGroup": ("resourceGroupName", "location"),
    "azure-native:network:VirtualNetwork": ("resourceGroupName", "location"),
    "azure-native:network:Subnet": ("virtualNetworkName", "resourceGroupName"),
    "azure-native:network:NetworkSecurityGroup": ("resourceGroupName", "location"),
    "azure-native:network:PrivateEndpoint": (
        "location",
        "subnet.id",
        "privateLinkServiceConnections.0.privateLinkServiceId",
        "privateLinkServiceConnections.0.groupIds",
    ),
    "azure-native:network:PrivateDnsZoneGroup": ("privateEndpointName",),
    "azure-native:privatedns:PrivateZone": ("privateZoneName",),
    "azure-native:privatedns:VirtualNetworkLink": ("privateZoneName", "virtualNetwork.id"),
    "azure-native:containerregistry:Registry": ("registryName", "location", "resourceGroupName"),
    "azure-native:containerregistry:AgentPool": (
        "agentPoolName",
        "registryName",
        "location",
        "tier",
        "os",
        "virtualNetworkSubnetResourceId",
    ),
    "azure-native:containerregistry:Task": ("taskName", "registryName", "location"),
    "azure-native:containerregistry:Replication": (
        "replicationName",
        "registryName",
        "location",
        "zoneRedundancy",
    ),
    "azure-native:operationalinsights:Workspace": (
        "workspaceName",
        "location",
        "resourceGroupName",
    ),
    "azure-native:monitor:DiagnosticSetting": ("name", "resourceUri"),
    "azure-native:monitor:DataCollectionRule": ("location", "resourceGroupName", "kind"),
    "azure-native:monitor:DataCollectionRuleAssociation": ("associationName", "resourceUri"),
    "azure-native:containerservice:ManagedCluster": (
        "location",
        "dnsPrefix",
        "networkProfile.networkPlugin",
        "networkProfile.networkPluginMode",
        "networkProfile.networkDataplane",
        "networkProfile.serviceCidr",
        "networkProfile.dnsServiceIP",
        "networkProfile.podCidr",
        "agentPoolProfiles.0.name",
        "agentPoolProfiles.0.vnetSubnetID",
        "agentPoolProfiles.0.vmSize",
        "linuxProfile.adminUsername",
    ),
    "azure-native:storage:StorageAccount": ("accountName", "location", "kind"),
    "azure-native:storage:BlobContainer": ("accountName", "containerName"),
    "azure-native:managedidentity:UserAssignedIdentity": ("location", "resourceGroupName"),
    "azure-native:managedidentity:FederatedIdentityCredential": (
        "resourceName",
        "issuer",
        "subject",
    ),
    "azure-native:authorization:RoleAssignment": ("scope", "roleDefinitionId", "principalId"),
    "azure-native:authorization:RoleDefinition": ("scope", "roleDefinitionId"),
    "random:index/randomString:RandomString": ("length", "special", "upper", "lower", "numeric"),
}
"""Input paths whose change replaces the resource (ForceNew in Azure or the provider)."""


def _at(data: Any, path: str) -> Any:
    for step in path.split("."):
        if isinstance(data, list) and step.isdigit():
            items = cast(list[Any], data)
            data = items[int(step)] if int(step) < len(items) else None
        elif isinstance(data, dict):
            data = cast(dict[str, Any], data).get(step)
        else:
            return None
    return data


def pins_of(run: Any) -> dict[str, Any]:
    """``{urn: {"name": physical name, "replaceOn": {path: value}}}`` for a plan."""
    pins: dict[str, Any] = {}
    for resource in run.resources:
        entry: dict[str, Any] = {}
        if resource.custom:
            entry["name"] = resource.outputs.get("name") or resource.outputs.get("result")
            paths = REPLACE_ON.get(resource.type, ())
            entry["replaceOn"] = {
                p: _at(resource.inputs, p) for p in paths if _at(resource.inputs, p) is not None
            }
        pins[resource.urn] = entry
    return dict(sorted(pins.items()))


def run_stack(stack: str) -> Any:
    sys.path.insert(0, str(ROOT))
    from private_acr_preview.program import run_program

    return run_program(ROOT, stack)


def main() -> int:
    PIN_DIR.mkdir(exist_ok=True)
    for stack in STACKS:
        path = PIN_DIR / f"{stack}.json"
        path.write_text(json.dumps(pins_of(run_stack(stack)), indent=2, sort_keys=True) + "\n")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
