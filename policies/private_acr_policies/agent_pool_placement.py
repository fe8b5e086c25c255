"""agent-pool-region and agent-pool-firewall-egress: where an agent pool can run and get out.

Region (Learn, tasks-agent-pools.md, "Preview limitations"): dedicated agent pools exist only in
the regions ``private_acr_rules.agent_pools.AVAILABLE_REGIONS`` lists; elsewhere creating one
fails. Advisory: the list grows while the feature is in preview.

Firewall: an NSG Allow proves nothing when the agent subnet's route table sends the traffic
elsewhere. Each required flow's service tag is routed as Azure routes it
(``private_acr_rules.routes``: the table's routes with Azure's system routes, longest prefix,
tag routes, Learn virtual-networks-udr-overview): traffic to next hop ``None`` is dropped (a
violation naming the route); traffic to a virtual appliance or a gateway must be allowed by the
Azure Firewall policy in the stack (``private_acr_rules.firewall``: its ``basePolicy`` chain,
DNAT, network and application rules in Azure's order, IP Groups of the stack); without one, the
finding lists exactly the flows the firewall must allow. The policy the firewall uses is the one
an ``AzureFirewall`` of the stack names, else every policy no other policy inherits from.
Advisory: the hub firewall usually lives in another stack, which the preflight of
``network.existingSubnetIds`` checks with ``network.firewallPolicyId``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._config import NoSettings
from private_acr_policies._links import (
    AGENT_POOL,
    AZURE_FIREWALL,
    FIREWALL_POLICY,
    IP_GROUP,
    ROUTE_TABLE,
    RULE_COLLECTION_GROUP,
    SubnetRef,
    find_id,
    link,
    parent,
    subnet_for,
    table_routes,
)
from private_acr_policies._model import UNKNOWN, Resource, Stack, get, items
from private_acr_policies._policy import (
    Finding,
    NotApplicable,
    Outcome,
    Rule,
    Unchecked,
    stack_policy,
)
from private_acr_rules import agent_pools, egress, firewall, routes
from private_acr_rules import nsg as nsg_rules

REGION = Rule(
    name="agent-pool-region",
    description="ACR Tasks agent pools can only be created in the regions that offer them.",
    severity=Severity.MEDIUM,
    enforcement_level=EnforcementLevel.ADVISORY,
    remediation=(
        "Put the registry and its agent pools in a region from Learn's list "
        f"({agent_pools.AVAILABLE_REGIONS_SOURCE}), e.g. eastus2, westeurope or usgovvirginia; "
        "or check that the list has grown to include yours."
    ),
    settings=NoSettings,
)

FIREWALL = Rule(
    name="agent-pool-firewall-egress",
    description="The agent subnet's routes must not drop the traffic ACR Tasks agents need, and a firewall they lead to must allow it.",
    severity=Severity.HIGH,
    enforcement_level=EnforcementLevel.ADVISORY,
    remediation=(
        "Route the agent subnet's traffic to AzureKeyVault, Storage, EventHub, "
        "AzureActiveDirectory and AzureMonitor to the internet or to a firewall, never to next "
        "hop None; and allow, in the firewall policy (or its parent), TCP from the agent subnet "
        "to those service tags on 443 and to AzureMonitor on 12000, above any Deny that matches "
        "them."
    ),
    settings=NoSettings,
)


def _pools(stack: Stack) -> tuple[Resource, ...]:
    pools = tuple(stack.of_type(*AGENT_POOL))
    if not pools:
        raise NotApplicable("the stack has no ACR agent pool")
    return pools


def check_region(stack: Stack, settings: NoSettings) -> Iterator[Outcome]:
    for pool in _pools(stack):
        location = get(pool.props, "location")
        if location is UNKNOWN:
            yield Unchecked(pool.urn, f"{pool.name} location (unknown until deployment)")
        elif isinstance(location, str) and not agent_pools.offers_agent_pools(location):
            yield Finding(
                pool.urn,
                f"{pool.name}: dedicated agent pools are not offered in {location}; creating "
                f"the pool fails there ({agent_pools.AVAILABLE_REGIONS_SOURCE}).",
            )


def _routes(stack: Stack, subnet: SubnetRef, table: Resource) -> routes.RouteTable:
    """The subnet's effective routes: its table's (inline and standalone) and Azure's."""
    user = table_routes(stack, table)
    spaces = get(subnet.vnet.props, "addressSpace", "addressPrefixes") if subnet.vnet else None
    networks = [
        n for t in items(spaces) if isinstance(t, str) and (n := stack.parse_cidr(t).network)
    ]
    return routes.RouteTable([*user, *routes.system_routes(networks)])


