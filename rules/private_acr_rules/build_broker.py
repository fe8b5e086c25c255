"""The build broker: the one way the in-cluster trigger starts a build.

Why. Azure RBAC cannot tell a task run from a quick run on a registry:
``Microsoft.ContainerRegistry/registries/scheduleRun/action`` ("Schedule a run against a
container registry"; Learn, permissions/containers.md) authorizes ``az acr task run`` and
``az acr run``/``az acr build`` alike, and a quick run executes the steps its caller sends on
the VNet-injected pool with a run token that can push and delete (Learn's auto-purge example
runs ``acr purge`` that way). Whoever can run a pod as the trigger's service account could do
that. So the trigger identity holds no such role: it asks this broker, with its
workload-identity token, to run one of the stack's tasks, and only the broker's own identity
holds the run role (``roles.BROKER_ACTIONS``).

What. A Consumption Logic App (``Microsoft.Logic/workflows``) with a Request trigger (Learn,
logic-apps/logic-apps-securing-a-logic-app, https://learn.microsoft.com/azure/logic-apps/
logic-apps-securing-a-logic-app, and logic-apps-workflow-actions-triggers):

- Who may call. An authorization policy (``accessControl.triggers.openAuthenticationPolicies``,
  type ``AAD``) that matches only the trigger identity's access tokens: the tenant's issuer, the
  audience the caller asks for (the cloud's Resource Manager) and the identity's object id
  (``oid``). Learn: "If a match exists between the token's claims and all the claims in at
  least one policy, authorization succeeds"; "At a minimum, the Claims list must include the
  Issuer claim"; "You can also specify your own claim type and value".
- No shared access signature. "Although using one scheme doesn't disable the other scheme"
  (same page), and the switch that turns SAS off (``sasAuthenticationPolicy``) is not in the
  API version azure-native v3's Workflow uses (2019-05-01). So Learn's own mechanism ("Enable
  Microsoft Entra ID OAuth as the only option to call a request endpoint"): the trigger puts
  the Authorization header in its outputs (``operationOptions:
  IncludeAuthorizationHeadersInOutputs``) and a trigger condition requires it to start with
  ``Bearer``. A call with the SAS signature and no token is skipped ("the run history just
  shows the trigger as Skipped"), one with both fails ("using both schemes at the same time
  causes an error"). The header, a bearer token, is then in the trigger's outputs, so the
  trigger's inputs and outputs are secured (``runtimeConfiguration.secureData``), and run
  history does not show them.
- What it runs. Only the tasks it was given, by their ARM ids. The caller names a task and a
  context; nothing else reaches the run request (no steps, values, arguments or target). The
  context is an upload the broker handed out (operation ``upload``: it calls
  ``listBuildSourceUploadUrl`` and returns the blob's write URL and its relative path
  ``source/...tar.gz``, as ``az acr build`` does for a local directory) or one of the URLs
  listed for the task. Anything else is refused (403), naming what it accepts.
- How. ARM's ``scheduleRun`` (``POST .../registries/{r}/scheduleRun``, a ``TaskRunRequest`` of
  ``taskId`` and ``overrideTaskStepProperties.contextPath``, what ``az acr task run`` sends;
  azure-rest-api-specs, containerregistry_build.json) and ``listBuildSourceUploadUrl``, both
  authenticated as the broker's user-assigned identity (``ManagedServiceIdentity``, audience
  the cloud's Resource Manager), as the pool schedule calls ARM (``idle_scaling``). The answer
  (202) carries the run's id; the caller follows the run with its own ``runs/read`` and
  ``runs/listLogSasUrl/action``.

The URL the caller posts to is the trigger's callback URL without its ``sig`` parameter (the
SAS signature: a caller with a token sends none), built from the workflow's access endpoint
(:func:`callback_url`); it is no secret.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from private_acr_rules.idle_scaling import WORKFLOW_SCHEMA

TRIGGER = "build"
"""The name of the broker's Request trigger."""
RUN_API_VERSION = "2019-06-01-preview"
"""The ACR build API version (``scheduleRun``, ``listBuildSourceUploadUrl``) azure-native v3's
``containerregistry.Task`` and ``AgentPool`` use too."""
UPLOAD_PREFIX = "source/"
UPLOAD_SUFFIX = ".tar.gz"
"""An upload's relative path, as ``listBuildSourceUploadUrl`` returns it
(``source/201802130000/<guid>.tar.gz``, the API's example)."""


