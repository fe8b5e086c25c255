"""The preflight on subnets owned elsewhere: what it refuses, what it only warns about."""

import dataclasses
import ipaddress
from collections.abc import Mapping
from typing import Any

import pytest
from learn_facts import AGENT_POOL_EGRESS, AGENT_POOL_FLOWS, AGENT_SUBNET_SERVICE_ENDPOINTS

from private_acr_tasks.network import ExistingSubnets, NetworkPlan
from private_acr_tasks.preflight import Findings, verify_existing_network

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


def azure(documents: dict[tuple[str, str], Any]) -> Any:
    """A lookup answering from documents keyed by (token, name of the looked-up resource)."""

    def lookup(token: str, args: Mapping[str, str]) -> Mapping[str, Any]:
        name = list(args.values())[-1]
        if (token, name) not in documents:
            raise RuntimeError(f"ResourceNotFound: {name}")
        return documents[(token, name)]

    return lookup


def subnets(**agent: Any) -> dict[Any, Any]:
    base = {"addressPrefix": "10.50.1.0/24", "serviceEndpoints": ENDPOINTS, **agent}
    return {
        ("azure-native:network:getSubnet", "snet-agents"): base,
        ("azure-native:network:getSubnet", "snet-endpoints"): {"addressPrefix": "10.50.2.0/27"},
        ("azure-native:network:getSubnet", "snet-aks"): {"addressPrefix": "10.50.8.0/21"},
    }


def check(documents: dict[Any, Any], plan: NetworkPlan = PLAN) -> Findings:
    return verify_existing_network(plan, azure(documents))


def test_a_ready_network_passes() -> None:
    findings = check(subnets())
    assert findings.problems == [] and findings.warnings == []


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
    findings = verify_existing_network(PLAN, lambda token, args: {})
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
    assert "sends 0.0.0.0/0 to a virtual appliance" in warning
    assert all(flow in warning for flow in AGENT_POOL_FLOWS)


def with_policy() -> NetworkPlan:
    return dataclasses.replace(PLAN, firewall_policy_id=POLICY)


def test_a_firewall_policy_that_allows_every_flow_passes() -> None:
    ports = sorted({str(port) for ports in AGENT_POOL_EGRESS.values() for port in ports})
    findings = check(
        firewall_documents(network_rules("Allow", list(AGENT_POOL_EGRESS), ports)), with_policy()
    )
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
    application = {
        "ruleCollectionType": "FirewallPolicyFilterRuleCollection",
        "name": "fqdns",
        "priority": 300,
        "action": {"type": "Allow"},
        "rules": [
            {"ruleType": "ApplicationRule", "name": "mcr", "targetFqdns": ["mcr.microsoft.com"]}
        ],
    }
    findings = check(firewall_documents(application), with_policy())
    assert findings.problems == []
    assert len(findings.warnings) == len(AGENT_POOL_FLOWS)
