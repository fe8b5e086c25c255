"""Every address range a resource declares, with the field it came from.

Covers VNets (address space, inline subnets, custom DNS servers, peerings' remote address
spaces), standalone subnets and peerings, and AKS network profiles (service and pod CIDRs,
singular and plural, and the DNS service IP). Unknown and non-string entries are skipped;
entries that do not parse are returned separately so a policy can report them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from private_acr_policies._model import UNKNOWN, Resource, get
from private_acr_rules import cidr


@dataclass(frozen=True)
class DeclaredRange:
    resource: Resource
    field: str
    text: str
    kind: str
    """``vnet``, ``subnet``, ``dns``, ``peering``, ``service``, ``pod``, ``dns-service-ip``."""

    @property
    def parsed(self) -> cidr.Network | None:
        if self.kind in ("dns", "dns-service-ip"):
            address = cidr.parse_address(self.text)
            return cidr.as_network(address) if address is not None else None
        return cidr.parse_cidr(self.text).network

    def labelled(self) -> cidr.Labelled | None:
        network = self.parsed
        return cidr.Labelled(network, f"{self.resource.name} {self.field}") if network else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []  # pyright: ignore[reportUnknownVariableType]


def _prefixes(resource: Resource, data: Any, field: str, kind: str) -> Iterator[DeclaredRange]:
    one = get(data, "addressPrefix")
    if isinstance(one, str):
        yield DeclaredRange(resource, f"{field}addressPrefix", one, kind)
    for index, value in enumerate(_list(get(data, "addressPrefixes"))):
        if isinstance(value, str):
            yield DeclaredRange(resource, f"{field}addressPrefixes[{index}]", value, kind)


def subnet_label(subnet: Any, index: int) -> str:
    name = get(subnet, "name")
    return f"subnets[{name}]" if isinstance(name, str) else f"subnets[{index}]"


def declared_ranges(resource: Resource) -> Iterator[DeclaredRange]:
    props = resource.props
    if resource.is_a("network", "VirtualNetwork"):
        for index, value in enumerate(_list(get(props, "addressSpace", "addressPrefixes"))):
            if isinstance(value, str):
                yield DeclaredRange(
                    resource, f"addressSpace.addressPrefixes[{index}]", value, "vnet"
                )
        for index, value in enumerate(_list(get(props, "dhcpOptions", "dnsServers"))):
            if isinstance(value, str):
                yield DeclaredRange(resource, f"dhcpOptions.dnsServers[{index}]", value, "dns")
        for index, subnet in enumerate(_list(get(props, "subnets"))):
            yield from _prefixes(resource, subnet, subnet_label(subnet, index) + ".", "subnet")
        for index, peering in enumerate(_list(get(props, "virtualNetworkPeerings"))):
            for key in ("remoteAddressSpace", "remoteVirtualNetworkAddressSpace"):
                for i, value in enumerate(_list(get(peering, key, "addressPrefixes"))):
                    if isinstance(value, str):
                        yield DeclaredRange(
                            resource,
                            f"virtualNetworkPeerings[{index}].{key}.addressPrefixes[{i}]",
                            value,
                            "peering",
                        )
    elif resource.is_a("network", "Subnet"):
        yield from _prefixes(resource, props, "", "subnet")
    elif resource.is_a("network", "VirtualNetworkPeering"):
        for key in ("remoteAddressSpace", "remoteVirtualNetworkAddressSpace"):
            for i, value in enumerate(_list(get(props, key, "addressPrefixes"))):
                if isinstance(value, str):
                    yield DeclaredRange(resource, f"{key}.addressPrefixes[{i}]", value, "peering")
    elif resource.is_a("containerservice", "ManagedCluster"):
        profile = get(props, "networkProfile")
        for single, plural, kind in (
            ("serviceCidr", "serviceCidrs", "service"),
            ("podCidr", "podCidrs", "pod"),
        ):
            value = get(profile, single)
            if isinstance(value, str):
                yield DeclaredRange(resource, f"networkProfile.{single}", value, kind)
            for index, item in enumerate(_list(get(profile, plural))):
                if isinstance(item, str):
                    yield DeclaredRange(resource, f"networkProfile.{plural}[{index}]", item, kind)
        dns = get(profile, "dnsServiceIP")
        if isinstance(dns, str):
            yield DeclaredRange(resource, "networkProfile.dnsServiceIP", dns, "dns-service-ip")


def explicit_bridges(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every ``dockerBridgeCidr`` field anywhere in ``value`` (old AKS APIs, Container Apps...)."""
    if isinstance(value, dict):
        for key, item in value.items():  # pyright: ignore[reportUnknownVariableType]
            where = f"{path}.{key}" if path else str(key)  # pyright: ignore[reportUnknownArgumentType]
            if key == "dockerBridgeCidr" and isinstance(item, str):
                yield where, item
            elif item is not UNKNOWN:
                yield from explicit_bridges(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):  # pyright: ignore[reportUnknownVariableType,reportUnknownArgumentType]
            yield from explicit_bridges(item, f"{path}[{index}]")
