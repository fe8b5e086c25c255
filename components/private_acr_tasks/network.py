"""The build network: a VNet with the agent, private-endpoint and AKS subnets, each behind an NSG.

The agent subnet carries the service endpoints and the outbound rules a VNet-injected ACR
Tasks agent pool needs (``egress.REQUIRED_EGRESS``); without them a pool fails to provision or
its runs hang in ``Queued``. Subnets are created one after another because Azure rejects
concurrent writes to subnets of one VNet.

In an Azure Landing Zone the network often belongs to the platform team. Three modes:

- create (default): the VNet, its subnets and their NSGs;
- ``existing_vnet_id``: our subnets and NSGs inside a VNet owned elsewhere (the spoke);
- ``existing_subnet_ids``: subnets owned elsewhere, used as they are; nothing is created, and
  ``preflight.verify_existing_network`` checks them before anything registers.

The address fields are declared in every mode: they are validated the same way, and against
existing subnets they are what the preflight expects to find.

Egress. By default (``agent_egress`` restricted) the agent NSG allows the flows the agents
need, Microsoft Container Registry, the build destinations and the ``agent_egress_allow``
entries, and ends with a Deny of ``Internet`` (``egress.agent_nsg_rules``): a build cannot send
what it reads to an arbitrary address. ``open`` keeps Azure's ``AllowInternetOutBound`` in
force, as before, with a warning. A build context or base image on the public internet (a
GitHub repository, Docker Hub) then needs an ``agent_egress_allow`` entry or a firewall.

Beyond Azure's services a build may need private destinations (``build_destinations``: an
internal registry at an address and port); each becomes an outbound Allow rule on every agent
NSG, built by ``egress.build_destination_rules`` after the required rules. Azure's default rules
already allow traffic inside the VNet and its peerings (AllowVnetOutBound), so the rule is what
keeps the path open once a landing zone adds a deny-all outbound rule, and it documents the
dependency. A pool that should not share the agent subnet gets its own
(``pool_subnet_prefixes``), with its own NSG carrying the same rules and the same service
endpoints.
"""

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NotRequired, TypedDict, cast

import pulumi
from pulumi_azure_native import network

from private_acr_rules import arm, cidr, egress, naming
from private_acr_rules.nsg_rule import NsgRule
from private_acr_rules.validation import FieldReader
from private_acr_tasks._common import (
    PlannedComponent,
    SharedArgs,
    child_name,
    known_fields,
    tags_of,
    type_token,
)

DEFAULT_DOCKER_BRIDGE = ipaddress.IPv4Network(cidr.DEFAULT_DOCKER_BRIDGE_CIDR)


class NetworkExistingSubnetsArgs(TypedDict):
    """The three subnets of an existing network, by ARM id."""

    agent: str
    """The subnet the agent pool is injected into."""
    private_endpoint: str
    """The subnet the private endpoints go into."""
    aks: str
    """The AKS node subnet."""


class NetworkBuildDestinationArgs(TypedDict):
    """A private destination the builds reach (a ``build_destinations`` value)."""

    address: str
    """Where it is: an IPv4 CIDR such as ``10.70.4.0/24``, or one address."""
    port: NotRequired[int]
    """TCP port. Default 443."""


