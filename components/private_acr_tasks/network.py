"""The build network: a VNet with the agent, private-endpoint and AKS subnets, each behind an NSG.

The agent subnet carries the service endpoints and the outbound rules a VNet-injected ACR
Tasks agent pool needs (``egress.REQUIRED_EGRESS``); without them a pool fails to provision or
its runs hang in ``Queued``. Subnets are created one after another because Azure rejects
concurrent writes to subnets of one VNet.
"""

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NotRequired, Self

import pulumi
from pulumi_azure_native import network

from private_acr_rules import cidr, egress
from private_acr_rules.validation import FieldReader
from private_acr_tasks._common import SharedArgs, checked, child_name, tags_of, type_token

DEFAULT_DOCKER_BRIDGE = ipaddress.IPv4Network(cidr.DEFAULT_DOCKER_BRIDGE_CIDR)


class NetworkArgs(SharedArgs):
    """Arguments of :class:`Network`. The address fields are plain: they are checked before
    anything is created."""

    address_space: str
    """VNet address space, e.g. ``10.40.0.0/16``."""
    agent_subnet_prefix: str
    """Subnet for the ACR Tasks agent pool, e.g. ``10.40.1.0/24`` (at least a /29)."""
    private_endpoint_subnet_prefix: str
    """Subnet for private endpoints (at least a /29)."""
    aks_subnet_prefix: str
    """Subnet for the AKS nodes (at least a /29)."""
    dns_servers: NotRequired[Sequence[str]]
    """Custom DNS servers for the VNet; the agents inherit them. Default: Azure DNS."""
    registry_uses_private_link: NotRequired[bool]
    """When True (default) the agent subnet gets no ``Microsoft.ContainerRegistry`` service
    endpoint: ACR cannot use a private endpoint and a service endpoint from one VNet."""
    docker_bridge_cidr: NotRequired[str]
    """The range ACR Tasks builds use for Docker's bridge; no range here may overlap it.
    Default ``172.17.0.0/16``."""


@dataclass(frozen=True)
class NetworkPlan:
    """A validated network: every range parsed once, kept as ``ipaddress`` values."""

    address_space: ipaddress.IPv4Network
    agent_subnet: ipaddress.IPv4Network
    private_endpoint_subnet: ipaddress.IPv4Network
    aks_subnet: ipaddress.IPv4Network
    dns_servers: tuple[ipaddress.IPv4Address, ...] = ()
    registry_uses_private_link: bool = True
    docker_bridge: ipaddress.IPv4Network = DEFAULT_DOCKER_BRIDGE

    @property
    def subnets(self) -> tuple[ipaddress.IPv4Network, ...]:
        return (self.agent_subnet, self.private_endpoint_subnet, self.aks_subnet)


SUBNET_FIELDS = ("agent_subnet_prefix", "private_endpoint_subnet_prefix", "aks_subnet_prefix")


def validate_network(fields: FieldReader) -> NetworkPlan | None:
    """Every problem with a network's plain arguments, named through ``fields.label``."""
    mark = fields.mark()
    space = fields.network("address_space")
    agent, endpoints, aks = (fields.network(field) for field in SUBNET_FIELDS)
    dns = fields.addresses("dns_servers")
    private_link = fields.flag("registry_uses_private_link", True)
    bridge = fields.network("docker_bridge_cidr", DEFAULT_DOCKER_BRIDGE)
    label = fields.label
    parsed = zip((agent, endpoints, aks), SUBNET_FIELDS, strict=True)
    subnets = [cidr.Labelled(net, label(field)) for net, field in parsed if net is not None]
    spaces = [] if space is None else [cidr.Labelled(space, label("address_space"))]
    if spaces:
        fields.problems.extend(cidr.subnet_plan_problems(spaces, subnets))
    for item in subnets:
        fields.problems.extend(
            cidr.subnet_size_problems(
                item.label, item.network, minimum_prefix=cidr.SMALLEST_AZURE_SUBNET_PREFIX
            )
        )
    servers = [
        cidr.Labelled(cidr.as_network(server), label(f"dns_servers[{index}]"))
        for index, server in enumerate(dns)
    ]
    fields.problems.extend(
        cidr.bridge_conflict_problems(
            bridge, label("docker_bridge_cidr"), [*spaces, *subnets, *servers]
        )
    )
    if fields.failed_since(mark) or not (space and agent and endpoints and aks):
        return None
    return NetworkPlan(space, agent, endpoints, aks, dns, private_link, bridge)


def _security_rule(rule: Mapping[str, Any]) -> network.SecurityRuleArgs:
    return network.SecurityRuleArgs(
        name=rule["name"],
        priority=rule["priority"],
        direction=rule["direction"],
        access=rule["access"],
        protocol=rule["protocol"],
        description=rule.get("description"),
        source_address_prefix=rule.get("sourceAddressPrefix"),
        source_port_range=rule.get("sourcePortRange"),
        destination_address_prefix=rule.get("destinationAddressPrefix"),
        destination_port_range=rule.get("destinationPortRange"),
        destination_port_ranges=rule.get("destinationPortRanges"),
    )


