"""Where the stack's resources send their logs: a Log Analytics workspace and diagnostic settings.

A resource's platform logs exist only once a diagnostic setting routes them somewhere (Learn,
azure-monitor/platform/diagnostic-settings). :class:`Diagnostics` creates a workspace
(``PerGB2018``, analytics retention 30-730 days; Learn, azure-monitor/logs/
data-retention-configure) or uses an existing one by id (a landing zone's central workspace),
and one ``monitor.DiagnosticSetting`` per target resource. Targets are any resource by id and
ARM type: the types this project deploys get Microsoft's categories from
``private_acr_rules.diagnostics`` (registry repository and login events with metrics, the
cluster's API server, audit-admin and guard logs, Key Vault audit events, blob reads, writes
and deletes); any other type names its own ``logs``/``metrics`` categories.

Targets come in the ``targets`` argument, or later through :meth:`Diagnostics.send` for a
resource created after the workspace (the cluster needs the workspace first for Container
Insights, and its logs go to the same workspace afterwards).
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NotRequired, TypedDict, cast

import pulumi
from pulumi_azure_native import monitor, operationalinsights

from private_acr_rules import naming
from private_acr_rules.diagnostics import ALL_LOGS, profile_for
from private_acr_rules.validation import FieldReader, Labels
from private_acr_tasks._common import (
    PlannedComponent,
    SharedArgs,
    child_name,
    known_fields,
    tags_of,
    type_token,
)
from private_acr_tasks.errors import ComponentArgsError

RETENTION_DAYS = (30, 730)
"""Analytics retention a PerGB2018 workspace accepts through this API (Learn, data-retention-configure)."""

_WORKSPACE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$")
_RESOURCE_TYPE = re.compile(r"^[A-Za-z]+\.[A-Za-z]+(/[A-Za-z]+)+$")
_CATEGORY = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")
_CATEGORY_GROUPS = frozenset({ALL_LOGS.lower(), "audit"})


class DiagnosticTargetArgs(TypedDict):
    """One resource whose logs and metrics go to the workspace."""

    resource_id: pulumi.Input[str]
    """ARM id of the resource (for a storage account's blob logs, ``<account id>/blobServices/default``)."""
    resource_type: str
    """Its ARM type, e.g. ``Microsoft.ContainerRegistry/registries``; picks the categories."""
    logs: NotRequired[Sequence[str]]
    """Log categories (or the groups ``allLogs``, ``audit``). Default: Microsoft's for the type."""
    metrics: NotRequired[Sequence[str]]
    """Metric categories, e.g. ``AllMetrics``. Default: Microsoft's for the type."""


class DiagnosticsInputs(SharedArgs):
    """The resources whose logs the workspace receives."""

    targets: NotRequired[Mapping[str, DiagnosticTargetArgs]]
    """Targets keyed by a short name; each is a ``<name>-<key>`` diagnostic setting. Default: none
    (add them later with ``send``)."""


class DiagnosticsArgs(DiagnosticsInputs):
    """Arguments of :class:`Diagnostics`."""

    workspace_id: NotRequired[str]
    """ARM id of an existing Log Analytics workspace to send to; none is created. Default: a
    workspace is created."""
    retention_days: NotRequired[int]
    """Analytics retention of the workspace created here, 30-730 days. Default 30."""
    workspace_name: NotRequired[str]
    """Name of the workspace created here (4-63 letters, digits, '-'). Default: generated."""


@dataclass(frozen=True)
class DiagnosticsPlan:
    workspace_id: str | None = None
    retention_days: int = 30
    workspace_name: str | None = None


def validate_diagnostics(fields: FieldReader) -> DiagnosticsPlan | None:
    mark = fields.mark()
    low, high = RETENTION_DAYS
    workspace_id = fields.arm_id(
        "workspace_id",
        "microsoft.operationalinsights",
        ("workspaces",),
        "the ARM id of a Log Analytics workspace "
        "(.../providers/Microsoft.OperationalInsights/workspaces/<name>)",
    )
    if workspace_id is not None and fields.present("retention_days"):
        fields.problem(
            "retention_days",
            f"applies only to a workspace this stack creates, but {fields.label('workspace_id')} "
            "names an existing one (set its retention there)",
        )
    name = None
    if fields.present("workspace_name"):
        name = fields.text("workspace_name", _WORKSPACE_NAME, "4-63 letters, digits or '-'")
    plan = DiagnosticsPlan(workspace_id, fields.whole("retention_days", low, high, 30), name)
    return None if fields.failed_since(mark) else plan


def validate_target(fields: FieldReader) -> bool:
    """The plain parts of one target: its type, and categories when the type is not known here."""
    kind = fields.text(
        "resource_type", _RESOURCE_TYPE, "an ARM type such as Microsoft.KeyVault/vaults"
    )
    logs = fields.texts("logs", _CATEGORY, "log categories such as AuditEvent")
    metrics = fields.texts("metrics", _CATEGORY, "metric categories such as AllMetrics")
    if kind is not None and profile_for(kind) is None and not logs and not metrics:
        fields.problem(
            "resource_type",
            f"{kind} has no categories known here; list its logs or metrics (Learn, "
            "azure-monitor/reference/supported-logs)",
        )
    fields.require("resource_id")
    return True


def _check_target(key: str, target: object, fields: FieldReader, path: str) -> None:
    if not naming.CHILD_KEY.fullmatch(key):
        fields.invalid(
            path, key, "a key of lower-case letters, digits or '-' (it names the setting)"
        )
    if not isinstance(target, Mapping):
        fields.invalid(path, target, "an object with resource_id and resource_type")
        return
    nested = fields.nested(path, cast(Mapping[str, object], target))
    nested.reject_unknown(known_fields(DiagnosticTargetArgs))
    validate_target(nested)


def _categories(target: DiagnosticTargetArgs) -> tuple[list[str], list[str], bool]:
    """(logs, metrics, resource-specific tables) for a valid target."""
    profile = profile_for(target["resource_type"])
    logs = list(target.get("logs", profile.logs if profile else ()))
    metrics = list(target.get("metrics", profile.metrics if profile else ()))
    return logs, metrics, bool(profile and profile.dedicated)


class Diagnostics(
    PlannedComponent[DiagnosticsPlan, DiagnosticsInputs],
    args=DiagnosticsArgs,
    validate=validate_diagnostics,
):
    """A Log Analytics workspace (or an existing one) and a diagnostic setting per target.

    Children: ``<name>-workspace`` (operationalinsights.Workspace, unless ``workspace_id`` is
    given) and ``<name>-<key>`` (monitor.DiagnosticSetting) per target.
    """

    workspace_id: pulumi.Output[str]
    """ARM id of the workspace every target sends to (created here or given)."""

    def __init__(
        self, name: str, args: DiagnosticsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        self._construct(name, self.plan(args), args, opts)

    def _check_links(self, plan: DiagnosticsPlan, links: FieldReader) -> None:
        for key, target in links.mapping("targets", "a map of short names to targets").items():
            _check_target(key, target, links, f"targets[{key}]")

    def _build(
        self,
        name: str,
        plan: DiagnosticsPlan,
        inputs: DiagnosticsInputs,
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        super().__init__(type_token("Diagnostics"), name, {}, opts)
        if plan.workspace_id is not None:
            self.workspace_id = pulumi.Output.from_input(plan.workspace_id)
        else:
            self.workspace_id = operationalinsights.Workspace(
                child_name(name, "workspace"),
                resource_group_name=inputs["resource_group_name"],
                location=inputs["location"],
                workspace_name=plan.workspace_name,
                sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
                retention_in_days=plan.retention_days,
                tags=tags_of(inputs),
                opts=pulumi.ResourceOptions(parent=self),
            ).id
        self.settings: dict[str, monitor.DiagnosticSetting] = {}
        for key, target in sorted(inputs.get("targets", {}).items()):
            self._setting(key, target)
        self.register_outputs({"workspace_id": self.workspace_id})

    def send(self, key: str, target: DiagnosticTargetArgs) -> monitor.DiagnosticSetting:
        """Send one more resource's logs to the workspace (a ``<name>-<key>`` setting).

        The same setting as a ``targets`` entry, for a resource created after the workspace."""
        problems: list[str] = []
        _check_target(key, target, FieldReader({}, Labels.of("Diagnostics.send"), problems), key)
        if key in self.settings:
            problems.append(f"Diagnostics.send {key}: this key already names a setting")
        if problems:
            raise ComponentArgsError(problems)
        return self._setting(key, target)

    def _setting(self, key: str, target: DiagnosticTargetArgs) -> monitor.DiagnosticSetting:
        logs, metrics, dedicated = _categories(target)
        setting_name = child_name(self._component_name, key)
        setting = monitor.DiagnosticSetting(
            setting_name,
            name=setting_name,
            resource_uri=target["resource_id"],
            workspace_id=self.workspace_id,
            log_analytics_destination_type="Dedicated" if dedicated else None,
            logs=[
                monitor.DiagnosticsLogSettingsArgs(category_group=log, enabled=True)
                if log.lower() in _CATEGORY_GROUPS
                else monitor.DiagnosticsLogSettingsArgs(category=log, enabled=True)
                for log in logs
            ],
            metrics=[
                monitor.DiagnosticsMetricSettingsArgs(category=metric, enabled=True)
                for metric in metrics
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.settings[key] = setting
        return setting
