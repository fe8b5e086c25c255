"""What replaces Docker-in-Docker: CI in the cluster asks ACR Tasks to build, through a broker.

Identity. A user-assigned identity is federated with one Kubernetes service account
(workload identity: the kubelet projects a short-lived token, no secret is stored). On the
registry it holds a custom role that follows runs and nothing more
(``private_acr_rules.roles.BUILD_TRIGGER_ACTIONS``: read the registry, its runs and a run's
log link). It cannot start a run: Azure RBAC cannot tell a task run from a quick run
(``scheduleRun/action`` authorizes both, and a quick run executes the steps its caller sends on
the VNet-injected pool with a run token that can push and delete), and whoever can run a pod as
that service account (every ``deployers`` principal: Azure Kubernetes Service RBAC Writer
"allows running Pods as any ServiceAccount in the namespace") would hold it.

The broker (``private_acr_rules.build_broker``). A Consumption Logic App, ``<name>-broker``,
accepts requests only with the trigger identity's Entra ID token, starts only the configured
tasks, on an upload it handed out or a context URL listed for the task, and runs as an
identity of its own, ``<name>-broker-identity``, whose custom role holds the run
(``roles.BROKER_ACTIONS``), assigned on the registry. ``quick_builds`` gives the trigger
identity ``scheduleRun/action`` and the upload action too, for ``az acr build``: that is the
right to run any Dockerfile, or with ``az acr run`` any steps, on the pool; off by default.

Manifests. ``manifest`` (the long-running agent) and ``build_job_manifest`` (a Job per build)
log in again before every build, since a federated login does not outlive its token, and ask
the broker through ``/opt/acr-build/run-task``; they are rendered by
``private_acr_rules.ci_manifests``, which says how.

Kubernetes access. The cluster uses Azure RBAC for Kubernetes and has no local accounts, so
applying the manifests needs an Azure role: each ``deployers`` principal gets Azure
Kubernetes Service RBAC Writer on the CI namespace (scope ``<cluster id>/namespaces/<ns>``)
and Azure Kubernetes Service Cluster User Role on the cluster, which ``az aks get-credentials``
needs for the kubeconfig (Learn, aks/manage-azure-rbac.md). A namespace-scoped role cannot
create the namespace itself: a cluster admin applies ``manifest`` once.
"""

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NotRequired, Optional, cast

import pulumi
from pulumi_azure_native import authorization, logic, managedidentity

from private_acr_rules import build_broker, naming
from private_acr_rules.build_broker import BrokerTask
from private_acr_rules.ci_manifests import Broker, BuildTarget, CiPod, agent_manifest, build_job
from private_acr_rules.clouds import AzureCloud, names
from private_acr_rules.roles import BROKER_ACTIONS, BUILD_TRIGGER_ACTIONS, QUICK_BUILD_ACTIONS
from private_acr_rules.validation import FieldReader
from private_acr_tasks._common import (
    PlannedComponent,
    SharedArgs,
    child_name,
    custom_role_on,
    role_definition_id,
    tags_of,
    type_token,
)
from private_acr_tasks.agent_pool import DEFAULT_CLI_IMAGE

TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
_ROLE_NAMESPACE = uuid.UUID("3c0f7f4e-5d1b-4a8e-9f6a-1b2c3d4e5f60")
_BROKER_ROLE_NAMESPACE = uuid.UUID("0d4a1c2b-7e3f-4a5b-9c6d-2e1f0a9b8c7d")
_UNPINNED = re.compile(r"^[^@]*/[^/:@]+(:latest)?$")
_DIGEST_FORM = "name@sha256:<64 lower-case hex digits>"
_CONTEXT_URL = re.compile(r"^https://[^\s@/]+/\S*$")
"""An https URL without credentials in it (as a task's ``context``)."""


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
    """The task ``task_run_command`` and the Job run."""
    task_names: NotRequired[Sequence[pulumi.Input[str]]]
    """Every task of the registry the broker may run. Default: ``task_name`` alone."""
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
    quick_builds: NotRequired[bool]
    """Let the trigger identity run ``az acr build`` itself (``scheduleRun/action`` and the
    upload action on the registry): the right to run any Dockerfile, and with ``az acr run`` any
    steps, on the pool, with a run token that can push and delete, for whoever can run a pod
    as the service account. Default False: builds go through the broker, which runs only the
    configured tasks, and there is no ``quick_build_command``."""
    contexts: NotRequired[Mapping[str, Sequence[str]]]
    """Context URLs the broker accepts for a task, beside uploads it hands out, by task name:
    https Git or tarball URLs without credentials, for example
    ``{"app-prod": ["https://git.internal.example.com/team/app.git#main"]}``. Default: uploads
    only."""


