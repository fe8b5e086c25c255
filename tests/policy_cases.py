"""Every policy's pass, fail and not-applicable cases, and one case per shape each must handle.

Each case is a small stack as the engine describes it (``WireResource``: inputs, outputs,
property dependencies) with the policy config a user would pass in ``--policy-pack-config``.
``test_policies`` runs each case through the policy's pure check; ``test_policy_grpc`` runs
the same case through the analyzer gRPC protocol, config reconciled as the CLI does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from learn_facts import (
    AGENT_POOL_EGRESS,
    BROKER_ACTIONS,
    BUILD_TRIGGER_ACTIONS,
    LOG_CATEGORIES,
    QUICK_BUILD_ACTIONS,
    ROLE_IDS,
    SCHEDULE_RUN,
)
from policy_wire import WireResource
from pulumi_policy import proxy

SUB = "00000000-0000-4000-8000-000000000001"
UNKNOWN = proxy.UNKNOWN_STRING_VALUE


def arm(group: str, provider: str, *path: str) -> str:
    return f"/subscriptions/{SUB}/resourceGroups/{group}/providers/{provider}/" + "/".join(path)


def res(type_: str, name: str, props: Mapping[str, Any], **deps: list[str]) -> WireResource:
    full = type_ if type_.startswith("azure-native:") else f"azure-native:{type_}"
    return WireResource(
        full,
        name,
        dict(props),
        dict(props),
        dict(deps),
        urn=f"urn:pulumi:test::cases::{full}::{name}",
    )


def vnet(name: str, space: str, group: str = "rg", **extra: Any) -> WireResource:
    props = {
        "resourceGroupName": group,
        "virtualNetworkName": name,
        "id": arm(group, "Microsoft.Network", "virtualNetworks", name),
        "addressSpace": {"addressPrefixes": [space]},
        **extra,
    }
    return res("network:VirtualNetwork", f"{group}-{name}", props)


def subnet(
    vnet_name: str,
    name: str,
    prefix: Any,
    group: str = "rg",
    nsg: str | None = None,
    **deps: list[str],
) -> WireResource:
    props: dict[str, Any] = {
        "resourceGroupName": group,
        "virtualNetworkName": vnet_name,
        "subnetName": name,
        "addressPrefix": prefix,
        "id": arm(group, "Microsoft.Network", "virtualNetworks", vnet_name, "subnets", name),
    }
    if nsg is not None:
        props["networkSecurityGroup"] = {
            "id": arm(group, "Microsoft.Network", "networkSecurityGroups", nsg)
        }
    return res("network:Subnet", f"{group}-{vnet_name}-{name}", props, **deps)


def rule(name: str = "r", **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": name,
        "priority": 100,
        "direction": "Inbound",
        "access": "Allow",
        "protocol": "Tcp",
        "sourceAddressPrefix": "Internet",
        "sourcePortRange": "*",
        "destinationAddressPrefix": "*",
        "destinationPortRange": "22",
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def nsg(name: str, rules: Any, group: str = "rg") -> WireResource:
    props = {
        "resourceGroupName": group,
        "networkSecurityGroupName": name,
        "id": arm(group, "Microsoft.Network", "networkSecurityGroups", name),
        "securityRules": rules,
    }
    return res("network:NetworkSecurityGroup", name, props)


def standalone_rule(
    nsg_name: str, data: dict[str, Any], group: str = "rg", **deps: list[str]
) -> WireResource:
    props = {k: v for k, v in data.items() if k != "name"} | {
        "resourceGroupName": group,
        "networkSecurityGroupName": nsg_name,
        "securityRuleName": data["name"],
    }
    return res("network:SecurityRule", f"{nsg_name}-{data['name']}", props, **deps)


def registry(
    name: str = "acr", sku: str = "Premium", group: str = "rg", **extra: Any
) -> WireResource:
    props = {
        "resourceGroupName": group,
        "registryName": name,
        "id": arm(group, "Microsoft.ContainerRegistry", "registries", name),
        "sku": {"name": sku},
        "publicNetworkAccess": "Disabled",
        **extra,
    }
    return res("containerregistry:Registry", f"{group}-{name}", props)


def pool(registry_name: str, subnet_id: Any, group: str = "rg", **deps: list[str]) -> WireResource:
    props = {
        "resourceGroupName": group,
        "registryName": registry_name,
        "agentPoolName": "pool",
        "virtualNetworkSubnetResourceId": subnet_id,
    }
    return res("containerregistry:AgentPool", f"{group}-{registry_name}-pool", props, **deps)


def cluster(name: str = "aks", **profile: Any) -> WireResource:
    network = {
        "networkPlugin": "azure",
        "serviceCidr": "10.100.0.0/16",
        "dnsServiceIP": "10.100.0.10",
        **profile,
    }
    props = {
        "resourceGroupName": "rg",
        "networkProfile": {k: v for k, v in network.items() if v is not None},
        "apiServerAccessProfile": {"enablePrivateCluster": True},
        "disableLocalAccounts": True,
        "aadProfile": {"managed": True, "enableAzureRBAC": True},
    }
    return res("containerservice:ManagedCluster", name, props)


AGENT_ID = arm("rg", "Microsoft.Network", "virtualNetworks", "build", "subnets", "agents")


def egress_stack(
    rules: Any, *extra: WireResource, prefix: Any = "10.40.1.0/24"
) -> tuple[WireResource, ...]:
    return (
        vnet("build", "10.40.0.0/16"),
        subnet("build", "agents", prefix, nsg="agents-nsg"),
        nsg("agents-nsg", rules),
        registry(),
        pool("acr", AGENT_ID),
        *extra,
    )


def allows_required() -> list[dict[str, Any]]:
    from private_acr_rules.egress import agent_pool_security_rules

    return agent_pool_security_rules()


def deny_all_out(priority: Any = 4000, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "priority": priority,
        "direction": "Outbound",
        "access": "Deny",
        "protocol": "*",
        "sourceAddressPrefix": "*",
        "destinationPortRange": "*",
    }
    return rule("deny-all", **(values | fields))


REGISTRY_ID = arm("rg", "Microsoft.ContainerRegistry", "registries", "acr")


def endpoint_stack(
    pe_prefix: str = "10.40.2.0/27",
    replicas: int = 0,
    linked: bool = True,
    zone: str = "privatelink.azurecr.io",
    **registry_props: Any,
) -> tuple[WireResource, ...]:
    # Longer than 60 lines: the resources of one stack, spelled out as the engine sends them.
    acr = registry(**registry_props)
    registry_id = arm("rg", "Microsoft.ContainerRegistry", "registries", "acr")
    zone_id = arm("rg", "Microsoft.Network", "privateDnsZones", zone)
    build = vnet("build", "10.40.0.0/16")
    resources = [
        build,
        subnet("build", "agents", "10.40.1.0/24"),
        subnet("build", "endpoints", pe_prefix),
        acr,
        pool("acr", AGENT_ID),
        res(
            "network:PrivateEndpoint",
            "pe",
            {
                "resourceGroupName": "rg",
                "privateEndpointName": "pe",
                "subnet": {
                    "id": arm(
                        "rg",
                        "Microsoft.Network",
                        "virtualNetworks",
                        "build",
                        "subnets",
                        "endpoints",
                    )
                },
                "privateLinkServiceConnections": [
                    {"name": "c", "privateLinkServiceId": registry_id, "groupIds": ["registry"]}
                ],
            },
        ),
        res(
            "privatedns:PrivateZone",
            "zone",
            {"resourceGroupName": "rg", "privateZoneName": zone, "id": zone_id},
        ),
        res(
            "network:PrivateDnsZoneGroup",
            "dns",
            {
                "resourceGroupName": "rg",
                "privateEndpointName": "pe",
                "privateDnsZoneConfigs": [{"name": "z", "privateDnsZoneId": zone_id}],
            },
        ),
    ]
    if linked:
        resources.append(
            res(
                "privatedns:VirtualNetworkLink",
                "link",
                {
                    "resourceGroupName": "rg",
                    "privateZoneName": zone,
                    "virtualNetwork": {"id": build.inputs["id"]},
                },
            )
        )
    resources += [
        res(
            "containerregistry:Replication",
            f"replica{i}",
            {
                "resourceGroupName": "rg",
                "registryName": "acr",
                "replicationName": f"r{i}",
                "id": registry_id + f"/replications/r{i}",
            },
        )
        for i in range(replicas)
    ]
    return tuple(resources)


Expect = Literal["pass", "fail", "not-applicable"]


@dataclass(frozen=True)
class Case:
    policy: str
    name: str
    resources: tuple[WireResource, ...]
    expect: Expect
    text: str = ""
    """A part of the violation message (fail) or of the not-applicable reason."""
    blame: str = ""
    """The name of the resource the violation must name (fail)."""
    config: Mapping[str, Any] = field(default_factory=dict[str, Any])
    """This policy's entry in --policy-pack-config."""
    stack: str = "test"
    stack_config: Mapping[str, str] | None = field(default_factory=dict[str, str])
    """The stack's config as the CLI hands it to the pack (full keys of project ``wire`` to
    text); ``None``: none, as with ``pulumi policy analyze``."""
    existing: tuple[Mapping[str, Any], ...] | None = None
    """Resources the stack builds on, as ``az ... show`` prints them: the snapshot the offline
    preview names to the pack (``OFFLINE_PREVIEW_EXISTING``); ``None``: none."""

    @property
    def id(self) -> str:
        return f"{self.policy}:{self.name}"


def _bridge_cases() -> list[Case]:
    # Longer than 60 lines: a table, one case per behaviour, not logic.
    p = "docker-bridge-cidr-conflict"
    return [
        Case(p, "clear ranges", (vnet("a", "10.40.0.0/16"),), "pass"),
        Case(
            p,
            "custom dns server in the bridge",
            (vnet("a", "10.40.0.0/16", dhcpOptions={"dnsServers": ["172.17.0.53"]}),),
            "fail",
            "dhcpOptions.dnsServers[0] 172.17.0.53 overlaps the Docker bridge 172.17.0.0/16",
            "rg-a",
        ),
        Case(p, "no ranges", (registry(),), "not-applicable", "declares no address ranges"),
        Case(
            p,
            "configured bridge",
            (vnet("a", "10.40.0.0/16"),),
            "fail",
            "overlaps the Docker bridge 10.40.0.0/24",
            "rg-a",
            {"dockerBridgeCidr": "10.40.0.0/24"},
        ),
        Case(
            p,
            "plural subnet prefixes",
            (
                vnet("a", "172.16.0.0/12"),
                res("network:Subnet", "s", {"addressPrefixes": ["172.18.0.0/24", "172.17.4.0/24"]}),
            ),
            "fail",
            "addressPrefixes[1] 172.17.4.0/24",
            "s",
        ),
        Case(p, "ipv6 never conflicts", (vnet("a", "fd00::/8"),), "pass"),
        Case(
            p,
            "explicit bridge field of an old api",
            (
                vnet("a", "10.40.0.0/16"),
                res(
                    "containerservice/v20220402preview:ManagedCluster",
                    "old",
                    {"networkProfile": {"dockerBridgeCidr": "10.40.0.1/16"}},
                ),
            ),
            "fail",
            "networkProfile.dockerBridgeCidr 10.40.0.1/16 overlaps",
            "old",
        ),
        Case(
            p,
            "unknown prefix is not checked",
            (vnet("a", UNKNOWN),),
            "not-applicable",
            "not checked: rg-a addressSpace.addressPrefixes[0] (unknown",
        ),
        *_stack_bridge_cases(p),
        Case(
            p,
            "bad config is a violation",
            (vnet("a", "10.40.0.0/16"),),
            "fail",
            "docker-bridge-cidr-conflict.dockerBridgeCidr: got 'docker0'; expected a CIDR",
            config={"dockerBridgeCidr": "docker0"},
        ),
        Case(
            p,
            "unknown setting is a violation",
            (vnet("a", "10.40.0.0/16"),),
            "fail",
            "docker-bridge-cidr-conflict.bridge: not a setting of this policy",
            config={"bridge": "10.0.0.0/8"},
        ),
    ]


def _stack_bridge_cases(p: str) -> list[Case]:
    # Longer than 60 lines: a table, one case per behaviour, not logic.
    moved = {"wire:dockerBridgeCidr": "192.168.0.0/16"}

    def dns(server: str) -> WireResource:
        return vnet("a", "10.40.0.0/16", dhcpOptions={"dnsServers": [server]})

    return [
        Case(
            p,
            "the stack's dockerBridgeCidr moves the bridge",
            (dns("172.17.0.53"),),
            "pass",
            stack_config=moved,
        ),
        Case(
            p,
            "a DNS server inside the stack's moved bridge",
            (dns("192.168.0.53"),),
            "fail",
            "dhcpOptions.dnsServers[0] 192.168.0.53 overlaps the Docker bridge 192.168.0.0/16 "
            "(dockerBridgeCidr, from the stack's wire:dockerBridgeCidr)",
            "rg-a",
            stack_config=moved,
        ),
        Case(
            p,
            "the policy's config overrides the stack's",
            (dns("192.168.0.53"),),
            "pass",
            config={"dockerBridgeCidr": "10.99.0.0/16"},
            stack_config=moved,
        ),
        Case(
            p,
            "another project's key is not the stack's",
            (dns("192.168.0.53"),),
            "pass",
            stack_config={"other:dockerBridgeCidr": "192.168.0.0/16"},
        ),
        Case(
            p,
            "without stack config the default applies",
            (dns("172.17.0.53"),),
            "fail",
            "overlaps the Docker bridge 172.17.0.0/16 (dockerBridgeCidr, from this policy's "
            "default for dockerBridgeCidr, 172.17.0.0/16)",
            "rg-a",
            stack_config=None,
        ),
        Case(
            p,
            "without stack config the report says the defaults apply",
            (registry(),),
            "not-applicable",
            "no stack config was given to the pack (as with pulumi policy analyze), so this "
            "policy's defaults apply: dockerBridgeCidr 172.17.0.0/16",
            stack_config=None,
        ),
        Case(
            p,
            "a stack value that is no CIDR names the stack key",
            (dns("10.40.0.53"),),
            "fail",
            "wire:dockerBridgeCidr: got 'docker0'; expected a CIDR",
            stack_config={"wire:dockerBridgeCidr": "docker0"},
        ),
    ]


