"""InClusterBuildTrigger: a federated identity with the least registry role, Kubernetes access
for the deployers, and manifests that log in again for every build."""

import copy
from collections.abc import Callable
from typing import Any

import kubernetes_validate
import pulumi
import pytest
import yaml
from learn_facts import (
    BROKER_ACTIONS,
    BUILD_TRIGGER_ACTIONS,
    QUICK_BUILD_ACTIONS,
    ROLE_IDS,
)

from conftest import Refusal, by_name, children_of
from private_acr_preview.program import ProgramRun
from private_acr_tasks.agent_pool import DEFAULT_CLI_IMAGE
from private_acr_tasks.build_trigger import InClusterBuildTrigger, InClusterBuildTriggerArgs

Runner = Callable[[Callable[[], object]], ProgramRun]

ISSUER = "https://eastus2.oic.prod-aks.azure.com/tenant/cluster/"
SUBSCRIPTION = "00000000-1111-2222-3333-444444444444"
REGISTRY_ID = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-images/providers/"
    "Microsoft.ContainerRegistry/registries/acr1"
)
CLUSTER_ID = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/"
    "Microsoft.ContainerService/managedClusters/aks1"
)
DEPLOYER = "11111111-2222-3333-4444-555555555555"
BASE: InClusterBuildTriggerArgs = {
    "resource_group_name": "rg",
    "location": "eastus2",
    "subscription_id": SUBSCRIPTION,
    "tenant_id": "tenant",
    "registry_id": REGISTRY_ID,
    "registry_name": "acr1",
    "oidc_issuer_url": ISSUER,
    "agent_pool_name": "pool-dev",
    "task_name": "build-dev",
    "cluster_id": CLUSTER_ID,
}
KUBERNETES_VERSION = "1.33"
"""The schemas the manifests are checked against (an AKS-supported version)."""


def trigger_run(run_components: Runner, outputs: dict[str, Any], **changes: Any) -> ProgramRun:
    args: dict[str, Any] = {**BASE, **changes}

    def program() -> None:
        trigger = InClusterBuildTrigger("ci", args)  # pyright: ignore[reportArgumentType]
        texts: dict[str, pulumi.Output[str]] = {
            "manifest": trigger.manifest,
            "build_job_manifest": trigger.build_job_manifest,
            "task_run_command": trigger.task_run_command,
            "broker_url": trigger.broker_url,
        }
        if trigger.quick_build_command is not None:
            texts["quick_build_command"] = trigger.quick_build_command
        for key, text in texts.items():
            text.apply(lambda value, key=key: outputs.setdefault(key, value))

    return run_components(program)


def rendered(run_components: Runner, **changes: Any) -> dict[str, Any]:
    outputs: dict[str, Any] = {}
    trigger_run(run_components, outputs, **changes)
    return outputs


def documents(run_components: Runner) -> dict[str, dict[str, Any]]:
    outputs = rendered(run_components)
    docs = [*yaml.safe_load_all(outputs["manifest"]), yaml.safe_load(outputs["build_job_manifest"])]
    return {doc["kind"]: doc for doc in docs}


def assignments(run: ProgramRun) -> list[dict[str, Any]]:
    return [
        r.inputs for r in run.resources if r.type == "azure-native:authorization:RoleAssignment"
    ]


def script_of(container: dict[str, Any]) -> list[str]:
    return container["command"][-1].splitlines()


# Identity and registry role ----------------------------------------------------------------


def test_the_component_holds_the_identity_the_custom_role_and_its_assignment(
    run_components: Runner,
) -> None:
    assert children_of(trigger_run(run_components, {}), "ci") == {
        ("azure-native:managedidentity:UserAssignedIdentity", "ci-identity"),
        ("azure-native:authorization:RoleDefinition", "ci-build-role"),
        ("azure-native:authorization:RoleAssignment", "ci-build-role-assignment"),
        ("azure-native:managedidentity:UserAssignedIdentity", "ci-broker-identity"),
        ("azure-native:authorization:RoleDefinition", "ci-broker-role"),
        ("azure-native:authorization:RoleAssignment", "ci-broker-role-assignment"),
        ("azure-native:logic:Workflow", "ci-broker"),
    }


