"""Network: children and parenting, the agent subnet's egress and endpoints, refused input."""

import ipaddress
from collections.abc import Callable
from typing import Any

import pytest
from learn_facts import AGENT_POOL_EGRESS, AGENT_SUBNET_SERVICE_ENDPOINTS, REGISTRY_SERVICE_ENDPOINT

from conftest import Refusal, by_name, children_of
from private_acr_preview.program import ProgramRun
from private_acr_rules import egress, nsg
from private_acr_tasks.network import (
    Network,
    NetworkArgs,
    NetworkBuildDestinationArgs,
    NetworkEgressAllowArgs,
)

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
    for subnet, prefix, group in (
        ("net-agent-subnet", "10.40.1.0/24", "net-agent-nsg"),
        ("net-pe-subnet", "10.40.2.0/27", "net-pe-nsg"),
        ("net-aks-subnet", "10.40.8.0/21", "net-aks-nsg"),
    ):
        resource = by_name(net, subnet)
        assert resource.inputs["addressPrefix"] == prefix
        assert resource.property_dependencies["networkSecurityGroup"] == [by_name(net, group).urn]


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


@pytest.mark.parametrize("agent_egress", list(egress.AgentEgress))
def test_agent_nsg_allows_exactly_the_flows_learn_lists(
    run_components: Runner, agent_egress: egress.AgentEgress
) -> None:
    args: NetworkArgs = {**NETWORK, "agent_egress": agent_egress}
    rules = by_name(run_components(lambda: Network("net", args)), "net-agent-nsg").inputs[
        "securityRules"
    ]
    allows = [r for r in rules if r["access"] == "Allow"]
    assert {
        (r["direction"], r["protocol"], r["sourceAddressPrefix"], r["sourcePortRange"])
        for r in allows
    } == {("Outbound", "Tcp", "VirtualNetwork", "*")}
    opened = {
        (
            r["destinationAddressPrefix"],
            frozenset(r.get("destinationPortRanges") or [r["destinationPortRange"]]),
        )
        for r in allows
    }
    learn = {
        (tag, frozenset(str(port) for port in ports)) for tag, ports in AGENT_POOL_EGRESS.items()
    }
    if agent_egress is egress.AgentEgress.OPEN:
        assert opened == learn and len(rules) == len(allows)
    else:
        # Restricted adds Microsoft Container Registry on 443, then denies the rest.
        assert opened == learn | {(tag, frozenset({"443"})) for tag in MCR_TAGS}
        assert [r["destinationAddressPrefix"] for r in rules if r not in allows] == ["Internet"]


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
    [rule] = [
        r
        for r in by_name(run, "net-agent-nsg").inputs["securityRules"]
        if r["name"] == "allow-build-destination-1-outbound"
    ]
    assert (rule["destinationAddressPrefix"], rule["destinationPortRange"]) == (
        "10.70.5.9/32",
        "443",
    )


AGENTS = [ipaddress.ip_network("10.40.1.0/24")]
REQUIRED = {
    ("AzureKeyVault", 443),
    ("Storage", 443),
    ("EventHub", 443),
    ("AzureActiveDirectory", 443),
    ("AzureMonitor", 443),
    ("AzureMonitor", 12000),
}
"""Learn, tasks-agent-pools, "Add firewall rules": the six flows the agents need."""
MCR_TAGS = ("MicrosoftContainerRegistry", "AzureFrontDoor.FirstParty")
"""microsoft/containerregistry, client-firewall-rules.md: both tags to pull from MCR."""


def https_to(
    rules: list[dict[str, Any]], destination: nsg.Endpoint, port: int = 443
) -> bool | None:
    flow = nsg.Flow.to_ports("Outbound", "Tcp", nsg.addresses(AGENTS), destination, [port])
    return nsg.is_allowed(rules, flow)


def test_agent_egress_is_restricted_by_default(net: ProgramRun) -> None:
    rules = by_name(net, "net-agent-nsg").inputs["securityRules"]
    assert (
        https_to(rules, nsg.internet_addresses([ipaddress.ip_network("203.0.113.10/32")])) is False
    )
    assert https_to(rules, nsg.internet()) is False
    for tag, port in REQUIRED:
        assert https_to(rules, nsg.service_tag(tag), port) is True, tag
    for tag in MCR_TAGS:
        assert https_to(rules, nsg.service_tag(tag)) is True, tag


