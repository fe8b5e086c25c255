"""BuildAgentPool: the VNet-injected pool alone, its subnet link, its own quota, its idle-scaling
schedule, refused input."""

from collections.abc import Callable
from typing import Any

import pytest
from learn_facts import POOL_SCALER_ACTIONS

from conftest import Refusal, by_name, children_of
from private_acr_preview.program import ProgramRun
from private_acr_tasks.agent_pool import BuildAgentPool, BuildAgentPoolArgs
from private_acr_tasks.network import Network

Runner = Callable[[Callable[[], object]], ProgramRun]

BASE: BuildAgentPoolArgs = {
    "resource_group_name": "rg",
    "location": "eastus2",
    "registry_name": "acr1",
    "subnet_id": "/x/subnets/agents",
    "pool_name": "pool-dev",
}


def pool_run(run_components: Runner, **changes: Any) -> ProgramRun:
    args: dict[str, Any] = {**BASE, **changes}
    return run_components(lambda: BuildAgentPool("build", args))  # pyright: ignore[reportArgumentType]


def test_the_component_holds_only_the_pool(run_components: Runner) -> None:
    assert children_of(pool_run(run_components), "build") == {
        ("azure-native:containerregistry:AgentPool", "build-pool"),
    }


def test_pool_is_linux_in_the_agent_subnet_with_its_tier_and_count(run_components: Runner) -> None:
    pool = by_name(pool_run(run_components, tier="S2", count=2), "build-pool").inputs
    assert (pool["tier"], pool["count"], pool["os"]) == ("S2", 2, "Linux")
    assert pool["virtualNetworkSubnetResourceId"] == "/x/subnets/agents"
    assert pool["agentPoolName"] == "pool-dev" and pool["registryName"] == "acr1"


def test_pool_waits_for_its_subnet_which_carries_the_nsg_and_endpoints(
    run_components: Runner,
) -> None:
    def program() -> None:
        net = Network(
            "net",
            {
                "resource_group_name": "rg",
                "location": "eastus2",
                "address_space": "10.40.0.0/16",
                "agent_subnet_prefix": "10.40.1.0/24",
                "private_endpoint_subnet_prefix": "10.40.2.0/27",
                "aks_subnet_prefix": "10.40.8.0/21",
            },
        )
        BuildAgentPool("build", {**BASE, "subnet_id": net.agent_subnet_id})

    run = run_components(program)
    subnet = by_name(run, "net-agent-subnet")
    assert by_name(run, "build-pool").property_dependencies["virtualNetworkSubnetResourceId"] == [
        subnet.urn
    ]
    assert subnet.property_dependencies["networkSecurityGroup"] == [
        by_name(run, "net-agent-nsg").urn
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tier": "S4"}, "BuildAgentPoolArgs.tier: got 'S4'; expected one of S1, S2, S3, I6"),
        ({"count": -1}, "BuildAgentPoolArgs.count: got -1; expected a whole number 0-100"),
        ({"count": True}, "BuildAgentPoolArgs.count: got True"),
        ({"pool_name": "p"}, "BuildAgentPoolArgs.pool_name: got 'p'"),
        # A misspelt field would otherwise build an S1 pool without a word.
        (
            {"teir": "S3"},
            "BuildAgentPoolArgs.teir: unknown key; did you mean 'BuildAgentPoolArgs.tier'?",
        ),
        (
            {"tier": "S3", "count": 3},
            "BuildAgentPoolArgs.count: 3 x S3 needs 24 vCPUs but the registry's standard quota is 16",
        ),
        ({"tier": "I6", "count": 1}, "quota is 0 (Azure's default for isolated pools is 0)"),
    ],
)
def test_bad_args_are_refused_naming_the_field(
    refusal: Refusal, change: dict[str, Any], message: str
) -> None:
    args: dict[str, Any] = {**BASE, **change}
    assert message in refusal(lambda: BuildAgentPool("build", args))  # pyright: ignore[reportArgumentType]


def test_a_raised_quota_admits_a_larger_pool(run_components: Runner) -> None:
    run = pool_run(run_components, tier="S3", count=3, vcpu_quota=32)
    assert by_name(run, "build-pool").inputs["count"] == 3


# Idle scaling --------------------------------------------------------------------------------

WORKING_HOURS = {"scale_down": "0 20 * * 1-5", "scale_up": "0 6 * * 1-5"}


def scheduled_run(run_components: Runner, **changes: Any) -> ProgramRun:
    return pool_run(run_components, **{"count": 2, "schedule": WORKING_HOURS, **changes})


def test_a_schedule_adds_the_scaler_identity_its_role_and_a_workflow_per_direction(
    run_components: Runner,
) -> None:
    assert children_of(scheduled_run(run_components), "build") == {
        ("azure-native:containerregistry:AgentPool", "build-pool"),
        ("azure-native:managedidentity:UserAssignedIdentity", "build-scaler"),
        ("azure-native:authorization:RoleDefinition", "build-scaler-role"),
        ("azure-native:authorization:RoleAssignment", "build-scaler-role-assignment"),
        ("azure-native:logic:Workflow", "build-scale-down"),
        ("azure-native:logic:Workflow", "build-scale-up"),
    }


