"""The shared CIDR rules: parsing never raises, overlap detection agrees with brute force."""

from __future__ import annotations

import ipaddress
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from private_acr_rules import cidr


def test_parse_accepts_host_bits_but_flags_them() -> None:
    parsed = cidr.parse_cidr("172.17.0.1/16")
    assert parsed.network == ipaddress.ip_network("172.17.0.0/16")
    assert parsed.host_bits_set


def test_parse_refuses_garbage_with_a_reason() -> None:
    for value in ("", "10.0.0.0", "10.0.0.0/33", "banana", None, 42, "10.0.0.0/8/8"):
        parsed = cidr.parse_cidr(value)
        assert parsed.network is None
        assert parsed.error


@given(st.text(max_size=40))
def test_parse_never_raises(text: str) -> None:
    cidr.parse_cidr(text)
    cidr.parse_address(text)


def test_ipv6_never_overlaps_ipv4() -> None:
    assert not cidr.overlaps(ipaddress.ip_network("::/0"), ipaddress.ip_network("172.17.0.0/16"))


def _network(address: int, prefix: int) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network((address, prefix), strict=False)


networks = st.builds(
    _network,
    st.integers(min_value=0, max_value=2**32 - 1),
    st.integers(min_value=8, max_value=30),
)


@settings(max_examples=200)
@given(st.lists(networks, max_size=25))
def test_overlapping_pairs_match_brute_force(items: list[ipaddress.IPv4Network]) -> None:
    labelled = [cidr.Labelled(n, f"n{i}") for i, n in enumerate(items)]
    found = {frozenset((a.label, b.label)) for a, b in cidr.overlapping_pairs(labelled)}
    expected = {
        frozenset((a.label, b.label))
        for a, b in itertools.combinations(labelled, 2)
        if a.network.overlaps(b.network)
    }
    assert found == expected


def test_subnet_plan_names_a_subnet_outside_the_vnet_and_an_overlapping_pair() -> None:
    space = [cidr.Labelled(ipaddress.ip_network("10.0.0.0/16"), "space")]
    subnets = [
        cidr.Labelled(ipaddress.ip_network("10.0.1.0/24"), "a"),
        cidr.Labelled(ipaddress.ip_network("10.0.1.128/25"), "b"),
        cidr.Labelled(ipaddress.ip_network("10.1.0.0/24"), "c"),
    ]
    problems = cidr.subnet_plan_problems(space, subnets)
    assert any("c: 10.1.0.0/24 is not inside" in p for p in problems)
    assert any("a: 10.0.1.0/24 overlaps b 10.0.1.128/25" in p for p in problems)
    assert len(problems) == 2


def _plan(service: str, dns: str, pod: str, vnet: str = "10.40.0.0/16") -> list[str]:
    return cidr.aks_cidr_plan_problems(
        service_cidr=cidr.Labelled(ipaddress.ip_network(service), "svc"),
        dns_service_ip=("dns", ipaddress.ip_address(dns)),
        pod_cidr=cidr.Labelled(ipaddress.ip_network(pod), "pod"),
        cluster_ranges=[cidr.Labelled(ipaddress.ip_network(vnet), "vnet")],
    )


def test_aks_plan_accepts_the_documented_example_ranges() -> None:
    assert _plan("10.100.0.0/16", "10.100.0.10", "10.244.0.0/16") == []


@pytest.mark.parametrize(
    ("service", "dns", "pod", "expected"),
    [
        ("10.100.0.0/16", "10.101.0.10", "10.244.0.0/16", "dns: 10.101.0.10 is not inside svc"),
        (
            "10.100.0.0/16",
            "10.100.0.1",
            "10.244.0.0/16",
            "dns: 10.100.0.1 is the network or first address",
        ),
        ("10.0.0.0/12", "10.0.0.10", "10.244.0.0/16", "svc: 10.0.0.0/12 is too large"),
        ("10.100.0.0/16", "10.100.0.10", "10.100.0.0/14", "svc: 10.100.0.0/16 overlaps pod"),
        ("10.40.0.0/16", "10.40.0.10", "10.244.0.0/16", "svc: 10.40.0.0/16 overlaps vnet"),
        ("172.30.0.0/16", "172.30.0.10", "10.244.0.0/16", "which AKS reserves"),
    ],
    ids=[
        "dns-outside",
        "dns-first-address",
        "service-too-large",
        "service-pod-overlap",
        "service-vnet-overlap",
        "reserved",
    ],
)
def test_aks_plan_refuses_a_plan_that_breaks_one_rule(
    service: str, dns: str, pod: str, expected: str
) -> None:
    problems = _plan(service, dns, pod)
    assert any(expected in p for p in problems), problems
