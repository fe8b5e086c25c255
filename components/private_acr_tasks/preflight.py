"""Before a stack builds on subnets it did not create, check that they can host it.

With ``network.existingSubnetIds`` nothing of the network is ours, so nothing guarantees what
an agent pool needs from its subnet (Learn, tasks-agent-pools: the outbound rules and service
endpoints) or that the subnets are the ones the config declares. At ``pulumi preview`` and
``pulumi up`` this looks the subnets up (azure-native ``getSubnet``), and the agent subnet's
NSG and route table, and refuses to go on, with one message naming each subnet and what is
wrong, before anything is registered. The NSG is judged by the same evaluator the policy pack
uses (``private_acr_rules.egress``).

The agent subnet's route table decides where each required flow goes
(``private_acr_rules.routes``: longest prefix over its routes and Azure's system routes): to
next hop ``None`` it is dropped, which is refused naming the route; to a virtual appliance (a
hub firewall) or a gateway an NSG Allow does not prove the agents can get out, so with
``network.firewallPolicyId`` the firewall policy, with its ``basePolicy`` chain and IP Groups,
is checked for those flows (``private_acr_rules.firewall``, the evaluator the pack uses);
without it a warning lists exactly the flows the firewall must allow.

A lookup that comes back empty (the offline preview without ``--existing``) cannot verify
anything: that is a warning, not an error.

Subscriptions. Every lookup is made in the subscription its ARM id names. The stack's own
network ids (``network.existingVnetId``, ``network.existingSubnetIds``) must be in the
subscription the stack deploys to (the provider's, which ``getClientConfig`` answers):
Azure associates a subnet only with an NSG of the VNet's subscription (Learn,
virtual-network-manage-subnet, "Network security group") and places a private endpoint only
in its VNet's subscription (Learn, private-endpoint-overview, "Private endpoint properties"),
so a network in another subscription is refused naming the key, never used as if it were in
the provider's. The firewall policy (``network.firewallPolicyId``), its parents, rule
collection groups and IP Groups usually live in the hub's subscription: they are read there,
through an explicit azure-native provider for that subscription with the stack's other
provider settings (cloud, tenant, credentials).
"""

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

import pulumi
import pulumi_azure_native as azure_native
from pulumi.runtime import invoke
from pulumi.runtime.config import is_config_secret

from private_acr_rules import arm, cidr, documents, egress, firewall, nsg, reach, routes
from private_acr_rules.unknown import UNKNOWN
from private_acr_tasks.aks import OutboundType
from private_acr_tasks.errors import InputError
from private_acr_tasks.network import ExistingSubnets, NetworkPlan


class Lookup(Protocol):
    """Answers an azure-native invoke (token, args) with its result, raising when Azure does;
    in ``subscription`` when one is given, else in the provider's."""

    def __call__(
        self, token: str, args: Mapping[str, str], subscription: str | None = None, /
    ) -> Mapping[str, Any]: ...


CLIENT_CONFIG = "azure-native:authorization:getClientConfig"

ROLE_LABELS = {
    "agent": "network.existingSubnetIds.agent",
    "private_endpoint": "network.existingSubnetIds.privateEndpoint",
    "aks": "network.existingSubnetIds.aks",
}


class PreflightError(InputError):
    """The existing network cannot host the stack; every problem names the subnet."""

    heading = "The existing network cannot host this stack"


class AzureLookups:
    """Lookups through the engine (real ones under ``pulumi up``): in the provider's
    subscription, or in another through an explicit provider for it, one per subscription."""

    def __init__(self) -> None:
        self._providers: dict[str, azure_native.Provider] = {}

    def __call__(
        self, token: str, args: Mapping[str, str], subscription: str | None = None, /
    ) -> Mapping[str, Any]:
        options = None
        if subscription is not None:
            options = pulumi.InvokeOptions(provider=self._provider_in(subscription))
        result = invoke(token, dict(args), opts=options)
        return cast(Mapping[str, Any], result.value or {})

    def _provider_in(self, subscription: str) -> azure_native.Provider:
        key = subscription.lower()
        if key not in self._providers:
            self._providers[key] = azure_native.Provider(
                f"lookups-{key}", subscription_id=subscription, **_stack_provider_settings()
            )
        return self._providers[key]