def _plan_cases() -> list[Case]:
    # Longer than 60 lines: a table, one case per behaviour, not logic.
    p = "aks-network-cidr-plan"
    hub = vnet("hub", "10.50.0.0/16")
    spoke = vnet("spoke", "10.40.0.0/16")
    node_subnet = subnet("spoke", "nodes", "10.40.8.0/21")
    nodes_id = node_subnet.inputs["id"]
    aks_with_nodes = res(
        "containerservice:ManagedCluster",
        "aks",
        {
            "resourceGroupName": "rg",
            "agentPoolProfiles": [{"name": "system", "vnetSubnetID": nodes_id}],
            "networkProfile": {
                "networkPlugin": "azure",
                "serviceCidr": "10.60.0.0/16",
                "dnsServiceIP": "10.60.0.10",
            },
        },
    )
    external_peering = res(
        "network:VirtualNetworkPeering",
        "to-onprem",
        {
            "resourceGroupName": "rg",
            "virtualNetworkName": "spoke",
            "remoteVirtualNetwork": {
                "id": arm("other", "Microsoft.Network", "virtualNetworks", "onprem")
            },
            "remoteAddressSpace": {"addressPrefixes": ["10.60.0.0/16"]},
        },
    )
    return [
        Case(p, "sound plan", (spoke, cluster()), "pass"),
        Case(
            p,
            "dns ip outside the service cidr",
            (cluster(dnsServiceIP="10.101.0.10"),),
            "fail",
            "networkProfile.dnsServiceIP: 10.101.0.10 is not inside",
            "aks",
        ),
        Case(
            p,
            "dns ip on the first address",
            (cluster(dnsServiceIP="10.100.0.1"),),
            "fail",
            "first address",
            "aks",
        ),
        Case(
            p,
            "service cidr overlaps the vnet",
            (spoke, cluster(serviceCidr="10.40.0.0/16", dnsServiceIP="10.40.0.10")),
            "fail",
            "overlaps rg-spoke addressSpace",
            "aks",
        ),
        Case(
            p,
            "service cidr too large",
            (cluster(serviceCidr="10.0.0.0/11", dnsServiceIP="10.0.0.10"),),
            "fail",
            "too large",
            "aks",
        ),
        Case(
            p,
            "reserved pod cidr under kubenet",
            (cluster(networkPlugin="kubenet", podCidr="172.30.0.0/16"),),
            "fail",
            "AKS reserves",
            "aks",
        ),
        Case(
            p,
            "ipv6 dns ip with an ipv4 service cidr",
            (cluster(dnsServiceIP="fd00::10"),),
            "fail",
            "is IPv6 but networkProfile.serviceCidr 10.100.0.0/16 is IPv4",
            "aks",
        ),
        Case(
            p,
            "service cidr overlaps a peered vnet outside the stack",
            (spoke, node_subnet, external_peering, aks_with_nodes),
            "fail",
            "overlaps to-onprem remoteAddressSpace.addressPrefixes[0] 10.60.0.0/16",
            "aks",
        ),
        Case(
            p,
            "service cidr overlaps an inline peering",
            (
                vnet(
                    "spoke",
                    "10.40.0.0/16",
                    virtualNetworkPeerings=[
                        {"name": "hub", "remoteAddressSpace": {"addressPrefixes": ["10.60.0.0/20"]}}
                    ],
                ),
                node_subnet,
                aks_with_nodes,
            ),
            "fail",
            "virtualNetworkPeerings[0].remoteAddressSpace",
            "aks",
        ),
        Case(
            p, "peered vnet clear of the cluster", (hub, spoke, node_subnet, aks_with_nodes), "pass"
        ),
        Case(p, "no cluster", (spoke,), "not-applicable", "no AKS cluster"),
        Case(
            p,
            "unknown service cidr is not checked",
            (cluster(serviceCidr=UNKNOWN, dnsServiceIP=None),),
            "not-applicable",
            "aks networkProfile.serviceCidr (unknown until deployment)",
        ),
    ]


def _integrity_cases() -> list[Case]:
    # Longer than 60 lines: a table, one case per behaviour, not logic.
    p = "vnet-subnet-cidr-integrity"
    return [
        Case(
            p,
            "subnets inside",
            (vnet("hub", "10.40.0.0/16"), subnet("hub", "a", "10.40.1.0/24")),
            "pass",
        ),
        Case(
            p,
            "subnet outside",
            (vnet("hub", "10.40.0.0/16"), subnet("hub", "a", "10.41.1.0/24")),
            "fail",
            "is not inside the address space of rg-hub",
            "rg-hub-a",
        ),
        Case(
            p,
            "inline and standalone overlap",
            (
                vnet(
                    "hub",
                    "10.40.0.0/16",
                    subnets=[{"name": "inline", "addressPrefix": "10.40.1.128/25"}],
                ),
                subnet("hub", "a", "10.40.1.0/24"),
            ),
            "fail",
            "overlaps",
        ),
        Case(
            p,
            "host bits",
            (vnet("hub", "10.40.0.0/16"), subnet("hub", "a", "10.40.8.1/21")),
            "fail",
            "host bits",
            "rg-hub-a",
        ),
        Case(
            p,
            "two vnets named hub in two groups",
            (
                vnet("hub", "10.40.0.0/16", group="rg-a"),
                vnet("hub", "10.50.0.0/16", group="rg-b"),
                subnet("hub", "a", "10.50.1.0/24", group="rg-b"),
            ),
            "pass",
        ),
        Case(
            p,
            "linked to the hub of its own group",
            (
                vnet("hub", "10.40.0.0/16", group="rg-a"),
                vnet("hub", "10.50.0.0/16", group="rg-b"),
                subnet("hub", "a", "10.40.1.0/24", group="rg-b"),
            ),
            "fail",
            "is not inside the address space of rg-b-hub",
            "rg-b-hub-a",
        ),
        Case(p, "no network", (registry(),), "not-applicable", "no VNet or subnet"),
        Case(
            p,
            "unknown prefix is not checked",
            (vnet("hub", "10.40.0.0/16"), subnet("hub", "a", UNKNOWN)),
            "not-applicable",
            "rg-hub-a addressPrefix (unknown until deployment)",
        ),
    ]


def _egress_cases() -> list[Case]:
    # Longer than 60 lines: a table, one case per behaviour, not logic.
    p = "agent-pool-egress-rules"
    standalone_deny = standalone_rule(
        "agents-nsg", deny_all_out(100, destinationAddressPrefix="Internet")
    )
    return [
        Case(
            p,
            "required allows above a deny",
            egress_stack([*allows_required(), deny_all_out()]),
            "pass",
        ),
        Case(p, "no custom rules", egress_stack([]), "pass"),
        Case(
            p,
            "deny above the required allows",
            egress_stack([*allows_required(), deny_all_out(100)]),
            "fail",
            "blocks TCP 443 to AzureKeyVault from the agent subnet (rule 'deny-all' (priority 100))",
            "rg-acr-pool",
        ),
        Case(
            p,
            "standalone deny above inline allows",
            (*egress_stack(allows_required()), standalone_deny),
            "fail",
            "blocks TCP 12000 to AzureMonitor",
            "rg-acr-pool",
        ),
        Case(
            p,
            "deny to AzureCloud contains the tags",
            egress_stack([deny_all_out(150, destinationAddressPrefix="AzureCloud")]),
            "fail",
            "blocks TCP 443 to Storage",
            "rg-acr-pool",
        ),
        Case(
            p,
            "regional deny blocks part of a tag",
            egress_stack([deny_all_out(150, destinationAddressPrefix="storage.westus")]),
            "fail",
            "blocks TCP 443 to Storage",
            "rg-acr-pool",
        ),
        Case(
            p,
            "deny for another source",
            egress_stack([deny_all_out(150, sourceAddressPrefix="10.99.0.0/24")]),
            "pass",
        ),
        Case(p, "udp deny", egress_stack([deny_all_out(150, protocol="Udp")]), "pass"),
        Case(
            p,
            "no agent pool",
            (vnet("build", "10.40.0.0/16"),),
            "not-applicable",
            "no ACR agent pool",
        ),
        Case(
            p,
            "unknown priority is not checked",
            egress_stack([deny_all_out(UNKNOWN)]),
            "not-applicable",
            "(depends on rule 'deny-all' (priority unknown), not known until deployment)",
        ),
        *_unknown_egress_cases(p),
    ]


def _from_agents(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r | {"sourceAddressPrefix": "10.40.1.0/24"} for r in rules]


def _partly_known_agents(rules: list[dict[str, Any]]) -> tuple[WireResource, ...]:
    """The egress stack with an agent subnet of one known and one unknown prefix."""
    vnet_, known, *rest = egress_stack(rules)
    props = {k: v for k, v in known.inputs.items() if k != "addressPrefix"}
    partly = res(
        "network:Subnet", known.name, props | {"addressPrefixes": ["10.40.1.0/24", UNKNOWN]}
    )
    return (vnet_, partly, *rest)


def _unknown_egress_cases(p: str) -> list[Case]:
    # Longer than 60 lines: a table, one case per behaviour, not logic.
    prefix_note = (
        "TCP 443 to AzureKeyVault through NSG agents-nsg (depends on the address prefix of "
        "subnet agents, not known until deployment)"
    )
    return [
        Case(
            p,
            "allows from the agent prefix are not checked while it is unknown",
            egress_stack([*_from_agents(allows_required()), deny_all_out()], prefix=UNKNOWN),
            "not-applicable",
            prefix_note,
        ),
        Case(
            p,
            "a deny of a wider prefix is not checked while the agent prefix is unknown",
            egress_stack(
                [deny_all_out(100, sourceAddressPrefix="10.0.0.0/8"), *allows_required()],
                prefix=UNKNOWN,
            ),
            "not-applicable",
            prefix_note,
        ),
        Case(
            p,
            "a deny of any source fails while the agent prefix is unknown",
            egress_stack([*allows_required(), deny_all_out(100)], prefix=UNKNOWN),
            "fail",
            "blocks TCP 443 to AzureKeyVault from the agent subnet (rule 'deny-all' (priority 100))",
            "rg-acr-pool",
        ),
        Case(
            p,
            "a deny of the known prefix fails beside an unknown one",
            _partly_known_agents([deny_all_out(100, sourceAddressPrefix="10.40.1.0/24")]),
            "fail",
            "blocks TCP 443 to Storage from the agent subnet (rule 'deny-all' (priority 100))",
            "rg-acr-pool",
        ),
        Case(
            p,
            "allows from VirtualNetwork pass while the agent prefix is unknown",
            egress_stack([*allows_required(), deny_all_out()], prefix=UNKNOWN),
            "pass",
        ),
        Case(
            p,
            "unknown security rules are not checked",
            egress_stack(UNKNOWN),
            "not-applicable",
            "(depends on the securityRules of NSG agents-nsg, not known until deployment)",
        ),
        Case(
            p,
            "an unknown security rule entry is not checked",
            egress_stack([UNKNOWN, *allows_required()]),
            "not-applicable",
            "(depends on securityRules[0] of NSG agents-nsg, not known until deployment)",
        ),
        Case(
            p,
            "a standalone deny under unknown security rules is not checked",
            (*egress_stack(UNKNOWN), standalone_rule("agents-nsg", deny_all_out(200))),
            "not-applicable",
            "depends on the securityRules of NSG agents-nsg",
        ),
    ]


def _premium_cases() -> list[Case]:
    p = "agent-pool-premium-registry"
    return [
        Case(p, "premium", (registry(), pool("acr", AGENT_ID)), "pass"),
        Case(
            p,
            "standard",
            (registry(sku="Standard"), pool("acr", AGENT_ID)),
            "fail",
            "is Standard; agent pools need Premium",
            "rg-acr-pool",
        ),
        Case(
            p,
            "same name in another group is another registry",
            (registry(sku="Standard", group="other"), registry(), pool("acr", AGENT_ID)),
            "pass",
        ),
        Case(p, "no pool", (registry(),), "not-applicable", "no ACR agent pool"),
    ]


def _access_cases() -> list[Case]:
    p = "registry-private-access"
    return [
        Case(p, "private", (registry(),), "pass"),
        Case(
            p,
            "public",
            (registry(publicNetworkAccess="Enabled"),),
            "fail",
            "reachable from any network",
            "rg-acr",
        ),
        Case(
            p,
            "admin user",
            (registry(adminUserEnabled=True),),
            "fail",
            "adminUserEnabled",
            "rg-acr",
        ),
        Case(
            p,
            "unknown access",
            (registry(publicNetworkAccess=UNKNOWN),),
            "not-applicable",
            "publicNetworkAccess is not known",
        ),
    ]


