"""What a stack shows of its build paths, as the reach model takes it (``private_acr_rules.reach``).

For each VNet-injected agent pool: its subnet, the subnet's NSG and route table, its VNet's
address space, DNS servers and peerings (``reach.Agents``). For each private dependency: the
registry's login server and every regional data (and ``.geo.``) endpoint, every other private
endpoint, every internal registry; each with the endpoint's subnet, network policies and NSG,
the zones its records are written to and their VNet links, and the resource it connects to
(``reach.Dependency``).

A reference is followed by identity (``_links``) into the stack; one that leads outside it is
looked up in the snapshot of existing resources (``_existing``), whose documents have the same
shape (``az ... show`` prints the properties Pulumi's inputs and outputs hold). What neither
shows is ``reach.Unknown``, with what would decide it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from private_acr_policies import _existing
from private_acr_policies._cloud import cloud_of
from private_acr_policies._links import (
    AGENT_POOL,
    ENDPOINT,
    NSG,
    PEERING,
    REGISTRY,
    REPLICATION,
    ROUTE_TABLE,
    VNET,
    ZONE,
    ZONE_GROUP,
    ZONE_LINK,
    SubnetRef,
    find,
    find_id,
    identity,
    key_of,
    link,
    linked_all,
    nsg_rules,
    parent,
    ruleset,
    subnet_for,
    table_routes,
)
from private_acr_policies._model import UNKNOWN, Resource, Stack, get, items, lower, mappings
from private_acr_rules import cidr, documents, reach, routes
from private_acr_rules import nsg as nsg_model
from private_acr_rules.arm import ResourceKey, parse_id
from private_acr_rules.clouds import (
    AzureCloud,
    public_zone_for,
    registry_hosts,
    service_host,
    zone_for,
)
from private_acr_rules.reach import Unknown
from private_acr_rules.regions import region_name

STORAGE = ("storage", "StorageAccount")
VAULT = ("keyvault", "Vault")
_TARGET_KINDS = (REGISTRY, STORAGE, VAULT)
_OUTSIDE = "not in this stack, and no --existing snapshot holds it"

VnetId = ResourceKey | str | None
"""A VNet's identity: its ARM key, the URN of a stack VNet whose key is not known, or ``None``."""


@dataclass(frozen=True)
class InternalRegistry:
    """A ``privateRegistries`` entry: a registry the builds log in to, outside Azure's."""

    server: str
    """The login server as written (``registry.internal.example.com``, or ``host:port``)."""
    address: cidr.Network | None
    port: int

    @property
    def host(self) -> str:
        host, colon, port = self.server.rpartition(":")
        return host if colon and port.isdigit() else self.server


@dataclass(frozen=True)
class Sources:
    """What the policy's settings add to the stack."""

    internal_registries: tuple[InternalRegistry, ...] = ()
    policy_zones: Mapping[str, str] | None = None
    """The zones Azure Policy writes records to, by group id (``dns.zoneGroups: policy``);
    ``None``: the stack's zone groups write them."""


# Documents of the stack or the snapshot --------------------------------------------------------


@dataclass(frozen=True)
class _Doc:
    """A resource's properties, from the stack or the snapshot, and how a message names it."""

    data: Mapping[str, Any]
    label: str
    subject: str
    """The URN of a stack resource, else its ARM id."""
    resource: Resource | None = None
    key: ResourceKey | None = None


def _shown(reference: object, what: str) -> _Doc | Unknown:
    existing = _existing.current()
    document = existing.find(reference)
    if document is None:
        problem = f"; {existing.problem}" if existing.problem else ""
        return Unknown(f"{what} {reference} is {_OUTSIDE}{problem}")
    name = document.get("name")
    key = parse_id(reference)
    label = name if isinstance(name, str) else (key.name if key else str(reference))
    return _Doc(document, label, str(reference), key=key)


def _shown_key(key: ResourceKey, what: str) -> _Doc | Unknown:
    index = _existing.current().index
    document = index.find_key(key) if index is not None else None
    if document is None:
        return Unknown(f"{what} {key.name} is {_OUTSIDE}")
    return _Doc(document, key.name, str(document.get("id") or key.name), key=key)


def _doc(stack: Stack, resource: Resource) -> _Doc:
    return _Doc(resource.props, resource.name, resource.urn, resource, key_of(stack, resource))


def _listed(document: _Doc, field: str, child_type: str) -> list[Mapping[str, Any]]:
    """``document``'s inline ``field`` entries and, for a snapshot's document, its
    ``child_type`` children the snapshot lists as resources of their own (``az network vnet
    peering list``, ``az network route-table route list``, ``az network nsg rule list``)."""
    inline = documents.mappings(get(document.data, field))
    index = _existing.current().index
    if document.resource is not None or index is None:
        return inline
    seen = {str(e.get("id", "")).lower().rstrip("/") for e in inline}
    return inline + [
        child
        for child in index.under(document.subject, child_type)
        if str(child.get("id", "")).lower().rstrip("/") not in seen
    ]


