"""What replaces Docker-in-Docker: an in-cluster CI agent that asks ACR Tasks to build.

A user-assigned identity is federated with one Kubernetes service account (workload
identity, no secrets) and holds Container Registry Tasks Contributor on the registry: it
may schedule runs and read their logs, but cannot push or pull images itself (the task's
own identity and token do that on the agent pool). The component renders the service
account and pod a CI agent uses, and the exact commands.
"""

from dataclasses import dataclass
from typing import Any, NotRequired, Self

import pulumi
import yaml
from pulumi_azure_native import authorization, managedidentity

from private_acr_rules import naming
from private_acr_rules.validation import FieldReader
from private_acr_tasks._common import (
    SharedArgs,
    checked,
    child_name,
    role_definition_id,
    tags_of,
    type_token,
)

TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
DEFAULT_CLI_IMAGE = "mcr.microsoft.com/azure-cli:latest"


class InClusterBuildTriggerInputs(SharedArgs):
    """The trigger's links to other resources."""

    subscription_id: pulumi.Input[str]
    """Subscription of the role definitions."""
    tenant_id: pulumi.Input[str]
    """Entra tenant of the federated identity."""
    registry_id: pulumi.Input[str]
    """The registry whose tasks the CI agent runs."""
    registry_name: pulumi.Input[str]
    """Name of that registry (used in the commands)."""
    oidc_issuer_url: pulumi.Input[str]
    """The cluster's OIDC issuer."""
    agent_pool_name: pulumi.Input[str]
    """The agent pool builds run on."""
    task_name: pulumi.Input[str]
    """The task the CI agent runs."""


class InClusterBuildTriggerArgs(InClusterBuildTriggerInputs):
    """Arguments of :class:`InClusterBuildTrigger`."""

    namespace: NotRequired[str]
    """Namespace of the CI agent. Default ``ci``."""
    service_account: NotRequired[str]
    """Service account of the CI agent. Default ``acr-build-trigger``."""
    cli_image: NotRequired[str]
    """Image of the CI agent pod. Default ``mcr.microsoft.com/azure-cli:latest``."""


@dataclass(frozen=True)
class InClusterBuildTriggerPlan:
    namespace: str = "ci"
    service_account: str = "acr-build-trigger"
    cli_image: str = DEFAULT_CLI_IMAGE


def validate_build_trigger(fields: FieldReader) -> InClusterBuildTriggerPlan | None:
    mark = fields.mark()
    expected = "a Kubernetes name (lower-case letters, digits, '-', at most 63)"
    plan = InClusterBuildTriggerPlan(
        namespace=fields.text("namespace", naming.KUBERNETES_NAME, expected, "ci"),
        service_account=fields.text(
            "service_account", naming.KUBERNETES_NAME, expected, "acr-build-trigger"
        ),
        cli_image=fields.text(
            "cli_image",
            naming.IMAGE_REFERENCE,
            "an image reference such as mcr.microsoft.com/azure-cli:2.67.0",
            DEFAULT_CLI_IMAGE,
        ),
    )
    return None if fields.failed_since(mark) else plan


_LOGIN = (
    'az login --service-principal --username "$AZURE_CLIENT_ID" --tenant "$AZURE_TENANT_ID" '
    '--federated-token "$(cat "$AZURE_FEDERATED_TOKEN_FILE")" --output none'
)


