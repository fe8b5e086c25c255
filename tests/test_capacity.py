"""Endpoint subnet capacity: what a registry endpoint takes and whether a subnet holds it."""

import ipaddress

from private_acr_rules import capacity


def test_a_registry_endpoint_takes_two_addresses_and_one_per_replica() -> None:
    assert capacity.registry_endpoint_addresses() == 2
    assert capacity.registry_endpoint_addresses(2) == 4


def test_regional_endpoints_take_one_more_address_per_replica() -> None:
    assert capacity.registry_endpoint_addresses(2, regional_endpoints=True) == 6


def test_endpoint_subnet_must_hold_every_endpoint_address() -> None:
    small = ipaddress.ip_network("10.0.0.0/29")  # 3 usable
    assert capacity.endpoint_capacity_problems("pe", small, 3) == []
    assert capacity.endpoint_capacity_problems("pe", small, 4) == [
        "pe: 10.0.0.0/29 has 3 usable addresses; its private endpoints need 4 "
        "(2 per registry endpoint plus 1 per replica, 1 per other endpoint)"
    ]


def test_every_prefix_of_a_subnet_offers_its_usable_addresses() -> None:
    prefixes = [ipaddress.ip_network("10.0.0.0/29"), ipaddress.ip_network("10.0.1.0/29")]
    assert capacity.usable_addresses(prefixes) == 6
    assert capacity.endpoint_capacity_problems("pe", prefixes, 6) == []
