"""Proof of reach: can a build on an agent pool reach a private dependency, and if not, why?

For each agent pool and each private dependency (a registry's login server and its regional
data endpoints, any other private endpoint, an internal registry at an address and port) the
model gives four verdicts, each ``ok``, ``broken`` (with the reason and the fix) or
``not_checked`` (with what would decide it). Nothing here imports Pulumi or reads a stack: the
policy pack, the program's preflight and the review's matrix describe what they know in the
dataclasses below (``Unknown`` where they do not know) and call :func:`evaluate`, so the three
cannot disagree.

- **name** (Learn, private-link/private-endpoint-dns-integration; container-registry-private-
  endpoints, "DNS configuration options"): with Azure-provided DNS (no custom servers on the
  agents' VNet) a name resolves to the endpoint when a private DNS zone holding its record is
  linked to the agents' VNet; the record is written by the endpoint's DNS zone group, or by an
  Azure Policy (deploy-if-not-exists) that adds the zone group, into the zone the agents look
  the name up in (the cloud's ``privatelink`` zone, ``clouds.zone_for``). Custom DNS servers are
  inherited by the agents (Learn, tasks-agent-pools, "Using custom DNS"); they resolve the name
  privately only if they forward its public zone (``azurecr.io``) to Azure DNS (168.63.129.16)
  from a VNet linked to the zone, or host the records, which a plan cannot show.
- **route** (Learn, virtual-networks-udr-overview; private-link/disable-private-endpoint-network-
  policy): the agent subnet's effective route to the endpoint's addresses, by longest prefix
  over its route table and Azure's system routes (``routes.RouteTable``, the evaluator the
  firewall check uses). A private endpoint adds a /32 route for its address to every subnet of
  its VNet and of directly peered VNets, which beats any other route unless the endpoint
  subnet's route-table network policies are on ("the /32 routes ... will be invalidated if you
  have User-Defined Routing"). A private address outside the VNet that no peering, gateway or
  user route leads to is ``not_checked``: such links are often owned elsewhere.
- **filter** (Learn, network-security-groups-overview): the agent subnet's NSG outbound and, when
  the endpoint subnet's NSG network policies are on, the endpoint subnet's NSG inbound, for TCP
  to the dependency's port (443, or an internal registry's), by ``nsg``'s evaluator.
- **target**: the resource accepts the path: a private endpoint connection to it exists for the
  right group id, and its public network access is off, so the private path is the only one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from private_acr_rules import cidr, nsg, routes
from private_acr_rules.unknown import UNKNOWN

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

AZURE_DNS = "168.63.129.16"
"""Azure's recursive resolver, the forwarder custom DNS servers must use for private zones."""

ASPECTS = ("name", "route", "filter", "target")


class Verdict(StrEnum):
    """One verdict of a cell, as ``--json`` writes it."""

    OK = "ok"
    BROKEN = "broken"
    NOT_CHECKED = "not_checked"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


_SEVERITY = {Verdict.OK: 0, Verdict.NOT_CHECKED: 1, Verdict.BROKEN: 2}


@dataclass(frozen=True)
class Unknown:
    """A fact the caller does not know; ``why`` says what would decide it."""

    why: str


@dataclass(frozen=True)
class Reason:
    text: str
    fix: str = ""
    """What to change (for a broken verdict)."""
    subject: str = ""
    """What the reason is about, opaque here (the pack puts a URN, the preflight an id)."""


@dataclass(frozen=True)
class Part:
    """One verdict (name, route, filter or target) and why."""

    verdict: Verdict
    reasons: tuple[Reason, ...] = ()


def ok(text: str = "") -> Part:
    return Part(Verdict.OK, (Reason(text),) if text else ())


def broken(text: str, fix: str, subject: str = "") -> Part:
    return Part(Verdict.BROKEN, (Reason(text, fix, subject),))


def not_checked(text: str, subject: str = "") -> Part:
    return Part(Verdict.NOT_CHECKED, (Reason(text, "", subject),))