@dataclass(frozen=True)
class BrokerTask:
    """A task the broker may run, and the context URLs it accepts for it beside uploads."""

    name: str
    task_id: str
    contexts: tuple[str, ...] = ()


def authorization_claims(
    tenant_id: str, principal_id: str, audience: str, issuer: str
) -> list[dict[str, str]]:
    """The claims of the one authorization policy: issuer, audience, the caller's object id.

    ``issuer`` is the v1 issuer prefix of the cloud (``https://sts.windows.net/``); Resource
    Manager access tokens are v1 tokens, whose ``iss`` is that prefix, the tenant id and a
    slash."""
    return [
        {"name": "iss", "value": f"{issuer}{tenant_id}/"},
        {"name": "aud", "value": audience},
        {"name": "oid", "value": principal_id},
    ]


TRIGGER_API_VERSION = "2016-10-01"
"""The ``api-version`` of a Request trigger's callback URL (Learn, logic-apps-http-endpoint)."""


def callback_url(access_endpoint: str, trigger: str = TRIGGER) -> str:
    """The trigger's URL for a caller with a token: the workflow's access endpoint, the
    trigger's path and the ``api-version``, ``sp`` and ``sv`` queries of its callback URL,
    without the SAS signature ``sig`` (Learn, logic-apps-http-endpoint: ``https://prod-07.
    westus.logic.azure.com:443/workflows/{workflow-ID}/triggers/manual/paths/invoke?api-version=
    2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={shared-access-signature}``). Built
    from the access endpoint, so the program never reads the signature
    (``listWorkflowTriggerCallbackUrl`` would hand it out)."""
    permissions = quote(f"/triggers/{trigger}/run", safe="")
    return (
        f"{access_endpoint.rstrip('/')}/triggers/{trigger}/paths/invoke"
        f"?api-version={TRIGGER_API_VERSION}&sp={permissions}&sv=1.0"
    )


def _expression(text: str) -> str:
    return "@" + text


BEARER_ONLY = "@startsWith(triggerOutputs()?['headers']?['Authorization'], 'Bearer')"
"""Learn's trigger condition that refuses a call without a bearer token (a SAS call)."""
_CONTEXT = "string(triggerBody()?['context'])"
_TASK = "parameters('tasks')?[string(triggerBody()?['task'])]"
_IS_UPLOAD = (
    f"and(startsWith({_CONTEXT}, '{UPLOAD_PREFIX}'), endsWith({_CONTEXT}, '{UPLOAD_SUFFIX}'), "
    f"not(contains({_CONTEXT}, '..')), not(contains({_CONTEXT}, '?')), "
    f"not(contains({_CONTEXT}, '#')), not(contains({_CONTEXT}, ':')))"
)
_LISTED = f"contains(coalesce({_TASK}?['contexts'], createArray()), {_CONTEXT})"
ALLOWED = f"and(not(empty({_TASK})), or({_IS_UPLOAD}, {_LISTED}))"
"""Whether the request names a configured task and a context the broker accepts for it."""

REQUEST_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "properties": {
        "operation": {"type": "string", "enum": ["upload", "run"]},
        "task": {"type": "string"},
        "context": {"type": "string"},
    },
    "required": ["operation"],
}
_SECURE = {"secureData": {"properties": ["inputs", "outputs"]}}


def _response(
    status: int, body: Mapping[str, Any], after: Mapping[str, list[str]]
) -> dict[str, Any]:
    return {
        "type": "Response",
        "kind": "Http",
        "inputs": {
            "statusCode": status,
            "headers": {"Content-Type": "application/json"},
            "body": dict(body),
        },
        "runAfter": dict(after),
    }