def _follow(
    stack: Stack, holder: _Doc, field: str, kind: tuple[str, str], what: str
) -> _Doc | Unknown | None:
    """What ``holder``'s reference ``field`` (``{"id": ...}``) leads to, in the stack or the
    snapshot; ``None`` when there is no reference."""
    reference = get(holder.data, field)
    if reference is None:
        return None
    target_id = get(reference, "id")
    if reference is UNKNOWN or target_id is UNKNOWN:
        return Unknown(f"{what} of subnet {holder.label} (not known until deployment)")
    if holder.resource is not None:
        dependency = field if holder.resource.is_a("network", "Subnet") else "subnets"
        found = link(stack, holder.resource, dependency, kind, target_id)
        if found.target is not None:
            return _doc(stack, found.target)
        if found.state == "unknown":
            return Unknown(f"{what} of subnet {holder.label} (not known until deployment)")
    else:
        in_stack = find_id(stack, target_id, kind)
        if in_stack is not None:
            return _doc(stack, in_stack)
    return _shown(target_id, what)


def _networks(value: object) -> tuple[cidr.Network, ...] | None:
    """The networks of a list of CIDR texts; ``None`` when some are not known yet."""
    if value is UNKNOWN:
        return None
    networks: list[cidr.Network] = []
    for item in items(value):
        if item is UNKNOWN:
            return None
        parsed = cidr.parse_cidr(item).network if isinstance(item, str) else None
        if parsed is not None:
            networks.append(parsed)
    return tuple(networks)


def _prefixes(subnet: _Doc) -> tuple[cidr.Network, ...] | Unknown:
    one = get(subnet.data, "addressPrefix")
    many = _networks(get(subnet.data, "addressPrefixes"))
    if one is UNKNOWN or many is None:
        return Unknown(f"the address prefix of subnet {subnet.label} (not known until deployment)")
    parsed = cidr.parse_cidr(one).network if isinstance(one, str) else None
    found = (*([parsed] if parsed else []), *many)
    return found or Unknown(f"subnet {subnet.label} declares no address prefix")


def _same_vnet(a: VnetId, b: VnetId) -> bool | None:
    """Whether two VNet identities are one VNet; ``None`` when either is not known."""
    if a is None or b is None:
        return None
    if isinstance(a, ResourceKey) and isinstance(b, ResourceKey):
        return a.matches(b)
    return a == b


# Subnets and VNets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Subnet:
    doc: _Doc
    vnet: _Doc | Unknown
    vnet_id: VnetId


def _vnet_id(stack: Stack, vnet: Resource) -> ResourceKey | str:
    return key_of(stack, vnet) or vnet.urn


def _vnet_by_key(stack: Stack, key: ResourceKey) -> _Doc | Unknown:
    in_stack = find(stack, key, VNET)
    return _doc(stack, in_stack) if in_stack is not None else _shown_key(key, "VNet")


def _subnet_of(stack: Stack, holder: Resource, field: str, reference: object) -> _Subnet | Unknown:
    """The subnet ``holder``'s field names: a subnet of the stack, or of the snapshot."""
    found = subnet_for(stack, holder, field, reference)
    if found.target is not None:
        return _stack_subnet(stack, found.target)
    if found.state != "external":
        why = "not known until deployment" if found.state == "unknown" else "not set"
        return Unknown(f"the subnet of {holder.name} ({why})")
    document = _shown(reference, "subnet")
    if isinstance(document, Unknown):
        return document
    parent_key = document.key.parent() if document.key is not None else None
    if parent_key is None:
        return _Subnet(document, Unknown("its VNet"), None)
    return _Subnet(document, _vnet_by_key(stack, parent_key), parent_key)


def _stack_subnet(stack: Stack, subnet: SubnetRef) -> _Subnet:
    name = get(subnet.data, "subnetName") or get(subnet.data, "name")
    label = name if isinstance(name, str) and name else subnet.label
    doc = _Doc(subnet.data, label, subnet.owner.urn, subnet.owner)
    if subnet.vnet is not None:
        return _Subnet(doc, _doc(stack, subnet.vnet), _vnet_id(stack, subnet.vnet))
    # A subnet of the stack in a VNet it does not hold (network.existingVnetId).
    own = identity(subnet.owner)
    parent_key = own.parent() if own is not None else None
    if parent_key is None:
        return _Subnet(doc, Unknown("its VNet (not known until deployment)"), None)
    return _Subnet(doc, _vnet_by_key(stack, parent_key), parent_key)


