"""What replaces Docker-in-Docker: CI in the cluster asks ACR Tasks to build.

Identity. A user-assigned identity is federated with one Kubernetes service account
(workload identity: the kubelet projects a short-lived token, no secret is stored). It holds
a custom role on the registry with only the operations a trigger needs
(``private_acr_rules.roles.BUILD_TRIGGER_ACTIONS``: schedule a run, upload a build context,
read runs, tasks and the agent pool, get a run's log link), not Container Registry Tasks
Contributor, which Microsoft describes as usable "for full registry data plane permissions
including reading/writing/deleting container images" and which can rewrite or delete the
task and delete or rescale the pool (Learn, built-in-roles/containers.md). The custom role
cannot push or pull by itself, but every run it schedules builds and pushes with the
registry's own run token, and a quick run (``az acr build``) runs the steps the caller sends:
whoever holds it can put images in the registry through builds. Grant it to CI you trust.

Manifests. ``manifest`` (the long-running agent) and ``build_job_manifest`` (a Job per build)
log in again before every build, since a federated login does not outlive its token; they are
rendered by ``private_acr_rules.ci_manifests``, which says how.

Kubernetes access. The cluster uses Azure RBAC for Kubernetes and has no local accounts, so
applying the manifests needs an Azure role: each ``deployers`` principal gets Azure
Kubernetes Service RBAC Writer on the CI namespace (scope ``<cluster id>/namespaces/<ns>``)
and Azure Kubernetes Service Cluster User Role on the cluster, which ``az aks get-credentials``
needs for the kubeconfig (Learn, aks/manage-azure-rbac.md). A namespace-scoped role cannot
create the namespace itself: a cluster admin applies ``manifest`` once.
"""

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NotRequired

import pulumi
from pulumi_azure_native import authorization, managedidentity

from private_acr_rules import naming
from private_acr_rules.ci_manifests import BuildTarget, CiPod, agent_manifest, build_job
from private_acr_rules.clouds import AzureCloud
from private_acr_rules.roles import BUILD_TRIGGER_ACTIONS
from private_acr_rules.validation import FieldReader
from private_acr_tasks._common import (
    PlannedComponent,
    SharedArgs,
    child_name,
    role_definition_id,
    tags_of,
    type_token,
)
from private_acr_tasks.agent_pool import DEFAULT_CLI_IMAGE

TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
_ROLE_NAMESPACE = uuid.UUID("3c0f7f4e-5d1b-4a8e-9f6a-1b2c3d4e5f60")
_UNPINNED = re.compile(r"^[^@]*/[^/:@]+(:latest)?$")


class PrincipalType(StrEnum):
    """What kind of Entra principal an object id names (a role assignment's ``principalType``)."""

    GROUP = "Group"
    USER = "User"
    SERVICE_PRINCIPAL = "ServicePrincipal"


class InClusterBuildTriggerInputs(SharedArgs):
    """The trigger's links to other resources."""

    subscription_id: pulumi.Input[str]
    """Subscription of the role definitions."""
    tenant_id: pulumi.Input[str]
    """Entra tenant of the federated identity."""
    registry_id: pulumi.Input[str]
    """The registry whose tasks the CI agent runs; its subscription and resource group go into
    the commands."""
    registry_name: pulumi.Input[str]
    """Name of that registry (used in the commands)."""
    oidc_issuer_url: pulumi.Input[str]
    """The cluster's OIDC issuer."""
    agent_pool_name: pulumi.Input[str]
    """The agent pool builds run on."""
    task_name: pulumi.Input[str]
    """The task the CI agent runs."""
    cluster_id: NotRequired[pulumi.Input[str]]
    """The AKS cluster the manifests are applied to; required when ``deployers`` is set."""


class InClusterBuildTriggerArgs(InClusterBuildTriggerInputs):
    """Arguments of :class:`InClusterBuildTrigger`."""

    namespace: NotRequired[str]
    """Namespace of the CI agent and build Jobs (not a ``kube-`` one). Default ``ci``."""
    service_account: NotRequired[str]
    """Service account of the CI agent and build Jobs. Default ``acr-build-trigger``."""
    cli_image: NotRequired[str]
    """Azure CLI image of the agent and the Jobs, pinned to a version or, better, a digest
    (``name@sha256:<64 hex>`` or ``name:tag@sha256:<64 hex>``: the same bytes on every node and
    every run). Default ``mcr.microsoft.com/azure-cli:2.74.0-azurelinux3.0``."""
    deployers: NotRequired[Sequence[str]]
    """Object ids of the principals that apply the manifests: Azure Kubernetes Service RBAC
    Writer on the namespace and Cluster User Role on the cluster. Default: none."""
    deployer_principal_type: NotRequired[PrincipalType]
    """What the ``deployers`` ids are: Group, User or ServicePrincipal. Default Group."""
    cloud: NotRequired[AzureCloud]
    """The Azure cloud the agent and the Jobs sign in to (``az cloud set``). Default public."""


