"""A Premium container registry that is private by default.

Premium is the only tier with agent pools and private link. Defaults: admin user off,
anonymous pull off, public network access off (network rule set Deny), trusted-service bypass
off (ACR Tasks are no longer a trusted service), export disabled, dedicated data endpoints on,
and one artifact lifecycle: retention of untagged manifests (7 days), or soft delete instead
(ACR refuses both together, Learn container-registry-soft-delete-policy). The name is made
globally unique with pulumi-random and pinned in state, so it never changes once created.
Private endpoints come from the shared ``private_endpoints`` argument (group ``registry``).

Geo-replication: one ``containerregistry.Replication`` per region in ``replicas``, each zone
redundant when the registry is. Soft delete "doesn't support a geo-replicated registry" (same
Learn page, limitations), so a replicated registry keeps retention or nothing. The private
endpoints are created after the replicas: the endpoint's NIC then holds an address for each
regional data endpoint ``<registry>.<region>.data.azurecr.io`` and the zone group writes a
record for each; a replica added later needs its record added by hand (Learn,
container-registry-private-link, "Private IP addresses" and "DNS configuration options"), and
each replica takes one more address in every endpoint subnet (``private_acr_rules.capacity``).
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NotRequired, TypedDict

import pulumi
import pulumi_random as random
from pulumi_azure_native import containerregistry

from private_acr_rules.clouds import AzureCloud, names
from private_acr_rules.regions import same_region
from private_acr_rules.validation import FieldReader
from private_acr_tasks._common import (
    PlannedComponent,
    SharedArgs,
    child_name,
    known_fields,
    tags_of,
    type_token,
)
from private_acr_tasks.private_endpoint import (
    PrivateEndpointArgs,
    PrivateLinkEndpoint,
    private_endpoints,
    validate_endpoints,
)

_SUFFIX_LENGTH = 8
_PREFIX = re.compile(r"^[a-z0-9]{0,40}$")


class ArtifactLifecycleMode(StrEnum):
    """What the registry does with artifacts over time; ACR allows one of these at a time."""

    RETENTION = "retention"
    """Purge untagged manifests after ``days`` (0-365)."""
    SOFT_DELETE = "softDelete"
    """Keep deleted artifacts recoverable for ``days`` (1-90); not on geo-replicated registries."""
    NONE = "none"
    """Neither."""


LIFECYCLE_DAYS: Mapping[ArtifactLifecycleMode, tuple[int, int]] = {
    ArtifactLifecycleMode.RETENTION: (0, 365),
    ArtifactLifecycleMode.SOFT_DELETE: (1, 90),
}


class ArtifactLifecycleArgs(TypedDict):
    """The registry's artifact lifecycle: retention, soft delete, or neither."""

    mode: ArtifactLifecycleMode
    """``retention``, ``softDelete`` or ``none``."""
    days: NotRequired[int]
    """Days for retention (0-365) or soft delete (1-90). Default 7."""


@dataclass(frozen=True)
class ArtifactLifecycle:
    mode: ArtifactLifecycleMode = ArtifactLifecycleMode.RETENTION
    days: int = 7


class RegistryInputs(SharedArgs):
    """The registry's links to other resources."""

    private_endpoints: NotRequired[Mapping[str, PrivateEndpointArgs]]
    """Private endpoints keyed by a short name; each is a ``<name>-<key>`` child with group
    ``registry`` and zone ``privatelink.azurecr.io``. Default: none."""


class RegistryArgs(RegistryInputs):
    """Arguments of :class:`Registry`."""

    name_prefix: str
    """Lower-case alphanumerics (at most 40) that start the registry name; a random suffix of
    8 makes it globally unique. E.g. ``acrdev``."""
    artifact_lifecycle: NotRequired[ArtifactLifecycleArgs]
    """Retention of untagged manifests or soft delete. Default: retention for 7 days."""
    zone_redundancy: NotRequired[bool]
    """Spread the registry across availability zones. Default False."""
    public_network_access: NotRequired[bool]
    """Allow access from public networks. Default False: reach it over private link."""
    allow_trusted_services: NotRequired[bool]
    """Let trusted Azure services bypass the network rules. Default False."""
    cloud: NotRequired[AzureCloud]
    """The Azure cloud, for the private DNS zone of the endpoints (``privatelink.azurecr.io``,
    ``.us`` in Azure Government, ``.cn`` in China). Default public."""
    replicas: NotRequired[Sequence[str]]
    """Regions to geo-replicate to (e.g. ``["westus3"]``), regions of ``cloud`` other than the
    registry's own, by name or display name (``West US 3``); each is a
    ``<name>-replica-<region>`` child (the programmatic name), zone redundant when the registry
    is. Not with soft delete. Default: none."""


