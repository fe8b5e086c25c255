"""registry-private-access and registry-private-endpoint-dns: the registry is reached privately.

Access: public network access disabled (or the network rule set defaults to Deny), admin
user and anonymous pull off (CKV_AZURE_137/138/139, Azure Policy d0793b48, dc921057,
9f2dea28). The azure-native SDK fills ``publicNetworkAccess: Enabled`` when it is not set.

Private endpoint and DNS (Learn, container-registry-private-link.md): each Premium registry
has a private endpoint with group ``registry``, whose DNS zone group writes the registry and
data-endpoint records into ``privatelink.azurecr.io``; the zone is linked to every VNet that
pulls or builds (the agent pool's and the AKS nodes'), and the endpoint subnet has 2 free
addresses plus 1 per geo-replica for each registry endpoint, 1 for any other endpoint.
"""

# pyright: reportUnknownArgumentType=false, reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnnecessaryIsInstance=false
# (Temporary while issue 10 reworks this module; remove this line when it is clean under strict.)

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._model import UNKNOWN, Resource, Stack, get, items, lower
from private_acr_policies._network_links import registry_of, subnet_for
from private_acr_policies._policy import Finding, NotApplicable, Rule, resource_policy, stack_policy
from private_acr_rules import cidr
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
)

ENDPOINT_DNS = Rule(
    name="registry-private-endpoint-dns",
    description=f"Every Premium registry needs a private endpoint whose DNS records live in a {REGISTRY_ZONE} zone linked to the VNets that use it.",
    severity=Severity.HIGH,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation=(
        "Create a private endpoint (group id 'registry') in the private-endpoint subnet, a "
        f"{REGISTRY_ZONE} private DNS zone, a DNS zone group on the endpoint pointing at it, and "
        "a VNet link from the zone to each VNet hosting the agent pool or AKS nodes. "
        "private_acr_tasks.PrivateLinkEndpoint builds all four."
    ),
)


def check_access(registry: Resource, config: Mapping[str, Any]) -> list[str]:
    props = registry.props
    public = get(props, "publicNetworkAccess")
    default_action = get(props, "networkRuleSet", "defaultAction")
    if public is UNKNOWN and default_action in (UNKNOWN, None):
        raise NotApplicable("publicNetworkAccess is not known until the registry is created")
    problems: list[str] = []
    if lower(public) != "disabled" and lower(default_action) != "deny":
        problems.append(
            f"{registry.name}: publicNetworkAccess is {public or 'Enabled (the default)'} and the network rule set "
            f"does not default to Deny, so the registry is reachable from any network."
        )
    if get(props, "adminUserEnabled") is True:
        problems.append(
            f"{registry.name}: adminUserEnabled is true; the shared admin credential must be off."
        )
    if get(props, "anonymousPullEnabled") is True:
        problems.append(
            f"{registry.name}: anonymousPullEnabled is true; anyone who reaches it could pull images."
        )
    return problems


def _targets(endpoint: Resource, registry: Resource) -> bool:
    connections = [
        *items(get(endpoint.props, "privateLinkServiceConnections")),
        *items(get(endpoint.props, "manualPrivateLinkServiceConnections")),
    ]
    groups = {
        lower(g)
        for c in connections
        if isinstance(c, dict)
        for g in items(c.get("groupIds"))
        if isinstance(g, str)
    }
    if "registry" not in groups:
        return False
    linked = registry.urn in endpoint.depends_via(
        "privateLinkServiceConnections"
    ) or registry.urn in endpoint.depends_via("manualPrivateLinkServiceConnections")
    ids = {lower(c.get("privateLinkServiceId")) for c in connections if isinstance(c, dict)}
    return linked or (registry.arm_id is not None and registry.arm_id in ids)


def _zones_of(stack: Stack, endpoint: Resource) -> tuple[list[Resource], bool, bool]:
    """Zones the endpoint's zone groups point at; whether it has a group; whether one points outside the stack."""
    zones: list[Resource] = []
    has_group = False
    external = False
    for group in stack.of_type("network", "PrivateDnsZoneGroup"):
        if endpoint.urn not in group.depends_via("privateEndpointName") and get(
            group.props, "privateEndpointName"
        ) not in (
            endpoint.physical_name,
            get(endpoint.props, "privateEndpointName"),
        ):
            continue
        has_group = True
        linked = stack.all_linked(group, "privateDnsZoneConfigs", "privatedns", "PrivateZone")
        zones.extend(linked)
        for config in items(get(group.props, "privateDnsZoneConfigs")):
            zone_id = get(config, "privateDnsZoneId")
            if isinstance(zone_id, str):
                zone = stack.by_id.get(zone_id.lower())
                if zone is not None and zone not in zones:
                    zones.append(zone)
                elif zone is None and not linked and zone_id.lower().endswith("/" + REGISTRY_ZONE):
                    external = True
    return zones, has_group, external


def _zone_name(zone: Resource) -> str | None:
    return lower(zone.props.get("privateZoneName") or zone.physical_name)