def _endpoint_cases() -> list[Case]:
    # Longer than 60 lines: a table, one case per behaviour, not logic.
    p = "registry-private-endpoint-dns"
    no_endpoint = tuple(r for r in endpoint_stack() if r.name not in ("pe", "dns"))
    inline = (
        vnet(
            "build",
            "10.40.0.0/16",
            subnets=[
                {"name": "agents", "addressPrefix": "10.40.1.0/24"},
                {"name": "endpoints", "addressPrefix": "10.40.2.0/29"},
            ],
        ),
        *(
            r
            for r in endpoint_stack(replicas=2)
            if r.type != "azure-native:network:Subnet" and r.name != "rg-build"
        ),
    )
    no_group = tuple(r for r in endpoint_stack() if r.name != "dns")
    return [
        Case(p, "endpoint, zone and link", endpoint_stack(), "pass"),
        *_cloud_zone_cases(p),
        *_unknown_endpoint_cases(p),
        Case(
            p,
            "no zone group",
            no_group,
            "fail",
            "the registry endpoint has no DNS zone group",
            "pe",
        ),
        Case(
            p,
            "zone groups left to Azure Policy",
            no_group,
            "not-applicable",
            "pe DNS records (left to Azure Policy: zoneGroupsManagedByPolicy",
            config={"zoneGroupsManagedByPolicy": True},
        ),
        Case(
            p,
            "the stack's dns.zoneGroups policy leaves the zone groups to Azure Policy",
            no_group,
            "not-applicable",
            "pe DNS records (left to Azure Policy: zoneGroupsManagedByPolicy",
            stack_config={"wire:dns": '{"zoneGroups": "policy"}'},
        ),
        Case(
            p,
            "the stack's dns.zoneGroups managed wants a zone group",
            no_group,
            "fail",
            "the registry endpoint has no DNS zone group",
            "pe",
            stack_config={"wire:dns": '{"zoneGroups": "managed"}'},
        ),
        Case(
            p,
            "zone of another service",
            endpoint_stack(zone="privatelink.blob.core.windows.net"),
            "fail",
            "does not point at a privatelink.azurecr.io zone",
            "pe",
        ),
        Case(
            p,
            "no endpoint",
            no_endpoint,
            "fail",
            "no private endpoint with group id 'registry'",
            "rg-acr",
        ),
        Case(
            p,
            "zone not linked to the build vnet",
            endpoint_stack(linked=False),
            "fail",
            "is not linked to VNet rg-build of agent pool rg-acr-pool",
            "zone",
        ),
        Case(
            p,
            "replicas fill the endpoint subnet",
            endpoint_stack("10.40.2.0/29", replicas=2),
            "fail",
            "has 3 usable addresses; its private endpoints need 4",
            "rg-build-endpoints",
        ),
        Case(
            p,
            "addressPrefixes lists count",
            (
                *(
                    r
                    for r in endpoint_stack("10.40.2.0/29", replicas=2)
                    if r.name != "rg-build-endpoints"
                ),
                res(
                    "network:Subnet",
                    "rg-build-endpoints",
                    {
                        "resourceGroupName": "rg",
                        "virtualNetworkName": "build",
                        "subnetName": "endpoints",
                        "addressPrefixes": ["10.40.2.0/29", "10.40.3.0/29"],
                    },
                ),
            ),
            "pass",
        ),
        Case(
            p,
            "inline endpoint subnet with replicas",
            inline,
            "fail",
            "subnets[endpoints]: 10.40.2.0/29 has 3 usable addresses; its private endpoints need 4",
            "rg-build",
        ),
        Case(
            p,
            "no premium registry",
            (registry(sku="Basic"),),
            "not-applicable",
            "no Premium container registry",
        ),
    ]


def _changed(
    resources: tuple[WireResource, ...], name: str, **props: Any
) -> tuple[WireResource, ...]:
    """``resources`` with the one named ``name`` given ``props``."""
    return tuple(
        res(
            r.type.removeprefix("azure-native:"),
            r.name,
            {**r.inputs, **props},
            **{k: list(v) for k, v in r.property_dependencies.items()},
        )
        if r.name == name
        else r
        for r in resources
    )


def _unknown_endpoint_cases(p: str) -> list[Case]:
    # Longer than 60 lines: a table, one case per behaviour, not logic.
    connection = {"name": "c", "privateLinkServiceId": REGISTRY_ID, "groupIds": ["registry"]}
    note = "rg-acr: its private endpoint (which registry an endpoint serves is not known"
    return [
        Case(
            p,
            "the endpoint's connections not known yet",
            _changed(
                endpoint_stack(), "pe", privateLinkServiceConnections=proxy.UNKNOWN_ARRAY_VALUE
            ),
            "not-applicable",
            note,
        ),
        Case(
            p,
            "a connection not known yet",
            _changed(endpoint_stack(), "pe", privateLinkServiceConnections=[UNKNOWN]),
            "not-applicable",
            note,
        ),
        Case(
            p,
            "the group ids not known yet",
            _changed(
                endpoint_stack(),
                "pe",
                privateLinkServiceConnections=[
                    connection | {"groupIds": proxy.UNKNOWN_ARRAY_VALUE}
                ],
            ),
            "not-applicable",
            note,
        ),
        Case(
            p,
            "the zone not known yet",
            _changed(
                endpoint_stack(),
                "dns",
                privateDnsZoneConfigs=[{"name": "z", "privateDnsZoneId": UNKNOWN}],
            ),
            "not-applicable",
            "pe DNS zone (not known until deployment)",
        ),
        Case(
            p,
            "another service's endpoint is no registry endpoint",
            _changed(
                endpoint_stack(),
                "pe",
                privateLinkServiceConnections=[connection | {"groupIds": ["blob"]}],
            ),
            "fail",
            "no private endpoint with group id 'registry' targets this registry",
            "rg-acr",
        ),
    ]


# Learn, private-link/private-endpoint-dns: the registry zone is privatelink.azurecr.io in the
# public cloud and privatelink.azurecr.us in Azure Government.
GOV_REGISTRY_ZONE = "privatelink.azurecr.us"


def _cloud_zone_cases(p: str) -> list[Case]:
    # Longer than 60 lines: a table, one case per behaviour, not logic.
    gov_zone = endpoint_stack(zone=GOV_REGISTRY_ZONE)
    return [
        Case(
            p,
            "azure government zone of a stack in azure government",
            gov_zone,
            "pass",
            stack_config={"azure-native:environment": "usgovernment"},
        ),
        Case(
            p,
            "azure government zone of a registry in usgovvirginia",
            endpoint_stack(zone=GOV_REGISTRY_ZONE, location="usgovvirginia"),
            "pass",
        ),
        Case(
            p,
            "azure government zone of a registry whose login server is azurecr.us",
            endpoint_stack(zone=GOV_REGISTRY_ZONE, loginServer="acr.azurecr.us"),
            "pass",
        ),
        Case(
            p,
            "azure government zone for a registry in eastus2",
            endpoint_stack(zone=GOV_REGISTRY_ZONE, location="East US 2"),
            "fail",
            "pe: its DNS zone group does not point at a privatelink.azurecr.io zone, the registry "
            "zone of the public cloud (rg-acr's location East US 2); it points at "
            "privatelink.azurecr.us.",
            "pe",
        ),
        Case(
            p,
            "public zone for a registry in usgovvirginia",
            endpoint_stack(location="usgovvirginia"),
            "fail",
            "does not point at a privatelink.azurecr.us zone, the registry zone of the "
            "usgovernment cloud",
            "pe",
        ),
        Case(
            p,
            "public zone in a stack configured for azure government",
            endpoint_stack(),
            "fail",
            "the registry zone of the usgovernment cloud (the stack's azure-native:environment)",
            "pe",
            stack_config={"azure-native:environment": "usgovernment"},
        ),
        Case(
            p,
            "another cloud's zone while the registry's location is not known",
            endpoint_stack(zone=GOV_REGISTRY_ZONE, location=UNKNOWN),
            "not-applicable",
            "pe: which cloud's zone (rg-acr's location, not known until deployment)",
        ),
    ]


def service_endpoint(
    group: str, zone: Any, *, location: Any = "eastus2", hub: bool = False
) -> tuple[WireResource, ...]:
    """A ``group`` (blob, vault) private endpoint whose zone group names ``zone``; ``hub``:
    a zone outside the stack, by id."""
    zone_id = (
        arm("rg-hub", "Microsoft.Network", "privateDnsZones", zone) if zone != UNKNOWN else zone
    )
    endpoint = res(
        "network:PrivateEndpoint",
        f"pe-{group}",
        {
            "resourceGroupName": "rg",
            "privateEndpointName": f"pe-{group}",
            "location": location,
            "privateLinkServiceConnections": [
                {
                    "name": "c",
                    "privateLinkServiceId": arm("rg", "Microsoft.Storage", "storageAccounts", "st"),
                    "groupIds": [group],
                }
            ],
        },
    )
    zone_group = res(
        "network:PrivateDnsZoneGroup",
        f"pe-{group}-dns",
        {
            "resourceGroupName": "rg",
            "privateEndpointName": f"pe-{group}",
            "privateDnsZoneConfigs": [{"name": "z", "privateDnsZoneId": zone_id}],
        },
    )
    if hub or zone == UNKNOWN:
        return (endpoint, zone_group)
    private_zone = res(
        "privatedns:PrivateZone",
        f"zone-{group}",
        {"resourceGroupName": "rg-hub", "privateZoneName": zone, "id": zone_id},
    )
    return (endpoint, private_zone, zone_group)


def _cloud_zone_policy_cases() -> list[Case]:
    # Longer than 60 lines: a table, one case per behaviour, not logic. Zone names from Learn,
    # private-link/private-endpoint-dns ("Commercial" and "Government" tables).
    p = "private-endpoint-cloud-zones"
    return [
        Case(p, "blob zone", service_endpoint("blob", "privatelink.blob.core.windows.net"), "pass"),
        Case(p, "vault zone", service_endpoint("vault", "privatelink.vaultcore.azure.net"), "pass"),
        Case(
            p,
            "a hub's blob zone by id",
            service_endpoint("blob", "privatelink.blob.core.windows.net", hub=True),
            "pass",
        ),
        Case(
            p,
            "azure government vault zone in usgovvirginia",
            service_endpoint(
                "vault", "privatelink.vaultcore.usgovcloudapi.net", location="usgovvirginia"
            ),
            "pass",
        ),
        Case(
            p,
            "a government blob zone in eastus2",
            service_endpoint("blob", "privatelink.blob.core.usgovcloudapi.net"),
            "fail",
            "pe-blob: its blob records go to privatelink.blob.core.usgovcloudapi.net, but the "
            "public cloud (pe-blob's location eastus2) resolves a blob endpoint in "
            "privatelink.blob.core.windows.net",
            "pe-blob",
        ),
        Case(
            p,
            "a public vault zone in a stack configured for azure government",
            service_endpoint("vault", "privatelink.vaultcore.azure.net"),
            "fail",
            "resolves a vault endpoint in privatelink.vaultcore.usgovcloudapi.net",
            "pe-vault",
            stack_config={"azure-native:environment": "usgovernment"},
        ),
        Case(
            p,
            "another service's zone",
            service_endpoint("vault", "privatelink.blob.core.windows.net"),
            "fail",
            "resolves a vault endpoint in privatelink.vaultcore.azure.net",
            "pe-vault",
        ),
        Case(
            p,
            "no blob or vault endpoint",
            endpoint_stack(),
            "not-applicable",
            "no blob or Key Vault",
        ),
        Case(
            p,
            "a zone not known yet",
            service_endpoint("blob", UNKNOWN),
            "not-applicable",
            "pe-blob: its DNS zone (not known until deployment)",
        ),
        Case(
            p,
            "another cloud's zone while the location is not known",
            service_endpoint("blob", "privatelink.blob.core.usgovcloudapi.net", location=UNKNOWN),
            "not-applicable",
            "pe-blob: which cloud's zone",
        ),
    ]


def _aks_access_cases() -> list[Case]:
    exposure, identity = "aks-api-server-exposure", "aks-local-accounts-and-rbac"
    public = res(
        "containerservice:ManagedCluster",
        "aks",
        {"apiServerAccessProfile": {"authorizedIPRanges": ["203.0.113.0/24", "0.0.0.0/0"]}},
    )
    weak = res(
        "containerservice:ManagedCluster",
        "aks",
        {"enableRBAC": False, "aadProfile": {"managed": True}},
    )
    return [
        Case(exposure, "private", (cluster(),), "pass"),
        Case(
            exposure,
            "open to the internet",
            (public,),
            "fail",
            "opens the API server to the whole internet",
            "aks",
        ),
        Case(
            exposure,
            "unknown profile",
            (
                res(
                    "containerservice:ManagedCluster",
                    "aks",
                    {
                        "apiServerAccessProfile": {
                            "enablePrivateCluster": proxy.UNKNOWN_BOOLEAN_VALUE
                        }
                    },
                ),
            ),
            "not-applicable",
            "not known yet",
        ),
        Case(identity, "entra id with azure rbac", (cluster(),), "pass"),
        Case(identity, "local accounts and no rbac", (weak,), "fail", "enableRBAC is false", "aks"),
        Case(
            identity,
            "not a cluster",
            (registry(),),
            "not-applicable",
            "checks ManagedCluster resources",
        ),
        *_unknown_identity_cases(identity),
    ]


def _with_cluster(**props: Any) -> tuple[WireResource, ...]:
    base = cluster()
    return (res("containerservice:ManagedCluster", "aks", {**base.inputs, **props}),)


def _unknown_identity_cases(p: str) -> list[Case]:
    return [
        Case(
            p,
            "local accounts not known yet",
            _with_cluster(disableLocalAccounts=proxy.UNKNOWN_BOOLEAN_VALUE),
            "not-applicable",
            "not checked: aks: disableLocalAccounts (unknown until deployment)",
        ),
        Case(
            p,
            "the Entra ID profile not known yet",
            _with_cluster(aadProfile=proxy.UNKNOWN_OBJECT_VALUE),
            "not-applicable",
            "aks: aadProfile.managed (unknown until deployment)",
        ),
        Case(
            p,
            "Azure RBAC not known yet",
            _with_cluster(aadProfile={"managed": True, "enableAzureRBAC": UNKNOWN}),
            "not-applicable",
            "aks: aadProfile.enableAzureRBAC (unknown until deployment)",
        ),
        Case(
            p,
            "local accounts on while the profile is not known",
            _with_cluster(disableLocalAccounts=False, aadProfile=proxy.UNKNOWN_OBJECT_VALUE),
            "fail",
            "disableLocalAccounts is not true",
            "aks",
        ),
    ]


