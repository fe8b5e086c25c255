"""agent-pool-egress-rules and agent-pool-premium-registry: what a VNet-injected pool needs.

Learn (tasks-agent-pools.md): a pool in a VNet needs outbound TCP to AzureKeyVault, Storage,
EventHub and AzureActiveDirectory on 443 and to AzureMonitor on 443 and 12000; without it
pool creation times out or runs stay ``Queued``. The NSG on the pool's subnet is evaluated as
Azure evaluates it (``private_acr_rules.nsg``): inline rules and standalone SecurityRule
resources together, by priority, first match wins, then Azure's default rules; a required
flow is effectively allowed only if no part of it is denied, so an Allow shadowed by a
higher-priority Deny is a violation. While the subnet's prefix is not known (a preview), rules
naming an explicit source prefix may or may not hold it: the flows whose verdict depends on it
are reported as not checked, and those decided regardless (``*``, ``VirtualNetwork``) stay
decided. Agent pools exist only on Premium registries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._config import NoSettings
from private_acr_policies._links import (
    AGENT_POOL,
    REGISTRY,
    SubnetRef,
    nsg_of,
    nsg_rules,
    parent,
    ruleset,
    subnet_for,
    unknown_rules,
)
from private_acr_policies._model import UNKNOWN, Resource, Stack, get, lower
from private_acr_policies._policy import (
    Finding,
    NotApplicable,
    Outcome,
    Rule,
    Unchecked,
    stack_policy,
)
from private_acr_rules import egress, nsg

EGRESS = Rule(
    name="agent-pool-egress-rules",
    description="The NSG on an agent pool's subnet must allow the outbound traffic ACR Tasks agents need.",
    severity=Severity.HIGH,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation=(
        "Add outbound Allow rules (TCP, source VirtualNetwork) above any Deny that matches them: "
        "AzureKeyVault, Storage, EventHub and AzureActiveDirectory on 443, AzureMonitor on 443 "
        "and 12000. private_acr_rules.egress.agent_pool_security_rules() returns exactly these rules."
    ),
    settings=NoSettings,
)

PREMIUM = Rule(
    name="agent-pool-premium-registry",
    description="Agent pools can only be created on Premium container registries.",
    severity=Severity.HIGH,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation="Set the registry's sku.name to Premium, or run the builds without a dedicated agent pool.",
    settings=NoSettings,
)


def pools_of(stack: Stack) -> tuple[Resource, ...]:
    pools = tuple(stack.of_type(*AGENT_POOL))
    if not pools:
        raise NotApplicable("the stack has no ACR agent pool")
    return pools


def pool_subnet(stack: Stack, pool: Resource) -> SubnetRef | Unchecked | None:
    reference = get(pool.props, "virtualNetworkSubnetResourceId")
    subnet = subnet_for(stack, pool, "virtualNetworkSubnetResourceId", reference)
    if subnet.target is not None:
        return subnet.target
    if subnet.state == "unknown":
        return Unchecked(pool.urn, f"{pool.name}: its subnet (not known until deployment)")
    if subnet.state == "external":
        return Unchecked(pool.urn, f"{pool.name}: its subnet {reference} is not in this stack")
    return None


def each_injected_pool(
    stack: Stack, judge: Callable[[Stack, Resource, SubnetRef], Iterator[Outcome]]
) -> Iterator[Outcome]:
    """``judge`` on every agent pool in a VNet subnet of the stack, with that subnet; a pool
    whose subnet is not known, or not in the stack, is unchecked. Not applicable when no pool
    runs in a subnet."""
    injected = 0
    for pool in pools_of(stack):
        subnet = pool_subnet(stack, pool)
        if isinstance(subnet, Unchecked):
            injected += 1
            yield subnet
        elif subnet is not None:
            injected += 1
            yield from judge(stack, pool, subnet)
    if not injected:
        raise NotApplicable("no agent pool runs in a VNet subnet")


def _egress_of(stack: Stack, pool: Resource, subnet: SubnetRef) -> Iterator[Outcome]:
    found = nsg_of(stack, subnet)
    if found.state == "absent":
        return
    if found.target is None:
        where = "not known until deployment" if found.state == "unknown" else "not in this stack"
        yield Unchecked(pool.urn, f"{pool.name}: the NSG of subnet {subnet.label} ({where})")
        return
    group = found.target
    sources = nsg_rules(stack, group)
    rules = ruleset(sources)
    blocked, undecided = _required_flows(stack, subnet, rules)
    for flow, rule in blocked:
        yield Finding(
            pool.urn,
            f"{pool.name}: NSG {group.name} blocks {flow} from the agent subnet "
            f"(rule {rule.describe()}); the pool fails to provision or its runs stay Queued.",
        )
    for flow, prefix_unknown in undecided.items():
        depends = [f"the address prefix of subnet {subnet.label}"] if prefix_unknown else []
        depends += unknown_rules(sources, rules)
        yield Unchecked(
            pool.urn,
            f"{pool.name}: {flow} through NSG {group.name} (depends on {', '.join(depends)}, "
            "not known until deployment)",
        )


def _required_flows(
    stack: Stack, subnet: SubnetRef, rules: nsg.RuleSet
) -> tuple[dict[tuple[egress.Flow, nsg.SecurityRule], None], dict[egress.Flow, bool]]:
    """The required flows some rule blocks (with the rule), and those not known yet (``True``
    when they are so for the prefix not known). The known prefixes are checked as they are and
    a prefix not known yet as addresses some rules may or may not hold, so a Deny of the known
    ones stays a violation whatever the rest turns out to be."""
    prefixes, prefix_unknown = subnet.prefixes(stack)
    checks = [(egress.agent_pool_egress(rules, prefixes), False)] if prefixes else []
    if prefix_unknown or not prefixes:
        checks.append((egress.agent_pool_egress(rules, []), True))
    blocked = {(b.flow, b.rule): None for check, _ in checks for b in check.blocked}
    denied = {flow for flow, _ in blocked}
    undecided: dict[egress.Flow, bool] = {}
    for check, unknown in checks:
        for flow in check.undecided:
            if flow not in denied:
                undecided[flow] = undecided.get(flow, False) or unknown
    return blocked, undecided


def check_egress(stack: Stack, settings: NoSettings) -> Iterator[Outcome]:
    return each_injected_pool(stack, _egress_of)


def check_premium(stack: Stack, settings: NoSettings) -> Iterator[Outcome]:
    for pool in pools_of(stack):
        registry = parent(stack, pool, "registryName", REGISTRY)
        if registry.target is None:
            if registry.state == "unknown":
                yield Unchecked(pool.urn, f"{pool.name}: its registry (not known until deployment)")
            continue
        sku = get(registry.target.props, "sku", "name")
        if sku is UNKNOWN:
            yield Unchecked(pool.urn, f"{registry.target.name} sku.name (unknown until deployment)")
        elif isinstance(sku, str) and lower(sku) != "premium":
            yield Finding(
                pool.urn,
                f"{pool.name}: its registry {registry.target.name} is {sku}; agent pools need Premium.",
            )


EGRESS_POLICY = stack_policy(EGRESS, check_egress)
PREMIUM_POLICY = stack_policy(PREMIUM, check_premium)
