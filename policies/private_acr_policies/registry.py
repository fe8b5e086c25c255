"""registry-private-access and registry-private-endpoint-dns: the registry is reached privately.

Access: public network access disabled (or the network rule set defaults to Deny), admin
user and anonymous pull off (CKV_AZURE_137/138/139, Azure Policy d0793b48, dc921057,
9f2dea28). The azure-native SDK fills ``publicNetworkAccess: Enabled`` when it is not set.

Private endpoint and DNS (Learn, container-registry-private-link.md): each Premium registry
has a private endpoint with group ``registry``, whose DNS zone group writes the registry and
data-endpoint records into ``privatelink.azurecr.io`` (its sovereign-cloud name elsewhere,
``clouds.REGISTRY_ZONES``); the zone is linked to every VNet that
pulls or builds (the agent pool's and the AKS nodes'), and every endpoint subnet can hold the
addresses its endpoints take (``private_acr_rules.capacity``: 2 per registry endpoint plus 1
per replica, 1 per other endpoint, over all of the subnet's prefixes, standalone or inline).
Endpoints, zone groups, zones, links and replicas are matched by identity (``_links``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._cloud import Cloud, cloud_of
from private_acr_policies._config import Flag, NoSettings, StackValue, setting
from private_acr_policies._links import (
    AGENT_POOL,
    CLUSTER,
    ENDPOINT,
    REGISTRY,
    REPLICATION,
    VNET,
    ZONE,
    ZONE_GROUP,
    ZONE_LINK,
    SubnetRef,
    find_id,
    identity,
    link,
    linked_all,
    parent,
    subnet_for,
)
from private_acr_policies._model import UNKNOWN, Resource, Stack, get, items, lower, mappings
from private_acr_policies._policy import (
    Finding,
    NotApplicable,
    Outcome,
    Rule,
    Unchecked,
    resource_policy,
    stack_policy,
)
from private_acr_policies._stack_config import StackConfig
from private_acr_rules import capacity
from private_acr_rules.arm import parse_id
from private_acr_rules.clouds import REGISTRY_ZONES, zone_for
from private_acr_rules.dns import REGISTRY_ZONE

ACCESS = Rule(
    name="registry-private-access",
    description="Container registries must not be reachable from public networks and must not allow admin or anonymous access.",
    severity=Severity.CRITICAL,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation=(
        "Set publicNetworkAccess to Disabled (or networkRuleSet.defaultAction to Deny), "
        "adminUserEnabled to false and anonymousPullEnabled to false; use Entra ID identities "
        "with AcrPull/AcrPush roles instead."
    ),
    settings=NoSettings,
)


def _zone_groups_by_policy(stack: StackConfig) -> StackValue | None:
    """The stack's ``dns.zoneGroups``: ``policy`` when Azure Policy writes the zone groups."""
    mode = stack.object_field("dns", "zoneGroups")
    if not isinstance(mode, str):
        return None
    return StackValue(mode.strip().lower() == "policy", f"{stack.key('dns')}.zoneGroups")


@dataclass(frozen=True)
class EndpointDnsSettings:
    zone_groups_managed_by_policy: bool = setting(
        Flag(),
        False,
        "An Azure Policy (deploy-if-not-exists) adds the DNS zone group to every private endpoint: "
        "an endpoint without one is noted, not a violation. Default: true when the stack's "
        "dns.zoneGroups is policy, else false.",
        from_stack=_zone_groups_by_policy,
    )


ENDPOINT_DNS = Rule(
    name="registry-private-endpoint-dns",
    description=f"Every Premium registry needs a private endpoint whose DNS records live in a {REGISTRY_ZONE} zone linked to the VNets that use it.",
    severity=Severity.HIGH,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation=(
        "Create a private endpoint (group id 'registry') in the private-endpoint subnet, a "
        f"{REGISTRY_ZONE} private DNS zone, a DNS zone group on the endpoint pointing at it, and "
        "a VNet link from the zone to each VNet hosting the agent pool or AKS nodes; size the "
        "endpoint subnet for 2 addresses per registry endpoint plus 1 per replica. "
        "private_acr_tasks.PrivateLinkEndpoint builds all four. Where an Azure Policy writes "
        "the zone groups, set zoneGroupsManagedByPolicy in this policy's config."
    ),
    settings=EndpointDnsSettings,
)