class NetworkEgressAllowArgs(TypedDict):
    """A destination the builds reach beyond what they need (an ``agent_egress_allow`` entry)."""

    name: str
    """A short name: 1-30 lower-case letters, digits or '-'; the rule is ``allow-<name>-outbound``."""
    destination: str
    """An IPv4 CIDR or address, or a service tag such as ``AzureCloud.WestEurope``; never
    ``Internet`` or ``*`` (that is ``agent_egress: open``)."""
    ports: NotRequired[Sequence[int]]
    """TCP ports. Default ``[443]``."""


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
    existing_vnet_id: NotRequired[str]
    """ARM id of a VNet owned elsewhere (a landing-zone spoke): the subnets and their NSGs are
    created in it and no VNet is. It must be in the subscription of the component's provider
    (Azure associates a subnet only with an NSG of its VNet's subscription;
    ``preflight.verify_existing_network`` checks it). Default: a VNet is created."""
    existing_subnet_ids: NotRequired[NetworkExistingSubnetsArgs]
    """Subnets owned elsewhere, used as they are: no VNet, subnet, NSG or service endpoint is
    created. All three, in one VNet. Default: subnets are created."""
    firewall_policy_id: NotRequired[str]
    """ARM id of the Azure Firewall policy behind the spoke's default route, so the preflight
    can check it lets the agents out. Default: not checked (a warning lists what it must allow)."""
    build_destinations: NotRequired[Mapping[str, NetworkBuildDestinationArgs]]
    """Private destinations the builds reach (an internal registry...), keyed by what they are
    (the key is shown in the rule's description, e.g. a login server): each adds an outbound
    Allow rule for TCP to its address and port to every agent NSG. Default: none."""
    agent_egress: NotRequired[egress.AgentEgress]
    """``restricted``: the agent NSG ends with a Deny of ``Internet`` below its Allow rules, so
    builds reach only what they need, Microsoft Container Registry, the build destinations and
    ``agent_egress_allow``. ``open``: Azure's ``AllowInternetOutBound`` stays in force (a
    warning says so). Default restricted."""
    agent_egress_allow: NotRequired[Sequence[NetworkEgressAllowArgs]]
    """More destinations the builds reach, each an outbound Allow rule for TCP above the Deny,
    e.g. ``[{"name": "github", "destination": "140.82.112.0/20", "ports": [443]}]``. Default:
    none."""
    pool_subnet_prefixes: NotRequired[Mapping[str, str]]
    """Agent subnets of their own for pools that should not share the agent subnet, by a short
    key (part of the names ``<name>-agent-<key>-subnet`` and ``<name>-agent-<key>-nsg``), e.g.
    ``{"heavy": "10.40.3.0/24"}``. Each gets an NSG with the agent rules and the agent service
    endpoints. Not with ``existing_subnet_ids``. Default: none."""


class NetworkMode(StrEnum):
    """Which part of the network this stack creates."""

    CREATE = "create"
    """The VNet, subnets and NSGs."""
    EXISTING_VNET = "existingVnet"
    """Subnets and NSGs in a VNet owned elsewhere."""
    EXISTING_SUBNETS = "existingSubnets"
    """Nothing: the subnets are owned elsewhere."""


@dataclass(frozen=True)
class ExistingVnet:
    """A VNet by ARM id, with the group and name (as written) its subnets are created under."""

    id: str
    resource_group: str
    name: str


@dataclass(frozen=True)
class ExistingSubnets:
    agent: str
    private_endpoint: str
    aks: str

    @property
    def vnet_id(self) -> str:
        """The VNet of the subnets (validation holds all three to one), as written."""
        return arm.parent_id(self.agent) or self.agent

    @property
    def by_role(self) -> dict[str, str]:
        return {"agent": self.agent, "private_endpoint": self.private_endpoint, "aks": self.aks}


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
    existing_vnet: ExistingVnet | None = None
    existing_subnets: ExistingSubnets | None = None
    firewall_policy_id: str | None = None
    build_destinations: tuple[egress.BuildDestination, ...] = ()
    pool_subnets: Mapping[str, ipaddress.IPv4Network] = field(
        default_factory=dict[str, ipaddress.IPv4Network]
    )
    agent_egress: egress.AgentEgress = egress.AgentEgress.RESTRICTED
    egress_allow: tuple[egress.EgressAllowance, ...] = ()

    @property
    def subnets(self) -> tuple[ipaddress.IPv4Network, ...]:
        return (self.agent_subnet, self.private_endpoint_subnet, self.aks_subnet)

    @property
    def agent_rules(self) -> tuple[NsgRule, ...]:
        """The rules of every agent NSG (``egress.agent_nsg_rules``)."""
        return egress.agent_nsg_rules(self.agent_egress, self.build_destinations, self.egress_allow)

    @property
    def mode(self) -> NetworkMode:
        if self.existing_subnets is not None:
            return NetworkMode.EXISTING_SUBNETS
        if self.existing_vnet is not None:
            return NetworkMode.EXISTING_VNET
        return NetworkMode.CREATE


