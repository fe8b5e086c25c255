"""BuildTask: a task on a shared pool, its identity, its Key Vault role and credentials, triggers."""

import base64
from collections.abc import Callable
from typing import Any

import pulumi
import pytest
import yaml
from learn_facts import ROLE_IDS

from conftest import Refusal, by_name, children_of
from private_acr_preview.program import ProgramRun
from private_acr_tasks.agent_pool import BuildAgentPool
from private_acr_tasks.build_task import (
    BUILTIN_TASK,
    BuildTask,
    BuildTaskArgs,
)

Runner = Callable[[Callable[[], object]], ProgramRun]

TASK_FILE = """\
version: v1.1.0
steps:
  - build: -t $Registry/app:$ID -f Dockerfile --build-arg BASE=registry.internal.example.com/base .
  - push: [$Registry/app:$ID]
"""
VAULT_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kvdev1"
VAULT_URI = "https://kvdev1.vault.azure.net/"
BASE: BuildTaskArgs = {
    "resource_group_name": "rg",
    "location": "eastus2",
    "registry_name": "acr1",
    "agent_pool_name": "heavy",
    "task_name": "app-dev",
    "task_yaml": TASK_FILE,
}
WITH_VAULT: dict[str, Any] = {
    "key_vault_id": VAULT_ID,
    "key_vault_uri": VAULT_URI,
    "subscription_id": "s",
}
REGISTRIES = {
    "registry.internal.example.com": {
        "username_secret": "internal-registry-user",
        "password_secret": "internal-registry-password",
    }
}


def task_run(run_components: Runner, **changes: Any) -> ProgramRun:
    args: dict[str, Any] = {**BASE, **changes}
    return run_components(lambda: BuildTask("app", args))  # pyright: ignore[reportArgumentType]


def test_without_a_vault_the_component_holds_the_task_and_its_identity(
    run_components: Runner,
) -> None:
    assert children_of(task_run(run_components), "app") == {
        ("azure-native:containerregistry:Task", "app-task"),
        ("azure-native:managedidentity:UserAssignedIdentity", "app-task-identity"),
    }


def test_the_task_file_is_encoded_into_the_task_as_written(run_components: Runner) -> None:
    step = by_name(task_run(run_components), "app-task").inputs["step"]
    assert step["type"] == "EncodedTask"
    assert base64.b64decode(step["encodedTaskContent"]).decode() == TASK_FILE


def test_task_runs_on_the_named_pool_with_its_user_assigned_identity(
    run_components: Runner,
) -> None:
    run = task_run(run_components)
    task = by_name(run, "app-task").inputs
    assert task["agentPoolName"] == "heavy" and task["registryName"] == "acr1"
    assert task["identity"]["type"] == "UserAssigned"
    assert list(task["identity"]["userAssignedIdentities"]) == [
        by_name(run, "app-task-identity").outputs["id"]
    ]


def test_two_tasks_share_one_pool(run_components: Runner) -> None:
    def program() -> None:
        pool = BuildAgentPool(
            "heavy",
            {
                "resource_group_name": "rg",
                "location": "eastus2",
                "registry_name": "acr1",
                "subnet_id": "/x/subnets/agents",
                "pool_name": "heavy",
            },
        )
        for name in ("app", "api"):
            args: BuildTaskArgs = {**BASE, "task_name": f"{name}-dev"}
            BuildTask(name, {**args, "agent_pool_name": pool.agent_pool_name})

    run = run_components(program)
    pool = by_name(run, "heavy-pool").urn
    for name in ("app-task", "api-task"):
        assert by_name(run, name).property_dependencies["agentPoolName"] == [pool]


def test_the_identity_client_id_and_the_vault_uri_are_given_to_the_steps(
    run_components: Runner,
) -> None:
    run = task_run(run_components, values={"repository": "team/app"}, **WITH_VAULT)
    values = {v["name"]: v["value"] for v in by_name(run, "app-task").inputs["step"]["values"]}
    assert values == {
        "identityClientId": by_name(run, "app-task-identity").outputs["clientId"],
        "repository": "team/app",
        "keyVaultUri": VAULT_URI,
    }


def test_private_registries_are_key_vault_references_read_by_the_task_identity(
    run_components: Runner,
) -> None:
    run = task_run(run_components, private_registries=REGISTRIES, **WITH_VAULT)
    credentials = by_name(run, "app-task").inputs["credentials"]["customRegistries"]
    assert credentials == {
        "registry.internal.example.com": {
            "identity": by_name(run, "app-task-identity").outputs["clientId"],
            "userName": {
                "type": "Vaultsecret",
                "value": "https://kvdev1.vault.azure.net/secrets/internal-registry-user",
            },
            "password": {
                "type": "Vaultsecret",
                "value": "https://kvdev1.vault.azure.net/secrets/internal-registry-password",
            },
        }
    }


def test_the_identity_holds_key_vault_secrets_user_on_the_vault_and_the_task_waits_for_it(
    run_components: Runner,
) -> None:
    run = task_run(run_components, private_registries=REGISTRIES, **WITH_VAULT)
    role = by_name(run, "app-task-secrets-user")
    assert role.parent == by_name(run, "app").urn
    assert role.inputs["scope"] == VAULT_ID
    assert role.inputs["roleDefinitionId"].endswith(ROLE_IDS["Key Vault Secrets User"])
    assert role.inputs["principalType"] == "ServicePrincipal"
    assert role.inputs["principalId"] == by_name(run, "app-task-identity").outputs["principalId"]
    assert role.urn in by_name(run, "app-task").dependencies


