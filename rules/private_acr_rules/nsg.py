"""Network security group evaluation: is a flow allowed, as Azure decides it?

Plain rule dicts in the camelCase shape both Pulumi inputs and ``az network nsg show`` use
(``securityRules`` entries, flattened properties) go in; a ``Verdict`` comes out, saying which
rule decided each part of the flow. Nothing here imports Pulumi: the components, the stack
settings (to verify an existing subnet's NSG) and the policy pack all call it.

Semantics and their sources (Microsoft Learn, virtual-network/network-security-groups-overview,
"Security rules" and "Default security rules"; virtual-network/service-tags-overview;
virtual-network/application-security-groups; REST ``SecurityRulePropertiesFormat``):

- Rules are processed in priority order, lower number first; "once traffic matches a rule,
  processing stops". Rules apply to one direction, ``Inbound`` or ``Outbound``, and ``access``
  is ``Allow`` or ``Deny``. A flow is matched on its five-tuple: source, source port,
  destination, destination port, protocol.
- Protocol: ``Tcp``, ``Udp``, ``Icmp``, ``Esp``, ``Ah`` or ``*`` (Any). Ports exist only for
  TCP and UDP, so a rule limited to some ports never matches ICMP, ESP or AH traffic.
- Ports: a port, a range (``10000-10005``), ``*``, or a list of those
  (``destinationPortRanges``, "augmented security rules"); the portal's comma form is read too.
- Source and destination: ``*``/Any, an IP address, a CIDR block, IPv4 or IPv6, a list of
  them (augmented rules), a service tag, or application security groups. Service tags are read
  case-insensitively, with their regional forms (``Storage.WestUS`` is part of ``Storage``) and
  the classic spellings (``INTERNET``, ``VIRTUAL_NETWORK``, ``AZURE_LOADBALANCER``).
  ``AzureCloud`` is "all datacenter public IP addresses" and so contains every Azure service
  tag (``AzureCloud.<region>`` their regional forms); ``Internet`` is the public address space
  outside the virtual network and "includes the Azure-owned public IP address space".
  ``VirtualNetwork`` holds the VNet's own address space (peered and connected ranges too).
  ``0.0.0.0/0`` holds every IPv4 address and ``::/0`` every IPv6 one.
- Azure appends three default rules per direction at priorities 65000, 65001 and 65500
  (AllowVnetInBound, AllowAzureLoadBalancerInBound, DenyAllInbound; AllowVnetOutBound,
  AllowInternetOutBound, DenyAllOutBound). Learn writes their "all addresses" as
  ``0.0.0.0/0`` and says it "represents all IP addresses", so they are written ``*`` here and
  cover IPv6 as well.

What this model cannot know: service tags are opaque sets of addresses (Azure publishes them
weekly), so an explicit public prefix is never assumed to cover part of a tag, and two
different tags are assumed not to share addresses; only ``*``, a ``/0`` and the containing
tags above do, and so do prefixes that together hold a whole family (``0.0.0.0/1`` with
``128.0.0.0/1``). A value Azure would refuse (``"abc"`` as a port) matches nothing. A field
whose value is ``UNKNOWN`` (a preview) may match anything: the part of the flow such a rule
could decide is reported as undecided rather than guessed. Addresses not known yet (a subnet
whose prefix is computed at deployment, ``addresses([])``) are in the virtual network, so
``*``, ``VirtualNetwork`` or a whole family decide them, but an explicit prefix may or may not
hold them: the evaluation goes on past such a rule, and the part is decided only when every
rule that may have matched it gives the same access (else undecided). Their family is not
known either, so a Deny of them stands only where both IPv4 and IPv6 are denied.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any, Literal, NamedTuple, cast

from private_acr_rules.unknown import UNKNOWN

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Direction = Literal["Inbound", "Outbound"]
Access = Literal["Allow", "Deny"]
Protocol = Literal["Tcp", "Udp", "Icmp", "Esp", "Ah"]
PROTOCOLS: tuple[Protocol, ...] = ("Tcp", "Udp", "Icmp", "Esp", "Ah")
_PORTED: frozenset[str] = frozenset({"Tcp", "Udp"})
_ALL_PORTS: tuple[tuple[int, int], ...] = ((0, 65535),)
_ADDRESS_SPACE = {4: (0, 2**32 - 1), 6: (0, 2**128 - 1)}

Intervals = tuple[tuple[int, int], ...]
"""Sorted, disjoint, inclusive integer ranges (ports or addresses)."""

INTERNET = "internet"
VIRTUAL_NETWORK = "virtualnetwork"
AZURE_CLOUD = "azurecloud"
_CLASSIC_TAGS = {
    "internet": INTERNET,
    "virtual_network": VIRTUAL_NETWORK,
    "azure_loadbalancer": "azureloadbalancer",
}
_NOT_IN_AZURE_CLOUD = frozenset(
    {
        INTERNET,
        VIRTUAL_NETWORK,
        "azureloadbalancer",
        "azureplatformdns",
        "azureplatformimds",
        "azureplatformlkm",
    }
)
"""Tags that are not Azure datacenter public addresses (the host's virtual IPs, your VNet)."""
_DOTTED_TAGS = frozenset(
    {"azurefrontdoor.frontend", "azurefrontdoor.backend", "azurefrontdoor.firstparty"}
)
"""Tags whose name holds a dot that is not a region."""


# Interval arithmetic ------------------------------------------------------------------------


def _intersect(a: Intervals, b: Intervals) -> Intervals:
    out: list[tuple[int, int]] = []
    for low_a, high_a in a:
        for low_b, high_b in b:
            low, high = max(low_a, low_b), min(high_a, high_b)
            if low <= high:
                out.append((low, high))
    return tuple(sorted(out))


def _subtract(a: Intervals, b: Intervals) -> Intervals:
    out: list[tuple[int, int]] = []
    for low, high in a:
        pieces = [(low, high)]
        for cut_low, cut_high in b:
            next_pieces: list[tuple[int, int]] = []
            for p_low, p_high in pieces:
                if cut_high < p_low or cut_low > p_high:
                    next_pieces.append((p_low, p_high))
                    continue
                if p_low < cut_low:
                    next_pieces.append((p_low, cut_low - 1))
                if cut_high < p_high:
                    next_pieces.append((cut_high + 1, p_high))
            pieces = next_pieces
        out.extend(pieces)
    return tuple(sorted(out))


def _merge(spans: Iterable[tuple[int, int]]) -> Intervals:
    merged: list[tuple[int, int]] = []
    for low, high in sorted(spans):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return tuple(merged)


intersect = _intersect
subtract = _subtract
merge = _merge
ADDRESS_SPACE = _ADDRESS_SPACE
"""Every address of each family, as one span (``{4: ..., 6: ...}``)."""
NOT_IN_AZURE_CLOUD = _NOT_IN_AZURE_CLOUD


def _span_label(family: int, span: tuple[int, int]) -> str:
    kind = ipaddress.IPv4Address if family == 4 else ipaddress.IPv6Address
    blocks = ipaddress.summarize_address_range(kind(span[0]), kind(span[1]))
    return ", ".join(str(b) for b in blocks)


def _span(network: Network) -> tuple[int, int]:
    return int(network.network_address), int(network.broadcast_address)


def covers_address_space(networks: Iterable[Network], family: int) -> bool:
    """Whether the ``family`` (4 or 6) networks among ``networks`` together hold every
    address of that family: ``0.0.0.0/1`` with ``128.0.0.0/1`` is as open as ``0.0.0.0/0``."""
    spans = _merge(_span(n) for n in networks if n.version == family)
    return spans == (_ADDRESS_SPACE[family],)


# Address selectors (what a rule names) and atoms (the parts of a flow) -----------------------


@dataclass(frozen=True)
class _Selector:
    """A rule's source or destination: the union of what its fields name."""

    everything: bool = False
    networks: tuple[Network, ...] = ()
    tags: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    unknown: bool = False
    text: str = "*"
    maybe: bool = False
    """It also holds addresses not known here (an Azure Firewall rule's FQDNs, resolved when
    traffic flows): beyond what it names, it may or may not hold any address."""


class _Atom(NamedTuple):
    """A part of an endpoint whose addresses every rule either holds wholly or not at all.

    ``span`` is the concrete address range; ``None`` when the addresses are not known (a
    service tag, "any internet host"), in which case only ``*`` or a ``/0`` holds it by address.
    """

    family: int
    span: tuple[int, int] | None
    tags: frozenset[str]
    groups: frozenset[str]
    label: str
    unknown: bool = False
    """The addresses are not known yet (a subnet's prefix in a preview): an explicit prefix
    may or may not hold them, where a tag's opaque addresses are assumed outside it."""

    def split(self, selector: _Selector) -> tuple[list[_Atom], list[_Atom], list[_Atom]]:
        """The parts of this atom the selector holds, those it does not, and those it may
        hold (addresses not known yet against explicit prefixes)."""
        if selector.everything or selector.unknown:
            return [self], [], []
        if self.tags & selector.tags or self.groups & selector.groups:
            return [self], [], []
        networks = [n for n in selector.networks if n.version == self.family]
        if self.span is None:
            if covers_address_space(networks, self.family):
                return [self], [], []
            maybe = selector.maybe or (self.unknown and networks)
            return ([], [], [self]) if maybe else ([], [self], [])
        spans = _merge(_span(n) for n in networks)
        inside = [self._with(s) for s in _intersect((self.span,), spans)]
        outside = [self._with(s) for s in _subtract((self.span,), spans)]
        return (inside, [], outside) if selector.maybe else (inside, outside, [])

    def _with(self, span: tuple[int, int]) -> _Atom:
        label = (
            _span_label(self.family, span)
            if self.span != _ADDRESS_SPACE[self.family]
            else self.label
        )
        return _Atom(self.family, span, self.tags, self.groups, label)


def _tag_token(token: str) -> frozenset[str]:
    """The tags a rule token names, in lower case (``Storage.WestUS`` names only that)."""
    tag = _CLASSIC_TAGS.get(token, token)
    return frozenset({tag})


@functools.lru_cache(maxsize=4096)
def _parse_token(token: str) -> Network | frozenset[str] | None:
    """A CIDR or address, or the tag it names; ``None`` for ``*``/``Any``."""
    text = token.strip().lower()
    if text in ("*", "any"):
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return _tag_token(text)


def _sequence(value: object) -> Sequence[object]:
    return cast(Sequence[object], value) if isinstance(value, list | tuple) else ()


def _values(rule: Mapping[str, Any], singular: str, plural: str) -> list[str] | None:
    """A field given singular or plural, as one list; ``None`` when any part is unknown."""
    values: list[str] = []
    for raw in (rule.get(singular), rule.get(plural)):
        if raw is UNKNOWN:
            return None
        if isinstance(raw, str):
            values.extend(part for part in raw.split(",") if part.strip())
        for item in _sequence(raw):
            if item is UNKNOWN:
                return None
            if isinstance(item, str) and item.strip():
                values.append(item)
    return values


def _group_ids(rule: Mapping[str, Any], key: str) -> frozenset[str] | None:
    raw = rule.get(key)
    if raw is UNKNOWN:
        return None
    ids: set[str] = set()
    for item in _sequence(raw):
        value = cast(Mapping[str, object], item).get("id") if isinstance(item, Mapping) else item
        if value is UNKNOWN:
            return None
        if isinstance(value, str) and value:
            ids.add(value.lower())
    return frozenset(ids)


def _selector(rule: Mapping[str, Any], side: Literal["source", "destination"]) -> _Selector:
    tokens = _values(rule, f"{side}AddressPrefix", f"{side}AddressPrefixes")
    groups = _group_ids(rule, f"{side}ApplicationSecurityGroups")
    if tokens is None or groups is None:
        return _Selector(unknown=True, text="(unknown until deployment)")
    if not tokens and not groups:
        # Azure refuses a rule without an address; reading it as Any errs towards reporting.
        return _Selector(everything=True)
    networks: list[Network] = []
    tags: set[str] = set()
    everything = False
    for token in tokens:
        parsed = _parse_token(token)
        if parsed is None:
            everything = True
        elif isinstance(parsed, frozenset):
            tags |= parsed
        else:
            networks.append(parsed)
    text = ", ".join([*(t.strip() for t in tokens), *sorted(groups)])
    return _Selector(everything, tuple(networks), frozenset(tags), groups, text=text)


Selector = _Selector
"""What a rule's source or destination names (build one with ``address_selector``)."""


def address_selector(
    tokens: Iterable[str], *, maybe: bool = False, text: str | None = None
) -> Selector:
    """A source or destination naming ``tokens``: ``*``/``Any``, addresses, CIDRs and service
    tags, read as an NSG rule's are; ``maybe`` when it also holds addresses not known here.
    No tokens and not ``maybe`` holds nothing."""
    listed = [t for t in tokens if t.strip()]
    networks: list[Network] = []
    tags: set[str] = set()
    everything = False
    for token in listed:
        parsed = _parse_token(token)
        if parsed is None:
            everything = True
        elif isinstance(parsed, frozenset):
            tags |= parsed
        else:
            networks.append(parsed)
    shown = text if text is not None else ", ".join(t.strip() for t in listed) or "(nothing)"
    return _Selector(
        everything, tuple(networks), frozenset(tags), frozenset(), text=shown, maybe=maybe
    )


def unknown_selector(text: str = "(unknown until deployment)") -> Selector:
    """A source or destination not known yet: a rule with one may match any flow."""
    return _Selector(unknown=True, text=text)


def port_spans(tokens: Iterable[str]) -> Intervals:
    """The ports ``tokens`` name (``443``, ``80-90``, ``*``), as a rule's ports are read."""
    return _port_spans(tuple(tokens))


def _ports(rule: Mapping[str, Any], singular: str, plural: str) -> Intervals | None:
    """The ports a rule names; ``None`` when unknown; an empty set for nothing valid."""
    tokens = _values(rule, singular, plural)
    if tokens is None:
        return None
    if not tokens:
        return _ALL_PORTS
    return _port_spans(tuple(tokens))


@functools.lru_cache(maxsize=4096)
def _port_spans(tokens: tuple[str, ...]) -> Intervals:
    spans: list[tuple[int, int]] = []
    for token in tokens:
        text = token.strip().lower()
        if text in ("*", "any"):
            return _ALL_PORTS
        low, _, high = (part.strip() for part in text.partition("-"))
        high = high or low
        if low.isdigit() and high.isdigit() and int(low) <= int(high) <= 65535:
            spans.append((int(low), int(high)))
    return _merge(spans)


# Rules ---------------------------------------------------------------------------------------


def _choice(value: object, options: Sequence[str]) -> str | None:
    if isinstance(value, str):
        for option in options:
            if value.strip().lower() == option.lower():
                return option
    return None


def _direction(value: object) -> Direction | None:
    chosen = _choice(value, ("Inbound", "Outbound"))
    return "Inbound" if chosen == "Inbound" else "Outbound" if chosen else None


def _access(value: object) -> Access | None:
    chosen = _choice(value, ("Allow", "Deny"))
    return "Allow" if chosen == "Allow" else "Deny" if chosen else None


def _number(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


@dataclass(frozen=True)
class SecurityRule:
    """One rule as the evaluator reads it. ``None`` in a field means "not known"."""

    name: str
    priority: int | None
    direction: Direction | None
    access: Access | None
    protocols: frozenset[str] | None
    source: _Selector
    source_ports: Intervals | None
    destination: _Selector
    destination_ports: Intervals | None
    index: int = 0
    default: bool = False

    @property
    def uncertain(self) -> bool:
        """Some field that decides whether or how this rule matches is not known."""
        return (
            self.priority is None
            or self.direction is None
            or self.access is None
            or self.protocols is None
            or self.source.unknown
            or self.destination.unknown
            or self.source_ports is None
            or self.destination_ports is None
        )

    def describe(self) -> str:
        priority = "unknown" if self.priority is None else str(self.priority)
        return f"{self.name!r} (priority {priority})"


def _parse_rule(rule: Mapping[str, Any], index: int = 0, *, default: bool = False) -> SecurityRule:
    # A standalone SecurityRule resource spells its name ``securityRuleName`` in its inputs.
    name = rule.get("name") or rule.get("securityRuleName")
    protocol = rule.get("protocol")
    protocols: frozenset[str] | None
    if protocol is UNKNOWN:
        protocols = None
    elif isinstance(protocol, str) and protocol.strip().lower() in ("*", "any"):
        protocols = frozenset(PROTOCOLS)
    else:
        chosen = _choice(protocol, PROTOCOLS)
        protocols = frozenset({chosen}) if chosen else None
    return SecurityRule(
        name=name if isinstance(name, str) and name else f"securityRules[{index}]",
        priority=_number(rule.get("priority")),
        direction=_direction(rule.get("direction")),
        access=_access(rule.get("access")),
        protocols=protocols,
        source=_selector(rule, "source"),
        source_ports=_ports(rule, "sourcePortRange", "sourcePortRanges"),
        destination=_selector(rule, "destination"),
        destination_ports=_ports(rule, "destinationPortRange", "destinationPortRanges"),
        index=index,
        default=default,
    )


_FIELDS = (
    "name",
    "securityRuleName",
    "priority",
    "direction",
    "access",
    "protocol",
    "sourceAddressPrefix",
    "sourceAddressPrefixes",
    "sourceApplicationSecurityGroups",
    "sourcePortRange",
    "sourcePortRanges",
    "destinationAddressPrefix",
    "destinationAddressPrefixes",
    "destinationApplicationSecurityGroups",
    "destinationPortRange",
    "destinationPortRanges",
)
"""Every field the evaluator reads from a rule."""


def _frozen(value: object) -> object:
    """A hashable copy of a field value; ``TypeError`` when it has no such form."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in _sequence(cast(object, value)))
    if isinstance(value, Mapping):
        mapping = cast(Mapping[str, object], value)
        if set(mapping) != {"id"}:
            raise TypeError("only {id: ...} objects are read")
        return mapping["id"]
    hash(value)
    return value


@functools.lru_cache(maxsize=8192)
def _parse_frozen(values: tuple[object, ...], index: int) -> SecurityRule:
    return _parse_rule(dict(zip(_FIELDS, values, strict=True)), index)


def parse_rule(rule: Mapping[str, Any], index: int = 0) -> SecurityRule:
    """Read one rule dict; odd or missing values never raise (see the module docstring).

    Each distinct rule is parsed once: stacks repeat the same rules across many NSGs."""
    try:
        values = tuple(_frozen(rule.get(f)) for f in _FIELDS)
    except TypeError:
        return _parse_rule(rule, index)
    return _parse_frozen(values, index)


def _defaults(direction: Direction, internet_rule: tuple[str, str, str]) -> list[SecurityRule]:
    vnet = f"AllowVnet{'In' if direction == 'Inbound' else 'Out'}Bound"
    deny = "DenyAllInbound" if direction == "Inbound" else "DenyAllOutBound"
    table = [
        (vnet, 65000, "Allow", "VirtualNetwork", "VirtualNetwork"),
        (internet_rule[0], 65001, "Allow", internet_rule[1], internet_rule[2]),
        (deny, 65500, "Deny", "*", "*"),
    ]
    return [
        _parse_rule(
            {
                "name": name,
                "priority": priority,
                "direction": direction,
                "access": access,
                "protocol": "*",
                "sourceAddressPrefix": source,
                "sourcePortRange": "*",
                "destinationAddressPrefix": destination,
                "destinationPortRange": "*",
            },
            default=True,
        )
        for name, priority, access, source, destination in table
    ]


AZURE_DEFAULT_RULES: tuple[SecurityRule, ...] = (
    *_defaults("Inbound", ("AllowAzureLoadBalancerInBound", "AzureLoadBalancer", "*")),
    *_defaults("Outbound", ("AllowInternetOutBound", "*", "Internet")),
)
"""The rules Azure appends to every NSG (Learn, "Default security rules")."""


# Endpoints and flows -------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """Where a flow starts or ends. Build one with the functions below."""

    kind: Literal["addresses", "tag", "internet", "protected"]
    networks: tuple[Network, ...] = ()
    tag: str = ""
    in_virtual_network: bool = True
    groups: frozenset[str] = frozenset()
    on_internet: bool = False
    """Public addresses outside the VNet: the ``Internet`` tag holds them."""

    def families(self) -> set[int]:
        if self.kind == "addresses" and self.networks:
            return {n.version for n in self.networks}
        return {4, 6}

    def atoms(self, family: int, regions: frozenset[str], groups: frozenset[str]) -> list[_Atom]:
        if self.kind == "addresses":
            return self._address_atoms(family)
        if self.kind == "tag":
            return _tag_atoms(self.tag, family, regions, self.tag)
        if self.kind == "internet":
            host = _Atom(family, None, frozenset({INTERNET}), frozenset(), "any internet host")
            return [host, *_tag_atoms(AZURE_CLOUD, family, regions, "Azure tenants (AzureCloud)")]
        # Whatever the NSG protects: any address of the VNet, in any (or no) group.
        space = _ADDRESS_SPACE[family]
        tags = frozenset({VIRTUAL_NETWORK})
        plain = _Atom(family, space, tags, frozenset(), "any address it protects")
        members = [
            _Atom(family, space, tags, frozenset({g}), f"members of {g.rsplit('/', 1)[-1]}")
            for g in sorted(groups)
        ]
        return [plain, *members]

    def _address_atoms(self, family: int) -> list[_Atom]:
        tags = (
            frozenset({VIRTUAL_NETWORK})
            if self.in_virtual_network
            else frozenset({INTERNET})
            if self.on_internet
            else frozenset[str]()
        )
        if not self.networks:
            return [_Atom(family, None, tags, self.groups, "addresses not known yet", True)]
        return [
            _Atom(family, _span(n), tags, self.groups, str(n))
            for n in self.networks
            if n.version == family
        ]


def _tag_atoms(tag: str, family: int, regions: frozenset[str], label: str) -> list[_Atom]:
    """A service tag split by every region some rule names, plus the rest of it."""
    base = tag.lower()
    contains = {base}
    if base not in _NOT_IN_AZURE_CLOUD:
        contains |= {AZURE_CLOUD, INTERNET}
    atoms = [_Atom(family, None, frozenset(contains), frozenset(), label)]
    if base in _NOT_IN_AZURE_CLOUD or "." in base:
        return atoms
    for region in sorted(regions):
        regional = contains | {f"{base}.{region}"}
        if AZURE_CLOUD in contains:
            regional.add(f"{AZURE_CLOUD}.{region}")
        atoms.append(_Atom(family, None, frozenset(regional), frozenset(), f"{label} in {region}"))
    return atoms


def addresses(
    networks: Iterable[Network],
    *,
    in_virtual_network: bool = True,
    application_security_groups: Iterable[str] = (),
) -> Endpoint:
    """Concrete addresses (a subnet's prefixes); no prefixes means "not known yet"."""
    groups = frozenset(g.lower() for g in application_security_groups)
    return Endpoint("addresses", tuple(networks), "", in_virtual_network, groups)


def internet_addresses(networks: Iterable[Network]) -> Endpoint:
    """Public addresses on the internet, such as ``203.0.113.10/32``: outside the VNet and
    held by the ``Internet`` tag (and ``*``), never assumed to be part of another tag."""
    return Endpoint("addresses", tuple(networks), "", in_virtual_network=False, on_internet=True)


def service_tag(name: str) -> Endpoint:
    """The addresses of an Azure service tag such as ``Storage`` or ``AzureMonitor``."""
    return Endpoint("tag", tag=name)


def internet() -> Endpoint:
    """Any host on the internet, including every other Azure tenant's addresses."""
    return Endpoint("internet")


def protected_addresses() -> Endpoint:
    """Any address an NSG can protect: in the VNet, in any application security group."""
    return Endpoint("protected")


@dataclass(frozen=True)
class Flow:
    """Traffic to decide: one direction and protocol, between two endpoints."""

    direction: Direction
    protocol: Protocol
    source: Endpoint
    destination: Endpoint
    destination_ports: Intervals = _ALL_PORTS
    source_ports: Intervals = _ALL_PORTS

    @classmethod
    def to_ports(
        cls,
        direction: Direction,
        protocol: Protocol,
        source: Endpoint,
        destination: Endpoint,
        ports: Iterable[int],
    ) -> Flow:
        """A flow to the destination ports ``ports`` from any source port."""
        return cls(direction, protocol, source, destination, _merge((p, p) for p in ports))


def ports_in(spans: Intervals, ports: Iterable[int]) -> list[int]:
    """The ``ports`` that fall in ``spans`` (a ``Part``'s destination ports)."""
    return [p for p in ports if any(low <= p <= high for low, high in spans)]


class Part(NamedTuple):
    """A part of a flow and the rule that decides it (``access`` ``None``: not known yet)."""

    source: str
    destination: str
    rule: SecurityRule
    access: Access | None
    destination_ports: Intervals = _ALL_PORTS


@dataclass(frozen=True)
class Verdict:
    parts: tuple[Part, ...]

    @property
    def allowed(self) -> bool:
        """Every part of the flow is allowed."""
        return all(p.access == "Allow" for p in self.parts)

    @property
    def denying(self) -> list[Part]:
        return [p for p in self.parts if p.access == "Deny"]

    @property
    def allowing(self) -> list[Part]:
        return [p for p in self.parts if p.access == "Allow"]

    @property
    def undecided(self) -> list[Part]:
        return [p for p in self.parts if p.access is None]


# Evaluation ----------------------------------------------------------------------------------


class _Box(NamedTuple):
    source: _Atom
    destination: _Atom
    source_ports: Intervals
    destination_ports: Intervals
    maybe: tuple[SecurityRule, ...] = ()
    """Earlier rules that may have matched this box (addresses not known yet): it went on,
    and the rule that finally matches it decides only if they would all have agreed."""


class _Split(NamedTuple):
    matched: list[_Box]
    rest: list[_Box]
    """The parts the rule does not match: they go on to later rules."""
    maybe: list[_Box]
    """The parts it may match: they go on too, remembering the rule."""


def _split_box(box: _Box, rule: SecurityRule, ported: bool) -> _Split | None:
    """``box`` split by ``rule``; ``None`` when the rule cannot match any of it."""
    dst_rule = rule.destination_ports if rule.destination_ports is not None else _ALL_PORTS
    src_rule = rule.source_ports if rule.source_ports is not None else _ALL_PORTS
    # No ports on ICMP, ESP or AH: a rule limited to ports cannot match them.
    if not ported and (dst_rule != _ALL_PORTS or src_rule != _ALL_PORTS):
        return None
    src_in, src_out, src_maybe = box.source.split(rule.source)
    dst_in, dst_out, dst_maybe = box.destination.split(rule.destination)
    if not (src_in or src_maybe) or not (dst_in or dst_maybe):
        return None
    dst_ports = _intersect(box.destination_ports, dst_rule) if ported else box.destination_ports
    src_ports = _intersect(box.source_ports, src_rule) if ported else box.source_ports
    if not dst_ports or not src_ports:
        return None
    ports = (box.source_ports, box.destination_ports, box.maybe)
    sources = [*src_in, *src_maybe]
    rest = [_Box(a, box.destination, *ports) for a in src_out]
    rest += [_Box(s, d, *ports) for s in sources for d in dst_out]
    pairs = list(product(sources, [*dst_in, *dst_maybe]))
    if ported:
        left_dst = _subtract(box.destination_ports, dst_rule)
        left_src = _subtract(box.source_ports, src_rule)
        rest += [_Box(s, d, box.source_ports, left_dst, box.maybe) for s, d in pairs if left_dst]
        rest += [_Box(s, d, left_src, dst_ports, box.maybe) for s, d in pairs if left_src]
    split = _Split([], rest, [])
    for s, d in pairs:
        if s in src_maybe or d in dst_maybe:
            split.maybe.append(_Box(s, d, src_ports, dst_ports, (*box.maybe, rule)))
        else:
            split.matched.append(_Box(s, d, src_ports, dst_ports, box.maybe))
    return split


def _decided(box: _Box, rule: SecurityRule, access: Access | None) -> Part:
    """The part ``rule`` matches. Had an earlier rule matched instead (``box.maybe``), the
    verdict stands only if it is the same; the part then names the first such rule."""
    if box.maybe:
        possible = {None if r.uncertain else r.access for r in box.maybe} | {access}
        rule, access = box.maybe[0], access if len(possible) == 1 else None
    return Part(box.source.label, box.destination.label, rule, access, box.destination_ports)


class RuleSet:
    """An NSG's custom rules, parsed and ordered once; ``evaluate`` appends Azure's defaults.

    For callers outside the pack (the settings verifying an existing subnet's NSG)::

        rules = RuleSet(nsg["securityRules"])          # az network nsg show, or Pulumi inputs
        flow = Flow.to_ports("Outbound", "Tcp", addresses(prefixes), service_tag("Storage"), [443])
        rules.evaluate(flow).denying                    # the parts some rule denies, and the rule
        is_allowed(rules, flow)                         # True, False, or None (not known yet)
    """

    def __init__(self, rules: Iterable[Mapping[str, Any] | SecurityRule]) -> None:
        parsed = [
            r if isinstance(r, SecurityRule) else parse_rule(r, i) for i, r in enumerate(rules)
        ]
        # A rule whose priority is not known could sit anywhere: it goes first, undecided.
        self.custom = tuple(
            sorted(parsed, key=lambda r: (r.priority is not None, r.priority or 0, r.index))
        )

    def evaluate(self, flow: Flow) -> Verdict:
        return _evaluate(self.custom, flow)


@functools.lru_cache(maxsize=1024)
def _evaluate(custom: tuple[SecurityRule, ...], flow: Flow) -> Verdict:
    """One flow under one list of rules; NSGs that repeat the same rules share the result."""
    return _Evaluation(custom).run(flow)


def evaluate_in_order(
    rules: Sequence[SecurityRule], flow: Flow, defaults: Sequence[SecurityRule] = ()
) -> Verdict:
    """``flow`` under ``rules`` taken in the order given (first match wins, as in an NSG), then
    ``defaults``: for rule sets that are not NSGs, such as an Azure Firewall policy's
    (``private_acr_rules.firewall``), with the same address, tag and unknown handling."""
    return _Evaluation(tuple(rules), tuple(defaults)).run(flow)


class _Evaluation:
    def __init__(
        self,
        custom: tuple[SecurityRule, ...],
        defaults: tuple[SecurityRule, ...] = AZURE_DEFAULT_RULES,
    ) -> None:
        self.ordered = [*custom, *defaults]
        self.regions = frozenset(_regions(custom))
        self.groups = frozenset(
            g for r in custom for g in (*r.source.groups, *r.destination.groups)
        )

    def run(self, flow: Flow) -> Verdict:
        families = flow.source.families() & flow.destination.families()
        return Verdict(_settle([self._evaluate_family(flow, f) for f in sorted(families)]))

    def _evaluate_family(self, flow: Flow, family: int) -> list[tuple[Part, bool]]:
        """The parts of the flow in one address family, each flagged when its addresses are
        not known yet."""
        pending = [
            _Box(s, d, flow.source_ports, flow.destination_ports)
            for s in flow.source.atoms(family, self.regions, self.groups)
            for d in flow.destination.atoms(family, self.regions, self.groups)
        ]
        ported = flow.protocol in _PORTED
        parts: list[tuple[Part, bool]] = []
        for rule in self.ordered:
            if not pending:
                break
            if rule.direction not in (None, flow.direction):
                continue
            if rule.protocols is not None and flow.protocol not in rule.protocols:
                continue
            access = None if rule.uncertain else rule.access
            remaining: list[_Box] = []
            for box in pending:
                split = _split_box(box, rule, ported)
                if split is None:
                    remaining.append(box)
                    continue
                remaining.extend(split.rest)
                remaining.extend(split.maybe)
                parts.extend(
                    (_decided(m, rule, access), m.source.unknown or m.destination.unknown)
                    for m in split.matched
                )
            pending = remaining
        return parts


def _settle(families: Sequence[list[tuple[Part, bool]]]) -> tuple[Part, ...]:
    """The parts of every family, where a Deny of addresses not known yet stands only for
    the destination ports every family denies: whether those addresses are IPv4, IPv6 or
    both is not known either, so a Deny of one family alone leaves the flow undecided."""
    unknown = [[p for p, flagged in family if flagged] for family in families]
    unknown = [parts for parts in unknown if parts]
    if len(unknown) < 2:
        return tuple(p for family in families for p, _ in family)
    denied: dict[str, Intervals] | None = None
    for parts in unknown:
        here: dict[str, list[tuple[int, int]]] = {}
        for part in parts:
            if part.access == "Deny":
                here.setdefault(part.destination, []).extend(part.destination_ports)
        merged = {d: _merge(spans) for d, spans in here.items()}
        denied = (
            merged
            if denied is None
            else {d: _intersect(spans, merged[d]) for d, spans in denied.items() if d in merged}
        )
    everywhere = denied or {}
    settled: list[Part] = []
    for part, flagged in (entry for family in families for entry in family):
        if not flagged or part.access != "Deny":
            settled.append(part)
            continue
        sure = _intersect(part.destination_ports, everywhere.get(part.destination, ()))
        doubt = _subtract(part.destination_ports, sure)
        settled += [part._replace(destination_ports=sure)] if sure else []
        settled += [part._replace(access=None, destination_ports=doubt)] if doubt else []
    return tuple(settled)


def _regions(rules: Iterable[SecurityRule]) -> set[str]:
    regions: set[str] = set()
    for rule in rules:
        for tag in (*rule.source.tags, *rule.destination.tags):
            base, dot, region = tag.rpartition(".")
            if dot and base and tag not in _DOTTED_TAGS:
                regions.add(region)
    return regions


def evaluate(rules: Iterable[Mapping[str, Any]] | RuleSet, flow: Flow) -> Verdict:
    """How Azure decides ``flow`` under ``rules`` (the NSG's custom rules, any order)."""
    ruleset = rules if isinstance(rules, RuleSet) else RuleSet(rules)
    return ruleset.evaluate(flow)


def is_allowed(rules: Iterable[Mapping[str, Any]] | RuleSet, flow: Flow) -> bool | None:
    """``True`` when all of ``flow`` is allowed, ``False`` when some of it is denied,
    ``None`` when the answer depends on values not known yet."""
    verdict = evaluate(rules, flow)
    if verdict.denying:
        return False
    return None if verdict.undecided else True
