"""A VNet-injected ACR Tasks agent pool, shared by any number of tasks.

The pool runs in an agent subnet, so its builds resolve private endpoints through the VNet's
DNS and reach private dependencies. It takes the subnet by id, so Pulumi creates it only after
the subnet exists with its NSG and service endpoints (both are properties of the subnet); a
pool provisioned without its egress fails or leaves runs ``Queued``. Tier, subnet and OS force
Azure to replace a pool; only the count can change in place. The tasks that run on it are
:class:`~private_acr_tasks.build_task.BuildTask` components naming it.

Idle scaling: with a ``schedule`` the pool scales to ``idle_count`` outside working hours and
back to ``count`` (:mod:`private_acr_rules.idle_scaling`). Two Logic Apps (``<name>-scale-down``
and ``<name>-scale-up``) set the count with a user-assigned identity that holds one custom role,
``agentpools/write``, assigned on this pool alone. Pulumi then ignores the pool's count in its
diffs, since the schedule owns it: a changed ``count`` reaches the pool at the next scale-up.

Quota: every pool of a registry draws on one vCPU quota (Learn, tasks-agent-pools.md: 16 for
all standard pools together, 0 for isolated ones). A pool built on its own checks its own
vCPUs against it; a stack with several pools checks their sum (``private_acr_rules.
agent_pools.quota_problems`` over all of them, in the stack settings).
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict, cast

import pulumi
from pulumi_azure_native import authorization, containerregistry, logic, managedidentity

from private_acr_rules import agent_pools, idle_scaling, naming
from private_acr_rules.agent_pools import AgentPoolTier
from private_acr_rules.clouds import AzureCloud, names
from private_acr_rules.idle_scaling import Recurrence
from private_acr_rules.roles import POOL_SCALER_ACTIONS
from private_acr_rules.validation import FieldReader
from private_acr_tasks._common import (
    PlannedComponent,
    SharedArgs,
    child_name,
    custom_role_on,
    known_fields,
    tags_of,
    type_token,
)

DEFAULT_CLI_IMAGE = "mcr.microsoft.com/azure-cli:2.74.0-azurelinux3.0"
"""The Azure CLI image of the built-in task's fetch step (and the in-cluster trigger), pinned so
a rebuild runs the same CLI. Microsoft publishes version tags of the Azure Linux 3.0 image as
``<version>-azurelinux3.0``; 2.74.0 is the version its example names (Learn, "How to run Azure
CLI in a Docker container", MicrosoftDocs/azure-docs-cli
docs-ref-conceptual/Latest-version/run-azure-cli-docker.md)."""


_SCALER_ROLE_NAMESPACE = uuid.UUID("8f1d2c3b-6a5e-4f70-9b81-2c3d4e5f6a71")
"""Names the scaler role of a pool: the same pool id always gives the same role id."""


class AgentPoolScheduleArgs(TypedDict):
    """When the pool idles. Times are cron expressions in UTC, as a task's timer is written,
    with ``*`` for the day and month fields (the schedule repeats by weekday and time)."""

    scale_down: str
    """When the pool scales down to ``idle_count``, e.g. ``0 20 * * 1-5`` (20:00 UTC on
    weekdays)."""
    scale_up: str
    """When the pool scales back to its ``count``, e.g. ``0 6 * * 1-5``."""
    idle_count: NotRequired[int]
    """Instances outside working hours: a whole number below ``count``. Default 0 (no charge;
    runs queue until the next scale-up)."""


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
    schedule: NotRequired[AgentPoolScheduleArgs]
    """Scale the pool to ``idle_count`` outside working hours and back to ``count``. Default:
    none (the pool keeps ``count`` instances, and Pulumi keeps it there)."""
    cloud: NotRequired[AzureCloud]
    """The Azure cloud, for the Resource Manager endpoint the schedule calls. Default public."""


@dataclass(frozen=True)
class PoolSchedulePlan:
    scale_down: Recurrence
    scale_up: Recurrence
    idle_count: int = 0


@dataclass(frozen=True)
class BuildAgentPoolPlan:
    pool_name: str
    tier: AgentPoolTier = AgentPoolTier.S1
    count: int = 1
    schedule: PoolSchedulePlan | None = None
    cloud: AzureCloud = AzureCloud.PUBLIC


def validate_agent_pool(fields: FieldReader) -> BuildAgentPoolPlan | None:
    """One pool's plain fields; the registry-wide quota is checked by whoever sees every pool."""
    mark = fields.mark()
    pool_name = fields.text("pool_name", naming.AGENT_POOL_NAME, "3-20 letters, digits or '-'")
    count = fields.whole("count", 0, 100, 1)
    plan = BuildAgentPoolPlan(
        pool_name or "",
        tier=fields.choice("tier", AgentPoolTier, AgentPoolTier.S1),
        count=count,
        schedule=validate_schedule(fields, count),
        cloud=fields.choice("cloud", AzureCloud, AzureCloud.PUBLIC),
    )
    return None if fields.failed_since(mark) else plan