def _ingress_cases() -> list[Case]:
    # Longer than 60 lines: a table, one case per behaviour, not logic.
    p = "nsg-internet-admin-ingress"

    def one(*rules: dict[str, Any], **config: Any) -> tuple[WireResource, ...]:
        return (nsg("open", list(rules)),)

    return [
        Case(p, "ssh from known prefixes", one(rule(sourceAddressPrefix="10.0.0.0/8")), "pass"),
        Case(
            p,
            "ssh from Internet",
            one(rule()),
            "fail",
            "rule 'r' (priority 100) opens TCP 22 to the internet",
            "open",
        ),
        Case(
            p,
            "port range 20-25",
            one(rule(destinationPortRange="20-25")),
            "fail",
            "opens TCP 22",
            "open",
        ),
        Case(
            p,
            "lower-case internet",
            one(rule(sourceAddressPrefix="internet")),
            "fail",
            "opens TCP 22",
            "open",
        ),
        Case(
            p,
            "ipv6 any source",
            one(rule(sourceAddressPrefix="::/0")),
            "fail",
            "opens TCP 22",
            "open",
        ),
        Case(
            p,
            "prefix list with 0.0.0.0/0",
            one(rule(sourceAddressPrefix=None, sourceAddressPrefixes=["10.0.0.0/8", "0.0.0.0/0"])),
            "fail",
            "opens TCP 22",
            "open",
        ),
        Case(
            p,
            "port list",
            one(rule(destinationPortRange=None, destinationPortRanges=["3389", "8080-8090"])),
            "fail",
            "opens TCP 3389",
            "open",
        ),
        Case(
            p,
            "any protocol any port",
            one(rule(protocol="*", destinationPortRange="*")),
            "fail",
            "opens TCP 22, 3389, 80",
            "open",
        ),
        Case(
            p,
            "deny above the allow",
            one(rule(name="deny", priority=90, access="Deny"), rule(priority=100)),
            "pass",
        ),
        Case(p, "udp only", one(rule(protocol="Udp")), "pass"),
        Case(p, "outbound only", one(rule(direction="Outbound")), "pass"),
        Case(
            p,
            "application security group destination",
            one(
                rule(
                    destinationAddressPrefix=None,
                    destinationApplicationSecurityGroups=[
                        {"id": arm("rg", "Microsoft.Network", "applicationSecurityGroups", "web")}
                    ],
                )
            ),
            "fail",
            "opens TCP 22",
            "open",
        ),
        Case(
            p,
            "standalone rule",
            (nsg("open", []), standalone_rule("open", rule("ssh"))),
            "fail",
            "rule 'ssh' (priority 100) opens TCP 22",
            "open-ssh",
        ),
        Case(
            p,
            "standalone rule under an inline deny",
            (
                nsg("open", [rule("deny", priority=90, access="Deny", sourceAddressPrefix="*")]),
                standalone_rule("open", rule("ssh")),
            ),
            "pass",
        ),
        Case(
            p,
            "standalone rule of an nsg outside the stack",
            (standalone_rule("hub-nsg", rule("ssh"), group="hub"),),
            "fail",
            "NSG hub-nsg: rule 'ssh'",
            "hub-nsg-ssh",
        ),
        Case(
            p,
            "configured ports",
            one(rule(destinationPortRange="8443")),
            "fail",
            "opens TCP 8443",
            "open",
            {"ports": [8443]},
        ),
        Case(p, "default ports leave 8443", one(rule(destinationPortRange="8443")), "pass"),
        Case(
            p,
            "port out of range is a violation",
            one(rule()),
            "fail",
            "nsg-internet-admin-ingress.ports[0]: got 70000; expected an integer from 1 to 65535",
            config={"ports": [70000]},
        ),
        Case(
            p,
            "fractional port is a violation",
            one(rule()),
            "fail",
            "nsg-internet-admin-ingress.ports[0]: got 22.5",
            config={"ports": [22.5]},
        ),
        Case(p, "no nsg", (registry(),), "not-applicable", "no NSG or security rule"),
        Case(
            p,
            "unknown source is not checked",
            one(rule(sourceAddressPrefix=UNKNOWN)),
            "not-applicable",
            "open: TCP 22 (depends on rule 'r' (priority 100), not known until deployment)",
        ),
        Case(
            p,
            "prefixes that together cover ipv4",
            one(rule(sourceAddressPrefix=None, sourceAddressPrefixes=["0.0.0.0/1", "128.0.0.0/1"])),
            "fail",
            "rule 'r' (priority 100) opens TCP 22 to the internet",
            "open",
        ),
        Case(
            p,
            "unknown security rules are not checked",
            (nsg("open", UNKNOWN),),
            "not-applicable",
            "open: TCP 22, 3389, 80 (depends on the securityRules of NSG open, not known until",
        ),
        Case(
            p,
            "an unknown security rule entry is not checked",
            (nsg("open", [rule("known", sourceAddressPrefix="10.0.0.0/8"), UNKNOWN]),),
            "not-applicable",
            "(depends on securityRules[1] of NSG open, not known until deployment)",
        ),
        Case(
            p,
            "a standalone allow under unknown security rules is not checked",
            (nsg("open", UNKNOWN), standalone_rule("open", rule("ssh", priority=200))),
            "not-applicable",
            "open: TCP 22, 3389, 80 (depends on the securityRules of NSG open",
        ),
    ]


def _subnet_nsg_cases() -> list[Case]:
    p = "subnet-requires-nsg"
    return [
        Case(p, "subnet with nsg", (subnet("hub", "a", "10.40.1.0/24", nsg="n"),), "pass"),
        Case(
            p,
            "bare subnet",
            (subnet("hub", "a", "10.40.1.0/24"),),
            "fail",
            "subnet a has no network security group",
            "rg-hub-a",
        ),
        Case(
            p, "gateway subnet is exempt", (subnet("hub", "GatewaySubnet", "10.40.1.0/24"),), "pass"
        ),
        Case(
            p,
            "configured exemption",
            (subnet("hub", "a", "10.40.1.0/24"),),
            "pass",
            config={"exemptSubnetNames": ["A"]},
        ),
        Case(
            p,
            "inline subnet without nsg",
            (vnet("hub", "10.40.0.0/16", subnets=[{"name": "a"}]),),
            "fail",
            "subnet a has no network security group",
            "rg-hub",
        ),
        Case(
            p,
            "vnet without inline subnets",
            (vnet("hub", "10.40.0.0/16"),),
            "not-applicable",
            "declares no inline subnets",
        ),
    ]


def _protection_cases() -> list[Case]:
    # Longer than 60 lines: a table, one case per behaviour, not logic.
    p = "production-data-protection"
    soft = {"policies": {"softDeletePolicy": {"status": "enabled", "retentionDays": 30}}}
    guarded = WireResource(
        "azure-native:containerregistry:Registry",
        "acr",
        {**registry().inputs, **soft},
        None,
        {},
        protect=True,
        urn="urn:pulumi:prod::cases::azure-native:containerregistry:Registry::acr",
    )
    short = WireResource(
        guarded.type,
        "acr",
        {
            **registry().inputs,
            "policies": {"softDeletePolicy": {"status": "enabled", "retentionDays": 5}},
        },
        None,
        {},
        protect=True,
        urn=guarded.urn,
    )
    unguarded = WireResource(
        guarded.type, "acr", guarded.inputs, None, {}, protect=False, urn=guarded.urn
    )
    return [
        Case(p, "protected with soft delete", (guarded,), "pass", stack="prod"),
        Case(
            p,
            "not protected",
            (unguarded,),
            "fail",
            "the Registry is not protected",
            "acr",
            stack="prod",
        ),
        Case(
            p,
            "soft delete shorter than the minimum",
            (short,),
            "fail",
            "soft delete keeps artifacts 5 days; at least 7 required",
            "acr",
            stack="prod",
        ),
        Case(
            p,
            "configured minimum",
            (guarded,),
            "fail",
            "keeps artifacts 30 days; at least 45 required",
            "acr",
            {"minSoftDeleteDays": 45},
            stack="prod",
        ),
        Case(
            p,
            "configured production stacks",
            (unguarded,),
            "fail",
            "not protected",
            "acr",
            {"productionStacks": ["test"]},
        ),
        Case(
            p,
            "not a production stack",
            (unguarded,),
            "not-applicable",
            "stack test is not a production stack",
        ),
        Case(
            p,
            "minimum out of range is a violation",
            (guarded,),
            "fail",
            "production-data-protection.minSoftDeleteDays: got 0; expected an integer from 1 to 90",
            config={"minSoftDeleteDays": 0},
            stack="prod",
        ),
        *_geo_protection_cases(p),
    ]


def _replicated(
    retention: Mapping[str, Any], soft_delete: str = "disabled", replica_registry: Any = "acr"
) -> tuple[WireResource, ...]:
    """A protected prod registry with one replica (found by resource group and registry name)."""
    policies = {
        "retentionPolicy": dict(retention),
        "softDeletePolicy": {"status": soft_delete, "retentionDays": 7},
    }
    acr = WireResource(
        "azure-native:containerregistry:Registry",
        "acr",
        {**registry().inputs, "policies": policies},
        None,
        {},
        protect=True,
        urn="urn:pulumi:prod::cases::azure-native:containerregistry:Registry::acr",
    )
    replica = res(
        "containerregistry:Replication",
        "replica",
        {"resourceGroupName": "rg", "registryName": replica_registry, "replicationName": "westus3"},
    )
    return (acr, replica)


def _geo_protection_cases(p: str) -> list[Case]:
    kept = {"status": "enabled", "days": 30}
    return [
        Case(p, "geo-replicated with retention", _replicated(kept), "pass", stack="prod"),
        Case(
            p,
            "geo-replicated with retention off",
            _replicated({"status": "disabled", "days": 7}, soft_delete="enabled"),
            "fail",
            "the registry is geo-replicated, which soft delete does not support, and its retention policy is off",
            "acr",
            stack="prod",
        ),
        Case(
            p,
            "geo-replicated retention shorter than the minimum",
            _replicated({"status": "enabled", "days": 3}),
            "fail",
            "retention keeps untagged manifests 3 days; at least 7 required",
            "acr",
            stack="prod",
        ),
        Case(
            p,
            "geo-replicated retention without days keeps azure's seven",
            _replicated({"status": "enabled"}),
            "fail",
            "retention keeps untagged manifests 7 days; at least 10 required",
            "acr",
            {"minSoftDeleteDays": 10},
            stack="prod",
        ),
        Case(
            p,
            "configured minimum applies to retention",
            _replicated(kept),
            "fail",
            "retention keeps untagged manifests 30 days; at least 45 required",
            "acr",
            {"minSoftDeleteDays": 45},
            stack="prod",
        ),
        Case(
            p,
            "geo-replicated retention unknown",
            _replicated({"status": "enabled", "days": UNKNOWN}),
            "not-applicable",
            "acr policies.retentionPolicy.days (unknown until deployment)",
            stack="prod",
        ),
        Case(
            p,
            "retention off fails whatever its days",
            _replicated({"status": "disabled", "days": UNKNOWN}, soft_delete="enabled"),
            "fail",
            "its retention policy is off",
            "acr",
            stack="prod",
        ),
        Case(
            p,
            "a replica of an unknown registry leaves the policy to check unknown",
            _replicated(kept, replica_registry=UNKNOWN),
            "not-applicable",
            "acr: soft delete or retention (whether a replica of it exists is not known",
            stack="prod",
        ),
        Case(
            p,
            "both policies off fail whichever registry a replica names",
            _replicated({"status": "disabled"}, replica_registry=UNKNOWN),
            "fail",
            "soft delete is off",
            "acr",
            stack="prod",
        ),
        *_unknown_soft_delete_cases(p),
    ]


def _soft_deleting(policy: Any) -> tuple[WireResource, ...]:
    """A protected prod registry of one region with this soft delete policy (or unknown)."""
    acr = WireResource(
        "azure-native:containerregistry:Registry",
        "acr",
        {**registry().inputs, "policies": {"softDeletePolicy": policy}},
        None,
        {},
        protect=True,
        urn="urn:pulumi:prod::cases::azure-native:containerregistry:Registry::acr",
    )
    return (acr,)


def _unknown_soft_delete_cases(p: str) -> list[Case]:
    return [
        Case(
            p,
            "soft delete disabled fails whatever its days",
            _soft_deleting({"status": "disabled", "retentionDays": UNKNOWN}),
            "fail",
            "soft delete is off; deleted images cannot be recovered",
            "acr",
            stack="prod",
        ),
        Case(
            p,
            "unknown soft delete days are not checked",
            _soft_deleting({"status": "enabled", "retentionDays": UNKNOWN}),
            "not-applicable",
            "acr policies.softDeletePolicy.retentionDays (unknown until deployment)",
            stack="prod",
        ),
        Case(
            p,
            "too few days fail whatever the status",
            _soft_deleting({"status": UNKNOWN, "retentionDays": 5}),
            "fail",
            "soft delete keeps artifacts 5 days; at least 7 required",
            "acr",
            stack="prod",
        ),
        Case(
            p,
            "unknown status with enough days is not checked",
            _soft_deleting({"status": UNKNOWN, "retentionDays": 30}),
            "not-applicable",
            "acr policies.softDeletePolicy.status (unknown until deployment)",
            stack="prod",
        ),
        Case(
            p,
            "unknown soft delete policy is not checked",
            _soft_deleting(UNKNOWN),
            "not-applicable",
            "acr policies.softDeletePolicy (unknown until deployment)",
            stack="prod",
        ),
    ]


CLUSTER_LOGS = LOG_CATEGORIES["Microsoft.ContainerService/managedClusters"]
REGISTRY_LOGS = LOG_CATEGORIES["Microsoft.ContainerRegistry/registries"]
LAW = arm("rg", "Microsoft.OperationalInsights", "workspaces", "law")


def logs_to(
    name: str,
    target: WireResource,
    categories: tuple[str, ...],
    *,
    by_id: bool = False,
    token: str = "monitor:DiagnosticSetting",
    **props: Any,
) -> WireResource:
    """A diagnostic setting of ``target`` sending ``categories`` (``allLogs`` as a group) to LAW."""
    entries = [
        {"categoryGroup": log, "enabled": True}
        if log == "allLogs"
        else {"category": log, "enabled": True}
        for log in categories
    ]
    values: dict[str, Any] = {
        "resourceUri": target.inputs.get("id", UNKNOWN),
        "workspaceId": LAW,
        "logs": entries,
        **props,
    }
    deps = {} if by_id else {"resourceUri": [target.urn]}
    return res(token, name, {k: v for k, v in values.items() if v is not None}, **deps)


def _logged(
    *extra: WireResource, cluster_logs: tuple[str, ...] = CLUSTER_LOGS
) -> tuple[WireResource, ...]:
    acr, aks = registry(), cluster()
    return (
        acr,
        aks,
        logs_to("acr-logs", acr, REGISTRY_LOGS, by_id=True),
        logs_to("aks-logs", aks, cluster_logs),
        *extra,
    )


