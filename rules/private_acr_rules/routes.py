"""Where a subnet's traffic goes: its effective route to a destination, as Azure picks it.

Plain route dicts in the shape both Pulumi inputs and ``az network route-table show`` use
(``routes`` entries: ``name``, ``addressPrefix``, ``nextHopType``, ``nextHopIpAddress``) go in;
a ``RouteVerdict`` comes out, saying which route carries each part of the destination and to
which next hop. Nothing here imports Pulumi: the preflight and the policy pack call it.

Semantics and their sources (Microsoft Learn, virtual-network/virtual-networks-udr-overview):

- System routes ("Default"): the VNet's address space to ``VirtualNetwork`` (``VnetLocal`` in
  the API), ``0.0.0.0/0`` to ``Internet``, and ``10.0.0.0/8``, ``172.16.0.0/12``,
  ``192.168.0.0/16`` and ``100.64.0.0/10`` to ``None`` ("Traffic routed to the None next hop
  type is dropped"); a reserved range inside the VNet's address space goes to the VNet instead.
  ``system_routes`` builds them; optional system routes (peering, gateway, service endpoint)
  are ``Route``s with ``source`` ``SYSTEM`` a caller adds.
- "How Azure selects a route": the longest prefix match decides; among routes with the same
  prefix, a user-defined route wins over a BGP route, which wins over a system route.
- A user-defined route may name a service tag instead of a prefix ("Service tags for
  user-defined routes"); on an exact prefix match the explicit prefix wins, and among tags a
  regional tag (``Storage.EastUS``) wins over the top-level tag, which wins over the regional
  and then the top-level ``AzureCloud``.

What this model cannot know, as in ``private_acr_rules.nsg``: a service tag is an opaque set of
public addresses. So a tag destination is held wholly by a route naming that tag (or a tag that
contains it), or by explicit prefixes that together cover the public address space (0.0.0.0/0,
or 0.0.0.0/1 with 128.0.0.0/1: each address of the tag is in one of the halves); an explicit
route that holds only part of the address space may or may not carry some of the tag
(``certain`` is then false). The tag's own prefixes are assumed more specific than a route
covering half the address space or more, so a tag route wins over ``0.0.0.0/1``; whether it
wins over a longer explicit prefix is not known. Tag addresses are never in the RFC 1918 and
RFC 6598 ranges the default system routes drop. A route whose prefix or next hop is not known
(a preview) may carry any part; its parts are not certain.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from private_acr_rules import documents, nsg
from private_acr_rules.regions import region_name
from private_acr_rules.unknown import UNKNOWN

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class NextHop(StrEnum):
    """A route's next hop type, as the API names it (``nextHopType``)."""

    VIRTUAL_APPLIANCE = "VirtualAppliance"
    VIRTUAL_NETWORK_GATEWAY = "VirtualNetworkGateway"
    VNET_LOCAL = "VnetLocal"
    INTERNET = "Internet"
    NONE = "None"
    VNET_PEERING = "VNetPeering"
    SERVICE_ENDPOINT = "VirtualNetworkServiceEndpoint"

    @property
    def inspected(self) -> bool:
        """Traffic goes to a device that filters it: a virtual appliance (a firewall), or a
        gateway (forced tunnelling to an on-premises firewall)."""
        return self in (NextHop.VIRTUAL_APPLIANCE, NextHop.VIRTUAL_NETWORK_GATEWAY)


class RouteSource(IntEnum):
    """Who made a route; the lower wins among routes with the same prefix."""

    USER = 0
    BGP = 1
    SYSTEM = 2


_HOPS = {hop.value.lower(): hop for hop in NextHop} | {"virtualnetwork": NextHop.VNET_LOCAL}


@dataclass(frozen=True)
class Route:
    """One route. ``prefix`` is a network, a service tag as written, or ``None`` when not
    known; ``next_hop`` is ``None`` when not known."""

    name: str
    prefix: Network | str | None
    next_hop: NextHop | None
    next_hop_ip: str | None = None
    source: RouteSource = RouteSource.USER

    def describe(self) -> str:
        prefix = "(unknown prefix)" if self.prefix is None else str(self.prefix)
        hop = "(unknown next hop)" if self.next_hop is None else self.next_hop.value
        via = f" {self.next_hop_ip}" if self.next_hop_ip else ""
        kind = {RouteSource.USER: "route", RouteSource.BGP: "BGP route"}.get(
            self.source, "system route"
        )
        return f"{kind} {self.name!r} ({prefix} -> {hop}{via})"


def _prefix(value: object) -> Network | str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return text


