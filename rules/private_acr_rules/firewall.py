"""Azure Firewall policies as Azure Firewall evaluates them: does a policy let a flow through?

Policy documents in the shape both Pulumi inputs and ``az network firewall policy show`` /
``az network firewall policy rule-collection-group show`` use go in (a policy's rule collection
groups with ``priority`` and ``ruleCollections``; each collection's ``ruleCollectionType``,
``priority``, ``action.type`` and ``rules`` with ``ruleType``); a ``nsg.Verdict`` comes out,
saying which rule decided each part of the flow. The matching of addresses, prefixes, service
tags (with their regional forms), ports, protocols and values not known yet is the NSG
evaluator's (``private_acr_rules.nsg``): one implementation. Nothing here imports Pulumi: the
preflight and the policy pack both call it.

Semantics and their sources (Microsoft Learn):

- "Azure Firewall rule processing logic" (firewall/rule-processing, "Rule processing using
  Firewall Policy"): rules are processed by rule collection group priority, then rule
  collection priority, lower numbers first; "If a Firewall Policy is inherited from a parent
  policy, Rule Collection Groups in the parent policy always takes precedence regardless of the
  priority of a child policy"; "Application rules are always processed after Network rules,
  which are processed after DNAT rules regardless of Rule collection group or Rule collection
  priority and policy inheritance". Rules are terminating: the first match decides with its
  collection's action; a DNAT match is translated and allowed. Azure Firewall "denies all
  traffic by default". Application rules evaluate HTTP, HTTPS and MSSQL by FQDN, URL, FQDN tag
  or web category, which name no addresses: such a rule may or may not match a flow, so a flow
  it could allow is undecided and one it could only deny is denied. The built-in infrastructure
  rule collection ("infrastructure FQDNs ... specific for the platform and can't be used for
  other purposes") is not a path for workload traffic and is not modelled.
- "Azure Firewall Policy rule sets" (firewall/policy-rule-sets): rule collection groups hold
  DNAT, network and application rule collections; a collection's rules are of its type.
- Hierarchical policies (firewall/policy-rule-sets and firewall-manager/rule-hierarchy): a
  policy with a ``basePolicy`` inherits all of its parent's rule collections, and a parent may
  have a parent of its own; the chain is given here root first.
- Sources and destinations: addresses, CIDRs, ranges (``10.50.1.0-10.50.1.255``), ``*``, IP
  Groups ("IP Groups in Azure Firewall": an IP Group holds addresses, ranges and subnets) and,
  in destinations, service tags (firewall/service-tags, with their regional forms, Learn
  service-tags-overview) and FQDNs (network rules with DNS proxy: names, resolved at run time,
  so such a rule may or may not match). Protocols: ``TCP``, ``UDP``, ``ICMP``, ``Any``.

A field, rule, collection, group or parent policy that is not known yet (``UNKNOWN``, or an IP
Group or parent the caller could not read) is a rule that may match anything: the parts it
could decide are undecided, never guessed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any

from private_acr_rules import documents, egress, nsg
from private_acr_rules.unknown import UNKNOWN

IpGroups = Callable[[str], Sequence[str] | None]
"""Answers an IP Group's ARM id with its ``ipAddresses``, or ``None`` when they cannot be read
(a group outside the stack, or not known yet): such a group may or may not hold an address."""


class Stage(IntEnum):
    """The kinds of rules, in the order Azure Firewall processes them."""

    DNAT = 0
    NETWORK = 1
    APPLICATION = 2


_RULE_STAGES = {
    "natrule": Stage.DNAT,
    "networkrule": Stage.NETWORK,
    "applicationrule": Stage.APPLICATION,
}
_APPLICATION_PORTS = {"http": 80, "https": 443, "mssql": 1433}


@dataclass(frozen=True)
class PolicyDocument:
    """One Azure Firewall policy: its name and its rule collection groups (the properties of
    each group, as Azure returns them; ``UNKNOWN`` when they are not known)."""

    name: str
    groups: Sequence[Mapping[str, Any]] | Any = ()


DEFAULT_DENY_NAME = "no rule allows it (Azure Firewall denies by default)"


def _default_deny(direction: nsg.Direction) -> nsg.SecurityRule:
    return nsg.SecurityRule(
        name=DEFAULT_DENY_NAME,
        priority=65500,
        direction=direction,
        access="Deny",
        protocols=frozenset(nsg.PROTOCOLS),
        source=nsg.address_selector(["*"]),
        source_ports=((0, 65535),),
        destination=nsg.address_selector(["*"]),
        destination_ports=((0, 65535),),
        default=True,
    )


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _range_tokens(tokens: Iterable[str]) -> list[str]:
    """Tokens with ranges (``10.50.1.0-10.50.1.255``) written as the CIDRs they hold."""
    out: list[str] = []
    for token in tokens:
        low, dash, high = token.strip().partition("-")
        if dash and low and high:
            try:
                first, last = ipaddress.ip_address(low), ipaddress.ip_address(high)
                out += [str(n) for n in ipaddress.summarize_address_range(first, last)]
                continue
            except (ValueError, TypeError):
                pass
        out.append(token)
    return out


@dataclass
class _Reader:
    """Turns rule documents into the NSG evaluator's rules, in processing order."""

    ip_groups: IpGroups
    direction: nsg.Direction
    rules: list[tuple[Stage, tuple[int, ...], nsg.SecurityRule]] = field(
        default_factory=list[tuple[Stage, tuple[int, ...], nsg.SecurityRule]]
    )

    def add(self, stage: Stage, order: tuple[int, ...], rule: nsg.SecurityRule) -> None:
        self.rules.append((stage, order, rule))

    def unknown(self, stages: Iterable[Stage], order: tuple[int, ...], name: str) -> None:
        """A rule of which nothing is known, in each stage it could belong to."""
        for stage in stages:
            rule = nsg.SecurityRule(
                name,
                None,
                None,
                None,
                None,
                nsg.unknown_selector(),
                None,
                nsg.unknown_selector(),
                None,
            )
            self.add(stage, order, rule)

    def selector(
        self, rule: Mapping[str, Any], addresses: str, groups: str, fqdns: Sequence[str] = ()
    ) -> nsg.Selector:
        listed, ip_groups = rule.get(addresses), rule.get(groups)
        if listed is UNKNOWN or ip_groups is UNKNOWN:
            return nsg.unknown_selector()
        tokens: list[str] = []
        for value in [*documents.items(listed), *documents.items(ip_groups)]:
            if value is UNKNOWN:
                return nsg.unknown_selector()
        tokens += documents.strings(listed)
        maybe = False
        for group in documents.strings(ip_groups):
            held = self.ip_groups(group)
            if held is None:
                maybe = True  # an IP Group not read may or may not hold the addresses
            else:
                tokens += held
        shown = [*documents.strings(listed), *documents.strings(ip_groups), *fqdns]
        return nsg.address_selector(
            _range_tokens(tokens), maybe=maybe or bool(fqdns), text=", ".join(shown) or "(none)"
        )

    def security_rule(
        self,
        name: str,
        priority: int | None,
        access: nsg.Access | None,
        rule: Mapping[str, Any],
        stage: Stage,
    ) -> nsg.SecurityRule:
        if stage is Stage.APPLICATION:
            return self._application(name, priority, access, rule)
        protocols = _protocols(rule.get("ipProtocols"))
        fqdns = rule.get("destinationFqdns")
        destination = (
            nsg.unknown_selector()
            if fqdns is UNKNOWN
            else self.selector(
                rule, "destinationAddresses", "destinationIpGroups", documents.strings(fqdns)
            )
        )
        ports = rule.get("destinationPorts")
        return nsg.SecurityRule(
            name=name,
            priority=priority,
            direction=self.direction,
            access="Allow" if stage is Stage.DNAT and access is not None else access,
            protocols=protocols,
            source=self.selector(rule, "sourceAddresses", "sourceIpGroups"),
            source_ports=((0, 65535),),
            destination=destination,
            destination_ports=_ports(ports),
        )

    def _application(
        self, name: str, priority: int | None, access: nsg.Access | None, rule: Mapping[str, Any]
    ) -> nsg.SecurityRule:
        protocols = rule.get("protocols")
        ports: nsg.Intervals | None
        if protocols is UNKNOWN or any(p is UNKNOWN for p in documents.items(protocols)):
            ports = None
        else:
            spans: list[tuple[int, int]] = []
            for protocol in documents.mappings(protocols):
                port = protocol.get("port")
                kind = str(protocol.get("protocolType", "")).lower()
                given = _number(port)
                number = int(given) if given is not None else _APPLICATION_PORTS.get(kind)
                if number is not None:
                    spans.append((number, number))
            ports = nsg.merge(spans)
        names = [
            *documents.strings(rule.get("targetFqdns")),
            *documents.strings(rule.get("targetUrls")),
            *documents.strings(rule.get("fqdnTags")),
            *documents.strings(rule.get("webCategories")),
        ]
        listed = rule.get("destinationAddresses")
        if listed is UNKNOWN:
            destination = nsg.unknown_selector()
        elif documents.strings(listed):
            destination = nsg.address_selector(
                _range_tokens(documents.strings(listed)), maybe=bool(names)
            )
        else:
            # Names, not addresses: the rule may or may not match any address.
            destination = nsg.address_selector([], maybe=True, text=", ".join(names) or "(none)")
        return nsg.SecurityRule(
            name=name,
            priority=priority,
            direction=self.direction,
            access=access,
            protocols=frozenset({"Tcp"}),  # HTTP, HTTPS and MSSQL run over TCP
            source=self.selector(rule, "sourceAddresses", "sourceIpGroups"),
            source_ports=((0, 65535),),
            destination=destination,
            destination_ports=ports,
        )


