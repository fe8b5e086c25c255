"""build-identity-least-privilege: passing, failing and not-applicable stacks, on the pure check
(the dev stack, changed one thing at a time) and through the analyzer gRPC protocol."""

from typing import Any

import pytest
from test_policies import extra, find, model
from test_policy_grpc import drive, resource

from private_acr_policies import identity_roles
from private_acr_policies._model import UNKNOWN, Resource, Stack
from private_acr_policies._policy import Finding, NotApplicable
from private_acr_preview.program import ProgramRun
from private_acr_rules.roles import BUILD_TRIGGER_ACTIONS, BUILTIN_ROLES, SCHEDULE_RUN

POLICY = "build-identity-least-privilege"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"


def findings(resources: list[Resource], **config: Any) -> list[Finding]:
    return identity_roles.check(Stack(resources), {"allowedRoles": [], **config})


def builtin(role: str) -> str:
    return f"/subscriptions/sub/providers/Microsoft.Authorization/roleDefinitions/{BUILTIN_ROLES[role]}"


def grant(dev: list[Resource], name: str, holder: str, role: str, scope: str) -> Resource:
    """A role assignment of the built-in ``role`` to ``holder``'s principal at ``scope``."""
    principal = find(dev, holder).props["principalId"]
    props = {"scope": scope, "principalId": principal, "roleDefinitionId": builtin(role)}
    return extra(ASSIGNMENT, name, props)


@pytest.fixture
def dev(dev_run: ProgramRun) -> list[Resource]:
    return model(dev_run)


def registry_id(dev: list[Resource]) -> str:
    return find(dev, "registry-acr").props["id"]


def custom_role(dev: list[Resource]) -> dict[str, Any]:
    return find(dev, "ci-trigger-build-role").props["permissions"][0]


# Pure check ---------------------------------------------------------------------------------


def test_dev_stack_passes(dev: list[Resource]) -> None:
    assert findings(dev) == []


def test_trigger_with_tasks_contributor_fails(dev: list[Resource]) -> None:
    assignment = find(dev, "ci-trigger-build-role-assignment")
    assignment.props["roleDefinitionId"] = builtin("Container Registry Tasks Contributor")
    assignment.property_dependencies.pop("roleDefinitionId")
    [finding] = findings(dev)
    assert finding.urn == assignment.urn
    assert "ci-trigger-identity triggers builds on registry-acr" in finding.message
    assert "holds Container Registry Tasks Contributor there" in finding.message


def test_trigger_with_a_push_role_fails(dev: list[Resource]) -> None:
    push = grant(dev, "trigger-push", "ci-trigger-identity", "AcrPush", registry_id(dev))
    [finding] = findings([*dev, push])
    assert finding.urn == push.urn
    assert finding.message.endswith("holds AcrPush there; it pushes images.")


def test_task_identity_with_a_push_role_fails(dev: list[Resource]) -> None:
    push = grant(dev, "task-push", "build-task-identity", "AcrPush", registry_id(dev))
    [finding] = findings([*dev, push])
    assert finding.urn == push.urn
    assert "build-task-identity runs builds on registry-acr" in finding.message


def test_owner_inherited_from_the_resource_group_fails(dev: list[Resource]) -> None:
    group = find(dev, "resource-group").props["id"]
    owner = grant(dev, "task-owner", "build-task-identity", "Owner", group)
    assert [f.urn for f in findings([*dev, owner])] == [owner.urn]


def test_a_scope_not_known_yet_is_followed_to_the_resource_group(dev: list[Resource]) -> None:
    group = find(dev, "resource-group")
    owner = grant(dev, "task-owner", "build-task-identity", "Owner", "")
    owner.props["scope"] = UNKNOWN
    owner.property_dependencies["scope"] = [group.urn]
    assert [f.urn for f in findings([*dev, owner])] == [owner.urn]


def test_roles_on_other_resources_do_not_count(dev: list[Resource]) -> None:
    container = find(dev, "artifacts-container").props["id"]
    owner = grant(dev, "task-owner", "build-task-identity", "Owner", container)
    assert findings([*dev, owner]) == []


def test_custom_trigger_role_that_pushes_fails(dev: list[Resource]) -> None:
    custom_role(dev)["actions"].append("Microsoft.ContainerRegistry/registries/push/write")
    [finding] = findings(dev)
    assert finding.urn == find(dev, "ci-trigger-build-role-assignment").urn
    assert "grants Microsoft.ContainerRegistry/registries/push/write" in finding.message


def test_custom_role_with_a_registry_wildcard_fails(dev: list[Resource]) -> None:
    custom_role(dev)["actions"] = ["Microsoft.ContainerRegistry/*"]
    [finding] = findings(dev)
    assert "Microsoft.ContainerRegistry/registries/tasks/delete" in finding.message


def test_not_actions_take_operations_out_of_a_custom_role(dev: list[Resource]) -> None:
    custom_role(dev)["actions"] = [SCHEDULE_RUN, "Microsoft.ContainerRegistry/registries/tasks/*"]
    custom_role(dev)["notActions"] = [
        "Microsoft.ContainerRegistry/registries/tasks/write",
        "Microsoft.ContainerRegistry/registries/tasks/delete",
    ]
    assert findings(dev) == []


