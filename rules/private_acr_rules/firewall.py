"""Does a route send the agents through a firewall, and does an Azure Firewall policy let them out?

Routes (Learn, virtual-network/virtual-networks-udr-overview): a user-defined route for
0.0.0.0/0 with next hop ``VirtualAppliance`` (a hub firewall) or ``VirtualNetworkGateway``
(forced tunnelling) replaces the system route to the internet, so service-tag traffic that an
NSG allows still has to pass the appliance.

Firewall policy (Learn, firewall/rule-processing, "Rule processing using Firewall Policy"):
rule collection groups are processed by priority (lower first), the rule collections inside a
group by priority, and the first network rule that matches decides with its collection's
action (Allow or Deny). Network rules are processed before application rules; traffic no rule
allows is denied. Application rules match FQDNs, not service tags, so they cannot be judged
here: a flow no network rule decides is reported as undecided when the policy has application
rules, denied when it has none. Rules are read in the shape Azure returns them (``ruleCollections``
of ``FirewallPolicyFilterRuleCollection`` with ``action.type`` and ``rules`` of ``ruleType``
``NetworkRule``: ``ipProtocols``, ``sourceAddresses``, ``destinationAddresses``, ``destinationPorts``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from private_acr_rules import cidr, documents, egress

_FORCED_HOPS = frozenset({"virtualappliance", "virtualnetworkgateway"})
_ANY = frozenset({"*", "any"})
_CONTAINING_TAGS = frozenset({"azurecloud"})
"""Tags whose ranges hold every Azure service's (Learn, service-tags-overview: AzureCloud)."""


def forces_default_route(routes: object) -> bool:
    """True when a route sends 0.0.0.0/0 to an appliance or a gateway instead of the internet."""
    return any(
        route.get("addressPrefix") == "0.0.0.0/0"
        and str(route.get("nextHopType", "")).lower() in _FORCED_HOPS
        for route in documents.mappings(routes)
    )


class Decision(StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class FirewallVerdict:
    flow: egress.Flow
    decision: Decision
    rule: str | None = None
    """The collection and rule that decided, when one did."""


def _port_matches(specs: Sequence[str], port: int) -> bool:
    for spec in specs:
        low, _, high = spec.partition("-")
        if spec in _ANY or (low.isdigit() and int(low) <= port <= int(high or low)):
            return True
    return False


def _destination_matches(addresses: Sequence[str], tag: str) -> bool:
    wanted = tag.lower()
    for address in (a.lower() for a in addresses):
        base = address.split(".", 1)[0] if not address[:1].isdigit() else address
        if address in _ANY or base == wanted or base in _CONTAINING_TAGS:
            return True
        network = cidr.parse_cidr(address).network
        if network is not None and network.prefixlen == 0:
            return True
    return False


def _source_matches(addresses: Sequence[str], sources: Sequence[cidr.Network]) -> bool:
    for address in addresses:
        if address.lower() in _ANY:
            return True
        network = cidr.parse_cidr(address).network
        if network is not None and sources and all(cidr.contains(network, s) for s in sources):
            return True
    return False


def _rule_matches(
    rule: Mapping[str, Any], flow: egress.Flow, sources: Sequence[cidr.Network]
) -> bool:
    protocols = {p.lower() for p in documents.strings(rule.get("ipProtocols"))}
    return (
        bool(protocols & {"tcp", "any"})
        and _port_matches(documents.strings(rule.get("destinationPorts")), flow.port)
        and _destination_matches(
            documents.strings(rule.get("destinationAddresses")), flow.service_tag
        )
        and _source_matches(documents.strings(rule.get("sourceAddresses")), sources)
    )


def _priority(item: Mapping[str, Any]) -> float:
    value = item.get("priority")
    return float(value) if isinstance(value, int | float) else 65000.0


def _ordered_collections(groups: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    ordered: list[Mapping[str, Any]] = []
    for group in sorted(groups, key=_priority):
        ordered.extend(sorted(documents.mappings(group.get("ruleCollections")), key=_priority))
    return ordered


def _rules(collection: Mapping[str, Any], rule_type: str) -> list[Mapping[str, Any]]:
    return [
        r for r in documents.mappings(collection.get("rules")) if r.get("ruleType") == rule_type
    ]


def evaluate(
    groups: Sequence[Mapping[str, Any]], flow: egress.Flow, sources: Sequence[cidr.Network]
) -> FirewallVerdict:
    """What the policy's network rules decide for ``flow`` from ``sources``."""
    collections = _ordered_collections(groups)
    for collection in collections:
        action = str(documents.get(collection, "action", "type") or "").lower()
        for rule in _rules(collection, "NetworkRule"):
            if _rule_matches(rule, flow, sources):
                decided = Decision.ALLOWED if action == "allow" else Decision.DENIED
                return FirewallVerdict(
                    flow, decided, f"{collection.get('name')}/{rule.get('name')}"
                )
    has_application_rules = any(_rules(c, "ApplicationRule") for c in collections)
    return FirewallVerdict(flow, Decision.UNDECIDED if has_application_rules else Decision.DENIED)


def required_egress(
    groups: Sequence[Mapping[str, Any]], sources: Sequence[cidr.Network]
) -> list[FirewallVerdict]:
    """The verdict on every flow an agent pool needs (``egress.required_flows``)."""
    return [evaluate(groups, flow, sources) for flow in egress.required_flows()]
