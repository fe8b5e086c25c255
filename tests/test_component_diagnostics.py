"""Diagnostics: a Log Analytics workspace (or a given one) and one diagnostic setting per target."""

from collections.abc import Callable
from typing import Any

import pytest
from learn_facts import LOG_CATEGORIES, METRIC_CATEGORIES

from conftest import Refusal, by_name, children_of
from private_acr_preview.program import ProgramRun
from private_acr_tasks.diagnostics import Diagnostics, DiagnosticsArgs, DiagnosticTargetArgs

Runner = Callable[[Callable[[], object]], ProgramRun]

WORKSPACE = "/subscriptions/s/resourceGroups/rg-mgmt/providers/Microsoft.OperationalInsights/workspaces/law-platform"
REGISTRY: DiagnosticTargetArgs = {
    "resource_id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr1",
    "resource_type": "Microsoft.ContainerRegistry/registries",
}
BASE: DiagnosticsArgs = {"resource_group_name": "rg", "location": "eastus2"}


def diagnostics_run(run_components: Runner, **changes: Any) -> ProgramRun:
    args: dict[str, Any] = {**BASE, **changes}
    return run_components(lambda: Diagnostics("diag", args))  # pyright: ignore[reportArgumentType]


def setting_for(run_components: Runner, target: dict[str, Any]) -> dict[str, Any]:
    run = diagnostics_run(run_components, targets={"target": target})
    return by_name(run, "diag-target").inputs


def test_a_workspace_is_created_with_the_retention_asked_for(run_components: Runner) -> None:
    run = diagnostics_run(run_components, retention_days=90, workspace_name="log-dev")
    workspace = by_name(run, "diag-workspace")
    assert workspace.type == "azure-native:operationalinsights:Workspace"
    assert workspace.inputs["retentionInDays"] == 90
    assert workspace.inputs["sku"] == {"name": "PerGB2018"}
    assert workspace.inputs["workspaceName"] == "log-dev"


def test_targets_send_to_the_workspace_created_here(run_components: Runner) -> None:
    run = diagnostics_run(run_components, targets={"registry": REGISTRY})
    setting = by_name(run, "diag-registry")
    assert setting.inputs["workspaceId"] == by_name(run, "diag-workspace").outputs["id"]
    assert setting.inputs["resourceUri"] == REGISTRY["resource_id"]


def test_an_existing_workspace_is_used_and_none_created(run_components: Runner) -> None:
    run = diagnostics_run(run_components, workspace_id=WORKSPACE, targets={"registry": REGISTRY})
    assert children_of(run, "diag") == {("azure-native:monitor:DiagnosticSetting", "diag-registry")}
    assert by_name(run, "diag-registry").inputs["workspaceId"] == WORKSPACE


@pytest.mark.parametrize(
    ("resource_type", "logs", "metrics"),
    [(kind, list(LOG_CATEGORIES[kind]), list(METRIC_CATEGORIES[kind])) for kind in LOG_CATEGORIES],
)
def test_known_types_send_microsofts_categories(
    run_components: Runner, resource_type: str, logs: list[str], metrics: list[str]
) -> None:
    setting = setting_for(run_components, {"resource_id": "/x/r", "resource_type": resource_type})
    assert [entry["category"] for entry in setting["logs"]] == logs
    assert all(entry["enabled"] is True for entry in setting["logs"])
    assert [entry["category"] for entry in setting["metrics"]] == metrics


def test_a_cluster_writes_resource_specific_tables(run_components: Runner) -> None:
    cluster = {"resource_id": "/x/c", "resource_type": "Microsoft.ContainerService/managedClusters"}
    assert setting_for(run_components, cluster)["logAnalyticsDestinationType"] == "Dedicated"
    assert "logAnalyticsDestinationType" not in setting_for(run_components, dict(REGISTRY))


def test_another_type_sends_the_categories_it_names(run_components: Runner) -> None:
    target = {
        "resource_id": "/x/sb",
        "resource_type": "Microsoft.ServiceBus/namespaces",
        "logs": ["OperationalLogs"],
        "metrics": ["AllMetrics"],
    }
    setting = setting_for(run_components, target)
    assert setting["logs"] == [{"category": "OperationalLogs", "enabled": True}]
    assert setting["metrics"] == [{"category": "AllMetrics", "enabled": True}]


def test_category_groups_are_sent_as_groups(run_components: Runner) -> None:
    setting = setting_for(run_components, {**REGISTRY, "logs": ["allLogs"]})
    assert setting["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]


def test_a_target_created_later_is_sent_with_send(run_components: Runner) -> None:
    def program() -> None:
        Diagnostics("diag", BASE).send("registry", REGISTRY)

    run = run_components(program)
    assert by_name(run, "diag-registry").inputs["resourceUri"] == REGISTRY["resource_id"]


def test_send_refuses_a_key_that_already_names_a_setting(run_components: Runner) -> None:
    errors: list[str] = []

    def program() -> None:
        diagnostics = Diagnostics("diag", {**BASE, "targets": {"registry": REGISTRY}})
        try:
            diagnostics.send("registry", REGISTRY)
        except ValueError as error:
            errors.append(str(error))

    run_components(program)
    assert errors and "registry: this key already names a setting" in errors[0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"workspace_id": "law-platform"}, "DiagnosticsArgs.workspace_id: got 'law-platform'"),
        (
            {"retention_days": 7},
            "DiagnosticsArgs.retention_days: got 7; expected a whole number 30-730",
        ),
        (
            {"workspace_id": WORKSPACE, "retention_days": 60},
            "DiagnosticsArgs.retention_days: applies only to a workspace this stack creates, "
            "but DiagnosticsArgs.workspace_id names an existing one",
        ),
        ({"workspace_name": "l"}, "DiagnosticsArgs.workspace_name: got 'l'"),
        (
            {
                "targets": {
                    "bus": {
                        "resource_id": "/x/sb",
                        "resource_type": "Microsoft.ServiceBus/namespaces",
                    }
                }
            },
            "DiagnosticsArgs.targets[bus].resource_type: Microsoft.ServiceBus/namespaces has no "
            "categories known here",
        ),
        (
            {"targets": {"acr": {"resource_type": "Microsoft.ContainerRegistry/registries"}}},
            "DiagnosticsArgs.targets[acr].resource_id: missing",
        ),
        ({"targets": {"ACR": REGISTRY}}, "DiagnosticsArgs.targets[ACR]: got 'ACR'"),
        (
            {"targets": {"acr": {**REGISTRY, "logs": ["Login Events"]}}},
            "DiagnosticsArgs.targets[acr].logs[0]: got 'Login Events'",
        ),
    ],
)
def test_bad_args_are_refused_naming_the_field(
    refusal: Refusal, change: dict[str, Any], message: str
) -> None:
    args: dict[str, Any] = {**BASE, **change}
    assert message in refusal(lambda: Diagnostics("diag", args))  # pyright: ignore[reportArgumentType]