def _spaces(stack: Stack, subnet: _Subnet) -> tuple[cidr.Network, ...] | Unknown:
    if isinstance(subnet.vnet, _Doc):
        spaces = _networks(get(subnet.vnet.data, "addressSpace", "addressPrefixes"))
        if spaces is None:
            return Unknown(f"VNet {subnet.vnet.label}'s address space (not known until deployment)")
        if spaces:
            return spaces
    # A VNet not shown: the stack's subnets in it are inside its address space, for certain.
    found: list[cidr.Network] = []
    for resource in stack.of_type("network", "Subnet"):
        own = identity(resource)
        if own is not None and _same_vnet(own.parent(), subnet.vnet_id):
            prefixes = _prefixes(_doc(stack, resource))
            found += [] if isinstance(prefixes, Unknown) else list(prefixes)
    own = _prefixes(subnet.doc)
    found += [] if isinstance(own, Unknown) else list(own)
    if found:
        return tuple(dict.fromkeys(found))
    return subnet.vnet if isinstance(subnet.vnet, Unknown) else Unknown("its address space")


def _dns_servers(vnet: _Doc | Unknown) -> tuple[str, ...] | Unknown:
    if isinstance(vnet, Unknown):
        return Unknown(f"{vnet.why}, so its DNS servers are not shown")
    servers = get(vnet.data, "dhcpOptions", "dnsServers")
    listed = items(servers)
    if servers is UNKNOWN or UNKNOWN in listed:
        return Unknown("not known until deployment")
    return tuple(s.strip() for s in listed if isinstance(s, str) and s.strip())


@dataclass(frozen=True)
class _Peering:
    remote: VnetId
    routes: tuple[routes.Route, ...]
    connected: bool = True


def _peerings(stack: Stack, vnet: _Doc | Unknown) -> tuple[_Peering, ...] | Unknown:
    """The VNet's peerings: inline (``virtualNetworkPeerings``) and standalone."""
    if isinstance(vnet, Unknown):
        return vnet
    listed = get(vnet.data, "virtualNetworkPeerings")
    if listed is UNKNOWN:
        return Unknown(f"the peerings of VNet {vnet.label} (not known until deployment)")
    entries: list[tuple[Mapping[str, Any], Resource | None]] = [
        (p, None) for p in _listed(vnet, "virtualNetworkPeerings", "virtualNetworkPeerings")
    ]
    if vnet.resource is not None:
        entries += [
            (p.props, p)
            for p in stack.of_type(*PEERING)
            if parent(stack, p, "virtualNetworkName", VNET).target is vnet.resource
        ]
    peerings: list[_Peering] = []
    for data, resource in entries:
        spaces = _networks(
            get(data, "remoteAddressSpace", "addressPrefixes")
            or get(data, "remoteVirtualNetworkAddressSpace", "addressPrefixes")
        )
        if spaces is None:
            return Unknown(f"a peering of VNet {vnet.label} (its remote ranges are not known yet)")
        remote_id = get(data, "remoteVirtualNetwork", "id")
        remote: VnetId = parse_id(remote_id)
        if resource is not None:
            linked = link(stack, resource, "remoteVirtualNetwork", VNET, remote_id)
            if linked.target is not None:
                remote = _vnet_id(stack, linked.target)
        label = remote.name if isinstance(remote, ResourceKey) else "a peered VNet"
        state = get(data, "peeringState")
        peered = reach.peering_routes(label, spaces, state)
        peerings.append(_Peering(remote, peered, reach.peering_connected(state)))
    return tuple(peerings)


def _nsg_of(stack: Stack, subnet: _Doc) -> reach.Nsg | Unknown | None:
    found = _follow(stack, subnet, "networkSecurityGroup", NSG, "the NSG")
    if found is None or isinstance(found, Unknown):
        return found
    if found.resource is not None:
        return reach.Nsg(found.label, ruleset(nsg_rules(stack, found.resource)), found.subject)
    rules = _listed(found, "securityRules", "securityRules")
    return reach.Nsg(found.label, nsg_model.RuleSet(rules), found.subject)


# The agents -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pool:
    resource: Resource
    agents: reach.Agents
    vnet_id: VnetId
    peerings: tuple[_Peering, ...] | Unknown


def _pool_name(pool: Resource) -> str:
    name = get(pool.props, "agentPoolName") or get(pool.props, "name")
    return name if isinstance(name, str) and name else pool.name


