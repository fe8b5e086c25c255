"""The preflight on subnets owned elsewhere: what it refuses, what it only warns about."""

import dataclasses
import ipaddress
from collections.abc import Mapping
from typing import Any

import pytest
from learn_facts import AGENT_POOL_EGRESS, AGENT_POOL_FLOWS, AGENT_SUBNET_SERVICE_ENDPOINTS

from private_acr_preview.program import run_function
from private_acr_rules import egress
from private_acr_rules.egress import BuildDestination
from private_acr_tasks.aks import OutboundType
from private_acr_tasks.network import ExistingSubnets, ExistingVnet, NetworkPlan
from private_acr_tasks.preflight import (
    CLIENT_CONFIG,
    AzureLookups,
    Findings,
    verify_existing_network,
)

SPOKE = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-spoke/providers/Microsoft.Network"
VNET = f"{SPOKE}/virtualNetworks/vnet-spoke"
NSG = f"{SPOKE}/networkSecurityGroups/nsg-agents"
ROUTES = f"{SPOKE}/routeTables/rt-spoke"
POLICY = "/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-hub/providers/Microsoft.Network/firewallPolicies/fw-hub"
GROUP = f"{POLICY}/ruleCollectionGroups/spokes"
PLAN = NetworkPlan(
    address_space=ipaddress.IPv4Network("10.50.0.0/16"),
    agent_subnet=ipaddress.IPv4Network("10.50.1.0/24"),
    private_endpoint_subnet=ipaddress.IPv4Network("10.50.2.0/27"),
    aks_subnet=ipaddress.IPv4Network("10.50.8.0/21"),
    existing_subnets=ExistingSubnets(
        f"{VNET}/subnets/snet-agents", f"{VNET}/subnets/snet-endpoints", f"{VNET}/subnets/snet-aks"
    ),
)
ENDPOINTS = [{"service": s, "locations": ["*"]} for s in AGENT_SUBNET_SERVICE_ENDPOINTS]
TAGS = list(AGENT_POOL_EGRESS)
PORTS = sorted({str(port) for ports in AGENT_POOL_EGRESS.values() for port in ports})
DENY_STORAGE = {
    "name": "deny-storage",
    "priority": 100,
    "direction": "Outbound",
    "access": "Deny",
    "protocol": "Tcp",
    "sourceAddressPrefix": "*",
    "sourcePortRange": "*",
    "destinationAddressPrefix": "Storage",
    "destinationPortRange": "443",
}


SPOKE_SUBSCRIPTION = "11111111-1111-1111-1111-111111111111"
HUB_SUBSCRIPTION = "22222222-2222-2222-2222-222222222222"


class Azure:
    """A lookup answering from documents keyed by (token, name of the looked-up resource), in
    a provider whose subscription is ``subscription``; it records the subscription each lookup
    was made in (``None``: the provider's)."""

    def __init__(
        self, documents: dict[tuple[str, str], Any], subscription: str = SPOKE_SUBSCRIPTION
    ) -> None:
        self.documents = documents
        self.subscription = subscription
        self.asked: list[tuple[str, str, str | None]] = []

    def __call__(
        self, token: str, args: Mapping[str, str], subscription: str | None = None, /
    ) -> Mapping[str, Any]:
        if token == CLIENT_CONFIG:
            return {"subscriptionId": self.subscription}
        name = list(args.values())[-1]
        self.asked.append((token, name, subscription))
        if (token, name) not in self.documents:
            raise RuntimeError(f"ResourceNotFound: {name}")
        return self.documents[(token, name)]


def azure(documents: dict[tuple[str, str], Any]) -> Azure:
    return Azure(documents)


def nothing(token: str, args: Mapping[str, str], subscription: str | None = None, /) -> Any:
    """The offline preview's answer without --existing: an empty result."""
    return {}


def subnets(**agent: Any) -> dict[Any, Any]:
    base = {"addressPrefix": "10.50.1.0/24", "serviceEndpoints": ENDPOINTS, **agent}
    return {
        ("azure-native:network:getSubnet", "snet-agents"): base,
        ("azure-native:network:getSubnet", "snet-endpoints"): {"addressPrefix": "10.50.2.0/27"},
        ("azure-native:network:getSubnet", "snet-aks"): {"addressPrefix": "10.50.8.0/21"},
    }


def check(documents: dict[Any, Any], plan: NetworkPlan = PLAN) -> Findings:
    return verify_existing_network(plan, azure(documents))


