"""A large, realistic stack for the pack at scale: VNets of five subnets with NSGs, a registry.

``generated_stack(n)`` returns about ``n`` resources as the engine sends them: a Premium
registry with its agent pool, private endpoint, DNS zone, zone group and VNet link, then
blocks of one VNet, one NSG with inline rules, five standalone subnets each attached to the
NSG, and one standalone security rule, every link given both as a property dependency and as
an ARM id, as the azure-native provider reports them. Every fifth block breaks a rule (an
overlapping subnet, an SSH rule open to the internet) so the pack has findings to report.
"""

from __future__ import annotations

from typing import Any

from policy_wire import WireResource

SUBSCRIPTION = "00000000-0000-4000-8000-000000000000"
GROUP = "rg-scale"
BASE = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers"


def _urn(type_: str, name: str) -> str:
    return f"urn:pulumi:scale::scale::{type_}::{name}"


def _resource(type_: str, name: str, props: dict[str, Any], **deps: list[str]) -> WireResource:
    return WireResource(type_, name, props, props, dict(deps), urn=_urn(type_, name))


def _registry_block() -> list[WireResource]:
    # Longer than 60 lines: the resources of one block, spelled out as the engine sends them.
    registry_id = f"{BASE}/Microsoft.ContainerRegistry/registries/acrscale"
    hub_id = f"{BASE}/Microsoft.Network/virtualNetworks/hub"
    pe_subnet_id = f"{hub_id}/subnets/endpoints"
    zone_id = f"{BASE}/Microsoft.Network/privateDnsZones/privatelink.azurecr.io"
    hub = _resource(
        "azure-native:network:VirtualNetwork",
        "hub",
        {
            "resourceGroupName": GROUP,
            "virtualNetworkName": "hub",
            "id": hub_id,
            "addressSpace": {"addressPrefixes": ["10.255.0.0/16"]},
            "subnets": [
                {"name": "agents", "addressPrefix": "10.255.1.0/24"},
                {"name": "endpoints", "addressPrefix": "10.255.2.0/27"},
            ],
        },
    )
    registry = _resource(
        "azure-native:containerregistry:Registry",
        "acr",
        {
            "resourceGroupName": GROUP,
            "registryName": "acrscale",
            "id": registry_id,
            "sku": {"name": "Premium"},
            "publicNetworkAccess": "Disabled",
            "adminUserEnabled": False,
        },
    )
    pool = _resource(
        "azure-native:containerregistry:AgentPool",
        "pool",
        {
            "resourceGroupName": GROUP,
            "registryName": "acrscale",
            "agentPoolName": "pool",
            "virtualNetworkSubnetResourceId": f"{hub_id}/subnets/agents",
        },
        registryName=[registry.urn],
    )
    endpoint = _resource(
        "azure-native:network:PrivateEndpoint",
        "pe",
        {
            "resourceGroupName": GROUP,
            "privateEndpointName": "pe",
            "subnet": {"id": pe_subnet_id},
            "privateLinkServiceConnections": [
                {"name": "acr", "privateLinkServiceId": registry_id, "groupIds": ["registry"]}
            ],
        },
        privateLinkServiceConnections=[registry.urn],
    )
    zone = _resource(
        "azure-native:privatedns:PrivateZone",
        "zone",
        {"resourceGroupName": GROUP, "privateZoneName": "privatelink.azurecr.io", "id": zone_id},
    )
    group = _resource(
        "azure-native:network:PrivateDnsZoneGroup",
        "dns",
        {
            "resourceGroupName": GROUP,
            "privateEndpointName": "pe",
            "privateDnsZoneConfigs": [{"name": "acr", "privateDnsZoneId": zone_id}],
        },
        privateEndpointName=[endpoint.urn],
        privateDnsZoneConfigs=[zone.urn],
    )
    link = _resource(
        "azure-native:privatedns:VirtualNetworkLink",
        "link",
        {
            "resourceGroupName": GROUP,
            "privateZoneName": "privatelink.azurecr.io",
            "virtualNetwork": {"id": hub_id},
        },
        privateZoneName=[zone.urn],
        virtualNetwork=[hub.urn],
    )
    return [hub, registry, pool, endpoint, zone, group, link]