def _pool(stack: Stack, resource: Resource) -> Pool | None:
    """The pool's agents; ``None`` for a pool that runs in no VNet."""
    reference = get(resource.props, "virtualNetworkSubnetResourceId")
    if reference is None:
        return None
    subnet = _subnet_of(stack, resource, "virtualNetworkSubnetResourceId", reference)
    if isinstance(subnet, Unknown):
        why = Unknown(f"the agent subnet: {subnet.why}")
        agents = reach.Agents(
            _pool_name(resource), "(not known)", why, "(not known)", why, why, why, None, why, why
        )
        return Pool(resource, agents, None, why)
    table: str | None = None
    user: tuple[routes.Route, ...] | Unknown = ()
    subject = ""
    found = _follow(stack, subnet.doc, "routeTable", ROUTE_TABLE, "the route table")
    if isinstance(found, Unknown):
        table, user = "(not known)", found
    elif found is not None:
        table, subject = found.label, found.subject
        listed = (
            table_routes(stack, found.resource)
            if found.resource is not None
            else routes.parse_routes(_listed(found, "routes", "routes"))
        )
        user = tuple(listed)
    peerings = _peerings(stack, subnet.vnet)
    peered = (
        peerings if isinstance(peerings, Unknown) else tuple(r for p in peerings for r in p.routes)
    )
    vnet_label = (
        subnet.vnet.label
        if isinstance(subnet.vnet, _Doc)
        else (subnet.vnet_id.name if isinstance(subnet.vnet_id, ResourceKey) else "(not known)")
    )
    agents = reach.Agents(
        pool=_pool_name(resource),
        subnet=subnet.doc.label,
        prefixes=_prefixes(subnet.doc),
        vnet=vnet_label,
        vnet_spaces=_spaces(stack, subnet),
        dns_servers=_dns_servers(subnet.vnet),
        nsg=_nsg_of(stack, subnet.doc),
        route_table=table,
        user_routes=user,
        peered=peered,
        route_subject=subject,
    )
    return Pool(resource, agents, subnet.vnet_id, peerings)


# Private endpoints, their zones and targets ----------------------------------------------------


@dataclass(frozen=True)
class _Endpoint:
    resource: Resource
    subnet: _Subnet | Unknown
    zone_groups: tuple[Resource, ...]


def _endpoints(stack: Stack) -> list[_Endpoint]:
    found: list[_Endpoint] = []
    for endpoint in stack.of_type(*ENDPOINT):
        subnet = _subnet_of(stack, endpoint, "subnet", get(endpoint.props, "subnet", "id"))
        groups = tuple(
            g
            for g in stack.of_type(*ZONE_GROUP)
            if parent(stack, g, "privateEndpointName", ENDPOINT).target is endpoint
        )
        found.append(_Endpoint(endpoint, subnet, groups))
    return found


def _connections(endpoint: Resource) -> list[tuple[Mapping[str, Any], reach.Connection]]:
    props = endpoint.props
    declared: list[tuple[Mapping[str, Any], reach.Connection]] = [
        *((c, "approved") for c in mappings(get(props, "privateLinkServiceConnections"))),
        *((c, "manual") for c in mappings(get(props, "manualPrivateLinkServiceConnections"))),
    ]
    return [
        (c, reach.connection_state(state, get(c, "privateLinkServiceConnectionState", "status")))
        for c, state in declared
    ]


def _may_serve(stack: Stack, endpoint: Resource, registry: Resource) -> bool:
    """The endpoint may be ``registry``'s: what would tell is not known until deployment."""
    for key in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
        listed = get(endpoint.props, key)
        if listed is UNKNOWN or UNKNOWN in items(listed):
            return True
    for connection, _ in _connections(endpoint):
        groups = _group_ids(connection)
        target = _target_of(stack, endpoint, connection)
        unknown_target = (
            target.resource is None and get(connection, "privateLinkServiceId") is UNKNOWN
        )
        if groups is None and target.resource in (None, registry):
            return True
        if "registry" in (groups or []) and unknown_target:
            return True
    return False


def _group_ids(connection: Mapping[str, Any]) -> list[str] | None:
    """The connection's group ids; ``None`` when they are not known yet."""
    ids = get(connection, "groupIds")
    if ids is UNKNOWN or UNKNOWN in items(ids):
        return None
    return [g.lower() for g in items(ids) if isinstance(g, str)]


