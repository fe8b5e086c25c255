"""docker-bridge-cidr-conflict: no declared range may overlap the Docker bridge of the build agents.

ACR Tasks agents build with Docker on its default bridge, 172.17.0.0/16. Learn
(tasks-agent-pools.md, "Using custom DNS") requires a custom DNS server to stay out of that
range; any VNet, subnet, peered or AKS range inside it is unreachable from build containers
in the same way. AKS itself stopped using a Docker bridge with containerd, but older API
versions (and Container Apps environments) still carry an explicit ``dockerBridgeCidr``
field; those are checked against every declared range too.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._config import Cidr, StackValue, setting
from private_acr_policies._model import LazyProps, Stack
from private_acr_policies._policy import (
    Finding,
    NotApplicable,
    Outcome,
    Rule,
    Unchecked,
    origin,
    stack_policy,
)
from private_acr_policies._ranges import every_declared_range, explicit_bridges
from private_acr_policies._stack_config import StackConfig
from private_acr_rules import cidr


def _stack_bridge(stack: StackConfig) -> StackValue | None:
    text = stack.text("dockerBridgeCidr")
    return None if text is None else StackValue(text, stack.key("dockerBridgeCidr"))


@dataclass(frozen=True)
class BridgeSettings:
    docker_bridge_cidr: cidr.Network = setting(  # noqa: RUF009 - setting() declares the field
        Cidr(),
        ipaddress.ip_network(cidr.DEFAULT_DOCKER_BRIDGE_CIDR),
        "The Docker bridge range of the build agents. Default: the stack's dockerBridgeCidr, "
        "else 172.17.0.0/16.",
        from_stack=_stack_bridge,
    )


RULE = Rule(
    name="docker-bridge-cidr-conflict",
    description="No address range in the stack may overlap the Docker bridge the ACR Tasks agents build on.",
    severity=Severity.CRITICAL,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation=(
        "Move the named range (VNet address space, subnet, custom DNS server, peered range, AKS "
        "service/pod CIDR or DNS service IP) out of the bridge range, default 172.17.0.0/16. If "
        "your agents use another bridge, set dockerBridgeCidr in the stack config (this policy "
        "reads it; its own dockerBridgeCidr overrides it)."
    ),
    settings=BridgeSettings,
)

_FIELD = b"dockerBridgeCidr"


def check(stack: Stack, settings: BridgeSettings) -> Iterator[Outcome]:
    bridge = settings.docker_bridge_cidr
    declared = every_declared_range(stack)
    if not declared:
        raise NotApplicable("the stack declares no address ranges")
    for d in declared:
        if d.unknown:
            yield Unchecked(d.resource.urn, f"{d.label} (unknown until deployment)")
        elif d.network is not None and cidr.overlaps(bridge, d.network):
            yield Finding(
                d.resource.urn,
                f"{d.resource.name}: {d.field} {d.text} overlaps the Docker bridge {bridge} "
                f"(dockerBridgeCidr, from {origin('dockerBridgeCidr')}); build containers on the "
                "agent pool cannot reach addresses in it.",
            )
    for resource in stack.resources:
        props = resource.props
        if isinstance(props, LazyProps) and not props.contains_text(_FIELD):
            continue
        for where, text in explicit_bridges(props):
            explicit = stack.parse_cidr(text).network
            if explicit is None:
                yield Finding(
                    resource.urn, f"{resource.name}: {where} {text!r} is not a valid CIDR."
                )
                continue
            for d in declared:
                if d.network is not None and cidr.overlaps(explicit, d.network):
                    yield Finding(
                        resource.urn,
                        f"{resource.name}: {where} {text} overlaps {d.resource.name} {d.field} {d.text}.",
                    )


POLICY = stack_policy(RULE, check)