RESTRICTED_NSG = {
    ("azure-native:network:getNetworkSecurityGroup", "nsg-agents"): {
        "securityRules": [r.arm() for r in egress.agent_nsg_rules(egress.AgentEgress.RESTRICTED)]
    }
}


def test_a_ready_network_passes() -> None:
    findings = check({**subnets(networkSecurityGroup={"id": NSG}), **RESTRICTED_NSG})
    assert findings.problems == [] and findings.warnings == []


def test_an_agent_subnet_that_reaches_any_internet_address_is_a_warning() -> None:
    documents = {
        **subnets(networkSecurityGroup={"id": NSG}),
        ("azure-native:network:getNetworkSecurityGroup", "nsg-agents"): {
            "securityRules": egress.agent_pool_security_rules()
        },
    }
    findings = check(documents)
    assert findings.problems == []
    (warning,) = findings.warnings
    assert "snet-agents: builds can send TCP 443 to any internet address" in warning
    assert "allows it ('AllowInternetOutBound' (priority 65001))" in warning
    (no_nsg,) = check(subnets()).warnings
    assert "builds can send TCP 443 to any internet address: it has no NSG" in no_nsg


def test_open_agent_egress_is_not_warned_about() -> None:
    plan = dataclasses.replace(PLAN, agent_egress=egress.AgentEgress.OPEN)
    assert check(subnets(), plan).warnings == []


def test_internet_traffic_routed_to_a_firewall_is_the_firewalls_to_decide() -> None:
    documents = with_routes(
        subnets(routeTable={"id": ROUTES}),
        {
            "name": "default",
            "addressPrefix": "0.0.0.0/0",
            "nextHopType": "VirtualAppliance",
            "nextHopIpAddress": "10.0.0.4",
        },
    )
    warnings = check(documents).warnings
    assert warnings and not any("any internet address" in w for w in warnings)


@pytest.mark.parametrize("missing", AGENT_SUBNET_SERVICE_ENDPOINTS)
def test_a_missing_service_endpoint_is_refused_naming_the_subnet(missing: str) -> None:
    endpoints = [e for e in ENDPOINTS if e["service"] != missing]
    found = check(subnets(serviceEndpoints=endpoints)).problems
    assert found == [
        f"network.existingSubnetIds.agent {VNET}/subnets/snet-agents: lacks the service "
        f"endpoint(s) {missing} an agent pool needs"
    ]


def test_an_nsg_that_denies_storage_is_refused() -> None:
    documents = {
        **subnets(networkSecurityGroup={"id": NSG}),
        ("azure-native:network:getNetworkSecurityGroup", "nsg-agents"): {
            "securityRules": [DENY_STORAGE]
        },
    }
    (problem,) = check(documents).problems
    assert (
        "snet-agents: its NSG blocks TCP 443 to Storage (rule 'deny-storage', priority 100)"
        in problem
    )


def test_a_prefix_other_than_declared_is_refused() -> None:
    documents = subnets()
    documents[("azure-native:network:getSubnet", "snet-aks")] = {"addressPrefix": "10.50.16.0/20"}
    (problem,) = check(documents).problems
    assert problem.endswith(
        "snet-aks: its prefix is 10.50.16.0/20, but the config declares 10.50.8.0/21"
    )


def test_a_subnet_azure_cannot_find_is_refused_with_its_error() -> None:
    documents = subnets()
    del documents[("azure-native:network:getSubnet", "snet-endpoints")]
    (problem,) = check(documents).problems
    assert "network.existingSubnetIds.privateEndpoint" in problem
    assert "cannot be read (ResourceNotFound: snet-endpoints)" in problem


def test_an_empty_answer_is_a_warning_that_nothing_was_verified() -> None:
    findings = verify_existing_network(PLAN, nothing)
    assert findings.problems == []
    assert len(findings.warnings) == 3
    assert all("not verified" in w for w in findings.warnings)


def firewall_documents(*collections: dict[str, Any]) -> dict[Any, Any]:
    return {
        **subnets(routeTable={"id": ROUTES}),
        ("azure-native:network:getRouteTable", "rt-spoke"): {
            "routes": [
                {
                    "addressPrefix": "0.0.0.0/0",
                    "nextHopType": "VirtualAppliance",
                    "nextHopIpAddress": "10.0.0.4",
                }
            ]
        },
        ("azure-native:network:getFirewallPolicy", "fw-hub"): {
            "ruleCollectionGroups": [{"id": GROUP}]
        },
        ("azure-native:network:getFirewallPolicyRuleCollectionGroup", "spokes"): {
            "priority": 200,
            "ruleCollections": list(collections),
        },
    }