def _endpoint_side(stack: Stack, pool: Pool, endpoint: _Endpoint) -> reach.Endpoint:
    subnet = endpoint.subnet
    if isinstance(subnet, Unknown):
        return reach.Endpoint("(not known)", subnet, subnet, subnet, subnet)
    value = get(subnet.doc.data, "privateEndpointNetworkPolicies")
    policies = reach.network_policies(value)
    nsg_on: bool | Unknown
    rt_on: bool | Unknown
    if value is UNKNOWN:
        nsg_on = rt_on = Unknown(f"subnet {subnet.doc.label}'s are not known until deployment")
    elif policies is None:
        nsg_on = rt_on = Unknown(f"subnet {subnet.doc.label} has the unknown value {value!r}")
    else:
        nsg_on, rt_on = policies
    return reach.Endpoint(
        subnet=subnet.doc.label,
        own_route=_own_route(pool, subnet),
        route_policies=rt_on,
        nsg_policies=nsg_on,
        nsg=_nsg_of(stack, subnet.doc),
    )


def _own_route(pool: Pool, subnet: _Subnet) -> bool | Unknown:
    """The endpoint's /32 routes reach the agents: one VNet, or directly peered ones."""
    same = _same_vnet(pool.vnet_id, subnet.vnet_id)
    if same is None:
        return Unknown("which VNet the agents or the endpoint are in is not known until deployment")
    if same:
        return True
    if isinstance(pool.peerings, Unknown):
        return Unknown(pool.peerings.why)
    return any(p.connected and _same_vnet(p.remote, subnet.vnet_id) for p in pool.peerings)


def _addresses(endpoint: _Endpoint) -> tuple[cidr.Network, ...] | Unknown:
    if isinstance(endpoint.subnet, Unknown):
        return Unknown(f"endpoint {endpoint.resource.name}'s {endpoint.subnet.why}")
    return _prefixes(endpoint.subnet.doc)


def _zone_doc(stack: Stack, zone_id: object) -> _Doc | Unknown:
    found = find_id(stack, zone_id, ZONE)
    if found is not None:
        return _doc(stack, found)
    key = parse_id(zone_id)
    if key is None:
        return Unknown("the zone is not known until deployment")
    return _Doc({}, key.name, str(zone_id), key=key)


def _zone_name(zone: _Doc) -> str | None:
    if zone.key is not None:
        return zone.key.name
    name = get(zone.data, "privateZoneName")
    return name.lower() if isinstance(name, str) else None


def _link(
    stack: Stack, data: Mapping[str, Any], agents: VnetId, owner: Resource | None
) -> reach.ZoneLink:
    reference = get(data, "virtualNetwork", "id")
    target: VnetId = parse_id(reference)
    label = target.name if isinstance(target, ResourceKey) else "(not known)"
    in_stack = (
        link(stack, owner, "virtualNetwork", VNET, reference).target
        if owner is not None
        else find_id(stack, reference, VNET)
    )
    if in_stack is not None:
        target, label = _vnet_id(stack, in_stack), in_stack.name
    elif (
        owner is not None
        and link(stack, owner, "virtualNetwork", VNET, reference).state == "unknown"
    ):
        target = None
    return reach.ZoneLink(label, _same_vnet(target, agents))


def _zone(stack: Stack, zone: _Doc, agents: VnetId) -> reach.Zone:
    """A zone and every VNet link of it the stack and the snapshot show."""
    name = _zone_name(zone)
    label = f"zone {name or zone.label}"
    links: list[reach.ZoneLink] = []
    for zone_link in stack.of_type(*ZONE_LINK):
        owner = parent(stack, zone_link, "privateZoneName", ZONE)
        if zone.resource is not None:
            mine = owner.target is zone.resource
        else:
            own = key_of(stack, zone_link)
            up = own.parent() if own is not None else None
            mine = up is not None and zone.key is not None and up.matches(zone.key)
        if mine:
            links.append(_link(stack, zone_link.props, agents, zone_link))
    index = _existing.current().index
    zone_id = get(zone.data, "id") if zone.resource is not None else zone.subject
    shown = isinstance(zone_id, str) and index is not None and index.holds(zone_id)
    if shown and isinstance(zone_id, str) and index is not None:
        links += [
            _link(stack, d, agents, None) for d in index.under(zone_id, "virtualNetworkLinks")
        ]
    if zone.resource is None and not shown and not links:
        problem = _existing.current().problem
        why = (
            f"{label} is not in this stack; an --existing snapshot holding its links (az network "
            "private-dns link vnet list) shows them" + (f"; {problem}" if problem else "")
        )
        return reach.Zone(name, label, Unknown(why), zone.subject)
    return reach.Zone(name, label, tuple(links), zone.subject)


def _public_zone(group: str, cloud: AzureCloud | None, fqdn: str) -> str:
    """The public zone of a service name, which custom DNS servers must forward."""
    known = public_zone_for(cloud, group) if cloud is not None else None
    return known or (fqdn.split(".", 1)[1] if "." in fqdn else fqdn)


def _cloud(stack: Stack, resource: Resource) -> AzureCloud | None:
    return cloud_of(stack, resource).cloud


