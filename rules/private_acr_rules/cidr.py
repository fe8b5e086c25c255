"""Address-range rules shared by the stack settings, the components and the policy pack.

Every CIDR rule this project enforces is written here once. The settings loader and the
components call these functions on plain config values before anything is registered; the
CrossGuard pack calls the same functions on the inputs the engine sends it. Functions never
raise on odd input: they return problems as text, so a policy can turn them into violations.

Facts behind the constants are in README.md ("Why these rules"), with sources.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_DOCKER_BRIDGE_CIDR = "172.17.0.0/16"
"""Docker's default bridge; ACR Tasks agents build with Docker on it."""

AKS_RESERVED_RANGES: tuple[ipaddress.IPv4Network, ...] = tuple(
    ipaddress.IPv4Network(r)
    for r in ("169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24")
)
"""Ranges AKS refuses for the service, pod and cluster VNet ranges."""

SMALLEST_AZURE_SUBNET_PREFIX = 29
"""Azure's smallest IPv4 subnet is a /29 (it reserves five addresses in every subnet)."""

LARGEST_SERVICE_CIDR_PREFIX = 12
"""AKS: the service CIDR "must be smaller than /12", so its prefix length must exceed 12."""


@dataclass(frozen=True)
class ParsedCidr:
    """A CIDR string parsed leniently, with what was wrong with it if anything."""

    text: str
    network: Network | None
    error: str | None = None
    host_bits_set: bool = False


def parse_cidr(text: object) -> ParsedCidr:
    """Parse ``text`` as a CIDR; never raises.

    Host bits are tolerated (``172.17.0.1/16`` is how Docker's bridge is often written) but
    flagged in ``host_bits_set`` so callers that want strict input can refuse it.
    """
    if isinstance(text, ipaddress.IPv4Network | ipaddress.IPv6Network):
        return ParsedCidr(str(text), text)
    if not isinstance(text, str) or not text.strip():
        return ParsedCidr(str(text), None, "expected a CIDR such as 10.0.0.0/16")
    raw = text.strip()
    if "/" not in raw:
        return ParsedCidr(raw, None, "expected a CIDR with a prefix length, e.g. 10.0.0.0/16")
    try:
        network = ipaddress.ip_network(raw, strict=False)
    except ValueError:
        return ParsedCidr(raw, None, "is not a valid CIDR (expected e.g. 10.0.0.0/16)")
    strict_ok = True
    try:
        ipaddress.ip_network(raw, strict=True)
    except ValueError:
        strict_ok = False
    return ParsedCidr(raw, network, None, host_bits_set=not strict_ok)