def _vnet_block(index: int) -> list[WireResource]:
    # Longer than 60 lines: the resources of one block, spelled out as the engine sends them.
    name = f"vnet{index}"
    vnet_id = f"{BASE}/Microsoft.Network/virtualNetworks/{name}"
    nsg_id = f"{BASE}/Microsoft.Network/networkSecurityGroups/nsg{index}"
    second, third = divmod(index, 256)
    space = f"10.{second % 200}.{third}.0/24"
    broken = index % 5 == 4
    rules = [
        {
            "name": "allow-https",
            "priority": 100,
            "direction": "Inbound",
            "access": "Allow",
            "protocol": "Tcp",
            "sourceAddressPrefix": "VirtualNetwork",
            "sourcePortRange": "*",
            "destinationAddressPrefix": "*",
            "destinationPortRange": "443",
        },
        {
            "name": "allow-ssh",
            "priority": 110,
            "direction": "Inbound",
            "access": "Allow",
            "protocol": "Tcp",
            "sourceAddressPrefix": "Internet" if broken else "10.0.0.0/8",
            "sourcePortRange": "*",
            "destinationAddressPrefix": "*",
            "destinationPortRange": "22",
        },
        {
            "name": "deny-all",
            "priority": 4000,
            "direction": "Outbound",
            "access": "Deny",
            "protocol": "*",
            "sourceAddressPrefix": "*",
            "sourcePortRange": "*",
            "destinationAddressPrefix": "*",
            "destinationPortRange": "*",
        },
    ]
    vnet = _resource(
        "azure-native:network:VirtualNetwork",
        name,
        {
            "resourceGroupName": GROUP,
            "virtualNetworkName": name,
            "id": vnet_id,
            "addressSpace": {"addressPrefixes": [space]},
            "tags": {"block": str(index)},
        },
    )
    nsg = _resource(
        "azure-native:network:NetworkSecurityGroup",
        f"nsg{index}",
        {
            "resourceGroupName": GROUP,
            "networkSecurityGroupName": f"nsg{index}",
            "id": nsg_id,
            "securityRules": rules,
            "tags": {"block": str(index)},
        },
    )
    block = [vnet, nsg]
    for s in range(5):
        prefix = space.replace(".0/24", f".{s * 32 + (16 if broken and s == 4 else 0)}/27")
        if broken and s == 4:
            prefix = space.replace(".0/24", ".96/27")
        block.append(
            _resource(
                "azure-native:network:Subnet",
                f"{name}-s{s}",
                {
                    "resourceGroupName": GROUP,
                    "virtualNetworkName": name,
                    "subnetName": f"s{s}",
                    "id": f"{vnet_id}/subnets/s{s}",
                    "addressPrefix": prefix,
                    "networkSecurityGroup": {"id": nsg_id},
                    "privateEndpointNetworkPolicies": "Disabled",
                },
                virtualNetworkName=[vnet.urn],
                networkSecurityGroup=[nsg.urn],
            )
        )
    block.append(
        _resource(
            "azure-native:network:SecurityRule",
            f"nsg{index}-dns",
            {
                "resourceGroupName": GROUP,
                "networkSecurityGroupName": f"nsg{index}",
                "securityRuleName": "dns",
                "priority": 200,
                "direction": "Outbound",
                "access": "Allow",
                "protocol": "Udp",
                "sourceAddressPrefix": "VirtualNetwork",
                "sourcePortRange": "*",
                "destinationAddressPrefix": "AzurePlatformDNS",
                "destinationPortRange": "53",
            },
            networkSecurityGroupName=[nsg.urn],
        )
    )
    return block


def generated_stack(size: int) -> list[WireResource]:
    """About ``size`` resources (a whole number of VNet blocks of eight)."""
    resources = _registry_block()
    index = 0
    while len(resources) < size:
        resources.extend(_vnet_block(index))
        index += 1
    return resources