@dataclass(frozen=True)
class InClusterBuildTriggerPlan:
    namespace: str = "ci"
    service_account: str = "acr-build-trigger"
    cli_image: str = DEFAULT_CLI_IMAGE
    deployers: tuple[str, ...] = ()
    deployer_principal_type: PrincipalType = PrincipalType.GROUP
    cloud: AzureCloud = AzureCloud.PUBLIC
    quick_builds: bool = False
    contexts: Mapping[str, tuple[str, ...]] = field(default_factory=dict[str, tuple[str, ...]])

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


def _contexts(fields: FieldReader) -> dict[str, tuple[str, ...]]:
    entries = fields.mapping("contexts", "a map of task names to lists of context URLs")
    nested = fields.nested("contexts", entries)
    found: dict[str, tuple[str, ...]] = {}
    for task in entries:
        found[str(task)] = nested.texts(
            str(task),
            _CONTEXT_URL,
            "an https Git or tarball URL without credentials, e.g. "
            "https://git.internal.example.com/team/app.git#main",
        )
    return found


def validate_build_trigger(fields: FieldReader) -> InClusterBuildTriggerPlan | None:
    mark = fields.mark()
    expected = "a Kubernetes name (lower-case letters, digits, '-', at most 63)"
    namespace = fields.text("namespace", naming.KUBERNETES_NAME, expected, "ci")
    if namespace.startswith("kube-"):
        fields.invalid("namespace", namespace, "a namespace outside the reserved kube- prefix")
    image = fields.text(
        "cli_image",
        naming.IMAGE_REFERENCE,
        f"an image reference such as {DEFAULT_CLI_IMAGE}, or pinned to a digest ({_DIGEST_FORM})",
        DEFAULT_CLI_IMAGE,
    )
    if _UNPINNED.match(image):
        fields.invalid(
            "cli_image",
            image,
            f"an image pinned to a version, e.g. {DEFAULT_CLI_IMAGE}, or to a digest "
            f"({_DIGEST_FORM})",
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
        quick_builds=fields.flag("quick_builds", False),
        contexts=_contexts(fields),
    )
    return None if fields.failed_since(mark) else plan


# Component -------------------------------------------------------------------------------