def _group_document(group: Resource) -> dict[str, Any]:
    name = get(group.props, "ruleCollectionGroupName")
    return {**group.props, "name": name if isinstance(name, str) else group.name}


def _chain(stack: Stack, policy: Resource) -> list[firewall.PolicyDocument]:
    """The policy's ``basePolicy`` chain, root first, as the firewall evaluator reads it."""
    documents: list[firewall.PolicyDocument] = []
    current: Resource | None = policy
    seen: set[str] = set()
    while current is not None and current.urn not in seen:
        seen.add(current.urn)
        groups = [
            _group_document(g)
            for g in stack.of_type(*RULE_COLLECTION_GROUP)
            if parent(stack, g, "firewallPolicyName", FIREWALL_POLICY).target is current
        ]
        documents.append(firewall.PolicyDocument(current.name, groups))
        reference = get(current.props, "basePolicy")
        if reference is None:
            break
        base = link(stack, current, "basePolicy", FIREWALL_POLICY, get(reference, "id"))
        if base.target is None:
            # A parent outside the stack: its rules come first and are not known here.
            documents.append(
                firewall.PolicyDocument(f"the parent policy of {current.name}", UNKNOWN)
            )
        current = base.target
    return list(reversed(documents))


def _ip_groups(stack: Stack) -> firewall.IpGroups:
    def addresses(group_id: str) -> list[str] | None:
        group = find_id(stack, group_id, IP_GROUP)
        listed = get(group.props, "ipAddresses") if group is not None else None
        if group is None or listed is UNKNOWN or any(a is UNKNOWN for a in items(listed)):
            return None
        return [a for a in items(listed) if isinstance(a, str)]

    return addresses


def _firewall_policies(stack: Stack) -> tuple[list[Resource], list[str]]:
    """The policies a firewall of the stack uses (else those no policy inherits from), and the
    firewalls of the stack whose policy is not in it."""
    attached: list[Resource] = []
    outside: list[str] = []
    for wall in stack.of_type(*AZURE_FIREWALL):
        reference = get(wall.props, "firewallPolicy")
        if reference is None:
            continue
        found = link(stack, wall, "firewallPolicy", FIREWALL_POLICY, get(reference, "id"))
        if found.target is not None:
            attached.append(found.target)
        else:
            outside.append(wall.name)
    if attached or outside:
        return list(dict.fromkeys(attached)), outside
    policies = list(stack.of_type(*FIREWALL_POLICY))
    parents = {
        base.target.urn
        for p in policies
        if get(p.props, "basePolicy") is not None
        and (
            base := link(stack, p, "basePolicy", FIREWALL_POLICY, get(p.props, "basePolicy", "id"))
        ).target
        is not None
    }
    return [p for p in policies if p.urn not in parents], []


def _routed(
    pool: Resource, subnet: SubnetRef, table: Resource, verdict: routes.RouteVerdict, tag: str
) -> Iterator[Outcome]:
    for part in verdict.dropped:
        by = part.route.describe() if part.route else "no route holds it"
        yield Finding(
            pool.urn,
            f"{pool.name}: route table {table.name} of subnet {subnet.label} drops the agents' "
            f"traffic to {part.destination} ({by}); TCP to {tag} must leave the subnet or the "
            "pool fails to provision and its runs stay Queued.",
        )
    for part in verdict.uncertain:
        if part.next_hop in (routes.NextHop.NONE, None):
            by = part.route.describe() if part.route else "no route"
            yield Unchecked(pool.urn, f"{pool.name}: whether {by} carries {tag} traffic")


