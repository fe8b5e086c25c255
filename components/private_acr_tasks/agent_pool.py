"""A VNet-injected ACR Tasks agent pool and a task that builds on it.

The pool runs in the agent subnet, so its builds resolve private endpoints through the
VNet's DNS and reach private dependencies. It takes the subnet by id, so Pulumi creates it
only after the subnet exists with its NSG and service endpoints (both are properties of the
subnet); a pool provisioned without its egress fails or leaves runs ``Queued``. The task
carries a user-assigned identity: since June 2025 a system-assigned task identity is refused
by network-restricted registries unless ``networkRuleBypassAllowedForTasks`` is set, and
user-assigned identities are not affected (Learn, manage-network-bypass-policy-for-tasks).

The task first fetches a private artifact from blob storage with that identity, then builds
and pushes the image. Tier, subnet and OS force Azure to replace a pool; only the count can
change in place.
"""

import base64
from dataclasses import dataclass
from typing import NotRequired, Self

import pulumi
from pulumi_azure_native import containerregistry, managedidentity

from private_acr_rules import agent_pools, naming
from private_acr_rules.agent_pools import AgentPoolTier
from private_acr_rules.validation import FieldReader
from private_acr_tasks._common import SharedArgs, checked, child_name, tags_of, type_token

TASK_DEFINITION = """\
version: v1.1.0
steps:
  # Runs on the VNet-injected pool: the storage account's private endpoint resolves and is
  # reachable only from there.
  - id: fetch-artifact
    cmd: >-
      {{.Values.cliImage}} bash -ec
      'az login --identity --client-id {{.Values.identityClientId}} --allow-no-subscriptions
      --output none &&
      az storage blob download --auth-mode login --account-name {{.Values.storageAccount}}
      --container-name {{.Values.container}} --name {{.Values.artifact}} --file artifact.bin
      --output none'
  - id: build
    build: -t $Registry/{{.Values.repository}}:$ID -t $Registry/{{.Values.repository}}:latest -f Dockerfile .
  - id: push
    push:
      - $Registry/{{.Values.repository}}:$ID
      - $Registry/{{.Values.repository}}:latest
"""
"""The multi-step task; values are filled per stack. The build context (with its
Dockerfile) comes from the run: ``az acr task run --context <dir or git URL>``."""

DEFAULT_CLI_IMAGE = "mcr.microsoft.com/azure-cli:latest"


class BuildAgentPoolInputs(SharedArgs):
    """The pool's links to other resources."""

    registry_name: pulumi.Input[str]
    """The Premium registry that owns the pool and the task."""
    subnet_id: pulumi.Input[str]
    """The agent subnet (its own subnet, never the private-endpoint subnet)."""
    artifact_storage_account: pulumi.Input[str]
    """Storage account holding the private artifact the build reads."""


class BuildAgentPoolArgs(BuildAgentPoolInputs):
    """Arguments of :class:`BuildAgentPool`."""

    pool_name: str
    """Agent pool name: 3-20 letters, digits or '-'."""
    task_name: str
    """Task name: 5-50 letters, digits, '-' or '_'."""
    tier: NotRequired[AgentPoolTier]
    """S1, S2, S3 or I6. Default S1. Changing it replaces the pool."""
    count: NotRequired[int]
    """Instances (>= 0). Default 1. A task needs at least 1 to run; 0 stops billing."""
    vcpu_quota: NotRequired[int]
    """The registry's agent-pool vCPU quota when a support request raised it. Default: Azure's
    (16 for standard tiers, 0 for I6)."""
    repository: NotRequired[str]
    """Image repository the task pushes. Default ``private-build``."""
    artifact_container: NotRequired[str]
    """Blob container of the artifact. Default ``artifacts``."""
    artifact_blob: NotRequired[str]
    """Blob name of the artifact. Default ``artifact.bin``."""
    cli_image: NotRequired[str]
    """Image used to fetch the artifact; pin a version for repeatable builds.
    Default ``mcr.microsoft.com/azure-cli:latest``."""


@dataclass(frozen=True)
class BuildAgentPoolPlan:
    pool_name: str
    task_name: str
    tier: AgentPoolTier = AgentPoolTier.S1
    count: int = 1
    repository: str = "private-build"
    artifact_container: str = "artifacts"
    artifact_blob: str = "artifact.bin"
    cli_image: str = DEFAULT_CLI_IMAGE


def validate_agent_pool(fields: FieldReader) -> BuildAgentPoolPlan | None:
    mark = fields.mark()
    pool_name = fields.text("pool_name", naming.AGENT_POOL_NAME, "3-20 letters, digits or '-'")
    task_name = fields.text("task_name", naming.TASK_NAME, "5-50 letters, digits, '-' or '_'")
    plan = BuildAgentPoolPlan(
        pool_name or "",
        task_name or "",
        tier=fields.choice("tier", AgentPoolTier, AgentPoolTier.S1),
        count=fields.whole("count", 0, 100, 1),
        repository=fields.text(
            "repository",
            naming.IMAGE_REPOSITORY,
            "a lower-case repository path such as team/app",
            "private-build",
        ),
        artifact_container=fields.text(
            "artifact_container",
            naming.BLOB_CONTAINER,
            "a blob container name (3-63 lower-case letters, digits, '-')",
            "artifacts",
        ),
        artifact_blob=fields.text("artifact_blob", naming.BLOB_NAME, "a blob name", "artifact.bin"),
        cli_image=fields.text(
            "cli_image",
            naming.IMAGE_REFERENCE,
            "an image reference such as mcr.microsoft.com/azure-cli:2.67.0",
            DEFAULT_CLI_IMAGE,
        ),
    )
    fields.problems.extend(
        agent_pools.quota_problems(
            [(fields.label("count"), plan.tier, plan.count)],
            fields.whole("vcpu_quota", 0),
            fields.label("vcpu_quota"),
        )
    )
    return None if fields.failed_since(mark) else plan