def worst(parts: Iterable[Part]) -> Part:
    """The parts together: the worst verdict, with the reasons of every part that has it."""
    listed = list(parts)
    if not listed:
        return Part(Verdict.OK)
    verdict = max((p.verdict for p in listed), key=_SEVERITY.__getitem__)
    reasons = tuple(r for p in listed if p.verdict is verdict for r in p.reasons)
    return Part(verdict, tuple(dict.fromkeys(reasons)))


# What a caller knows --------------------------------------------------------------------------


@dataclass(frozen=True)
class ZoneLink:
    """A private DNS zone's link to a VNet."""

    vnet: str
    """The linked VNet, for a message."""
    to_agents: bool | None
    """The link is to the agents' VNet; ``None`` when its VNet is not known yet."""


@dataclass(frozen=True)
class Zone:
    """A private DNS zone the dependency's record is written to."""

    name: str | None
    """The zone's name (``privatelink.azurecr.io``); ``None`` when not known yet."""
    label: str
    """How a message names it."""
    links: tuple[ZoneLink, ...] | Unknown
    """Every VNet link of the zone, or why they are not known."""
    subject: str = ""


@dataclass(frozen=True)
class Record:
    """How a dependency's name is meant to resolve privately."""

    fqdn: str
    """The name the builds use (``acr.azurecr.io``, ``acr.westus3.data.azurecr.io``)."""
    lookup_zone: str | None
    """The zone the agents look the name up in (the cloud's ``privatelink`` zone for the group
    id); ``None`` when that is not known (an unknown group, an unknown cloud)."""
    public_zone: str
    """The name's public zone, which custom DNS servers must forward (``azurecr.io``)."""
    zones: tuple[Zone, ...] | Unknown
    """The zones the record is written to: the zone group's, or the zone Azure Policy writes to.
    Empty: nothing writes it."""
    writer: str
    """Who writes the record, for a message ("zone group pe-dns", "Azure Policy")."""
    missing_fix: str = ""
    """How to get the record written, when nothing writes it."""
    subject: str = ""
    internal: bool = False
    """A name of the builds' own (an internal registry), not an Azure service's: custom DNS
    servers answer it from their own zones, not by forwarding to Azure."""


@dataclass(frozen=True)
class Nsg:
    """An NSG: its rules, parsed once (``nsg.RuleSet``)."""

    label: str
    rules: nsg.RuleSet
    subject: str = ""


@dataclass(frozen=True)
class Agents:
    """One agent pool and where its builds run."""

    pool: str
    subnet: str
    """The agent subnet, for a message."""
    prefixes: tuple[Network, ...] | Unknown
    vnet: str
    """The agents' VNet, for a message."""
    vnet_spaces: tuple[Network, ...] | Unknown
    """The VNet's address space (the system route ``VnetLocal``)."""
    dns_servers: tuple[str, ...] | Unknown
    """The VNet's custom DNS servers; empty for Azure-provided DNS."""
    nsg: Nsg | Unknown | None
    """The agent subnet's NSG (``None``: it has none)."""
    route_table: str | None
    """The agent subnet's route table, for a message (``None``: it has none)."""
    user_routes: tuple[routes.Route, ...] | Unknown
    """Its routes (empty without a route table)."""
    peered: tuple[routes.Route, ...] | Unknown
    """Optional system routes: a ``VNetPeering`` route per address range of each peered VNet,
    a gateway's routes, each with ``source`` ``SYSTEM``."""
    route_subject: str = ""


@dataclass(frozen=True)
class Endpoint:
    """The private endpoint a dependency is reached through."""

    subnet: str
    """Its subnet, for a message."""
    own_route: bool | Unknown
    """Its /32 routes reach the agent subnet: the agents are in its VNet or a directly peered
    one (Learn: "propagated to all the subnets in its own VNet and directly peered VNets")."""
    route_policies: bool | Unknown
    """Route tables apply to it: ``privateEndpointNetworkPolicies`` ``Enabled`` or
    ``RouteTableEnabled``."""
    nsg_policies: bool | Unknown
    """NSGs apply to it: ``Enabled`` or ``NetworkSecurityGroupEnabled``."""
    nsg: Nsg | Unknown | None
    """The endpoint subnet's NSG (``None``: it has none)."""