def test_identity_is_federated_with_the_agent_service_account(run_components: Runner) -> None:
    run = trigger_run(run_components, {}, namespace="builds", service_account="agent")
    federation = by_name(run, "ci-federation")
    assert federation.parent == by_name(run, "ci-identity").urn
    assert federation.inputs["issuer"] == ISSUER
    assert federation.inputs["subject"] == "system:serviceaccount:builds:agent"
    assert federation.inputs["audiences"] == ["api://AzureADTokenExchange"]


def test_the_trigger_role_follows_runs_and_starts_none(run_components: Runner) -> None:
    role = by_name(trigger_run(run_components, {}), "ci-build-role").inputs
    [permission] = role["permissions"]
    assert set(permission["actions"]) == set(BUILD_TRIGGER_ACTIONS)
    assert len(permission["actions"]) == len(BUILD_TRIGGER_ACTIONS)
    assert not permission.get("dataActions")


def test_quick_builds_add_the_run_and_upload_actions_and_the_command(
    run_components: Runner,
) -> None:
    outputs: dict[str, Any] = {}
    run = trigger_run(run_components, outputs, quick_builds=True)
    [permission] = by_name(run, "ci-build-role").inputs["permissions"]
    assert set(permission["actions"]) == {*BUILD_TRIGGER_ACTIONS, *QUICK_BUILD_ACTIONS}
    assert "--agent-pool pool-dev" in outputs["quick_build_command"]
    assert "quick_build_command" not in rendered(run_components)


def test_the_broker_identity_holds_the_run_role_on_the_registry(run_components: Runner) -> None:
    run = trigger_run(run_components, {})
    role = by_name(run, "ci-broker-role").inputs
    [permission] = role["permissions"]
    assert set(permission["actions"]) == set(BROKER_ACTIONS)
    assert len(permission["actions"]) == len(BROKER_ACTIONS)
    group = REGISTRY_ID.split("/providers/", maxsplit=1)[0]
    assert role["scope"] == group and role["assignableScopes"] == [group]
    assignment = by_name(run, "ci-broker-role-assignment")
    assert assignment.inputs["scope"] == REGISTRY_ID
    assert (
        assignment.inputs["principalId"]
        == by_name(run, "ci-broker-identity").outputs["principalId"]
    )
    assert assignment.urn in by_name(run, "ci-broker").dependencies


def test_the_broker_accepts_only_the_trigger_identitys_bearer_tokens(
    run_components: Runner,
) -> None:
    run = trigger_run(run_components, {})
    broker = by_name(run, "ci-broker").inputs
    [policy] = broker["accessControl"]["triggers"]["openAuthenticationPolicies"][
        "policies"
    ].values()
    claims = {c["name"]: c["value"] for c in policy["claims"]}
    assert policy["type"] == "AAD"
    assert claims == {
        # Learn, logic-apps-securing-a-logic-app: the Issuer "starts with
        # https://sts.windows.net/" and the tenant; the caller asks for a token of ARM.
        "iss": "https://sts.windows.net/tenant/",
        "aud": "https://management.azure.com/",
        "oid": by_name(run, "ci-identity").outputs["principalId"],
    }
    [trigger] = broker["definition"]["triggers"].values()
    # Learn, "Enable Microsoft Entra ID OAuth as the only option to call a request endpoint".
    assert trigger["operationOptions"] == "IncludeAuthorizationHeadersInOutputs"
    assert trigger["conditions"] == [
        {"expression": "@startsWith(triggerOutputs()?['headers']?['Authorization'], 'Bearer')"}
    ]
    assert broker["identity"]["userAssignedIdentities"] == [
        by_name(run, "ci-broker-identity").outputs["id"]
    ]


def test_the_broker_runs_the_configured_tasks_with_their_listed_contexts(
    run_components: Runner,
) -> None:
    url = "https://git.internal.example.com/team/app.git#main"
    run = trigger_run(
        run_components,
        {},
        task_names=["build-dev", "app-dev"],
        contexts={"app-dev": [url]},
    )
    tasks = by_name(run, "ci-broker").inputs["definition"]["parameters"]["tasks"]["defaultValue"]
    assert tasks == {
        "build-dev": {"id": f"{REGISTRY_ID}/tasks/build-dev", "contexts": []},
        "app-dev": {"id": f"{REGISTRY_ID}/tasks/app-dev", "contexts": [url]},
    }