class BuildAgentPool(pulumi.ComponentResource):
    """Agent pool, the task's user-assigned identity, and the task pinned to the pool.

    Children: ``<name>-pool``, ``<name>-task-identity``, ``<name>-task``.
    """

    agent_pool_id: pulumi.Output[str]
    """ARM id of the agent pool."""
    agent_pool_name: pulumi.Output[str]
    """Name of the agent pool."""
    task_id: pulumi.Output[str]
    """ARM id of the task."""
    task_name: pulumi.Output[str]
    """Name of the task."""
    task_identity_principal_id: pulumi.Output[str]
    """Object id of the task identity (grant it read access to private artifacts)."""
    task_identity_client_id: pulumi.Output[str]
    """Client id of the task identity."""

    def __init__(
        self, name: str, args: BuildAgentPoolArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        self._build(name, checked(validate_agent_pool, args, "BuildAgentPoolArgs"), args, opts)

    @classmethod
    def from_plan(
        cls,
        name: str,
        plan: BuildAgentPoolPlan,
        inputs: BuildAgentPoolInputs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> Self:
        """Build from an already validated plan (the stack settings hold one per stack)."""
        component = cls.__new__(cls)
        component._build(name, plan, inputs, opts)
        return component

    def _build(
        self,
        name: str,
        plan: BuildAgentPoolPlan,
        inputs: BuildAgentPoolInputs,
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        super().__init__(type_token("BuildAgentPool"), name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = tags_of(inputs)
        self.pool = containerregistry.AgentPool(
            child_name(name, "pool"),
            resource_group_name=inputs["resource_group_name"],
            registry_name=inputs["registry_name"],
            location=inputs["location"],
            agent_pool_name=plan.pool_name,
            tier=plan.tier.value,
            count=plan.count,
            os="Linux",
            virtual_network_subnet_resource_id=inputs["subnet_id"],
            tags=tags,
            opts=child,
        )
        identity = managedidentity.UserAssignedIdentity(
            child_name(name, "task-identity"),
            resource_group_name=inputs["resource_group_name"],
            location=inputs["location"],
            tags=tags,
            opts=child,
        )
        self.task = self._task(name, plan, inputs, identity)
        self.agent_pool_id = self.pool.id
        self.agent_pool_name = self.pool.name
        self.task_id = self.task.id
        self.task_name = self.task.name
        self.task_identity_principal_id = identity.principal_id
        self.task_identity_client_id = identity.client_id
        self.register_outputs(
            {
                "agent_pool_id": self.agent_pool_id,
                "agent_pool_name": self.agent_pool_name,
                "task_id": self.task_id,
                "task_name": self.task_name,
                "task_identity_principal_id": self.task_identity_principal_id,
                "task_identity_client_id": self.task_identity_client_id,
            }
        )

    def _task(
        self,
        name: str,
        plan: BuildAgentPoolPlan,
        inputs: BuildAgentPoolInputs,
        identity: managedidentity.UserAssignedIdentity,
    ) -> containerregistry.Task:
        values: dict[str, pulumi.Input[str]] = {
            "identityClientId": identity.client_id,
            "storageAccount": inputs["artifact_storage_account"],
            "container": plan.artifact_container,
            "artifact": plan.artifact_blob,
            "repository": plan.repository,
            "cliImage": plan.cli_image,
        }
        return containerregistry.Task(
            child_name(name, "task"),
            resource_group_name=inputs["resource_group_name"],
            registry_name=inputs["registry_name"],
            location=inputs["location"],
            task_name=plan.task_name,
            agent_pool_name=self.pool.name,
            platform=containerregistry.PlatformPropertiesArgs(os="Linux", architecture="amd64"),
            status="Enabled",
            timeout=3600,
            identity=containerregistry.IdentityPropertiesArgs(
                type=containerregistry.ResourceIdentityType.USER_ASSIGNED,
                user_assigned_identities=identity.id.apply(
                    lambda identity_id: {
                        identity_id: containerregistry.UserIdentityPropertiesArgs()
                    }
                ),
            ),
            step=containerregistry.EncodedTaskStepArgs(
                type="EncodedTask",
                encoded_task_content=base64.b64encode(TASK_DEFINITION.encode()).decode(),
                values=[
                    containerregistry.SetValueArgs(name=key, value=value)
                    for key, value in values.items()
                ],
            ),
            tags=tags_of(inputs),
            opts=pulumi.ResourceOptions(parent=self),
        )
