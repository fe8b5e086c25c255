"""Every address range a resource declares, with the field it came from.

Covers VNets (address space, inline subnets, custom DNS servers, inline peerings' remote
address spaces), standalone subnets and peerings, and AKS network profiles (service and pod
CIDRs, singular and plural, and the DNS service IP). A range whose value is unknown in a
preview is returned with ``unknown`` set so a policy can say it was not checked; non-string
entries are skipped; entries that do not parse have no ``network``. Each resource's ranges are
computed once per stack and each text parsed once (``Stack.parse_cidr``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, cast

from private_acr_policies._model import UNKNOWN, Resource, Stack, get, items
from private_acr_rules import cidr

RangeKind = Literal["vnet", "subnet", "dns", "peering", "service", "pod", "dns-service-ip"]


class DeclaredRange(NamedTuple):
    resource: Resource
    field: str
    text: str
    kind: RangeKind
    network: cidr.Network | None
    """The parsed range (a single address for ``dns`` and ``dns-service-ip``)."""
    host_bits_set: bool = False
    unknown: bool = False

    @property
    def label(self) -> str:
        return f"{self.resource.name} {self.field}"

    def labelled(self) -> cidr.Labelled | None:
        return cidr.Labelled(self.network, self.label) if self.network is not None else None


def _range(
    stack: Stack, resource: Resource, where: str, value: Any, kind: RangeKind
) -> DeclaredRange | None:
    if value is UNKNOWN:
        return DeclaredRange(resource, where, "(unknown)", kind, None, unknown=True)
    if not isinstance(value, str):
        return None
    if kind in ("dns", "dns-service-ip"):
        address = cidr.parse_address(value)
        network = cidr.as_network(address) if address is not None else None
        return DeclaredRange(resource, where, value, kind, network)
    parsed = stack.parse_cidr(value)
    return DeclaredRange(resource, where, value, kind, parsed.network, parsed.host_bits_set)


def _list(
    stack: Stack, resource: Resource, where: str, value: Any, kind: RangeKind
) -> Iterator[DeclaredRange]:
    if value is UNKNOWN:
        yield DeclaredRange(resource, where, "(unknown)", kind, None, unknown=True)
        return
    for index, item in enumerate(items(value)):
        declared = _range(stack, resource, f"{where}[{index}]", item, kind)
        if declared is not None:
            yield declared


def _prefixes(
    stack: Stack, resource: Resource, data: Any, prefix: str, kind: RangeKind
) -> Iterator[DeclaredRange]:
    one = _range(stack, resource, f"{prefix}addressPrefix", get(data, "addressPrefix"), kind)
    if one is not None:
        yield one
    yield from _list(
        stack, resource, f"{prefix}addressPrefixes", get(data, "addressPrefixes"), kind
    )


def subnet_label(subnet: Any, index: int) -> str:
    name = get(subnet, "name")
    return f"subnets[{name}]" if isinstance(name, str) else f"subnets[{index}]"


def _peering(stack: Stack, resource: Resource, data: Any, prefix: str) -> Iterator[DeclaredRange]:
    for key in ("remoteAddressSpace", "remoteVirtualNetworkAddressSpace"):
        where = f"{prefix}{key}.addressPrefixes"
        yield from _list(stack, resource, where, get(data, key, "addressPrefixes"), "peering")


def _vnet(stack: Stack, vnet: Resource) -> Iterator[DeclaredRange]:
    props = vnet.props
    yield from _list(
        stack,
        vnet,
        "addressSpace.addressPrefixes",
        get(props, "addressSpace", "addressPrefixes"),
        "vnet",
    )
    yield from _list(
        stack, vnet, "dhcpOptions.dnsServers", get(props, "dhcpOptions", "dnsServers"), "dns"
    )
    for index, subnet in enumerate(items(get(props, "subnets"))):
        yield from _prefixes(stack, vnet, subnet, subnet_label(subnet, index) + ".", "subnet")
    for index, peering in enumerate(items(get(props, "virtualNetworkPeerings"))):
        yield from _peering(stack, vnet, peering, f"virtualNetworkPeerings[{index}].")


def _cluster(stack: Stack, cluster: Resource) -> Iterator[DeclaredRange]:
    profile = get(cluster.props, "networkProfile")
    fields: tuple[tuple[str, str, RangeKind], ...] = (
        ("serviceCidr", "serviceCidrs", "service"),
        ("podCidr", "podCidrs", "pod"),
    )
    for single, plural, kind in fields:
        declared = _range(stack, cluster, f"networkProfile.{single}", get(profile, single), kind)
        if declared is not None:
            yield declared
        yield from _list(stack, cluster, f"networkProfile.{plural}", get(profile, plural), kind)
    dns = _range(
        stack,
        cluster,
        "networkProfile.dnsServiceIP",
        get(profile, "dnsServiceIP"),
        "dns-service-ip",
    )
    if dns is not None:
        yield dns


def _subnet(stack: Stack, subnet: Resource) -> Iterator[DeclaredRange]:
    return _prefixes(stack, subnet, subnet.props, "", "subnet")


def _standalone_peering(stack: Stack, peering: Resource) -> Iterator[DeclaredRange]:
    return _peering(stack, peering, peering.props, "")


_DECLARERS: tuple[
    tuple[tuple[str, str], Callable[[Stack, Resource], Iterator[DeclaredRange]]], ...
] = (
    (("network", "VirtualNetwork"), _vnet),
    (("network", "Subnet"), _subnet),
    (("network", "VirtualNetworkPeering"), _standalone_peering),
    (("containerservice", "ManagedCluster"), _cluster),
)


@dataclass(frozen=True)
class _Ranges:
    by_urn: dict[str, tuple[DeclaredRange, ...]]
    every: tuple[DeclaredRange, ...]


def _all_ranges(stack: Stack) -> _Ranges:
    by_urn: dict[str, tuple[DeclaredRange, ...]] = {}
    for kind, declarer in _DECLARERS:
        for resource in stack.of_type(*kind):
            by_urn[resource.urn] = tuple(declarer(stack, resource))
    return _Ranges(by_urn, tuple(d for ranges in by_urn.values() for d in ranges))


def declared_ranges(stack: Stack, resource: Resource) -> tuple[DeclaredRange, ...]:
    """The ranges ``resource`` declares (computed once per stack for all resources)."""
    return stack.memoized("declared-ranges", _all_ranges).by_urn.get(resource.urn, ())


def every_declared_range(stack: Stack) -> tuple[DeclaredRange, ...]:
    """Every range the stack declares."""
    return stack.memoized("declared-ranges", _all_ranges).every


def explicit_bridges(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every ``dockerBridgeCidr`` field anywhere in ``value`` (old AKS APIs, Container Apps...)."""
    if isinstance(value, Mapping):
        for key, item in cast(Mapping[str, Any], value).items():
            where = f"{path}.{key}" if path else str(key)
            if key == "dockerBridgeCidr" and isinstance(item, str):
                yield where, item
            elif item is not UNKNOWN:
                yield from explicit_bridges(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(items(value)):
            yield from explicit_bridges(item, f"{path}[{index}]")