def _protocols(value: object) -> frozenset[str] | None:
    if value is UNKNOWN or any(v is UNKNOWN for v in documents.items(value)):
        return None
    chosen: set[str] = set()
    for protocol in (p.lower() for p in documents.strings(value)):
        if protocol == "any":
            chosen |= set(nsg.PROTOCOLS)
        elif protocol in ("tcp", "udp", "icmp"):
            chosen.add(protocol.capitalize())
    return frozenset(chosen)


def _ports(value: object) -> nsg.Intervals | None:
    if value is UNKNOWN or any(v is UNKNOWN for v in documents.items(value)):
        return None
    return nsg.port_spans(documents.strings(value))


_ACTIONS: Mapping[str, nsg.Access] = {"allow": "Allow", "deny": "Deny", "dnat": "Allow"}


def _access(collection: Mapping[str, Any]) -> nsg.Access | None:
    action = documents.get(collection, "action", "type")
    return _ACTIONS.get(action.strip().lower()) if isinstance(action, str) else None


def _ordered(items: list[Mapping[str, Any]] | Any) -> list[tuple[int, Mapping[str, Any] | Any]]:
    """Entries by priority, lower first; those of an unknown priority first (they could sit
    anywhere, so they decide nothing for sure)."""
    entries = list(enumerate(documents.items(items)))

    def key(entry: tuple[int, Any]) -> tuple[bool, float, int]:
        index, item = entry
        priority = _number(documents.mapping(item).get("priority"))
        return (priority is not None, priority or 0.0, index)

    return sorted(entries, key=key)


