"""What replaces Docker-in-Docker: an in-cluster CI agent that asks ACR Tasks to build.

A user-assigned identity is federated with one Kubernetes service account (workload
identity, no secrets) and holds Container Registry Tasks Contributor on the registry: it
may schedule runs and read their logs, but cannot push or pull images itself (the task's
own identity and token do that on the agent pool). The component renders the service
account and pod a CI agent uses, and the exact commands.
"""

from __future__ import annotations

import re
from typing import NotRequired

import pulumi
import yaml
from pulumi_azure_native import authorization, managedidentity

from private_acr_tasks._common import (
    SharedArgs,
    check_plain_str,
    child_name,
    role_definition_id,
    type_token,
)
from private_acr_tasks.errors import ComponentArgsError

TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
_K8S_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


class InClusterBuildTriggerArgs(SharedArgs):
    """Arguments of :class:`InClusterBuildTrigger`."""

    subscription_id: pulumi.Input[str]
    tenant_id: pulumi.Input[str]
    registry_id: pulumi.Input[str]
    registry_name: pulumi.Input[str]
    oidc_issuer_url: pulumi.Input[str]
    """The cluster's OIDC issuer."""
    agent_pool_name: pulumi.Input[str]
    task_name: pulumi.Input[str]
    namespace: NotRequired[str]
    """Namespace of the CI agent. Default ``ci``."""
    service_account: NotRequired[str]
    """Service account of the CI agent. Default ``acr-build-trigger``."""
    cli_image: NotRequired[str]
    """Image of the CI agent pod. Default ``mcr.microsoft.com/azure-cli:latest``."""


def _check(args: InClusterBuildTriggerArgs) -> list[str]:
    problems: list[str] = []
    for field, default in (("namespace", "ci"), ("service_account", "acr-build-trigger")):
        check_plain_str(
            problems,
            f"InClusterBuildTriggerArgs.{field}",
            args.get(field, default),
            _K8S_NAME,
            "a Kubernetes name (lower-case letters, digits, '-', at most 63)",
        )
    return problems


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
    login = (
        'az login --service-principal --username "$AZURE_CLIENT_ID" --tenant "$AZURE_TENANT_ID" '
        '--federated-token "$(cat "$AZURE_FEDERATED_TOKEN_FILE")" --output none'
    )
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
        {
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
                        "command": ["sh", "-c", f"{login} && sleep infinity"],
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
        },
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
    manifest: pulumi.Output[str]
    """YAML: namespace, service account and pod of the CI agent."""
    task_run_command: pulumi.Output[str]
    """Runs the task (built from a context directory or git URL) on the agent pool."""
    quick_build_command: pulumi.Output[str]
    """Builds a Dockerfile on the agent pool without a task."""

    def __init__(
        self, name: str, args: InClusterBuildTriggerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = _check(args)
        if problems:
            raise ComponentArgsError(problems)
        super().__init__(type_token("InClusterBuildTrigger"), name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        namespace = args.get("namespace", "ci")
        service_account = args.get("service_account", "acr-build-trigger")
        identity = managedidentity.UserAssignedIdentity(
            child_name(name, "identity"),
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            tags=dict(args.get("tags", {})),
            opts=child,
        )
        managedidentity.FederatedIdentityCredential(
            child_name(name, "federation"),
            resource_group_name=args["resource_group_name"],
            resource_name_=identity.name,
            issuer=args["oidc_issuer_url"],
            subject=f"system:serviceaccount:{namespace}:{service_account}",
            audiences=[TOKEN_EXCHANGE_AUDIENCE],
            opts=pulumi.ResourceOptions(parent=identity),
        )
        authorization.RoleAssignment(
            child_name(name, "tasks-contributor"),
            scope=args["registry_id"],
            principal_id=identity.principal_id,
            principal_type="ServicePrincipal",
            role_definition_id=role_definition_id(
                args["subscription_id"], "Container Registry Tasks Contributor"
            ),
            opts=child,
        )
        image = args.get("cli_image", "mcr.microsoft.com/azure-cli:latest")
        self.client_id = identity.client_id
        self.principal_id = identity.principal_id
        self.manifest = pulumi.Output.all(
            identity.client_id, args["tenant_id"], args["registry_name"], args["task_name"]
        ).apply(
            lambda values: render_manifest(
                namespace=namespace,
                service_account=service_account,
                client_id=values[0],
                tenant_id=values[1],
                image=image,
                registry_name=values[2],
                task_name=values[3],
            )
        )
        self.task_run_command = pulumi.Output.format(
            "az acr task run --registry {0} --name {1} --context .",
            args["registry_name"],
            args["task_name"],
        )
        self.quick_build_command = pulumi.Output.format(
            "az acr build --registry {0} --agent-pool {1} --image app:{{{{.Run.ID}}}} --file Dockerfile .",
            args["registry_name"],
            args["agent_pool_name"],
        )
        self.register_outputs(
            {
                "client_id": self.client_id,
                "principal_id": self.principal_id,
                "manifest": self.manifest,
                "task_run_command": self.task_run_command,
                "quick_build_command": self.quick_build_command,
            }
        )