def check_access(registry: Resource, settings: NoSettings) -> Iterator[Outcome]:
    props = registry.props
    public = get(props, "publicNetworkAccess")
    default_action = get(props, "networkRuleSet", "defaultAction")
    if public is UNKNOWN and default_action in (UNKNOWN, None):
        raise NotApplicable("publicNetworkAccess is not known until the registry is created")
    if lower(public) != "disabled" and lower(default_action) != "deny":
        if UNKNOWN in (public, default_action):
            yield Unchecked(
                registry.urn, f"{registry.name} network access (unknown until deployment)"
            )
        else:
            yield Finding(
                registry.urn,
                f"{registry.name}: publicNetworkAccess is {public or 'Enabled (the default)'} and the network rule set "
                f"does not default to Deny, so the registry is reachable from any network.",
            )
    if get(props, "adminUserEnabled") is True:
        yield Finding(
            registry.urn,
            f"{registry.name}: adminUserEnabled is true; the shared admin credential must be off.",
        )
    if get(props, "anonymousPullEnabled") is True:
        yield Finding(
            registry.urn,
            f"{registry.name}: anonymousPullEnabled is true; anyone who reaches it could pull images.",
        )


def _connections(endpoint: Resource) -> list[Mapping[str, Any]]:
    props = endpoint.props
    return [
        *mappings(get(props, "privateLinkServiceConnections")),
        *mappings(get(props, "manualPrivateLinkServiceConnections")),
    ]


def _registry_groups(endpoint: Resource) -> bool:
    return any(
        lower(g) == "registry"
        for c in _connections(endpoint)
        for g in items(get(c, "groupIds"))
        if isinstance(g, str)
    )


def _target(stack: Stack, endpoint: Resource) -> Resource | None:
    """The registry a registry endpoint connects to, by dependency or by id."""
    for key in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
        linked = linked_all(stack, endpoint, key, REGISTRY)
        if len(linked) == 1:
            return linked[0]
    for connection in _connections(endpoint):
        found = find_id(stack, get(connection, "privateLinkServiceId"), REGISTRY)
        if found is not None:
            return found
    return None


def _unknown_target(endpoint: Resource) -> bool:
    return any(get(c, "privateLinkServiceId") is UNKNOWN for c in _connections(endpoint))


def _unknown_groups(endpoint: Resource) -> bool:
    """Some of the endpoint's connections or group ids are not known until deployment, so it
    may be a registry endpoint."""
    for key in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
        listed = get(endpoint.props, key)
        if listed is UNKNOWN:
            return True
        for connection in items(listed):
            ids = get(connection, "groupIds")
            if connection is UNKNOWN or ids is UNKNOWN or UNKNOWN in items(ids):
                return True
    return False


def _may_target(stack: Stack, endpoint: Resource, registry: Resource) -> bool:
    """The endpoint may be ``registry``'s: what would tell is not known yet."""
    if _registry_groups(endpoint):
        return _target(stack, endpoint) is None and _unknown_target(endpoint)
    return _unknown_groups(endpoint) and _target(stack, endpoint) in (None, registry)


def _endpoint_subnet(stack: Stack, endpoint: Resource) -> SubnetRef | None:
    return subnet_for(stack, endpoint, "subnet", get(endpoint.props, "subnet", "id")).target


def _zone_groups(stack: Stack, endpoint: Resource) -> list[Resource]:
    return [
        g
        for g in stack.of_type(*ZONE_GROUP)
        if parent(stack, g, "privateEndpointName", ENDPOINT).target is endpoint
    ]


@dataclass(frozen=True)
class ZoneTargets:
    """The zones a private endpoint's zone groups point at."""

    zones: tuple[Resource, ...]
    """Zones of the stack."""
    outside: tuple[str, ...]
    """Names of zones outside the stack (a hub's), from their ids."""
    unknown: bool
    """Some target is not known until deployment."""

    def names(self) -> list[str | None]:
        """Every zone's name (``None``: not known yet)."""
        return [*(_zone_name(z) for z in self.zones), *self.outside]


