"""The builds example stack: pools, its own task, the key vault and the internal registry."""

import base64
import functools
import json

from learn_facts import PRIVATE_DNS_ZONES, ROLE_IDS
from previews import check, preview

from conftest import ROOT, by_name, stack_config, with_changes
from private_acr_preview.program import ProgramRun, RecordedResource, run_program

ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"


@functools.cache
def builds() -> ProgramRun:
    return run_program(ROOT, "builds")


def test_the_stack_previews_without_a_violation() -> None:
    _, report = preview("builds")
    assert report.violations == []


def test_two_pools_each_its_own_agent_pool_in_the_agent_subnet() -> None:
    run = builds()
    subnet = by_name(run, "network-agent-subnet").urn
    pools = {name: by_name(run, f"build-{name}-pool") for name in ("small", "heavy")}
    assert {n: (p.inputs["tier"], p.inputs["count"]) for n, p in pools.items()} == {
        "small": ("S1", 1),
        "heavy": ("S3", 1),
    }
    for name, pool in pools.items():
        assert pool.parent == by_name(run, f"build-{name}").urn
        assert pool.property_dependencies["virtualNetworkSubnetResourceId"] == [subnet]


def test_the_task_runs_on_the_large_pool_with_its_file_and_triggers() -> None:
    run = builds()
    task = by_name(run, "build-app-task")
    heavy = by_name(run, "build-heavy-pool")
    assert task.inputs["agentPoolName"] == heavy.outputs["name"] == "heavy"
    assert task.property_dependencies["agentPoolName"] == [heavy.urn]
    encoded = task.inputs["step"]["encodedTaskContent"]
    assert base64.b64decode(encoded).decode() == (ROOT / "tasks" / "app.yaml").read_text()
    trigger = task.inputs["trigger"]
    assert [t["schedule"] for t in trigger["timerTriggers"]] == ["0 3 * * *"]
    assert trigger.get("baseImageTrigger") is None


def test_the_builds_example_warns_of_nothing() -> None:
    assert [message for level, message in builds().log if level == "warning"] == []


def test_a_base_image_trigger_on_a_task_of_a_private_registry_is_warned_of_at_preview() -> None:
    tasks = json.loads(stack_config("builds")["private-acr-tasks:tasks"])
    tasks["app"]["triggers"]["baseImage"] = True
    config = {**stack_config("builds"), "private-acr-tasks:tasks": json.dumps(tasks)}
    run = run_program(ROOT, "builds", loaded=("private-acr-tasks", config))
    (warning,) = [message for level, message in run.log if level == "warning"]
    assert warning.startswith(
        "tasks.app.triggers.baseImage: task app-builds logs in to registry.internal.example.com, "
        "where ACR Tasks cannot track base images"
    )
    # The trigger is still created: the task's base image may be in an Azure registry.
    assert by_name(run, "build-app-task").inputs["trigger"]["baseImageTrigger"]["status"] == (
        "Enabled"
    )


def test_the_key_vault_is_private_with_its_endpoint_and_zone() -> None:
    run = builds()
    vault = by_name(run, "secrets-vault")
    props = vault.inputs["properties"]
    assert props["enableRbacAuthorization"] is True
    assert props["publicNetworkAccess"] == "Disabled"
    assert props["networkAcls"] == {"defaultAction": "Deny", "bypass": "None"}
    assert props["enableSoftDelete"] is True
    # Issue 26: the builds stack's vault cannot be purged before its retention ends.
    assert props["enablePurgeProtection"] is True
    endpoint = by_name(run, "secrets-endpoint-pe")
    assert endpoint.property_dependencies["subnet"] == [by_name(run, "network-pe-subnet").urn]
    assert endpoint.property_dependencies["privateLinkServiceConnections"] == [vault.urn]
    assert endpoint.inputs["privateLinkServiceConnections"][0]["groupIds"] == ["vault"]
    zone = by_name(run, "secrets-endpoint-zone")
    assert zone.inputs["privateZoneName"] == PRIVATE_DNS_ZONES["public"]["vault"]
    link = by_name(run, "secrets-endpoint-link-build")
    assert link.property_dependencies["virtualNetwork"] == [by_name(run, "network-vnet").urn]
    assert by_name(run, "secrets-endpoint-dns").parent == endpoint.urn


def test_the_task_identity_holds_key_vault_secrets_user_on_the_vault_and_nothing_more() -> None:
    run = builds()
    vault_id = by_name(run, "secrets-vault").outputs["id"]
    on_vault = [
        r for r in run.resources if r.type == ROLE_ASSIGNMENT and r.inputs["scope"] == vault_id
    ]
    assert [r.name for r in on_vault] == ["build-app-task-secrets-user"]
    (role,) = on_vault
    assert role.inputs["roleDefinitionId"].endswith(ROLE_IDS["Key Vault Secrets User"])
    identity = by_name(run, "build-app-task-identity")
    assert role.inputs["principalId"] == identity.outputs["principalId"]
    held = [
        r.name
        for r in run.resources
        if r.type == ROLE_ASSIGNMENT and r.inputs["principalId"] == identity.outputs["principalId"]
    ]
    assert held == ["build-app-task-secrets-user"]