_PROVIDER_SETTINGS: Mapping[str, type] = {
    "environment": str,
    "tenantId": str,
    "auxiliaryTenantIds": list,
    "clientId": str,
    "clientSecret": str,
    "clientCertificatePath": str,
    "clientCertificatePassword": str,
    "useOidc": bool,
    "oidcToken": str,
    "oidcTokenFilePath": str,
    "oidcRequestToken": str,
    "oidcRequestUrl": str,
    "useMsi": bool,
    "msiEndpoint": str,
    "useDefaultAzureCredential": bool,
    "metadataHost": str,
    "disableInstanceDiscovery": bool,
    "partnerId": str,
    "disablePulumiPartnerId": bool,
}
"""The azure-native provider's settings besides subscription and location (its ``ProviderArgs``
in v3, by config key). An explicit provider reads none of the stack's ``azure-native:*``
config, which configures only the default provider, so the lookup provider is given them."""


def _stack_provider_settings() -> dict[str, Any]:
    """The stack's ``azure-native:*`` settings as ``Provider`` keyword arguments, secrets kept
    secret."""
    config = pulumi.Config("azure-native")
    settings: dict[str, Any] = {}
    for name, kind in _PROVIDER_SETTINGS.items():
        if kind is bool:
            value: Any = config.get_bool(name)
        elif kind is list:
            value = config.get_object(name)
        elif is_config_secret(f"azure-native:{name}"):
            value = config.get_secret(name)
        else:
            value = config.get(name)
        if value is not None:
            settings[_keyword_of(name)] = value
    return settings


