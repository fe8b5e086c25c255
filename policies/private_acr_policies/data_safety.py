"""production-data-protection: a production stack cannot drop the guards on stateful resources.

In a production stack (``productionStacks``), the registry, agent pools, AKS clusters and
storage accounts must be protected (Pulumi refuses to delete a protected resource, so a
refactor or a mistaken ``destroy`` stops instead of removing them), and every registry keeps
deleted artifacts recoverable with the soft delete policy. ACR allows soft delete or the
retention policy, not both (Learn, container-registry-soft-delete-policy.md, preview
limitations); soft delete is the one that protects data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._model import Stack, get, items, lower
from private_acr_policies._policy import Finding, NotApplicable, Rule, stack_policy

RULE = Rule(
    name="production-data-protection",
    description="Production stacks must protect stateful resources and keep deleted registry artifacts recoverable.",
    severity=Severity.HIGH,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation=(
        "Set protect: true in the stack config (the components pass it to the registry, agent "
        "pool, cluster and storage) and registry.softDeleteDays (e.g. 30) instead of retentionDays."
    ),
    config={
        "productionStacks": {
            "type": "array",
            "items": {"type": "string"},
            "default": ["prod", "production"],
            "description": "Stack names (case-insensitive) treated as production.",
        },
        "minSoftDeleteDays": {
            "type": "integer",
            "minimum": 1,
            "maximum": 90,
            "default": 7,
            "description": "The fewest days deleted registry artifacts must stay recoverable.",
        },
    },
)

GUARDED = (
    ("containerregistry", "Registry"),
    ("containerregistry", "AgentPool"),
    ("containerservice", "ManagedCluster"),
    ("storage", "StorageAccount"),
)


def check(stack: Stack, config: Mapping[str, Any]) -> list[Finding]:
    production = {str(name).lower() for name in items(config.get("productionStacks"))}
    if stack.name.lower() not in production:
        raise NotApplicable(f"stack {stack.name or '(unknown)'} is not a production stack")
    minimum = config.get("minSoftDeleteDays", 7)
    findings: list[Finding] = []
    for module, name in GUARDED:
        findings.extend(
            Finding(
                r.urn,
                f"{r.name}: the {name} is not protected; a replacement or destroy would delete it.",
            )
            for r in stack.of_type(module, name)
            if not r.protect
        )
    for registry in stack.of_type("containerregistry", "Registry"):
        policy = get(registry.props, "policies", "softDeletePolicy")
        days = get(policy, "retentionDays")
        if lower(get(policy, "status")) != "enabled":
            findings.append(
                Finding(
                    registry.urn,
                    f"{registry.name}: soft delete is off; deleted images cannot be recovered.",
                )
            )
        elif isinstance(minimum, int) and isinstance(days, int | float) and days < minimum:
            findings.append(
                Finding(
                    registry.urn,
                    f"{registry.name}: soft delete keeps artifacts {days:g} days; at least {minimum} required.",
                )
            )
    return findings


POLICY = stack_policy(RULE, check)