def network_rules(action: str, tags: list[str], ports: list[str]) -> dict[str, Any]:
    return {
        "ruleCollectionType": "FirewallPolicyFilterRuleCollection",
        "name": f"{action.lower()}-agents",
        "priority": 100,
        "action": {"type": action},
        "rules": [
            {
                "ruleType": "NetworkRule",
                "name": "azure-services",
                "ipProtocols": ["TCP"],
                "sourceAddresses": ["10.50.0.0/16"],
                "destinationAddresses": tags,
                "destinationPorts": ports,
            }
        ],
    }


def test_a_default_route_to_a_firewall_without_its_policy_warns_with_every_flow() -> None:
    documents = firewall_documents()
    findings = verify_existing_network(
        PLAN, azure({k: v for k, v in documents.items() if "Firewall" not in k[0]})
    )
    (warning,) = findings.warnings
    assert "its route table sends the agents' traffic to a virtual appliance or gateway" in warning
    assert all(flow in warning for flow in AGENT_POOL_FLOWS)


def with_policy() -> NetworkPlan:
    return dataclasses.replace(PLAN, firewall_policy_id=POLICY)


def test_a_firewall_policy_that_allows_every_flow_passes() -> None:
    findings = check(firewall_documents(network_rules("Allow", TAGS, PORTS)), with_policy())
    assert findings.problems == [] and findings.warnings == []


@pytest.mark.parametrize(
    ("collections", "missing"),
    [
        ([network_rules("Allow", ["AzureMonitor"], ["443"])], "TCP 12000 to AzureMonitor"),
        (
            [network_rules("Deny", ["Storage"], ["*"]), network_rules("Allow", ["*"], ["*"])],
            "TCP 443 to Storage",
        ),
    ],
)
def test_a_firewall_policy_that_denies_a_flow_is_refused(
    collections: list[dict[str, Any]], missing: str
) -> None:
    problems = check(firewall_documents(*collections), with_policy()).problems
    assert any(missing in p and "is denied" in p for p in problems), problems


def test_flows_only_application_rules_could_allow_are_warnings() -> None:
    # Learn, firewall/rule-processing: application rules match HTTP/HTTPS by name; a flow only
    # an HTTPS application rule could allow is undecided, one no rule could allow is denied.
    application = {
        "ruleCollectionType": "FirewallPolicyFilterRuleCollection",
        "name": "fqdns",
        "priority": 300,
        "action": {"type": "Allow"},
        "rules": [
            {
                "ruleType": "ApplicationRule",
                "name": "mcr",
                "sourceAddresses": ["10.50.0.0/16"],
                "protocols": [{"protocolType": "Https", "port": 443}],
                "targetFqdns": ["mcr.microsoft.com"],
            }
        ],
    }
    findings = check(firewall_documents(application), with_policy())
    (problem,) = findings.problems
    assert "TCP 12000 to AzureMonitor from 10.50.1.0/24 is denied (no rule allows it)" in problem
    assert len(findings.warnings) == len(AGENT_POOL_FLOWS) - 1
    assert all("depends on fw-hub/spokes/fqdns/mcr" in w for w in findings.warnings)


PARENT = POLICY.replace("fw-hub", "fw-platform")
IP_GROUP = f"{SPOKE}/ipGroups/ipg-agents"


def with_routes(documents: dict[Any, Any], *routes: dict[str, Any]) -> dict[Any, Any]:
    return documents | {
        ("azure-native:network:getRouteTable", "rt-spoke"): {"routes": list(routes)}
    }


def test_a_child_policy_allows_the_flows_through_its_parent() -> None:
    # Learn, firewall/policy-rule-sets: a child policy inherits its parent's rule collections,
    # and the parent's rule collection groups are processed first.
    documents = firewall_documents(network_rules("Deny", ["Internet"], ["80"]))
    documents[("azure-native:network:getFirewallPolicy", "fw-hub")] |= {
        "basePolicy": {"id": PARENT}
    }
    documents |= {
        ("azure-native:network:getFirewallPolicy", "fw-platform"): {
            "ruleCollectionGroups": [{"id": f"{PARENT}/ruleCollectionGroups/platform"}]
        },
        ("azure-native:network:getFirewallPolicyRuleCollectionGroup", "platform"): {
            "priority": 500,
            "ruleCollections": [network_rules("Allow", TAGS, PORTS)],
        },
    }
    findings = check(documents, with_policy())
    assert findings.problems == [] and findings.warnings == []