def _names_as_written(resource_id: str) -> tuple[str, str]:
    """Resource group and last name of an id ``parse_id`` accepted, in their original case."""
    parts = arm.written(resource_id)
    assert parts is not None, resource_id  # validated before
    return parts.resource_group, parts.names[-1]


def _existing_vnet(fields: FieldReader) -> ExistingVnet | None:
    vnet_id = fields.arm_id(
        "existing_vnet_id",
        "microsoft.network",
        ("virtualnetworks",),
        "the ARM id of a VNet: /subscriptions/<id>/resourceGroups/<group>/providers/"
        "Microsoft.Network/virtualNetworks/<name>",
    )
    if vnet_id is None:
        return None
    group, name = _names_as_written(vnet_id)
    return ExistingVnet(vnet_id, group, name)


def _firewall_policy(fields: FieldReader) -> str | None:
    return fields.arm_id(
        "firewall_policy_id",
        "microsoft.network",
        ("firewallpolicies",),
        "the ARM id of an Azure Firewall policy (.../providers/Microsoft.Network/firewallPolicies/<name>)",
    )


_SUBNET_ROLES = ("agent", "private_endpoint", "aks")


def _existing_subnets(fields: FieldReader) -> ExistingSubnets | None:
    if not fields.present("existing_subnet_ids"):
        return None
    values = fields.mapping("existing_subnet_ids", "an object with agent, private_endpoint and aks")
    nested = fields.nested("existing_subnet_ids", values)
    nested.reject_unknown(_SUBNET_ROLES)
    ids: dict[str, str] = {}
    for role in _SUBNET_ROLES:
        if nested.require(role, "give all three subnet ids or none") is None:
            continue
        subnet_id = nested.arm_id(
            role,
            "microsoft.network",
            ("virtualnetworks", "subnets"),
            "the ARM id of a subnet (.../virtualNetworks/<vnet>/subnets/<name>)",
        )
        if subnet_id is not None:
            ids[role] = subnet_id
    if len(ids) < 3:
        return None
    subnets = ExistingSubnets(ids["agent"], ids["private_endpoint"], ids["aks"])
    vnets = {key.parent() for i in ids.values() if (key := arm.parse_id(i)) is not None}
    if len(vnets) > 1:
        fields.problem("existing_subnet_ids", "the three subnets must be in one VNet")
    if len(set(ids.values())) < 3:
        fields.problem("existing_subnet_ids", "the three subnets must be three different subnets")
    return subnets


SUBNET_FIELDS = ("agent_subnet_prefix", "private_endpoint_subnet_prefix", "aks_subnet_prefix")


def _build_destinations(fields: FieldReader) -> tuple[egress.BuildDestination, ...]:
    entries = fields.mapping("build_destinations", "a map of names to {address, port}")
    found: list[egress.BuildDestination] = []
    for key, entry in entries.items():
        path = f"build_destinations.{key}"
        if not isinstance(entry, Mapping):
            fields.invalid(path, entry, "an object with address and port")
            continue
        nested = fields.nested(path, cast(Mapping[str, object], entry))
        nested.reject_unknown(known_fields(NetworkBuildDestinationArgs))
        address = nested.require("address")
        reached = None if address is None else nested.network_value("address", _as_cidr(address))
        port = nested.whole("port", 1, 65535, egress.BUILD_DESTINATION_PORT)
        if reached is not None:
            found.append(egress.BuildDestination(str(key), reached, port))
    return tuple(found)


_ALLOW_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,29}$")
_SERVICE_TAG = re.compile(r"^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)?$")
_EVERYWHERE = frozenset({"*", "any", "internet", "0.0.0.0/0"})