@dataclass(frozen=True)
class RegistryPlan:
    name_prefix: str
    lifecycle: ArtifactLifecycle = ArtifactLifecycle()
    zone_redundancy: bool = False
    public_network_access: bool = False
    allow_trusted_services: bool = False
    cloud: AzureCloud = AzureCloud.PUBLIC
    replicas: tuple[str, ...] = ()


def validate_lifecycle(fields: FieldReader) -> ArtifactLifecycle:
    fields.reject_unknown(known_fields(ArtifactLifecycleArgs))
    mode = fields.choice("mode", ArtifactLifecycleMode, ArtifactLifecycleMode.RETENTION)
    if mode is ArtifactLifecycleMode.NONE:
        return ArtifactLifecycle(mode, 0)
    low, high = LIFECYCLE_DAYS[mode]
    return ArtifactLifecycle(mode, fields.whole("days", low, high, 7))


def validate_registry(fields: FieldReader) -> RegistryPlan | None:
    mark = fields.mark()
    prefix = fields.text(
        "name_prefix",
        _PREFIX,
        f"lower-case letters and digits, at most 40 (a random suffix of {_SUFFIX_LENGTH} is added)",
    )
    lifecycle = ArtifactLifecycle()
    if fields.present("artifact_lifecycle"):
        values = fields.mapping("artifact_lifecycle", "an object with mode and days")
        lifecycle = validate_lifecycle(fields.nested("artifact_lifecycle", values))
    cloud = fields.choice("cloud", AzureCloud, AzureCloud.PUBLIC)
    plan = RegistryPlan(
        prefix or "",
        lifecycle,
        zone_redundancy=fields.flag("zone_redundancy", False),
        public_network_access=fields.flag("public_network_access", False),
        allow_trusted_services=fields.flag("allow_trusted_services", False),
        cloud=cloud,
        replicas=_replicas(fields, lifecycle, cloud),
    )
    return None if fields.failed_since(mark) else plan


def _replicas(
    fields: FieldReader, lifecycle: ArtifactLifecycle, cloud: AzureCloud
) -> tuple[str, ...]:
    """The replicas' regions, each a region of the registry's cloud other than its home, by
    its programmatic name (which names the replication and its child)."""
    home = fields.values.get("location")
    regions: list[str] = []
    for index, written in enumerate(fields.items("replicas", "a list of Azure region names")):
        path = f"replicas[{index}]"
        region = fields.region_value(path, written, cloud)
        if region is None:
            continue
        if region in regions:
            fields.problem(path, f"{written} is listed twice")
        elif isinstance(home, str) and same_region(region, home):
            fields.problem(
                path,
                f"{written} is the registry's own region ({fields.label('location')}); "
                "a registry always serves its home region",
            )
        else:
            regions.append(region)
    if regions and lifecycle.mode is ArtifactLifecycleMode.SOFT_DELETE:
        fields.problem(
            "replicas",
            "ACR soft delete does not support geo-replicated registries, and "
            f"{fields.label('artifact_lifecycle.mode')} turns it on; a geo-replicated registry "
            "uses retention instead (or drop the replicas)",
        )
    return tuple(regions)