Connection = Literal["approved", "manual", "refused", "none"]


@dataclass(frozen=True)
class Target:
    """The resource a private dependency leads to."""

    resource: str
    """How a message names it."""
    group_id: str
    connection: Connection | Unknown
    """``approved``: a private endpoint connection exists for the group id (one the stack
    creates is approved automatically when its creator may approve it); ``manual``: it waits
    for the owner's approval; ``refused``: its owner rejected or removed it; ``none``: no
    connection. Learn, private-endpoint-overview: "Only a private endpoint in an approved state
    can send traffic to a given private link resource"."""
    public_access: bool | Unknown
    """Public network access is on."""
    subject: str = ""


@dataclass(frozen=True)
class Dependency:
    """Something private a build reaches."""

    label: str
    """The matrix row: a name (``acr.azurecr.io``) or what it is."""
    record: Record | Unknown
    addresses: tuple[Network, ...] | Unknown
    """Where it is: the endpoint subnet's prefixes (the endpoint's address is one of them) or
    an internal registry's address."""
    port: int = 443
    endpoint: Endpoint | None = None
    """The private endpoint; ``None`` for an address reached directly (an internal registry)."""
    target: Target | Unknown = field(default_factory=lambda: Unknown("not shown"))
    kind: str = "endpoint"
    """``registry``, ``data``, ``geo``, ``endpoint`` or ``private-registry``, for readers."""


# The verdicts ---------------------------------------------------------------------------------


def name_verdict(agents: Agents, record: Record | Unknown) -> Part:
    """Does the agents' DNS lead to a zone holding the dependency's record?"""
    if isinstance(record, Unknown):
        return not_checked(record.why)
    servers = agents.dns_servers
    if isinstance(servers, Unknown):
        return not_checked(f"the DNS servers of VNet {agents.vnet} ({servers.why})")
    if set(servers) == {AZURE_DNS}:
        servers = ()  # Azure DNS named as a custom server: the same resolver as Azure-provided
    if servers and record.internal:
        return not_checked(
            f"{record.fqdn}: the agents resolve it through the custom DNS servers "
            f"{', '.join(servers)} of VNet {agents.vnet}, which the plan does not show"
        )
    if servers:
        via = f" from a VNet linked to {record.lookup_zone}" if record.lookup_zone else ""
        host = f", or host {record.lookup_zone}'s records" if record.lookup_zone else ""
        return not_checked(
            f"{record.fqdn}: the agents use the custom DNS servers {', '.join(servers)} of VNet "
            f"{agents.vnet}, which must forward {record.public_zone} to Azure DNS "
            f"({AZURE_DNS}){via}{host}; the plan does not show how they resolve"
        )
    zones = record.zones
    if isinstance(zones, Unknown):
        return not_checked(f"{record.fqdn}: the zone its record is written to ({zones.why})")
    if not zones:
        return broken(
            f"nothing writes {record.fqdn}'s record into a private DNS zone ({record.writer}), so "
            f"it resolves to the public address, which refuses the agents",
            record.missing_fix,
            record.subject,
        )
    verdicts = [_zone_verdict(agents, record, zone) for zone in zones]
    best = min(verdicts, key=lambda p: _SEVERITY[p.verdict])
    return best if best.verdict is not Verdict.BROKEN else worst(verdicts)


