"""The CI agent's manifests and login scripts, rendered without Pulumi."""

import subprocess
import sys
from typing import Any

import yaml

from private_acr_rules.ci_manifests import BuildTarget, CiPod, agent_manifest, build_job, logged_in
from private_acr_rules.clouds import AzureCloud

POD = CiPod("ci", "acr-build-trigger", "mcr.microsoft.com/azure-cli:2.74.0-azurelinux3.0")
REGISTRY_ID = (
    "/subscriptions/1111/resourceGroups/rg-images/providers/Microsoft.ContainerRegistry/"
    "registries/acrdev"
)
TARGET = BuildTarget.of_registry(
    REGISTRY_ID, "acrdev", "build-dev", "pool-dev", subscription_id="2222", resource_group="rg"
)


def documents() -> dict[str, dict[str, Any]]:
    docs = yaml.safe_load_all(agent_manifest(POD, "client-1", "tenant-1", "1111"))
    return {doc["kind"]: doc for doc in docs}


def test_the_registry_id_decides_subscription_and_group() -> None:
    assert (TARGET.subscription_id, TARGET.resource_group) == ("1111", "rg-images")
    elsewhere = BuildTarget.of_registry(
        "acrdev", "acrdev", "t", "p", subscription_id="2222", resource_group="rg"
    )
    assert (elsewhere.subscription_id, elsewhere.resource_group) == ("2222", "rg")


def test_commands_name_the_registry_group_task_and_pool() -> None:
    assert TARGET.task_run_command(".") == (
        "az acr task run --registry acrdev --resource-group rg-images --name build-dev --context ."
    )
    assert TARGET.quick_build_command() == (
        "az acr build --registry acrdev --resource-group rg-images --agent-pool pool-dev "
        "--image app:{{.Run.ID}} --file Dockerfile ."
    )


def test_a_login_sets_the_cloud_then_logs_in_with_the_token_as_it_is_now() -> None:
    lines = logged_in(AzureCloud.US_GOVERNMENT, "az acr task list").splitlines()
    assert lines[0] == "set -eu"
    assert "az cloud set --name AzureUSGovernment" in lines
    login = next(i for i, line in enumerate(lines) if line.startswith("az login"))
    assert '--federated-token "$(cat "$AZURE_FEDERATED_TOKEN_FILE")"' in lines[login]
    assert lines.index("az cloud set --name AzureUSGovernment") < login
    assert lines[-1] == "az acr task list"


def test_the_agent_runs_builds_through_its_login_script() -> None:
    docs = documents()
    assert set(docs) == {"Namespace", "ServiceAccount", "ConfigMap", "Deployment"}
    script = docs["ConfigMap"]["data"]["with-login"]
    assert script.startswith("#!/bin/sh\nset -eu\n") and script.endswith('"$@"\n')
    annotations = docs["ServiceAccount"]["metadata"]["annotations"]
    assert annotations == {
        "azure.workload.identity/client-id": "client-1",
        "azure.workload.identity/tenant-id": "tenant-1",
    }
    pod = docs["Deployment"]["spec"]["template"]
    assert pod["metadata"]["labels"]["azure.workload.identity/use"] == "true"
    assert pod["spec"]["automountServiceAccountToken"] is False


def test_a_job_runs_the_task_on_its_context_once() -> None:
    job = yaml.safe_load(build_job(POD, TARGET))
    assert job["kind"] == "Job" and job["spec"]["backoffLimit"] == 0
    [container] = job["spec"]["template"]["spec"]["containers"]
    script = container["command"][2].splitlines()
    assert script[-1] == TARGET.task_run_command('"$BUILD_CONTEXT"')
    assert {"name": "AZURE_SUBSCRIPTION_ID", "value": "1111"} in container["env"]


def test_scripts_are_written_as_literal_blocks() -> None:
    assert "with-login: |" in agent_manifest(POD, "c", "t", "s")


def test_rendering_needs_nothing_of_pulumi() -> None:
    code = (
        "import sys, private_acr_rules.ci_manifests, private_acr_rules.egress; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_azure_native')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