def validate_schedule(fields: FieldReader, count: int) -> PoolSchedulePlan | None:
    """The pool's ``schedule``: two recurrences that never fire together, an idle count below
    ``count``."""
    if not fields.present("schedule"):
        return None
    raw = fields.values.get("schedule")
    if not isinstance(raw, Mapping):
        expected = "an object with the scale-down and scale-up times and the idle count"
        fields.invalid("schedule", raw, expected)
        return None
    nested = fields.nested("schedule", cast(Mapping[str, Any], raw))
    nested.reject_unknown(known_fields(AgentPoolScheduleArgs))
    when: dict[str, Recurrence] = {}
    for key in ("scale_down", "scale_up"):
        value = nested.require(key, 'this is required (a cron expression, e.g. "0 6 * * 1-5")')
        if value is None:
            continue
        found, problem = idle_scaling.recurrence(value)
        if found is not None:
            when[key] = found
        elif problem is not None:
            nested.problem(key, problem)
    idle_count = nested.whole("idle_count", 0, None, 0)
    if count == 0:
        fields.problem(
            "schedule",
            f"{fields.label('count')} is 0, so there is nothing to scale down; set it to the "
            "pool's size in working hours",
        )
    elif idle_count >= count:
        nested.invalid(
            "idle_count",
            idle_count,
            f"a whole number below {fields.label('count')} ({count}), the working-hours size",
        )
    if len(when) == 2 and (clash := idle_scaling.first_clash(when["scale_down"], when["scale_up"])):
        nested.problem(
            "scale_up",
            f"fires at {clash} UTC, as {nested.label('scale_down')} does; which one wins is "
            "undefined, so no moment may be in both",
        )
    if len(when) < 2:
        return None
    return PoolSchedulePlan(when["scale_down"], when["scale_up"], idle_count)


def validate_single_pool(fields: FieldReader) -> BuildAgentPoolPlan | None:
    """A pool built on its own: its fields, and its vCPUs within the registry's quota."""
    mark = fields.mark()
    plan = validate_agent_pool(fields)
    quota = agent_pools.Quota(fields.whole("vcpu_quota", 0), fields.label("vcpu_quota"))
    if plan is not None:
        fields.problems.extend(
            agent_pools.quota_problems(
                [(fields.label("count"), plan.tier, plan.count)], quota, quota
            )
        )
    return None if fields.failed_since(mark) else plan


