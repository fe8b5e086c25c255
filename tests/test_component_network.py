"""Network: children and parenting, the agent subnet's egress and endpoints, refused input."""

from collections.abc import Callable
from typing import Any

import pytest
from learn_facts import AGENT_POOL_EGRESS, AGENT_SUBNET_SERVICE_ENDPOINTS, REGISTRY_SERVICE_ENDPOINT

from conftest import Refusal, by_name, children_of
from private_acr_preview.program import ProgramRun
from private_acr_rules import egress
from private_acr_tasks.network import Network, NetworkArgs, NetworkBuildDestinationArgs

Runner = Callable[[Callable[[], object]], ProgramRun]

NETWORK: NetworkArgs = {
    "resource_group_name": "rg",
    "location": "eastus2",
    "address_space": "10.40.0.0/16",
    "agent_subnet_prefix": "10.40.1.0/24",
    "private_endpoint_subnet_prefix": "10.40.2.0/27",
    "aks_subnet_prefix": "10.40.8.0/21",
}
DENY_ALL_OUTBOUND = {
    "name": "deny-all",
    "priority": 4096,
    "direction": "Outbound",
    "access": "Deny",
    "protocol": "*",
    "destinationAddressPrefix": "*",
    "destinationPortRange": "*",
    "sourceAddressPrefix": "*",
}


@pytest.fixture
def net(run_components: Runner) -> ProgramRun:
    return run_components(lambda: Network("net", NETWORK))


def test_the_component_holds_a_vnet_and_three_nsgs(net: ProgramRun) -> None:
    assert children_of(net, "net") == {
        ("azure-native:network:NetworkSecurityGroup", "net-agent-nsg"),
        ("azure-native:network:NetworkSecurityGroup", "net-pe-nsg"),
        ("azure-native:network:NetworkSecurityGroup", "net-aks-nsg"),
        ("azure-native:network:VirtualNetwork", "net-vnet"),
    }


def test_subnets_are_children_of_the_vnet(net: ProgramRun) -> None:
    assert children_of(net, "net-vnet") == {
        ("azure-native:network:Subnet", "net-agent-subnet"),
        ("azure-native:network:Subnet", "net-pe-subnet"),
        ("azure-native:network:Subnet", "net-aks-subnet"),
    }
    assert by_name(net, "net-agent-subnet").urn.startswith(
        "urn:pulumi:unit::test::private-acr-tasks:index:Network$azure-native:network:VirtualNetwork$"
    )


def test_each_subnet_has_its_prefix_and_its_own_nsg(net: ProgramRun) -> None:
    for subnet, prefix, nsg in (
        ("net-agent-subnet", "10.40.1.0/24", "net-agent-nsg"),
        ("net-pe-subnet", "10.40.2.0/27", "net-pe-nsg"),
        ("net-aks-subnet", "10.40.8.0/21", "net-aks-nsg"),
    ):
        resource = by_name(net, subnet)
        assert resource.inputs["addressPrefix"] == prefix
        assert resource.property_dependencies["networkSecurityGroup"] == [by_name(net, nsg).urn]


def test_agent_subnet_gets_the_agent_service_endpoints_but_not_the_registry_one(
    net: ProgramRun,
) -> None:
    services = [e["service"] for e in by_name(net, "net-agent-subnet").inputs["serviceEndpoints"]]
    assert services == list(AGENT_SUBNET_SERVICE_ENDPOINTS)
    assert REGISTRY_SERVICE_ENDPOINT not in services


def test_registry_service_endpoint_is_added_when_the_registry_is_not_on_private_link(
    run_components: Runner,
) -> None:
    run = run_components(lambda: Network("net", {**NETWORK, "registry_uses_private_link": False}))
    services = [e["service"] for e in by_name(run, "net-agent-subnet").inputs["serviceEndpoints"]]
    assert REGISTRY_SERVICE_ENDPOINT in services


def test_agent_nsg_rules_open_every_required_flow_above_a_deny_all(net: ProgramRun) -> None:
    rules = by_name(net, "net-agent-nsg").inputs["securityRules"]
    assert egress.blocked_flows([*rules, DENY_ALL_OUTBOUND]) == []


def test_agent_nsg_allows_exactly_the_flows_learn_lists(net: ProgramRun) -> None:
    rules = by_name(net, "net-agent-nsg").inputs["securityRules"]
    assert {
        (r["direction"], r["access"], r["protocol"], r["sourceAddressPrefix"], r["sourcePortRange"])
        for r in rules
    } == {("Outbound", "Allow", "Tcp", "VirtualNetwork", "*")}
    opened = {
        (
            r["destinationAddressPrefix"],
            frozenset(r.get("destinationPortRanges") or [r["destinationPortRange"]]),
        )
        for r in rules
    }
    assert opened == {
        (tag, frozenset(str(port) for port in ports)) for tag, ports in AGENT_POOL_EGRESS.items()
    }