class InClusterBuildTrigger(
    PlannedComponent[InClusterBuildTriggerPlan, InClusterBuildTriggerInputs],
    args=InClusterBuildTriggerArgs,
    validate=validate_build_trigger,
):
    """Federated identity for in-cluster CI, the role that follows runs, the broker that starts
    them, Kubernetes access for the deployers, and the manifests.

    Children: ``<name>-identity``, ``<name>-federation`` (a child of the identity),
    ``<name>-build-role`` (the trigger's custom role), ``<name>-build-role-assignment``; the
    broker ``<name>-broker`` (a Logic App), ``<name>-broker-identity``, ``<name>-broker-role``
    and ``<name>-broker-role-assignment``; and per deployer ``<name>-deployer-<object id>``
    (RBAC Writer on the namespace) and ``<name>-deployer-<object id>-kubeconfig`` (Cluster User
    Role).
    """

    client_id: pulumi.Output[str]
    """Client id the service account is annotated with."""
    principal_id: pulumi.Output[str]
    """Object id of the trigger identity."""
    build_role_id: pulumi.Output[str]
    """ARM id of the custom trigger role."""
    broker_url: pulumi.Output[str]
    """The broker's URL for callers with a token (no SAS signature in it)."""
    broker_principal_id: pulumi.Output[str]
    """Object id of the broker's identity (holds the run role on the registry)."""
    manifest: pulumi.Output[str]
    """YAML: namespace, service account, the scripts and the long-running CI agent."""
    build_job_manifest: pulumi.Output[str]
    """YAML: a Job template that runs one build (``kubectl create``, set ``BUILD_CONTEXT``)."""
    task_run_command: pulumi.Output[str]
    """Runs the task through the broker with the current directory as context (in a pod with
    the manifests' scripts, logged in)."""
    quick_build_command: Optional[pulumi.Output[str]]  # noqa: UP045 - the schema reads Optional
    """With ``quick_builds``: builds a Dockerfile on the agent pool without a task."""

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
        role = self._build_role(name, plan, inputs, identity)
        broker, broker_identity = self._broker(name, plan, inputs, identity)
        for object_id in plan.deployers:
            self._deployer(name, plan, inputs, object_id)
        self._outputs(plan, inputs, identity, role, broker=broker, broker_identity=broker_identity)
        self.register_outputs(
            {
                "client_id": self.client_id,
                "principal_id": self.principal_id,
                "build_role_id": self.build_role_id,
                "broker_url": self.broker_url,
                "broker_principal_id": self.broker_principal_id,
                "manifest": self.manifest,
                "build_job_manifest": self.build_job_manifest,
                "task_run_command": self.task_run_command,
                "quick_build_command": self.quick_build_command,
            }
        )

    def _build_role(
        self,
        name: str,
        plan: InClusterBuildTriggerPlan,
        inputs: InClusterBuildTriggerInputs,
        identity: managedidentity.UserAssignedIdentity,
    ) -> authorization.RoleDefinition:
        """The custom trigger role, defined for this registry only, and its assignment."""
        registry_id = pulumi.Output.from_input(inputs["registry_id"])
        role, _ = self._registry_role(
            name,
            "build-role",
            inputs,
            identity,
            defined_at=registry_id,
            namespace=_ROLE_NAMESPACE,
            title="ACR build trigger",
            description=(
                "Follow ACR Tasks runs on this registry and start quick builds on its pools."
                if plan.quick_builds
                else "Follow ACR Tasks runs on this registry; the build broker starts them."
            ),
            actions=[*BUILD_TRIGGER_ACTIONS, *(QUICK_BUILD_ACTIONS if plan.quick_builds else ())],
        )
        return role

    def _registry_role(
        self,
        name: str,
        key: str,
        inputs: InClusterBuildTriggerInputs,
        holder: managedidentity.UserAssignedIdentity,
        *,
        defined_at: pulumi.Input[str],
        namespace: uuid.UUID,
        title: str,
        description: str,
        actions: list[str],
    ) -> tuple[authorization.RoleDefinition, authorization.RoleAssignment]:
        """``custom_role_on`` the registry for ``holder`` (``<name>-<key>``,
        ``<name>-<key>-assignment``); the role's name carries the registry's."""
        return custom_role_on(
            self,
            (child_name(name, key), child_name(name, f"{key}-assignment")),
            assigned_on=inputs["registry_id"],
            defined_at=defined_at,
            subscription_id=inputs["subscription_id"],
            guid_namespace=namespace,
            role_name=pulumi.Output.concat(f"{title} (", inputs["registry_name"], ")"),
            description=description,
            actions=actions,
            principal_id=holder.principal_id,
        )

    def _broker(
        self,
        name: str,
        plan: InClusterBuildTriggerPlan,
        inputs: InClusterBuildTriggerInputs,
        caller: managedidentity.UserAssignedIdentity,
    ) -> tuple[logic.Workflow, managedidentity.UserAssignedIdentity]:
        """The broker: its identity, that identity's run role on the registry, the workflow."""
        identity = managedidentity.UserAssignedIdentity(
            child_name(name, "broker-identity"),
            resource_group_name=inputs["resource_group_name"],
            location=inputs["location"],
            tags=tags_of(inputs),
            opts=pulumi.ResourceOptions(parent=self),
        )
        assignment = self._broker_role(name, inputs, identity)
        cloud = names(plan.cloud)
        registry_id = pulumi.Output.from_input(inputs["registry_id"])
        task_names = list(inputs.get("task_names") or [inputs["task_name"]])
        definition = pulumi.Output.all(registry_id, identity.id, *task_names).apply(
            lambda values: cast(
                Any,
                build_broker.broker_workflow(
                    [
                        BrokerTask(
                            task,
                            f"{values[0]}/tasks/{task}",
                            plan.contexts.get(task, ()),
                        )
                        for task in dict.fromkeys(values[2:])
                    ],
                    values[0],
                    values[1],
                    cloud.resource_manager,
                ),
            )
        )
        claims = pulumi.Output.all(inputs["tenant_id"], caller.principal_id).apply(
            lambda ids: [
                logic.OpenAuthenticationPolicyClaimArgs(name=claim["name"], value=claim["value"])
                for claim in build_broker.authorization_claims(
                    ids[0], ids[1], cloud.resource_manager, cloud.token_issuer
                )
            ]
        )
        workflow = logic.Workflow(
            child_name(name, "broker"),
            resource_group_name=inputs["resource_group_name"],
            location=inputs["location"],
            identity=logic.ManagedServiceIdentityArgs(
                type="UserAssigned", user_assigned_identities=[identity.id]
            ),
            access_control=logic.FlowAccessControlConfigurationArgs(
                triggers=logic.FlowAccessControlConfigurationPolicyArgs(
                    open_authentication_policies=logic.OpenAuthenticationAccessPoliciesArgs(
                        policies={
                            "trigger-identity": logic.OpenAuthenticationAccessPolicyArgs(
                                type=logic.OpenAuthenticationProviderType.AAD, claims=claims
                            )
                        }
                    )
                )
            ),
            definition=definition,
            state="Enabled",
            tags=tags_of(inputs),
            # Its first request must not meet a role assignment that is not there yet.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[assignment]),
        )
        return workflow, identity

    def _broker_role(
        self,
        name: str,
        inputs: InClusterBuildTriggerInputs,
        identity: managedidentity.UserAssignedIdentity,
    ) -> authorization.RoleAssignment:
        """The run role (``roles.BROKER_ACTIONS``), assignable in the registry's resource group
        (Learn, role-definitions, "AssignableScopes": not a resource instance) and assigned to
        the broker on the registry alone."""
        registry_id = pulumi.Output.from_input(inputs["registry_id"])
        _, assignment = self._registry_role(
            name,
            "broker-role",
            inputs,
            identity,
            defined_at=registry_id.apply(lambda rid: "/".join(rid.split("/")[:5])),
            namespace=_BROKER_ROLE_NAMESPACE,
            title="ACR build broker",
            description="Start runs of this registry's tasks; nothing else.",
            actions=list(BROKER_ACTIONS),
        )
        return assignment

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
        *,
        broker: logic.Workflow,
        broker_identity: managedidentity.UserAssignedIdentity,
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
        self.broker_url = broker.access_endpoint.apply(build_broker.callback_url)
        audience = names(plan.cloud).resource_manager
        self.client_id = identity.client_id
        self.principal_id = identity.principal_id
        self.build_role_id = role.id
        self.broker_principal_id = broker_identity.principal_id
        self.manifest = pulumi.Output.all(
            target, identity.client_id, inputs["tenant_id"], self.broker_url
        ).apply(lambda v: agent_manifest(plan.pod, v[1], v[2], v[0], Broker(v[3], audience)))
        self.build_job_manifest = target.apply(lambda t: build_job(plan.pod, t))
        self.task_run_command = target.apply(lambda t: t.task_run_command("."))
        self.quick_build_command = (
            target.apply(lambda t: t.quick_build_command()) if plan.quick_builds else None
        )
