"""nsg-internet-admin-ingress and subnet-requires-nsg: the network edge is closed by default.

Ingress (CKV_AZURE_9/10/160, Azure Policy 22730e10): no inbound Allow rule opens SSH, RDP or
HTTP to the internet. Every rule is read, singular and plural fields alike, with service
tags compared case-insensitively (Checkov's ARM check misses ``Internet`` and prefix lists).
Subnets (CKV2_AZURE_31, Azure Policy e71308d3, PSRule Azure.VNET.UseNSGs): every subnet has an
NSG, except those Azure manages itself (GatewaySubnet, AzureFirewallSubnet...).
"""

# pyright: reportUnknownArgumentType=false, reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnnecessaryIsInstance=false
# (Temporary while issue 10 reworks this module; remove this line when it is clean under strict.)

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._model import Resource, get, items, lower
from private_acr_policies._policy import Rule, resource_policy
from private_acr_rules import cidr, egress

INGRESS = Rule(
    name="nsg-internet-admin-ingress",
    description="NSG rules must not allow SSH, RDP or HTTP in from the internet.",
    severity=Severity.HIGH,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation=(
        "Restrict the rule's source to known prefixes (or use Azure Bastion / a private "
        "endpoint), or change it to Deny. Ports checked are set by this policy's 'ports' config."
    ),
    config={
        "ports": {
            "type": "array",
            "items": {"type": "integer", "minimum": 1, "maximum": 65535},
            "default": [22, 3389, 80],
            "description": "Destination ports that must not be open to the internet.",
        }
    },
)

SUBNET_NSG = Rule(
    name="subnet-requires-nsg",
    description="Every subnet must have a network security group, except subnets Azure manages.",
    severity=Severity.MEDIUM,
    enforcement_level=EnforcementLevel.ADVISORY,
    remediation="Associate an NSG with the subnet (networkSecurityGroup.id), or add its name to exemptSubnetNames.",
    config={
        "exemptSubnetNames": {
            "type": "array",
            "items": {"type": "string"},
            "default": [
                "GatewaySubnet",
                "AzureFirewallSubnet",
                "AzureFirewallManagementSubnet",
                "RouteServerSubnet",
            ],
            "description": "Subnet names that must not or need not carry an NSG.",
        }
    },
)

_INTERNET = {"*", "any", "internet", "0.0.0.0", "0.0.0.0/0", "::/0"}


def _from_internet(prefixes: list[str]) -> bool:
    for prefix in prefixes:
        if prefix in _INTERNET:
            return True
        network = cidr.parse_cidr(prefix).network
        if network is not None and network.prefixlen == 0:
            return True
    return False


def check_ingress(resource: Resource, config: Mapping[str, Any]) -> list[str]:
    if resource.is_a("network", "SecurityRule"):
        rules: list[Any] = [resource.props]
    else:
        inline = get(resource.props, "securityRules")
        rules = inline if isinstance(inline, list) else []
    ports = [p for p in items(config.get("ports", [22, 3389, 80])) if isinstance(p, int)]
    problems: list[str] = []
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict):
            continue
        if lower(get(rule, "direction")) != "inbound" or lower(get(rule, "access")) != "allow":
            continue
        if (lower(get(rule, "protocol")) or "*") not in ("tcp", "*", "any"):
            continue
        sources = egress.rule_values(rule, "sourceAddressPrefix", "sourceAddressPrefixes")
        if not _from_internet(sources):
            continue
        port_specs = egress.rule_values(rule, "destinationPortRange", "destinationPortRanges")
        opened = [port for port in ports if egress.port_matches(port_specs, port)]
        if opened:
            name = get(rule, "name") or get(rule, "securityRuleName") or f"securityRules[{index}]"
            problems.append(
                f"{resource.name}: rule {name!r} allows port(s) {', '.join(map(str, opened))} in from "
                f"{', '.join(sources)}."
            )
    return problems


def check_subnet_nsg(resource: Resource, config: Mapping[str, Any]) -> list[str]:
    exempt = {str(n).lower() for n in items(config.get("exemptSubnetNames"))}
    if resource.is_a("network", "Subnet"):
        name = get(resource.props, "subnetName") or resource.name
        subnets: list[tuple[str, Any]] = [(str(name), resource.props)]
    else:
        inline = get(resource.props, "subnets")
        subnets = [
            (str(get(s, "name") or f"subnets[{i}]"), s)
            for i, s in enumerate(inline if isinstance(inline, list) else [])
        ]
    return [
        f"{resource.name}: subnet {name} has no network security group."
        for name, data in subnets
        if name.lower() not in exempt
        and isinstance(data, dict)
        and get(data, "networkSecurityGroup") is None
    ]


INGRESS_POLICY = resource_policy(
    INGRESS, [("network", "NetworkSecurityGroup"), ("network", "SecurityRule")], check_ingress
)
SUBNET_NSG_POLICY = resource_policy(
    SUBNET_NSG, [("network", "Subnet"), ("network", "VirtualNetwork")], check_subnet_nsg
)