def _record(
    stack: Stack, sources: Sources, pool: Pool, endpoint: _Endpoint, wanted: tuple[str, str]
) -> reach.Record:
    """How ``wanted`` (group id, name) resolves through ``endpoint``'s zone group or Azure
    Policy's."""
    group, fqdn = wanted
    cloud = _cloud(stack, endpoint.resource)
    lookup = zone_for(cloud, group) if cloud is not None else None

    def record(zones: tuple[reach.Zone, ...] | Unknown, writer: str, fix: str = "") -> reach.Record:
        public = _public_zone(group, cloud, fqdn)
        return reach.Record(fqdn, lookup, public, zones, writer, fix, endpoint.resource.urn)

    if endpoint.zone_groups:
        writer = f"zone group {', '.join(g.name for g in endpoint.zone_groups)}"
        docs: dict[str, _Doc] = {}
        for zone_group in endpoint.zone_groups:
            for zone in linked_all(stack, zone_group, "privateDnsZoneConfigs", ZONE):
                docs.setdefault(zone.urn, _doc(stack, zone))
            configs = get(zone_group.props, "privateDnsZoneConfigs")
            if configs is UNKNOWN and not docs:
                return record(
                    Unknown("the zone group's zones are not known until deployment"), writer
                )
            for config in items(configs):
                zone_doc = _zone_doc(stack, get(config, "privateDnsZoneId"))
                if isinstance(zone_doc, _Doc):
                    docs.setdefault(zone_doc.subject, zone_doc)
                elif not docs:
                    return record(zone_doc, writer)
        return record(tuple(_zone(stack, d, pool.vnet_id) for d in docs.values()), writer)
    if sources.policy_zones is not None:
        zone_id = sources.policy_zones.get(group)
        if zone_id is None:
            why = f"Azure Policy writes them (dns.zoneGroups: policy), into a zone dns.zoneIds.{group} does not name"
            return record(Unknown(why), "Azure Policy")
        zone_doc = _zone_doc(stack, zone_id)
        zones = (
            zone_doc if isinstance(zone_doc, Unknown) else (_zone(stack, zone_doc, pool.vnet_id),)
        )
        return record(zones, "Azure Policy (dns.zoneGroups: policy)")
    return record(
        (),
        f"endpoint {endpoint.resource.name} has no DNS zone group",
        f"add a DNS zone group to endpoint {endpoint.resource.name} pointing at a "
        f"{lookup or 'private DNS'} zone (or set dns.zoneGroups: policy where an Azure Policy "
        "adds it)",
    )


def _public_access(props: Mapping[str, Any] | None, kind: tuple[str, str] | None) -> bool | Unknown:
    """Whether a registry, storage account or key vault accepts public network access."""
    if props is None or kind is None:
        return Unknown("it is not in this stack or the snapshot")
    if kind == VAULT and isinstance(get(props, "properties"), Mapping):
        props = get(props, "properties")
    public = get(props, "publicNetworkAccess")
    default = get(props, "networkRuleSet", "defaultAction") or get(
        props, "networkAcls", "defaultAction"
    )
    accepts = reach.accepts_public(public, default)
    return Unknown("not known until deployment") if accepts is None else accepts


@dataclass(frozen=True)
class _TargetOf:
    resource: Resource | None
    document: Mapping[str, Any] | None
    kind: tuple[str, str] | None
    label: str


def _target_of(stack: Stack, endpoint: Resource, connection: Mapping[str, Any]) -> _TargetOf:
    """The resource a connection leads to: in the stack (by dependency or id), or the snapshot."""
    target_id = get(connection, "privateLinkServiceId")
    for key in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
        for kind in _TARGET_KINDS:
            linked = linked_all(stack, endpoint, key, kind)
            if len(linked) == 1 and target_id in (UNKNOWN, get(linked[0].props, "id")):
                return _TargetOf(linked[0], linked[0].props, kind, linked[0].name)
    for kind in _TARGET_KINDS:
        found = find_id(stack, target_id, kind)
        if found is not None:
            return _TargetOf(found, found.props, kind, found.name)
    key = parse_id(target_id)
    label = key.name if key is not None else "its target (not known until deployment)"
    shown = _existing.current().find(target_id)
    if shown is not None and key is not None:
        kind = next((k for k in _TARGET_KINDS if key.path[-1][0] == _ARM_TYPES[k]), None)
        return _TargetOf(None, shown, kind, label)
    return _TargetOf(None, None, None, label)


_ARM_TYPES = {REGISTRY: "registries", STORAGE: "storageaccounts", VAULT: "vaults"}