def _egress_allow(
    fields: FieldReader, bridge: ipaddress.IPv4Network | None
) -> tuple[egress.EgressAllowance, ...]:
    """The ``agent_egress_allow`` entries: a name, a CIDR or service tag, TCP ports."""
    entries = fields.items("agent_egress_allow", "a list of {name, destination, ports}")
    found: list[egress.EgressAllowance] = []
    names: set[str] = set()
    for index, entry in enumerate(entries):
        path = f"agent_egress_allow[{index}]"
        if not isinstance(entry, Mapping):
            fields.invalid(path, entry, "an object with name, destination and ports")
            continue
        nested = fields.nested(path, cast(Mapping[str, object], entry))
        nested.reject_unknown(known_fields(NetworkEgressAllowArgs))
        name = nested.text("name", _ALLOW_NAME, "1-30 lower-case letters, digits or '-'")
        if name is not None and name in names:
            nested.problem("name", f"{name!r} is used by an earlier entry; names must differ")
        names.add(name or "")
        destination = _egress_destination(nested, bridge, fields.label("agent_egress"))
        ports = _ports(nested)
        if name and destination and ports:
            found.append(egress.EgressAllowance(name, destination, ports))
    if len(entries) > egress.EGRESS_ALLOW_MAX:
        fields.problem(
            "agent_egress_allow",
            f"has {len(entries)} entries; at most {egress.EGRESS_ALLOW_MAX} fit the agent NSG "
            "(use a CIDR that holds several, or a firewall)",
        )
    return tuple(found)


_DESTINATION = "an IPv4 CIDR or address, or a service tag such as AzureCloud.WestEurope"


def _egress_destination(
    nested: FieldReader, bridge: ipaddress.IPv4Network | None, open_key: str
) -> str | None:
    """``open_key`` names the ``agent_egress`` key as the caller spelt it."""
    value = nested.require("destination", _DESTINATION)
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() in _EVERYWHERE:
        nested.problem(
            "destination",
            f"got {value!r}, which opens every internet address; set {open_key} to open "
            "instead, or name the addresses",
        )
        return None
    if isinstance(value, str) and _SERVICE_TAG.fullmatch(value.strip()):
        return value.strip()
    if cidr.parse_cidr(_as_cidr(value)).network is None:
        nested.invalid("destination", value, _DESTINATION)
        return None
    network = nested.network_value("destination", _as_cidr(value))
    if network is None:
        return None
    if bridge is not None and network.overlaps(bridge):
        nested.problem(
            "destination",
            f"{network} overlaps the Docker bridge {bridge}; the builds could not reach it",
        )
        return None
    return str(network)


def _ports(nested: FieldReader) -> tuple[int, ...]:
    if not nested.present("ports"):
        return (egress.BUILD_DESTINATION_PORT,)
    values = nested.items("ports", "a list of TCP ports, e.g. [443]")
    ports = [
        port
        for index, value in enumerate(values)
        if (port := _port(nested, f"ports[{index}]", value)) is not None
    ]
    if not values:
        nested.problem("ports", "is empty; list at least one TCP port, e.g. [443]")
    return tuple(dict.fromkeys(ports))


def _port(nested: FieldReader, path: str, value: object) -> int | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # integers reach a component from other languages as floats
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535:
        return value
    nested.invalid(path, value, "a TCP port, 1-65535")
    return None


def _as_cidr(value: object) -> object:
    """A single address stands for itself (``10.70.4.10`` is ``10.70.4.10/32``)."""
    return f"{value}/32" if isinstance(value, str) and cidr.parse_address(value) else value


def _pool_subnets(fields: FieldReader) -> dict[str, ipaddress.IPv4Network]:
    entries = fields.mapping("pool_subnet_prefixes", "a map of short keys to IPv4 CIDRs")
    nested = fields.nested("pool_subnet_prefixes", entries)
    subnets: dict[str, ipaddress.IPv4Network] = {}
    for key, value in entries.items():
        if not naming.CHILD_KEY.fullmatch(key):
            nested.invalid(
                key, key, "a key of lower-case letters, digits or '-' (it names the subnet)"
            )
        elif (parsed := nested.network_value(key, value)) is not None:
            subnets[key] = parsed
    if fields.present("existing_subnet_ids"):
        for key in subnets:
            nested.problem(
                key,
                "a pool subnet of its own would be created by the stack, which creates no subnet "
                f"with {fields.label('existing_subnet_ids')}; remove it, and the pool runs in "
                "the existing agent subnet with the others",
            )
    return subnets