class EffectiveRules:
    """A policy's rules as Azure Firewall processes them: its ``basePolicy`` chain, parent
    first, DNAT then network then application rules, each stage by policy, group priority,
    collection priority and rule order.

    For callers (the preflight with ``az`` documents, the pack with resources of a stack)::

        rules = EffectiveRules([parent, child], ip_groups=lambda group_id: addresses_or_None)
        flow = nsg.Flow.to_ports("Outbound", "Tcp", nsg.addresses(prefixes), nsg.service_tag("Storage"), [443])
        rules.evaluate(flow).denying        # the parts denied, each with the rule (path) that did
        required_egress(rules, nsg.addresses(prefixes))  # an agent pool's flows (egress)
    """

    def __init__(
        self,
        chain: Sequence[PolicyDocument],
        *,
        ip_groups: IpGroups = lambda _group: None,
        direction: nsg.Direction = "Outbound",
    ) -> None:
        self.chain = tuple(chain)
        reader = _Reader(ip_groups, direction)
        for depth, policy in enumerate(self.chain):
            _read_policy(reader, depth, policy)
        reader.rules.sort(key=lambda item: (item[0], item[1]))
        self.rules = tuple(rule for _, _, rule in reader.rules)
        self._defaults = (_default_deny(direction),)

    def evaluate(self, flow: nsg.Flow) -> nsg.Verdict:
        return nsg.evaluate_in_order(self.rules, flow, self._defaults)


def _read_policy(reader: _Reader, depth: int, policy: PolicyDocument) -> None:
    if policy.groups is UNKNOWN:
        reader.unknown(Stage, (depth,), f"{policy.name}: its rule collection groups (not known)")
        return
    for position, (group_index, group) in enumerate(_ordered(policy.groups)):
        group_name = (
            f"{policy.name}/{documents.mapping(group).get('name') or f'groups[{group_index}]'}"
        )
        order = (depth, position)
        data = documents.mapping(group)
        group_known = _number(data.get("priority")) is not None
        collections = data.get("ruleCollections")
        if group is UNKNOWN or collections is UNKNOWN:
            reader.unknown(Stage, order, f"{group_name} (not known until deployment)")
            continue
        for position_in_group, (index, collection) in enumerate(_ordered(collections)):
            where = _Where((*order, position_in_group), group_name, index, group_known)
            _read_collection(reader, where, collection)


