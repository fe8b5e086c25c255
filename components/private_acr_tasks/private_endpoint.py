"""A private endpoint with its private DNS zone, VNet links and DNS zone group.

The zone group makes Azure write the endpoint's A records into the zone: for a registry
both ``<registry>`` and ``<registry>.<region>.data`` land in ``privatelink.azurecr.io``.
Every VNet whose workloads resolve the resource (the agent pool's and the AKS nodes') needs
a link to the zone; links never auto-register VM records. Pass ``private_dns_zone_id`` to use
a zone owned elsewhere (a hub) instead of creating one.
"""

# pyright: reportUnknownArgumentType=false, reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnnecessaryIsInstance=false
# (Temporary while issue 10 reworks this module; remove this line when it is clean under strict.)

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NotRequired

import pulumi
from pulumi_azure_native import network, privatedns

from private_acr_rules.dns import REGISTRY_ZONE
from private_acr_tasks._common import SharedArgs, child_name, type_token
from private_acr_tasks.errors import ComponentArgsError

_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")
_GROUP = re.compile(r"^[a-zA-Z_]+$")
_ZONE = re.compile(r"^privatelink(\.[a-z0-9-]+)+$")


class PrivateLinkEndpointArgs(SharedArgs):
    """Arguments of :class:`PrivateLinkEndpoint`."""

    target_resource_id: pulumi.Input[str]
    """ARM id of the resource exposed, e.g. a registry."""
    group_id: str
    """Private link sub-resource: ``registry`` for ACR, ``blob`` for storage."""
    subnet_id: pulumi.Input[str]
    """The private-endpoint subnet (never the agent subnet)."""
    zone_name: str
    """Private DNS zone, e.g. ``privatelink.azurecr.io``."""
    linked_vnet_ids: NotRequired[Mapping[str, pulumi.Input[str]]]
    """VNets to link to the zone, keyed by a stable short name (the key is part of the
    link's logical name). Ignored when ``private_dns_zone_id`` is given."""
    private_dns_zone_id: NotRequired[pulumi.Input[str]]
    """Use this existing zone instead of creating one (hub-and-spoke DNS)."""


def _check(args: PrivateLinkEndpointArgs) -> list[str]:
    problems: list[str] = []
    if not isinstance(args.get("group_id"), str) or not _GROUP.fullmatch(args["group_id"]):
        problems.append(
            f"PrivateLinkEndpointArgs.group_id: got {args.get('group_id')!r}; expected e.g. 'registry'"
        )
    if not isinstance(args.get("zone_name"), str) or not _ZONE.fullmatch(args["zone_name"]):
        problems.append(
            f"PrivateLinkEndpointArgs.zone_name: got {args.get('zone_name')!r}; expected a "
            f"privatelink zone such as {REGISTRY_ZONE}"
        )
    for key in args.get("linked_vnet_ids", {}):
        if not _KEY.fullmatch(key):
            problems.append(
                f"PrivateLinkEndpointArgs.linked_vnet_ids: key {key!r} must be lower-case "
                f"letters, digits or '-' (it names the link)"
            )
    if "private_dns_zone_id" not in args and not args.get("linked_vnet_ids"):
        problems.append(
            "PrivateLinkEndpointArgs.linked_vnet_ids: at least one VNet must be linked to a new "
            "zone, or names would not resolve to the endpoint"
        )
    return problems


class PrivateLinkEndpoint(pulumi.ComponentResource):
    """Private endpoint + private DNS zone, VNet links and zone group.

    Children: ``<name>-zone``, ``<name>-link-<key>`` per linked VNet (when the zone is created
    here), ``<name>-pe``, ``<name>-dns`` (the zone group, a child of the endpoint).
    """

    private_endpoint_id: pulumi.Output[str]
    private_dns_zone_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: PrivateLinkEndpointArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = _check(args)
        if problems:
            raise ComponentArgsError(problems)
        super().__init__(type_token("PrivateLinkEndpoint"), name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.get("tags", {}))
        links: list[pulumi.Resource] = []
        if "private_dns_zone_id" in args:
            zone_id: pulumi.Output[str] = pulumi.Output.from_input(args["private_dns_zone_id"])
        else:
            zone = privatedns.PrivateZone(
                child_name(name, "zone"),
                resource_group_name=args["resource_group_name"],
                private_zone_name=args["zone_name"],
                location="global",
                tags=tags,
                opts=child,
            )
            zone_id = zone.id
            for key, vnet_id in sorted(args.get("linked_vnet_ids", {}).items()):
                links.append(
                    privatedns.VirtualNetworkLink(
                        child_name(name, "link", key),
                        resource_group_name=args["resource_group_name"],
                        private_zone_name=zone.name,
                        location="global",
                        registration_enabled=False,
                        virtual_network=privatedns.SubResourceArgs(id=vnet_id),
                        tags=tags,
                        opts=pulumi.ResourceOptions(parent=zone),
                    )
                )

        endpoint = network.PrivateEndpoint(
            child_name(name, "pe"),
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            subnet=network.SubnetArgs(id=args["subnet_id"]),
            private_link_service_connections=[
                network.PrivateLinkServiceConnectionArgs(
                    name=child_name(name, args["group_id"]),
                    private_link_service_id=args["target_resource_id"],
                    group_ids=[args["group_id"]],
                )
            ],
            tags=tags,
            opts=child,
        )
        network.PrivateDnsZoneGroup(
            child_name(name, "dns"),
            resource_group_name=args["resource_group_name"],
            private_endpoint_name=endpoint.name,
            private_dns_zone_configs=[
                network.PrivateDnsZoneConfigArgs(
                    name=args["zone_name"].replace(".", "-"), private_dns_zone_id=zone_id
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
