"""A VNet-injected ACR Tasks agent pool, shared by any number of tasks.

The pool runs in an agent subnet, so its builds resolve private endpoints through the VNet's
DNS and reach private dependencies. It takes the subnet by id, so Pulumi creates it only after
the subnet exists with its NSG and service endpoints (both are properties of the subnet); a
pool provisioned without its egress fails or leaves runs ``Queued``. Tier, subnet and OS force
Azure to replace a pool; only the count can change in place. The tasks that run on it are
:class:`~private_acr_tasks.build_task.BuildTask` components naming it.

Quota: every pool of a registry draws on one vCPU quota (Learn, tasks-agent-pools.md: 16 for
all standard pools together, 0 for isolated ones). A pool built on its own checks its own
vCPUs against it; a stack with several pools checks their sum (``private_acr_rules.
agent_pools.quota_problems`` over all of them, in the stack settings).
"""

from dataclasses import dataclass
from typing import NotRequired, Self

import pulumi
from pulumi_azure_native import containerregistry

from private_acr_rules import agent_pools, naming
from private_acr_rules.agent_pools import AgentPoolTier
from private_acr_rules.validation import FieldReader
from private_acr_tasks._common import SharedArgs, checked, child_name, tags_of, type_token

DEFAULT_CLI_IMAGE = "mcr.microsoft.com/azure-cli:2.74.0-azurelinux3.0"
"""The Azure CLI image of the built-in task's fetch step (and the in-cluster trigger), pinned so
a rebuild runs the same CLI. Microsoft publishes version tags of the Azure Linux 3.0 image as
``<version>-azurelinux3.0``; 2.74.0 is the version its example names (Learn, "How to run Azure
CLI in a Docker container", MicrosoftDocs/azure-docs-cli
docs-ref-conceptual/Latest-version/run-azure-cli-docker.md)."""


class BuildAgentPoolInputs(SharedArgs):
    """The pool's links to other resources."""

    registry_name: pulumi.Input[str]
    """The Premium registry that owns the pool."""
    subnet_id: pulumi.Input[str]
    """The agent subnet (a subnet of its own, never the private-endpoint subnet)."""


class BuildAgentPoolArgs(BuildAgentPoolInputs):
    """Arguments of :class:`BuildAgentPool`."""

    pool_name: str
    """Agent pool name: 3-20 letters, digits or '-'."""
    tier: NotRequired[AgentPoolTier]
    """S1, S2, S3 or I6. Default S1. Changing it replaces the pool."""
    count: NotRequired[int]
    """Instances (>= 0). Default 1. A task needs at least 1 to run; 0 stops billing."""
    vcpu_quota: NotRequired[int]
    """The registry's agent-pool vCPU quota when a support request raised it, checked against
    this pool alone. Default: Azure's (16 for standard tiers, 0 for I6)."""


@dataclass(frozen=True)
class BuildAgentPoolPlan:
    pool_name: str
    tier: AgentPoolTier = AgentPoolTier.S1
    count: int = 1


def validate_agent_pool(fields: FieldReader) -> BuildAgentPoolPlan | None:
    """One pool's plain fields; the registry-wide quota is checked by whoever sees every pool."""
    mark = fields.mark()
    pool_name = fields.text("pool_name", naming.AGENT_POOL_NAME, "3-20 letters, digits or '-'")
    plan = BuildAgentPoolPlan(
        pool_name or "",
        tier=fields.choice("tier", AgentPoolTier, AgentPoolTier.S1),
        count=fields.whole("count", 0, 100, 1),
    )
    return None if fields.failed_since(mark) else plan


def validate_single_pool(fields: FieldReader) -> BuildAgentPoolPlan | None:
    """A pool built on its own: its fields, and its vCPUs within the registry's quota."""
    mark = fields.mark()
    plan = validate_agent_pool(fields)
    quota = fields.whole("vcpu_quota", 0)
    if plan is not None:
        fields.problems.extend(
            agent_pools.quota_problems(
                [(fields.label("count"), plan.tier, plan.count)], quota, fields.label("vcpu_quota")
            )
        )
    return None if fields.failed_since(mark) else plan


class BuildAgentPool(pulumi.ComponentResource):
    """A VNet-injected agent pool.

    Children: ``<name>-pool``.
    """

    agent_pool_id: pulumi.Output[str]
    """ARM id of the agent pool."""
    agent_pool_name: pulumi.Output[str]
    """Name of the agent pool (what a task's ``agent_pool_name`` names)."""

    def __init__(
        self, name: str, args: BuildAgentPoolArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        self._build(name, checked(validate_single_pool, args, "BuildAgentPoolArgs"), args, opts)

    @classmethod
    def from_plan(
        cls,
        name: str,
        plan: BuildAgentPoolPlan,
        inputs: BuildAgentPoolInputs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> Self:
        """Build from an already validated plan (the stack settings hold one per pool)."""
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
            tags=tags_of(inputs),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.agent_pool_id = self.pool.id
        self.agent_pool_name = self.pool.name
        self.register_outputs(
            {"agent_pool_id": self.agent_pool_id, "agent_pool_name": self.agent_pool_name}
        )