def test_a_task_without_triggers_has_none(run_components: Runner) -> None:
    assert "trigger" not in by_name(task_run(run_components), "app-task").inputs


def test_timer_and_base_image_triggers(run_components: Runner) -> None:
    run = task_run(run_components, timer="0 3 * * *", base_image_trigger=True)
    trigger = by_name(run, "app-task").inputs["trigger"]
    assert trigger["timerTriggers"] == [
        {"name": "t1", "schedule": "0 3 * * *", "status": "Enabled"}
    ]
    assert trigger["baseImageTrigger"] == {
        "name": "defaultBaseimageTriggerName",
        "baseImageTriggerType": "Runtime",
        "updateTriggerPayloadType": "Default",
        "status": "Enabled",
    }


def test_the_builtin_task_fetches_the_artifact_then_builds_then_pushes() -> None:
    definition = yaml.safe_load(BUILTIN_TASK)
    assert [s["id"] for s in definition["steps"]] == ["fetch-artifact", "build", "push"]


def test_child_aliases_reach_the_task_and_its_identity(
    run_components: Runner,
) -> None:
    def program() -> None:
        old = BuildAgentPool(
            "old",
            {
                "resource_group_name": "rg",
                "location": "eastus2",
                "registry_name": "acr1",
                "subnet_id": "/s",
                "pool_name": "pool-dev",
            },
        )
        moved = [pulumi.Alias(parent=old)]
        BuildTask.from_plan(
            "app", BuildTask.plan(BASE), BASE, child_aliases={"task": moved, "task-identity": moved}
        )

    run = run_components(program)
    old_parent_type = by_name(run, "old").urn.rsplit("::", 1)[0]
    for name, kind in (
        ("app-task", "azure-native:containerregistry:Task"),
        ("app-task-identity", "azure-native:managedidentity:UserAssignedIdentity"),
    ):
        assert f"{old_parent_type}${kind}::{name}" in by_name(run, name).aliases


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"task_name": "app"}, "BuildTaskArgs.task_name: got 'app'"),
        ({"task_yaml": "steps: [unclosed"}, "BuildTaskArgs.task_yaml: not valid YAML (line 1"),
        ({"task_yaml": "version: v1.1.0\n"}, "BuildTaskArgs.task_yaml: steps: expected a list"),
        (
            {"task_yaml": "steps:\n  - build: .\n    push: [x]\n"},
            "BuildTaskArgs.task_yaml: steps[0]: a step takes exactly one of build, cmd or push",
        ),
        ({"timer": "0 3 * *"}, "BuildTaskArgs.timer: got '0 3 * *'; expected five fields"),
        ({"timer": "0 25 * * *"}, "its hour field '25' is not a value 0-23"),
        ({"timeout": 60}, "BuildTaskArgs.timeout: got 60; expected a whole number 300-28800"),
        (
            {"private_registries": {"internal": REGISTRIES["registry.internal.example.com"]}},
            "BuildTaskArgs.private_registries.internal: got 'internal'; expected a login server",
        ),
        (
            {
                "private_registries": {
                    "registry.internal.example.com": {
                        "username_secret": "u",
                        "password_secret": "p w",
                    }
                },
                **WITH_VAULT,
            },
            "BuildTaskArgs.private_registries.registry.internal.example.com.password_secret: got 'p w'",
        ),
        (
            {"private_registries": REGISTRIES},
            "BuildTaskArgs.key_vault_id: private registries read their credentials from a key vault",
        ),
        ({"key_vault_id": VAULT_ID}, "BuildTaskArgs.subscription_id: required with key_vault_id"),
        ({"values": {"identityClientId": "x"}}, "BuildTaskArgs.values.identityClientId: is given"),
    ],
)
def test_bad_args_are_refused_naming_the_field(
    refusal: Refusal, change: dict[str, Any], message: str
) -> None:
    args: dict[str, Any] = {**BASE, **change}
    assert message in refusal(lambda: BuildTask("app", args))  # pyright: ignore[reportArgumentType]


def warnings_of(run: ProgramRun) -> list[str]:
    return [message for level, message in run.log if level == "warning"]


def test_a_base_image_trigger_with_a_private_registry_is_warned_of(
    run_components: Runner,
) -> None:
    run = task_run(
        run_components, base_image_trigger=True, private_registries=REGISTRIES, **WITH_VAULT
    )
    (warning,) = warnings_of(run)
    assert warning.startswith(
        "BuildTaskArgs.base_image_trigger: task app-dev logs in to "
        "registry.internal.example.com, where ACR Tasks cannot track base images"
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"base_image_trigger": True},
        {"timer": "0 3 * * *", "private_registries": REGISTRIES, **WITH_VAULT},
    ],
)
def test_a_trigger_acr_can_serve_warns_of_nothing(
    run_components: Runner, changes: dict[str, Any]
) -> None:
    assert warnings_of(task_run(run_components, **changes)) == []