def _name_of(target: _TargetOf, fields: tuple[str, ...]) -> str | None:
    for field in ("name", *fields):
        value = get(target.document, field) if target.document is not None else None
        if isinstance(value, str) and value and value is not UNKNOWN:
            return value
    if target.resource is not None:
        key = identity(target.resource)
        return key.name if key is not None else None
    return None


# The dependencies ------------------------------------------------------------------------------


def _regions(stack: Stack, registry: Resource) -> list[str | None]:
    """The registry's home region and every replica's, in that order (``None``: not known)."""
    replicas = [
        r
        for r in stack.of_type(*REPLICATION)
        if parent(stack, r, "registryName", REGISTRY).target is registry
    ]
    found: list[str | None] = []
    for resource in [registry, *replicas]:
        location = get(resource.props, "location")
        region = region_name(location) if isinstance(location, str) and location.strip() else None
        if region is None or region not in found:
            found.append(region)
    # The replicas by region name: the engine may register them in any order.
    return found[:1] + sorted(found[1:], key=lambda r: r or "")


def _registry_names(
    stack: Stack, registry: Resource, cloud: AzureCloud | None
) -> list[tuple[str, str]]:
    """``(name, kind)`` of the registry's login server, data and regional endpoints; what is
    not known yet is named in words."""
    own = _name_of(_TargetOf(registry, registry.props, REGISTRY, registry.name), ("registryName",))
    regions = _regions(stack, registry)
    # ARM's registry property regionalEndpoints (a preview API's; the SDK's default version
    # lacks it): each replica then also answers at <registry>.<region>.geo.azurecr.io (Learn,
    # container-registry-endpoint-reference), which needs its own record.
    regional = lower(get(registry.props, "regionalEndpoints")) == "enabled"
    known = [r for r in regions if r is not None]
    what = own or registry.name
    if own is not None:
        hosts = registry_hosts(cloud or AzureCloud.PUBLIC, own, known, regional)
    else:
        hosts = [(f"{what} login server", "registry")]
        hosts += [(f"{what} data endpoint in {r}", "data") for r in known]
        hosts += [(f"{what} regional endpoint in {r}", "geo") for r in known if regional]
    if len(known) < len(regions):
        hosts.append((f"{what} data endpoint in (region not known)", "data"))
        hosts += [(f"{what} regional endpoint in (region not known)", "geo")] if regional else []
    server = get(registry.props, "loginServer")
    if isinstance(server, str) and server:
        hosts[0] = (server.lower(), "registry")
    return hosts


def _registry_deps(
    stack: Stack, sources: Sources, pool: Pool, endpoints: Sequence[_Endpoint]
) -> list[reach.Dependency]:
    found: list[reach.Dependency] = []
    for registry in sorted(stack.of_type(*REGISTRY), key=lambda r: r.urn):
        mine: list[tuple[_Endpoint, reach.Connection]] = [
            (e, state)
            for e in endpoints
            for c, state in _connections(e.resource)
            if "registry" in (_group_ids(c) or [])
            and _target_of(stack, e.resource, c).resource is registry
        ]
        public = _public_access(registry.props, REGISTRY)
        maybe = not mine and any(_may_serve(stack, e.resource, registry) for e in endpoints)
        if not mine and not maybe and public is not False:
            continue  # a public registry with no endpoint is not a private dependency
        cloud = _cloud(stack, registry)
        target = reach.Target(registry.name, "registry", "none", public, registry.urn)
        for fqdn, kind in _registry_names(stack, registry, cloud):
            if maybe:
                why = Unknown(
                    f"which endpoint serves {registry.name} (an endpoint's connections are not "
                    "known until deployment)"
                )
                found.append(reach.Dependency(fqdn, why, why, target=why, kind=kind))
            elif not mine:
                record = reach.Record(
                    fqdn,
                    zone_for(cloud, "registry") if cloud else None,
                    _public_zone("registry", cloud, fqdn),
                    (),
                    f"{registry.name} has no private endpoint",
                    f"connect a private endpoint with group id 'registry' to {registry.name}",
                    registry.urn,
                )
                no_way = Unknown(f"{registry.name} has no private endpoint")
                found.append(reach.Dependency(fqdn, record, no_way, target=target, kind=kind))
            for endpoint, state in mine:
                found.append(
                    reach.Dependency(
                        fqdn,
                        _record(stack, sources, pool, endpoint, ("registry", fqdn)),
                        _addresses(endpoint),
                        endpoint=_endpoint_side(stack, pool, endpoint),
                        target=reach.Target(registry.name, "registry", state, public, registry.urn),
                        kind=kind,
                    )
                )
    return found


_NAME_FIELDS = {"blob": ("accountName",), "vault": ("vaultName",)}