def test_agent_nsg_opens_azure_monitor_on_443_and_12000(net: ProgramRun) -> None:
    rules = by_name(net, "net-agent-nsg").inputs["securityRules"]
    monitor = next(r for r in rules if r["destinationAddressPrefix"] == "AzureMonitor")
    assert sorted(monitor["destinationPortRanges"]) == ["12000", "443"]


def test_subnets_are_created_one_after_another(net: ProgramRun) -> None:
    agent, pe, aks = (by_name(net, f"net-{n}-subnet") for n in ("agent", "pe", "aks"))
    assert agent.urn in pe.dependencies and pe.urn in aks.dependencies


def test_endpoint_subnet_applies_its_nsg_to_private_endpoints(net: ProgramRun) -> None:
    assert by_name(net, "net-pe-subnet").inputs["privateEndpointNetworkPolicies"] == "Enabled"


def test_custom_dns_servers_are_set_on_the_vnet(run_components: Runner) -> None:
    run = run_components(lambda: Network("net", {**NETWORK, "dns_servers": ["10.40.1.4"]}))
    assert by_name(run, "net-vnet").inputs["dhcpOptions"] == {"dnsServers": ["10.40.1.4"]}


def test_outputs_are_the_ids_of_the_vnet_and_subnets(run_components: Runner) -> None:
    outputs: dict[str, Any] = {}

    def program() -> None:
        network = Network("net", NETWORK)
        network.agent_subnet_id.apply(lambda value: outputs.setdefault("agent", value))
        network.vnet_id.apply(lambda value: outputs.setdefault("vnet", value))

    run = run_components(program)
    assert outputs["agent"] == by_name(run, "net-agent-subnet").outputs["id"]
    assert outputs["vnet"] == by_name(run, "net-vnet").outputs["id"]


INTERNAL_REGISTRY: dict[str, NetworkBuildDestinationArgs] = {
    "registry.internal.example.com": {"address": "10.70.4.0/24", "port": 5000}
}


def test_a_build_destination_adds_an_outbound_allow_rule_to_the_agent_nsg(
    run_components: Runner,
) -> None:
    run = run_components(
        lambda: Network("net", {**NETWORK, "build_destinations": INTERNAL_REGISTRY})
    )
    rules = by_name(run, "net-agent-nsg").inputs["securityRules"]
    added = [r for r in rules if r["destinationAddressPrefix"] == "10.70.4.0/24"]
    assert added == [
        {
            "name": "allow-build-destination-1-outbound",
            "priority": 300,
            "direction": "Outbound",
            "access": "Allow",
            "protocol": "Tcp",
            "sourceAddressPrefix": "VirtualNetwork",
            "sourcePortRange": "*",
            "destinationAddressPrefix": "10.70.4.0/24",
            "destinationPortRange": "5000",
            "description": "ACR Tasks builds reach registry.internal.example.com",
        }
    ]


def test_build_destination_rules_leave_every_required_flow_open(run_components: Runner) -> None:
    run = run_components(
        lambda: Network("net", {**NETWORK, "build_destinations": INTERNAL_REGISTRY})
    )
    rules = by_name(run, "net-agent-nsg").inputs["securityRules"]
    assert egress.blocked_flows([*rules, DENY_ALL_OUTBOUND]) == []


def test_a_destination_given_as_one_address_is_that_address_on_443(
    run_components: Runner,
) -> None:
    destinations: dict[str, NetworkBuildDestinationArgs] = {
        "artifacts.internal": {"address": "10.70.5.9"}
    }
    run = run_components(lambda: Network("net", {**NETWORK, "build_destinations": destinations}))
    rule = by_name(run, "net-agent-nsg").inputs["securityRules"][-1]
    assert (rule["destinationAddressPrefix"], rule["destinationPortRange"]) == (
        "10.70.5.9/32",
        "443",
    )


@pytest.fixture
def pooled(run_components: Runner) -> ProgramRun:
    args: NetworkArgs = {
        **NETWORK,
        "pool_subnet_prefixes": {"heavy": "10.40.3.0/24"},
        "build_destinations": INTERNAL_REGISTRY,
    }
    return run_components(lambda: Network("net", args))


def test_a_pool_subnet_has_its_own_nsg_with_the_agent_rules(pooled: ProgramRun) -> None:
    subnet = by_name(pooled, "net-agent-heavy-subnet")
    nsg = by_name(pooled, "net-agent-heavy-nsg")
    assert subnet.inputs["addressPrefix"] == "10.40.3.0/24"
    assert subnet.property_dependencies["networkSecurityGroup"] == [nsg.urn]
    assert nsg.inputs["securityRules"] == by_name(pooled, "net-agent-nsg").inputs["securityRules"]


def test_a_pool_subnet_gets_the_agent_service_endpoints(pooled: ProgramRun) -> None:
    services = [
        e["service"] for e in by_name(pooled, "net-agent-heavy-subnet").inputs["serviceEndpoints"]
    ]
    assert services == list(AGENT_SUBNET_SERVICE_ENDPOINTS)