def _agent_pod(
    namespace: str, service_account: str, image: str, registry_name: str, task_name: str
) -> dict[str, Any]:
    """The CI agent: non-root, no service-account token, logged in through workload identity."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "acr-build-agent",
            "namespace": namespace,
            "labels": {"azure.workload.identity/use": "true"},
        },
        "spec": {
            "serviceAccountName": service_account,
            "automountServiceAccountToken": False,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": 1000,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "containers": [
                {
                    "name": "agent",
                    "image": image,
                    "env": [
                        {"name": "ACR_NAME", "value": registry_name},
                        {"name": "ACR_TASK", "value": task_name},
                        {"name": "HOME", "value": "/tmp"},
                    ],
                    "command": ["sh", "-c", f"{_LOGIN} && sleep infinity"],
                    "securityContext": {
                        "allowPrivilegeEscalation": False,
                        "capabilities": {"drop": ["ALL"]},
                    },
                    "resources": {
                        "requests": {"cpu": "100m", "memory": "256Mi"},
                        "limits": {"memory": "512Mi"},
                    },
                }
            ],
        },
    }


def render_manifest(
    *,
    namespace: str,
    service_account: str,
    client_id: str,
    tenant_id: str,
    image: str,
    registry_name: str,
    task_name: str,
) -> str:
    """The service account and pod a CI agent uses to start builds, as one YAML document set."""
    documents = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {
                "name": service_account,
                "namespace": namespace,
                "annotations": {
                    "azure.workload.identity/client-id": client_id,
                    "azure.workload.identity/tenant-id": tenant_id,
                },
            },
        },
        _agent_pod(namespace, service_account, image, registry_name, task_name),
    ]
    return yaml.safe_dump_all(documents, sort_keys=False)


class InClusterBuildTrigger(pulumi.ComponentResource):
    """Federated identity for an in-cluster CI agent, its registry role, and its manifest.

    Children: ``<name>-identity``, ``<name>-federation`` (a child of the identity),
    ``<name>-tasks-contributor``.
    """

    client_id: pulumi.Output[str]
    """Client id the service account is annotated with."""
    principal_id: pulumi.Output[str]
    """Object id of the trigger identity."""
    manifest: pulumi.Output[str]
    """YAML: namespace, service account and pod of the CI agent."""
    task_run_command: pulumi.Output[str]
    """Runs the task (built from a context directory or git URL) on the agent pool."""
    quick_build_command: pulumi.Output[str]
    """Builds a Dockerfile on the agent pool without a task."""

    def __init__(
        self, name: str, args: InClusterBuildTriggerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        plan = checked(validate_build_trigger, args, "InClusterBuildTriggerArgs")
        self._build(name, plan, args, opts)

    @classmethod
    def from_plan(
        cls,
        name: str,
        plan: InClusterBuildTriggerPlan,
        inputs: InClusterBuildTriggerInputs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> Self:
        """Build from an already validated plan (the stack settings hold one per stack)."""
        component = cls.__new__(cls)
        component._build(name, plan, inputs, opts)
        return component

    def _build(
        self,
        name: str,
        plan: InClusterBuildTriggerPlan,
        inputs: InClusterBuildTriggerInputs,
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        super().__init__(type_token("InClusterBuildTrigger"), name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        identity = managedidentity.UserAssignedIdentity(
            child_name(name, "identity"),
            resource_group_name=inputs["resource_group_name"],
            location=inputs["location"],
            tags=tags_of(inputs),
            opts=child,
        )
        managedidentity.FederatedIdentityCredential(
            child_name(name, "federation"),
            resource_group_name=inputs["resource_group_name"],
            resource_name_=identity.name,
            issuer=inputs["oidc_issuer_url"],
            subject=f"system:serviceaccount:{plan.namespace}:{plan.service_account}",
            audiences=[TOKEN_EXCHANGE_AUDIENCE],
            opts=pulumi.ResourceOptions(parent=identity),
        )
        authorization.RoleAssignment(
            child_name(name, "tasks-contributor"),
            scope=inputs["registry_id"],
            principal_id=identity.principal_id,
            principal_type="ServicePrincipal",
            role_definition_id=role_definition_id(
                inputs["subscription_id"], "Container Registry Tasks Contributor"
            ),
            opts=child,
        )
        self._outputs(plan, inputs, identity)
        self.register_outputs(
            {
                "client_id": self.client_id,
                "principal_id": self.principal_id,
                "manifest": self.manifest,
                "task_run_command": self.task_run_command,
                "quick_build_command": self.quick_build_command,
            }
        )

    def _outputs(
        self,
        plan: InClusterBuildTriggerPlan,
        inputs: InClusterBuildTriggerInputs,
        identity: managedidentity.UserAssignedIdentity,
    ) -> None:
        self.client_id = identity.client_id
        self.principal_id = identity.principal_id
        self.manifest = pulumi.Output.all(
            identity.client_id, inputs["tenant_id"], inputs["registry_name"], inputs["task_name"]
        ).apply(
            lambda values: render_manifest(
                namespace=plan.namespace,
                service_account=plan.service_account,
                client_id=values[0],
                tenant_id=values[1],
                image=plan.cli_image,
                registry_name=values[2],
                task_name=values[3],
            )
        )
        self.task_run_command = pulumi.Output.format(
            "az acr task run --registry {0} --name {1} --context .",
            inputs["registry_name"],
            inputs["task_name"],
        )
        self.quick_build_command = pulumi.Output.format(
            "az acr build --registry {0} --agent-pool {1} --image app:{{{{.Run.ID}}}} --file Dockerfile .",
            inputs["registry_name"],
            inputs["agent_pool_name"],
        )