def _endpoint_deps(
    stack: Stack, sources: Sources, pool: Pool, endpoints: Sequence[_Endpoint]
) -> list[reach.Dependency]:
    """Every private endpoint that is not a registry's: one dependency per connection."""
    found: list[reach.Dependency] = []
    for endpoint in endpoints:
        for connection, state in _connections(endpoint.resource):
            groups = _group_ids(connection)
            if groups is not None and "registry" in groups:
                continue
            target = _target_of(stack, endpoint.resource, connection)
            group = groups[0] if groups else "(not known)"
            cloud = _cloud(stack, endpoint.resource)
            own = _name_of(target, _NAME_FIELDS.get(group, ()))
            host = service_host(cloud, group, own) if cloud is not None and own else None
            fqdn = host or f"{endpoint.resource.name} ({group})"
            if groups is None:
                why = Unknown(
                    f"endpoint {endpoint.resource.name}'s group ids are not known until deployment"
                )
                record: reach.Record | Unknown = why
                reached: reach.Target | Unknown = why
            else:
                record = _record(stack, sources, pool, endpoint, (group, fqdn))
                public = _public_access(target.document, target.kind)
                subject = target.resource.urn if target.resource is not None else ""
                reached = reach.Target(target.label, group, state, public, subject)
            found.append(
                reach.Dependency(
                    fqdn,
                    record,
                    _addresses(endpoint),
                    endpoint=_endpoint_side(stack, pool, endpoint),
                    target=reached,
                )
            )
    return found


def _internal_deps(stack: Stack, sources: Sources, pool: Pool) -> list[reach.Dependency]:
    """The internal registries: an address and port, and a name of the builds' own."""
    found: list[reach.Dependency] = []
    for registry in sources.internal_registries:
        host = registry.host.lower()
        zones = [
            _doc(stack, z)
            for z in stack.of_type(*ZONE)
            if (name := _zone_name(_doc(stack, z))) and (host == name or host.endswith("." + name))
        ]
        servers = pool.agents.dns_servers
        record: reach.Record | Unknown
        if zones or (not isinstance(servers, Unknown) and servers):
            shown = tuple(_zone(stack, z, pool.vnet_id) for z in zones[:1])
            zones_or: tuple[reach.Zone, ...] | Unknown = shown or Unknown("custom DNS")
            record = reach.Record(
                host, None, host, zones_or, f"zone {shown[0].label if shown else ''}", internal=True
            )
        else:
            record = Unknown(
                f"{host} is in no private DNS zone of the stack: with Azure-provided DNS it "
                f"resolves only through public DNS or a private zone linked to VNet "
                f"{pool.agents.vnet}, which the plan does not show"
            )
        addresses: tuple[cidr.Network, ...] | Unknown = (
            (registry.address,)
            if registry.address is not None
            else Unknown(f"privateRegistries.{registry.server}.address is not set")
        )
        outside = Unknown(
            f"{registry.server} is not reached through Azure Private Link: whether it accepts "
            "the agents is its own configuration"
        )
        found.append(
            reach.Dependency(
                registry.server,
                record,
                addresses,
                port=registry.port,
                target=outside,
                kind="private-registry",
            )
        )
    return found


# The matrix -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Matrix:
    """Every cell of the stack, with the pool resource it belongs to."""

    cells: tuple[tuple[Resource, reach.Cell], ...]
    pools: tuple[Resource, ...]
    """The VNet-injected pools."""


_ORDER = {reach.Verdict.OK: 0, reach.Verdict.NOT_CHECKED: 1, reach.Verdict.BROKEN: 2}


def matrix(stack: Stack, sources: Sources) -> Matrix:
    """Each VNet-injected pool with each private dependency; a dependency reached through
    several endpoints (a registry with two) counts by the way that works best."""
    endpoints = _endpoints(stack)
    cells: list[tuple[Resource, reach.Cell]] = []
    pools: list[Resource] = []
    for resource in sorted(stack.of_type(*AGENT_POOL), key=lambda p: (_pool_name(p), p.urn)):
        pool = _pool(stack, resource)
        if pool is None:
            continue
        pools.append(resource)
        dependencies = [
            *_registry_deps(stack, sources, pool, endpoints),
            *sorted(_endpoint_deps(stack, sources, pool, endpoints), key=lambda d: d.label),
            *_internal_deps(stack, sources, pool),
        ]
        by_label: dict[str, list[reach.Cell]] = {}
        for dependency in dependencies:
            by_label.setdefault(dependency.label, []).append(
                reach.evaluate(pool.agents, dependency)
            )
        cells += [
            (resource, min(found, key=lambda c: _ORDER[c.verdict])) for found in by_label.values()
        ]
    return Matrix(tuple(cells), tuple(pools))
