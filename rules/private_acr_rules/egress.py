"""What a VNet-injected ACR Tasks agent pool must reach, and how an NSG is evaluated for it.

Microsoft Learn, "Run an ACR task on a dedicated agent pool" (tasks-agent-pools.md, 2026-08):
outbound TCP from the agent subnet to AzureKeyVault, Storage, EventHub and
AzureActiveDirectory on 443 and to AzureMonitor on 443 and 12000 ("a unique port used for
diagnostics"). The network component builds its NSG from ``REQUIRED_EGRESS`` and the policy
pack checks any NSG against the same table, so the two cannot drift apart.
"""

# pyright: reportUnknownArgumentType=false, reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnnecessaryIsInstance=false
# (Temporary while issue 10 reworks this module; remove this line when it is clean under strict.)

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from private_acr_rules import cidr


@dataclass(frozen=True)
class EgressRequirement:
    service_tag: str
    ports: tuple[int, ...]


REQUIRED_EGRESS: tuple[EgressRequirement, ...] = (
    EgressRequirement("AzureKeyVault", (443,)),
    EgressRequirement("Storage", (443,)),
    EgressRequirement("EventHub", (443,)),
    EgressRequirement("AzureActiveDirectory", (443,)),
    EgressRequirement("AzureMonitor", (443, 12000)),
)

AGENT_SUBNET_SERVICE_ENDPOINTS: tuple[str, ...] = (
    "Microsoft.AzureActiveDirectory",
    "Microsoft.EventHub",
    "Microsoft.KeyVault",
    "Microsoft.Storage",
)
"""Service endpoints the agent subnet always gets."""

REGISTRY_SERVICE_ENDPOINT = "Microsoft.ContainerRegistry"
"""Added only when the registry is not reached over private link: ACR cannot use a private
endpoint and a service endpoint from the same VNet."""

AZURE_DEFAULT_OUTBOUND_RULES: tuple[Mapping[str, Any], ...] = (
    {
        "name": "AllowVnetOutBound",
        "priority": 65000,
        "direction": "Outbound",
        "access": "Allow",
        "protocol": "*",
        "destinationAddressPrefix": "VirtualNetwork",
        "destinationPortRange": "*",
        "sourceAddressPrefix": "VirtualNetwork",
    },
    {
        "name": "AllowInternetOutBound",
        "priority": 65001,
        "direction": "Outbound",
        "access": "Allow",
        "protocol": "*",
        "destinationAddressPrefix": "Internet",
        "destinationPortRange": "*",
        "sourceAddressPrefix": "*",
    },
    {
        "name": "DenyAllOutBound",
        "priority": 65500,
        "direction": "Outbound",
        "access": "Deny",
        "protocol": "*",
        "destinationAddressPrefix": "*",
        "destinationPortRange": "*",
        "sourceAddressPrefix": "*",
    },
)
"""The rules Azure appends to every NSG; service-tag traffic is Internet traffic to them."""

_ANY = {"*", "any"}
_TCP = {"tcp", "*", "any"}


@dataclass(frozen=True)
class Flow:
    service_tag: str
    port: int

    def __str__(self) -> str:
        return f"TCP {self.port} to {self.service_tag}"


@dataclass(frozen=True)
class BlockedFlow:
    flow: Flow
    rule_name: str
    priority: int


def required_flows() -> list[Flow]:
    return [Flow(req.service_tag, port) for req in REQUIRED_EGRESS for port in req.ports]


def agent_pool_security_rules(first_priority: int = 200) -> list[dict[str, Any]]:
    """The NSG rules (engine camelCase) that open exactly the required flows."""
    rules: list[dict[str, Any]] = []
    for index, req in enumerate(REQUIRED_EGRESS):
        ports = [str(p) for p in req.ports]
        rule: dict[str, Any] = {
            "name": f"allow-{req.service_tag.lower()}-outbound",
            "priority": first_priority + 10 * index,
            "direction": "Outbound",
            "access": "Allow",
            "protocol": "Tcp",
            "sourceAddressPrefix": "VirtualNetwork",
            "sourcePortRange": "*",
            "destinationAddressPrefix": req.service_tag,
            "description": f"ACR Tasks agent pool egress to {req.service_tag}",
        }
        if len(ports) == 1:
            rule["destinationPortRange"] = ports[0]
        else:
            rule["destinationPortRanges"] = ports
        rules.append(rule)
    return rules


