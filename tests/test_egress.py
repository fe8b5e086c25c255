"""Effective NSG evaluation for the agent pool's required egress."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from private_acr_rules import egress

AGENT = [ipaddress.ip_network("10.40.1.0/24")]


def deny(name: str, priority: int, **fields: Any) -> dict[str, Any]:
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
    return rule


def test_no_rules_blocks_nothing() -> None:
    assert egress.blocked_flows([], AGENT) == []


def test_deny_all_outbound_blocks_every_required_flow() -> None:
    blocked = egress.blocked_flows([deny("deny-all", 4000)], AGENT)
    assert {str(b.flow) for b in blocked} == {str(f) for f in egress.required_flows()}


def test_component_rules_above_a_deny_all_open_every_flow() -> None:
    rules = [*egress.agent_pool_security_rules(), deny("deny-all", 4000)]
    assert egress.blocked_flows(rules, AGENT) == []


def test_allow_below_the_deny_does_not_help() -> None:
    rules = [*egress.agent_pool_security_rules(first_priority=4010), deny("deny-all", 4000)]
    assert len(egress.blocked_flows(rules, AGENT)) == len(egress.required_flows())


@pytest.mark.parametrize("destination", ["Internet", "INTERNET", "storage", "Storage.EastUS2", "*"])
def test_deny_matches_tags_case_insensitively(destination: str) -> None:
    blocked = egress.blocked_flows([deny("d", 100, destinationAddressPrefix=destination)], AGENT)
    assert "TCP 443 to Storage" in {str(b.flow) for b in blocked}


def test_udp_deny_does_not_block_tcp() -> None:
    assert egress.blocked_flows([deny("d", 100, protocol="Udp")], AGENT) == []


def test_port_12000_alone_is_caught_through_plural_ranges() -> None:
    rule = deny(
        "d",
        100,
        destinationAddressPrefix=None,
        destinationAddressPrefixes=["AzureMonitor"],
        destinationPortRange=None,
        destinationPortRanges=["11000-12500"],
    )
    blocked = egress.blocked_flows([rule], AGENT)
    assert [str(b.flow) for b in blocked] == ["TCP 12000 to AzureMonitor"]


def test_deny_for_another_source_does_not_apply() -> None:
    assert egress.blocked_flows([deny("d", 100, sourceAddressPrefix="10.99.0.0/24")], AGENT) == []
