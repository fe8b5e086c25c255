"""A VNet-injected ACR Tasks agent pool and a task that builds on it.

The pool runs in the agent subnet, so its builds resolve private endpoints through the
VNet's DNS and reach private dependencies. It is created only after the subnet exists with
its NSG and service endpoints (``subnet_dependencies``); a pool provisioned without its
egress fails or leaves runs ``Queued``. The task carries a user-assigned identity: since June
2025 a system-assigned task identity is refused by network-restricted registries unless
``networkRuleBypassAllowedForTasks`` is set, and user-assigned identities are not affected.

The task first fetches a private artifact from blob storage with that identity, then builds
and pushes the image. Tier, subnet and OS force Azure to replace a pool; only the count can
change in place.
"""

# pyright: reportUnknownArgumentType=false, reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnnecessaryIsInstance=false
# (Temporary while issue 10 reworks this module; remove this line when it is clean under strict.)

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from typing import NotRequired

import pulumi
from pulumi_azure_native import containerregistry, managedidentity

from private_acr_tasks._common import SharedArgs, check_plain_str, child_name, type_token
from private_acr_tasks.errors import ComponentArgsError

AGENT_POOL_TIERS: Mapping[str, int] = {"S1": 2, "S2": 4, "S3": 8, "I6": 64}
"""Tiers and vCPUs per instance (Learn, tasks-agent-pools.md)."""

AGENT_POOL_NAME = re.compile(r"^[a-zA-Z0-9-]{3,20}$")
TASK_NAME = re.compile(r"^[a-zA-Z0-9_-]{5,50}$")
_REPOSITORY = re.compile(r"^[a-z0-9]+([._/-][a-z0-9]+)*$")
_BLOB = re.compile(r"^[A-Za-z0-9._/-]{1,1024}$")
_CONTAINER = re.compile(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")

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


class BuildAgentPoolArgs(SharedArgs):
    """Arguments of :class:`BuildAgentPool`."""

    registry_name: pulumi.Input[str]
    """The Premium registry that owns the pool and the task."""
    subnet_id: pulumi.Input[str]
    """The agent subnet (its own subnet, never the private-endpoint subnet)."""
    pool_name: str
    """Agent pool name: 3-20 letters, digits or '-'."""
    task_name: str
    """Task name: 5-50 letters, digits, '-' or '_'."""
    tier: NotRequired[str]
    """S1, S2, S3 or I6. Default S1. Changing it replaces the pool."""
    count: NotRequired[int]
    """Instances (>= 0). Default 1. A task needs at least 1 to run."""
    repository: NotRequired[str]
    """Image repository the task pushes. Default ``private-build``."""
    artifact_storage_account: pulumi.Input[str]
    """Storage account holding the private artifact the build reads."""
    artifact_container: NotRequired[str]
    """Blob container of the artifact. Default ``artifacts``."""
    artifact_blob: NotRequired[str]
    """Blob name of the artifact. Default ``artifact.bin``."""
    cli_image: NotRequired[str]
    """Image used to fetch the artifact; pin a version for repeatable builds.
    Default ``mcr.microsoft.com/azure-cli:latest``."""
    subnet_dependencies: NotRequired[Sequence[pulumi.Resource]]
    """Resources the pool must wait for (the subnet, its NSG association)."""


def _check(args: BuildAgentPoolArgs) -> list[str]:
    problems: list[str] = []
    check_plain_str(
        problems,
        "BuildAgentPoolArgs.pool_name",
        args.get("pool_name"),
        AGENT_POOL_NAME,
        "3-20 letters, digits or '-'",
    )
    check_plain_str(
        problems,
        "BuildAgentPoolArgs.task_name",
        args.get("task_name"),
        TASK_NAME,
        "5-50 letters, digits, '-' or '_'",
    )
    tier = args.get("tier", "S1")
    if tier not in AGENT_POOL_TIERS:
        problems.append(
            f"BuildAgentPoolArgs.tier: got {tier!r}; expected one of {', '.join(AGENT_POOL_TIERS)}"
        )
    count = args.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        problems.append(f"BuildAgentPoolArgs.count: got {count!r}; expected a whole number >= 0")
    check_plain_str(
        problems,
        "BuildAgentPoolArgs.repository",
        args.get("repository", "private-build"),
        _REPOSITORY,
        "a lower-case repository path such as team/app",
    )
    check_plain_str(
        problems,
        "BuildAgentPoolArgs.artifact_container",
        args.get("artifact_container", "artifacts"),
        _CONTAINER,
        "a blob container name (3-63 lower-case letters, digits, '-')",
    )
    check_plain_str(
        problems,
        "BuildAgentPoolArgs.artifact_blob",
        args.get("artifact_blob", "artifact.bin"),
        _BLOB,
        "a blob name",
    )
    return problems


class BuildAgentPool(pulumi.ComponentResource):
    """Agent pool, the task's user-assigned identity, and the task pinned to the pool.

    Children: ``<name>-pool``, ``<name>-task-identity``, ``<name>-task``.
    """

    agent_pool_id: pulumi.Output[str]
    agent_pool_name: pulumi.Output[str]
    task_id: pulumi.Output[str]
    task_name: pulumi.Output[str]
    task_identity_principal_id: pulumi.Output[str]
    """Object id of the task identity (grant it read access to private artifacts)."""
    task_identity_client_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: BuildAgentPoolArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = _check(args)
        if problems:
            raise ComponentArgsError(problems)
        super().__init__(type_token("BuildAgentPool"), name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.get("tags", {}))

        self.pool = containerregistry.AgentPool(
            child_name(name, "pool"),
            resource_group_name=args["resource_group_name"],
            registry_name=args["registry_name"],
            location=args["location"],
            agent_pool_name=args["pool_name"],
            tier=args.get("tier", "S1"),
            count=args.get("count", 1),
            os="Linux",
            virtual_network_subnet_resource_id=args["subnet_id"],
            tags=tags,
            opts=child.merge(
                pulumi.ResourceOptions(depends_on=list(args.get("subnet_dependencies", ())))
            ),
        )
        identity = managedidentity.UserAssignedIdentity(
            child_name(name, "task-identity"),
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            tags=tags,
            opts=child,
        )
        values = {
            "identityClientId": identity.client_id,
            "storageAccount": pulumi.Output.from_input(args["artifact_storage_account"]),
            "container": pulumi.Output.from_input(args.get("artifact_container", "artifacts")),
            "artifact": pulumi.Output.from_input(args.get("artifact_blob", "artifact.bin")),
            "repository": pulumi.Output.from_input(args.get("repository", "private-build")),
            "cliImage": pulumi.Output.from_input(args.get("cli_image", DEFAULT_CLI_IMAGE)),
        }
        self.task = containerregistry.Task(
            child_name(name, "task"),
            resource_group_name=args["resource_group_name"],
            registry_name=args["registry_name"],
            location=args["location"],
            task_name=args["task_name"],
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
            tags=tags,
            opts=child,
        )
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