def _keyword_of(name: str) -> str:
    """A config key as the SDK's keyword argument (``tenantId`` is ``tenant_id``)."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list[str])
    warnings: list[str] = field(default_factory=list[str])


def _lookup_args(resource_id: str, *name_keys: str) -> dict[str, str] | None:
    """A lookup's arguments for the resource ``resource_id`` names: its group and the names of
    it and its parents, as written; ``None`` when it is no ARM id of that depth."""
    parts = arm.written(resource_id)
    if parts is None or len(parts.names) != len(name_keys):
        return None
    return {
        "resourceGroupName": parts.resource_group,
        **dict(zip(name_keys, parts.names, strict=True)),
    }


def _prefixes(subnet: Mapping[str, Any]) -> list[cidr.Network]:
    return _prefixes_of(
        [subnet.get("addressPrefix"), *documents.strings(subnet.get("addressPrefixes"))]
    )


@dataclass
class _Check:
    plan: NetworkPlan
    subnets: ExistingSubnets
    lookup: Lookup
    subscription: str | None = None
    """The provider's subscription, as ``getClientConfig`` answered it (``None``: unknown)."""
    findings: Findings = field(default_factory=Findings)
    internet_rules: tuple[str | None, list[Mapping[str, Any]]] | None = None
    """The agent NSG's id and rules (no id: no NSG); ``None`` when they could not be read."""
    internet_inspected: bool = False
    """The agent subnet's routes send every public address to an appliance or a gateway."""
    _read: dict[str, Mapping[str, Any]] = field(default_factory=dict[str, Mapping[str, Any]])
    _ip_groups: dict[str, list[str] | None] = field(default_factory=dict[str, list[str] | None])

    def fetch(
        self, what: str, token: str, resource_id: str, *name_keys: str
    ) -> Mapping[str, Any] | None:
        """The resource ``resource_id`` names, looked up in its own subscription."""
        args = _lookup_args(resource_id, *name_keys)
        if args is None:
            self.findings.problems.append(f"{what}: is not the ARM id of such a resource")
            return None
        written = arm.written(resource_id)
        elsewhere = (
            written.subscription
            if written is not None
            and self.subscription is not None
            and written.subscription.lower() != self.subscription.lower()
            else None
        )
        try:
            found = self.lookup(token, args, elsewhere)
        except Exception as error:  # noqa: BLE001 - Azure's own error is the message
            self.findings.problems.append(f"{what}: cannot be read ({error})")
            return None
        if not found:
            self.findings.warnings.append(
                f"{what}: not verified (the lookup returned nothing; the offline preview needs "
                f"--existing with this resource)"
            )
            return None
        return found

    def subnet(self, role: str, declared: ipaddress.IPv4Network) -> Mapping[str, Any] | None:
        subnet_id = self.subnets.by_role[role]
        what = f"{ROLE_LABELS[role]} {subnet_id}"
        found = self.fetch(
            what, "azure-native:network:getSubnet", subnet_id, "virtualNetworkName", "subnetName"
        )
        if found is not None and declared not in _prefixes(found):
            actual = ", ".join(str(p) for p in _prefixes(found)) or "none"
            self.findings.problems.append(
                f"{what}: its prefix is {actual}, but the config declares {declared}"
            )
        return found

    def agent_endpoints(self, subnet: Mapping[str, Any]) -> None:
        services = {
            str(e.get("service", "")).lower()
            for e in documents.mappings(subnet.get("serviceEndpoints"))
        }
        missing = [s for s in egress.AGENT_SUBNET_SERVICE_ENDPOINTS if s.lower() not in services]
        if missing:
            self.findings.problems.append(
                f"{ROLE_LABELS['agent']} {self.subnets.agent}: lacks the service endpoint(s) "
                f"{', '.join(missing)} an agent pool needs"
            )

    def agent_nsg(self, subnet: Mapping[str, Any]) -> None:
        nsg_id = documents.get(subnet, "networkSecurityGroup", "id")
        if not isinstance(nsg_id, str) or arm.parse_id(nsg_id) is None:
            self.internet_rules = (None, [])
            return
        what = f"NSG {nsg_id} of {ROLE_LABELS['agent']}"
        nsg = self.fetch(
            what, "azure-native:network:getNetworkSecurityGroup", nsg_id, "networkSecurityGroupName"
        )
        if nsg is None:
            return
        self._read["agent nsg"] = nsg
        rules = documents.mappings(nsg.get("securityRules"))
        for blocked in egress.blocked_flows(rules, [self.plan.agent_subnet]):
            self.findings.problems.append(
                f"{ROLE_LABELS['agent']} {self.subnets.agent}: its NSG blocks {blocked.flow} "
                f"(rule {blocked.rule_name!r}, priority {blocked.priority}); the pool would fail "
                f"to provision or its runs stay Queued"
            )
        self.internet_rules = (nsg_id, rules)

    def agent_internet(self) -> None:
        """A warning when the agents may send TCP 443 to any internet address, unless
        ``network.agentEgress`` says that is wanted or the subnet's routes take internet
        traffic to a firewall (or drop it), which then decides. A stack the pack sees (not this
        one's subnets) fails agent-pool-internet-egress in production instead."""
        if self.plan.agent_egress is egress.AgentEgress.OPEN or self.internet_rules is None:
            return
        if self.internet_inspected:
            return
        nsg_id, rules = self.internet_rules
        reach = egress.internet_reach(rules, [self.plan.agent_subnet])
        if not reach.allowing:
            return
        by = ", ".join(dict.fromkeys(p.rule.describe() for p in reach.allowing))
        where = "it has no NSG" if nsg_id is None else f"its NSG {nsg_id} allows it ({by})"
        self.findings.warnings.append(
            f"{ROLE_LABELS['agent']} {self.subnets.agent}: builds can send TCP 443 to any "
            f"internet address: {where}; network.agentEgress is restricted, so ask the subnet's "
            "owner for an outbound Deny of Internet below the agents' rules (or a firewall that "
            "denies it; agent-pool-internet-egress fails a production stack on the NSG alone)"
        )

    def agent_route(self, subnet: Mapping[str, Any]) -> None:
        table_id = documents.get(subnet, "routeTable", "id")
        if not isinstance(table_id, str) or arm.parse_id(table_id) is None:
            return
        table = self.fetch(
            f"route table {table_id} of {ROLE_LABELS['agent']}",
            "azure-native:network:getRouteTable",
            table_id,
            "routeTableName",
        )
        if table is None:
            return
        self._read["agent route table"] = table
        effective = routes.RouteTable(
            [
                *routes.parse_routes(table.get("routes")),
                *routes.system_routes([self.plan.address_space]),
            ]
        )
        agent = f"{ROLE_LABELS['agent']} {self.subnets.agent}"
        internet = effective.route_to_tag("Internet")
        self.internet_inspected = not internet.uncertain and {
            p.next_hop for p in internet.parts
        } <= {
            routes.NextHop.VIRTUAL_APPLIANCE,
            routes.NextHop.VIRTUAL_NETWORK_GATEWAY,
            routes.NextHop.NONE,
        }
        inspected: list[egress.Flow] = []
        for tag in dict.fromkeys(f.service_tag for f in egress.required_flows()):
            verdict = effective.route_to_tag(tag)
            for part in verdict.dropped:
                by = part.route.describe() if part.route else "no route holds it"
                self.findings.problems.append(
                    f"{agent}: its route table drops the agents' traffic to {part.destination} "
                    f"({by}); the pool would fail to provision or its runs stay Queued"
                )
            for part in verdict.uncertain:
                if part.next_hop is routes.NextHop.NONE and part.route is not None:
                    self.findings.warnings.append(
                        f"{agent}: {part.route.describe()} may drop part of the agents' traffic "
                        f"to {tag}"
                    )
            if verdict.through(
                routes.NextHop.VIRTUAL_APPLIANCE, routes.NextHop.VIRTUAL_NETWORK_GATEWAY
            ):
                inspected += [f for f in egress.required_flows() if f.service_tag == tag]
        if not inspected:
            return
        policy_id = self.plan.firewall_policy_id
        if policy_id is None:
            flows = "; ".join(str(f) for f in inspected)
            self.findings.warnings.append(
                f"{agent}: its route table sends the agents' traffic to a virtual appliance or "
                f"gateway, so the firewall there must allow, from {self.plan.agent_subnet}: "
                f"{flows} (set network.firewallPolicyId to have this checked)"
            )
            return
        self.firewall(policy_id, inspected)

    def aks_route(self, subnet: Mapping[str, Any]) -> None:
        """With ``aks.outboundType: userDefinedRouting`` the node subnet's route table must
        hold a user-defined route for 0.0.0.0/0 to a virtual appliance or a gateway: "Outbound
        type of UDR requires a route for 0.0.0.0/0 and a next hop destination of NVA in the
        route table", and "AKS validates that you don't create a 0.0.0.0/0 route pointing to
        the Internet" (Learn, aks/egress-udr)."""
        nodes = f"{ROLE_LABELS['aks']} {self.subnets.aks}"
        needed = (
            "aks.outboundType is userDefinedRouting, which needs a route for 0.0.0.0/0 to a "
            "firewall (a virtual appliance or gateway) in the node subnet's route table"
        )
        table_id = documents.get(subnet, "routeTable", "id")
        if not isinstance(table_id, str) or arm.parse_id(table_id) is None:
            self.findings.problems.append(f"{nodes}: has no route table; {needed}")
            return
        table = self.fetch(
            f"route table {table_id} of {ROLE_LABELS['aks']}",
            "azure-native:network:getRouteTable",
            table_id,
            "routeTableName",
        )
        if table is None:
            return
        default = ipaddress.ip_network("0.0.0.0/0")
        found = [r for r in routes.parse_routes(table.get("routes")) if r.prefix == default]
        if not found:
            self.findings.problems.append(f"{nodes}: its route table {table_id} has none; {needed}")
        for route in found:
            if route.next_hop is None or not route.next_hop.inspected:
                self.findings.problems.append(
                    f"{nodes}: {route.describe()} does not lead to a firewall; {needed}"
                )

    def _policy(self, policy_id: str) -> firewall.PolicyDocument | None:
        """A firewall policy and its rule collection groups; ``None`` if it cannot be read."""
        what = (
            f"network.firewallPolicyId {policy_id}"
            if policy_id == self.plan.firewall_policy_id
            else f"firewall policy {policy_id} (a parent of network.firewallPolicyId)"
        )
        policy = self.fetch(
            what, "azure-native:network:getFirewallPolicy", policy_id, "firewallPolicyName"
        )
        if policy is None:
            return None
        groups: list[Mapping[str, Any]] = []
        for reference in documents.mappings(policy.get("ruleCollectionGroups")):
            group_id = documents.text(reference.get("id"))
            written = arm.written(group_id)
            if group_id is None or written is None:
                continue
            group = self.fetch(
                f"rule collection group {group_id}",
                "azure-native:network:getFirewallPolicyRuleCollectionGroup",
                group_id,
                "firewallPolicyName",
                "ruleCollectionGroupName",
            )
            if group is not None:
                groups.append({"name": written.names[-1], **group})
        name = policy_id.rstrip("/").rsplit("/", 1)[-1]
        self._read[policy_id.lower()] = policy
        return firewall.PolicyDocument(name, groups)

    def _ip_group(self, group_id: str) -> list[str] | None:
        key = group_id.lower()
        if key not in self._ip_groups:
            found = (
                self.fetch(
                    f"IP Group {group_id} in network.firewallPolicyId's rules",
                    "azure-native:network:getIpGroup",
                    group_id,
                    "ipGroupsName",
                )
                if arm.parse_id(group_id) is not None
                else None
            )
            listed = documents.strings(found.get("ipAddresses")) if found is not None else None
            self._ip_groups[key] = listed
        return self._ip_groups[key]

    def firewall(self, policy_id: str, flows: list[egress.Flow]) -> None:
        chain: dict[str, firewall.PolicyDocument | None] = {}

        def read(current: str) -> Mapping[str, Any] | None:
            chain[current] = self._policy(current)
            return self._read.get(current.lower())

        ids, stopped = firewall.policy_chain(policy_id, read)
        if stopped is not None and "own ancestor" in stopped:
            self.findings.problems.append(f"network.firewallPolicyId {policy_id}: {stopped}")
        if chain.get(policy_id) is None:
            return
        documents_ = [
            chain.get(i) or firewall.PolicyDocument(i.rsplit("/", 1)[-1], UNKNOWN) for i in ids
        ]
        rules = firewall.EffectiveRules(documents_, ip_groups=self._ip_group)
        source = nsg.addresses([self.plan.agent_subnet])
        for verdict in firewall.required_egress(rules, source, flows):
            where = f"network.firewallPolicyId {policy_id}: {verdict.flow} from {self.plan.agent_subnet}"
            if verdict.decision is firewall.Decision.DENIED:
                by = f"rule {verdict.rule}" if verdict.rule else "no rule allows it"
                self.findings.problems.append(
                    f"{where} is denied ({by}); the agent subnet's routes lead to this firewall"
                )
            elif verdict.decision is firewall.Decision.UNDECIDED:
                self.findings.warnings.append(
                    f"{where} depends on {verdict.rule or 'a rule not known'}; check that it lets "
                    "the flow out (an application rule allows names, not service tags)"
                )

    def paths(self, agent: Mapping[str, Any], endpoints: Mapping[str, Any] | None) -> None:
        """The agents' way to the endpoint subnet and to each build destination, through the
        agent subnet's routes and NSG and the endpoint subnet's NSG (with its network
        policies), decided by the reach model the policy pack uses (``private_acr_rules.reach``)."""
        label = f"{ROLE_LABELS['agent']} {self.subnets.agent}"
        # The VNet only adds its peerings (routes to what lies outside it); its subnets were
        # read already, so one that cannot be read leaves those routes not known.
        args = _lookup_args(self.subnets.vnet_id, "virtualNetworkName")
        try:
            vnet = self.lookup("azure-native:network:getVirtualNetwork", args) if args else None
        except Exception:  # noqa: BLE001 - what it would add is then not known
            vnet = None
        agents = self._agents(agent, vnet or None)
        destinations: list[reach.Dependency] = []
        if endpoints is not None:
            destinations.append(self._endpoints(endpoints))
        destinations += [
            reach.Dependency(
                f"{d.label} ({d.network}, TCP {d.port})",
                reach.Unknown("a name the preflight does not resolve"),
                (d.network,),
                port=d.port,
                kind="private-registry",
            )
            for d in self.plan.build_destinations
        ]
        for dependency in destinations:
            for verdict in (
                reach.route_verdict(agents, dependency),
                reach.filter_verdict(agents, dependency),
            ):
                if verdict.verdict is reach.Verdict.BROKEN:
                    self.findings.problems += [
                        f"{label}: {r.text}; the builds cannot reach it ({r.fix})"
                        for r in verdict.reasons
                    ]

    def _agents(self, agent: Mapping[str, Any], vnet: Mapping[str, Any] | None) -> reach.Agents:
        spaces = _prefixes_of(documents.get(vnet, "addressSpace", "addressPrefixes")) or [
            self.plan.address_space
        ]
        peered: tuple[routes.Route, ...] | reach.Unknown = (
            tuple(
                route
                for peering in documents.mappings(documents.get(vnet, "virtualNetworkPeerings"))
                for route in reach.peering_routes(
                    str(documents.get(peering, "remoteVirtualNetwork", "id") or "a peered VNet"),
                    _prefixes_of(documents.get(peering, "remoteAddressSpace", "addressPrefixes")),
                    peering.get("peeringState"),
                )
            )
            if vnet is not None
            else reach.Unknown(f"VNet {self.subnets.vnet_id} was not read")
        )
        nsg = self._read.get("agent nsg")
        table = self._read.get("agent route table")
        return reach.Agents(
            pool="the agents",
            subnet=_name_of(self.subnets.agent),
            prefixes=(self.plan.agent_subnet,),
            vnet=_name_of(self.subnets.vnet_id),
            vnet_spaces=tuple(spaces),
            dns_servers=(),
            nsg=None
            if nsg is None
            else _nsg(nsg, documents.get(agent, "networkSecurityGroup", "id")),
            route_table=None
            if table is None
            else _name_of(table.get("name") or documents.get(agent, "routeTable", "id")),
            user_routes=() if table is None else tuple(routes.parse_routes(table.get("routes"))),
            peered=peered,
        )

    def _endpoints(self, subnet: Mapping[str, Any]) -> reach.Dependency:
        """The private endpoints' subnet: each endpoint has one of its addresses."""
        what = ROLE_LABELS["private_endpoint"]
        policies = reach.network_policies(subnet.get("privateEndpointNetworkPolicies"))
        nsg_on, rt_on = policies if policies is not None else (True, True)
        group: reach.Nsg | reach.Unknown | None = None
        nsg_id = documents.get(subnet, "networkSecurityGroup", "id")
        if nsg_on and isinstance(nsg_id, str) and arm.parse_id(nsg_id) is not None:
            found = self.fetch(
                f"NSG {nsg_id} of {what}",
                "azure-native:network:getNetworkSecurityGroup",
                nsg_id,
                "networkSecurityGroupName",
            )
            group = reach.Unknown("not read") if found is None else _nsg(found, nsg_id)
        return reach.Dependency(
            f"the private endpoints in {what} {self.plan.private_endpoint_subnet}",
            reach.Unknown("a name the preflight does not resolve"),
            (self.plan.private_endpoint_subnet,),
            endpoint=reach.Endpoint(
                _name_of(self.subnets.private_endpoint), True, rt_on, nsg_on, group
            ),
        )