@dataclass(frozen=True)
class _Where:
    """A rule collection's place: its processing order, group, index and whether the
    priorities above it are known."""

    order: tuple[int, ...]
    group: str
    index: int
    known: bool


def _read_collection(reader: _Reader, where: _Where, collection: Any) -> None:
    order = where.order
    data = documents.mapping(collection)
    name = f"{where.group}/{data.get('name') or f'ruleCollections[{where.index}]'}"
    nat = "nat" in str(data.get("ruleCollectionType", "")).lower()
    rules = data.get("rules")
    if collection is UNKNOWN or rules is UNKNOWN:
        stages = (Stage.DNAT,) if nat else (Stage.NETWORK, Stage.APPLICATION)
        reader.unknown(stages, order, f"{name} (not known until deployment)")
        return
    known = where.known and _number(data.get("priority")) is not None
    access = _access(data)
    for rule_index, rule in enumerate(documents.items(rules)):
        rule_data = documents.mapping(rule)
        rule_name = f"{name}/{rule_data.get('name') or f'rules[{rule_index}]'}"
        stage = _RULE_STAGES.get(str(rule_data.get("ruleType", "")).lower())
        if rule is UNKNOWN or stage is None:
            reader.unknown(
                (Stage.DNAT,) if nat else (Stage.NETWORK, Stage.APPLICATION),
                (*order, rule_index),
                f"{rule_name} (not known until deployment)",
            )
            continue
        priority = len(reader.rules) if known else None
        reader.add(
            stage,
            (*order, rule_index),
            reader.security_rule(rule_name, priority, access, rule_data, stage),
        )


class Decision(StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class FirewallVerdict:
    """What the firewall does with one required flow."""

    flow: egress.Flow
    decision: Decision
    rule: str | None = None
    """The rule (``policy/group/collection/rule``) that denies the flow, or on which the
    verdict depends when undecided; ``None`` when Azure Firewall's default deny decided."""
    verdict: nsg.Verdict | None = None


def _rule_name(part: nsg.Part) -> str | None:
    return None if part.rule.default else part.rule.name


def required_egress(
    rules: EffectiveRules, source: nsg.Endpoint, flows: Iterable[egress.Flow] | None = None
) -> list[FirewallVerdict]:
    """The verdict on every flow an agent pool needs (``egress.required_flows``), from
    ``source`` (``nsg.addresses(prefixes)``; no prefixes: the subnet's are not known yet)."""
    verdicts: list[FirewallVerdict] = []
    for flow in flows if flows is not None else egress.required_flows():
        destination = nsg.service_tag(flow.service_tag)
        verdict = rules.evaluate(
            nsg.Flow.to_ports("Outbound", "Tcp", source, destination, [flow.port])
        )
        if verdict.denying:
            verdicts.append(
                FirewallVerdict(flow, Decision.DENIED, _rule_name(verdict.denying[0]), verdict)
            )
        elif verdict.undecided:
            verdicts.append(
                FirewallVerdict(flow, Decision.UNDECIDED, _rule_name(verdict.undecided[0]), verdict)
            )
        else:
            verdicts.append(FirewallVerdict(flow, Decision.ALLOWED, None, verdict))
    return verdicts


def policy_chain(
    policy_id: str,
    read: Callable[[str], Mapping[str, Any] | None],
    name_of: Callable[[str], str] = lambda policy_id: policy_id.rstrip("/").rsplit("/", 1)[-1],
) -> tuple[list[str], str | None]:
    """The ids of ``policy_id``'s ``basePolicy`` chain, root first and ``policy_id`` last, read
    with ``read`` (a policy's document, or ``None`` when it cannot be read); and what stopped
    the chain early (a parent that cannot be read, a loop), if anything."""
    chain = [policy_id]
    seen = {policy_id.lower()}
    current = policy_id
    while True:
        document = read(current)
        if document is None:
            return list(reversed(chain)), f"{name_of(current)} cannot be read"
        parent = documents.get(document, "basePolicy", "id")
        if parent is UNKNOWN:
            return list(
                reversed(chain)
            ), f"the parent of {name_of(current)} (not known until deployment)"
        if not isinstance(parent, str) or not parent.strip():
            return list(reversed(chain)), None
        if parent.lower() in seen:
            return list(reversed(chain)), f"{name_of(parent)} is its own ancestor"
        seen.add(parent.lower())
        chain.append(parent)
        current = parent
