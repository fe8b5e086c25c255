"""production-data-protection: a production stack cannot drop the guards on stateful resources.

In a production stack (``productionStacks``), the registry, agent pools, AKS clusters and
storage accounts must be protected (Pulumi refuses to delete a protected resource, so a
refactor or a mistaken ``destroy`` stops instead of removing them), and every registry keeps
its artifacts for at least ``minSoftDeleteDays``:

- a registry of one region keeps deleted artifacts recoverable with the soft delete policy
  (its retention period defaults to seven days when not set; Learn,
  container-registry-soft-delete-policy.md);
- a geo-replicated registry (a ``containerregistry.Replication`` of it in the stack) cannot use
  soft delete ("The soft delete policy doesn't support a geo-replicated registry", same page,
  limitations) and keeps untagged manifests with the retention policy instead, for at least as
  many days (its days default to seven too; Learn, container-registry-retention-policy.md).

ACR allows one of the two policies at a time (same page). Replicas are matched to their
registry by identity (``_links``). A known bad value fails whatever else is unknown in a preview:
a policy that is off, whatever its days; too few days, whatever its status.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._config import Integer, production_stacks, setting
from private_acr_policies._links import REGISTRY, REPLICATION, parent
from private_acr_policies._model import UNKNOWN, Resource, Stack, get, lower
from private_acr_policies._policy import (
    Finding,
    Outcome,
    Rule,
    Unchecked,
    require_production,
    stack_policy,
)

DEFAULT_DAYS = 7
"""What ACR keeps when a policy is on without a day count (soft delete and retention alike)."""


@dataclass(frozen=True)
class ProtectionSettings:
    production_stacks: tuple[str, ...] = production_stacks()
    min_soft_delete_days: int = setting(
        Integer(1, 90),
        7,
        "The fewest days deleted registry artifacts stay recoverable (soft delete), or, in a "
        "geo-replicated registry, which cannot use soft delete, untagged manifests are kept (retention).",
    )


RULE = Rule(
    name="production-data-protection",
    description="Production stacks must protect stateful resources and keep deleted registry artifacts recoverable.",
    severity=Severity.HIGH,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation=(
        "Set protect: true in the stack config (the components pass it to the registry, agent "
        "pool, cluster and storage), and registry.softDeleteDays (e.g. 30) instead of "
        "retentionDays; a geo-replicated registry (registry.replicas) keeps registry.retentionDays "
        "(e.g. 30) instead, as soft delete does not support replicas."
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
    require_production(stack, settings.production_stacks)
    for module, name in GUARDED:
        for resource in stack.of_type(module, name):
            if not resource.protect:
                yield Finding(
                    resource.urn,
                    f"{resource.name}: the {name} is not protected; a replacement or destroy would delete it.",
                )
    for registry in stack.of_type(*REGISTRY):
        yield from _lifecycle(stack, registry, settings.min_soft_delete_days)


def _replicated(stack: Stack, registry: Resource) -> bool | None:
    """Whether a replica of the stack names this registry; ``None`` when no known replica
    does but one's registry is not known until deployment."""
    unknown = False
    for replica in stack.of_type(*REPLICATION):
        found = parent(stack, replica, "registryName", REGISTRY)
        if found.target is registry:
            return True
        unknown = unknown or found.state == "unknown"
    return None if unknown else False


@dataclass(frozen=True)
class _Lifecycle:
    policy: str
    days: str
    keeps: str
    off: str


_SOFT_DELETE = _Lifecycle(
    "softDeletePolicy",
    "retentionDays",
    "soft delete keeps artifacts",
    "soft delete is off; deleted images cannot be recovered.",
)
_RETENTION = _Lifecycle(
    "retentionPolicy",
    "days",
    "retention keeps untagged manifests",
    "the registry is geo-replicated, which soft delete does not support, and its retention "
    "policy is off; untagged manifests are not kept.",
)


def _lifecycle(stack: Stack, registry: Resource, minimum: int) -> Iterator[Outcome]:
    """Soft delete on a registry of one region, retention on a geo-replicated one. When the
    replicas' registry is not known yet, a violation under both readings still is one."""
    replicated = _replicated(stack, registry)
    if replicated is not None:
        yield from _kept(registry, _RETENTION if replicated else _SOFT_DELETE, minimum)
        return
    soft_delete = list(_kept(registry, _SOFT_DELETE, minimum))
    retention = list(_kept(registry, _RETENTION, minimum))
    if any(isinstance(o, Finding) for o in soft_delete) and any(
        isinstance(o, Finding) for o in retention
    ):
        yield from (o for o in (*soft_delete, *retention) if isinstance(o, Finding))
    else:
        yield Unchecked(
            registry.urn,
            f"{registry.name}: soft delete or retention (whether a replica of it exists is not "
            "known until deployment)",
        )


def _kept(registry: Resource, wanted: _Lifecycle, minimum: int) -> Iterator[Outcome]:
    """Whether ``wanted`` keeps artifacts ``minimum`` days. A known bad value is a violation
    whatever else is unknown: ``disabled`` whatever the days, and too few days whatever the
    status (off or too short, both fail)."""
    policy = get(registry.props, "policies", wanted.policy)
    status, days = get(policy, "status"), get(policy, wanted.days)
    field = f"{registry.name} policies.{wanted.policy}"
    if policy is UNKNOWN:
        yield Unchecked(registry.urn, f"{field} (unknown until deployment)")
        return
    if status is not UNKNOWN and lower(status) != "enabled":
        yield Finding(registry.urn, f"{registry.name}: {wanted.off}")
        return
    if days is UNKNOWN:
        yield Unchecked(registry.urn, f"{field}.{wanted.days} (unknown until deployment)")
        return
    kept = days if isinstance(days, int | float) and not isinstance(days, bool) else DEFAULT_DAYS
    if kept < minimum:
        yield Finding(
            registry.urn,
            f"{registry.name}: {wanted.keeps} {kept:g} days; at least {minimum} required.",
        )
    elif status is UNKNOWN:
        yield Unchecked(registry.urn, f"{field}.status (unknown until deployment)")


POLICY = stack_policy(RULE, check)