def _zone_verdict(agents: Agents, record: Record, zone: Zone) -> Part:
    if zone.name is None:
        return not_checked(f"{record.fqdn}: the name of {zone.label} (not known until deployment)")
    if record.lookup_zone is not None and zone.name.lower() != record.lookup_zone:
        return broken(
            f"{record.writer} writes {record.fqdn}'s record into {zone.label}, but the agents look "
            f"it up in {record.lookup_zone}",
            f"write the record into a {record.lookup_zone} zone",
            zone.subject or record.subject,
        )
    links = zone.links
    if isinstance(links, Unknown):
        return not_checked(f"{record.fqdn}: the VNet links of {zone.label} ({links.why})")
    if any(link.to_agents for link in links):
        return ok(
            f"{zone.label} is linked to VNet {agents.vnet}; {record.writer} writes the record"
        )
    if any(link.to_agents is None for link in links):
        return not_checked(
            f"{record.fqdn}: whether {zone.label} is linked to VNet {agents.vnet} (a link's VNet "
            "is not known until deployment)"
        )
    others = sorted({link.vnet for link in links})
    linked = f"only to VNet {', '.join(others)}" if others else "to no VNet"
    return broken(
        f"{zone.label} is linked {linked}, not to the agents' VNet {agents.vnet}, so "
        f"{record.fqdn} resolves to its public address there",
        f"link {zone.label} to VNet {agents.vnet} (a virtual network link, registration off)",
        zone.subject,
    )


def _route_through(route: routes.Route) -> str:
    via = f" {route.next_hop_ip}" if route.next_hop_ip else ""
    hop = route.next_hop.value if route.next_hop else "an unknown next hop"
    return f"{hop}{via}"


def route_verdict(agents: Agents, dependency: Dependency) -> Part:
    """Where the agent subnet's routes send the dependency's addresses."""
    addresses = dependency.addresses
    if isinstance(addresses, Unknown):
        return not_checked(f"the route to {dependency.label} ({addresses.why})")
    endpoint = dependency.endpoint
    own = endpoint.own_route if endpoint is not None else False
    policies = endpoint.route_policies if endpoint is not None else False
    if endpoint is not None and own is True and policies is False:
        return ok(f"the endpoint's own /32 route wins over any route table ({endpoint.subnet})")
    spaces, user = agents.vnet_spaces, agents.user_routes
    if isinstance(spaces, Unknown):
        return not_checked(
            f"the route to {dependency.label}: the address space of VNet {agents.vnet} "
            f"({spaces.why})"
        )
    if isinstance(user, Unknown):
        return not_checked(
            f"the route to {dependency.label}: the routes of route table {agents.route_table} "
            f"({user.why})"
        )
    # Peerings not shown add no route: what only they could carry is "not shown" below.
    peered = () if isinstance(agents.peered, Unknown) else agents.peered
    unshown = (
        f"; the peerings of VNet {agents.vnet}: {agents.peered.why}"
        if isinstance(agents.peered, Unknown)
        else ""
    )
    table = routes.RouteTable([*user, *routes.system_routes(spaces), *peered])
    parts = [
        _route_part(agents, dependency, part, (own, policies), unshown)
        for network in addresses
        for part in table.route_to(network).parts
    ]
    return worst(parts)


