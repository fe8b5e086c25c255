"""Before a stack builds on subnets it did not create, check that they can host it.

With ``network.existingSubnetIds`` nothing of the network is ours, so nothing guarantees what
an agent pool needs from its subnet (Learn, tasks-agent-pools: the outbound rules and service
endpoints) or that the subnets are the ones the config declares. At ``pulumi preview`` and
``pulumi up`` this looks the subnets up (azure-native ``getSubnet``), and the agent subnet's
NSG and route table, and refuses to go on, with one message naming each subnet and what is
wrong, before anything is registered. The NSG is judged by the same evaluator the policy pack
uses (``private_acr_rules.egress``).

A route that sends 0.0.0.0/0 to a virtual appliance (a hub firewall) means an NSG Allow does
not prove the agents can get out: with ``network.firewallPolicyId`` the firewall policy's
network rules are checked for the same flows (``private_acr_rules.firewall``); without it a
warning lists exactly the flows the firewall must allow.

A lookup that comes back empty (the offline preview without ``--existing``) cannot verify
anything: that is a warning, not an error.
"""

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import pulumi
from pulumi.runtime import invoke

from private_acr_rules import arm, cidr, documents, egress, firewall
from private_acr_tasks.errors import InputError
from private_acr_tasks.network import ExistingSubnets, NetworkPlan

Lookup = Callable[[str, Mapping[str, str]], Mapping[str, Any]]
"""Answers an azure-native invoke (token, args) with its result, raising when Azure does."""

ROLE_LABELS = {
    "agent": "network.existingSubnetIds.agent",
    "private_endpoint": "network.existingSubnetIds.privateEndpoint",
    "aks": "network.existingSubnetIds.aks",
}


class PreflightError(InputError):
    """The existing network cannot host the stack; every problem names the subnet."""

    heading = "The existing network cannot host this stack"


def azure_lookup(token: str, args: Mapping[str, str]) -> Mapping[str, Any]:
    """The engine's answer to an azure-native lookup (a real one under ``pulumi up``)."""
    result = invoke(token, dict(args))
    return cast(Mapping[str, Any], result.value or {})


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list[str])
    warnings: list[str] = field(default_factory=list[str])


def _subnet_args(subnet_id: str) -> dict[str, str]:
    parts = subnet_id.strip().strip("/").split("/")
    return {"resourceGroupName": parts[3], "virtualNetworkName": parts[7], "subnetName": parts[9]}


def _child_args(resource_id: str, name_key: str) -> dict[str, str]:
    parts = resource_id.strip().strip("/").split("/")
    return {"resourceGroupName": parts[3], name_key: parts[7]}


def _prefixes(subnet: Mapping[str, Any]) -> list[cidr.Network]:
    texts = [subnet.get("addressPrefix"), *documents.strings(subnet.get("addressPrefixes"))]
    return [n for t in texts if (n := cidr.parse_cidr(t).network) is not None]


@dataclass
class _Check:
    plan: NetworkPlan
    subnets: ExistingSubnets
    lookup: Lookup
    findings: Findings = field(default_factory=Findings)

    def fetch(self, what: str, token: str, args: Mapping[str, str]) -> Mapping[str, Any] | None:
        try:
            found = self.lookup(token, args)
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
        found = self.fetch(what, "azure-native:network:getSubnet", _subnet_args(subnet_id))
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
            return
        what = f"NSG {nsg_id} of {ROLE_LABELS['agent']}"
        nsg = self.fetch(
            what,
            "azure-native:network:getNetworkSecurityGroup",
            _child_args(nsg_id, "networkSecurityGroupName"),
        )
        if nsg is None:
            return
        rules = documents.mappings(nsg.get("securityRules"))
        for blocked in egress.blocked_flows(rules, [self.plan.agent_subnet]):
            self.findings.problems.append(
                f"{ROLE_LABELS['agent']} {self.subnets.agent}: its NSG blocks {blocked.flow} "
                f"(rule {blocked.rule_name!r}, priority {blocked.priority}); the pool would fail "
                f"to provision or its runs stay Queued"
            )

    def agent_route(self, subnet: Mapping[str, Any]) -> None:
        table_id = documents.get(subnet, "routeTable", "id")
        if not isinstance(table_id, str) or arm.parse_id(table_id) is None:
            return
        table = self.fetch(
            f"route table {table_id} of {ROLE_LABELS['agent']}",
            "azure-native:network:getRouteTable",
            _child_args(table_id, "routeTableName"),
        )
        if table is None or not firewall.forces_default_route(table.get("routes")):
            return
        policy_id = self.plan.firewall_policy_id
        if policy_id is None:
            flows = "; ".join(str(f) for f in egress.required_flows())
            self.findings.warnings.append(
                f"{ROLE_LABELS['agent']} {self.subnets.agent}: its route table sends 0.0.0.0/0 to "
                f"a virtual appliance, so the firewall there must allow, from {self.plan.agent_subnet}: "
                f"{flows} (set network.firewallPolicyId to have this checked)"
            )
            return
        self.firewall(policy_id)

    def firewall(self, policy_id: str) -> None:
        what = f"network.firewallPolicyId {policy_id}"
        policy = self.fetch(
            what,
            "azure-native:network:getFirewallPolicy",
            _child_args(policy_id, "firewallPolicyName"),
        )
        if policy is None:
            return
        groups: list[Mapping[str, Any]] = []
        for reference in documents.mappings(policy.get("ruleCollectionGroups")):
            group_id = documents.text(reference.get("id"))
            if group_id is None or arm.parse_id(group_id) is None:
                continue
            parts = group_id.strip().strip("/").split("/")
            group = self.fetch(
                f"rule collection group {group_id}",
                "azure-native:network:getFirewallPolicyRuleCollectionGroup",
                {
                    "resourceGroupName": parts[3],
                    "firewallPolicyName": parts[7],
                    "ruleCollectionGroupName": parts[9],
                },
            )
            if group is not None:
                groups.append(group)
        for verdict in firewall.required_egress(groups, [self.plan.agent_subnet]):
            where = f"{what}: {verdict.flow} from {self.plan.agent_subnet}"
            if verdict.decision is firewall.Decision.DENIED:
                by = f"rule {verdict.rule}" if verdict.rule else "no network rule allows it"
                self.findings.problems.append(
                    f"{where} is denied ({by}); the agent subnet's default route leads to this firewall"
                )
            elif verdict.decision is firewall.Decision.UNDECIDED:
                self.findings.warnings.append(
                    f"{where} is allowed by no network rule; check that an application rule lets it out"
                )


def verify_existing_network(plan: NetworkPlan, lookup: Lookup = azure_lookup) -> Findings:
    """Problems and warnings about the existing subnets of ``plan`` (none in other modes)."""
    if plan.existing_subnets is None:
        return Findings()
    check = _Check(plan, plan.existing_subnets, lookup)
    agent = check.subnet("agent", plan.agent_subnet)
    check.subnet("private_endpoint", plan.private_endpoint_subnet)
    check.subnet("aks", plan.aks_subnet)
    if agent is not None:
        check.agent_endpoints(agent)
        check.agent_nsg(agent)
        check.agent_route(agent)
    return check.findings


def require_existing_network(plan: NetworkPlan, lookup: Lookup = azure_lookup) -> None:
    """Stop with one ``PreflightError`` when the existing network cannot host the stack."""
    findings = verify_existing_network(plan, lookup)
    for warning in findings.warnings:
        pulumi.log.warn(warning)
    if findings.problems:
        raise PreflightError(findings.problems)