def _range_problems(
    fields: FieldReader, spaces: list[cidr.Labelled], subnets: list[cidr.Labelled]
) -> None:
    """Subnets inside the address space, apart from each other, each at least Azure's smallest."""
    if spaces:
        fields.problems.extend(cidr.subnet_plan_problems(spaces, subnets))
    for item in subnets:
        fields.problems.extend(
            cidr.subnet_size_problems(
                item.label, item.network, minimum_prefix=cidr.SMALLEST_AZURE_SUBNET_PREFIX
            )
        )


def validate_network(fields: FieldReader) -> NetworkPlan | None:
    """Every problem with a network's plain arguments, named through ``fields.label``."""
    mark = fields.mark()
    space = fields.network("address_space")
    agent, endpoints, aks = (fields.network(field) for field in SUBNET_FIELDS)
    dns = fields.addresses("dns_servers")
    private_link = fields.flag("registry_uses_private_link", True)
    bridge = fields.network("docker_bridge_cidr", DEFAULT_DOCKER_BRIDGE)
    existing_vnet = _existing_vnet(fields)
    existing_subnets = _existing_subnets(fields)
    firewall_policy = _firewall_policy(fields)
    destinations = _build_destinations(fields)
    pool_subnets = _pool_subnets(fields)
    agent_egress = fields.choice("agent_egress", egress.AgentEgress, egress.AgentEgress.RESTRICTED)
    allowed = _egress_allow(fields, bridge)
    if len(destinations) > egress.BUILD_DESTINATION_MAX:
        fields.problem(
            "build_destinations",
            f"has {len(destinations)} entries; at most {egress.BUILD_DESTINATION_MAX} fit the "
            "agent NSG",
        )
    if existing_vnet is not None and existing_subnets is not None:
        fields.problem(
            "existing_subnet_ids",
            f"give {fields.label('existing_vnet_id')} or {fields.label('existing_subnet_ids')}, not both",
        )
    label = fields.label
    parsed = zip((agent, endpoints, aks), SUBNET_FIELDS, strict=True)
    subnets = [cidr.Labelled(net, label(field)) for net, field in parsed if net is not None]
    subnets += [
        cidr.Labelled(net, label(f"pool_subnet_prefixes.{key}"))
        for key, net in pool_subnets.items()
    ]
    spaces = [] if space is None else [cidr.Labelled(space, label("address_space"))]
    _range_problems(fields, spaces, subnets)
    servers = [
        cidr.Labelled(cidr.as_network(server), label(f"dns_servers[{index}]"))
        for index, server in enumerate(dns)
    ]
    reached = [
        cidr.Labelled(d.network, label(f"build_destinations.{d.label}.address"))
        for d in destinations
    ]
    fields.problems.extend(
        cidr.bridge_conflict_problems(
            bridge, label("docker_bridge_cidr"), [*spaces, *subnets, *servers, *reached]
        )
    )
    if fields.failed_since(mark) or not (space and agent and endpoints and aks):
        return None
    return NetworkPlan(
        space,
        agent,
        endpoints,
        aks,
        dns,
        private_link,
        bridge,
        existing_vnet,
        existing_subnets,
        firewall_policy,
        destinations,
        pool_subnets,
        agent_egress,
        allowed,
    )


def _security_rule(rule: NsgRule) -> network.SecurityRuleArgs:
    """The azure-native form of a rule: its fields, by the same names."""
    return network.SecurityRuleArgs(
        name=rule.name,
        priority=rule.priority,
        direction=rule.direction,
        access=rule.access,
        protocol=rule.protocol,
        description=rule.description,
        source_address_prefix=rule.source_address_prefix,
        source_port_range=rule.source_port_range,
        destination_address_prefix=rule.destination_address_prefix,
        destination_port_range=rule.destination_port_range,
        destination_port_ranges=list(rule.destination_port_ranges) or None,
    )


@dataclass(frozen=True)
class _SubnetPlacement:
    """Where subnets are created: the VNet's group and name, and their parent resource."""

    group: pulumi.Input[str]
    vnet_name: pulumi.Input[str]
    parent: pulumi.Resource


def _agent_service_endpoints(
    plan: NetworkPlan,
) -> list[network.ServiceEndpointPropertiesFormatArgs]:
    services = list(egress.AGENT_SUBNET_SERVICE_ENDPOINTS)
    if not plan.registry_uses_private_link:
        services.append(egress.REGISTRY_SERVICE_ENDPOINT)
    return [network.ServiceEndpointPropertiesFormatArgs(service=s) for s in services]