def _policies(plan: RegistryPlan) -> containerregistry.PoliciesArgs:
    retention = plan.lifecycle.mode is ArtifactLifecycleMode.RETENTION
    soft_delete = plan.lifecycle.mode is ArtifactLifecycleMode.SOFT_DELETE
    return containerregistry.PoliciesArgs(
        # The disabled policy still carries a day count: Azure stores one either way.
        retention_policy=containerregistry.RetentionPolicyArgs(
            days=plan.lifecycle.days if retention else 7,
            status="enabled" if retention else "disabled",
        ),
        soft_delete_policy=containerregistry.SoftDeletePolicyArgs(
            retention_days=plan.lifecycle.days if soft_delete else 7,
            status="enabled" if soft_delete else "disabled",
        ),
        # Export is only refused while public access is off; keep both together.
        export_policy=containerregistry.ExportPolicyArgs(
            status="enabled" if plan.public_network_access else "disabled"
        ),
    )


class Registry(
    PlannedComponent[RegistryPlan, RegistryInputs], args=RegistryArgs, validate=validate_registry
):
    """Premium ACR with a globally unique name and its private endpoints.

    Children: ``<name>-suffix`` (random.RandomString), ``<name>-acr``, a
    ``<name>-replica-<region>`` (containerregistry.Replication) per replica, and a
    :class:`PrivateLinkEndpoint` ``<name>-<key>`` per ``private_endpoints`` entry, created after
    the replicas.
    """

    registry_id: pulumi.Output[str]
    """ARM id of the registry."""
    registry_name: pulumi.Output[str]
    """The registry's globally unique name."""
    login_server: pulumi.Output[str]
    """``<name>.azurecr.io`` (or the sovereign cloud's suffix)."""

    def __init__(
        self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        self._construct(name, self.plan(args), args, opts)

    def _check_links(self, plan: RegistryPlan, links: FieldReader) -> None:
        validate_endpoints(links)

    def _build(
        self,
        name: str,
        plan: RegistryPlan,
        inputs: RegistryInputs,
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        super().__init__(type_token("Registry"), name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        suffix = random.RandomString(
            child_name(name, "suffix"),
            length=_SUFFIX_LENGTH,
            special=False,
            upper=False,
            opts=child,
        )
        self.registry = containerregistry.Registry(
            child_name(name, "acr"),
            resource_group_name=inputs["resource_group_name"],
            location=inputs["location"],
            registry_name=pulumi.Output.concat(plan.name_prefix, suffix.result),
            sku=containerregistry.SkuArgs(name="Premium"),
            admin_user_enabled=False,
            anonymous_pull_enabled=False,
            data_endpoint_enabled=True,
            public_network_access="Enabled" if plan.public_network_access else "Disabled",
            network_rule_set=containerregistry.NetworkRuleSetArgs(default_action="Deny"),
            network_rule_bypass_options="AzureServices" if plan.allow_trusted_services else "None",
            zone_redundancy="Enabled" if plan.zone_redundancy else "Disabled",
            policies=_policies(plan),
            tags=tags_of(inputs),
            opts=child,
        )
        self.replicas = self._replicas(name, plan, inputs)
        self.endpoints: dict[str, PrivateLinkEndpoint] = private_endpoints(
            self,
            name,
            target_resource_id=self.registry.id,
            group_id="registry",
            zone_name=names(plan.cloud).registry_zone,
            entries=inputs.get("private_endpoints", {}),
            placement=inputs,
            aliases={key: self._moved(key) for key in inputs.get("private_endpoints", {})},
            # The zone group writes a data-endpoint record for each replica that exists by then.
            depends_on=list(self.replicas.values()),
        )
        self.registry_id = self.registry.id
        self.registry_name = self.registry.name
        self.login_server = self.registry.login_server
        self.register_outputs(
            {
                "registry_id": self.registry_id,
                "registry_name": self.registry_name,
                "login_server": self.login_server,
            }
        )

    def _replicas(
        self, name: str, plan: RegistryPlan, inputs: RegistryInputs
    ) -> dict[str, containerregistry.Replication]:
        return {
            region: containerregistry.Replication(
                child_name(name, "replica", region),
                resource_group_name=inputs["resource_group_name"],
                registry_name=self.registry.name,
                replication_name=region,
                location=region,
                zone_redundancy="Enabled" if plan.zone_redundancy else "Disabled",
                region_endpoint_enabled=True,
                tags=tags_of(inputs),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for region in plan.replicas
        }