def test_a_parent_that_cannot_be_read_is_refused_with_its_error() -> None:
    documents = firewall_documents(network_rules("Allow", ["*"], ["*"]))
    documents[("azure-native:network:getFirewallPolicy", "fw-hub")] |= {
        "basePolicy": {"id": PARENT}
    }
    problems = check(documents, with_policy()).problems
    assert any(
        "a parent of network.firewallPolicyId" in p and "cannot be read" in p for p in problems
    )


def test_an_ip_group_holding_the_agent_subnet_is_read() -> None:
    collection = network_rules("Allow", TAGS, PORTS)
    collection["rules"][0] |= {"sourceAddresses": [], "sourceIpGroups": [IP_GROUP]}
    documents = firewall_documents(collection) | {
        ("azure-native:network:getIpGroup", "ipg-agents"): {
            "ipAddresses": ["10.50.1.0-10.50.1.255"]
        }
    }
    findings = check(documents, with_policy())
    assert findings.problems == [] and findings.warnings == []


def test_a_none_next_hop_for_the_default_route_is_refused_naming_the_route() -> None:
    # Learn, virtual-networks-udr-overview: "Traffic routed to the None next hop type is dropped".
    documents = with_routes(
        firewall_documents(),
        {"name": "blackhole", "addressPrefix": "0.0.0.0/0", "nextHopType": "None"},
    )
    problems = check(documents).problems
    assert len(problems) == len(AGENT_POOL_EGRESS)  # one per service tag
    assert all("route 'blackhole' (0.0.0.0/0 -> None)" in p for p in problems)


def test_a_split_default_route_to_an_appliance_is_a_default_route() -> None:
    # Learn: the longest prefix wins, so 0.0.0.0/1 and 128.0.0.0/1 take every address.
    documents = with_routes(
        firewall_documents(network_rules("Allow", ["AzureMonitor"], ["443"])),
        {"name": "lower", "addressPrefix": "0.0.0.0/1", "nextHopType": "VirtualAppliance"},
        {"name": "upper", "addressPrefix": "128.0.0.0/1", "nextHopType": "VirtualAppliance"},
    )
    problems = check(documents, with_policy()).problems
    assert any("TCP 443 to Storage" in p and "is denied" in p for p in problems)
    assert not any("TCP 443 to AzureMonitor" in p for p in problems)


def test_a_tag_routed_to_the_internet_needs_no_firewall_rule() -> None:
    documents = with_routes(
        firewall_documents(),
        {"name": "default", "addressPrefix": "0.0.0.0/0", "nextHopType": "Internet"},
    )
    findings = check(documents, with_policy())
    assert findings.problems == []
    # No firewall rule is needed; with no NSG, though, the builds reach the whole internet.
    (warning,) = findings.warnings
    assert "builds can send TCP 443 to any internet address: it has no NSG" in warning


def test_the_hubs_firewall_policy_is_read_in_the_hubs_subscription() -> None:
    lookup = Azure(firewall_documents(network_rules("Allow", TAGS, PORTS)))
    findings = verify_existing_network(with_policy(), lookup)
    assert findings.problems == [] and findings.warnings == []
    where = {token.rsplit(":", 1)[-1]: subscription for token, _, subscription in lookup.asked}
    assert where == {
        # The spoke's own resources, in the provider's subscription.
        "getSubnet": None,
        "getRouteTable": None,
        "getVirtualNetwork": None,  # its peerings, for the way to what lies outside it
        # The hub's, in the subscription their ids name.
        "getFirewallPolicy": HUB_SUBSCRIPTION,
        "getFirewallPolicyRuleCollectionGroup": HUB_SUBSCRIPTION,
    }


def test_a_policy_in_the_stacks_own_subscription_is_read_by_the_provider() -> None:
    documents = firewall_documents(network_rules("Allow", ["*"], ["*"]))
    documents[("azure-native:network:getFirewallPolicy", "fw-hub")] = {
        "ruleCollectionGroups": [{"id": GROUP.replace(HUB_SUBSCRIPTION, SPOKE_SUBSCRIPTION)}]
    }
    lookup = Azure(documents)
    own = POLICY.replace(HUB_SUBSCRIPTION, SPOKE_SUBSCRIPTION)
    verify_existing_network(dataclasses.replace(PLAN, firewall_policy_id=own), lookup)
    assert {s for token, _, s in lookup.asked if "Firewall" in token} == {None}


