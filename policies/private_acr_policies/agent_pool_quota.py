"""agent-pool-vcpu-quota: the agent pools of one registry fit its vCPU quota together.

Learn, tasks-agent-pools.md ("Pricing tiers", "Preview limitations"): S1 has 2 vCPUs per
instance, S2 4, S3 8, I6 64, and "For each registry, the default total vCPU (core) quota is 16
for all standard agent pools and is 0 for isolated agent pools"; more takes a support request.
The quota is the registry's, not a pool's: two S3 pools of two instances need 32 vCPUs, and the
pool that does not fit fails at deployment after everything before it was created
(``private_acr_rules.agent_pools.quota_problems`` sums them, for the stack settings and here).

Standard and isolated pools are summed apart, each sum held to its own quota: ``vcpuQuota``
(the stack's ``agentPoolQuota``, or its older spelling ``agentPool.vcpuQuota``, where 0 means
Azure's 16; else 16) and ``vcpuQuotaIsolated`` (the stack's ``agentPoolQuotaIsolated``, else
Azure's 0), the same keys and the same rule (``agent_pools.quota_problems``) as the program's.
Pools belong together when they name the same registry (by property dependency, ARM id, or
resource group and name); a pool whose registry, tier or count is not known until deployment
is left out and said so.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._config import Integer, StackValue, setting
from private_acr_policies._links import AGENT_POOL, REGISTRY, parent
from private_acr_policies._model import UNKNOWN, Resource, Stack, get, lower
from private_acr_policies._policy import (
    Finding,
    NotApplicable,
    Outcome,
    Rule,
    Unchecked,
    origin,
    stack_policy,
)
from private_acr_policies._stack_config import StackConfig
from private_acr_rules import agent_pools
from private_acr_rules.agent_pools import AgentPoolTier


def _whole(text: str | None) -> object:
    """A stack config number (the CLI hands every value over as text)."""
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        return text


def _standard_quota(stack: StackConfig) -> StackValue | None:
    quota = _whole(stack.text("agentPoolQuota"))
    older = stack.object_field("agentPool", "vcpuQuota")
    if quota not in (None, 0):
        return StackValue(quota, stack.key("agentPoolQuota"))
    if older is not None:
        return StackValue(older, f"{stack.key('agentPool')}.vcpuQuota")
    if quota == 0:
        # The project's default, 0, means Azure's quota, as the program reads it.
        return StackValue(agent_pools.STANDARD_VCPU_QUOTA, stack.key("agentPoolQuota"))
    return None


def _isolated_quota(stack: StackConfig) -> StackValue | None:
    quota = _whole(stack.text("agentPoolQuotaIsolated"))
    return None if quota is None else StackValue(quota, stack.key("agentPoolQuotaIsolated"))


@dataclass(frozen=True)
class QuotaSettings:
    vcpu_quota: int = setting(
        Integer(0),
        agent_pools.STANDARD_VCPU_QUOTA,
        "The registry's vCPU quota for its standard (S1-S3) pools together. Default: the "
        "stack's agentPoolQuota (0 there is Azure's 16), else 16, Azure's.",
        from_stack=_standard_quota,
    )
    vcpu_quota_isolated: int = setting(
        Integer(0),
        agent_pools.ISOLATED_VCPU_QUOTA,
        "The registry's vCPU quota for its isolated (I6) pools together. Default: the stack's "
        "agentPoolQuotaIsolated, else 0, Azure's.",
        from_stack=_isolated_quota,
    )


RULE = Rule(
    name="agent-pool-vcpu-quota",
    description="The agent pools of one registry must fit its vCPU quota together (16 vCPUs for standard pools and none for isolated pools by default).",
    severity=Severity.HIGH,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation=(
        "Lower the tier or count of the registry's pools until they fit (S1 2, S2 4, S3 8, I6 "
        "64 vCPUs per instance), or ask Azure support to raise the registry's quota and set the "
        "stack's agentPoolQuota (standard pools) or agentPoolQuotaIsolated (I6 pools) to it; "
        "this policy reads them (vcpuQuota and vcpuQuotaIsolated override them)."
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


def _label(setting_key: str, stack_key: str) -> str:
    """What to set, as the program names it, and where the quota used came from."""
    return f"{stack_key} in the stack config (quota from {origin(setting_key)})"


def check(stack: Stack, settings: QuotaSettings) -> Iterator[Outcome]:
    if not stack.of_type(*AGENT_POOL):
        raise NotApplicable("the stack has no ACR agent pool")
    notes: list[Outcome] = []
    standard = agent_pools.Quota(settings.vcpu_quota, _label("vcpuQuota", "agentPoolQuota"))
    isolated_quota = agent_pools.Quota(
        settings.vcpu_quota_isolated, _label("vcpuQuotaIsolated", "agentPoolQuotaIsolated")
    )
    for registry, pools in _groups(stack, notes).values():
        for isolated in (False, True):
            members = [p for p in pools if agent_pools.is_isolated(p.tier) == isolated]
            problems = agent_pools.quota_problems(
                [(f"the pools of {registry}", p.tier, p.count) for p in members],
                standard,
                isolated_quota,
            )
            for problem in problems:
                names = ", ".join(p.resource.name for p in members)
                for member in members:
                    yield Finding(member.resource.urn, f"{problem} (pools: {names})")
    yield from notes


POLICY = stack_policy(RULE, check)
