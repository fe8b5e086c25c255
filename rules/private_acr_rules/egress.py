"""What a VNet-injected ACR Tasks agent pool must reach, and whether an NSG lets it.

Microsoft Learn, "Run an ACR task on a dedicated agent pool" (tasks-agent-pools.md, 2026-08):
outbound TCP from the agent subnet to AzureKeyVault, Storage, EventHub and
AzureActiveDirectory on 443 and to AzureMonitor on 443 and 12000 ("a unique port used for
diagnostics"). The network component builds its NSG from ``REQUIRED_EGRESS`` (as
``nsg_rule.NsgRule`` values, :func:`agent_pool_rules`) and the policy
pack and the stack settings check any NSG against the same table with the evaluator in
``private_acr_rules.nsg``, so the three cannot drift apart. A build's own private destinations
(an internal registry at an address and port) get Allow rules from the same helper, after the
required ones.

For a caller with plain rule dicts (Pulumi inputs or ``az network nsg show`` output)::

    check = agent_pool_egress(nsg["securityRules"], [ipaddress.ip_network("10.40.1.0/24")])
    check.blocked     # required flows some rule denies, with the rule
    check.undecided   # required flows that depend on values not known yet
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from private_acr_rules import nsg
from private_acr_rules.nsg_rule import NsgRule, allow_outbound


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


@dataclass(frozen=True)
class Flow:
    """One required flow: TCP from the agent subnet to a service tag on one port."""

    service_tag: str
    port: int

    def __str__(self) -> str:
        return f"TCP {self.port} to {self.service_tag}"


@dataclass(frozen=True)
class BlockedFlow:
    flow: Flow
    rule_name: str
    priority: int | None
    rule: nsg.SecurityRule


@dataclass(frozen=True)
class EgressCheck:
    blocked: tuple[BlockedFlow, ...]
    """Required flows that some rule denies (one entry per denying rule)."""
    undecided: tuple[Flow, ...]
    """Required flows not denied by any known rule but decided by a value not known yet."""


def required_flows() -> list[Flow]:
    return [Flow(req.service_tag, port) for req in REQUIRED_EGRESS for port in req.ports]


def agent_pool_rules(first_priority: int = 200) -> tuple[NsgRule, ...]:
    """The NSG rules that open exactly the required flows."""
    return tuple(
        allow_outbound(
            f"allow-{req.service_tag.lower()}-outbound",
            req.service_tag,
            req.ports,
            first_priority + 10 * index,
            f"ACR Tasks agent pool egress to {req.service_tag}",
        )
        for index, req in enumerate(REQUIRED_EGRESS)
    )


def agent_pool_security_rules(first_priority: int = 200) -> list[dict[str, Any]]:
    """:func:`agent_pool_rules` in the ARM shape, beside rules read from ``az network nsg show``."""
    return [rule.arm() for rule in agent_pool_rules(first_priority)]


@dataclass(frozen=True)
class BuildDestination:
    """A private destination a build reaches, such as an internal registry."""

    label: str
    """What it is, for the rule's description (e.g. the registry's login server)."""
    network: nsg.Network
    port: int


BUILD_DESTINATION_PORT = 443
"""The port a build destination is reached on when neither its ``port`` nor its login server
(``host:port``) says another: HTTPS, where a registry serves the Docker registry API."""


def login_server_port(server: str) -> int | None:
    """The port a login server names (``registry.internal.example.com:5000`` is reached on
    5000, as Docker does); ``None`` when it names none, or none from 1 to 65535."""
    host, colon, written = server.rpartition(":")
    if not colon or not host or not written.isascii() or not written.isdigit():
        return None
    port = int(written)
    return port if 1 <= port <= 65535 else None


BUILD_DESTINATION_FIRST_PRIORITY = 300
"""Below the required rules (200-240), so no build destination can shadow them."""


def build_destination_rules(destinations: Sequence[BuildDestination]) -> tuple[NsgRule, ...]:
    """One outbound Allow rule per destination (TCP to its address and port), in order."""
    return tuple(
        allow_outbound(
            f"allow-build-destination-{index + 1}-outbound",
            str(destination.network),
            (destination.port,),
            BUILD_DESTINATION_FIRST_PRIORITY + 10 * index,
            f"ACR Tasks builds reach {destination.label}"[:140],
        )
        for index, destination in enumerate(destinations)
    )


def agent_pool_egress(
    rules: Iterable[Mapping[str, Any] | NsgRule] | nsg.RuleSet,
    source_prefixes: Sequence[nsg.Network] = (),
) -> EgressCheck:
    """Which required flows the NSG ``rules`` block for an agent subnet with these prefixes.

    With no prefixes the subnet's addresses count as unknown: rules naming explicit source
    prefixes then cannot be said to match it.
    """
    ruleset = (
        rules
        if isinstance(rules, nsg.RuleSet)
        else nsg.RuleSet(r.arm() if isinstance(r, NsgRule) else r for r in rules)
    )
    source = nsg.addresses(source_prefixes)
    blocked: list[BlockedFlow] = []
    undecided: list[Flow] = []
    for requirement in REQUIRED_EGRESS:
        destination = nsg.service_tag(requirement.service_tag)
        verdict = ruleset.evaluate(
            nsg.Flow.to_ports("Outbound", "Tcp", source, destination, requirement.ports)
        )
        for port in requirement.ports:
            flow = Flow(requirement.service_tag, port)
            denying = dict.fromkeys(
                p.rule for p in verdict.denying if nsg.ports_in(p.destination_ports, [port])
            )
            blocked.extend(BlockedFlow(flow, r.name, r.priority, r) for r in denying)
            undecided_here = [
                p for p in verdict.undecided if nsg.ports_in(p.destination_ports, [port])
            ]
            if not denying and undecided_here:
                undecided.append(flow)
    return EgressCheck(tuple(blocked), tuple(undecided))


def blocked_flows(
    rules: Iterable[Mapping[str, Any] | NsgRule], source_ranges: Sequence[nsg.Network] = ()
) -> list[BlockedFlow]:
    """Required flows some rule of ``rules`` denies (see ``agent_pool_egress``)."""
    return list(agent_pool_egress(rules, source_ranges).blocked)
