"""Private endpoints with their private DNS zone, VNet links and DNS zone group.

Every component that exposes a resource over private link (the registry, the artifact
store, the key vault) takes the same ``private_endpoints`` argument, in the manner of Azure
Verified Modules: a map from a stable key to a :class:`PrivateEndpointArgs`, each becoming one
:class:`PrivateLinkEndpoint` child named ``<component>-<key>``. The owning component decides
the group id and the zone name; the caller decides the subnet and the DNS.

The zone group makes Azure write the endpoint's A records into the zone: for a registry both
``<registry>`` and ``<registry>.<region>.data`` land in ``privatelink.azurecr.io``. Every VNet
whose workloads resolve the resource needs a link to the zone; links never auto-register VM
records. Pass ``private_dns_zone_id`` to use a zone owned elsewhere (a hub) instead of
creating one, and ``manage_dns_zone_group=False`` where an Azure Policy adds zone groups.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NotRequired, TypedDict, cast

import pulumi
from pulumi_azure_native import network, privatedns

from private_acr_rules import naming
from private_acr_rules.clouds import AzureCloud, names
from private_acr_rules.dns import REGISTRY_ZONE
from private_acr_rules.validation import FieldReader
from private_acr_tasks._common import (
    PlannedComponent,
    SharedArgs,
    child_name,
    known_fields,
    tags_of,
    type_token,
)

_GROUP = re.compile(r"^[a-zA-Z_]+$")
_ZONE = re.compile(r"^privatelink(\.[a-z0-9-]+)+$")


class PrivateEndpointArgs(TypedDict):
    """One private endpoint of a component (the ``private_endpoints`` map's values)."""

    subnet_id: pulumi.Input[str]
    """The private-endpoint subnet (never the agent subnet)."""
    private_dns_zone_id: NotRequired[pulumi.Input[str]]
    """Use this existing zone (e.g. a central zone in a connectivity subscription) instead of
    creating one. Default: a zone is created with ``linked_vnet_ids``."""
    linked_vnet_ids: NotRequired[Mapping[str, pulumi.Input[str]]]
    """VNets to link to a zone created here, keyed by a stable short name (part of the link's
    logical name). Ignored when ``private_dns_zone_id`` is given."""
    manage_dns_zone_group: NotRequired[bool]
    """Create the DNS zone group that writes the endpoint's records. Default True; False where
    an Azure Policy (deploy-if-not-exists) adds zone groups to every private endpoint."""


class PrivateLinkEndpointInputs(SharedArgs, PrivateEndpointArgs):
    """The endpoint's links to other resources (and its DNS settings)."""

    target_resource_id: pulumi.Input[str]
    """ARM id of the resource exposed, e.g. a registry."""


class PrivateLinkEndpointArgs(PrivateLinkEndpointInputs):
    """Arguments of :class:`PrivateLinkEndpoint`."""

    group_id: str
    """Private link sub-resource: ``registry`` for ACR, ``blob`` for storage, ``vault`` for Key Vault."""
    zone_name: str
    """Private DNS zone, e.g. ``privatelink.azurecr.io``."""


class ZoneGroups(StrEnum):
    """Who writes a private endpoint's DNS records."""

    MANAGED = "managed"
    """A DNS zone group on each endpoint, created here."""
    POLICY = "policy"
    """An Azure Policy (deploy-if-not-exists) adds the zone group; none is created here."""


class EndpointPurpose(StrEnum):
    """What a private endpoint exposes; each has its own private DNS zone."""

    REGISTRY = "registry"
    BLOB = "blob"
    VAULT = "vault"


AKS_ZONE_KEY = "aks"
"""The ``zone_ids`` key of the private cluster's API server zone: AKS creates that endpoint and
writes its record itself, so it is the cluster's setting (``AksClusterArgs.private_dns_zone_id``),
not an endpoint's here."""


def zone_name(cloud: AzureCloud, purpose: EndpointPurpose) -> str:
    cloud_names = names(cloud)
    return {
        EndpointPurpose.REGISTRY: cloud_names.registry_zone,
        EndpointPurpose.BLOB: cloud_names.blob_zone,
        EndpointPurpose.VAULT: cloud_names.vault_zone,
    }[purpose]


class EndpointDnsArgs(TypedDict):
    """Where a stack's private endpoints resolve (the arguments of :func:`validate_endpoint_dns`)."""

    zone_ids: NotRequired[Mapping[str, str]]
    """Central private DNS zones by purpose (``registry``, ``blob``, ``vault``; ``aks`` is the
    cluster's API server zone), each the ARM id of the cloud's zone for it: no zone or link is
    created for those. Default: none."""
    zone_groups: NotRequired[ZoneGroups]
    """Who writes the endpoints' records: ``managed`` (a zone group here) or ``policy`` (an
    Azure Policy). Default managed."""


@dataclass(frozen=True)
class EndpointDnsPlan:
    """How every private endpoint of a stack resolves: central zones or ours, and who writes records."""

    zone_ids: Mapping[EndpointPurpose, str] = field(default_factory=dict[EndpointPurpose, str])
    zone_groups: ZoneGroups = ZoneGroups.MANAGED

    def entry(
        self,
        purpose: EndpointPurpose,
        subnet_id: pulumi.Input[str],
        linked_vnet_ids: Mapping[str, pulumi.Input[str]],
    ) -> PrivateEndpointArgs:
        """The ``private_endpoints`` entry of one endpoint under this DNS plan."""
        entry: PrivateEndpointArgs = {
            "subnet_id": subnet_id,
            "manage_dns_zone_group": self.zone_groups is ZoneGroups.MANAGED,
        }
        if purpose in self.zone_ids:
            entry["private_dns_zone_id"] = self.zone_ids[purpose]
        else:
            entry["linked_vnet_ids"] = linked_vnet_ids
        return entry


def validate_endpoint_dns(fields: FieldReader, cloud: AzureCloud) -> EndpointDnsPlan | None:
    """Central zone ids per purpose (each must be that cloud's zone for it) and the zone-group mode."""
    mark = fields.mark()
    zone_ids: dict[EndpointPurpose, str] = {}
    given = fields.mapping("zone_ids", "a map of registry, blob, vault, aks to zone ids")
    zones = fields.nested("zone_ids", given)
    for key in given:
        if key == AKS_ZONE_KEY:
            continue  # the cluster's own endpoint: the cluster checks its zone (aks.py)
        purpose = next((p for p in EndpointPurpose if p.value == key), None)
        if purpose is None:
            known = [p.value for p in EndpointPurpose] + [AKS_ZONE_KEY]
            zones.invalid(key, key, "one of " + ", ".join(known))
            continue
        zone_id = zones.arm_id(
            key,
            "microsoft.network",
            ("privatednszones",),
            "the ARM id of a private DNS zone (.../providers/Microsoft.Network/privateDnsZones/<zone>)",
        )
        zone = None if zone_id is None else zone_id.rsplit("/", 1)[-1]
        if zone is not None and zone.lower() != zone_name(cloud, purpose):
            zones.problem(
                key,
                f"names the zone {zone}, but {purpose.value} endpoints in the "
                f"{cloud.value} cloud resolve through {zone_name(cloud, purpose)}",
            )
        elif zone_id is not None:
            zone_ids[purpose] = zone_id
    groups = fields.choice("zone_groups", ZoneGroups, ZoneGroups.MANAGED)
    return None if fields.failed_since(mark) else EndpointDnsPlan(zone_ids, groups)


def validate_endpoint(fields: FieldReader) -> bool:
    """The plain parts of one endpoint entry: link keys, the zone-group flag, a zone to use."""
    links = fields.mapping("linked_vnet_ids", "a map of short names to VNet ids")
    for key in links:
        if not naming.CHILD_KEY.fullmatch(key):
            fields.invalid(
                "linked_vnet_ids",
                key,
                "keys of lower-case letters, digits or '-' (they name links)",
            )
    managed = fields.flag("manage_dns_zone_group", True)
    if not managed and not fields.present("private_dns_zone_id"):
        fields.problem(
            "private_dns_zone_id",
            "missing; with manage_dns_zone_group false someone else (an Azure Policy) writes the "
            "records, into their zone: name it, since a zone created here would stay empty",
        )
    elif not fields.present("private_dns_zone_id") and not links:
        fields.problem(
            "linked_vnet_ids",
            "at least one VNet must be linked to a new zone, or names would not resolve to the "
            "endpoint (or give private_dns_zone_id to use an existing zone)",
        )
    fields.require("subnet_id")
    return managed


def validate_endpoints(fields: FieldReader) -> None:
    """A component's ``private_endpoints`` map: good keys, each entry valid."""
    entries = fields.mapping("private_endpoints", "a map of short names to endpoint settings")
    for key, entry in entries.items():
        path = f"private_endpoints[{key}]"
        if not naming.CHILD_KEY.fullmatch(key):
            fields.invalid(
                path, key, "a key of lower-case letters, digits or '-' (it names the endpoint)"
            )
        if not isinstance(entry, Mapping):
            fields.invalid(path, entry, "an object with subnet_id and the DNS settings")
            continue
        nested = fields.nested(path, cast(Mapping[str, object], entry))
        nested.reject_unknown(known_fields(PrivateEndpointArgs))
        validate_endpoint(nested)


@dataclass(frozen=True)
class PrivateLinkEndpointPlan:
    group_id: str
    zone_name: str
    manage_dns_zone_group: bool = True


def validate_private_link_endpoint(fields: FieldReader) -> PrivateLinkEndpointPlan | None:
    mark = fields.mark()
    group = fields.text("group_id", _GROUP, "a private link group id such as 'registry'")
    zone = fields.text("zone_name", _ZONE, f"a privatelink zone such as {REGISTRY_ZONE}")
    managed = validate_endpoint(fields)
    if fields.failed_since(mark) or group is None or zone is None:
        return None
    return PrivateLinkEndpointPlan(group, zone, managed)


class PrivateLinkEndpoint(
    PlannedComponent[PrivateLinkEndpointPlan, PrivateLinkEndpointInputs],
    args=PrivateLinkEndpointArgs,
    validate=validate_private_link_endpoint,
):
    """Private endpoint + private DNS zone, VNet links and zone group.

    Children: ``<name>-zone`` and its ``<name>-link-<key>`` per linked VNet (when the zone is
    created here), ``<name>-pe``, and ``<name>-dns`` (the zone group, a child of the endpoint,
    unless zone groups are left to Azure Policy).
    """

    private_endpoint_id: pulumi.Output[str]
    """ARM id of the private endpoint."""
    private_dns_zone_id: pulumi.Output[str]
    """ARM id of the zone its records live in (created here or given)."""

    def __init__(
        self, name: str, args: PrivateLinkEndpointArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        self._construct(name, self.plan(args), args, opts)

    def _build(
        self,
        name: str,
        plan: PrivateLinkEndpointPlan,
        inputs: PrivateLinkEndpointInputs,
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        super().__init__(type_token("PrivateLinkEndpoint"), name, {}, opts)
        zone_id, links = self._zone(name, plan, inputs)
        endpoint = network.PrivateEndpoint(
            child_name(name, "pe"),
            resource_group_name=inputs["resource_group_name"],
            location=inputs["location"],
            subnet=network.SubnetArgs(id=inputs["subnet_id"]),
            private_link_service_connections=[
                network.PrivateLinkServiceConnectionArgs(
                    name=child_name(name, plan.group_id),
                    private_link_service_id=inputs["target_resource_id"],
                    group_ids=[plan.group_id],
                )
            ],
            tags=tags_of(inputs),
            # What the component waits for (a registry's replicas) the endpoint itself waits for,
            # so the dependency is recorded on the resource Azure creates.
            opts=pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None),
        )
        if plan.manage_dns_zone_group:
            network.PrivateDnsZoneGroup(
                child_name(name, "dns"),
                resource_group_name=inputs["resource_group_name"],
                private_endpoint_name=endpoint.name,
                private_dns_zone_configs=[
                    network.PrivateDnsZoneConfigArgs(
                        name=plan.zone_name.replace(".", "-"), private_dns_zone_id=zone_id
                    )
                ],
                # Records are only useful once every VNet can resolve them.
                opts=pulumi.ResourceOptions(parent=endpoint, depends_on=links),
            )
        self.private_endpoint_id = endpoint.id
        self.private_dns_zone_id = zone_id
        self.register_outputs(
            {
                "private_endpoint_id": self.private_endpoint_id,
                "private_dns_zone_id": self.private_dns_zone_id,
            }
        )

    def _zone(
        self, name: str, plan: PrivateLinkEndpointPlan, inputs: PrivateLinkEndpointInputs
    ) -> tuple[pulumi.Output[str], list[pulumi.Resource]]:
        """The zone to write records into: the given one, or a new zone with its VNet links."""
        if "private_dns_zone_id" in inputs:
            return pulumi.Output.from_input(inputs["private_dns_zone_id"]), []
        tags = tags_of(inputs)
        zone = privatedns.PrivateZone(
            child_name(name, "zone"),
            resource_group_name=inputs["resource_group_name"],
            private_zone_name=plan.zone_name,
            location="global",
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        links: list[pulumi.Resource] = [
            privatedns.VirtualNetworkLink(
                child_name(name, "link", key),
                resource_group_name=inputs["resource_group_name"],
                private_zone_name=zone.name,
                location="global",
                registration_enabled=False,
                virtual_network=privatedns.SubResourceArgs(id=vnet_id),
                tags=tags,
                opts=pulumi.ResourceOptions(parent=zone),
            )
            for key, vnet_id in sorted(inputs.get("linked_vnet_ids", {}).items())
        ]
        return zone.id, links


def private_endpoints(
    owner: pulumi.Resource,
    owner_name: str,
    *,
    target_resource_id: pulumi.Input[str],
    group_id: str,
    zone_name: str,
    entries: Mapping[str, PrivateEndpointArgs],
    placement: SharedArgs,
    aliases: Mapping[str, Sequence[pulumi.Alias]] | None = None,
    depends_on: Sequence[pulumi.Resource] = (),
) -> dict[str, PrivateLinkEndpoint]:
    """One :class:`PrivateLinkEndpoint` per entry, children of ``owner``, named ``<owner>-<key>``.

    ``aliases`` (by entry key) keeps an endpoint that used to live elsewhere; its children
    follow it. ``depends_on``: what must exist before the endpoints are created."""
    endpoints: dict[str, PrivateLinkEndpoint] = {}
    for key, entry in sorted(entries.items()):
        args: PrivateLinkEndpointArgs = {
            "resource_group_name": placement["resource_group_name"],
            "location": placement["location"],
            "tags": tags_of(placement),
            "target_resource_id": target_resource_id,
            "group_id": group_id,
            "zone_name": zone_name,
            **entry,
        }
        options = pulumi.ResourceOptions(
            parent=owner, aliases=list((aliases or {}).get(key, ())), depends_on=list(depends_on)
        )
        endpoints[key] = PrivateLinkEndpoint(child_name(owner_name, key), args, options)
    return endpoints