def zone_targets(stack: Stack, groups: Sequence[Resource]) -> ZoneTargets:
    """The zones ``groups`` (zone groups of one endpoint) point at, in and outside the stack."""
    zones: list[Resource] = []
    outside: list[str] = []
    unknown = False
    for group in groups:
        linked = list(linked_all(stack, group, "privateDnsZoneConfigs", ZONE))
        zones += [z for z in linked if z not in zones]
        configs = get(group.props, "privateDnsZoneConfigs")
        unknown |= configs is UNKNOWN
        for config in items(configs):
            zone_id = get(config, "privateDnsZoneId")
            zone = find_id(stack, zone_id, ZONE)
            key = parse_id(zone_id)
            if zone is not None:
                zones += [zone] if zone not in zones else []
            elif key is not None:
                outside.append(key.name)
            elif not linked and (config is UNKNOWN or zone_id is UNKNOWN):
                unknown = True
    return ZoneTargets(tuple(zones), tuple(outside), unknown)


def _zone_name(zone: Resource) -> str | None:
    key = identity(zone)
    return key.name if key is not None else lower(get(zone.props, "privateZoneName"))


def _linked_vnets(stack: Stack, zone: Resource) -> set[str]:
    urns: set[str] = set()
    for zone_link in stack.of_type(*ZONE_LINK):
        if parent(stack, zone_link, "privateZoneName", ZONE).target is not zone:
            continue
        vnet = link(
            stack, zone_link, "virtualNetwork", VNET, get(zone_link.props, "virtualNetwork", "id")
        )
        if vnet.target is not None:
            urns.add(vnet.target.urn)
    return urns


def _consumer_vnets(stack: Stack, registry: Resource) -> dict[str, str]:
    """VNets that must resolve the registry privately: agent pools' and AKS nodes'."""
    wanted: dict[str, str] = {}
    for pool in stack.of_type(*AGENT_POOL):
        if parent(stack, pool, "registryName", REGISTRY).target is registry:
            subnet = subnet_for(
                stack,
                pool,
                "virtualNetworkSubnetResourceId",
                get(pool.props, "virtualNetworkSubnetResourceId"),
            )
            if subnet.target is not None and subnet.target.vnet is not None:
                wanted[subnet.target.vnet.urn] = f"agent pool {pool.name}"
    for cluster in stack.of_type(*CLUSTER):
        for profile in mappings(get(cluster.props, "agentPoolProfiles")):
            subnet = subnet_for(stack, cluster, "agentPoolProfiles", get(profile, "vnetSubnetID"))
            if subnet.target is not None and subnet.target.vnet is not None:
                wanted.setdefault(subnet.target.vnet.urn, f"AKS cluster {cluster.name}")
    return wanted


def _zone_problem(
    endpoint: Resource, targets: ZoneTargets, cloud: Cloud, expected: str | None
) -> Outcome:
    """Why an endpoint's zones hold no zone of the registry's cloud, or what was not known."""
    names = targets.names()
    if targets.unknown or None in names:
        return Unchecked(endpoint.urn, f"{endpoint.name} DNS zone (not known until deployment)")
    if expected is None and set(names) & REGISTRY_ZONES:
        return Unchecked(endpoint.urn, f"{endpoint.name}: which cloud's zone ({cloud.source})")
    wrong = sorted({n for n in names if n})
    points = f"; it points at {', '.join(wrong)}" if wrong else ""
    return Finding(
        endpoint.urn,
        f"{endpoint.name}: its DNS zone group does not point at a {expected or REGISTRY_ZONE} "
        f"zone, the registry zone of {cloud.describe()}{points}.",
    )


def _dns_findings(
    stack: Stack, registry: Resource, endpoint: Resource, by_policy: bool
) -> Iterator[Outcome]:
    groups = _zone_groups(stack, endpoint)
    if not groups and by_policy:
        yield Unchecked(
            endpoint.urn,
            f"{endpoint.name} DNS records (left to Azure Policy: zoneGroupsManagedByPolicy; check "
            f"the deploy-if-not-exists assignment covers this endpoint)",
        )
        return
    if not groups:
        yield Finding(
            endpoint.urn,
            f"{endpoint.name}: the registry endpoint has no DNS zone group, so no A records are written for it.",
        )
        return
    targets = zone_targets(stack, groups)
    cloud = cloud_of(stack, registry)
    expected = zone_for(cloud.cloud, "registry") if cloud.cloud else None
    acr_zones = [z for z in targets.zones if _zone_name(z) == expected]
    if not acr_zones:
        # A hub's zone of the right name is fine: its VNet links are the hub's to make.
        if expected is None or expected not in targets.outside:
            yield _zone_problem(endpoint, targets, cloud, expected)
        return
    linked = {urn for zone in acr_zones for urn in _linked_vnets(stack, zone)}
    for vnet_urn, consumer in sorted(_consumer_vnets(stack, registry).items()):
        if vnet_urn not in linked:
            yield Finding(
                acr_zones[0].urn,
                f"{acr_zones[0].name}: {_zone_name(acr_zones[0])} is not linked to VNet {stack.by_urn[vnet_urn].name} of "
                f"{consumer}; the registry resolves to its public address there.",
            )