@dataclass(frozen=True)
class InClusterBuildTriggerPlan:
    namespace: str = "ci"
    service_account: str = "acr-build-trigger"
    cli_image: str = DEFAULT_CLI_IMAGE
    deployers: tuple[str, ...] = ()
    deployer_principal_type: PrincipalType = PrincipalType.GROUP
    cloud: AzureCloud = AzureCloud.PUBLIC

    @property
    def pod(self) -> CiPod:
        """Where the agent and the build Jobs run, as the manifests take it."""
        return CiPod(self.namespace, self.service_account, self.cli_image, self.cloud)


def _deployers(fields: FieldReader) -> tuple[str, ...]:
    ids = [i.lower() for i in fields.texts("deployers", naming.OBJECT_ID, "object ids (GUIDs)")]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        fields.problem("deployers", f"lists {', '.join(repeated)} more than once")
    return tuple(dict.fromkeys(ids))


def validate_build_trigger(fields: FieldReader) -> InClusterBuildTriggerPlan | None:
    mark = fields.mark()
    expected = "a Kubernetes name (lower-case letters, digits, '-', at most 63)"
    namespace = fields.text("namespace", naming.KUBERNETES_NAME, expected, "ci")
    if namespace.startswith("kube-"):
        fields.invalid("namespace", namespace, "a namespace outside the reserved kube- prefix")
    image = fields.text(
        "cli_image",
        naming.IMAGE_REFERENCE,
        f"an image reference such as {DEFAULT_CLI_IMAGE}",
        DEFAULT_CLI_IMAGE,
    )
    if _UNPINNED.match(image):
        fields.invalid(
            "cli_image",
            image,
            f"an image pinned to a version, e.g. {DEFAULT_CLI_IMAGE}, or to a digest "
            "(name@sha256:<64 hex digits>)",
        )
    plan = InClusterBuildTriggerPlan(
        namespace=namespace,
        service_account=fields.text(
            "service_account", naming.KUBERNETES_NAME, expected, "acr-build-trigger"
        ),
        cli_image=image,
        deployers=_deployers(fields),
        deployer_principal_type=fields.choice(
            "deployer_principal_type", PrincipalType, PrincipalType.GROUP
        ),
        cloud=fields.choice("cloud", AzureCloud, AzureCloud.PUBLIC),
    )
    return None if fields.failed_since(mark) else plan


# Component -------------------------------------------------------------------------------