def _diagnostic_log_cases() -> list[Case]:
    # Longer than 60 lines: a table, one case per behaviour, not logic.
    p = "production-diagnostic-logs"
    acr, aks = registry(), cluster()
    return [
        Case(p, "registry and cluster send their logs", _logged(), "pass", stack="prod"),
        Case(
            p,
            "cluster without a diagnostic setting",
            (acr, aks, logs_to("acr-logs", acr, REGISTRY_LOGS)),
            "fail",
            "aks: no diagnostic setting targets this ManagedCluster; its logs are not kept.",
            "aks",
            stack="prod",
        ),
        Case(
            p,
            "logs to a storage account only",
            (
                aks,
                logs_to("aks-logs", aks, CLUSTER_LOGS, workspaceId=None, storageAccountId="/x/st"),
            ),
            "fail",
            "aks: its diagnostic settings send nothing to a Log Analytics workspace",
            "aks",
            stack="prod",
        ),
        Case(
            p,
            "a category left out",
            (acr, logs_to("acr-logs", acr, REGISTRY_LOGS[:1])),
            "fail",
            "acr: the log categories ContainerRegistryLoginEvents are not sent to a workspace.",
            "rg-acr",
            stack="prod",
        ),
        Case(
            p,
            "a category switched off",
            (
                aks,
                logs_to(
                    "aks-logs",
                    aks,
                    (),
                    logs=[{"category": c, "enabled": c != "guard"} for c in CLUSTER_LOGS],
                ),
            ),
            "fail",
            "aks: the log categories guard are not sent",
            "aks",
            stack="prod",
        ),
        Case(
            p,
            "the allLogs group",
            (acr, logs_to("acr-logs", acr, ("allLogs",))),
            "pass",
            stack="prod",
        ),
        Case(
            p,
            "kube-audit stands in for kube-audit-admin",
            _logged(cluster_logs=("kube-apiserver", "kube-audit", "guard")),
            "pass",
            stack="prod",
        ),
        Case(
            p,
            "settings split over two resources",
            (
                acr,
                logs_to("acr-repo", acr, REGISTRY_LOGS[:1]),
                logs_to("acr-login", acr, REGISTRY_LOGS[1:]),
            ),
            "pass",
            stack="prod",
        ),
        Case(
            p,
            "the v2 insights token",
            (aks, logs_to("aks-logs", aks, CLUSTER_LOGS, token="insights:DiagnosticSetting")),
            "pass",
            stack="prod",
        ),
        Case(
            p,
            "workspace known at deployment",
            (aks, logs_to("aks-logs", aks, CLUSTER_LOGS, workspaceId=UNKNOWN)),
            "pass",
            stack="prod",
        ),
        Case(
            p,
            "target known at deployment",
            (acr, logs_to("acr-logs", aks, REGISTRY_LOGS, by_id=True)),
            "not-applicable",
            "rg-acr diagnostic settings (target not known until deployment)",
            stack="prod",
        ),
        Case(
            p,
            "configured production stacks",
            (aks,),
            "fail",
            "no diagnostic setting targets this ManagedCluster",
            "aks",
            {"productionStacks": ["test"]},
        ),
        Case(
            p,
            "not a production stack",
            (aks,),
            "not-applicable",
            "stack test is not a production stack",
        ),
        Case(
            p,
            "nothing that logs",
            (vnet("a", "10.40.0.0/16"),),
            "not-applicable",
            "the stack has no container registry or AKS cluster",
            stack="prod",
        ),
    ]


def _role(name: str) -> str:
    return (
        f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{ROLE_IDS[name]}"
    )


def trigger_stack(
    role: str | None,
    scope: str | None = None,
    *,
    actions: tuple[str, ...] = BROKER_ACTIONS,
    **custom: Any,
) -> tuple[WireResource, ...]:
    """A registry, an identity that starts runs and its role there (``None``: a custom role
    of ``actions``, by default the build broker's)."""
    acr = registry()
    identity = res(
        "managedidentity:UserAssignedIdentity",
        "trigger",
        {
            "principalId": "p-1",
            "id": arm("rg", "Microsoft.ManagedIdentity", "userAssignedIdentities", "trigger"),
        },
    )
    definition = res(
        "authorization:RoleDefinition",
        "trigger-role",
        {
            "roleName": "ACR build trigger (acr)",
            "permissions": [{"actions": list(actions), **custom}],
        },
    )
    assignment = res(
        "authorization:RoleAssignment",
        "trigger-assignment",
        {
            "scope": scope or acr.inputs["id"],
            "principalId": "p-1",
            "principalType": "ServicePrincipal",
            "roleDefinitionId": _role(role) if role else "custom-role-id",
        },
        scope=[acr.urn] if scope is None else [],
        principalId=[identity.urn],
        **({} if role else {"roleDefinitionId": [definition.urn]}),
    )
    return (acr, identity, definition, assignment)


def federated(
    stack: tuple[WireResource, ...], subject: str = "system:serviceaccount:ci:acr-build-trigger"
) -> tuple[WireResource, ...]:
    """``stack`` with its identity ``trigger`` federated with ``subject``."""
    identity = next(r for r in stack if r.name == "trigger")
    credential = res(
        "managedidentity:FederatedIdentityCredential",
        "trigger-federation",
        {
            "resourceGroupName": "rg",
            "resourceName": "trigger",
            "issuer": "https://eastus2.oic.prod-aks.azure.com/t/c/",
            "subject": subject,
            "audiences": ["api://AzureADTokenExchange"],
        },
        resourceName=[identity.urn],
    )
    return (*stack, credential)


def task_stack(
    role: str, scope: str | None = None, *, role_id: str | None = None, **registry_props: Any
) -> tuple[WireResource, ...]:
    """A registry, a task with a user-assigned identity, and a role of that identity
    (``role_id``: the role definition id as written, instead of ``role``'s full id)."""
    acr = registry(**registry_props)
    identity = res(
        "managedidentity:UserAssignedIdentity",
        "task-identity",
        {
            "principalId": "p-2",
            "id": arm("rg", "Microsoft.ManagedIdentity", "userAssignedIdentities", "task-identity"),
        },
    )
    task = res(
        "containerregistry:Task",
        "task",
        {
            "resourceGroupName": "rg",
            "registryName": "acr",
            "identity": {
                "type": "UserAssigned",
                "userAssignedIdentities": {identity.inputs["id"]: {}},
            },
        },
        registryName=[acr.urn],
        identity=[identity.urn],
    )
    assignment = res(
        "authorization:RoleAssignment",
        "task-assignment",
        {
            "scope": scope or acr.inputs["id"],
            "principalId": "p-2",
            "roleDefinitionId": role_id or _role(role),
        },
        principalId=[identity.urn],
    )
    return (acr, identity, task, assignment)


def _identity_cases() -> list[Case]:
    # Longer than 60 lines: a table, one case per behaviour, not logic.
    p = "build-identity-least-privilege"
    group = arm("rg", "Microsoft.Resources", "x")[: -len("/providers/Microsoft.Resources/x")]
    push = "Microsoft.ContainerRegistry/registries/push/write"
    return [
        Case(p, "custom trigger role", trigger_stack(None), "pass"),
        Case(
            p,
            "a service account's identity that follows runs",
            federated(trigger_stack(None, actions=BUILD_TRIGGER_ACTIONS)),
            "pass",
        ),
        Case(
            p,
            "a service account's identity that schedules runs",
            federated(trigger_stack(None, actions=(*BUILD_TRIGGER_ACTIONS, *QUICK_BUILD_ACTIONS))),
            "fail",
            "trigger-assignment: trigger is federated with the Kubernetes service account "
            "ci/acr-build-trigger and holds ACR build trigger (acr) on rg-acr, which permits "
            f"{SCHEDULE_RUN}: whoever can run a pod as that account can start quick runs",
            "trigger-assignment",
        ),
        Case(
            p,
            "a service account's identity with Owner on the registry",
            federated(trigger_stack("Owner")),
            "fail",
            "is federated with the Kubernetes service account ci/acr-build-trigger and holds Owner",
            "trigger-assignment",
        ),
        Case(
            p,
            "a federated identity of another issuer kind is not a service account",
            federated(trigger_stack(None), subject="repo:org/app:ref:refs/heads/main"),
            "pass",
        ),
        Case(
            p,
            "quick builds accepted on purpose",
            federated(trigger_stack(None, actions=(*BUILD_TRIGGER_ACTIONS, *QUICK_BUILD_ACTIONS))),
            "pass",
            config={"allowedRoles": ["ACR build trigger (acr)"]},
        ),
        Case(
            p,
            "trigger with Tasks Contributor",
            trigger_stack("Container Registry Tasks Contributor"),
            "fail",
            "trigger triggers builds on rg-acr and holds Container Registry Tasks Contributor "
            "there; it permits Microsoft.ContainerRegistry/registries/tasks/write",
            "trigger-assignment",
        ),
        Case(
            p,
            "task identity with AcrPush",
            task_stack("AcrPush"),
            "fail",
            f"task-identity runs builds on rg-acr and holds AcrPush there; it permits {push}.",
            "task-assignment",
        ),
        Case(
            p,
            "Owner inherited from the resource group",
            task_stack("Owner", group),
            "fail",
            "holds Owner there; it permits Microsoft.ContainerRegistry/registries/write",
            "task-assignment",
        ),
        *(
            Case(
                p,
                f"task identity with {role}",
                task_stack(role),
                "fail",
                f"holds {role} there",
                "task-assignment",
            )
            for role in (
                "Contributor",
                "Container Registry Repository Writer",
                "Container Registry Repository Contributor",
            )
        ),
        *_builtin_role_cases(p, group),
        Case(
            p,
            "a role on another resource does not count",
            task_stack("Owner", arm("rg", "Microsoft.Storage", "storageAccounts", "st")),
            "pass",
        ),
        Case(
            p,
            "custom role that pushes",
            trigger_stack(None, actions=(*BROKER_ACTIONS, push)),
            "fail",
            f"it permits {push}",
            "trigger-assignment",
        ),
        Case(
            p,
            "notActions take operations out",
            trigger_stack(
                None,
                actions=(SCHEDULE_RUN, "Microsoft.ContainerRegistry/registries/tasks/*"),
                notActions=[
                    "Microsoft.ContainerRegistry/registries/tasks/write",
                    "Microsoft.ContainerRegistry/registries/tasks/delete",
                ],
            ),
            "pass",
        ),
        Case(
            p,
            "allowed roles accepted",
            task_stack("AcrPush"),
            "pass",
            config={"allowedRoles": ["acrpush"]},
        ),
        Case(
            p, "no registry", trigger_stack("Owner")[1:], "not-applicable", "no container registry"
        ),
        Case(
            p,
            "nobody builds on the registry",
            (registry(),),
            "not-applicable",
            "no identity of the stack runs or triggers builds",
        ),
        Case(
            p,
            "a service account's identity with no role on the registry",
            federated(trigger_stack(None)[:2]),
            "not-applicable",
            "no identity of the stack runs or triggers builds",
        ),
    ]


def _builtin_role_cases(p: str, group: str) -> list[Case]:
    # Longer than 60 lines: a table, one case per behaviour, not logic.
    registries = "Microsoft.ContainerRegistry/registries"
    management_group = "/providers/Microsoft.Management/managementGroups/platform"
    upper = ROLE_IDS["AcrPush"].upper()
    return [
        Case(
            p,
            "AcrDelete on the registry's resource group",
            task_stack("AcrDelete", group),
            "fail",
            # Learn: AcrDelete's one action.
            f"holds AcrDelete there; it permits {registries}/artifacts/delete.",
            "task-assignment",
        ),
        Case(
            p,
            "User Access Administrator on the registry's resource group",
            task_stack("User Access Administrator", group),
            "fail",
            # Learn: its actions include Microsoft.Authorization/*.
            "holds User Access Administrator there; it permits "
            "Microsoft.Authorization/roleAssignments/write",
            "task-assignment",
        ),
        Case(
            p,
            "Container Registry Contributor and Data Access Configuration Administrator",
            task_stack(
                "Container Registry Contributor and Data Access Configuration Administrator"
            ),
            "fail",
            f"it permits {registries}/write, {registries}/delete, "
            f"{registries}/listCredentials/action and",
            "task-assignment",
        ),
        Case(
            p,
            "Container Registry Data Importer and Data Reader",
            task_stack("Container Registry Data Importer and Data Reader"),
            "fail",
            f"it permits {registries}/importImage/action.",
            "task-assignment",
        ),
        Case(
            p,
            "Owner on the subscription",
            task_stack("Owner", f"/subscriptions/{SUB}"),
            "fail",
            "holds Owner there",
            "task-assignment",
        ),
        Case(
            p,
            "a role GUID in upper case, bare",
            task_stack("AcrPush", role_id=upper),
            "fail",
            "holds AcrPush there",
            "task-assignment",
        ),
        Case(
            p,
            "a role id under the root scope, in upper case",
            task_stack(
                "AcrPush",
                role_id=f"/providers/Microsoft.Authorization/roleDefinitions/{upper}",
            ),
            "fail",
            "holds AcrPush there",
            "task-assignment",
        ),
        Case(
            p,
            "the resource group by name while the registry's id is not known",
            task_stack("AcrDelete", group, id=UNKNOWN),
            "fail",
            "holds AcrDelete there",
            "task-assignment",
        ),
        Case(p, "AcrPull only pulls", task_stack("AcrPull"), "pass"),
        Case(
            p, "Reader on the subscription", task_stack("Reader", f"/subscriptions/{SUB}"), "pass"
        ),
        Case(
            p,
            "Owner on another resource group does not count",
            task_stack("Owner", group.replace("/rg", "/rg-other")),
            "pass",
        ),
        Case(
            p,
            "a management group may or may not hold the registry",
            task_stack("Owner", management_group),
            "not-applicable",
            "task-assignment: whether its scope holds rg-acr",
        ),
        Case(
            p,
            "a built-in role of another service is not judged",
            task_stack("Network Contributor", group),
            "not-applicable",
            "role Network Contributor (not in the pack's table of built-in roles on registries)",
        ),
    ]


def located_pool(location: Any) -> WireResource:
    base = pool("acr", AGENT_ID)
    return res("containerregistry:AgentPool", base.name, {**base.inputs, "location": location})