def test_custom_role_is_defined_for_the_registry_only(run_components: Runner) -> None:
    role = by_name(trigger_run(run_components, {}), "ci-build-role").inputs
    assert role["scope"] == REGISTRY_ID
    assert role["assignableScopes"] == [REGISTRY_ID]
    assert role["roleType"] == "CustomRole"
    assert role["roleName"] == "ACR build trigger (acr1)"


def test_custom_role_id_is_the_same_for_the_same_registry(run_components: Runner) -> None:
    def role_id(registry_id: str) -> str:
        run = trigger_run(run_components, {}, registry_id=registry_id)
        return by_name(run, "ci-build-role").inputs["roleDefinitionId"]

    assert role_id(REGISTRY_ID) == role_id(REGISTRY_ID.upper())
    assert role_id(REGISTRY_ID) != role_id(REGISTRY_ID.replace("acr1", "acr2"))


def test_trigger_identity_holds_the_custom_role_on_the_registry(run_components: Runner) -> None:
    run = trigger_run(run_components, {})
    assignment = by_name(run, "ci-build-role-assignment")
    role = by_name(run, "ci-build-role")
    assert assignment.inputs["scope"] == REGISTRY_ID
    assert assignment.inputs["principalId"] == by_name(run, "ci-identity").outputs["principalId"]
    assert assignment.inputs["principalType"] == "ServicePrincipal"
    assert assignment.inputs["roleDefinitionId"] == (
        f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/"
        f"{role.outputs['name']}"
    )
    assert assignment.property_dependencies["roleDefinitionId"] == [role.urn]


def test_no_tasks_contributor_is_assigned(run_components: Runner) -> None:
    run = trigger_run(run_components, {}, deployers=[DEPLOYER])
    tasks_contributor = ROLE_IDS["Container Registry Tasks Contributor"]
    assert not [a for a in assignments(run) if a["roleDefinitionId"].endswith(tasks_contributor)]


# Kubernetes access --------------------------------------------------------------------------


def test_deployers_get_rbac_writer_on_the_ci_namespace(run_components: Runner) -> None:
    run = trigger_run(run_components, {}, deployers=[DEPLOYER], namespace="builds")
    writer = by_name(run, f"ci-deployer-{DEPLOYER}").inputs
    assert writer["scope"] == f"{CLUSTER_ID}/namespaces/builds"
    assert writer["roleDefinitionId"].endswith(ROLE_IDS["Azure Kubernetes Service RBAC Writer"])
    assert writer["principalId"] == DEPLOYER
    assert writer["principalType"] == "Group"


def test_deployers_get_the_cluster_user_role_for_their_kubeconfig(run_components: Runner) -> None:
    run = trigger_run(run_components, {}, deployers=[DEPLOYER])
    user = by_name(run, f"ci-deployer-{DEPLOYER}-kubeconfig").inputs
    assert user["scope"] == CLUSTER_ID
    assert user["roleDefinitionId"].endswith(ROLE_IDS["Azure Kubernetes Service Cluster User Role"])


def test_deployer_principal_type_follows_the_args(run_components: Runner) -> None:
    run = trigger_run(
        run_components, {}, deployers=[DEPLOYER], deployer_principal_type="ServicePrincipal"
    )
    assert by_name(run, f"ci-deployer-{DEPLOYER}").inputs["principalType"] == "ServicePrincipal"


def test_without_deployers_no_kubernetes_role_is_granted(run_components: Runner) -> None:
    scopes = [a["scope"] for a in assignments(trigger_run(run_components, {}))]
    assert scopes == [REGISTRY_ID, REGISTRY_ID]  # the trigger's role and the broker's


# Manifests ---------------------------------------------------------------------------------