def _route_part(
    agents: Agents,
    dependency: Dependency,
    part: routes.RoutePart,
    endpoint: tuple[bool | Unknown, bool | Unknown],
    unshown: str,
) -> Part:
    own, policies = endpoint
    route = part.route
    where = f"{dependency.label} ({part.destination})"
    if not part.certain:
        shown = route.describe() if route else "a route not known yet"
        return not_checked(f"whether {shown} carries the traffic to {where}")
    if route is None or route.next_hop is None:
        return not_checked(f"the route to {where}")
    hop = route.next_hop
    if route.source is not routes.RouteSource.USER:
        if hop in (routes.NextHop.VNET_LOCAL, routes.NextHop.VNET_PEERING):
            return ok(f"{route.describe()} carries it")
        return not_checked(
            f"connectivity not shown: {where} is outside VNet {agents.vnet} and no peering, "
            f"gateway or route in the stack or the snapshot leads there{unshown}"
        )
    # A user route: it decides unless the endpoint's own /32 route wins, or a longer peering
    # route the caller could not show.
    if unshown and not _inside(part.destination, agents.vnet_spaces):
        return not_checked(
            f"whether a peering of VNet {agents.vnet} carries the traffic to {where} before "
            f"{route.describe()}{unshown}"
        )
    if own is True and isinstance(policies, Unknown):
        return not_checked(
            f"whether {route.describe()} of route table {agents.route_table} overrides the "
            f"endpoint's /32 route to {where} (its subnet's route-table network policies: "
            f"{policies.why})"
        )
    if isinstance(own, Unknown) and policies is not True:
        return not_checked(
            f"whether the endpoint's /32 route reaches subnet {agents.subnet} ({own.why}); else "
            f"{route.describe()} carries the traffic to {where}"
        )
    invalidated = (
        " (the endpoint subnet's route-table network policies are on, so its /32 route gives way)"
        if own is True
        else ""
    )
    if hop is routes.NextHop.NONE:
        return broken(
            f"route table {agents.route_table} of subnet {agents.subnet} drops the traffic to "
            f"{where}: {route.describe()}{invalidated}",
            f"remove or narrow {route.describe()}, or route {part.destination} to the VNet",
            agents.route_subject,
        )
    if hop in (routes.NextHop.VNET_LOCAL, routes.NextHop.VNET_PEERING):
        return ok(f"{route.describe()} carries it")
    if hop.inspected:
        return not_checked(
            f"{route.describe()} sends the traffic to {where} through {_route_through(route)}, "
            f"which must forward TCP {dependency.port} to it"
        )
    return broken(
        f"route table {agents.route_table} of subnet {agents.subnet} sends the traffic to {where} "
        f"to the internet ({route.describe()}){invalidated}, where a private address is not "
        "reachable",
        f"route {part.destination} to the VNet, a peering or a firewall that forwards it",
        agents.route_subject,
    )


def _inside(destination: str, spaces: tuple[Network, ...] | Unknown) -> bool:
    """Whether a route part's destination (one or more CIDRs) lies in the VNet's spaces."""
    if isinstance(spaces, Unknown):
        return False
    blocks = [ipaddress.ip_network(b.strip()) for b in destination.split(",")]
    return all(cidr.inside_any(block, spaces) for block in blocks)


def _nsg_part(
    group: Nsg | Unknown | None,
    flow: nsg.Flow,
    subnet: str,
    dependency: Dependency,
    direction: str,
) -> Part:
    if group is None:
        return ok()
    if isinstance(group, Unknown):
        return not_checked(f"the NSG of subnet {subnet} ({group.why})")
    verdict = group.rules.evaluate(flow)
    what = f"TCP {dependency.port} from the agent subnet to {dependency.label}"
    denying = [p for p in verdict.denying if nsg.ports_in(p.destination_ports, [dependency.port])]
    if denying:
        rule = denying[0].rule
        return broken(
            f"NSG {group.label} of subnet {subnet} denies {what} {direction} (rule "
            f"{rule.describe()})",
            f"allow {what} in NSG {group.label} above rule {rule.describe()}",
            group.subject,
        )
    if verdict.undecided:
        rule = verdict.undecided[0].rule
        return not_checked(
            f"{what} through NSG {group.label} (depends on rule {rule.describe()} or an address "
            "not known until deployment)"
        )
    return ok()


def _on_internet(agents: Agents, addresses: tuple[Network, ...]) -> bool:
    """Public addresses outside the agents' VNet and its peerings (an internal registry at a
    public address): the ``Internet`` tag holds them, not ``VirtualNetwork`` (Learn, network-
    security-groups-overview, service tags: Internet is "the IP address space that's outside the
    virtual network and reachable by the public internet"). A private address outside them
    stays in ``VirtualNetwork``, which also holds connected on-premises ranges and user routes'
    prefixes."""
    if not addresses or not all(a.is_global for a in addresses):
        return False
    spaces = () if isinstance(agents.vnet_spaces, Unknown) else agents.vnet_spaces
    peered = () if isinstance(agents.peered, Unknown) else agents.peered
    known = [*spaces, *(r.prefix for r in peered if not isinstance(r.prefix, str | None))]
    return not any(cidr.inside_any(a, known) for a in addresses)