def rule_values(rule: Mapping[str, Any], singular: str, plural: str) -> list[str]:
    """A rule's singular and plural fields together, as lower-case strings."""
    values: list[str] = []
    one = rule.get(singular)
    if isinstance(one, str) and one:
        values.append(one.strip().lower())
    many = rule.get(plural)
    if isinstance(many, list | tuple):
        values.extend(str(v).strip().lower() for v in many if isinstance(v, str) and v)
    return values


def port_matches(port_specs: Sequence[str], port: int) -> bool:
    for spec in port_specs:
        if spec in _ANY:
            return True
        if "-" in spec:
            low, _, high = (part.strip() for part in spec.partition("-"))
            if low.isdigit() and high.isdigit() and int(low) <= port <= int(high):
                return True
        elif spec.isdigit() and int(spec) == port:
            return True
    return False


def destination_matches(prefixes: Sequence[str], service_tag: str) -> bool:
    """Service-tag traffic matches ``*``, ``Internet`` or the tag itself (or a regional form)."""
    tag = service_tag.lower()
    return any(p in _ANY or p in ("internet", tag) or p.startswith(tag + ".") for p in prefixes)


def source_matches(prefixes: Sequence[str], source_ranges: Sequence[cidr.Network]) -> bool:
    for prefix in prefixes:
        if prefix in _ANY or prefix == "virtualnetwork":
            return True
        parsed = cidr.parse_cidr(prefix)
        if parsed.network is not None and any(
            cidr.overlaps(parsed.network, source) for source in source_ranges
        ):
            return True
    return False


def _priority(rule: Mapping[str, Any]) -> int:
    value = rule.get("priority")
    if isinstance(value, bool):
        return 65535
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return 65535


def effective_order(rules: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Outbound rules as Azure evaluates them: custom ones by priority, then its defaults."""
    outbound = [
        rule
        for rule in rules
        if isinstance(rule, Mapping) and str(rule.get("direction", "")).lower() == "outbound"
    ]
    return sorted(outbound, key=_priority) + list(AZURE_DEFAULT_OUTBOUND_RULES)


def first_matching_rule(
    ordered: Sequence[Mapping[str, Any]], flow: Flow, source_ranges: Sequence[cidr.Network]
) -> Mapping[str, Any] | None:
    """The rule Azure applies to ``flow``, among rules already in ``effective_order``."""
    for rule in ordered:
        protocols = rule_values(rule, "protocol", "protocols") or ["*"]
        if not any(p in _TCP for p in protocols):
            continue
        if not destination_matches(
            rule_values(rule, "destinationAddressPrefix", "destinationAddressPrefixes"),
            flow.service_tag,
        ):
            continue
        if not port_matches(
            rule_values(rule, "destinationPortRange", "destinationPortRanges"), flow.port
        ):
            continue
        sources = rule_values(rule, "sourceAddressPrefix", "sourceAddressPrefixes") or ["*"]
        if not source_matches(sources, source_ranges):
            continue
        return rule
    return None


def blocked_flows(
    rules: Sequence[Mapping[str, Any]], source_ranges: Sequence[cidr.Network] = ()
) -> list[BlockedFlow]:
    """Required flows whose first matching rule denies them."""
    ordered = effective_order(rules)
    blocked: list[BlockedFlow] = []
    for flow in required_flows():
        rule = first_matching_rule(ordered, flow, source_ranges)
        if rule is not None and str(rule.get("access", "")).lower() == "deny":
            blocked.append(
                BlockedFlow(flow, str(rule.get("name", "(unnamed rule)")), _priority(rule))
            )
    return blocked
