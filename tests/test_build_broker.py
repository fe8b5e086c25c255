"""The build broker's workflow: who may call, what it runs, on which contexts, as which identity."""

from typing import Any

from private_acr_rules import build_broker
from private_acr_rules.build_broker import BrokerTask

REGISTRY = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr"
IDENTITY = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/broker"
ARM = "https://management.azure.com/"
GIT = "https://git.internal.example.com/team/app.git#main"
TASKS = [
    BrokerTask("build-dev", f"{REGISTRY}/tasks/build-dev"),
    BrokerTask("app-dev", f"{REGISTRY}/tasks/app-dev", (GIT,)),
]


def definition() -> dict[str, Any]:
    return build_broker.broker_workflow(TASKS, REGISTRY, IDENTITY, ARM)


def actions_of(case: str) -> dict[str, Any]:
    return definition()["actions"]["route"]["cases"][case]["actions"]


def test_only_a_bearer_token_starts_the_workflow() -> None:
    # Learn, logic-apps-securing-a-logic-app, "Enable Microsoft Entra ID OAuth as the only
    # option to call a request endpoint": the operation option and the trigger condition.
    [(name, trigger)] = definition()["triggers"].items()
    assert name == build_broker.TRIGGER
    assert trigger["type"] == "Request" and trigger["kind"] == "Http"
    assert trigger["operationOptions"] == "IncludeAuthorizationHeadersInOutputs"
    assert trigger["conditions"] == [
        {"expression": "@startsWith(triggerOutputs()?['headers']?['Authorization'], 'Bearer')"}
    ]
    # The header is a bearer token: run history must not show it.
    assert trigger["runtimeConfiguration"] == {"secureData": {"properties": ["inputs", "outputs"]}}


def test_the_policy_matches_the_trigger_identitys_tokens_only() -> None:
    claims = build_broker.authorization_claims(
        "tenant-1", "principal-1", ARM, "https://sts.windows.net/"
    )
    assert claims == [
        {"name": "iss", "value": "https://sts.windows.net/tenant-1/"},
        {"name": "aud", "value": ARM},
        {"name": "oid", "value": "principal-1"},
    ]


def test_the_tasks_it_may_run_are_fixed_in_the_definition() -> None:
    assert definition()["parameters"]["tasks"] == {
        "type": "Object",
        "defaultValue": {
            "build-dev": {"id": f"{REGISTRY}/tasks/build-dev", "contexts": []},
            "app-dev": {"id": f"{REGISTRY}/tasks/app-dev", "contexts": [GIT]},
        },
    }


def test_a_run_request_carries_only_the_task_id_and_the_context() -> None:
    check = actions_of("run")["check"]
    schedule = check["actions"]["schedule_run"]
    assert schedule["inputs"]["method"] == "POST"
    assert schedule["inputs"]["uri"] == (
        f"https://management.azure.com{REGISTRY}/scheduleRun?api-version=2019-06-01-preview"
    )
    body = schedule["inputs"]["body"]
    assert set(body) == {"type", "taskId", "overrideTaskStepProperties"}
    assert body["type"] == "TaskRunRequest"
    assert set(body["overrideTaskStepProperties"]) == {"contextPath"}
    # The task id comes from the definition's table, never from the request.
    assert "parameters('tasks')" in body["taskId"]
    assert schedule["inputs"]["authentication"] == {
        "type": "ManagedServiceIdentity",
        "identity": IDENTITY,
        "audience": ARM,
    }


def test_a_run_is_checked_first_and_refused_unless_allowed() -> None:
    check = actions_of("run")["check"]
    assert check["type"] == "If"
    assert check["expression"] == {"and": [{"equals": [f"@{build_broker.ALLOWED}", True]}]}
    for part in ("not(empty(parameters('tasks')?[", "startsWith(", "'source/'", "'.tar.gz'"):
        assert part in build_broker.ALLOWED
    refused = check["else"]["actions"]["refused"]
    assert refused["type"] == "Response" and refused["inputs"]["statusCode"] == 403
    assert (
        f"app-dev: an upload from operation upload or one of {GIT}"
        in (refused["inputs"]["body"]["error"])
    )
    started = check["actions"]["started"]
    assert started["inputs"]["statusCode"] == 202
    assert started["inputs"]["body"]["runId"] == "@{body('schedule_run')?['properties']?['runId']}"


def test_an_upload_hands_out_the_registrys_write_url_and_keeps_it_out_of_history() -> None:
    upload = actions_of("upload")
    call = upload["upload_url"]
    assert call["inputs"]["uri"] == (
        f"https://management.azure.com{REGISTRY}/listBuildSourceUploadUrl"
        "?api-version=2019-06-01-preview"
    )
    secure = {"secureData": {"properties": ["inputs", "outputs"]}}
    assert call["runtimeConfiguration"] == secure
    assert upload["hand_out"]["runtimeConfiguration"] == secure
    assert set(upload["hand_out"]["inputs"]["body"]) == {"uploadUrl", "relativePath"}


def test_another_operation_is_a_bad_request() -> None:
    default = definition()["actions"]["route"]["default"]["actions"]["unknown"]
    assert default["inputs"]["statusCode"] == 400


def test_the_callback_url_keeps_the_queries_but_not_the_signature() -> None:
    # Learn, logic-apps-http-endpoint: https://prod-07.westus.logic.azure.com:443/workflows/
    # {workflow-ID}/triggers/manual/paths/invoke?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual
    # %2Frun&sv=1.0&sig={shared-access-signature}
    url = build_broker.callback_url("https://prod-00.eastus2.logic.azure.com:443/workflows/abc")
    assert url == (
        "https://prod-00.eastus2.logic.azure.com:443/workflows/abc/triggers/build/paths/invoke"
        "?api-version=2016-10-01&sp=%2Ftriggers%2Fbuild%2Frun&sv=1.0"
    )