def _region_cases() -> list[Case]:
    p = "agent-pool-region"
    return [
        Case(p, "offered region", (registry(), located_pool("eastus2")), "pass"),
        Case(
            p, "display name of an offered region", (registry(), located_pool("East US 2")), "pass"
        ),
        Case(
            p,
            "portal name of an offered region",
            (registry(), located_pool("(US) East US 2")),
            "pass",
        ),
        Case(p, "government region", (registry(), located_pool("usgovvirginia")), "pass"),
        Case(
            p,
            "region without agent pools",
            (registry(), located_pool("australiaeast")),
            "fail",
            # The revision of Learn's table is cited in the finding.
            "dedicated agent pools are not offered in australiaeast; creating the pool fails "
            "there (Learn, container-registry/tasks-agent-pools, 'Preview limitations' "
            "(MicrosoftDocs/azure-management-docs commit 79592b333, 2026-08-14))",
            "rg-acr-pool",
        ),
        Case(
            p,
            "location unknown",
            (registry(), located_pool(UNKNOWN)),
            "not-applicable",
            "location (unknown until deployment)",
        ),
        Case(p, "no pool", (registry(),), "not-applicable", "no ACR agent pool"),
    ]


ROUTES_ID = arm("rg", "Microsoft.Network", "routeTables", "spoke")


def route(name: str, prefix: str, hop: str = "VirtualAppliance") -> dict[str, Any]:
    entry = {"name": name, "addressPrefix": prefix, "nextHopType": hop}
    return entry | ({"nextHopIpAddress": "10.0.0.4"} if hop == "VirtualAppliance" else {})


def routed_stack(
    next_hop: str = "VirtualAppliance",
    *extra: WireResource,
    routes: list[dict[str, Any]] | None = None,
) -> tuple[WireResource, ...]:
    agents = subnet("build", "agents", "10.40.1.0/24", nsg="agents-nsg")
    agents = res("network:Subnet", agents.name, {**agents.inputs, "routeTable": {"id": ROUTES_ID}})
    table = res(
        "network:RouteTable",
        "spoke",
        {
            "resourceGroupName": "rg",
            "routeTableName": "spoke",
            "id": ROUTES_ID,
            "routes": routes if routes is not None else [route("default", "0.0.0.0/0", next_hop)],
        },
    )
    return (
        vnet("build", "10.40.0.0/16"),
        agents,
        nsg("agents-nsg", allows_required()),
        table,
        registry(),
        pool("acr", AGENT_ID),
        *extra,
    )


def network_rule(
    tags: list[str], sources: list[str] | None = None, name: str = "azure", **fields: Any
) -> dict[str, Any]:
    return {
        "ruleType": "NetworkRule",
        "name": name,
        "ipProtocols": ["TCP"],
        "sourceAddresses": ["10.40.0.0/16"] if sources is None else sources,
        "destinationAddresses": tags,
        "destinationPorts": ALL_PORTS,
        **fields,
    }


def firewall_policy(
    action: str,
    tags: list[str],
    *,
    name: str = "hub",
    base: WireResource | None = None,
    rules: list[dict[str, Any]] | None = None,
) -> tuple[WireResource, ...]:
    """A firewall policy (child of ``base`` when given) and one rule collection group whose
    one collection has ``action`` and ``rules`` (by default one network rule to ``tags``)."""
    props: dict[str, Any] = {
        "resourceGroupName": "rg",
        "firewallPolicyName": name,
        "id": arm("rg", "Microsoft.Network", "firewallPolicies", name),
    }
    if base is not None:
        props["basePolicy"] = {"id": base.inputs["id"]}
    policy = res(
        "network:FirewallPolicy",
        name,
        props,
        **({"basePolicy": [base.urn]} if base is not None else {}),
    )
    group = res(
        "network:FirewallPolicyRuleCollectionGroup",
        f"{name}-spokes",
        {
            "resourceGroupName": "rg",
            "firewallPolicyName": name,
            "ruleCollectionGroupName": "spokes",
            "priority": 200,
            "ruleCollections": [
                {
                    "ruleCollectionType": "FirewallPolicyFilterRuleCollection",
                    "name": "agents",
                    "priority": 100,
                    "action": {"type": action},
                    "rules": rules if rules is not None else [network_rule(tags)],
                }
            ],
        },
        firewallPolicyName=[policy.urn],
    )
    return (policy, group)


def azure_firewall(policy: WireResource) -> WireResource:
    """The hub's Azure Firewall, which uses ``policy``."""
    return res(
        "network:AzureFirewall",
        "hub-firewall",
        {
            "resourceGroupName": "rg",
            "azureFirewallName": "hub-firewall",
            "firewallPolicy": {"id": policy.inputs["id"]},
        },
        firewallPolicy=[policy.urn],
    )


ALL_TAGS = list(AGENT_POOL_EGRESS)
ALL_PORTS = sorted({str(port) for ports in AGENT_POOL_EGRESS.values() for port in ports})
IP_GROUP_ID = arm("rg", "Microsoft.Network", "ipGroups", "agents")


def _firewall_cases() -> list[Case]:
    # Longer than 60 lines: a table, one case per behaviour, not logic.
    p = "agent-pool-firewall-egress"
    return [
        Case(
            p,
            "firewall allows every flow",
            routed_stack("VirtualAppliance", *firewall_policy("Allow", ALL_TAGS)),
            "pass",
        ),
        Case(p, "default route to the internet", routed_stack("Internet"), "pass"),
        Case(
            p,
            "firewall not in the stack",
            routed_stack(),
            "fail",
            "routes the agents' traffic through a firewall this stack cannot see; it must allow "
            "from the agent subnet: TCP 443 to AzureKeyVault",
            "rg-acr-pool",
        ),
        Case(
            p,
            "firewall policy misses storage",
            routed_stack(
                "VirtualAppliance",
                *firewall_policy("Allow", [t for t in ALL_TAGS if t != "Storage"]),
            ),
            "fail",
            "firewall policy hub denies TCP 443 to Storage from the agent subnet (no rule allows it)",
            "rg-acr-pool",
        ),
        Case(
            p,
            "no route table",
            egress_stack(allows_required()),
            "not-applicable",
            "no agent pool's subnet in this stack has a route table",
        ),
        *_hierarchy_cases(p),
        *_source_cases(p),
        *_route_cases(p),
    ]


def _hierarchy_cases(p: str) -> list[Case]:
    # Learn, firewall/rule-processing: "Rule Collection Groups in the parent policy always
    # takes precedence regardless of the priority of a child policy".
    parent, parent_group = firewall_policy("Allow", ALL_TAGS, name="hub")
    child = firewall_policy(
        "Deny", [], name="spoke", base=parent, rules=[network_rule(["*"], ["10.99.0.0/16"])]
    )
    denying_parent = firewall_policy("Deny", ["Storage"], name="hub")
    outside_parent, _ = firewall_policy("Allow", ALL_TAGS, name="platform")
    allowing_child = firewall_policy("Allow", ALL_TAGS, name="spoke", base=denying_parent[0])
    return [
        Case(
            p,
            "a child policy allows the flows through its parent",
            routed_stack(
                "VirtualAppliance", parent, parent_group, *child, azure_firewall(child[0])
            ),
            "pass",
        ),
        Case(
            p,
            "the parent's deny comes before the child's allow",
            routed_stack(
                "VirtualAppliance",
                *denying_parent,
                *allowing_child,
                azure_firewall(allowing_child[0]),
            ),
            "fail",
            "firewall policy spoke denies TCP 443 to Storage from the agent subnet "
            "(rule hub/spokes/agents/azure)",
            "rg-acr-pool",
        ),
        Case(
            p,
            "a parent outside the stack is not checked",
            routed_stack(
                "VirtualAppliance",
                *firewall_policy("Allow", ALL_TAGS, name="spoke", base=outside_parent),
            ),
            "not-applicable",
            "through spoke (depends on the parent policy of spoke",
        ),
    ]


def _source_cases(p: str) -> list[Case]:
    # Learn, firewall/rule-processing and "IP Groups in Azure Firewall": a rule's sources are
    # addresses, CIDRs, ranges or IP Groups; each half of the agent subnet allowed by a rule
    # of its own is the whole subnet allowed.
    halves = [
        network_rule(ALL_TAGS, ["10.40.1.0/25"], "lower"),
        network_rule(ALL_TAGS, ["10.40.1.128-10.40.1.255"], "upper"),
    ]
    ip_group = res(
        "network:IpGroup",
        "agents-ip-group",
        {
            "resourceGroupName": "rg",
            "ipGroupsName": "agents",
            "id": IP_GROUP_ID,
            "ipAddresses": ["10.40.1.0/24"],
        },
    )
    by_group = [network_rule(ALL_TAGS, [], sourceIpGroups=[IP_GROUP_ID])]
    westus = [network_rule(["Storage.WestUS", *[t for t in ALL_TAGS if t != "Storage"]])]
    return [
        Case(
            p,
            "two halves of the agent subnet as sources count as the subnet",
            routed_stack("VirtualAppliance", *firewall_policy("Allow", [], rules=halves)),
            "pass",
        ),
        Case(
            p,
            "one half of the agent subnet is not the subnet",
            routed_stack("VirtualAppliance", *firewall_policy("Allow", [], rules=halves[:1])),
            "fail",
            "denies TCP 443 to AzureKeyVault from the agent subnet (no rule allows it); it allows "
            "only from 10.40.1.0/25 to AzureKeyVault",
            "rg-acr-pool",
        ),
        Case(
            p,
            "an IP Group of the stack holds the agent subnet",
            routed_stack(
                "VirtualAppliance", ip_group, *firewall_policy("Allow", [], rules=by_group)
            ),
            "pass",
        ),
        Case(
            p,
            "an IP Group outside the stack is not checked",
            routed_stack("VirtualAppliance", *firewall_policy("Allow", [], rules=by_group)),
            "not-applicable",
            "TCP 443 to AzureKeyVault through hub (depends on hub/spokes/agents/azure)",
        ),
        Case(
            p,
            "a regional tag allows only its region",
            # Learn, service-tags-overview: Storage.WestUS is the Storage addresses of West US.
            routed_stack("VirtualAppliance", *firewall_policy("Allow", [], rules=westus)),
            "fail",
            "denies TCP 443 to Storage from the agent subnet (no rule allows it); it allows only "
            "from 10.40.1.0/24 to Storage in westus",
            "rg-acr-pool",
        ),
    ]


def _route_cases(p: str) -> list[Case]:
    # Learn, virtual-networks-udr-overview: the longest prefix decides; next hop None drops
    # the traffic; a route may name a service tag.
    split = [route("lower", "0.0.0.0/1"), route("upper", "128.0.0.0/1")]
    return [
        Case(
            p,
            "a split default route to an appliance is a default route",
            routed_stack(routes=split),
            "fail",
            "routes the agents' traffic through a firewall this stack cannot see",
            "rg-acr-pool",
        ),
        Case(
            p,
            "a split default route to a firewall that allows every flow",
            routed_stack("", *firewall_policy("Allow", ALL_TAGS), routes=split),
            "pass",
        ),
        Case(
            p,
            "a None next hop for 0.0.0.0/0 is a violation naming the route",
            routed_stack("None"),
            "fail",
            "route table spoke of subnet agents drops the agents' traffic to Storage (route "
            "'default' (0.0.0.0/0 -> None))",
            "rg-acr-pool",
        ),
        Case(
            p,
            "a route for the tag past the firewall",
            routed_stack(
                "",
                *firewall_policy("Allow", [t for t in ALL_TAGS if t != "AzureMonitor"]),
                routes=[
                    route("default", "0.0.0.0/0"),
                    route("monitor", "AzureMonitor", "Internet"),
                ],
            ),
            "pass",
        ),
        Case(
            p,
            "half the address space to None may drop a tag's traffic",
            routed_stack(routes=[route("lower", "0.0.0.0/1", "None")]),
            "not-applicable",
            "whether route 'lower' (0.0.0.0/1 -> None) carries Storage traffic",
        ),
    ]


# Pools, tasks and private registries (issue 15) ----------------------------------------------

VAULT_SECRET = "https://kvbuilds1.vault.azure.net/secrets/"


def task_with_credentials(entry: Any, name: str = "task") -> WireResource:
    """A task logging in to registry.internal.example.com with ``entry`` (None: no credentials)."""
    props: dict[str, Any] = {"resourceGroupName": "rg", "registryName": "acr", "taskName": name}
    if entry is not None:
        props["credentials"] = {"customRegistries": {"registry.internal.example.com": entry}}
    return res("containerregistry:Task", name, props)


def vault_secrets(
    user: Any = "internal-user", password: Any = "internal-password"
) -> dict[str, Any]:
    return {
        "identity": "0f5e6c2a-7c1e-4c47-9f0e-3d1b2a4c5e6f",
        "userName": {"type": "Vaultsecret", "value": VAULT_SECRET + user},
        "password": {"type": "Vaultsecret", "value": VAULT_SECRET + password},
    }


def _credential_cases() -> list[Case]:
    # Longer than 60 lines: a table, one case per behaviour, not logic.
    p = "task-registry-credentials-in-key-vault"
    plain = {"identity": "id", "userName": {"type": "Opaque", "value": "builder"}}
    return [
        Case(p, "key vault references", (task_with_credentials(vault_secrets()),), "pass"),
        Case(
            p,
            "a managed identity alone",
            (task_with_credentials({"identity": "[system]"}),),
            "pass",
        ),
        Case(
            p,
            "a sovereign cloud's vault with a secret version",
            (
                task_with_credentials(
                    {
                        "identity": "id",
                        "password": {
                            "type": "Vaultsecret",
                            "value": "https://kv1.vault.usgovcloudapi.net/secrets/pw/"
                            "0123456789abcdef0123456789abcdef",
                        },
                    }
                ),
            ),
            "pass",
        ),
        Case(
            p,
            "plain user name",
            (task_with_credentials(plain),),
            "fail",
            "credentials.customRegistries[registry.internal.example.com].userName is of type Opaque",
            "task",
        ),
        Case(
            p,
            "untyped password",
            (task_with_credentials({**vault_secrets(), "password": {"value": "hunter2"}}),),
            "fail",
            "password has no type: its value is written into the task",
            "task",
        ),
        Case(
            p,
            "a vault secret that is no secret uri",
            (
                task_with_credentials(
                    {**vault_secrets(), "userName": {"type": "Vaultsecret", "value": "builder"}}
                ),
            ),
            "fail",
            "userName is a Vaultsecret but 'builder' is not a Key Vault secret URI",
            "task",
        ),
        Case(
            p,
            "references without an identity",
            (task_with_credentials({k: v for k, v in vault_secrets().items() if k != "identity"}),),
            "fail",
            "references Key Vault secrets but names no identity to read them with",
            "task",
        ),
        Case(
            p,
            "a task without registry credentials",
            (task_with_credentials(None),),
            "not-applicable",
            "task declares no custom registry credentials",
        ),
        Case(
            p,
            "an identity not known yet",
            (task_with_credentials({**vault_secrets(), "identity": UNKNOWN}),),
            "not-applicable",
            "not checked: task: credentials.customRegistries[registry.internal.example.com].identity",
        ),
    ]