def filter_verdict(agents: Agents, dependency: Dependency) -> Part:
    """What the agent subnet's NSG (outbound) and the endpoint subnet's (inbound) decide."""
    addresses = dependency.addresses
    if isinstance(addresses, Unknown):
        return not_checked(f"the NSGs between the agents and {dependency.label} ({addresses.why})")
    source = nsg.addresses(() if isinstance(agents.prefixes, Unknown) else agents.prefixes)
    destination = (
        nsg.internet_addresses(addresses)
        if _on_internet(agents, addresses)
        else nsg.addresses(addresses)
    )
    outbound = nsg.Flow.to_ports("Outbound", "Tcp", source, destination, [dependency.port])
    parts = [_nsg_part(agents.nsg, outbound, agents.subnet, dependency, "outbound")]
    endpoint = dependency.endpoint
    if endpoint is not None and endpoint.nsg_policies is not False:
        inbound = nsg.Flow.to_ports("Inbound", "Tcp", source, destination, [dependency.port])
        checked = _nsg_part(endpoint.nsg, inbound, endpoint.subnet, dependency, "inbound")
        if isinstance(endpoint.nsg_policies, Unknown) and checked.verdict is not Verdict.OK:
            checked = not_checked(
                f"whether NSG rules apply to the endpoint in subnet {endpoint.subnet} (its "
                f"network policies: {endpoint.nsg_policies.why})"
            )
        parts.append(checked)
    return worst(parts)


def target_verdict(target: Target | Unknown) -> Part:
    """Does the resource accept the private path, and only that one?"""
    if isinstance(target, Unknown):
        return not_checked(target.why)
    connection = target.connection
    if isinstance(connection, Unknown):
        return not_checked(
            f"the private endpoint connection to {target.resource} ({connection.why})"
        )
    if connection == "none":
        return broken(
            f"no private endpoint connection with group id {target.group_id!r} leads to "
            f"{target.resource}",
            f"connect a private endpoint to {target.resource} with group id {target.group_id!r}",
            target.subject,
        )
    if connection == "refused":
        return broken(
            f"the private endpoint connection to {target.resource} is rejected or "
            "disconnected, and only an approved one carries traffic",
            f"approve the connection on {target.resource}, or create the endpoint anew",
            target.subject,
        )
    if connection == "manual":
        return not_checked(
            f"the connection to {target.resource} waits for its owner's approval "
            "(manualPrivateLinkServiceConnections)"
        )
    public = target.public_access
    if isinstance(public, Unknown):
        return not_checked(f"whether {target.resource} refuses public access ({public.why})")
    if public:
        return broken(
            f"{target.resource} accepts public network access, so the private path is not the "
            "only one",
            f"set publicNetworkAccess to Disabled on {target.resource}",
            target.subject,
        )
    return ok()


@dataclass(frozen=True)
class Cell:
    """One pool and one dependency: the four verdicts."""

    pool: str
    dependency: str
    name: Part
    route: Part
    filter: Part
    target: Part
    kind: str = "endpoint"

    def parts(self) -> dict[str, Part]:
        return {
            "name": self.name,
            "route": self.route,
            "filter": self.filter,
            "target": self.target,
        }

    @property
    def verdict(self) -> Verdict:
        return worst(self.parts().values()).verdict

    def problems(self, verdict: Verdict) -> list[tuple[str, Reason]]:
        """``(aspect, reason)`` of every part with ``verdict``."""
        return [
            (aspect, reason)
            for aspect, part in self.parts().items()
            if part.verdict is verdict
            for reason in part.reasons
        ]

    def document(self) -> dict[str, object]:
        """The cell as ``--json``'s ``reach`` entry: the verdicts, and why a part is not ok."""
        reasons = [
            f"{aspect} {part.verdict.label}: {reason.text}"
            + (f" (fix: {reason.fix})" if reason.fix else "")
            for aspect, part in self.parts().items()
            if part.verdict is not Verdict.OK
            for reason in part.reasons
        ]
        return {
            "pool": self.pool,
            "dependency": self.dependency,
            **{aspect: part.verdict.value for aspect, part in self.parts().items()},
            "reasons": reasons,
        }


