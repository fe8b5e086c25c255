"""agent-pool-region and agent-pool-firewall-egress: where an agent pool can run and get out.

Region (Learn, tasks-agent-pools.md, "Preview limitations"): dedicated agent pools exist only in
the regions ``private_acr_rules.agent_pools.AVAILABLE_REGIONS`` lists; elsewhere creating one
fails. Advisory: the list grows while the feature is in preview.

Firewall: when the agent subnet's route table sends 0.0.0.0/0 to a virtual appliance or a
gateway (Learn, virtual-networks-udr-overview), an NSG Allow does not prove the agents get
out. An Azure Firewall policy in the stack is evaluated for the required flows
(``private_acr_rules.firewall``: groups, then collections, by priority; the first network rule
that matches decides); without one, the finding lists exactly the flows the firewall must
allow. Advisory: the hub firewall usually lives in another stack, which the preflight of
``network.existingSubnetIds`` checks with ``network.firewallPolicyId``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._config import NoSettings
from private_acr_policies._links import (
    AGENT_POOL,
    FIREWALL_POLICY,
    ROUTE,
    ROUTE_TABLE,
    RULE_COLLECTION_GROUP,
    SubnetRef,
    link,
    parent,
    subnet_for,
)
from private_acr_policies._model import UNKNOWN, Resource, Stack, get, mappings
from private_acr_policies._policy import (
    Finding,
    NotApplicable,
    Outcome,
    Rule,
    Unchecked,
    stack_policy,
)
from private_acr_rules import agent_pools, egress, firewall

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
    description="When an agent subnet's default route leads to a firewall, the firewall must allow the traffic ACR Tasks agents need.",
    severity=Severity.HIGH,
    enforcement_level=EnforcementLevel.ADVISORY,
    remediation=(
        "Allow, in the firewall policy's network rules, TCP from the agent subnet to "
        "AzureKeyVault, Storage, EventHub and AzureActiveDirectory on 443 and AzureMonitor on 443 "
        "and 12000 (service tags), above any Deny that matches them."
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


def _routes(stack: Stack, table: Resource) -> list[Mapping[str, Any]]:
    inline = mappings(get(table.props, "routes"))
    standalone = [
        route.props
        for route in stack.of_type(*ROUTE)
        if parent(stack, route, "routeTableName", ROUTE_TABLE).target is table
    ]
    return [*inline, *standalone]


def _rule_groups(stack: Stack, policy: Resource) -> list[Mapping[str, Any]]:
    return [
        group.props
        for group in stack.of_type(*RULE_COLLECTION_GROUP)
        if parent(stack, group, "firewallPolicyName", FIREWALL_POLICY).target is policy
    ]


def _firewall_of(stack: Stack, pool: Resource, subnet: SubnetRef) -> Iterator[Outcome]:
    reference = get(subnet.data, "routeTable")
    if reference is None:
        return
    dependency = "routeTable" if subnet.owner.is_a("network", "Subnet") else "subnets"
    table = link(stack, subnet.owner, dependency, ROUTE_TABLE, get(reference, "id"))
    if table.target is None:
        yield Unchecked(
            pool.urn, f"{pool.name}: the route table of subnet {subnet.label} (not in this stack)"
        )
        return
    if not firewall.forces_default_route(_routes(stack, table.target)):
        return
    prefixes, unknown = subnet.prefixes(stack)
    policies = list(stack.of_type(*FIREWALL_POLICY))
    if not policies or unknown:
        flows = "; ".join(str(f) for f in egress.required_flows())
        yield Finding(
            pool.urn,
            f"{pool.name}: subnet {subnet.label} sends 0.0.0.0/0 through a firewall this stack "
            f"cannot see; it must allow from the agent subnet: {flows}.",
        )
        return
    for policy in policies:
        for verdict in firewall.required_egress(_rule_groups(stack, policy), prefixes):
            if verdict.decision is firewall.Decision.DENIED:
                by = f"rule {verdict.rule}" if verdict.rule else "no network rule allows it"
                yield Finding(
                    pool.urn,
                    f"{pool.name}: firewall policy {policy.name} denies {verdict.flow} from the "
                    f"agent subnet ({by}); the pool fails to provision or its runs stay Queued.",
                )
            elif verdict.decision is firewall.Decision.UNDECIDED:
                yield Unchecked(
                    pool.urn,
                    f"{pool.name}: {verdict.flow} through {policy.name} (application rules)",
                )


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