def sized_pool(
    name: str, registry_name: str, tier: Any, count: Any, group: str = "rg", **deps: list[str]
) -> WireResource:
    props = {
        "resourceGroupName": group,
        "registryName": registry_name,
        "agentPoolName": name,
        "tier": tier,
        "count": count,
    }
    return res("containerregistry:AgentPool", name, props, **deps)


def _quota_cases() -> list[Case]:
    # Longer than 60 lines: a table, one case per behaviour, not logic.
    p = "agent-pool-vcpu-quota"
    acr = registry()
    other = registry("acr2")
    two_s3 = (
        acr,
        sized_pool("heavy", "acr", "S3", 2, registryName=[acr.urn]),
        sized_pool("heavy2", "acr", "S3", 2, registryName=[acr.urn]),
    )
    return [
        Case(
            p,
            "a small and a large pool fit",
            (acr, sized_pool("small", "acr", "S1", 1), sized_pool("heavy", "acr", "S3", 1)),
            "pass",
        ),
        Case(
            p,
            "two S3 pools of two",
            two_s3,
            "fail",
            # Learn, tasks-agent-pools: S3 is 8 vCPUs; the default standard quota is 16.
            "the pools of rg-acr: 2 x S3 + 2 x S3 needs 32 vCPUs but the registry's standard "
            "quota is 16",
            "heavy2",
        ),
        Case(p, "a raised quota", two_s3, "pass", config={"vcpuQuota": 32}),
        Case(
            p,
            "each registry has its own quota",
            (
                acr,
                other,
                sized_pool("heavy", "acr", "S3", 2),
                sized_pool("heavy2", "acr2", "S3", 2),
            ),
            "pass",
        ),
        Case(
            p,
            "pools of a registry outside the stack add up by its name",
            (
                sized_pool("a", "shared", "S2", 3, group="platform"),
                sized_pool("b", "Shared", "s2", 2.0, group="Platform"),
            ),
            "fail",
            "the pools of shared: 3 x S2 + 2 x S2 needs 20 vCPUs",
            "a",
        ),
        Case(
            p,
            "an isolated pool needs a quota",
            (acr, sized_pool("big", "acr", "I6", 1)),
            "fail",
            "1 x I6 needs 64 vCPUs",
            "big",
        ),
        Case(
            p,
            "a count of zero takes nothing",
            (acr, sized_pool("big", "acr", "I6", 0), sized_pool("heavy", "acr", "S3", 2)),
            "pass",
        ),
        *_stack_quota_cases(p, two_s3),
        Case(p, "no pools", (acr,), "not-applicable", "the stack has no ACR agent pool"),
        Case(
            p,
            "a count not known yet",
            (acr, sized_pool("heavy", "acr", "S3", UNKNOWN)),
            "not-applicable",
            "not checked: heavy: its tier or count (not known until deployment)",
        ),
    ]


def _stack_quota_cases(p: str, two_s3: tuple[WireResource, ...]) -> list[Case]:
    # Longer than 60 lines: a table, one case per behaviour, not logic. Learn,
    # tasks-agent-pools: "the default total vCPU (core) quota is 16 for all standard agent
    # pools and is 0 for isolated agent pools"; I6 has 64 vCPUs.
    acr = registry()
    i6 = (acr, sized_pool("big", "acr", "I6", 1))
    return [
        Case(
            p,
            "an I6 pool within the stack's isolated quota",
            i6,
            "pass",
            stack_config={"wire:agentPoolQuotaIsolated": "64"},
        ),
        Case(
            p,
            "an I6 pool with the quota left out names the stack key",
            i6,
            "fail",
            "1 x I6 needs 64 vCPUs but the registry's isolated quota is 0 (Azure's default for "
            "isolated pools is 0); after a support request raises it, set "
            "agentPoolQuotaIsolated in the stack config",
            "big",
        ),
        Case(
            p,
            "a standard quota does not hold an I6 pool",
            i6,
            "fail",
            "set agentPoolQuotaIsolated",
            "big",
            stack_config={"wire:agentPoolQuota": "64"},
        ),
        Case(
            p,
            "the policy's isolated quota overrides the stack's",
            i6,
            "pass",
            config={"vcpuQuotaIsolated": 64},
            stack_config={"wire:agentPoolQuotaIsolated": "0"},
        ),
        Case(
            p,
            "the stack's standard quota",
            two_s3,
            "pass",
            stack_config={"wire:agentPoolQuota": "32"},
        ),
        Case(
            p,
            "the stack's older spelling agentPool.vcpuQuota",
            two_s3,
            "pass",
            stack_config={"wire:agentPool": '{"tier": "S3", "vcpuQuota": 32}'},
        ),
        Case(
            p,
            "the stack's 0 is Azure's 16",
            two_s3,
            "fail",
            "needs 32 vCPUs but the registry's standard quota is 16",
            "heavy2",
            stack_config={"wire:agentPoolQuota": "0"},
        ),
        Case(
            p,
            "without stack config the defaults apply",
            two_s3,
            "fail",
            "quota from this policy's default for vcpuQuota, 16",
            "heavy2",
            stack_config=None,
        ),
    ]


# agent-pool-private-reach -------------------------------------------------------------------

PE_SUBNET_ID = arm("rg", "Microsoft.Network", "virtualNetworks", "build", "subnets", "endpoints")
HUB_ZONES = "/subscriptions/00000000-0000-4000-8000-0000000000aa/resourceGroups/rg-hub-dns/providers/Microsoft.Network/privateDnsZones"
HUB_VNET = "/subscriptions/00000000-0000-4000-8000-0000000000aa/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/hub"
BUILD_VNET = arm("rg", "Microsoft.Network", "virtualNetworks", "build")


def _with(resource: WireResource, **extra: Any) -> WireResource:
    props = {**resource.inputs, **extra}
    return WireResource(
        resource.type, resource.name, props, props, resource.property_dependencies, urn=resource.urn
    )


def deny_in_from_agents(priority: int = 100, port: str = "443") -> dict[str, Any]:
    return rule(
        "deny-agents",
        priority=priority,
        direction="Inbound",
        access="Deny",
        sourceAddressPrefix="10.40.1.0/24",
        destinationAddressPrefix="*",
        destinationPortRange=port,
    )


def reach_stack(
    *,
    agent_rules: Any = (),
    pe_rules: Any = (),
    policies: str | None = "Enabled",
    agent_routes: Any = None,
    linked: str | None = "build",
    zone_id: str | None = None,
    zone_group: bool = True,
    vnet_extra: Mapping[str, Any] | None = None,
) -> tuple[WireResource, ...]:
    """A build VNet with an agent pool and a registry behind its private endpoint, each part
    with what a case changes: NSG rules, the endpoint subnet's network policies, the agent
    subnet's routes, the zone's link, a central zone by id, the zone group."""
    zone = zone_id or arm("rg", "Microsoft.Network", "privateDnsZones", "privatelink.azurecr.io")
    agents = subnet("build", "agents", "10.40.1.0/24", nsg="agents-nsg")
    table = arm("rg", "Microsoft.Network", "routeTables", "agents-rt")
    if agent_routes is not None:
        agents = _with(agents, routeTable={"id": table})
    endpoints = subnet("build", "endpoints", "10.40.2.0/27", nsg="pe-nsg")
    if policies is not None:
        endpoints = _with(endpoints, privateEndpointNetworkPolicies=policies)
    resources = [
        vnet("build", "10.40.0.0/16", **dict(vnet_extra or {})),
        vnet("other", "10.41.0.0/16"),
        agents,
        nsg("agents-nsg", list(agent_rules)),
        endpoints,
        nsg("pe-nsg", list(pe_rules)),
        registry(),
        pool("acr", AGENT_ID),
        res(
            "network:PrivateEndpoint",
            "pe",
            {
                "resourceGroupName": "rg",
                "privateEndpointName": "pe",
                "subnet": {"id": PE_SUBNET_ID},
                "privateLinkServiceConnections": [
                    {"name": "c", "privateLinkServiceId": REGISTRY_ID, "groupIds": ["registry"]}
                ],
            },
        ),
    ]
    if agent_routes is not None:
        resources.append(
            res(
                "network:RouteTable",
                "agents-rt",
                {
                    "resourceGroupName": "rg",
                    "routeTableName": "agents-rt",
                    "id": table,
                    "routes": agent_routes,
                },
            )
        )
    if zone_id is None:
        resources.append(
            res(
                "privatedns:PrivateZone",
                "zone",
                {
                    "resourceGroupName": "rg",
                    "privateZoneName": "privatelink.azurecr.io",
                    "id": zone,
                },
            )
        )
        if linked is not None:
            resources.append(
                res(
                    "privatedns:VirtualNetworkLink",
                    "link",
                    {
                        "resourceGroupName": "rg",
                        "privateZoneName": "privatelink.azurecr.io",
                        "virtualNetwork": {
                            "id": arm("rg", "Microsoft.Network", "virtualNetworks", linked)
                        },
                    },
                )
            )
    if zone_group:
        resources.append(
            res(
                "network:PrivateDnsZoneGroup",
                "dns",
                {
                    "resourceGroupName": "rg",
                    "privateEndpointName": "pe",
                    "privateDnsZoneConfigs": [{"name": "z", "privateDnsZoneId": zone}],
                },
            )
        )
    return tuple(resources)


def hub_zone_snapshot(*vnets: str) -> tuple[dict[str, Any], ...]:
    """The hub's registry zone and its VNet links, as ``az network private-dns zone show`` and
    ``az network private-dns link vnet list`` print them."""
    zone = f"{HUB_ZONES}/privatelink.azurecr.io"
    links = [
        {
            "id": f"{zone}/virtualNetworkLinks/{v.rsplit('/', 1)[-1]}",
            "name": v.rsplit("/", 1)[-1],
            "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
            "registrationEnabled": False,
            "virtualNetwork": {"id": v},
            "virtualNetworkLinkState": "Completed",
        }
        for v in vnets
    ]
    return (
        {"id": zone, "name": "privatelink.azurecr.io", "type": "Microsoft.Network/privateDnsZones"},
        *links,
    )


def arm_form(resource: Mapping[str, Any]) -> dict[str, Any]:
    """A snapshot entry as ARM's REST API returns it (``az rest``, ``az resource show``): its
    fields under ``properties``."""
    envelope = {"id", "name", "type", "location"}
    return {
        **{k: v for k, v in resource.items() if k in envelope},
        "properties": {k: v for k, v in resource.items() if k not in envelope},
    }


SPOKE = "/subscriptions/00000000-0000-4000-8000-0000000000bb/resourceGroups/rg-spoke/providers/Microsoft.Network"


def spoke_stack() -> tuple[WireResource, ...]:
    """An agent pool and a registry endpoint in a spoke's existing subnets, zone group to the
    hub's central zone."""
    central = f"{HUB_ZONES}/privatelink.azurecr.io"
    return (
        registry(),
        pool("acr", f"{SPOKE}/virtualNetworks/spoke/subnets/agents"),
        res(
            "network:PrivateEndpoint",
            "pe",
            {
                "resourceGroupName": "rg",
                "privateEndpointName": "pe",
                "subnet": {"id": f"{SPOKE}/virtualNetworks/spoke/subnets/endpoints"},
                "privateLinkServiceConnections": [
                    {"name": "c", "privateLinkServiceId": REGISTRY_ID, "groupIds": ["registry"]}
                ],
            },
        ),
        res(
            "network:PrivateDnsZoneGroup",
            "dns",
            {
                "resourceGroupName": "rg",
                "privateEndpointName": "pe",
                "privateDnsZoneConfigs": [{"name": "z", "privateDnsZoneId": central}],
            },
        ),
    )


def spoke_snapshot(routes_apart: bool) -> tuple[dict[str, Any], ...]:
    """The spoke (its endpoint subnet's route-table policies on), a route table whose route
    drops the endpoint subnet (inline, or listed on its own as ``az network route-table route
    list`` prints it), and the hub zone linked to the spoke."""
    vnet = f"{SPOKE}/virtualNetworks/spoke"
    table = f"{SPOKE}/routeTables/rt"
    drop = {
        "id": f"{table}/routes/drop",
        "name": "drop",
        "addressPrefix": "10.50.2.0/27",
        "nextHopType": "None",
    }
    return (
        {
            "id": vnet,
            "name": "spoke",
            "addressSpace": {"addressPrefixes": ["10.50.0.0/16"]},
            "subnets": [
                {
                    "id": f"{vnet}/subnets/agents",
                    "name": "agents",
                    "addressPrefix": "10.50.1.0/24",
                    "routeTable": {"id": table},
                },
                {
                    "id": f"{vnet}/subnets/endpoints",
                    "name": "endpoints",
                    "addressPrefix": "10.50.2.0/27",
                    "privateEndpointNetworkPolicies": "RouteTableEnabled",
                },
            ],
        },
        {"id": table, "name": "rt", "routes": [] if routes_apart else [drop]},
        *([drop] if routes_apart else []),
        *hub_zone_snapshot(HUB_VNET, vnet),
    )


def _internal(port: Any = 5000) -> str:
    return (
        '{"registry.internal.example.com": {"usernameSecret": "u", "passwordSecret": "p", '
        f'"address": "10.70.4.0/24", "port": {port}}}}}'
    )