def test_job_logs_in_right_before_each_build(run_components: Runner) -> None:
    job = documents(run_components)["Job"]
    [container] = job["spec"]["template"]["spec"]["containers"]
    assert container["command"][:2] == ["/bin/sh", "-c"]
    lines = script_of(container)
    acr_calls = [i for i, line in enumerate(lines) if line.startswith("/opt/acr-build/run-task ")]
    assert acr_calls
    previous = -1
    for call in acr_calls:
        logins = [i for i in range(previous + 1, call) if lines[i].startswith("az login ")]
        assert logins, f"no login between line {previous} and {lines[call]!r}"
        assert '--federated-token "$(cat "$AZURE_FEDERATED_TOKEN_FILE")"' in lines[logins[-1]]
        previous = call


def test_job_runs_one_build_and_is_never_retried(run_components: Runner) -> None:
    job = documents(run_components)["Job"]
    assert job["metadata"]["generateName"] == "acr-build-"
    assert job["spec"]["backoffLimit"] == 0
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_job_builds_the_context_it_is_given_through_the_broker(run_components: Runner) -> None:
    outputs = rendered(run_components)
    job = yaml.safe_load(outputs["build_job_manifest"])
    [container] = job["spec"]["template"]["spec"]["containers"]
    lines = script_of(container)
    assert lines[-1] == '/opt/acr-build/run-task build-dev "$BUILD_CONTEXT"'
    assert any(line.startswith(': "${BUILD_CONTEXT:?') for line in lines)
    login = next(i for i, line in enumerate(lines) if line.startswith("az login "))
    assert '--federated-token "$(cat "$AZURE_FEDERATED_TOKEN_FILE")"' in lines[login]
    assert login < len(lines) - 1
    assert {"name": "scripts", "mountPath": "/opt/acr-build", "readOnly": True} in container[
        "volumeMounts"
    ]
    # run-task posts to the broker with the token of the identity the pod logged in as.
    docs = {d["kind"]: d for d in yaml.safe_load_all(outputs["manifest"])}
    run_task = docs["ConfigMap"]["data"]["run-task"]
    assert f"az rest --method post --url '{outputs['broker_url']}'" in run_task
    assert "--resource https://management.azure.com/" in run_task
    assert "sig=" not in outputs["broker_url"]


def test_agent_builds_run_through_a_script_that_logs_in_each_time(run_components: Runner) -> None:
    docs = documents(run_components)
    script = docs["ConfigMap"]["data"]["with-login"].splitlines()
    assert script[0] == "#!/bin/sh"
    assert script.index(next(s for s in script if s.startswith("az login "))) < script.index('"$@"')
    pod = docs["Deployment"]["spec"]["template"]["spec"]
    assert {"name": "scripts", "mountPath": "/opt/acr-build", "readOnly": True} in pod[
        "containers"
    ][0]["volumeMounts"]
    assert pod["volumes"][-1]["configMap"]["name"] == docs["ConfigMap"]["metadata"]["name"]


def test_each_login_uses_its_own_cli_config_directory(run_components: Runner) -> None:
    script = documents(run_components)["ConfigMap"]["data"]["with-login"].splitlines()
    login = next(i for i, line in enumerate(script) if line.startswith("az login "))
    assert script.index('AZURE_CONFIG_DIR="$(mktemp -d)"') < login
    assert script.index("export AZURE_CONFIG_DIR") < login


def test_pods_use_workload_identity_without_a_kubernetes_token(run_components: Runner) -> None:
    docs = documents(run_components)
    for template in (docs["Deployment"]["spec"]["template"], docs["Job"]["spec"]["template"]):
        assert template["metadata"]["labels"]["azure.workload.identity/use"] == "true"
        assert template["spec"]["serviceAccountName"] == "acr-build-trigger"
        assert template["spec"]["automountServiceAccountToken"] is False
        assert template["spec"]["securityContext"]["runAsNonRoot"] is True


def test_service_account_carries_the_identity_client_id(run_components: Runner) -> None:
    outputs: dict[str, Any] = {}
    run = trigger_run(run_components, outputs)
    account = next(
        d for d in yaml.safe_load_all(outputs["manifest"]) if d["kind"] == "ServiceAccount"
    )
    client_id = by_name(run, "ci-identity").outputs["clientId"]
    assert account["metadata"]["annotations"]["azure.workload.identity/client-id"] == client_id