def parse_routes(routes: object, source: RouteSource = RouteSource.USER) -> list[Route]:
    """A route table's ``routes`` (or standalone Route resources' properties); an entry or
    field that is not known yet (``UNKNOWN``) becomes a route that may carry anything."""
    if routes is UNKNOWN:
        return [Route("routes (not known until deployment)", None, None, source=source)]
    parsed: list[Route] = []
    for index, entry in enumerate(documents.items(routes)):
        if entry is UNKNOWN:
            parsed.append(Route(f"routes[{index}]", None, None, source=source))
        data = documents.mapping(entry)
        if not data:
            continue
        name = data.get("name") or data.get("routeName")
        hop = data.get("nextHopType")
        ip = data.get("nextHopIpAddress")
        parsed.append(
            Route(
                name if isinstance(name, str) and name else f"routes[{index}]",
                _prefix(data.get("addressPrefix")),
                _HOPS.get(hop.strip().lower()) if isinstance(hop, str) else None,
                ip if isinstance(ip, str) else None,
                source,
            )
        )
    return parsed


RESERVED_DROPPED: tuple[ipaddress.IPv4Network, ...] = tuple(
    ipaddress.IPv4Network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)
"""The ranges Azure's default system routes send to ``None`` (Learn: RFC 1918 and RFC 6598)."""


def system_routes(address_spaces: Iterable[Network]) -> list[Route]:
    """Azure's default system routes of a subnet in a VNet with ``address_spaces``."""
    spaces = list(address_spaces)
    routes = [
        Route(f"VNet {space}", space, NextHop.VNET_LOCAL, source=RouteSource.SYSTEM)
        for space in spaces
    ]
    routes.append(
        Route(
            "default",
            ipaddress.IPv4Network("0.0.0.0/0"),
            NextHop.INTERNET,
            source=RouteSource.SYSTEM,
        )
    )
    for reserved in RESERVED_DROPPED:
        # A VNet whose address space is or includes a reserved range gets that range as
        # "Virtual network" instead (Learn, "Default"); inside it, the longer VNet route wins.
        if not any(s.version == 4 and reserved.subnet_of(s) for s in spaces):
            routes.append(
                Route(f"reserved {reserved}", reserved, NextHop.NONE, source=RouteSource.SYSTEM)
            )
    return routes


@dataclass(frozen=True)
class RoutePart:
    """A part of a destination and the route that carries it (``route`` ``None``: no route
    holds it, so Azure drops it)."""

    destination: str
    route: Route | None
    certain: bool = True
    """False when the part may be carried by this route or by another (see the docstring)."""

    @property
    def next_hop(self) -> NextHop | None:
        return NextHop.NONE if self.route is None else self.route.next_hop


@dataclass(frozen=True)
class RouteVerdict:
    parts: tuple[RoutePart, ...]

    def through(self, *hops: NextHop) -> list[RoutePart]:
        return [p for p in self.parts if p.next_hop in hops]

    @property
    def dropped(self) -> list[RoutePart]:
        """Parts certainly dropped: a ``None`` next hop, or no route at all."""
        return [p for p in self.parts if p.next_hop is NextHop.NONE and p.certain]

    @property
    def uncertain(self) -> list[RoutePart]:
        return [p for p in self.parts if not p.certain]


Span = tuple[int, int]


def _span(network: Network) -> Span:
    return int(network.network_address), int(network.broadcast_address)


def _pieces(
    target: Sequence[Span], routes: Sequence[tuple[Network, Route]]
) -> list[tuple[Span, Route | None]]:
    """``target`` split by longest prefix match over ``routes`` (one family); a piece no route
    holds maps to ``None``."""
    ranked = sorted(routes, key=lambda item: (-item[0].prefixlen, item[1].source))
    remaining = tuple(target)
    pieces: list[tuple[Span, Route | None]] = []
    for network, route in ranked:
        span = (_span(network),)
        inside = nsg.intersect(remaining, span)
        pieces += [(piece, route) for piece in inside]
        remaining = nsg.subtract(remaining, span)
    pieces += [(piece, None) for piece in remaining]
    return pieces


def _label(family: int, span: Span) -> str:
    kind = ipaddress.IPv4Address if family == 4 else ipaddress.IPv6Address
    blocks = ipaddress.summarize_address_range(kind(span[0]), kind(span[1]))
    return ", ".join(str(b) for b in blocks)