def test_custom_registries_are_key_vault_references_of_the_stacks_vault() -> None:
    run = builds()
    vault_uri = by_name(run, "secrets-vault").outputs["properties"]["vaultUri"]
    credentials = by_name(run, "build-app-task").inputs["credentials"]["customRegistries"]
    entry = credentials["registry.internal.example.com"]
    assert entry["identity"] == by_name(run, "build-app-task-identity").outputs["clientId"]
    assert entry["userName"] == {
        "type": "Vaultsecret",
        "value": f"{vault_uri}secrets/internal-registry-user",
    }
    assert entry["password"] == {
        "type": "Vaultsecret",
        "value": f"{vault_uri}secrets/internal-registry-password",
    }


def test_the_key_vault_sends_its_audit_logs_to_the_workspace() -> None:
    run = builds()
    setting = by_name(run, "diagnostics-secrets")
    assert setting.inputs["resourceUri"] == by_name(run, "secrets-vault").outputs["id"]
    assert setting.inputs["workspaceId"] == by_name(run, "diagnostics-workspace").outputs["id"]


def test_the_agent_nsg_lets_builds_reach_the_internal_registry() -> None:
    rules = by_name(builds(), "network-agent-nsg").inputs["securityRules"]
    (rule,) = [r for r in rules if r["destinationAddressPrefix"] == "10.70.4.0/24"]
    assert (rule["direction"], rule["access"], rule["protocol"]) == ("Outbound", "Allow", "Tcp")
    assert rule["destinationPortRange"] == "443"


def test_outputs_name_every_pool_and_task_and_the_main_ones() -> None:
    outputs = builds().outputs
    assert outputs["agentPools"] == {"small": "small", "heavy": "heavy"}
    assert outputs["tasks"] == {"app": "app-builds"}
    assert (outputs["agentPoolName"], outputs["taskName"]) == ("heavy", "app-builds")
    assert outputs["taskRunCommand"] == "/opt/acr-build/run-task app-builds ."
    # The broker accepts the task's own context URL beside uploads.
    broker = by_name(builds(), "ci-trigger-broker").inputs["definition"]
    assert broker["parameters"]["tasks"]["defaultValue"]["app-builds"]["contexts"] == [
        "https://git.internal.example.com/team/app.git#main"
    ]
    assert outputs["keyVaultName"] == by_name(builds(), "secrets-vault").outputs["name"]


def test_the_dev_stack_outputs_its_one_pool_and_task(dev_run: ProgramRun) -> None:
    assert dev_run.outputs["agentPools"] == {"default": "pool-dev"}
    assert dev_run.outputs["tasks"] == {"default": "private-build-dev"}


def test_the_dev_stacks_task_moved_to_its_own_component_keeps_its_urn(
    dev_run: ProgramRun,
) -> None:
    (component,) = [r for r in dev_run.resources if r.type == "private-acr-tasks:index:BuildTask"]
    old_parent = "urn:pulumi:dev::private-acr-tasks::private-acr-tasks:index:BuildAgentPool"
    for name, kind in (
        ("build-task", "azure-native:containerregistry:Task"),
        ("build-task-identity", "azure-native:managedidentity:UserAssignedIdentity"),
    ):
        moved: RecordedResource = by_name(dev_run, name)
        assert moved.parent == component.urn
        assert f"{old_parent}${kind}::{name}" in moved.aliases


def test_a_pool_with_its_own_subnet_runs_there_and_passes_the_egress_policy() -> None:
    pools = {"small": {"tier": "S1"}, "heavy": {"tier": "S3", "subnet": "10.45.3.0/24"}}
    config = with_changes(stack_config("builds"), agentPools=pools)
    run = run_program(ROOT, "builds", loaded=("private-acr-tasks", config))
    subnet = by_name(run, "network-agent-heavy-subnet")
    heavy = by_name(run, "build-heavy-pool")
    assert heavy.property_dependencies["virtualNetworkSubnetResourceId"] == [subnet.urn]
    small = by_name(run, "build-small-pool")
    assert small.property_dependencies["virtualNetworkSubnetResourceId"] == [
        by_name(run, "network-agent-subnet").urn
    ]
    report = check(run, {})
    assert report.violations == []


def test_production_protects_the_vault() -> None:
    config = with_changes(stack_config("builds"), protect="true")
    run = run_program(ROOT, "builds", loaded=("private-acr-tasks", config))
    vault = by_name(run, "secrets-vault")
    assert vault.protect and vault.inputs["properties"]["enablePurgeProtection"] is True