def _arm_call(
    uri: str, body: Mapping[str, Any] | None, identity_id: str, audience: str
) -> dict[str, Any]:
    inputs: dict[str, Any] = {
        "method": "POST",
        "uri": uri,
        "authentication": {
            "type": "ManagedServiceIdentity",
            "identity": identity_id,
            "audience": audience,
        },
    }
    if body is not None:
        inputs["body"] = dict(body)
    # The first answer is the result; polling an operation would need a read the identity
    # does not have.
    return {"type": "Http", "inputs": inputs, "operationOptions": "DisableAsyncPattern"}


def broker_workflow(
    tasks: Sequence[BrokerTask], registry_id: str, identity_id: str, resource_manager: str
) -> dict[str, Any]:
    """The workflow definition of the broker for ``tasks`` of the registry ``registry_id``."""
    registry = f"{resource_manager.rstrip('/')}{registry_id}"
    table = {t.name: {"id": t.task_id, "contexts": list(t.contexts)} for t in tasks}
    accepted = "; ".join(
        f"{t.name}: an upload from operation upload"
        + (f" or one of {', '.join(t.contexts)}" if t.contexts else "")
        for t in tasks
    )
    failed = ["Failed", "TimedOut"]
    upload: dict[str, Any] = {
        "upload_url": {
            **_arm_call(
                f"{registry}/listBuildSourceUploadUrl?api-version={RUN_API_VERSION}",
                None,
                identity_id,
                resource_manager,
            ),
            # The answer holds a write SAS for the blob: not for run history.
            "runtimeConfiguration": _SECURE,
            "runAfter": {},
        },
        "hand_out": {
            **_response(
                200,
                {
                    "uploadUrl": "@{body('upload_url')?['uploadUrl']}",
                    "relativePath": "@{body('upload_url')?['relativePath']}",
                },
                {"upload_url": ["Succeeded"]},
            ),
            "runtimeConfiguration": _SECURE,
        },
        "no_upload": _response(
            502,
            {
                "error": "Azure Resource Manager refused the upload URL",
                "status": "@{outputs('upload_url')?['statusCode']}",
            },
            {"upload_url": failed},
        ),
    }
    run: dict[str, Any] = {
        "check": {
            "type": "If",
            "expression": {"and": [{"equals": [_expression(ALLOWED), True]}]},
            "actions": {
                "schedule_run": {
                    **_arm_call(
                        f"{registry}/scheduleRun?api-version={RUN_API_VERSION}",
                        {
                            "type": "TaskRunRequest",
                            "taskId": f"@{{{_TASK}?['id']}}",
                            "overrideTaskStepProperties": {"contextPath": f"@{{{_CONTEXT}}}"},
                        },
                        identity_id,
                        resource_manager,
                    ),
                    "runAfter": {},
                },
                "started": _response(
                    202,
                    {
                        "runId": "@{body('schedule_run')?['properties']?['runId']}",
                        "status": "@{body('schedule_run')?['properties']?['status']}",
                    },
                    {"schedule_run": ["Succeeded"]},
                ),
                "not_started": _response(
                    502,
                    {
                        "error": "Azure Resource Manager refused the run",
                        "detail": "@{body('schedule_run')}",
                    },
                    {"schedule_run": failed},
                ),
            },
            "else": {
                "actions": {
                    "refused": _response(
                        403,
                        {
                            "error": f"not a configured task and accepted context; accepted: {accepted}"
                        },
                        {},
                    )
                }
            },
            "runAfter": {},
        }
    }
    return {
        "$schema": WORKFLOW_SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": {"tasks": {"type": "Object", "defaultValue": table}},
        "triggers": {
            TRIGGER: {
                "type": "Request",
                "kind": "Http",
                "inputs": {"method": "POST", "schema": dict(REQUEST_SCHEMA)},
                "operationOptions": "IncludeAuthorizationHeadersInOutputs",
                "conditions": [{"expression": BEARER_ONLY}],
                "runtimeConfiguration": _SECURE,
            }
        },
        "actions": {
            "route": {
                "type": "Switch",
                "expression": _expression("string(triggerBody()?['operation'])"),
                "cases": {
                    "upload": {"case": "upload", "actions": upload},
                    "run": {"case": "run", "actions": run},
                },
                "default": {
                    "actions": {
                        "unknown": _response(400, {"error": "operation must be upload or run"}, {})
                    }
                },
                "runAfter": {},
            }
        },
        "outputs": {},
    }