def parse_address(text: object) -> Address | None:
    """Parse an IP address; ``None`` when ``text`` is not one."""
    if isinstance(text, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return text
    if not isinstance(text, str):
        return None
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def as_network(value: Network | Address) -> Network:
    """A single address as a /32 (or /128) so it can take part in overlap checks."""
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return ipaddress.ip_network(value)
    return value


def overlaps(a: Network, b: Network) -> bool:
    """True when both ranges share an address. Different families never overlap."""
    if a.version != b.version:
        return False
    return int(a.network_address) <= int(b.broadcast_address) and int(b.network_address) <= int(
        a.broadcast_address
    )


def contains(outer: Network, inner: Network) -> bool:
    """True when ``inner`` lies wholly inside ``outer`` (same family)."""
    if outer.version != inner.version:
        return False
    return int(outer.network_address) <= int(inner.network_address) and int(
        inner.broadcast_address
    ) <= int(outer.broadcast_address)


def inside_any(inner: Network, outers: Iterable[Network]) -> bool:
    return any(contains(outer, inner) for outer in outers)


@dataclass(frozen=True)
class Labelled:
    """A range with the name of whatever declared it (a config key, a URN and field)."""

    network: Network
    label: str


def overlapping_pairs(items: Sequence[Labelled]) -> list[tuple[Labelled, Labelled]]:
    """Every overlapping pair among ``items``, found by a sort and sweep.

    Sorted by start address, a range can only overlap ranges that start before it ends, so
    the sweep keeps the open ranges in a list ordered by end and drops those that ended.
    The work is O(n log n + k) for n ranges and k overlapping pairs.
    """
    pairs: list[tuple[Labelled, Labelled]] = []
    for version in (4, 6):
        family = sorted(
            (item for item in items if item.network.version == version),
            key=lambda item: (int(item.network.network_address), item.network.prefixlen),
        )
        active: list[Labelled] = []
        for item in family:
            start = int(item.network.network_address)
            active = [open_ for open_ in active if int(open_.network.broadcast_address) >= start]
            pairs.extend((open_, item) for open_ in active)
            active.append(item)
    return pairs


def subnet_size_problems(label: str, network: Network, *, minimum_prefix: int) -> list[str]:
    """Azure subnet size limits: never smaller than /29, and at most ``minimum_prefix``."""
    if network.version != 4:
        return []
    if network.prefixlen > SMALLEST_AZURE_SUBNET_PREFIX:
        return [
            f"{label}: {network} is smaller than Azure's smallest subnet "
            f"(/{SMALLEST_AZURE_SUBNET_PREFIX}); use a /{SMALLEST_AZURE_SUBNET_PREFIX} or larger"
        ]
    if network.prefixlen > minimum_prefix:
        return [f"{label}: {network} is too small; use a /{minimum_prefix} or larger"]
    return []


def subnet_plan_problems(
    address_spaces: Sequence[Labelled], subnets: Sequence[Labelled]
) -> list[str]:
    """Each subnet sits inside one of the VNet's address spaces; no two subnets overlap."""
    problems: list[str] = []
    spaces = [space.network for space in address_spaces]
    for subnet in subnets:
        if not inside_any(subnet.network, spaces):
            wanted = ", ".join(str(s) for s in spaces) or "(none)"
            problems.append(
                f"{subnet.label}: {subnet.network} is not inside the VNet address space {wanted}"
            )
    problems.extend(
        f"{a.label}: {a.network} overlaps {b.label} {b.network}"
        for a, b in overlapping_pairs(subnets)
    )
    return problems


def reserved_range_problems(label: str, network: Network) -> list[str]:
    return [
        f"{label}: {network} overlaps {reserved}, which AKS reserves"
        for reserved in AKS_RESERVED_RANGES
        if overlaps(network, reserved)
    ]


def aks_cidr_plan_problems(
    *,
    service_cidr: Labelled | None,
    dns_service_ip: tuple[str, Address] | None,
    pod_cidr: Labelled | None,
    cluster_ranges: Sequence[Labelled],
) -> list[str]:
    """The AKS network plan rules.

    DNS service IP inside the service CIDR and not its network or first address (the first
    address is the kubernetes API service); service CIDR smaller than /12; service and pod
    CIDRs clear of each other, of the cluster's VNet and subnets (``cluster_ranges``) and of
    the ranges AKS reserves.
    """
    problems: list[str] = []
    for item in (service_cidr, pod_cidr):
        if item is not None:
            problems.extend(reserved_range_problems(item.label, item.network))
    if service_cidr is not None:
        service = service_cidr.network
        if service.version == 4 and service.prefixlen <= LARGEST_SERVICE_CIDR_PREFIX:
            problems.append(
                f"{service_cidr.label}: {service} is too large; AKS needs a service CIDR "
                f"smaller than /{LARGEST_SERVICE_CIDR_PREFIX} (e.g. a /16)"
            )
        if dns_service_ip is not None:
            dns_label, dns = dns_service_ip
            if not contains(service, as_network(dns)):
                problems.append(f"{dns_label}: {dns} is not inside {service_cidr.label} {service}")
            elif dns in (service.network_address, service.network_address + 1):
                problems.append(
                    f"{dns_label}: {dns} is the network or first address of {service}; "
                    f"AKS uses the first address for the API service (use e.g. "
                    f"{service.network_address + 10})"
                )
    if (
        service_cidr is not None
        and pod_cidr is not None
        and overlaps(service_cidr.network, pod_cidr.network)
    ):
        problems.append(
            f"{service_cidr.label}: {service_cidr.network} overlaps "
            f"{pod_cidr.label} {pod_cidr.network}"
        )
    for item in (service_cidr, pod_cidr):
        if item is None:
            continue
        problems.extend(
            f"{item.label}: {item.network} overlaps {other.label} {other.network}"
            for other in cluster_ranges
            if overlaps(item.network, other.network)
        )
    return problems


def bridge_conflicts(bridge: Network, ranges: Sequence[Labelled]) -> list[Labelled]:
    """The ranges that collide with the Docker bridge (IPv6 never collides with IPv4)."""
    return [item for item in ranges if overlaps(bridge, item.network)]


def bridge_conflict_problems(
    bridge: Network, bridge_label: str, ranges: Sequence[Labelled]
) -> list[str]:
    """One message per range inside the Docker bridge, naming the range and the bridge setting."""
    return [
        f"{item.label}: {item.network} overlaps the Docker bridge {bridge} ({bridge_label}); "
        f"ACR Tasks builds cannot reach addresses in that range"
        for item in bridge_conflicts(bridge, ranges)
    ]