def test_a_pool_subnet_is_created_after_the_others(pooled: ProgramRun) -> None:
    subnet = by_name(pooled, "net-agent-heavy-subnet")
    assert by_name(pooled, "net-aks-subnet").urn in subnet.dependencies
    assert subnet.parent == by_name(pooled, "net-vnet").urn


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"pool_subnet_prefixes": {"heavy": "10.40.1.128/25"}},
            "overlaps NetworkArgs.pool_subnet_prefixes.heavy 10.40.1.128/25",
        ),
        (
            {"pool_subnet_prefixes": {"heavy": "10.41.3.0/24"}},
            "NetworkArgs.pool_subnet_prefixes.heavy: 10.41.3.0/24 is not inside",
        ),
        (
            {"pool_subnet_prefixes": {"Heavy": "10.40.3.0/24"}},
            "NetworkArgs.pool_subnet_prefixes.Heavy: got 'Heavy'",
        ),
        (
            {"build_destinations": {"r.example.com": {"address": "10.70.4.0/24", "port": 0}}},
            "NetworkArgs.build_destinations.r.example.com.port: got 0; expected a whole number 1-65535",
        ),
        (
            {"build_destinations": {"r.example.com": {"address": "internal"}}},
            "NetworkArgs.build_destinations.r.example.com.address: got 'internal'; expected an IPv4 CIDR",
        ),
        (
            {"build_destinations": {"r.example.com": {"port": 443}}},
            "NetworkArgs.build_destinations.r.example.com.address: missing",
        ),
        (
            {"build_destinations": {"r.example.com": {"address": "172.17.3.0/24"}}},
            "NetworkArgs.build_destinations.r.example.com.address: 172.17.3.0/24 overlaps the Docker bridge",
        ),
        (
            {
                "pool_subnet_prefixes": {"heavy": "10.40.3.0/24"},
                "existing_subnet_ids": {
                    "agent": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/a",
                    "private_endpoint": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/p",
                    "aks": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/k",
                },
            },
            "NetworkArgs.pool_subnet_prefixes.heavy: a pool subnet of its own would be created",
        ),
        (
            {"agent_subnet_prefix": "10.41.0.0/24"},
            "NetworkArgs.agent_subnet_prefix: 10.41.0.0/24 is not inside",
        ),
        (
            {"aks_subnet_prefix": "10.40.1.0/24"},
            "overlaps NetworkArgs.aks_subnet_prefix 10.40.1.0/24",
        ),
        (
            {"private_endpoint_subnet_prefix": "10.40.2.0/30"},
            "NetworkArgs.private_endpoint_subnet_prefix: 10.40.2.0/30 is smaller than Azure's smallest subnet",
        ),
        (
            {"agent_subnet_prefix": "10.40.1.7/24"},
            "NetworkArgs.agent_subnet_prefix: got '10.40.1.7/24'",
        ),
        (
            {"address_space": "fd00::/48"},
            "NetworkArgs.address_space: got 'fd00::/48'; expected an IPv4 CIDR",
        ),
        ({"address_space": None}, "NetworkArgs.address_space: missing"),
        ({"dns_servers": ["nope"]}, "NetworkArgs.dns_servers[0]: got 'nope'"),
        (
            {"dns_servers": ["172.17.0.10"]},
            "NetworkArgs.dns_servers[0]: 172.17.0.10/32 overlaps the Docker bridge",
        ),
        (
            {"docker_bridge_cidr": "10.40.0.0/16"},
            "NetworkArgs.address_space: 10.40.0.0/16 overlaps the Docker bridge 10.40.0.0/16 (NetworkArgs.docker_bridge_cidr)",
        ),
        (
            {"registry_uses_private_link": "yes"},
            "NetworkArgs.registry_uses_private_link: got 'yes'; expected true or false",
        ),
        (
            {"dns_server": ["10.40.0.4"]},
            "NetworkArgs.dns_server: unknown key; did you mean 'NetworkArgs.dns_servers'?",
        ),
        (
            {"build_destinations": {"r.example.com": {"address": "10.70.4.0/24", "prot": 443}}},
            "NetworkArgs.build_destinations.r.example.com.prot: unknown key; did you mean "
            "'NetworkArgs.build_destinations.r.example.com.port'? (known keys: address, port)",
        ),
    ],
)
def test_bad_args_are_refused_naming_the_field(
    refusal: Refusal, change: dict[str, Any], message: str
) -> None:
    args: dict[str, Any] = {**NETWORK, **change}
    assert message in refusal(lambda: Network("net", args))  # pyright: ignore[reportArgumentType]


def test_every_problem_is_reported_at_once(refusal: Refusal) -> None:
    args: dict[str, Any] = {
        **NETWORK,
        "agent_subnet_prefix": "bad",
        "aks_subnet_prefix": "10.99.0.0/24",
    }
    text = refusal(lambda: Network("net", args))  # pyright: ignore[reportArgumentType]
    assert "NetworkArgs.agent_subnet_prefix" in text and "NetworkArgs.aks_subnet_prefix" in text