def deny_out_to_internal(port: str = "5000") -> dict[str, Any]:
    return rule(
        "deny-internal",
        priority=100,
        direction="Outbound",
        access="Deny",
        sourceAddressPrefix="*",
        destinationAddressPrefix="10.70.4.0/24",
        destinationPortRange=port,
    )


def _reach_cases() -> list[Case]:
    # Longer than 60 lines: a table, one case per behaviour, not logic.
    p = "agent-pool-private-reach"
    central = f"{HUB_ZONES}/privatelink.azurecr.io"
    drop_endpoints = [{"name": "drop", "addressPrefix": "10.40.2.0/27", "nextHopType": "None"}]
    return [
        Case(p, "a registry reached through its endpoint", reach_stack(), "pass"),
        Case(
            p,
            "the registry zone's only link is to another VNet",
            reach_stack(linked="other"),
            "fail",
            "acr.azurecr.io: name broken: zone privatelink.azurecr.io is linked only to VNet "
            "rg-other, not to the agents' VNet rg-build, so acr.azurecr.io resolves to its "
            "public address there. Fix: link zone privatelink.azurecr.io to VNet rg-build",
            "zone",
        ),
        Case(
            p,
            "a central zone whose snapshot links leave out the agents' VNet",
            reach_stack(zone_id=central),
            "fail",
            "name broken: zone privatelink.azurecr.io is linked only to VNet hub, not to the "
            "agents' VNet rg-build",
            "rg-acr-pool",
            existing=hub_zone_snapshot(HUB_VNET),
        ),
        Case(
            p,
            "a central zone linked to the agents' VNet in the snapshot",
            reach_stack(zone_id=central),
            "pass",
            existing=hub_zone_snapshot(HUB_VNET, BUILD_VNET),
        ),
        Case(
            p,
            "a central zone linked to the agents' VNet in a snapshot in ARM's REST form",
            reach_stack(zone_id=central),
            "pass",
            existing=tuple(arm_form(e) for e in hub_zone_snapshot(HUB_VNET, BUILD_VNET)),
        ),
        Case(
            p,
            "a central zone whose links in ARM's REST form leave out the agents' VNet",
            reach_stack(zone_id=central),
            "fail",
            "name broken: zone privatelink.azurecr.io is linked only to VNet hub",
            "rg-acr-pool",
            existing=tuple(arm_form(e) for e in hub_zone_snapshot(HUB_VNET)),
        ),
        *(
            Case(
                p,
                f"a spoke's route dropping the endpoints, {how}",
                spoke_stack(),
                "fail",
                "route broken: route table rt of subnet agents drops the traffic to "
                "acr.azurecr.io (10.50.2.0/27): route 'drop' (10.50.2.0/27 -> None)",
                "rg-acr-pool",
                existing=spoke_snapshot(apart),
            )
            for how, apart in (("inline", False), ("listed on its own", True))
        ),
        Case(
            p,
            "a central zone without a snapshot is not checked",
            reach_stack(zone_id=central),
            "not-applicable",
            "the VNet links of zone privatelink.azurecr.io (zone privatelink.azurecr.io is not "
            "in this stack; an --existing snapshot holding its links",
        ),
        Case(
            p,
            "an endpoint-subnet NSG denies the agents while endpoint network policies are on",
            reach_stack(pe_rules=[deny_in_from_agents()]),
            "fail",
            "filter broken: NSG pe-nsg of subnet endpoints denies TCP 443 from the agent subnet "
            "to acr.azurecr.io inbound (rule 'deny-agents' (priority 100))",
            "pe-nsg",
        ),
        Case(
            p,
            "an endpoint-subnet NSG does not apply while endpoint network policies are off",
            reach_stack(pe_rules=[deny_in_from_agents()], policies="Disabled"),
            "pass",
        ),
        Case(
            p,
            "a lower-priority Deny under the NSG's Allow",
            reach_stack(
                pe_rules=[
                    deny_in_from_agents(200),
                    rule(
                        "allow-agents",
                        priority=100,
                        sourceAddressPrefix="10.40.1.0/24",
                        destinationPortRange="443",
                    ),
                ]
            ),
            "pass",
        ),
        Case(
            p,
            "an agent route drops the endpoint subnet while its route-table policies are on",
            reach_stack(agent_routes=drop_endpoints, policies="RouteTableEnabled"),
            "fail",
            "route broken: route table agents-rt of subnet agents drops the traffic to "
            "acr.azurecr.io (10.40.2.0/27): route 'drop' (10.40.2.0/27 -> None)",
            "agents-rt",
        ),
        Case(
            p,
            "the endpoint's /32 route wins while route-table policies are off",
            reach_stack(agent_routes=drop_endpoints, policies="NetworkSecurityGroupEnabled"),
            "pass",
        ),
        Case(
            p,
            "an internal registry whose port the agent NSG denies",
            reach_stack(agent_rules=[deny_out_to_internal()]),
            "fail",
            "registry.internal.example.com: filter broken: NSG agents-nsg of subnet agents "
            "denies TCP 5000 from the agent subnet to registry.internal.example.com outbound",
            "agents-nsg",
            stack_config={"wire:privateRegistries": _internal()},
        ),
        Case(
            p,
            "the port of an internal registry's login server",
            reach_stack(agent_rules=[deny_out_to_internal("8443")]),
            "fail",
            "denies TCP 8443 from the agent subnet to registry.internal.example.com:8443",
            "agents-nsg",
            config={
                "privateRegistries": {
                    "registry.internal.example.com:8443": {"address": "10.70.4.0/24"}
                }
            },
        ),
        Case(
            p,
            "an internal registry on another port than the Deny",
            reach_stack(agent_rules=[deny_out_to_internal("5000")]),
            "not-applicable",
            "connectivity not shown: registry.internal.example.com (10.70.4.0/24) is outside "
            "VNet rg-build",
            stack_config={"wire:privateRegistries": _internal(443)},
        ),
        Case(
            p,
            "custom DNS servers must forward to Azure DNS or host the zone",
            reach_stack(vnet_extra={"dhcpOptions": {"dnsServers": ["10.40.0.4"]}}),
            "not-applicable",
            "the agents use the custom DNS servers 10.40.0.4 of VNet rg-build, which must "
            "forward azurecr.io to Azure DNS (168.63.129.16) from a VNet linked to "
            "privatelink.azurecr.io, or host privatelink.azurecr.io's records",
        ),
        Case(
            p,
            "no zone group writes the records",
            reach_stack(zone_group=False),
            "fail",
            "name broken: nothing writes acr.azurecr.io's record into a private DNS zone",
            "pe",
        ),
        Case(
            p,
            "Azure Policy writes the records into the central zone the config names",
            reach_stack(zone_id=central, zone_group=False),
            "pass",
            config={"zoneGroupsManagedByPolicy": True, "zoneIds": {"registry": central}},
            existing=hub_zone_snapshot(HUB_VNET, BUILD_VNET),
        ),
        Case(
            p,
            "the stack's dns.zoneGroups policy and dns.zoneIds",
            reach_stack(zone_id=central, zone_group=False),
            "fail",
            "name broken: zone privatelink.azurecr.io is linked only to VNet hub",
            stack_config={
                "wire:dns": json.dumps({"zoneGroups": "policy", "zoneIds": {"registry": central}})
            },
            existing=hub_zone_snapshot(HUB_VNET),
        ),
        Case(
            p,
            "a regional endpoint's name needs the agents' zone too",
            tuple(
                r
                if r.name != "rg-acr"
                else _with(r, location="East US 2", regionalEndpoints="Enabled")
                for r in reach_stack(linked="other")
            ),
            "fail",
            "acr.eastus2.geo.azurecr.io: name broken: zone privatelink.azurecr.io is linked only "
            "to VNet rg-other",
            "zone",
        ),
        Case(
            p,
            "the registry accepts public access",
            tuple(
                r if r.name != "rg-acr" else _with(r, publicNetworkAccess="Enabled")
                for r in reach_stack()
            ),
            "fail",
            "target broken: rg-acr accepts public network access",
            "rg-acr",
        ),
        Case(
            p,
            "a deployed endpoint whose connection the registry's owner rejected",
            tuple(
                r
                if r.name != "pe"
                else _with(
                    r,
                    privateLinkServiceConnections=[
                        {
                            "name": "c",
                            "privateLinkServiceId": REGISTRY_ID,
                            "groupIds": ["registry"],
                            "privateLinkServiceConnectionState": {"status": "Rejected"},
                        }
                    ],
                )
                for r in reach_stack()
            ),
            "fail",
            "target broken: the private endpoint connection to rg-acr is rejected or disconnected",
            "rg-acr",
        ),
        Case(
            p,
            "the agent subnet is not known until deployment",
            (*reach_stack()[:7], pool("acr", UNKNOWN), *reach_stack()[8:]),
            "not-applicable",
            "the subnet of rg-acr-pool (not known until deployment)",
        ),
        Case(
            p, "no agent pool", (registry(),), "not-applicable", "the stack has no ACR agent pool"
        ),
        Case(
            p,
            "a pool outside any VNet",
            (
                registry(),
                res(
                    "containerregistry:AgentPool",
                    "p",
                    {"resourceGroupName": "rg", "registryName": "acr"},
                ),
            ),
            "not-applicable",
            "no agent pool runs in a VNet subnet",
        ),
        Case(
            p,
            "a public registry is no private dependency",
            (
                vnet("build", "10.40.0.0/16"),
                subnet("build", "agents", "10.40.1.0/24"),
                registry(publicNetworkAccess="Enabled"),
                pool("acr", AGENT_ID),
            ),
            "not-applicable",
            "the stack has no private dependency",
        ),
    ]


def restricted_agent_rules(*allowed: tuple[str, str]) -> list[dict[str, Any]]:
    """The agent NSG of a restricted stack, with ``(name, destination)`` entries on 443."""
    from private_acr_rules import egress

    allowances = [
        egress.EgressAllowance(name, destination, (443,)) for name, destination in allowed
    ]
    rules = egress.agent_nsg_rules(egress.AgentEgress.RESTRICTED, (), allowances)
    return [rule.arm() for rule in rules]


def deny_internet(priority: Any = 4096) -> dict[str, Any]:
    return deny_all_out(priority, destinationAddressPrefix="Internet")


def _internet_egress_cases() -> list[Case]:
    # Longer than 60 lines: a table, one case per behaviour, not logic.
    p = "agent-pool-internet-egress"
    return [
        Case(
            p, "restricted agent nsg", egress_stack(restricted_agent_rules()), "pass", stack="prod"
        ),
        Case(
            p,
            "a public prefix and a service tag are not any address",
            egress_stack(
                restricted_agent_rules(("github", "140.82.112.0/20"), ("storage", "Storage.WestUS"))
            ),
            "pass",
            stack="prod",
        ),
        Case(
            p,
            "open egress",
            egress_stack(allows_required()),
            "fail",
            "rg-acr-pool: NSG agents-nsg lets builds send TCP 443 from subnet agents to any "
            "internet host and Azure tenants (AzureCloud) (Azure's default rule "
            "'AllowInternetOutBound' (priority 65001))",
            "rg-acr-pool",
            stack="prod",
        ),
        Case(
            p,
            "an allow of Internet above the deny",
            egress_stack(
                [
                    rule(
                        "allow-web",
                        priority=300,
                        direction="Outbound",
                        sourceAddressPrefix="*",
                        destinationAddressPrefix="Internet",
                        destinationPortRange="443",
                    ),
                    *restricted_agent_rules(),
                ]
            ),
            "fail",
            "(rule 'allow-web' (priority 300))",
            "rg-acr-pool",
            stack="production",
        ),
        Case(
            p,
            "an allow of AzureCloud reaches other tenants",
            egress_stack(restricted_agent_rules(("azure", "AzureCloud"))),
            "fail",
            "to Azure tenants (AzureCloud) (rule 'allow-azure-outbound' (priority 1000))",
            "rg-acr-pool",
            stack="prod",
        ),
        Case(
            p,
            "a deny of udp only",
            egress_stack([*allows_required(), deny_internet() | {"protocol": "Udp"}]),
            "fail",
            "'AllowInternetOutBound'",
            "rg-acr-pool",
            stack="prod",
        ),
        Case(
            p,
            "no nsg on the agent subnet",
            (
                vnet("build", "10.40.0.0/16"),
                subnet("build", "agents", "10.40.1.0/24"),
                registry(),
                pool("acr", AGENT_ID),
            ),
            "fail",
            "has no NSG, so Azure's default rule 'AllowInternetOutBound' lets builds send",
            "rg-acr-pool",
            stack="prod",
        ),
        Case(
            p,
            "production stacks from the policy config",
            egress_stack(allows_required()),
            "fail",
            "'AllowInternetOutBound'",
            "rg-acr-pool",
            config={"productionStacks": ["live"]},
            stack="live",
        ),
        Case(
            p,
            "an unknown deny priority is not checked",
            egress_stack([*allows_required(), deny_internet(UNKNOWN)]),
            "not-applicable",
            "TCP 443 to the internet through NSG agents-nsg (depends on rule 'deny-all' "
            "(priority unknown), not known until deployment)",
            stack="prod",
        ),
        Case(
            p,
            "not a production stack",
            egress_stack(allows_required()),
            "not-applicable",
            "stack test is not a production stack",
        ),
        Case(
            p,
            "no agent pool",
            (vnet("build", "10.40.0.0/16"),),
            "not-applicable",
            "no ACR agent pool",
            stack="prod",
        ),
    ]


CASES: list[Case] = [
    *_bridge_cases(),
    *_plan_cases(),
    *_integrity_cases(),
    *_egress_cases(),
    *_premium_cases(),
    *_access_cases(),
    *_endpoint_cases(),
    *_cloud_zone_policy_cases(),
    *_aks_access_cases(),
    *_ingress_cases(),
    *_subnet_nsg_cases(),
    *_protection_cases(),
    *_identity_cases(),
    *_region_cases(),
    *_firewall_cases(),
    *_diagnostic_log_cases(),
    *_credential_cases(),
    *_quota_cases(),
    *_reach_cases(),
    *_internet_egress_cases(),
]