def evaluate(agents: Agents, dependency: Dependency) -> Cell:
    """The four verdicts of one pool and one dependency."""
    return Cell(
        agents.pool,
        dependency.label,
        name_verdict(agents, dependency.record),
        route_verdict(agents, dependency),
        filter_verdict(agents, dependency),
        target_verdict(dependency.target),
        dependency.kind,
    )


def matrix(pools: Sequence[Agents], dependencies: Sequence[Dependency]) -> list[Cell]:
    """Every pool with every dependency, pools in order, dependencies in order."""
    return [evaluate(agents, dependency) for agents in pools for dependency in dependencies]


# Readers of Azure documents (Pulumi inputs and outputs, lookups, az ... show) ----------------


def connection_state(declared: Connection, status: object) -> Connection:
    """A private endpoint connection's state: its ``privateLinkServiceConnectionState.status``
    when Azure reported one (a deployed stack's outputs, a snapshot), else what the endpoint
    declares (``privateLinkServiceConnections``: approved; ``manual...``: waits). ``Approved``,
    ``Pending``, ``Rejected`` and ``Disconnected`` (Learn, private-endpoint-overview: "Reject a
    private endpoint connection"; a deleted one leaves "a disconnected state")."""
    reported: dict[str, Connection] = {
        "approved": "approved",
        "pending": "manual",
        "rejected": "refused",
        "disconnected": "refused",
    }
    return reported.get(_lower(status) or "", declared)


def network_policies(value: object) -> tuple[bool, bool] | None:
    """``(nsg, route tables)`` apply to private endpoints for a subnet's
    ``privateEndpointNetworkPolicies``: ``Disabled`` (Azure's default) neither, ``Enabled``
    both, ``NetworkSecurityGroupEnabled`` or ``RouteTableEnabled`` one; ``None`` for a value
    Azure would refuse."""
    if value is None:
        return False, False
    if not isinstance(value, str):
        return None
    return {
        "disabled": (False, False),
        "enabled": (True, True),
        "networksecuritygroupenabled": (True, False),
        "routetableenabled": (False, True),
    }.get(value.strip().lower())


def accepts_public(public_network_access: object, default_action: object) -> bool | None:
    """Whether a registry, storage account or key vault takes traffic from public networks:
    its ``publicNetworkAccess`` is not ``Disabled`` and its network rules' ``defaultAction`` is
    not ``Deny`` (unset means Azure's default, Enabled and Allow); ``None`` when that depends
    on a value not known yet."""
    if _lower(public_network_access) == "disabled" or _lower(default_action) == "deny":
        return False
    if UNKNOWN in (public_network_access, default_action):
        return None
    return True


def _lower(value: object) -> str | None:
    return value.strip().lower() if isinstance(value, str) else None


def peering_connected(state: object) -> bool:
    """Whether a peering with ``peeringState`` carries traffic: not while it is ``Initiated``
    (the remote VNet has not peered back) or ``Disconnected`` (Learn, virtual-network-manage-
    peering: "The peering is not successfully established until the peering status for both
    virtual network peerings is *Connected*"); a state not known yet (a peering the stack
    creates) is taken as connected, as the stack means it to be."""
    return _lower(state) not in ("initiated", "disconnected")


def peering_routes(
    remote: str, spaces: Iterable[Network], state: object = None
) -> tuple[routes.Route, ...]:
    """The ``VNetPeering`` system routes a peering adds (Learn, "Optional default routes"): one per
    address range of the peered VNet, while the peering is connected (``peering_connected``)."""
    if not peering_connected(state):
        return ()
    return tuple(
        routes.Route(
            f"peering to {remote} ({space})",
            space,
            routes.NextHop.VNET_PEERING,
            source=routes.RouteSource.SYSTEM,
        )
        for space in spaces
    )
