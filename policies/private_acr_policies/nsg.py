"""nsg-internet-admin-ingress and subnet-requires-nsg: the network edge is closed by default.

Ingress (CKV_AZURE_9/10/160, Azure Policy 22730e10): no configured port (SSH, RDP and HTTP by
default) is effectively open to the internet. Each NSG is evaluated as Azure evaluates it
(``private_acr_rules.nsg``): its inline rules and the standalone SecurityRule resources
attached to it together, by priority, first match wins, then Azure's defaults; sources are
any internet host and any other Azure tenant's address (``AzureCloud``), over IPv4 and IPv6;
destinations are any address the NSG protects, in any application security group. So a
port range (``20-25``), ``internet`` in lower case, ``::/0`` or ``*`` are caught, and an Allow
under a higher-priority Deny is not. Standalone rules whose NSG is outside the stack are
evaluated on their own (with Azure's defaults): the rules declared here would open the port.
An NSG whose ``securityRules`` (or an entry) is not known yet has a rule of which nothing is
known: the ports it could open are reported as not checked, naming it.
Subnets (CKV2_AZURE_31, Azure Policy e71308d3, PSRule Azure.VNET.UseNSGs): every subnet has an
NSG, except those Azure manages itself (GatewaySubnet, AzureFirewallSubnet...).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._config import Integer, ListOf, Text, setting
from private_acr_policies._links import (
    NSG,
    RuleSource,
    nsg_rules,
    rule_label,
    rules_outside,
    ruleset,
)
from private_acr_policies._model import Resource, Stack, get, items
from private_acr_policies._policy import (
    Finding,
    NotApplicable,
    Outcome,
    Rule,
    Unchecked,
    resource_policy,
    stack_policy,
)
from private_acr_rules import nsg


@dataclass(frozen=True)
class IngressSettings:
    ports: tuple[int, ...] = setting(
        ListOf(Integer(1, 65535)),
        (22, 3389, 80),
        "Destination ports that must not be open to the internet.",
    )


@dataclass(frozen=True)
class SubnetSettings:
    exempt_subnet_names: tuple[str, ...] = setting(
        ListOf(Text()),
        (
            "GatewaySubnet",
            "AzureFirewallSubnet",
            "AzureFirewallManagementSubnet",
            "RouteServerSubnet",
        ),
        "Subnet names that must not or need not carry an NSG.",
    )


INGRESS = Rule(
    name="nsg-internet-admin-ingress",
    description="NSG rules must not allow SSH, RDP or HTTP in from the internet.",
    severity=Severity.HIGH,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation=(
        "Restrict the rule's source to known prefixes (or use Azure Bastion / a private "
        "endpoint), change it to Deny, or add a Deny above it. Ports checked are set by this "
        "policy's 'ports' config."
    ),
    settings=IngressSettings,
)

SUBNET_NSG = Rule(
    name="subnet-requires-nsg",
    description="Every subnet must have a network security group, except subnets Azure manages.",
    severity=Severity.MEDIUM,
    enforcement_level=EnforcementLevel.ADVISORY,
    remediation="Associate an NSG with the subnet (networkSecurityGroup.id), or add its name to exemptSubnetNames.",
    settings=SubnetSettings,
)


def _exposure(
    label: str, blame: Resource, rules: Sequence[RuleSource], ports: Sequence[int]
) -> Iterator[Outcome]:
    rules_view = ruleset(rules)
    flow = nsg.Flow.to_ports("Inbound", "Tcp", nsg.internet(), nsg.protected_addresses(), ports)
    verdict = rules_view.evaluate(flow)
    opened: dict[nsg.SecurityRule, tuple[list[int], list[str]]] = {}
    for part in verdict.allowing:
        rule_ports, sources = opened.setdefault(part.rule, ([], []))
        rule_ports.extend(
            p for p in nsg.ports_in(part.destination_ports, ports) if p not in rule_ports
        )
        if part.source not in sources:
            sources.append(part.source)
    for rule, (rule_ports, sources) in opened.items():
        owner = blame if rule.default else rules[rule.index].declared_by
        shown = ", ".join(str(p) for p in ports if p in rule_ports)
        yield Finding(
            owner.urn,
            f"{label}: rule {rule.describe()} opens TCP {shown} to the internet "
            f"(source {rule.source.text}; reaches it from {', '.join(sources)}).",
        )
    undecided = _undecided(rules, verdict, {p for ps, _ in opened.values() for p in ps}, ports)
    if undecided:
        yield Unchecked(blame.urn, f"{label}: {undecided}")


def _undecided(
    rules: Sequence[RuleSource], verdict: nsg.Verdict, opened: set[int], ports: Sequence[int]
) -> str:
    """The ports not found open whose exposure depends on values not known yet, naming the
    rules they depend on (a rule, or an NSG's whole unknown ``securityRules``); empty if none."""
    parts = [
        u
        for u in verdict.undecided
        if any(p not in opened for p in nsg.ports_in(u.destination_ports, ports))
    ]
    undecided = [
        p
        for p in ports
        if p not in opened and any(nsg.ports_in(u.destination_ports, [p]) for u in parts)
    ]
    if not undecided:
        return ""
    depends = dict.fromkeys(rule_label(rules, u.rule) for u in parts)
    return (
        f"TCP {', '.join(map(str, undecided))} (depends on {', '.join(depends)}, "
        "not known until deployment)"
    )


def check_ingress(stack: Stack, settings: IngressSettings) -> Iterator[Outcome]:
    groups = stack.of_type(*NSG)
    outside = rules_outside(stack)
    if not groups and not outside:
        raise NotApplicable("the stack has no NSG or security rule")
    for group in groups:
        yield from _exposure(group.name, group, nsg_rules(stack, group), settings.ports)
    for rules in outside:
        first = rules[0].declared_by
        nsg_name = get(first.props, "networkSecurityGroupName")
        label = f"NSG {nsg_name if isinstance(nsg_name, str) else '(not in this stack)'}"
        yield from _exposure(label, first, rules, settings.ports)


def check_subnet_nsg(resource: Resource, settings: SubnetSettings) -> Iterator[Outcome]:
    exempt = {name.lower() for name in settings.exempt_subnet_names}
    if resource.is_a("network", "Subnet"):
        name = get(resource.props, "subnetName") or resource.name
        subnets = [(str(name), resource.props)]
    else:
        inline = items(get(resource.props, "subnets"))
        if not inline:
            raise NotApplicable("the VNet declares no inline subnets")
        subnets = [(str(get(s, "name") or f"subnets[{i}]"), s) for i, s in enumerate(inline)]
    for name, data in subnets:
        if name.lower() in exempt or not isinstance(data, Mapping):
            continue
        if get(data, "networkSecurityGroup") is None:
            yield Finding(
                resource.urn, f"{resource.name}: subnet {name} has no network security group."
            )


INGRESS_POLICY = stack_policy(INGRESS, check_ingress)
SUBNET_NSG_POLICY = resource_policy(
    SUBNET_NSG, [("network", "Subnet"), ("network", "VirtualNetwork")], check_subnet_nsg
)