def _prefixes_of(value: object) -> list[cidr.Network]:
    return [n for t in documents.strings(value) if (n := cidr.parse_cidr(t).network) is not None]


def _name_of(resource: object) -> str:
    """A resource's name for a message: its own, or the last segment of its ARM id."""
    key = arm.parse_id(resource)
    return key.name if key is not None else str(resource)


def _nsg(group: Mapping[str, Any], group_id: object) -> reach.Nsg:
    rules = nsg.RuleSet(documents.mappings(group.get("securityRules")))
    return reach.Nsg(_name_of(group.get("name") or group_id), rules, str(group_id))


@dataclass(frozen=True)
class _NetworkId:
    key: str
    resource_id: str
    placed: str
    """What Azure creates only in the VNet's subscription, and where Learn says so."""
    source: str


def _network_ids(plan: NetworkPlan) -> list[_NetworkId]:
    """The stack's own network ids."""
    found: list[_NetworkId] = []
    if plan.existing_vnet is not None:
        found.append(
            _NetworkId(
                "network.existingVnetId",
                plan.existing_vnet.id,
                "the NSG of each subnet created in it and the private endpoints",
                "Learn, virtual-network-manage-subnet and private-endpoint-overview",
            )
        )
    if plan.existing_subnets is not None:
        found.append(
            _NetworkId(
                "network.existingSubnetIds",
                plan.existing_subnets.agent,
                "the private endpoints",
                "Learn, private-endpoint-overview",
            )
        )
    return found