@pytest.mark.parametrize("allowed", ["AcrPush", "acrpush", BUILTIN_ROLES["AcrPush"]])
def test_allowed_roles_are_accepted(dev: list[Resource], allowed: str) -> None:
    push = grant(dev, "task-push", "build-task-identity", "AcrPush", registry_id(dev))
    assert findings([*dev, push], allowedRoles=[allowed]) == []


def test_identities_that_neither_build_nor_trigger_are_not_checked(dev: list[Resource]) -> None:
    pusher = extra(
        "azure-native:managedidentity:UserAssignedIdentity", "ci-pusher", {"principalId": "p-9"}
    )
    push = grant([pusher], "ci-push", "ci-pusher", "AcrPush", registry_id(dev))
    assert findings([*dev, pusher, push]) == []


def test_unknown_role_ids_are_skipped(dev: list[Resource]) -> None:
    assignment = find(dev, "ci-trigger-build-role-assignment")
    assignment.props["roleDefinitionId"] = UNKNOWN
    assignment.property_dependencies.pop("roleDefinitionId")
    assert findings(dev) == []


def test_a_stack_without_a_registry_is_not_applicable() -> None:
    with pytest.raises(NotApplicable, match="no container registry"):
        findings([])


def test_a_registry_nobody_builds_on_is_not_applicable(dev: list[Resource]) -> None:
    with pytest.raises(NotApplicable, match="no identity of the stack runs or triggers builds"):
        findings([find(dev, "registry-acr")])


# Through the analyzer protocol ----------------------------------------------------------------

REGISTRY_ID = (
    "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr"
)


def trigger_stack(role: str | None) -> list[Any]:
    """A registry and a trigger identity holding ``role`` there; ``None``: the custom trigger role."""
    registry = resource(
        "azure-native:containerregistry:Registry", "acr", {"id": REGISTRY_ID, "name": "acr"}
    )
    identity = resource(
        "azure-native:managedidentity:UserAssignedIdentity", "trigger", {"principalId": "p-1"}
    )
    custom = resource(
        "azure-native:authorization:RoleDefinition",
        "trigger-custom",
        {
            "roleName": "ACR build trigger (acr)",
            "permissions": [{"actions": list(BUILD_TRIGGER_ACTIONS)}],
        },
    )
    assignment = resource(
        ASSIGNMENT,
        "trigger-role",
        {
            "scope": REGISTRY_ID,
            "principalId": "p-1",
            "principalType": "ServicePrincipal",
            "roleDefinitionId": builtin(role) if role else "custom-role-id",
        },
        scope=[registry.urn],
        principalId=[identity.urn],
        **({} if role else {"roleDefinitionId": [custom.urn]}),
    )
    return [registry, identity, custom, assignment]


def ours(violations: list[Any]) -> list[Any]:
    return [v for v in violations if v.policy == POLICY]


def test_grpc_a_trigger_with_tasks_contributor_is_an_advisory_violation() -> None:
    stack = trigger_stack("Container Registry Tasks Contributor")
    [violation] = ours(drive(stack).violations)
    assert (violation.urn, violation.level, violation.severity) == (
        stack[3].urn,
        "advisory",
        "high",
    )
    assert "trigger triggers builds on acr" in violation.message


def test_grpc_allowed_roles_from_the_policy_config_are_accepted() -> None:
    stack = trigger_stack("Container Registry Tasks Contributor")
    config = {POLICY: {"allowedRoles": ["Container Registry Tasks Contributor"]}}
    assert ours(drive(stack, config).violations) == []


def test_grpc_a_trigger_with_the_custom_trigger_role_passes() -> None:
    report = drive(trigger_stack(None))
    assert ours(report.violations) == []
    assert POLICY not in {n["policy"] for n in report.not_applicable}


def test_grpc_a_stack_without_registries_is_not_applicable() -> None:
    report = drive(trigger_stack("Owner")[1:])
    assert POLICY in {n["policy"] for n in report.not_applicable}
    assert ours(report.violations) == []


ODD: list[Any] = [None, 7, "", [], {}, ["x", 3, None], {"a": [{}]}, "*"]


@pytest.mark.parametrize("value", ODD, ids=[repr(v) for v in ODD])
def test_grpc_odd_inputs_give_a_verdict_not_an_exception(value: Any) -> None:
    fields = {
        "id": value,
        "name": value,
        "scope": value,
        "principalId": value,
        "roleDefinitionId": value,
        "roleName": value,
        "permissions": [value, {"actions": value, "notActions": value, "dataActions": value}],
        "identity": {"type": value, "principalId": value, "userAssignedIdentities": value},
        "registryName": value,
    }
    types = [
        "containerregistry:Registry",
        "containerregistry:Task",
        "managedidentity:UserAssignedIdentity",
        "authorization:RoleDefinition",
        "authorization:RoleAssignment",
    ]
    report = drive([resource(f"azure-native:{t}", t.split(":")[1].lower(), fields) for t in types])
    assert not [v for v in ours(report.violations) if "could not evaluate" in v.message]