def _linked_vnets(stack: Stack, zone: Resource) -> set[str]:
    urns: set[str] = set()
    for link in stack.of_type("privatedns", "VirtualNetworkLink"):
        if zone.urn not in link.depends_via("privateZoneName") and lower(
            get(link.props, "privateZoneName")
        ) != _zone_name(zone):
            continue
        urns.update(link.depends_via("virtualNetwork"))
        vnet = stack.by_id.get(str(lower(get(link.props, "virtualNetwork", "id"))))
        if vnet is not None:
            urns.add(vnet.urn)
    return urns


def _consumer_vnets(stack: Stack, registry: Resource) -> dict[str, str]:
    """VNets that must resolve the registry privately: agent pools' and AKS nodes'."""
    wanted: dict[str, str] = {}
    for pool in stack.of_type("containerregistry", "AgentPool"):
        if registry_of(stack, pool) is registry:
            subnet = subnet_for(
                stack,
                pool,
                "virtualNetworkSubnetResourceId",
                get(pool.props, "virtualNetworkSubnetResourceId"),
            )
            if subnet is not None and subnet.vnet is not None:
                wanted[subnet.vnet.urn] = f"agent pool {pool.name}"
    for cluster in stack.of_type("containerservice", "ManagedCluster"):
        for profile in items(get(cluster.props, "agentPoolProfiles")):
            subnet = subnet_for(stack, cluster, "agentPoolProfiles", get(profile, "vnetSubnetID"))
            if subnet is not None and subnet.vnet is not None:
                wanted.setdefault(subnet.vnet.urn, f"AKS cluster {cluster.name}")
    return wanted


def check_endpoint_dns(stack: Stack, config: Mapping[str, Any]) -> list[Finding]:
    registries = [
        r
        for r in stack.of_type("containerregistry", "Registry")
        if lower(get(r.props, "sku", "name")) == "premium"
    ]
    if not registries:
        raise NotApplicable("the stack has no Premium container registry")
    findings: list[Finding] = []
    endpoints = list(stack.of_type("network", "PrivateEndpoint"))
    demand: dict[str, tuple[Resource, int]] = {}
    for endpoint in endpoints:
        subnet = stack.linked(
            endpoint, "subnet", "network", "Subnet", get(endpoint.props, "subnet", "id")
        )
        if subnet is not None:
            owner, used = demand.get(subnet.urn, (subnet, 0))
            demand[subnet.urn] = (owner, used + 1)
    for registry in registries:
        replicas = sum(
            1
            for replica in stack.of_type("containerregistry", "Replication")
            if registry.urn in replica.depends_via("registryName")
        )
        mine = [e for e in endpoints if _targets(e, registry)]
        if not mine:
            findings.append(
                Finding(
                    registry.urn,
                    f"{registry.name}: no private endpoint with group id 'registry' targets this registry.",
                )
            )
            continue
        wanted = _consumer_vnets(stack, registry)
        for endpoint in mine:
            subnet = stack.linked(
                endpoint, "subnet", "network", "Subnet", get(endpoint.props, "subnet", "id")
            )
            if subnet is not None:
                owner, used = demand[subnet.urn]
                demand[subnet.urn] = (owner, used + cidr.REGISTRY_ENDPOINT_ADDRESSES - 1 + replicas)
            zones, has_group, external = _zones_of(stack, endpoint)
            if not has_group:
                findings.append(
                    Finding(
                        endpoint.urn,
                        f"{endpoint.name}: the registry endpoint has no DNS zone group, so no A records are written for it.",
                    )
                )
                continue
            acr_zones = [z for z in zones if _zone_name(z) == REGISTRY_ZONE]
            if not acr_zones:
                if not external:
                    findings.append(
                        Finding(
                            endpoint.urn,
                            f"{endpoint.name}: its DNS zone group does not point at a {REGISTRY_ZONE} zone.",
                        )
                    )
                continue
            linked: set[str] = set()
            for zone in acr_zones:
                linked |= _linked_vnets(stack, zone)
            for vnet_urn, consumer in sorted(wanted.items()):
                if vnet_urn not in linked:
                    vnet = stack.by_urn[vnet_urn]
                    findings.append(
                        Finding(
                            acr_zones[0].urn,
                            f"{acr_zones[0].name}: {REGISTRY_ZONE} is not linked to VNet {vnet.name} of {consumer}; "
                            f"the registry resolves to its public address there.",
                        )
                    )
    for owner, used in demand.values():
        prefix = get(owner.props, "addressPrefix")
        network = cidr.parse_cidr(prefix).network if isinstance(prefix, str) else None
        if network is not None:
            findings.extend(
                Finding(owner.urn, f"{owner.name}: {problem}.")
                for problem in cidr.endpoint_capacity_problems("addressPrefix", network, used)
            )
    return findings


ACCESS_POLICY = resource_policy(ACCESS, [("containerregistry", "Registry")], check_access)
ENDPOINT_DNS_POLICY = stack_policy(ENDPOINT_DNS, check_endpoint_dns)
