"""vnet-subnet-cidr-integrity: every subnet lies inside its VNet and no two siblings overlap.

Azure refuses a subnet outside its VNet's address space or overlapping a sibling, but only
at deployment time, after other resources were created. Subnets may be inline in the VNet
or standalone ``Subnet`` resources (linked by property dependency or VNet name); both count.
Prefixes that do not parse are reported here, naming the resource and field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._model import Resource, Stack, get
from private_acr_policies._network_links import vnet_of
from private_acr_policies._policy import Finding, Rule, stack_policy
from private_acr_policies._ranges import DeclaredRange, declared_ranges
from private_acr_rules import cidr

RULE = Rule(
    name="vnet-subnet-cidr-integrity",
    description="Subnets must be valid CIDRs inside their VNet's address space and must not overlap each other.",
    severity=Severity.HIGH,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation=(
        "Fix the named prefix: write it as a network address (e.g. 10.40.1.0/24), place it inside "
        "the VNet's address space, and give each subnet its own range."
    ),
)


def _subnet_key(subnet: Resource) -> str:
    name = get(subnet.props, "subnetName") or subnet.physical_name
    return f"subnets[{name}]" if isinstance(name, str) else subnet.urn


def check(stack: Stack, config: Mapping[str, Any]) -> list[Finding]:
    vnets = list(stack.of_type("network", "VirtualNetwork"))
    members: dict[str, list[DeclaredRange]] = {vnet.urn: [] for vnet in vnets}
    findings: list[Finding] = []

    def invalid(d: DeclaredRange) -> bool:
        parsed = cidr.parse_cidr(d.text)
        if parsed.network is None or parsed.host_bits_set:
            why = (
                f"has host bits set (use {parsed.network})"
                if parsed.network
                else "is not a valid CIDR"
            )
            findings.append(
                Finding(d.resource.urn, f"{d.resource.name}: {d.field} {d.text!r} {why}.")
            )
            return True
        return False

    standalone_names: dict[str, set[str]] = {}
    for subnet in stack.of_type("network", "Subnet"):
        vnet = vnet_of(stack, subnet)
        ranges = [d for d in declared_ranges(subnet) if not invalid(d)]
        if vnet is not None:
            members[vnet.urn].extend(ranges)
            standalone_names.setdefault(vnet.urn, set()).add(_subnet_key(subnet))
    for vnet in vnets:
        spaces: list[cidr.Labelled] = []
        for d in declared_ranges(vnet):
            if d.kind not in ("vnet", "subnet") or invalid(d):
                continue
            if d.kind == "vnet" and (labelled := d.labelled()):
                spaces.append(labelled)
            elif d.kind == "subnet" and d.field.split(".")[0] not in standalone_names.get(
                vnet.urn, set()
            ):
                members[vnet.urn].append(d)
        by_label = {f"{d.resource.name} {d.field}": d for d in members[vnet.urn]}
        subnets = [labelled for d in members[vnet.urn] if (labelled := d.labelled()) is not None]
        if not spaces:
            continue
        for problem_subnet in subnets:
            if not cidr.inside_any(problem_subnet.network, [s.network for s in spaces]):
                owner = by_label[problem_subnet.label].resource
                findings.append(
                    Finding(
                        owner.urn,
                        f"{problem_subnet.label} {problem_subnet.network} is not inside the address "
                        f"space of {vnet.name} ({', '.join(str(s.network) for s in spaces)}).",
                    )
                )
        for a, b in cidr.overlapping_pairs(subnets):
            owner = by_label[b.label].resource
            findings.append(
                Finding(
                    owner.urn,
                    f"{b.label} {b.network} overlaps {a.label} {a.network} in {vnet.name}.",
                )
            )
    return findings


POLICY = stack_policy(RULE, check)
