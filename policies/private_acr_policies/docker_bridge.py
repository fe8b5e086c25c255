"""docker-bridge-cidr-conflict: no declared range may overlap the Docker bridge of the build agents.

ACR Tasks agents build with Docker on its default bridge, 172.17.0.0/16. Learn
(tasks-agent-pools.md, "Using custom DNS") requires a custom DNS server to stay out of that
range; any VNet, subnet, peered or AKS range inside it is unreachable from build containers
in the same way. AKS itself stopped using a Docker bridge with containerd, but older API
versions (and Container Apps environments) still carry an explicit ``dockerBridgeCidr``
field; those are checked against every declared range too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._model import Stack
from private_acr_policies._policy import Finding, Rule, stack_policy
from private_acr_policies._ranges import declared_ranges, explicit_bridges
from private_acr_rules import cidr

RULE = Rule(
    name="docker-bridge-cidr-conflict",
    description="No address range in the stack may overlap the Docker bridge the ACR Tasks agents build on.",
    severity=Severity.CRITICAL,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation=(
        "Move the named range (VNet address space, subnet, custom DNS server, peered range, AKS "
        "service/pod CIDR or DNS service IP) out of the bridge range, default 172.17.0.0/16. If "
        "your agents use another bridge, set dockerBridgeCidr in this policy's config."
    ),
    config={
        "dockerBridgeCidr": {
            "type": "string",
            "default": cidr.DEFAULT_DOCKER_BRIDGE_CIDR,
            "description": "The Docker bridge range of the build agents.",
        }
    },
)


def check(stack: Stack, config: Mapping[str, Any]) -> list[Finding]:
    configured = config.get("dockerBridgeCidr", cidr.DEFAULT_DOCKER_BRIDGE_CIDR)
    bridge = cidr.parse_cidr(configured).network
    if bridge is None:
        return [
            Finding(
                None,
                f"The policy config dockerBridgeCidr {configured!r} is not a CIDR such as 172.17.0.0/16.",
            )
        ]
    declared = [d for resource in stack.resources for d in declared_ranges(resource)]
    findings = [
        Finding(
            d.resource.urn,
            f"{d.resource.name}: {d.field} {d.text} overlaps the Docker bridge {bridge}; build "
            f"containers on the agent pool cannot reach addresses in it.",
        )
        for d in declared
        if (network := d.parsed) is not None and cidr.overlaps(bridge, network)
    ]
    for resource in stack.resources:
        for where, text in explicit_bridges(resource.props):
            explicit = cidr.parse_cidr(text).network
            if explicit is None:
                findings.append(
                    Finding(resource.urn, f"{resource.name}: {where} {text!r} is not a valid CIDR.")
                )
                continue
            findings.extend(
                Finding(
                    resource.urn,
                    f"{resource.name}: {where} {text} overlaps {d.resource.name} {d.field} {d.text}.",
                )
                for d in declared
                if (network := d.parsed) is not None and cidr.overlaps(explicit, network)
            )
    return findings


POLICY = stack_policy(RULE, check)