class BuildAgentPool(
    PlannedComponent[BuildAgentPoolPlan, BuildAgentPoolInputs],
    args=BuildAgentPoolArgs,
    validate=validate_single_pool,
):
    """A VNet-injected agent pool.

    Children: ``<name>-pool``; with a schedule also ``<name>-scaler`` (the identity),
    ``<name>-scaler-role`` and its ``<name>-scaler-role-assignment`` on the pool, and the
    workflows ``<name>-scale-down`` and ``<name>-scale-up``.
    """

    agent_pool_id: pulumi.Output[str]
    """ARM id of the agent pool."""
    agent_pool_name: pulumi.Output[str]
    """Name of the agent pool (what a task's ``agent_pool_name`` names)."""

    def __init__(
        self, name: str, args: BuildAgentPoolArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        self._construct(name, self.plan(args), args, opts)

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
            # The schedule owns the count; Pulumi would otherwise undo every scale-down.
            # ACR updates a pool's count (and tags) in place and nothing else
            # (AgentPoolUpdateParameters, Learn @azure/arm-containerregistry), but the provider
            # would try a new tier, OS or subnet in place, so the pool is replaced instead of
            # failing at deploy.
            opts=pulumi.ResourceOptions(
                parent=self,
                ignore_changes=["count"] if plan.schedule else None,
                replace_on_changes=["tier", "os", "virtualNetworkSubnetResourceId"],
            ),
        )
        if plan.schedule is not None:
            self._schedule(name, plan, plan.schedule, inputs)
        self.agent_pool_id = self.pool.id
        self.agent_pool_name = self.pool.name
        self.register_outputs(
            {"agent_pool_id": self.agent_pool_id, "agent_pool_name": self.agent_pool_name}
        )

    def _schedule(
        self,
        name: str,
        plan: BuildAgentPoolPlan,
        schedule: PoolSchedulePlan,
        inputs: BuildAgentPoolInputs,
    ) -> None:
        """The identity that may set this pool's count, and the two workflows that do."""
        identity = managedidentity.UserAssignedIdentity(
            child_name(name, "scaler"),
            resource_group_name=inputs["resource_group_name"],
            location=inputs["location"],
            tags=tags_of(inputs),
            opts=pulumi.ResourceOptions(parent=self),
        )
        assignment = self._scaler_role(name, inputs, identity)
        resource_manager = names(plan.cloud).resource_manager
        for direction, when, count in (
            ("down", schedule.scale_down, schedule.idle_count),
            ("up", schedule.scale_up, plan.count),
        ):
            definition = pulumi.Output.all(self.pool.id, identity.id).apply(
                lambda ids, when=when, count=count: cast(
                    Any,
                    dict(
                        idle_scaling.scaling_workflow(when, count, ids[0], ids[1], resource_manager)
                    ),
                )
            )
            logic.Workflow(
                child_name(name, f"scale-{direction}"),
                resource_group_name=inputs["resource_group_name"],
                location=inputs["location"],
                identity=logic.ManagedServiceIdentityArgs(
                    type="UserAssigned", user_assigned_identities=[identity.id]
                ),
                definition=definition,
                state="Enabled",
                tags=tags_of(inputs),
                # Its first run must not meet a role assignment that is not there yet.
                opts=pulumi.ResourceOptions(parent=self, depends_on=[assignment]),
            )

    def _scaler_role(
        self,
        name: str,
        inputs: BuildAgentPoolInputs,
        identity: managedidentity.UserAssignedIdentity,
    ) -> authorization.RoleAssignment:
        """A custom role of ``agentpools/write`` alone, assignable in the pool's resource group
        and assigned to the scaler on this pool (``custom_role_on``)."""
        pool_id = self.pool.id
        _, assignment = custom_role_on(
            self,
            (child_name(name, "scaler-role"), child_name(name, "scaler-role-assignment")),
            assigned_on=pool_id,
            defined_at=pool_id.apply(lambda pid: "/".join(pid.split("/")[:5])),
            subscription_id=pool_id.apply(lambda pid: pid.split("/")[2]),
            guid_namespace=_SCALER_ROLE_NAMESPACE,
            role_name=pulumi.Output.concat(
                "ACR agent pool scaler (", inputs["registry_name"], "/", self.pool.name, ")"
            ),
            description="Set the count of an ACR Tasks agent pool it is assigned on; nothing else.",
            actions=POOL_SCALER_ACTIONS,
            principal_id=identity.principal_id,
        )
        return assignment