def _firewall_of(stack: Stack, pool: Resource, subnet: SubnetRef) -> Iterator[Outcome]:
    reference = get(subnet.data, "routeTable")
    dependency = "routeTable" if subnet.owner.is_a("network", "Subnet") else "subnets"
    table = link(stack, subnet.owner, dependency, ROUTE_TABLE, get(reference, "id"))
    if table.target is None:
        where = "not known until deployment" if table.state == "unknown" else "not in this stack"
        yield Unchecked(
            pool.urn, f"{pool.name}: the route table of subnet {subnet.label} ({where})"
        )
        return
    effective = _routes(stack, subnet, table.target)
    inspected: list[egress.Flow] = []
    for tag in dict.fromkeys(f.service_tag for f in egress.required_flows()):
        verdict = effective.route_to_tag(tag)
        yield from _routed(pool, subnet, table.target, verdict, tag)
        if verdict.through(
            routes.NextHop.VIRTUAL_APPLIANCE, routes.NextHop.VIRTUAL_NETWORK_GATEWAY
        ):
            inspected += [f for f in egress.required_flows() if f.service_tag == tag]
    if inspected:
        yield from _through_firewall(stack, pool, subnet, inspected)


def _through_firewall(
    stack: Stack, pool: Resource, subnet: SubnetRef, flows: list[egress.Flow]
) -> Iterator[Outcome]:
    policies, outside = _firewall_policies(stack)
    if not policies:
        listed = "; ".join(str(f) for f in flows)
        where = f" (firewall {', '.join(outside)} uses a policy outside it)" if outside else ""
        yield Finding(
            pool.urn,
            f"{pool.name}: subnet {subnet.label} routes the agents' traffic through a firewall "
            f"this stack cannot see{where}; it must allow from the agent subnet: {listed}.",
        )
        return
    prefixes, unknown = subnet.prefixes(stack)
    source = nsg_rules.addresses([] if unknown else prefixes)
    for policy in policies:
        rules = firewall.EffectiveRules(_chain(stack, policy), ip_groups=_ip_groups(stack))
        for verdict in firewall.required_egress(rules, source, flows):
            if verdict.decision is firewall.Decision.DENIED:
                by = f"rule {verdict.rule}" if verdict.rule else "no rule allows it"
                yield Finding(
                    pool.urn,
                    f"{pool.name}: firewall policy {policy.name} denies {verdict.flow} from the "
                    f"agent subnet ({by}){_allowed_part(verdict)}; the pool fails to provision "
                    "or its runs stay Queued.",
                )
            elif verdict.decision is firewall.Decision.UNDECIDED:
                yield Unchecked(
                    pool.urn,
                    f"{pool.name}: {verdict.flow} through {policy.name} (depends on "
                    f"{verdict.rule or 'the agent subnet prefix, not known until deployment'})",
                )


def _allowed_part(verdict: firewall.FirewallVerdict) -> str:
    """What the policy does allow of a flow it denies in part (half the subnet, a region)."""
    allowing = verdict.verdict.allowing if verdict.verdict else []
    shown = sorted({f"from {p.source} to {p.destination}" for p in allowing})
    return f"; it allows only {', '.join(shown)}" if shown else ""


def check_firewall(stack: Stack, settings: NoSettings) -> Iterator[Outcome]:
    routed = 0
    for pool in _pools(stack):
        subnet = subnet_for(
            stack,
            pool,
            "virtualNetworkSubnetResourceId",
            get(pool.props, "virtualNetworkSubnetResourceId"),
        ).target
        if subnet is not None and get(subnet.data, "routeTable") is not None:
            routed += 1
            yield from _firewall_of(stack, pool, subnet)
    if not routed:
        raise NotApplicable("no agent pool's subnet in this stack has a route table")


REGION_POLICY = stack_policy(REGION, check_region)
FIREWALL_POLICY_CHECK = stack_policy(FIREWALL, check_firewall)
