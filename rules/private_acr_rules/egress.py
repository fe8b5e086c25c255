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

Restricted egress (``AgentEgress.RESTRICTED``, the default): the agent NSG also allows
Microsoft Container Registry and the destinations a stack lists, then denies ``Internet`` at
the last custom priority, above Azure's ``AllowInternetOutBound``. What a build reads (the
private artifact, the vault's secrets) then cannot go to an arbitrary address; the required
service tags cover each whole service, any tenant's, so this narrows the way out and does not
close it. :func:`internet_reach` says whether a rule list lets TCP 443 out to any internet
address, for the pack and the preflight.

For a caller with plain rule dicts (Pulumi inputs or ``az network nsg show`` output)::

    check = agent_pool_egress(nsg["securityRules"], [ipaddress.ip_network("10.40.1.0/24")])
    check.blocked     # required flows some rule denies, with the rule
    check.undecided   # required flows that depend on values not known yet
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
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


# Restricted egress -------------------------------------------------------------------------


class AgentEgress(StrEnum):
    """What an agent subnet's NSG lets the builds reach beyond what they need."""

    RESTRICTED = "restricted"
    """The required flows, Microsoft Container Registry, the build destinations and the allowed
    entries, then a Deny of ``Internet``: a build cannot send what it reads to any address."""
    OPEN = "open"
    """Azure's ``AllowInternetOutBound`` stays in force: any internet address is reachable."""


MCR_EGRESS: tuple[EgressRequirement, ...] = (
    EgressRequirement("MicrosoftContainerRegistry", (443,)),
    EgressRequirement("AzureFrontDoor.FirstParty", (443,)),
)
"""Pulling from ``mcr.microsoft.com`` (the Azure CLI image of the built-in task, Microsoft's
base images). Microsoft's MCR client firewall rules (microsoft/containerregistry,
docs/client-firewall-rules.md, which Learn's container-registry-firewall-rules links for MCR):
"if you are using service tag for firewall configuration you should enable both
MicrosoftContainerRegistry as well as the AzureFrontDoor.FirstParty service tags"; Learn,
service-tags-overview: MicrosoftContainerRegistry "has a dependency on the
AzureFrontDoor.FirstParty tag"."""

MCR_FIRST_PRIORITY = 250
"""After the required rules (200-240), before the build destinations (300 and up)."""
EGRESS_ALLOW_FIRST_PRIORITY = 1000
"""``agentEgressAllow`` entries: after the build destinations, which end below 1000."""
EGRESS_ALLOW_MAX = 300
"""Entries that fit between 1000 and the Deny (10 apart)."""
BUILD_DESTINATION_MAX = 70
"""Build destinations that fit between 300 and 1000 (10 apart)."""
DENY_INTERNET_PRIORITY = 4096
"""The last priority a custom rule may take (Learn, network-security-groups-overview:
priorities 100-4096), so every Allow above stays in force and Azure's defaults never decide
traffic to the internet."""
DENY_INTERNET_RULE = "deny-internet-outbound"


def mcr_rules() -> tuple[NsgRule, ...]:
    """Allow rules for Microsoft Container Registry (``MCR_EGRESS``)."""
    names = ("allow-mcr-outbound", "allow-mcr-frontdoor-outbound")
    return tuple(
        allow_outbound(
            name,
            req.service_tag,
            req.ports,
            MCR_FIRST_PRIORITY + 10 * index,
            f"ACR Tasks agents pull from Microsoft Container Registry ({req.service_tag})",
        )
        for index, (name, req) in enumerate(zip(names, MCR_EGRESS, strict=True))
    )


@dataclass(frozen=True)
class EgressAllowance:
    """One ``agentEgressAllow`` entry: TCP to a CIDR or a service tag on some ports."""

    name: str
    destination: str
    ports: tuple[int, ...]


def egress_allow_rules(allowances: Sequence[EgressAllowance]) -> tuple[NsgRule, ...]:
    """One outbound Allow rule per entry, ``allow-<name>-outbound``, in order."""
    return tuple(
        allow_outbound(
            f"allow-{allowance.name}-outbound",
            allowance.destination,
            allowance.ports,
            EGRESS_ALLOW_FIRST_PRIORITY + 10 * index,
            f"ACR Tasks builds reach {allowance.destination} ({allowance.name})"[:140],
        )
        for index, allowance in enumerate(allowances)
    )


def deny_internet_rule() -> NsgRule:
    """The outbound Deny of ``Internet`` a restricted agent NSG ends with."""
    return NsgRule(
        name=DENY_INTERNET_RULE,
        priority=DENY_INTERNET_PRIORITY,
        direction="Outbound",
        access="Deny",
        protocol="*",
        source_address_prefix="*",
        destination_address_prefix="Internet",
        destination_port_range="*",
        description="ACR Tasks builds reach only the destinations allowed above",
    )


def agent_nsg_rules(
    egress: AgentEgress,
    destinations: Sequence[BuildDestination] = (),
    allowances: Sequence[EgressAllowance] = (),
) -> tuple[NsgRule, ...]:
    """Every rule of an agent NSG: the required egress, Microsoft Container Registry when
    restricted, the build destinations, the allowed entries, and the Deny when restricted."""
    restricted = egress is AgentEgress.RESTRICTED
    return (
        *agent_pool_rules(),
        *(mcr_rules() if restricted else ()),
        *build_destination_rules(destinations),
        *egress_allow_rules(allowances),
        *((deny_internet_rule(),) if restricted else ()),
    )


INTERNET_PORT = 443
"""The port a build would send data out on: HTTPS reaches every storage and paste service."""


@dataclass(frozen=True)
class InternetReach:
    """Whether TCP 443 from an agent subnet to an arbitrary internet address is allowed."""

    allowing: tuple[nsg.Part, ...]
    """Parts of that flow some rule allows, with the rule (Azure's default, or one of ours)."""
    undecided: tuple[nsg.Part, ...]
    """Parts decided by a value not known yet."""


def internet_reach(
    rules: Iterable[Mapping[str, Any] | NsgRule] | nsg.RuleSet,
    source_prefixes: Sequence[nsg.Network] = (),
) -> InternetReach:
    """How the NSG ``rules`` decide TCP 443 from the agent subnet to any internet host (and to
    other Azure tenants' addresses, ``AzureCloud``), as Azure evaluates them: a rule naming a
    service tag or a CIDR does not count, since it allows those addresses only."""
    ruleset = (
        rules
        if isinstance(rules, nsg.RuleSet)
        else nsg.RuleSet(r.arm() if isinstance(r, NsgRule) else r for r in rules)
    )
    verdict = ruleset.evaluate(
        nsg.Flow.to_ports(
            "Outbound", "Tcp", nsg.addresses(source_prefixes), nsg.internet(), [INTERNET_PORT]
        )
    )
    return InternetReach(tuple(verdict.allowing), tuple(verdict.undecided))
