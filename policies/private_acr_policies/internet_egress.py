"""agent-pool-internet-egress: in production, builds cannot reach an arbitrary internet address.

A build reads what is private (the private artifact, the vault's secrets, the sources it
builds); an agent subnet whose NSG lets it open TCP 443 to any internet address lets a
Dockerfile send all of that anywhere. In a production stack (``productionStacks``, like the
other production policies) the NSG of every agent pool's subnet must decide TCP 443 from the
subnet to "any internet host" (and to other Azure tenants' addresses, ``AzureCloud``) as a
Deny, evaluated as Azure evaluates it, by the evaluator the other NSG policies use
(``private_acr_rules.egress.internet_reach``): rules by priority, then Azure's defaults, whose
``AllowInternetOutBound`` allows it when nothing above denies it. An Allow of a service tag
(``Storage``) or of a CIDR (a Git host's range) opens those addresses only and does not count.
The violation names the rule that lets the traffic out. A subnet without an NSG is under
Azure's defaults alone, so it fails too. Outside production the program warns instead
(``network.agentEgress: open``, or an existing subnet whose NSG allows it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._config import production_stacks
from private_acr_policies._links import SubnetRef, nsg_of, nsg_rules, ruleset, unknown_rules
from private_acr_policies._model import Resource, Stack
from private_acr_policies._policy import (
    Finding,
    Outcome,
    Rule,
    Unchecked,
    require_production,
    stack_policy,
)
from private_acr_policies.agent_pool import each_injected_pool
from private_acr_rules import egress


@dataclass(frozen=True)
class InternetEgressSettings:
    production_stacks: tuple[str, ...] = production_stacks()


RULE = Rule(
    name="agent-pool-internet-egress",
    description="In a production stack, an agent pool's subnet must not let builds reach an arbitrary internet address.",
    severity=Severity.HIGH,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation=(
        "Keep network.agentEgress restricted (the default): the agent NSG then ends with an "
        "outbound Deny of Internet below the rules the agents need "
        "(private_acr_rules.egress.agent_nsg_rules). List what builds must reach beyond them "
        "in network.agentEgressAllow (a CIDR or a service tag), or route them through a "
        "firewall; for an NSG you do not own, add a Deny of Internet at priority 4096."
    ),
    settings=InternetEgressSettings,
)

_SHOWN = "TCP 443"


def _reach_of(stack: Stack, pool: Resource, subnet: SubnetRef) -> Iterator[Outcome]:
    found = nsg_of(stack, subnet)
    if found.state == "absent":
        yield Finding(
            pool.urn,
            f"{pool.name}: subnet {subnet.label} has no NSG, so Azure's default rule "
            f"'AllowInternetOutBound' lets builds send {_SHOWN} to any internet address.",
        )
        return
    if found.target is None:
        where = "not known until deployment" if found.state == "unknown" else "not in this stack"
        yield Unchecked(pool.urn, f"{pool.name}: the NSG of subnet {subnet.label} ({where})")
        return
    group = found.target
    sources = nsg_rules(stack, group)
    rules = ruleset(sources)
    prefixes, prefix_unknown = subnet.prefixes(stack)
    reaches = [egress.internet_reach(rules, prefixes)] if prefixes else []
    if prefix_unknown or not prefixes:
        reaches.append(egress.internet_reach(rules, []))
    allowing: dict[str, tuple[str, dict[str, None]]] = {}
    for part in (part for reach in reaches for part in reach.allowing):
        by = "Azure's default rule" if part.rule.default else "rule"
        _, destinations = allowing.setdefault(
            part.rule.describe(), (f"{by} {part.rule.describe()}", {})
        )
        destinations[part.destination] = None
    for by, destinations in allowing.values():
        yield Finding(
            pool.urn,
            f"{pool.name}: NSG {group.name} lets builds send {_SHOWN} from subnet "
            f"{subnet.label} to {' and '.join(destinations)} ({by}); what a build reads can "
            "leave for any address.",
        )
    if not allowing and any(reach.undecided for reach in reaches):
        depends = [f"the address prefix of subnet {subnet.label}"] if prefix_unknown else []
        depends += unknown_rules(sources, rules)
        yield Unchecked(
            pool.urn,
            f"{pool.name}: {_SHOWN} to the internet through NSG {group.name} (depends on "
            f"{', '.join(depends) or 'a rule not known yet'}, not known until deployment)",
        )


def check(stack: Stack, settings: InternetEgressSettings) -> Iterator[Outcome]:
    require_production(stack, settings.production_stacks)
    yield from each_injected_pool(stack, _reach_of)


POLICY = stack_policy(RULE, check)