def test_subnets_in_another_subscription_are_refused_naming_the_key() -> None:
    lookup = Azure(subnets(), subscription="33333333-3333-3333-3333-333333333333")
    (problem,) = verify_existing_network(PLAN, lookup).problems
    assert problem.startswith(
        f"network.existingSubnetIds: the network is in subscription {SPOKE_SUBSCRIPTION}, but "
        "the stack deploys to subscription 33333333-3333-3333-3333-333333333333"
    )
    assert problem.endswith(f"azure-native:subscriptionId: {SPOKE_SUBSCRIPTION}")
    # Nothing is looked up in the wrong subscription.
    assert lookup.asked == []


def test_a_vnet_in_another_subscription_is_refused_naming_the_key() -> None:
    plan = dataclasses.replace(
        PLAN,
        existing_subnets=None,
        existing_vnet=ExistingVnet(VNET.replace(SPOKE_SUBSCRIPTION, HUB_SUBSCRIPTION), "rg", "v"),
    )
    (problem,) = verify_existing_network(plan, Azure({})).problems
    assert problem.startswith(
        f"network.existingVnetId: the network is in subscription {HUB_SUBSCRIPTION}, but the "
        f"stack deploys to subscription {SPOKE_SUBSCRIPTION}"
    )
    assert "the NSG of each subnet created in it" in problem
    same = dataclasses.replace(plan, existing_vnet=ExistingVnet(VNET, "rg", "v"))
    assert verify_existing_network(same, Azure({})).problems == []


def test_a_subnet_id_spelled_in_another_case_is_the_same_subnet() -> None:
    # ARM ids are case-insensitive: .../Subnets/ names the same subnet, in the same VNet.
    subnets_ = ExistingSubnets(*(f"{VNET}/Subnets/snet-{n}" for n in ("agents", "ep", "aks")))
    assert subnets_.vnet_id == VNET


def test_a_lookup_in_another_subscription_goes_through_a_provider_configured_as_the_stacks() -> (
    None
):
    answers: list[Mapping[str, Any]] = []

    def program() -> None:
        lookups = AzureLookups()
        for _ in range(2):
            args = {"resourceGroupName": "rg-hub", "firewallPolicyName": "fw-hub"}
            answers.append(
                lookups("azure-native:network:getFirewallPolicy", args, HUB_SUBSCRIPTION)
            )

    config = {
        "azure-native:location": "usgovvirginia",
        "azure-native:environment": "usgovernment",
        "azure-native:tenantId": "0a0b0c0d-aaaa-4bbb-8ccc-0d0e0f101112",
        "azure-native:useOidc": "true",
        "azure-native:subscriptionId": SPOKE_SUBSCRIPTION,
    }
    run = run_function(program, project="p", stack="s", config=config)
    (provider,) = [r for r in run.resources if r.type == "pulumi:providers:azure-native"]
    assert provider.name == f"lookups-{HUB_SUBSCRIPTION}"
    assert provider.inputs["subscriptionId"] == HUB_SUBSCRIPTION
    # An explicit provider reads no stack config: the stack's cloud, tenant and way of signing
    # in are handed to it (the location is not a provider setting a lookup needs).
    assert provider.inputs["environment"] == "usgovernment"
    assert provider.inputs["tenantId"] == config["azure-native:tenantId"]
    assert provider.inputs["useOidc"] in (True, "true")
    assert "location" not in provider.inputs
    assert len(answers) == 2


# The way to the endpoints and the build destinations: the reach model the pack uses.
PE_NSG = f"{SPOKE}/networkSecurityGroups/nsg-endpoints"
DROP_ENDPOINTS = {"name": "drop", "addressPrefix": "10.50.2.0/27", "nextHopType": "None"}


def endpoint_subnet(documents: dict[Any, Any], **subnet: Any) -> dict[Any, Any]:
    documents[("azure-native:network:getSubnet", "snet-endpoints")] = {
        "addressPrefix": "10.50.2.0/27",
        **subnet,
    }
    return documents


