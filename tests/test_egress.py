"""The agent pool's required egress, decided by the NSG evaluator."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from learn_facts import AGENT_POOL_EGRESS, AGENT_POOL_FLOWS

from private_acr_rules import egress
from private_acr_rules.unknown import UNKNOWN

AGENT = [ipaddress.ip_network("10.40.1.0/24")]


def deny(name: str, priority: Any, **fields: Any) -> dict[str, Any]:
    rule = {
        "name": name,
        "priority": priority,
        "direction": "Outbound",
        "access": "Deny",
        "protocol": "*",
        "sourceAddressPrefix": "*",
        "destinationAddressPrefix": "*",
        "destinationPortRange": "*",
    }
    rule.update(fields)
    return {k: v for k, v in rule.items() if v is not None}


def blocked(rules: list[dict[str, Any]], source: Any = AGENT) -> set[str]:
    return {str(b.flow) for b in egress.blocked_flows(rules, source)}


ALL = set(AGENT_POOL_FLOWS)


def test_no_rules_blocks_nothing() -> None:
    assert blocked([]) == set()


def test_the_required_flows_are_those_learn_lists() -> None:
    assert {str(f) for f in egress.required_flows()} == AGENT_POOL_FLOWS


@pytest.mark.parametrize(
    ("tag", "port"), [(tag, port) for tag, ports in AGENT_POOL_EGRESS.items() for port in ports]
)
def test_a_deny_of_one_required_flow_blocks_that_flow_alone(tag: str, port: int) -> None:
    rule = deny("d", 100, protocol="Tcp", destinationAddressPrefix=tag)
    assert blocked([{**rule, "destinationPortRange": str(port)}]) == {f"TCP {port} to {tag}"}


def test_deny_all_outbound_blocks_every_required_flow() -> None:
    assert blocked([deny("deny-all", 4000)]) == ALL


def test_component_rules_above_a_deny_all_open_every_flow() -> None:
    assert blocked([*egress.agent_pool_security_rules(), deny("deny-all", 4000)]) == set()


def test_allow_below_the_deny_does_not_help() -> None:
    rules = [*egress.agent_pool_security_rules(first_priority=4010), deny("deny-all", 4000)]
    assert blocked(rules) == ALL


def test_the_blocking_rule_is_named_with_its_priority() -> None:
    [first, *_] = egress.blocked_flows([deny("deny-internet", 100.0)], AGENT)
    assert (first.rule_name, first.priority) == ("deny-internet", 100)


@pytest.mark.parametrize(
    "destination",
    [
        "Internet",
        "INTERNET",
        "storage",
        "Storage.EastUS2",
        "*",
        "AzureCloud",
        "azurecloud.eastus2",
        "0.0.0.0/0",
    ],
)
def test_deny_matches_tags_that_hold_storage(destination: str) -> None:
    assert "TCP 443 to Storage" in blocked([deny("d", 100, destinationAddressPrefix=destination)])


@pytest.mark.parametrize("destination", ["VirtualNetwork", "EventHub", "::/0", "20.0.0.0/8"])
def test_deny_of_other_addresses_leaves_storage(destination: str) -> None:
    assert "TCP 443 to Storage" not in blocked(
        [deny("d", 100, destinationAddressPrefix=destination)]
    )


def test_udp_deny_does_not_block_tcp() -> None:
    assert blocked([deny("d", 100, protocol="Udp")]) == set()


def test_port_12000_alone_is_caught_through_plural_ranges() -> None:
    rule = deny(
        "d",
        100,
        destinationAddressPrefix=None,
        destinationAddressPrefixes=["AzureMonitor"],
        destinationPortRange=None,
        destinationPortRanges=["11000-12500"],
    )
    assert blocked([rule]) == {"TCP 12000 to AzureMonitor"}


def test_deny_for_another_source_does_not_apply() -> None:
    assert blocked([deny("d", 100, sourceAddressPrefix="10.99.0.0/24")]) == set()


def test_deny_for_part_of_the_agent_subnet_blocks_it() -> None:
    assert blocked([deny("d", 100, sourceAddressPrefix="10.40.1.128/25")]) == ALL


def test_unknown_rule_is_undecided_not_blocked() -> None:
    check = egress.agent_pool_egress([deny("d", UNKNOWN)], AGENT)
    assert check.blocked == () and {str(f) for f in check.undecided} == ALL


def test_known_deny_wins_over_a_later_unknown_rule() -> None:
    rules = [deny("d", 100), deny("later", 300, destinationPortRange=UNKNOWN)]
    assert egress.agent_pool_egress(rules, AGENT).undecided == ()
    assert blocked(rules) == ALL


@pytest.mark.parametrize(
    ("server", "port"),
    [
        ("registry.internal.example.com:5000", 5000),
        ("registry.internal.example.com", None),
        ("registry.internal.example.com:70000", None),
        ("registry.internal.example.com:\uff15\uff10\uff10\uff10", None),  # full-width digits
        (":5000", None),
    ],
)
def test_a_login_server_names_the_port_docker_reaches_it_on(server: str, port: int | None) -> None:
    assert egress.login_server_port(server) == port


def test_a_restricted_nsg_keeps_the_required_flows_and_mcr_and_reaches_no_internet_address() -> (
    None
):
    rules = [r.arm() for r in egress.agent_nsg_rules(egress.AgentEgress.RESTRICTED)]
    assert blocked(rules) == set()
    reach = egress.internet_reach(rules, AGENT)
    assert reach.allowing == () and reach.undecided == ()
    tags = {r["destinationAddressPrefix"] for r in rules if r["access"] == "Allow"}
    # microsoft/containerregistry client-firewall-rules.md: both tags for mcr.microsoft.com.
    assert {"MicrosoftContainerRegistry", "AzureFrontDoor.FirstParty"} <= tags


def test_an_open_nsg_reaches_the_internet_through_azures_default_rule() -> None:
    rules = [r.arm() for r in egress.agent_nsg_rules(egress.AgentEgress.OPEN)]
    assert blocked(rules) == set()
    reach = egress.internet_reach(rules, AGENT)
    assert {p.rule.name for p in reach.allowing} == {"AllowInternetOutBound"}


def test_an_allow_to_azure_cloud_reaches_other_tenants() -> None:
    allowance = egress.EgressAllowance("azure", "AzureCloud", (443,))
    rules = [
        r.arm() for r in egress.agent_nsg_rules(egress.AgentEgress.RESTRICTED, (), [allowance])
    ]
    reach = egress.internet_reach(rules, AGENT)
    assert {p.rule.name for p in reach.allowing} == {"allow-azure-outbound"}


def test_an_allow_to_one_public_prefix_is_not_an_arbitrary_address() -> None:
    allowance = egress.EgressAllowance("github", "140.82.112.0/20", (443,))
    rules = [
        r.arm() for r in egress.agent_nsg_rules(egress.AgentEgress.RESTRICTED, (), [allowance])
    ]
    assert egress.internet_reach(rules, AGENT).allowing == ()