class InClusterBuildTrigger(
    PlannedComponent[InClusterBuildTriggerPlan, InClusterBuildTriggerInputs],
    args=InClusterBuildTriggerArgs,
    validate=validate_build_trigger,
):
    """Federated identity for in-cluster CI, its least registry role, Kubernetes access for
    the deployers, and the manifests.

    Children: ``<name>-identity``, ``<name>-federation`` (a child of the identity),
    ``<name>-build-role`` (the custom role), ``<name>-build-role-assignment``, and per
    deployer ``<name>-deployer-<object id>`` (RBAC Writer on the namespace) and
    ``<name>-deployer-<object id>-kubeconfig`` (Cluster User Role).
    """

    client_id: pulumi.Output[str]
    """Client id the service account is annotated with."""
    principal_id: pulumi.Output[str]
    """Object id of the trigger identity."""
    build_role_id: pulumi.Output[str]
    """ARM id of the custom trigger role."""
    manifest: pulumi.Output[str]
    """YAML: namespace, service account, login script and the long-running CI agent."""
    build_job_manifest: pulumi.Output[str]
    """YAML: a Job template that runs one build (``kubectl create``, set ``BUILD_CONTEXT``)."""
    task_run_command: pulumi.Output[str]
    """Runs the task on the pool with the current directory as context."""
    quick_build_command: pulumi.Output[str]
    """Builds a Dockerfile on the agent pool without a task."""

    def __init__(
        self, name: str, args: InClusterBuildTriggerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        self._construct(name, self.plan(args), args, opts)

    def _check_links(self, plan: InClusterBuildTriggerPlan, links: FieldReader) -> None:
        if plan.deployers:
            links.require("cluster_id", "deployers need the cluster")

    def _build(
        self,
        name: str,
        plan: InClusterBuildTriggerPlan,
        inputs: InClusterBuildTriggerInputs,
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        super().__init__(type_token("InClusterBuildTrigger"), name, {}, opts)
        identity = managedidentity.UserAssignedIdentity(
            child_name(name, "identity"),
            resource_group_name=inputs["resource_group_name"],
            location=inputs["location"],
            tags=tags_of(inputs),
            opts=pulumi.ResourceOptions(parent=self),
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
        role = self._build_role(name, inputs, identity)
        for object_id in plan.deployers:
            self._deployer(name, plan, inputs, object_id)
        self._outputs(plan, inputs, identity, role)
        self.register_outputs(
            {
                "client_id": self.client_id,
                "principal_id": self.principal_id,
                "build_role_id": self.build_role_id,
                "manifest": self.manifest,
                "build_job_manifest": self.build_job_manifest,
                "task_run_command": self.task_run_command,
                "quick_build_command": self.quick_build_command,
            }
        )

    def _build_role(
        self,
        name: str,
        inputs: InClusterBuildTriggerInputs,
        identity: managedidentity.UserAssignedIdentity,
    ) -> authorization.RoleDefinition:
        """The custom trigger role, defined for this registry only, and its assignment.

        Its id is derived from the registry id, so the same registry always gets the same
        role, and its name carries the registry name (role names are unique per tenant).
        """
        registry_id = pulumi.Output.from_input(inputs["registry_id"])
        role = authorization.RoleDefinition(
            child_name(name, "build-role"),
            scope=registry_id,
            role_definition_id=registry_id.apply(
                lambda rid: str(uuid.uuid5(_ROLE_NAMESPACE, rid.lower()))
            ),
            role_name=pulumi.Output.concat("ACR build trigger (", inputs["registry_name"], ")"),
            description="Start ACR Tasks runs on this registry and follow them; nothing else.",
            role_type="CustomRole",
            permissions=[authorization.PermissionArgs(actions=list(BUILD_TRIGGER_ACTIONS))],
            assignable_scopes=[registry_id],
            opts=pulumi.ResourceOptions(parent=self),
        )
        authorization.RoleAssignment(
            child_name(name, "build-role-assignment"),
            scope=registry_id,
            principal_id=identity.principal_id,
            principal_type="ServicePrincipal",
            role_definition_id=pulumi.Output.concat(
                "/subscriptions/",
                inputs["subscription_id"],
                "/providers/Microsoft.Authorization/roleDefinitions/",
                role.name,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return role

    def _deployer(
        self,
        name: str,
        plan: InClusterBuildTriggerPlan,
        inputs: InClusterBuildTriggerInputs,
        object_id: str,
    ) -> None:
        """RBAC Writer on the CI namespace, and the Cluster User Role that fetches the kubeconfig."""
        cluster_id = pulumi.Output.from_input(inputs.get("cluster_id", ""))
        grants = (
            (
                child_name(name, "deployer", object_id),
                pulumi.Output.concat(cluster_id, "/namespaces/", plan.namespace),
                "Azure Kubernetes Service RBAC Writer",
            ),
            (
                child_name(name, "deployer", object_id, "kubeconfig"),
                cluster_id,
                "Azure Kubernetes Service Cluster User Role",
            ),
        )
        for logical_name, scope, role in grants:
            authorization.RoleAssignment(
                logical_name,
                scope=scope,
                principal_id=object_id,
                principal_type=plan.deployer_principal_type.value,
                role_definition_id=role_definition_id(inputs["subscription_id"], role),
                opts=pulumi.ResourceOptions(parent=self),
            )

    def _outputs(
        self,
        plan: InClusterBuildTriggerPlan,
        inputs: InClusterBuildTriggerInputs,
        identity: managedidentity.UserAssignedIdentity,
        role: authorization.RoleDefinition,
    ) -> None:
        target: pulumi.Output[BuildTarget] = pulumi.Output.all(
            inputs["registry_id"],
            inputs["registry_name"],
            inputs["task_name"],
            inputs["agent_pool_name"],
            inputs["subscription_id"],
            inputs["resource_group_name"],
        ).apply(
            lambda v: BuildTarget.of_registry(
                v[0], v[1], v[2], v[3], subscription_id=v[4], resource_group=v[5]
            )
        )
        self.client_id = identity.client_id
        self.principal_id = identity.principal_id
        self.build_role_id = role.id
        self.manifest = pulumi.Output.all(target, identity.client_id, inputs["tenant_id"]).apply(
            lambda v: agent_manifest(plan.pod, v[1], v[2], v[0].subscription_id)
        )
        self.build_job_manifest = target.apply(lambda t: build_job(plan.pod, t))
        self.task_run_command = target.apply(lambda t: t.task_run_command("."))
        self.quick_build_command = target.apply(lambda t: t.quick_build_command())