@pytest.mark.parametrize(
    ("policies", "dropped"),
    [("RouteTableEnabled", True), ("Enabled", True), ("NetworkSecurityGroupEnabled", False)],
)
def test_a_route_dropping_the_endpoints_is_refused_only_while_route_policies_are_on(
    policies: str, dropped: bool
) -> None:
    # Learn, disable-private-endpoint-network-policy: the endpoint's /32 route wins over a user
    # route unless the endpoint subnet's route-table network policies are on.
    documents = endpoint_subnet(
        with_routes(firewall_documents(), DROP_ENDPOINTS),
        privateEndpointNetworkPolicies=policies,
    )
    found = [p for p in check(documents).problems if "drops the traffic" in p]
    assert bool(found) is dropped
    if dropped:
        (problem,) = found
        assert "route 'drop' (10.50.2.0/27 -> None)" in problem
        assert "the builds cannot reach it" in problem


def test_an_endpoint_nsg_denying_the_agents_is_refused_while_nsg_policies_are_on() -> None:
    deny = {
        **DENY_STORAGE,
        "name": "deny-agents",
        "direction": "Inbound",
        "sourceAddressPrefix": "10.50.1.0/24",
        "destinationAddressPrefix": "*",
    }
    documents = {
        **subnets(),
        ("azure-native:network:getNetworkSecurityGroup", "nsg-endpoints"): {
            "name": "nsg-endpoints",
            "securityRules": [deny],
        },
    }
    on = endpoint_subnet(
        dict(documents),
        networkSecurityGroup={"id": PE_NSG},
        privateEndpointNetworkPolicies="Enabled",
    )
    (problem,) = check(on).problems
    assert "NSG nsg-endpoints of subnet" in problem
    assert "denies TCP 443 from the agent subnet" in problem and "inbound" in problem
    off = endpoint_subnet(
        dict(documents),
        networkSecurityGroup={"id": PE_NSG},
        privateEndpointNetworkPolicies="Disabled",
    )
    assert check(off).problems == []


def test_a_build_destination_whose_port_the_agent_nsg_denies_is_refused() -> None:
    plan = dataclasses.replace(
        PLAN,
        build_destinations=(
            BuildDestination(
                "registry.internal.example.com", ipaddress.IPv4Network("10.70.4.0/24"), 5000
            ),
        ),
    )
    deny = {
        **DENY_STORAGE,
        "destinationAddressPrefix": "10.70.4.0/24",
        "destinationPortRange": "5000",
    }
    documents = {
        **subnets(networkSecurityGroup={"id": NSG}),
        ("azure-native:network:getNetworkSecurityGroup", "nsg-agents"): {
            "name": "nsg-agents",
            "securityRules": [deny],
        },
    }
    (problem,) = check(documents, plan).problems
    assert "denies TCP 5000 from the agent subnet to registry.internal.example.com" in problem


AKS_ROUTES = f"{SPOKE}/routeTables/rt-aks"


def udr(*routes: dict[str, Any], table: bool = True) -> Findings:
    documents = subnets()
    if table:
        documents[("azure-native:network:getSubnet", "snet-aks")] |= {
            "routeTable": {"id": AKS_ROUTES}
        }
        documents[("azure-native:network:getRouteTable", "rt-aks")] = {"routes": list(routes)}
    return verify_existing_network(
        PLAN, azure(documents), aks_outbound=OutboundType.USER_DEFINED_ROUTING
    )


def default_route(hop: str) -> dict[str, Any]:
    return {"name": "default", "addressPrefix": "0.0.0.0/0", "nextHopType": hop}


def test_user_defined_routing_needs_a_default_route_to_a_firewall_on_the_node_subnet() -> None:
    # Learn, aks/egress-udr: "Outbound type of UDR requires a route for 0.0.0.0/0 and a next
    # hop destination of NVA in the route table".
    appliance = default_route("VirtualAppliance") | {"nextHopIpAddress": "10.0.0.4"}
    assert udr(appliance).problems == []
    (internet,) = udr(default_route("Internet")).problems
    assert (
        "snet-aks: route 'default' (0.0.0.0/0 -> Internet) does not lead to a firewall" in internet
    )
    (missing,) = udr(
        {"name": "other", "addressPrefix": "10.0.0.0/8", "nextHopType": "VnetLocal"}
    ).problems
    assert (
        f"its route table {AKS_ROUTES} has none; aks.outboundType is userDefinedRouting" in missing
    )
    (no_table,) = udr(table=False).problems
    assert "snet-aks: has no route table; aks.outboundType is userDefinedRouting" in no_table


def test_a_load_balanced_cluster_needs_no_route_table() -> None:
    assert check(subnets()).problems == []