class RouteTable:
    """A subnet's effective routes: user-defined, BGP and system routes together.

    For callers (the preflight, the pack, a reachability check)::

        table = RouteTable([*parse_routes(rt["routes"]), *system_routes(vnet_spaces)])
        table.route_to(ipaddress.ip_network("10.70.4.0/24")).parts   # each part and its route
        table.route_to_tag("Storage").dropped                         # parts sent to None
    """

    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes = tuple(routes)
        self.unknown = tuple(r for r in self.routes if r.prefix is None or r.next_hop is None)

    def _explicit(self, family: int) -> list[tuple[Network, Route]]:
        return [
            (r.prefix, r)
            for r in self.routes
            if isinstance(r.prefix, ipaddress.IPv4Network | ipaddress.IPv6Network)
            and r.prefix.version == family
            and r.next_hop is not None
        ]

    def _with_unknown(self, parts: list[RoutePart]) -> RouteVerdict:
        if not self.unknown:
            return RouteVerdict(tuple(parts))
        # A route whose prefix or hop is not known may take any part, so none is certain.
        doubtful = [RoutePart(p.destination, p.route, certain=False) for p in parts]
        doubtful += [RoutePart("any part", r, certain=False) for r in self.unknown]
        return RouteVerdict(tuple(doubtful))

    def route_to(self, destination: Network) -> RouteVerdict:
        """The route of each part of an explicit destination range, by longest prefix."""
        pieces = _pieces((_span(destination),), self._explicit(destination.version))
        parts = [RoutePart(_label(destination.version, s), r) for s, r in _merged(pieces)]
        return self._with_unknown(parts)

    def route_to_tag(self, tag: str, family: int = 4) -> RouteVerdict:
        """The route of a service tag's addresses (``Storage``, ``Storage.EastUS2``)."""
        base, _, region = tag.lower().partition(".")
        region = region_name(region) if region else ""
        tagged = {
            _tag_key(r.prefix): r
            for r in self.routes
            if isinstance(r.prefix, str) and r.next_hop is not None
        }
        contains = [base, *([] if base in nsg.NOT_IN_AZURE_CLOUD else [nsg.AZURE_CLOUD])]
        parts: list[RoutePart] = []
        if not region:
            # Routes of the tag's regional forms carry those regions' parts of it.
            regional = {
                key.partition(".")[2]: tagged[key]
                for name in reversed(contains)
                for key in tagged
                if key.startswith(f"{name}.")
            }
            parts += [RoutePart(f"{tag} in {r}", route) for r, route in sorted(regional.items())]
        wanted = [f"{name}.{region}" for name in contains if region] + contains
        whole = next((tagged[w] for w in wanted if w in tagged), None)
        rest = f"the rest of {tag}" if parts else tag
        if whole is None:
            return self._with_unknown(parts + self._by_prefix(family, rest))
        parts.append(RoutePart(rest, whole))
        return self._with_unknown(parts + self._may_override(family, tag))

    def _by_prefix(self, family: int, tag: str) -> list[RoutePart]:
        """A tag's route from the explicit prefixes: the public address space split by them."""
        space = nsg.ADDRESS_SPACE[family]
        dropped = tuple(_span(n) for n in RESERVED_DROPPED if n.version == family)
        pieces = _merged(_pieces(nsg.subtract((space,), dropped), self._explicit(family)))
        routes = {id(r): r for _, r in pieces}
        if len({(r.next_hop if r else None) for r in routes.values()}) == 1:
            # Every public address goes the same way, so every address of the tag does.
            return [RoutePart(tag, r) for r in routes.values()]
        return [RoutePart(f"part of {tag}", r, certain=False) for r in routes.values()]

    def _may_override(self, family: int, tag: str) -> list[RoutePart]:
        """Explicit routes narrower than half the address space that hold public addresses:
        one of them may be more specific than some prefix of the tag (both are unknown)."""
        space = nsg.ADDRESS_SPACE[family]
        dropped = tuple(_span(n) for n in RESERVED_DROPPED if n.version == family)
        public = nsg.subtract((space,), dropped)
        return [
            RoutePart(f"part of {tag}", route, certain=False)
            for network, route in self._explicit(family)
            if network.prefixlen >= 2 and nsg.intersect(public, (_span(network),))
        ]


def _tag_key(tag: str) -> str:
    base, _, region = tag.lower().partition(".")
    return f"{base}.{region_name(region)}" if region else base


def _merged(pieces: list[tuple[Span, Route | None]]) -> list[tuple[Span, Route | None]]:
    """Adjacent pieces of one route joined, in address order."""
    merged: list[tuple[Span, Route | None]] = []
    for span, route in sorted(pieces, key=lambda p: p[0]):
        if merged and merged[-1][1] is route and merged[-1][0][1] + 1 == span[0]:
            merged[-1] = ((merged[-1][0][0], span[1]), route)
        else:
            merged.append((span, route))
    return merged
