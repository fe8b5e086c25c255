"""production-data-protection: a production stack cannot drop the guards on stateful resources.

In a production stack (``productionStacks``), the registry, agent pools, AKS clusters and
storage accounts must be protected (Pulumi refuses to delete a protected resource, so a
refactor or a mistaken ``destroy`` stops instead of removing them), and every registry keeps
deleted artifacts recoverable with the soft delete policy for at least ``minSoftDeleteDays``.
ACR allows soft delete or the retention policy, not both (Learn,
container-registry-soft-delete-policy.md, preview limitations); soft delete is the one that
protects data, and its retention period defaults to seven days when not set (same page).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._config import Integer, ListOf, Text, setting
from private_acr_policies._model import UNKNOWN, Stack, get, lower
from private_acr_policies._policy import (
    Finding,
    NotApplicable,
    Outcome,
    Rule,
    Unchecked,
    stack_policy,
)

SOFT_DELETE_DEFAULT_DAYS = 7


@dataclass(frozen=True)
class ProtectionSettings:
    production_stacks: tuple[str, ...] = setting(
        ListOf(Text()),
        ("prod", "production"),
        "Stack names (case-insensitive) treated as production.",
    )
    min_soft_delete_days: int = setting(
        Integer(1, 90), 7, "The fewest days deleted registry artifacts must stay recoverable."
    )


RULE = Rule(
    name="production-data-protection",
    description="Production stacks must protect stateful resources and keep deleted registry artifacts recoverable.",
    severity=Severity.HIGH,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation=(
        "Set protect: true in the stack config (the components pass it to the registry, agent "
        "pool, cluster and storage) and registry.softDeleteDays (e.g. 30) instead of retentionDays."
    ),
    settings=ProtectionSettings,
)

GUARDED = (
    ("containerregistry", "Registry"),
    ("containerregistry", "AgentPool"),
    ("containerservice", "ManagedCluster"),
    ("storage", "StorageAccount"),
)


def check(stack: Stack, settings: ProtectionSettings) -> Iterator[Outcome]:
    production = {name.lower() for name in settings.production_stacks}
    if stack.name.lower() not in production:
        raise NotApplicable(f"stack {stack.name or '(unknown)'} is not a production stack")
    for module, name in GUARDED:
        for resource in stack.of_type(module, name):
            if not resource.protect:
                yield Finding(
                    resource.urn,
                    f"{resource.name}: the {name} is not protected; a replacement or destroy would delete it.",
                )
    minimum = settings.min_soft_delete_days
    for registry in stack.of_type("containerregistry", "Registry"):
        policy = get(registry.props, "policies", "softDeletePolicy")
        status = get(policy, "status")
        days = get(policy, "retentionDays")
        if UNKNOWN in (policy, status, days):
            yield Unchecked(
                registry.urn,
                f"{registry.name} policies.softDeletePolicy (unknown until deployment)",
            )
        elif lower(status) != "enabled":
            yield Finding(
                registry.urn,
                f"{registry.name}: soft delete is off; deleted images cannot be recovered.",
            )
        else:
            kept = (
                days
                if isinstance(days, int | float) and not isinstance(days, bool)
                else SOFT_DELETE_DEFAULT_DAYS
            )
            if kept < minimum:
                yield Finding(
                    registry.urn,
                    f"{registry.name}: soft delete keeps artifacts {kept:g} days; at least {minimum} required.",
                )


POLICY = stack_policy(RULE, check)