class Network(pulumi.ComponentResource):
    """VNet, three subnets and three NSGs for private ACR Tasks builds next to AKS.

    Children: ``<name>-vnet``; ``<name>-agent-nsg``, ``<name>-pe-nsg``, ``<name>-aks-nsg``;
    ``<name>-agent-subnet``, ``<name>-pe-subnet``, ``<name>-aks-subnet`` (children of the VNet).
    """

    vnet_id: pulumi.Output[str]
    """ARM id of the VNet."""
    vnet_name: pulumi.Output[str]
    """Name of the VNet."""
    agent_subnet_id: pulumi.Output[str]
    """ARM id of the agent subnet, complete with its NSG and service endpoints."""
    private_endpoint_subnet_id: pulumi.Output[str]
    """ARM id of the private-endpoint subnet."""
    aks_subnet_id: pulumi.Output[str]
    """ARM id of the AKS node subnet."""
    agent_nsg_id: pulumi.Output[str]
    """ARM id of the agent subnet's NSG."""

    def __init__(
        self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        self._build(name, checked(validate_network, args, "NetworkArgs"), args, opts)

    @classmethod
    def from_plan(
        cls,
        name: str,
        plan: NetworkPlan,
        placement: SharedArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> Self:
        """Build from an already validated plan (the stack settings hold one per stack)."""
        component = cls.__new__(cls)
        component._build(name, plan, placement, opts)
        return component

    def _build(
        self,
        name: str,
        plan: NetworkPlan,
        placement: SharedArgs,
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        super().__init__(type_token("Network"), name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        group = placement["resource_group_name"]
        common: dict[str, Any] = {
            "resource_group_name": group,
            "location": placement["location"],
            "tags": tags_of(placement),
        }
        agent_nsg, pe_nsg, aks_nsg = self._security_groups(name, common)
        dns_servers = [str(server) for server in plan.dns_servers]
        vnet = network.VirtualNetwork(
            child_name(name, "vnet"),
            address_space=network.AddressSpaceArgs(address_prefixes=[str(plan.address_space)]),
            dhcp_options=network.DhcpOptionsArgs(dns_servers=dns_servers) if dns_servers else None,
            **common,
            # Subnets are standalone resources below; the VNet must not reconcile an inline
            # list against them or an update would try to remove them.
            opts=child.merge(pulumi.ResourceOptions(ignore_changes=["subnets"])),
        )
        agent_subnet, pe_subnet, aks_subnet = self._subnets(
            name, plan, group, vnet, (agent_nsg, pe_nsg, aks_nsg)
        )
        self.vnet_id = vnet.id
        self.vnet_name = vnet.name
        self.agent_subnet_id = agent_subnet.id
        self.private_endpoint_subnet_id = pe_subnet.id
        self.aks_subnet_id = aks_subnet.id
        self.agent_nsg_id = agent_nsg.id
        self.register_outputs(
            {
                "vnet_id": self.vnet_id,
                "vnet_name": self.vnet_name,
                "agent_subnet_id": self.agent_subnet_id,
                "private_endpoint_subnet_id": self.private_endpoint_subnet_id,
                "aks_subnet_id": self.aks_subnet_id,
                "agent_nsg_id": self.agent_nsg_id,
            }
        )

    def _security_groups(
        self, name: str, common: dict[str, Any]
    ) -> tuple[network.NetworkSecurityGroup, ...]:
        child = pulumi.ResourceOptions(parent=self)
        agent_nsg = network.NetworkSecurityGroup(
            child_name(name, "agent-nsg"),
            security_rules=[_security_rule(r) for r in egress.agent_pool_security_rules()],
            **common,
            opts=child,
        )
        pe_nsg = network.NetworkSecurityGroup(child_name(name, "pe-nsg"), **common, opts=child)
        aks_nsg = network.NetworkSecurityGroup(child_name(name, "aks-nsg"), **common, opts=child)
        return agent_nsg, pe_nsg, aks_nsg

    def _subnets(
        self,
        name: str,
        plan: NetworkPlan,
        group: pulumi.Input[str],
        vnet: network.VirtualNetwork,
        nsgs: tuple[network.NetworkSecurityGroup, ...],
    ) -> tuple[network.Subnet, network.Subnet, network.Subnet]:
        """The three subnets, one after another: Azure refuses concurrent subnet writes."""
        endpoints = list(egress.AGENT_SUBNET_SERVICE_ENDPOINTS)
        if not plan.registry_uses_private_link:
            endpoints.append(egress.REGISTRY_SERVICE_ENDPOINT)
        agent_subnet = network.Subnet(
            child_name(name, "agent-subnet"),
            resource_group_name=group,
            virtual_network_name=vnet.name,
            address_prefix=str(plan.agent_subnet),
            network_security_group=network.NetworkSecurityGroupArgs(id=nsgs[0].id),
            service_endpoints=[
                network.ServiceEndpointPropertiesFormatArgs(service=s) for s in endpoints
            ],
            opts=pulumi.ResourceOptions(parent=vnet),
        )
        pe_subnet = network.Subnet(
            child_name(name, "pe-subnet"),
            resource_group_name=group,
            virtual_network_name=vnet.name,
            address_prefix=str(plan.private_endpoint_subnet),
            network_security_group=network.NetworkSecurityGroupArgs(id=nsgs[1].id),
            # Enabled makes the NSG apply to private endpoint traffic as well.
            private_endpoint_network_policies="Enabled",
            opts=pulumi.ResourceOptions(parent=vnet, depends_on=[agent_subnet]),
        )
        aks_subnet = network.Subnet(
            child_name(name, "aks-subnet"),
            resource_group_name=group,
            virtual_network_name=vnet.name,
            address_prefix=str(plan.aks_subnet),
            network_security_group=network.NetworkSecurityGroupArgs(id=nsgs[2].id),
            opts=pulumi.ResourceOptions(parent=vnet, depends_on=[pe_subnet]),
        )
        return agent_subnet, pe_subnet, aks_subnet
