"""InClusterBuildTrigger: a federated identity for the CI agent, its rights, its manifest."""

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from conftest import Refusal, by_name, children_of
from private_acr_preview.program import ProgramRun
from private_acr_tasks.build_trigger import InClusterBuildTrigger, InClusterBuildTriggerArgs

Runner = Callable[[Callable[[], object]], ProgramRun]

ISSUER = "https://eastus2.oic.prod-aks.azure.com/tenant/cluster/"
BASE: InClusterBuildTriggerArgs = {
    "resource_group_name": "rg",
    "location": "eastus2",
    "subscription_id": "sub",
    "tenant_id": "tenant",
    "registry_id": "/x/registries/acr1",
    "registry_name": "acr1",
    "oidc_issuer_url": ISSUER,
    "agent_pool_name": "pool-dev",
    "task_name": "build-dev",
}


def trigger_run(run_components: Runner, outputs: dict[str, Any], **changes: Any) -> ProgramRun:
    args: dict[str, Any] = {**BASE, **changes}

    def program() -> None:
        trigger = InClusterBuildTrigger("ci", args)  # pyright: ignore[reportArgumentType]
        trigger.manifest.apply(lambda value: outputs.setdefault("manifest", value))
        trigger.task_run_command.apply(lambda value: outputs.setdefault("run", value))
        trigger.quick_build_command.apply(lambda value: outputs.setdefault("build", value))

    return run_components(program)


def test_the_component_holds_the_identity_and_its_role(run_components: Runner) -> None:
    assert children_of(trigger_run(run_components, {}), "ci") == {
        ("azure-native:managedidentity:UserAssignedIdentity", "ci-identity"),
        ("azure-native:authorization:RoleAssignment", "ci-tasks-contributor"),
    }


def test_identity_is_federated_with_the_agent_service_account(run_components: Runner) -> None:
    run = trigger_run(run_components, {}, namespace="builds", service_account="agent")
    federation = by_name(run, "ci-federation")
    assert federation.parent == by_name(run, "ci-identity").urn
    assert federation.inputs["issuer"] == ISSUER
    assert federation.inputs["subject"] == "system:serviceaccount:builds:agent"
    assert federation.inputs["audiences"] == ["api://AzureADTokenExchange"]


def test_manifest_holds_the_namespace_the_annotated_account_and_the_agent(
    run_components: Runner,
) -> None:
    outputs: dict[str, Any] = {}
    run = trigger_run(run_components, outputs)
    namespace, account, pod = yaml.safe_load_all(outputs["manifest"])
    assert namespace["metadata"]["name"] == "ci"
    client_id = by_name(run, "ci-identity").outputs["clientId"]
    assert account["metadata"]["annotations"]["azure.workload.identity/client-id"] == client_id
    assert pod["metadata"]["labels"] == {"azure.workload.identity/use": "true"}
    assert pod["spec"]["serviceAccountName"] == "acr-build-trigger"


def test_commands_name_the_registry_the_task_and_the_pool(run_components: Runner) -> None:
    outputs: dict[str, Any] = {}
    trigger_run(run_components, outputs)
    assert outputs["run"] == "az acr task run --registry acr1 --name build-dev --context ."
    assert "--registry acr1 --agent-pool pool-dev" in outputs["build"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"namespace": "CI"}, "InClusterBuildTriggerArgs.namespace: got 'CI'"),
        ({"service_account": "a_b"}, "InClusterBuildTriggerArgs.service_account: got 'a_b'"),
        ({"cli_image": "az cli"}, "InClusterBuildTriggerArgs.cli_image: got 'az cli'"),
    ],
)
def test_bad_args_are_refused_naming_the_field(
    refusal: Refusal, change: dict[str, Any], message: str
) -> None:
    args: dict[str, Any] = {**BASE, **change}
    assert message in refusal(lambda: InClusterBuildTrigger("ci", args))  # pyright: ignore[reportArgumentType]
