"""agent-pool-vcpu-quota: the agent pools of one registry fit its vCPU quota together.

Learn, tasks-agent-pools.md ("Pricing tiers", "Preview limitations"): S1 has 2 vCPUs per
instance, S2 4, S3 8, I6 64, and "For each registry, the default total vCPU (core) quota is 16
for all standard agent pools and is 0 for isolated agent pools"; more takes a support request.
The quota is the registry's, not a pool's: two S3 pools of two instances need 32 vCPUs, and the
pool that does not fit fails at deployment after everything before it was created
(``private_acr_rules.agent_pools.quota_problems`` sums them, for the stack settings and here).

``vcpuQuota`` (default 16, Azure's standard quota) is the quota a registry has been granted;
standard and isolated pools are summed apart and each sum is held to it, so under the default
an I6 pool, 64 vCPUs, never fits. Pools belong together when they name the same registry (by
property dependency, ARM id, or resource group and name); a pool whose registry, tier or count
is not known until deployment is left out and said so.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._config import Integer, setting
from private_acr_policies._links import AGENT_POOL, REGISTRY, parent
from private_acr_policies._model import UNKNOWN, Resource, Stack, get, lower
from private_acr_policies._policy import (
    Finding,
    NotApplicable,
    Outcome,
    Rule,
    Unchecked,
    stack_policy,
)
from private_acr_rules import agent_pools
from private_acr_rules.agent_pools import AgentPoolTier


@dataclass(frozen=True)
class QuotaSettings:
    vcpu_quota: int = setting(
        Integer(0),
        agent_pools.STANDARD_VCPU_QUOTA,
        "The registry's agent-pool vCPU quota (Azure's default is 16; raise it after a support request raises the registry's).",
    )


RULE = Rule(
    name="agent-pool-vcpu-quota",
    description="The agent pools of one registry must fit its vCPU quota together (16 vCPUs for standard pools by default).",
    severity=Severity.HIGH,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation=(
        "Lower the tier or count of the registry's pools until they fit (S1 2, S2 4, S3 8, I6 "
        "64 vCPUs per instance), or ask Azure support to raise the registry's quota and set "
        "this policy's vcpuQuota (and the stack's agentPoolQuota) to it."
    ),
    settings=QuotaSettings,
)

_TIERS = {tier.value.lower(): tier for tier in AgentPoolTier}


@dataclass(frozen=True)
class _Pool:
    resource: Resource
    tier: AgentPoolTier
    count: int


def _sized(pool: Resource) -> _Pool | Unchecked:
    """The pool's tier and count; a count left out is Azure's default of one instance."""
    tier, count = get(pool.props, "tier"), get(pool.props, "count")
    if tier is UNKNOWN or count is UNKNOWN:
        return Unchecked(pool.urn, f"{pool.name}: its tier or count (not known until deployment)")
    known = _TIERS.get(lower(tier) or "")
    if known is None:
        return Unchecked(pool.urn, f"{pool.name}: its tier {tier!r} is not S1, S2, S3 or I6")
    count = 1 if count is None else count
    if isinstance(count, float) and count.is_integer():
        count = int(count)
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        return Unchecked(pool.urn, f"{pool.name}: its count {count!r} is not a whole number")
    return _Pool(pool, known, count)


def _registry_key(stack: Stack, pool: Resource) -> tuple[str, str] | Unchecked:
    """Which registry the pool draws on: one of the stack's, or one it names by group and name."""
    registry = parent(stack, pool, "registryName", REGISTRY)
    if registry.target is not None:
        return (registry.target.urn, registry.target.name)
    group, name = get(pool.props, "resourceGroupName"), get(pool.props, "registryName")
    if isinstance(group, str) and isinstance(name, str) and registry.state != "unknown":
        return (f"{group.lower()}/{name.lower()}", name)
    return Unchecked(pool.urn, f"{pool.name}: its registry (not known until deployment)")


def _groups(stack: Stack, notes: list[Outcome]) -> dict[str, tuple[str, list[_Pool]]]:
    """Pools by registry: its identity -> (its name, its pools)."""
    groups: dict[str, tuple[str, list[_Pool]]] = {}
    for resource in stack.of_type(*AGENT_POOL):
        sized, key = _sized(resource), _registry_key(stack, resource)
        if isinstance(sized, Unchecked):
            notes.append(sized)
        elif isinstance(key, Unchecked):
            notes.append(key)
        else:
            groups.setdefault(key[0], (key[1], []))[1].append(sized)
    return groups


def check(stack: Stack, settings: QuotaSettings) -> Iterator[Outcome]:
    if not stack.of_type(*AGENT_POOL):
        raise NotApplicable("the stack has no ACR agent pool")
    notes: list[Outcome] = []
    for registry, pools in _groups(stack, notes).values():
        for isolated in (False, True):
            members = [p for p in pools if agent_pools.is_isolated(p.tier) == isolated]
            problems = agent_pools.quota_problems(
                [(f"the pools of {registry}", p.tier, p.count) for p in members],
                settings.vcpu_quota,
                f"{RULE.name}.vcpuQuota",
            )
            for problem in problems:
                names = ", ".join(p.resource.name for p in members)
                for member in members:
                    yield Finding(member.resource.urn, f"{problem} (pools: {names})")
    yield from notes


POLICY = stack_policy(RULE, check)