def subscription_problems(plan: NetworkPlan, subscription: str, source: str) -> list[str]:
    """The stack's network ids in a subscription other than ``subscription``, the one the stack
    deploys to (``source`` says who says so), each naming its key."""
    problems: list[str] = []
    for network_id in _network_ids(plan):
        written = arm.written(network_id.resource_id)
        if written is None or written.subscription.lower() == subscription.strip().lower():
            continue
        problems.append(
            f"{network_id.key}: the network is in subscription {written.subscription}, but the "
            f"stack deploys to subscription {subscription} ({source}); Azure creates "
            f"{network_id.placed} only in the VNet's own subscription ({network_id.source}), so "
            f"deploy the stack there: azure-native:subscriptionId: {written.subscription}"
        )
    return problems


def _provider_subscription(lookup: Lookup, findings: Findings) -> str | None:
    """The subscription the stack's provider deploys to, as Azure answers it."""
    try:
        answer = lookup(CLIENT_CONFIG, {})
    except Exception as error:  # noqa: BLE001 - Azure's own error is the message
        findings.warnings.append(
            f"the provider's subscription cannot be read ({error}); the network's subscription "
            "is not checked"
        )
        return None
    subscription = answer.get("subscriptionId")
    return subscription if isinstance(subscription, str) and subscription else None