def test_images_are_pinned_to_the_cli_version(run_components: Runner) -> None:
    docs = documents(run_components)
    images = {
        c["image"]
        for kind in ("Deployment", "Job")
        for c in docs[kind]["spec"]["template"]["spec"]["containers"]
    }
    assert images == {DEFAULT_CLI_IMAGE}
    assert DEFAULT_CLI_IMAGE.rsplit(":", 1)[1][0].isdigit()


@pytest.mark.parametrize("kind", ["Namespace", "ServiceAccount", "ConfigMap", "Deployment", "Job"])
def test_manifests_are_valid_kubernetes_objects(run_components: Runner, kind: str) -> None:
    document = documents(run_components)[kind]
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_schema_check_refuses_a_malformed_manifest(run_components: Runner) -> None:
    job = copy.deepcopy(documents(run_components)["Job"])
    job["spec"]["template"]["spec"]["containers"][0]["command"] = "az acr task run"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(job, KUBERNETES_VERSION, strict=True)


def test_commands_carry_the_registry_its_resource_group_and_the_task(
    run_components: Runner,
) -> None:
    outputs = rendered(run_components, quick_builds=True)
    assert outputs["task_run_command"] == "/opt/acr-build/run-task build-dev ."
    docs = {d["kind"]: d for d in yaml.safe_load_all(outputs["manifest"])}
    run_task = docs["ConfigMap"]["data"]["run-task"]
    assert "az acr task logs --registry acr1 --resource-group rg-images" in run_task
    assert (
        "--registry acr1 --resource-group rg-images --agent-pool pool-dev"
        in (outputs["quick_build_command"])
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"namespace": "CI"}, "InClusterBuildTriggerArgs.namespace: got 'CI'"),
        ({"namespace": "kube-system"}, "InClusterBuildTriggerArgs.namespace: got 'kube-system'"),
        ({"service_account": "a_b"}, "InClusterBuildTriggerArgs.service_account: got 'a_b'"),
        ({"cli_image": "az cli"}, "InClusterBuildTriggerArgs.cli_image: got 'az cli'"),
        (
            {"cli_image": "mcr.microsoft.com/azure-cli@sha256:abc"},
            "InClusterBuildTriggerArgs.cli_image: got 'mcr.microsoft.com/azure-cli@sha256:abc'; "
            "expected an image reference such as mcr.microsoft.com/azure-cli:2.74.0-azurelinux3.0, "
            "or pinned to a digest (name@sha256:<64 lower-case hex digits>)",
        ),
        (
            {"cli_image": "mcr.microsoft.com/azure-cli:latest"},
            "InClusterBuildTriggerArgs.cli_image: got 'mcr.microsoft.com/azure-cli:latest'; expected an image pinned",
        ),
        (
            {"cli_image": "mcr.microsoft.com/azure-cli"},
            "InClusterBuildTriggerArgs.cli_image: got 'mcr.microsoft.com/azure-cli'; expected an image pinned",
        ),
        ({"deployers": ["ops"]}, "InClusterBuildTriggerArgs.deployers[0]: got 'ops'"),
        (
            {"deployers": [DEPLOYER, DEPLOYER.upper()]},
            f"InClusterBuildTriggerArgs.deployers: lists {DEPLOYER} more than once",
        ),
        (
            {"deployers": [DEPLOYER], "deployer_principal_type": "Robot"},
            "InClusterBuildTriggerArgs.deployer_principal_type: got 'Robot'",
        ),
        (
            {"deployers": [DEPLOYER], "cluster_id": None},
            "InClusterBuildTriggerArgs.cluster_id: missing; deployers need the cluster",
        ),
        (
            {"contexts": {"build-dev": ["https://user:token@git.example.com/app.git"]}},
            # The message redacts the credentials it refuses.
            "InClusterBuildTriggerArgs.contexts.build-dev[0]: got 'https://***@git.e",
        ),
        ({"quick_builds": "yes"}, "InClusterBuildTriggerArgs.quick_builds: got 'yes'"),
    ],
)
def test_bad_args_are_refused_naming_the_field(
    refusal: Refusal, change: dict[str, Any], message: str
) -> None:
    args: dict[str, Any] = {**BASE, **change}
    assert message in refusal(lambda: InClusterBuildTrigger("ci", args))  # pyright: ignore[reportArgumentType]
