"""production-diagnostic-logs: in production, the registry and the cluster send their logs to a workspace.

Resource logs are not kept anywhere until a diagnostic setting routes them (Learn,
azure-monitor/platform/diagnostic-settings). Without them nobody can tell who pushed or
deleted an image, who logged in to the registry, or what the cluster's API server and Entra ID
authorization decided, after the fact. In a production stack (``productionStacks``) every
container registry and AKS cluster needs diagnostic settings (``monitor:DiagnosticSetting``,
or its v2 token ``insights:DiagnosticSetting``) that send, to a Log Analytics workspace
(``workspaceId``), the log categories Microsoft lists for it (``private_acr_rules.
diagnostics``): ContainerRegistryRepositoryEvents and ContainerRegistryLoginEvents for a
registry; kube-apiserver, kube-audit-admin (or kube-audit) and guard for a cluster. The
category group ``allLogs`` covers all of them. Settings are matched to their resource by the
property dependency of ``resourceUri`` or by its id (``_links``).

Advisory by default: a landing zone often deploys these settings with Azure Policy
(deploy-if-not-exists) outside the stack, where this policy cannot see them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._config import production_stacks
from private_acr_policies._links import CLUSTER, REGISTRY, Kind, link
from private_acr_policies._model import UNKNOWN, Resource, Stack, get, mappings
from private_acr_policies._policy import (
    Finding,
    NotApplicable,
    Outcome,
    Rule,
    Unchecked,
    require_production,
    stack_policy,
)
from private_acr_rules import diagnostics

SETTING_KINDS: tuple[Kind, ...] = (
    ("monitor", "DiagnosticSetting"),
    ("insights", "DiagnosticSetting"),
)
TARGETS: tuple[tuple[Kind, diagnostics.LogProfile], ...] = (
    (REGISTRY, diagnostics.PROFILES[diagnostics.REGISTRY.lower()]),
    (CLUSTER, diagnostics.PROFILES[diagnostics.CLUSTER.lower()]),
)


@dataclass(frozen=True)
class DiagnosticLogSettings:
    production_stacks: tuple[str, ...] = production_stacks()


RULE = Rule(
    name="production-diagnostic-logs",
    description="In production, every container registry and AKS cluster sends its audit and control-plane logs to a Log Analytics workspace.",
    severity=Severity.MEDIUM,
    enforcement_level=EnforcementLevel.ADVISORY,
    remediation=(
        "Add a diagnostic setting per registry and cluster with workspaceId set and the log "
        "categories ContainerRegistryRepositoryEvents and ContainerRegistryLoginEvents "
        "(registry) or kube-apiserver, kube-audit-admin and guard (cluster); "
        "private_acr_tasks.Diagnostics creates them (config diagnostics.workspaceId to use a "
        "central workspace)."
    ),
    settings=DiagnosticLogSettings,
)


def _settings_of(stack: Stack, target: Resource, kind: Kind) -> list[Resource]:
    found: list[Resource] = []
    for setting_kind in SETTING_KINDS:
        for candidate in stack.of_type(*setting_kind):
            uri = get(candidate.props, "resourceUri")
            if link(stack, candidate, "resourceUri", kind, uri).target is target:
                found.append(candidate)
    return found


def _unresolved(stack: Stack) -> bool:
    """Whether some diagnostic setting's target is not known until deployment."""
    return any(
        get(candidate.props, "resourceUri") is UNKNOWN and not candidate.depends_via("resourceUri")
        for setting_kind in SETTING_KINDS
        for candidate in stack.of_type(*setting_kind)
    )


def _enabled_logs(setting: Resource) -> list[str] | None:
    """The categories and groups a setting enables, or ``None`` when not known yet."""
    logs = get(setting.props, "logs")
    if logs is UNKNOWN:
        return None
    enabled: list[str] = []
    for entry in mappings(logs):
        if get(entry, "enabled") is False:
            continue
        for key in ("category", "categoryGroup"):
            value = get(entry, key)
            if value is UNKNOWN:
                return None
            if isinstance(value, str):
                enabled.append(value)
    return enabled


def _to_workspace(settings: Sequence[Resource]) -> list[Resource]:
    """The settings with a workspace (one known only at deployment counts: it is set)."""
    sent: list[Resource] = []
    for candidate in settings:
        workspace = get(candidate.props, "workspaceId")
        if workspace is UNKNOWN or (isinstance(workspace, str) and workspace):
            sent.append(candidate)
    return sent


def _target_findings(
    target: Resource, settings: Sequence[Resource], profile: diagnostics.LogProfile
) -> Iterator[Outcome]:
    if not settings:
        kind = target.kind[1] if target.kind else target.type
        yield Finding(
            target.urn,
            f"{target.name}: no diagnostic setting targets this {kind}; its logs are not kept.",
        )
        return
    to_workspace = _to_workspace(settings)
    if not to_workspace:
        yield Finding(
            target.urn,
            f"{target.name}: its diagnostic settings send nothing to a Log Analytics workspace (workspaceId unset).",
        )
        return
    enabled: list[str] = []
    for sender in to_workspace:
        logs = _enabled_logs(sender)
        if logs is None:
            yield Unchecked(target.urn, f"{sender.name} logs (unknown until deployment)")
            return
        enabled += logs
    missing = diagnostics.missing_categories(profile, enabled)
    if missing:
        yield Finding(
            target.urn,
            f"{target.name}: the log categories {', '.join(missing)} are not sent to a workspace.",
        )


def check(stack: Stack, settings: DiagnosticLogSettings) -> Iterator[Outcome]:
    require_production(stack, settings.production_stacks)
    targets = [(t, kind, p) for kind, p in TARGETS for t in stack.of_type(*kind)]
    if not targets:
        raise NotApplicable("the stack has no container registry or AKS cluster")
    unresolved = _unresolved(stack)
    for target, kind, profile in targets:
        mine = _settings_of(stack, target, kind)
        if not mine and unresolved:
            yield Unchecked(
                target.urn, f"{target.name} diagnostic settings (target not known until deployment)"
            )
        else:
            yield from _target_findings(target, mine, profile)


POLICY = stack_policy(RULE, check)
