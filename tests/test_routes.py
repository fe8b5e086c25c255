"""A subnet's effective route to a destination (``private_acr_rules.routes``).

Expected values come from Learn, virtual-network/virtual-networks-udr-overview: the default
system routes (VNet space to the VNet, 0.0.0.0/0 to Internet, 10.0.0.0/8, 172.16.0.0/12,
192.168.0.0/16 and 100.64.0.0/10 to None), "longest prefix match", user-defined over BGP over
system routes on equal prefixes, and service tags as route prefixes.
"""

import ipaddress

from private_acr_rules.routes import (
    NextHop,
    Route,
    RouteSource,
    RouteTable,
    parse_routes,
    system_routes,
)
from private_acr_rules.unknown import UNKNOWN

VNET = ipaddress.ip_network("10.40.0.0/16")


def table(*routes: dict[str, str]) -> RouteTable:
    return RouteTable([*parse_routes(list(routes)), *system_routes([VNET])])


def appliance(name: str, prefix: str) -> dict[str, str]:
    return {"name": name, "addressPrefix": prefix, "nextHopType": "VirtualAppliance"}


def test_the_default_system_routes_are_learns() -> None:
    defaults = {(str(r.prefix), r.next_hop) for r in system_routes([VNET])}
    assert defaults == {
        ("10.40.0.0/16", NextHop.VNET_LOCAL),
        ("0.0.0.0/0", NextHop.INTERNET),
        ("10.0.0.0/8", NextHop.NONE),
        ("172.16.0.0/12", NextHop.NONE),
        ("192.168.0.0/16", NextHop.NONE),
        ("100.64.0.0/10", NextHop.NONE),
    }


def test_a_vnet_holding_a_reserved_range_routes_it_to_the_vnet() -> None:
    hops = {str(r.prefix): r.next_hop for r in system_routes([ipaddress.ip_network("10.0.0.0/8")])}
    assert hops["10.0.0.0/8"] is NextHop.VNET_LOCAL


def test_without_user_routes_a_tag_goes_to_the_internet() -> None:
    (part,) = table().route_to_tag("Storage").parts
    assert part.next_hop is NextHop.INTERNET and part.certain


def test_the_longest_prefix_decides_an_explicit_destination() -> None:
    routes = table(appliance("spoke-to-hub", "10.0.0.0/8"), appliance("onprem", "10.70.0.0/16"))
    (part,) = routes.route_to(ipaddress.ip_network("10.70.4.0/24")).parts
    assert part.route is not None and part.route.name == "onprem"
    (inside,) = routes.route_to(ipaddress.ip_network("10.40.3.0/24")).parts
    assert inside.next_hop is NextHop.VNET_LOCAL


def test_a_destination_split_by_prefixes_has_a_route_per_part() -> None:
    parts = table(appliance("half", "10.70.4.0/25")).route_to(ipaddress.ip_network("10.70.4.0/24"))
    assert [(p.destination, p.next_hop) for p in parts.parts] == [
        ("10.70.4.0/25", NextHop.VIRTUAL_APPLIANCE),
        ("10.70.4.128/25", NextHop.NONE),
    ]


def test_a_user_route_wins_over_a_system_route_of_the_same_prefix() -> None:
    (part,) = table(appliance("default", "0.0.0.0/0")).route_to_tag("Storage").parts
    assert part.next_hop is NextHop.VIRTUAL_APPLIANCE
    assert part.route is not None and part.route.source is RouteSource.USER


def test_a_split_default_route_takes_every_address_of_a_tag() -> None:
    verdict = table(appliance("lower", "0.0.0.0/1"), appliance("upper", "128.0.0.0/1"))
    parts = verdict.route_to_tag("Storage").parts
    assert {p.next_hop for p in parts} == {NextHop.VIRTUAL_APPLIANCE}
    assert all(p.certain for p in parts)


def test_half_the_address_space_may_or_may_not_carry_a_tag() -> None:
    parts = table(appliance("lower", "0.0.0.0/1")).route_to_tag("Storage").parts
    assert {p.next_hop for p in parts} == {NextHop.VIRTUAL_APPLIANCE, NextHop.INTERNET}
    assert not any(p.certain for p in parts)


def test_a_none_next_hop_drops_the_traffic_and_names_the_route() -> None:
    verdict = table({"name": "blackhole", "addressPrefix": "0.0.0.0/0", "nextHopType": "None"})
    (dropped,) = verdict.route_to_tag("AzureMonitor").dropped
    assert dropped.route is not None
    assert dropped.route.describe() == "route 'blackhole' (0.0.0.0/0 -> None)"


def test_a_tag_route_wins_over_the_default_route() -> None:
    routes = table(
        appliance("default", "0.0.0.0/0"),
        {"name": "monitor", "addressPrefix": "AzureMonitor", "nextHopType": "Internet"},
    )
    (part,) = routes.route_to_tag("AzureMonitor").parts
    assert part.next_hop is NextHop.INTERNET and part.certain
    (other,) = routes.route_to_tag("Storage").parts
    assert other.next_hop is NextHop.VIRTUAL_APPLIANCE


def test_a_regional_tag_route_carries_its_region_and_azure_cloud_the_rest() -> None:
    routes = table(
        appliance("default", "0.0.0.0/0"),
        {"name": "cloud", "addressPrefix": "AzureCloud", "nextHopType": "Internet"},
        {"name": "east", "addressPrefix": "Storage.EastUS2", "nextHopType": "None"},
    )
    parts = {p.destination: p.route.name for p in routes.route_to_tag("Storage").parts if p.route}
    assert parts == {"Storage in eastus2": "east", "the rest of Storage": "cloud"}
    (regional,) = routes.route_to_tag("Storage.EastUS2").parts
    assert regional.next_hop is NextHop.NONE


def test_a_narrower_public_route_may_override_a_tag_route() -> None:
    routes = table(
        {"name": "cloud", "addressPrefix": "AzureCloud", "nextHopType": "Internet"},
        {"name": "drop-20", "addressPrefix": "20.0.0.0/8", "nextHopType": "None"},
    )
    verdict = routes.route_to_tag("Storage")
    assert verdict.dropped == []
    assert [p.route.name for p in verdict.uncertain if p.route] == ["drop-20"]


def test_routes_not_known_yet_make_no_part_certain() -> None:
    routes = RouteTable([*parse_routes(UNKNOWN), *system_routes([VNET])])
    verdict = routes.route_to_tag("Storage")
    assert verdict.parts and not any(p.certain for p in verdict.parts)
    assert verdict.dropped == []


def test_an_unknown_entry_or_field_is_a_route_of_unknown_reach() -> None:
    parsed = parse_routes([UNKNOWN, {"name": "x", "addressPrefix": UNKNOWN, "nextHopType": "None"}])
    assert [(r.prefix, r.next_hop) for r in parsed] == [(None, None), (None, NextHop.NONE)]


def test_a_route_describes_itself_for_a_message() -> None:
    route = Route("hub", ipaddress.ip_network("0.0.0.0/0"), NextHop.VIRTUAL_APPLIANCE, "10.0.0.4")
    assert route.describe() == "route 'hub' (0.0.0.0/0 -> VirtualAppliance 10.0.0.4)"
