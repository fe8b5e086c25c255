"""The build network: a VNet with the agent, private-endpoint and AKS subnets, each behind an NSG.

The agent subnet carries the service endpoints and the outbound rules a VNet-injected ACR
Tasks agent pool needs (``egress.REQUIRED_EGRESS``); without them a pool fails to provision or
its runs hang in ``Queued``. Subnets are created one after another because Azure rejects
concurrent writes to subnets of one VNet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired

import pulumi
from pulumi_azure_native import network

from private_acr_rules import cidr, egress
from private_acr_tasks._common import SharedArgs, child_name, type_token
from private_acr_tasks.errors import ComponentArgsError


class NetworkArgs(SharedArgs):
    """Arguments of :class:`Network`."""

    address_space: str
    """VNet address space, e.g. ``10.40.0.0/16``. Plain: it is validated before creation."""
    agent_subnet_prefix: str
    """Subnet for the ACR Tasks agent pool, e.g. ``10.40.1.0/24``."""
    private_endpoint_subnet_prefix: str
    """Subnet for private endpoints (at least a /29)."""
    aks_subnet_prefix: str
    """Subnet for the AKS nodes."""
    dns_servers: NotRequired[Sequence[str]]
    """Custom DNS servers for the VNet; the agents inherit them. Default: Azure DNS."""
    registry_uses_private_link: NotRequired[bool]
    """When True (default) the agent subnet gets no ``Microsoft.ContainerRegistry`` service
    endpoint: ACR cannot use a private endpoint and a service endpoint from one VNet."""
    docker_bridge_cidr: NotRequired[str]
    """The range ACR Tasks builds use for Docker's bridge; no range here may overlap it.
    Default ``172.17.0.0/16``."""


def _check(args: NetworkArgs) -> list[str]:
    problems: list[str] = []
    parsed: dict[str, cidr.Network] = {}
    fields = {
        "address_space": args.get("address_space"),
        "agent_subnet_prefix": args.get("agent_subnet_prefix"),
        "private_endpoint_subnet_prefix": args.get("private_endpoint_subnet_prefix"),
        "aks_subnet_prefix": args.get("aks_subnet_prefix"),
        "docker_bridge_cidr": args.get("docker_bridge_cidr", cidr.DEFAULT_DOCKER_BRIDGE_CIDR),
    }
    for field, value in fields.items():
        result = cidr.parse_cidr(value)
        label = f"NetworkArgs.{field}"
        if result.network is None:
            problems.append(f"{label}: got {value!r}; {result.error}")
        elif result.host_bits_set and field != "docker_bridge_cidr":
            problems.append(f"{label}: got {value!r}; expected {result.network} (host bits set)")
        else:
            parsed[field] = result.network
    dns: list[cidr.Labelled] = []
    for index, server in enumerate(args.get("dns_servers", ())):
        address = cidr.parse_address(server)
        if address is None:
            problems.append(f"NetworkArgs.dns_servers[{index}]: got {server!r}; expected an IP")
        else:
            dns.append(cidr.Labelled(cidr.as_network(address), f"NetworkArgs.dns_servers[{index}]"))
    if problems:
        return problems
    space = cidr.Labelled(parsed["address_space"], "NetworkArgs.address_space")
    subnets = [
        cidr.Labelled(parsed[f], f"NetworkArgs.{f}")
        for f in ("agent_subnet_prefix", "private_endpoint_subnet_prefix", "aks_subnet_prefix")
    ]
    problems.extend(cidr.subnet_plan_problems([space], subnets))
    for subnet in subnets:
        problems.extend(cidr.subnet_size_problems(subnet.label, subnet.network, minimum_prefix=29))
    problems.extend(
        f"{item.label}: {item.network} overlaps the Docker bridge {parsed['docker_bridge_cidr']}"
        for item in cidr.bridge_conflicts(parsed["docker_bridge_cidr"], [space, *subnets, *dns])
    )
    return problems


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
    ``<name>-agent-subnet``, ``<name>-pe-subnet``, ``<name>-aks-subnet``.
    """

    vnet_id: pulumi.Output[str]
    """ARM id of the VNet."""
    vnet_name: pulumi.Output[str]
    agent_subnet_id: pulumi.Output[str]
    """ARM id of the agent subnet, complete with its NSG and service endpoints."""
    private_endpoint_subnet_id: pulumi.Output[str]
    aks_subnet_id: pulumi.Output[str]
    agent_nsg_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = _check(args)
        if problems:
            raise ComponentArgsError(problems)
        super().__init__(type_token("Network"), name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        common: dict[str, Any] = {
            "resource_group_name": args["resource_group_name"],
            "location": args["location"],
            "tags": dict(args.get("tags", {})),
        }

        agent_nsg = network.NetworkSecurityGroup(
            child_name(name, "agent-nsg"),
            security_rules=[_security_rule(r) for r in egress.agent_pool_security_rules()],
            **common,
            opts=child,
        )
        pe_nsg = network.NetworkSecurityGroup(child_name(name, "pe-nsg"), **common, opts=child)
        aks_nsg = network.NetworkSecurityGroup(child_name(name, "aks-nsg"), **common, opts=child)

        dns_servers = list(args.get("dns_servers", ()))
        vnet = network.VirtualNetwork(
            child_name(name, "vnet"),
            address_space=network.AddressSpaceArgs(address_prefixes=[args["address_space"]]),
            dhcp_options=network.DhcpOptionsArgs(dns_servers=dns_servers) if dns_servers else None,
            **common,
            # Subnets are standalone resources below; the VNet must not reconcile an inline
            # list against them or an update would try to remove them.
            opts=child.merge(pulumi.ResourceOptions(ignore_changes=["subnets"])),
        )

        endpoints = list(egress.AGENT_SUBNET_SERVICE_ENDPOINTS)
        if not args.get("registry_uses_private_link", True):
            endpoints.append(egress.REGISTRY_SERVICE_ENDPOINT)
        agent_subnet = network.Subnet(
            child_name(name, "agent-subnet"),
            resource_group_name=args["resource_group_name"],
            virtual_network_name=vnet.name,
            address_prefix=args["agent_subnet_prefix"],
            network_security_group=network.NetworkSecurityGroupArgs(id=agent_nsg.id),
            service_endpoints=[
                network.ServiceEndpointPropertiesFormatArgs(service=s) for s in endpoints
            ],
            opts=pulumi.ResourceOptions(parent=vnet),
        )
        pe_subnet = network.Subnet(
            child_name(name, "pe-subnet"),
            resource_group_name=args["resource_group_name"],
            virtual_network_name=vnet.name,
            address_prefix=args["private_endpoint_subnet_prefix"],
            network_security_group=network.NetworkSecurityGroupArgs(id=pe_nsg.id),
            # Enabled makes the NSG apply to private endpoint traffic as well.
            private_endpoint_network_policies="Enabled",
            opts=pulumi.ResourceOptions(parent=vnet, depends_on=[agent_subnet]),
        )
        aks_subnet = network.Subnet(
            child_name(name, "aks-subnet"),
            resource_group_name=args["resource_group_name"],
            virtual_network_name=vnet.name,
            address_prefix=args["aks_subnet_prefix"],
            network_security_group=network.NetworkSecurityGroupArgs(id=aks_nsg.id),
            opts=pulumi.ResourceOptions(parent=vnet, depends_on=[pe_subnet]),
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