def verify_existing_network(
    plan: NetworkPlan,
    lookup: Lookup | None = None,
    *,
    aks_outbound: OutboundType = OutboundType.LOAD_BALANCER,
) -> Findings:
    """Problems and warnings about the existing network of ``plan``: its subscription, and the
    existing subnets themselves (nothing in the create mode); with ``aks_outbound``
    userDefinedRouting, the node subnet's route table too. ``lookup`` defaults to the engine's
    (``AzureLookups``)."""
    if plan.existing_subnets is None and plan.existing_vnet is None:
        return Findings()
    lookup = lookup or AzureLookups()
    findings = Findings()
    subscription = _provider_subscription(lookup, findings)
    if subscription is not None:
        findings.problems += subscription_problems(
            plan, subscription, "the azure-native provider's, as getClientConfig answers"
        )
    if findings.problems or plan.existing_subnets is None:
        return findings
    check = _Check(plan, plan.existing_subnets, lookup, subscription, findings)
    agent = check.subnet("agent", plan.agent_subnet)
    endpoints = check.subnet("private_endpoint", plan.private_endpoint_subnet)
    nodes = check.subnet("aks", plan.aks_subnet)
    if nodes is not None and aks_outbound is OutboundType.USER_DEFINED_ROUTING:
        check.aks_route(nodes)
    if agent is not None:
        check.agent_endpoints(agent)
        check.agent_nsg(agent)
        check.agent_route(agent)
        check.paths(agent, endpoints)
        check.agent_internet()
    return check.findings


def require_existing_network(
    plan: NetworkPlan,
    lookup: Lookup | None = None,
    *,
    aks_outbound: OutboundType = OutboundType.LOAD_BALANCER,
) -> None:
    """Stop with one ``PreflightError`` when the existing network cannot host the stack."""
    findings = verify_existing_network(plan, lookup, aks_outbound=aks_outbound)
    for warning in findings.warnings:
        pulumi.log.warn(warning)
    if findings.problems:
        raise PreflightError(findings.problems)
