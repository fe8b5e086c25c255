"""The NSG evaluator decides flows as Azure does (Learn, network-security-groups-overview)."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from private_acr_rules import nsg
from private_acr_rules.unknown import UNKNOWN

SUBNET = nsg.addresses([ipaddress.ip_network("10.0.1.0/24")])


def rule(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "r",
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


def ssh_from_internet(port: int = 22, protocol: nsg.Protocol = "Tcp") -> nsg.Flow:
    return nsg.Flow.to_ports("Inbound", protocol, nsg.internet(), nsg.protected_addresses(), [port])


def allowed_rules(rules: list[dict[str, Any]], flow: nsg.Flow) -> set[str]:
    return {p.rule.name for p in nsg.evaluate(rules, flow).allowing}


def test_default_rules_deny_inbound_internet() -> None:
    verdict = nsg.evaluate([], ssh_from_internet())
    assert not verdict.allowing and {p.rule.name for p in verdict.denying} == {"DenyAllInbound"}


def test_default_rules_allow_outbound_internet() -> None:
    flow = nsg.Flow.to_ports("Outbound", "Tcp", SUBNET, nsg.service_tag("Storage"), [443])
    assert {p.rule.name for p in nsg.evaluate([], flow).parts} == {"AllowInternetOutBound"}


def test_default_rules_allow_traffic_inside_the_virtual_network() -> None:
    flow = nsg.Flow.to_ports("Inbound", "Tcp", SUBNET, nsg.protected_addresses(), [22])
    assert nsg.is_allowed([], flow) is True


def test_lower_priority_number_wins() -> None:
    rules = [rule(name="allow", priority=200), rule(name="deny", priority=100, access="Deny")]
    assert allowed_rules(rules, ssh_from_internet()) == set()


def test_first_match_wins_even_when_listed_later() -> None:
    rules = [rule(name="deny", priority=300, access="Deny"), rule(name="allow", priority=200)]
    assert allowed_rules(rules, ssh_from_internet()) == {"allow"}


def test_priorities_may_arrive_as_doubles() -> None:
    rules = [rule(name="deny", priority=100.0, access="Deny"), rule(name="allow", priority=200.0)]
    assert allowed_rules(rules, ssh_from_internet()) == set()


@pytest.mark.parametrize(
    ("protocol", "flow_protocol", "matches"),
    [
        ("Tcp", "Tcp", True),
        ("tcp", "Tcp", True),
        ("*", "Udp", True),
        ("Udp", "Tcp", False),
        ("Icmp", "Icmp", True),
        ("Esp", "Esp", True),
        ("Ah", "Ah", True),
        ("Ah", "Esp", False),
    ],
)
def test_protocols(protocol: str, flow_protocol: nsg.Protocol, matches: bool) -> None:
    rules = [rule(protocol=protocol, destinationPortRange="*")]
    assert bool(allowed_rules(rules, ssh_from_internet(protocol=flow_protocol))) is matches


def test_a_port_limited_rule_never_matches_icmp() -> None:
    assert (
        allowed_rules(
            [rule(protocol="*", destinationPortRange="22")], ssh_from_internet(protocol="Icmp")
        )
        == set()
    )


@pytest.mark.parametrize(
    ("ports", "port", "matches"),
    [
        ({"destinationPortRange": "20-25"}, 22, True),
        ({"destinationPortRange": "20-25"}, 26, False),
        ({"destinationPortRange": "*"}, 3389, True),
        ({"destinationPortRange": None, "destinationPortRanges": ["80", "3380-3390"]}, 3389, True),
        ({"destinationPortRange": "80, 3389"}, 3389, True),
        ({"destinationPortRange": "abc"}, 22, False),
    ],
)
def test_destination_ports(ports: dict[str, Any], port: int, matches: bool) -> None:
    assert bool(allowed_rules([rule(**ports)], ssh_from_internet(port))) is matches


def test_a_rule_limited_to_some_source_ports_leaves_the_rest_to_later_rules() -> None:
    verdict = nsg.evaluate([rule(sourcePortRange="1024-65535")], ssh_from_internet())
    assert verdict.allowing and verdict.denying


@pytest.mark.parametrize(
    "source",
    [
        "Internet",
        "internet",
        "INTERNET",
        "*",
        "Any",
        "0.0.0.0/0",
        "::/0",
        "AzureCloud",
        "AzureCloud.WestEurope",
    ],
)
def test_sources_that_hold_internet_hosts(source: str) -> None:
    assert allowed_rules([rule(sourceAddressPrefix=source)], ssh_from_internet()) == {"r"}


@pytest.mark.parametrize(
    "source",
    ["VirtualNetwork", "AzureLoadBalancer", "Storage", "10.0.0.0/8", "203.0.113.0/24", "0.0.0.0/1"],
)
def test_sources_that_do_not(source: str) -> None:
    assert allowed_rules([rule(sourceAddressPrefix=source)], ssh_from_internet()) == set()


def test_ipv4_and_ipv6_are_decided_separately() -> None:
    rules = [
        rule(name="deny4", priority=90, access="Deny", sourceAddressPrefix="0.0.0.0/0"),
        rule(sourceAddressPrefix="*"),
    ]
    assert allowed_rules(rules, ssh_from_internet()) == {"r"}
    rules.append(rule(name="deny6", priority=95, access="Deny", sourceAddressPrefix="::/0"))
    assert allowed_rules(rules, ssh_from_internet()) == set()


def test_prefix_lists_are_one_rule() -> None:
    rules = [rule(sourceAddressPrefix=None, sourceAddressPrefixes=["10.0.0.0/8", "0.0.0.0/0"])]
    assert allowed_rules(rules, ssh_from_internet()) == {"r"}


def test_classic_tag_spellings() -> None:
    flow = nsg.Flow.to_ports("Inbound", "Tcp", SUBNET, nsg.protected_addresses(), [22])
    assert (
        nsg.is_allowed([rule(access="Deny", sourceAddressPrefix="VIRTUAL_NETWORK")], flow) is False
    )


def test_application_security_groups() -> None:
    group = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/Web"
    rules = [
        rule(destinationAddressPrefix=None, destinationApplicationSecurityGroups=[{"id": group}])
    ]
    [part] = nsg.evaluate(rules, ssh_from_internet()).allowing[:1]
    assert part.destination == f"members of {group.lower().rsplit('/', 1)[-1]}"
    member = nsg.addresses(
        [ipaddress.ip_network("10.0.1.4/32")], application_security_groups=[group.upper()]
    )
    outsider = nsg.addresses([ipaddress.ip_network("10.0.1.5/32")])
    deny = [
        rule(
            access="Deny", sourceAddressPrefix=None, sourceApplicationSecurityGroups=[{"id": group}]
        )
    ]
    to_vm = nsg.protected_addresses()
    assert nsg.is_allowed(deny, nsg.Flow.to_ports("Inbound", "Tcp", member, to_vm, [22])) is False
    assert nsg.is_allowed(deny, nsg.Flow.to_ports("Inbound", "Tcp", outsider, to_vm, [22])) is True


def test_an_unknown_field_leaves_the_flow_undecided() -> None:
    verdict = nsg.evaluate([rule(sourceAddressPrefix=UNKNOWN)], ssh_from_internet())
    assert verdict.undecided and not verdict.allowing
    assert nsg.is_allowed([rule(sourceAddressPrefix=UNKNOWN)], ssh_from_internet()) is None


def test_a_rule_with_an_unknown_priority_goes_first() -> None:
    verdict = nsg.evaluate(
        [rule(name="deny", priority=100, access="Deny"), rule(priority=UNKNOWN)],
        ssh_from_internet(),
    )
    assert verdict.undecided and not verdict.denying


def test_addresses_the_subnet_holds_partly() -> None:
    flow = nsg.Flow.to_ports("Outbound", "Tcp", SUBNET, nsg.service_tag("Storage"), [443])
    verdict = nsg.evaluate(
        [
            rule(
                direction="Outbound",
                access="Deny",
                sourceAddressPrefix="10.0.1.0/25",
                destinationAddressPrefix="*",
                destinationPortRange="*",
            )
        ],
        flow,
    )
    assert {p.source for p in verdict.denying} == {"10.0.1.0/25"}
    assert {p.source for p in verdict.allowing} == {"10.0.1.128/25"}


def outbound(**fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"direction": "Outbound", "destinationAddressPrefix": "*"}
    return rule(**(values | fields))


NOT_KNOWN_YET = nsg.addresses([])


def to_storage(source: nsg.Endpoint = NOT_KNOWN_YET) -> nsg.Flow:
    return nsg.Flow.to_ports("Outbound", "Tcp", source, nsg.service_tag("Storage"), [443])


def test_an_explicit_prefix_leaves_addresses_not_known_yet_undecided() -> None:
    rules = [
        outbound(sourceAddressPrefix="10.40.1.0/24", destinationPortRange="443"),
        outbound(
            name="deny-all",
            priority=4000,
            access="Deny",
            sourceAddressPrefix="*",
            destinationPortRange="*",
        ),
    ]
    verdict = nsg.evaluate(rules, to_storage())
    assert verdict.undecided and not verdict.denying and not verdict.allowing


def test_an_explicit_deny_of_addresses_not_known_yet_is_undecided_not_ignored() -> None:
    rules = [outbound(access="Deny", sourceAddressPrefix="10.0.0.0/8", destinationPortRange="*")]
    assert nsg.is_allowed(rules, to_storage()) is None


def test_rules_that_agree_whatever_the_addresses_decide_them() -> None:
    rules = [
        outbound(name="narrow", sourceAddressPrefix="10.40.1.0/24", destinationPortRange="443"),
        outbound(name="wide", priority=200, sourceAddressPrefix="VirtualNetwork"),
    ]
    assert nsg.is_allowed(rules, to_storage()) is True


def test_a_deny_of_any_source_blocks_addresses_not_known_yet() -> None:
    rules = [outbound(access="Deny", sourceAddressPrefix="*", destinationPortRange="443")]
    assert nsg.is_allowed(rules, to_storage()) is False


def test_a_deny_of_one_family_leaves_addresses_not_known_yet_undecided() -> None:
    rules = [outbound(access="Deny", sourceAddressPrefix="::/0", destinationPortRange="*")]
    verdict = nsg.evaluate(rules, to_storage())
    assert verdict.undecided and not verdict.denying


def test_a_deny_of_some_ports_in_every_family_blocks_those_ports() -> None:
    rules = [outbound(access="Deny", sourceAddressPrefix="*", destinationPortRange="12000")]
    flow = nsg.Flow.to_ports(
        "Outbound", "Tcp", NOT_KNOWN_YET, nsg.service_tag("AzureMonitor"), [443, 12000]
    )
    verdict = nsg.evaluate(rules, flow)
    assert {
        p for d in verdict.denying for p in nsg.ports_in(d.destination_ports, [443, 12000])
    } == {12000}
    assert not verdict.undecided


def test_known_addresses_are_decided_by_an_explicit_prefix() -> None:
    known = nsg.addresses([ipaddress.ip_network("10.40.1.0/24")])
    rules = [outbound(access="Deny", sourceAddressPrefix="10.0.0.0/8", destinationPortRange="*")]
    assert nsg.is_allowed(rules, to_storage(known)) is False


@pytest.mark.parametrize(
    "prefixes",
    [
        ["0.0.0.0/1", "128.0.0.0/1"],
        ["128.0.0.0/1", "0.0.0.0/2", "64.0.0.0/2"],
        ["::/1", "8000::/1"],
    ],
)
def test_prefixes_that_together_hold_a_family_hold_internet_hosts(prefixes: list[str]) -> None:
    rules = [rule(sourceAddressPrefix=None, sourceAddressPrefixes=prefixes)]
    assert allowed_rules(rules, ssh_from_internet()) == {"r"}


@pytest.mark.parametrize(
    ("prefixes", "family", "covers"),
    [
        (["0.0.0.0/1", "128.0.0.0/1"], 4, True),
        (["0.0.0.0/1", "128.0.0.0/2"], 4, False),
        (["0.0.0.0/0"], 6, False),
        (["::/0"], 6, True),
        (["10.0.0.0/8", "0.0.0.0/0"], 4, True),
    ],
)
def test_covers_address_space(prefixes: list[str], family: int, covers: bool) -> None:
    networks = [ipaddress.ip_network(p) for p in prefixes]
    assert nsg.covers_address_space(networks, family) is covers


def to_public_address(address: str) -> nsg.Flow:
    return nsg.Flow.to_ports(
        "Outbound",
        "Tcp",
        nsg.addresses([ipaddress.ip_network("10.40.1.0/24")]),
        nsg.internet_addresses([ipaddress.ip_network(address)]),
        [443],
    )


def test_a_public_address_is_held_by_the_internet_tag_and_azures_default_allow() -> None:
    flow = to_public_address("203.0.113.10/32")
    assert nsg.is_allowed([], flow) is True
    deny = rule(
        direction="Outbound",
        access="Deny",
        sourceAddressPrefix="*",
        destinationAddressPrefix="Internet",
        destinationPortRange="*",
    )
    assert nsg.is_allowed([deny], flow) is False


def test_a_public_address_is_not_assumed_to_be_part_of_a_service_tag() -> None:
    flow = to_public_address("203.0.113.10/32")
    allow_tag = rule(
        priority=100,
        direction="Outbound",
        sourceAddressPrefix="*",
        destinationAddressPrefix="AzureCloud",
        destinationPortRange="443",
    )
    deny = rule(
        name="deny",
        priority=200,
        direction="Outbound",
        access="Deny",
        sourceAddressPrefix="*",
        destinationAddressPrefix="Internet",
        destinationPortRange="*",
    )
    assert nsg.is_allowed([allow_tag, deny], flow) is False
    allow_prefix = {**allow_tag, "destinationAddressPrefix": "203.0.113.0/24"}
    assert nsg.is_allowed([allow_prefix, deny], flow) is True