def test_the_restricted_nsg_ends_with_a_deny_of_internet_below_every_allow(net: ProgramRun) -> None:
    rules = by_name(net, "net-agent-nsg").inputs["securityRules"]
    deny = max(rules, key=lambda r: r["priority"])
    assert {k: deny[k] for k in ("access", "direction", "destinationAddressPrefix")} == {
        "access": "Deny",
        "direction": "Outbound",
        "destinationAddressPrefix": "Internet",
    }
    assert deny["priority"] == 4096
    assert all(r["access"] == "Allow" for r in rules if r is not deny)


def test_open_egress_keeps_azures_internet_rule_and_warns(run_components: Runner) -> None:
    args: NetworkArgs = {**NETWORK, "agent_egress": egress.AgentEgress.OPEN}
    run = run_components(lambda: Network("net", args))
    rules = by_name(run, "net-agent-nsg").inputs["securityRules"]
    assert https_to(rules, nsg.internet_addresses([ipaddress.ip_network("203.0.113.10/32")]))
    assert not [r for r in rules if r["access"] == "Deny"]
    assert any("agent egress is open" in message for _, message in run.log)


def test_an_allowed_entry_opens_its_destination_above_the_deny(run_components: Runner) -> None:
    allowed: list[NetworkEgressAllowArgs] = [
        {"name": "github", "destination": "140.82.112.0/20", "ports": [443, 22]},
        {"name": "west-europe", "destination": "AzureCloud.WestEurope"},
    ]
    run = run_components(lambda: Network("net", {**NETWORK, "agent_egress_allow": allowed}))
    rules = by_name(run, "net-agent-nsg").inputs["securityRules"]
    github = nsg.internet_addresses([ipaddress.ip_network("140.82.112.3/32")])
    assert https_to(rules, github) is True and https_to(rules, github, 22) is True
    assert https_to(rules, nsg.service_tag("AzureCloud.WestEurope")) is True
    assert https_to(rules, nsg.internet()) is False
    by_rule = {r["name"]: r for r in rules}
    assert by_rule["allow-github-outbound"]["priority"] == 1000
    assert by_rule["allow-west-europe-outbound"]["destinationPortRange"] == "443"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"name": "all", "destination": "Internet"},
            "NetworkArgs.agent_egress_allow[0].destination: got 'Internet', which opens every "
            "internet address; set NetworkArgs.agent_egress to open instead",
        ),
        (
            {"name": "all", "destination": "0.0.0.0/0"},
            "NetworkArgs.agent_egress_allow[0].destination: got '0.0.0.0/0'",
        ),
        (
            {"name": "Git Hub", "destination": "140.82.112.0/20"},
            "NetworkArgs.agent_egress_allow[0].name: got 'Git Hub'",
        ),
        (
            {"name": "git", "destination": "140.82.112.0/20", "ports": [0]},
            "NetworkArgs.agent_egress_allow[0].ports[0]: got 0; expected a TCP port, 1-65535",
        ),
        (
            {"name": "git", "destination": "140.82.112.0/20", "ports": []},
            "NetworkArgs.agent_egress_allow[0].ports: is empty",
        ),
        (
            {"name": "bridge", "destination": "172.17.0.0/24"},
            "NetworkArgs.agent_egress_allow[0].destination: 172.17.0.0/24 overlaps the Docker bridge",
        ),
        (
            {"name": "git", "destinaton": "140.82.112.0/20"},
            "NetworkArgs.agent_egress_allow[0].destinaton: unknown key; did you mean "
            "'NetworkArgs.agent_egress_allow[0].destination'?",
        ),
    ],
)
def test_bad_allowed_entries_are_refused_naming_the_field(
    refusal: Refusal, entry: dict[str, Any], message: str
) -> None:
    args: dict[str, Any] = {**NETWORK, "agent_egress_allow": [entry]}
    assert message in refusal(lambda: Network("net", args))  # pyright: ignore[reportArgumentType]


def test_allowed_entries_need_names_of_their_own(refusal: Refusal) -> None:
    entry = {"name": "git", "destination": "140.82.112.0/20"}
    args: dict[str, Any] = {**NETWORK, "agent_egress_allow": [entry, entry]}
    assert "NetworkArgs.agent_egress_allow[1].name: 'git' is used by an earlier entry" in refusal(
        lambda: Network("net", args)  # pyright: ignore[reportArgumentType]
    )


def test_agent_egress_takes_restricted_or_open(refusal: Refusal) -> None:
    args: dict[str, Any] = {**NETWORK, "agent_egress": "closed"}
    assert "NetworkArgs.agent_egress: got 'closed'" in refusal(lambda: Network("net", args))  # pyright: ignore[reportArgumentType]


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