def _replicas(stack: Stack, registry: Resource) -> int:
    return sum(
        1
        for r in stack.of_type(*REPLICATION)
        if parent(stack, r, "registryName", REGISTRY).target is registry
    )


def _capacity(stack: Stack, registries: list[Resource]) -> Iterator[Outcome]:
    """Every endpoint subnet holds the addresses its endpoints take."""
    # Per subnet: the addresses its endpoints surely take, and at most (an endpoint whose group
    # ids are not known yet may be a registry's, which takes more).
    demand: dict[tuple[str, str], tuple[SubnetRef, int, int]] = {}
    for endpoint in stack.of_type(*ENDPOINT):
        subnet = _endpoint_subnet(stack, endpoint)
        if subnet is None:
            continue
        needed = most = capacity.OTHER_ENDPOINT_ADDRESSES
        registry = _target(stack, endpoint)
        if registry in registries and (_registry_groups(endpoint) or _unknown_groups(endpoint)):
            regional = lower(get(registry.props, "regionalEndpoints")) == "enabled"
            most = capacity.registry_endpoint_addresses(
                _replicas(stack, registry), regional_endpoints=regional
            )
            needed = most if _registry_groups(endpoint) else needed
        key = (subnet.owner.urn, subnet.label)
        _, used, at_most = demand.get(key, (subnet, 0, 0))
        demand[key] = (subnet, used + needed, at_most + most)
    for subnet, needed, at_most in demand.values():
        networks, unknown = subnet.prefixes(stack)
        if unknown:
            yield Unchecked(
                subnet.owner.urn,
                f"{subnet.owner.name} {subnet.label} capacity (prefixes unknown until deployment)",
            )
            continue
        if not networks:
            continue
        for problem in capacity.endpoint_capacity_problems(subnet.label, networks, needed):
            yield Finding(subnet.owner.urn, f"{subnet.owner.name}: {problem}.")
        if (
            at_most > needed
            and not capacity.endpoint_capacity_problems(subnet.label, networks, needed)
            and capacity.endpoint_capacity_problems(subnet.label, networks, at_most)
        ):
            what = f"{subnet.owner.name} {subnet.label} capacity (an endpoint's group ids are not known until deployment)"
            yield Unchecked(subnet.owner.urn, what)


def check_endpoint_dns(stack: Stack, settings: EndpointDnsSettings) -> Iterator[Outcome]:
    registries = [
        r for r in stack.of_type(*REGISTRY) if lower(get(r.props, "sku", "name")) == "premium"
    ]
    if not registries:
        raise NotApplicable("the stack has no Premium container registry")
    endpoints = [e for e in stack.of_type(*ENDPOINT) if _registry_groups(e)]
    for registry in registries:
        mine = [e for e in endpoints if _target(stack, e) is registry]
        if not mine and any(_may_target(stack, e, registry) for e in stack.of_type(*ENDPOINT)):
            yield Unchecked(
                registry.urn,
                f"{registry.name}: its private endpoint (which registry an endpoint serves is not known until deployment)",
            )
        elif not mine:
            yield Finding(
                registry.urn,
                f"{registry.name}: no private endpoint with group id 'registry' targets this registry.",
            )
        for endpoint in mine:
            yield from _dns_findings(
                stack, registry, endpoint, settings.zone_groups_managed_by_policy
            )
    yield from _capacity(stack, registries)


ACCESS_POLICY = resource_policy(ACCESS, [REGISTRY], check_access)
ENDPOINT_DNS_POLICY = stack_policy(ENDPOINT_DNS, check_endpoint_dns)