def test_the_scaler_holds_one_action_defined_and_assigned_on_the_pool_alone(
    run_components: Runner,
) -> None:
    run = scheduled_run(run_components)
    pool, identity = by_name(run, "build-pool"), by_name(run, "build-scaler")
    role = by_name(run, "build-scaler-role").inputs
    assignment = by_name(run, "build-scaler-role-assignment").inputs
    assert role["permissions"] == [{"actions": list(POOL_SCALER_ACTIONS)}]
    # Assignable in the group (Learn advises against a resource instance), held on the pool.
    group = pool.id.split("/providers/")[0]
    assert role["assignableScopes"] == [group] and role["scope"] == group
    assert assignment["scope"] == pool.id
    assert assignment["principalId"] == identity.outputs["principalId"]
    assert assignment["roleDefinitionId"].endswith(
        f"/roleDefinitions/{by_name(run, 'build-scaler-role').outputs['name']}"
    )


def test_the_workflows_set_the_idle_count_and_then_the_count_again(run_components: Runner) -> None:
    run = scheduled_run(run_components, schedule={**WORKING_HOURS, "idle_count": 1})
    identity_id = by_name(run, "build-scaler").id
    for name, count, hour in (("build-scale-down", 1, 20), ("build-scale-up", 2, 6)):
        workflow = by_name(run, name).inputs
        assert workflow["identity"] == {
            "type": "UserAssigned",
            "userAssignedIdentities": [identity_id],
        }
        action = workflow["definition"]["actions"]["set_pool_count"]["inputs"]
        assert action["body"] == {"properties": {"count": count}}
        assert action["uri"].startswith(
            f"https://management.azure.com{by_name(run, 'build-pool').id}?"
        )
        assert action["authentication"]["identity"] == identity_id
        schedule = workflow["definition"]["triggers"]["schedule"]["recurrence"]["schedule"]
        assert schedule["hours"] == [hour] and len(schedule["weekDays"]) == 5


def test_the_workflows_wait_for_the_scalers_role_assignment(run_components: Runner) -> None:
    run = scheduled_run(run_components)
    assignment = by_name(run, "build-scaler-role-assignment").urn
    assert assignment in by_name(run, "build-scale-down").dependencies
    assert assignment in by_name(run, "build-scale-up").dependencies


def test_a_scheduled_pools_count_is_left_to_the_schedule(run_components: Runner) -> None:
    assert by_name(scheduled_run(run_components), "build-pool").ignore_changes == ["count"]
    assert by_name(pool_run(run_components), "build-pool").ignore_changes == []


def test_a_new_tier_os_or_subnet_replaces_the_pool_since_acr_updates_only_its_count(
    run_components: Runner,
) -> None:
    # AgentPoolUpdateParameters holds count and tags alone; the provider would try it in place.
    assert by_name(pool_run(run_components), "build-pool").replace_on_changes == [
        "tier",
        "os",
        "virtualNetworkSubnetResourceId",
    ]


def test_a_sovereign_cloud_schedule_calls_that_clouds_resource_manager(
    run_components: Runner,
) -> None:
    run = scheduled_run(run_components, cloud="usgovernment")
    action = by_name(run, "build-scale-up").inputs["definition"]["actions"]["set_pool_count"]
    assert action["inputs"]["uri"].startswith("https://management.usgovcloudapi.net/subscriptions/")
    assert action["inputs"]["authentication"]["audience"] == "https://management.usgovcloudapi.net/"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"schedule": "0 20 * * 1-5"},
            "BuildAgentPoolArgs.schedule: got '0 20 * * 1-5'; expected an object with the scale-down",
        ),
        (
            {"schedule": {"scale_down": "0 20 * * 1-5"}},
            "BuildAgentPoolArgs.schedule.scale_up: missing; this is required",
        ),
        (
            {"schedule": {**WORKING_HOURS, "scale_down": "0 20 1 * *"}},
            "BuildAgentPoolArgs.schedule.scale_down: got '0 20 1 * *'; a pool schedule repeats by "
            "weekday and time of day, so its day and month fields must be *",
        ),
        (
            {"schedule": {**WORKING_HOURS, "scale_up": "0 6 * *"}},
            "BuildAgentPoolArgs.schedule.scale_up: got '0 6 * *'; expected five fields",
        ),
        (
            {"schedule": {"scale_down": "0 6,20 * * *", "scale_up": "0 6 * * 1-5"}},
            "BuildAgentPoolArgs.schedule.scale_up: fires at Mon 06:00 UTC, as "
            "BuildAgentPoolArgs.schedule.scale_down does",
        ),
        (
            {"schedule": {**WORKING_HOURS, "idle_count": 2}},
            "BuildAgentPoolArgs.schedule.idle_count: got 2; expected a whole number below "
            "BuildAgentPoolArgs.count (2)",
        ),
        (
            {"schedule": {**WORKING_HOURS, "idle_count": -1}},
            "BuildAgentPoolArgs.schedule.idle_count: got -1; expected a whole number >= 0",
        ),
        (
            {"count": 0},
            "BuildAgentPoolArgs.schedule: BuildAgentPoolArgs.count is 0, so there is nothing to "
            "scale down",
        ),
        (
            {"schedule": {**WORKING_HOURS, "idle": 0}},
            "BuildAgentPoolArgs.schedule.idle: unknown key (known keys: idle_count, scale_down, scale_up)",
        ),
    ],
)
def test_a_bad_schedule_is_refused_naming_its_field(
    refusal: Refusal, change: dict[str, Any], message: str
) -> None:
    args: dict[str, Any] = {**BASE, "count": 2, "schedule": WORKING_HOURS, **change}
    assert message in refusal(lambda: BuildAgentPool("build", args))  # pyright: ignore[reportArgumentType]