class Network(
    PlannedComponent[NetworkPlan, SharedArgs], args=NetworkArgs, validate=validate_network
):
    """VNet, three subnets and three NSGs for private ACR Tasks builds next to AKS.

    Children: ``<name>-vnet``; ``<name>-agent-nsg``, ``<name>-pe-nsg``, ``<name>-aks-nsg``;
    ``<name>-agent-subnet``, ``<name>-pe-subnet``, ``<name>-aks-subnet`` (children of the VNet);
    per pool subnet ``<name>-agent-<key>-nsg`` and ``<name>-agent-<key>-subnet``.
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
    pool_subnet_ids: pulumi.Output[dict[str, str]]
    """ARM id of each pool subnet (``pool_subnet_prefixes``), by its key."""

    def __init__(
        self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        self._construct(name, self.plan(args), args, opts)

    def _build(
        self,
        name: str,
        plan: NetworkPlan,
        inputs: SharedArgs,
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        super().__init__(type_token("Network"), name, {}, opts)
        if plan.agent_egress is egress.AgentEgress.OPEN and plan.existing_subnets is None:
            pulumi.log.warn(
                "agent egress is open: the agent NSG leaves Azure's AllowInternetOutBound in "
                "force, so a build can send what it reads (the private artifact, the vault's "
                "secrets) to any internet address; restricted (the default) denies Internet "
                "below the rules the agents need",
                resource=self,
            )
        if plan.existing_subnets is not None:
            self._use_existing_subnets(plan.existing_subnets)
        else:
            self._create(name, plan, inputs)
        self.register_outputs(
            {
                "vnet_id": self.vnet_id,
                "vnet_name": self.vnet_name,
                "agent_subnet_id": self.agent_subnet_id,
                "private_endpoint_subnet_id": self.private_endpoint_subnet_id,
                "aks_subnet_id": self.aks_subnet_id,
                "agent_nsg_id": self.agent_nsg_id,
                "pool_subnet_ids": self.pool_subnet_ids,
            }
        )

    def _use_existing_subnets(self, subnets: ExistingSubnets) -> None:
        self.vnet_id = pulumi.Output.from_input(subnets.vnet_id)
        self.vnet_name = pulumi.Output.from_input(_names_as_written(subnets.vnet_id)[1])
        self.agent_subnet_id = pulumi.Output.from_input(subnets.agent)
        self.private_endpoint_subnet_id = pulumi.Output.from_input(subnets.private_endpoint)
        self.aks_subnet_id = pulumi.Output.from_input(subnets.aks)
        self.agent_nsg_id = pulumi.Output.from_input("")
        self.pool_subnets: dict[str, pulumi.Output[str]] = {}
        self.pool_subnet_ids = pulumi.Output.from_input({})

    def _create(self, name: str, plan: NetworkPlan, placement: SharedArgs) -> None:
        common: dict[str, Any] = {
            "resource_group_name": placement["resource_group_name"],
            "location": placement["location"],
            "tags": tags_of(placement),
        }
        nsgs = self._security_groups(name, plan, common)
        if plan.existing_vnet is not None:
            vnet_id: pulumi.Output[str] = pulumi.Output.from_input(plan.existing_vnet.id)
            vnet_name: pulumi.Output[str] = pulumi.Output.from_input(plan.existing_vnet.name)
            group: pulumi.Input[str] = plan.existing_vnet.resource_group
            parent: pulumi.Resource = self
        else:
            vnet = self._vnet(name, plan, common)
            vnet_id, vnet_name, group, parent = (
                vnet.id,
                vnet.name,
                common["resource_group_name"],
                vnet,
            )
        agent, endpoints, aks = self._subnets(
            name, plan, group=group, vnet_name=vnet_name, parent=parent, nsgs=nsgs
        )
        placed = _SubnetPlacement(group, vnet_name, parent)
        self.pool_subnets = {
            key: subnet.id
            for key, subnet in self._pool_subnets(name, plan, common, placed, after=aks).items()
        }
        self.vnet_id = vnet_id
        self.vnet_name = vnet_name
        self.agent_subnet_id = agent.id
        self.private_endpoint_subnet_id = endpoints.id
        self.aks_subnet_id = aks.id
        self.agent_nsg_id = nsgs[0].id
        self.pool_subnet_ids = pulumi.Output.all(**self.pool_subnets).apply(dict)

    def _vnet(self, name: str, plan: NetworkPlan, common: dict[str, Any]) -> network.VirtualNetwork:
        dns_servers = [str(server) for server in plan.dns_servers]
        return network.VirtualNetwork(
            child_name(name, "vnet"),
            address_space=network.AddressSpaceArgs(address_prefixes=[str(plan.address_space)]),
            dhcp_options=network.DhcpOptionsArgs(dns_servers=dns_servers) if dns_servers else None,
            **common,
            # Subnets are standalone resources below; the VNet must not reconcile an inline
            # list against them or an update would try to remove them.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["subnets"]),
        )

    def _security_groups(
        self, name: str, plan: NetworkPlan, common: dict[str, Any]
    ) -> tuple[network.NetworkSecurityGroup, ...]:
        child = pulumi.ResourceOptions(parent=self)
        agent_nsg = network.NetworkSecurityGroup(
            child_name(name, "agent-nsg"),
            security_rules=[_security_rule(r) for r in plan.agent_rules],
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
        *,
        group: pulumi.Input[str],
        vnet_name: pulumi.Input[str],
        parent: pulumi.Resource,
        nsgs: tuple[network.NetworkSecurityGroup, ...],
    ) -> tuple[network.Subnet, network.Subnet, network.Subnet]:
        """The three subnets, one after another: Azure refuses concurrent subnet writes."""
        agent_subnet = network.Subnet(
            child_name(name, "agent-subnet"),
            resource_group_name=group,
            virtual_network_name=vnet_name,
            address_prefix=str(plan.agent_subnet),
            network_security_group=network.NetworkSecurityGroupArgs(id=nsgs[0].id),
            service_endpoints=_agent_service_endpoints(plan),
            opts=pulumi.ResourceOptions(parent=parent),
        )
        pe_subnet = network.Subnet(
            child_name(name, "pe-subnet"),
            resource_group_name=group,
            virtual_network_name=vnet_name,
            address_prefix=str(plan.private_endpoint_subnet),
            network_security_group=network.NetworkSecurityGroupArgs(id=nsgs[1].id),
            # Enabled makes the NSG apply to private endpoint traffic as well.
            private_endpoint_network_policies="Enabled",
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[agent_subnet]),
        )
        aks_subnet = network.Subnet(
            child_name(name, "aks-subnet"),
            resource_group_name=group,
            virtual_network_name=vnet_name,
            address_prefix=str(plan.aks_subnet),
            network_security_group=network.NetworkSecurityGroupArgs(id=nsgs[2].id),
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[pe_subnet]),
        )
        return agent_subnet, pe_subnet, aks_subnet

    def _pool_subnets(
        self,
        name: str,
        plan: NetworkPlan,
        common: dict[str, Any],
        placed: _SubnetPlacement,
        *,
        after: network.Subnet,
    ) -> dict[str, network.Subnet]:
        """A subnet and NSG per pool subnet, each subnet after the one before it."""
        subnets: dict[str, network.Subnet] = {}
        previous = after
        for key, prefix in sorted(plan.pool_subnets.items()):
            nsg = network.NetworkSecurityGroup(
                child_name(name, "agent", key, "nsg"),
                security_rules=[_security_rule(r) for r in plan.agent_rules],
                **common,
                opts=pulumi.ResourceOptions(parent=self),
            )
            previous = subnets[key] = network.Subnet(
                child_name(name, "agent", key, "subnet"),
                resource_group_name=placed.group,
                virtual_network_name=placed.vnet_name,
                address_prefix=str(prefix),
                network_security_group=network.NetworkSecurityGroupArgs(id=nsg.id),
                service_endpoints=_agent_service_endpoints(plan),
                opts=pulumi.ResourceOptions(parent=placed.parent, depends_on=[previous]),
            )
        return subnets
