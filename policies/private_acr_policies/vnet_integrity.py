"""vnet-subnet-cidr-integrity: every subnet lies inside its VNet and no two siblings overlap.

Azure refuses a subnet outside its VNet's address space or overlapping a sibling, but only
at deployment time, after other resources were created. Subnets may be inline in the VNet
or standalone ``Subnet`` resources (linked to their VNet by identity, see ``_links``); both
count. Prefixes that do not parse are reported here, naming the resource and field.
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._config import NoSettings
from private_acr_policies._links import SUBNET, VNET, vnet_of
from private_acr_policies._model import Resource, Stack, get
from private_acr_policies._policy import (
    Finding,
    NotApplicable,
    Outcome,
    Rule,
    Unchecked,
    stack_policy,
)
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
    settings=NoSettings,
)


def _subnet_key(subnet: Resource) -> str:
    name = get(subnet.props, "subnetName") or get(subnet.props, "name")
    return f"subnets[{name}]" if isinstance(name, str) else subnet.urn


def _invalid(d: DeclaredRange) -> Finding | None:
    if d.unknown or (d.network is not None and not d.host_bits_set):
        return None
    why = f"has host bits set (use {d.network})" if d.network else "is not a valid CIDR"
    return Finding(d.resource.urn, f"{d.resource.name}: {d.field} {d.text!r} {why}.")


def _members(stack: Stack) -> Iterator[Outcome | tuple[Resource, DeclaredRange]]:
    """Each valid subnet range with its VNet, and the findings and notes on the way."""
    standalone: dict[str, set[str]] = {}
    for subnet in stack.of_type(*SUBNET):
        vnet = vnet_of(stack, subnet)
        for d in declared_ranges(stack, subnet):
            problem = _invalid(d)
            if problem is not None:
                yield problem
            elif d.unknown:
                yield Unchecked(subnet.urn, f"{d.label} (unknown until deployment)")
            elif vnet.target is not None:
                yield (vnet.target, d)
        if vnet.target is not None:
            standalone.setdefault(vnet.target.urn, set()).add(_subnet_key(subnet))
        elif vnet.state == "unknown":
            yield Unchecked(subnet.urn, f"{subnet.name}: its VNet (not known until deployment)")
    for vnet in stack.of_type(*VNET):
        for d in declared_ranges(stack, vnet):
            if d.kind not in ("vnet", "subnet"):
                continue
            problem = _invalid(d)
            if problem is not None:
                yield problem
            elif d.unknown:
                yield Unchecked(vnet.urn, f"{d.label} (unknown until deployment)")
            elif d.kind == "vnet" or d.field.split(".")[0] not in standalone.get(vnet.urn, set()):
                yield (vnet, d)


def check(stack: Stack, settings: NoSettings) -> Iterator[Outcome]:
    if not stack.of_type(*VNET) and not stack.of_type(*SUBNET):
        raise NotApplicable("the stack has no VNet or subnet")
    spaces: dict[str, list[cidr.Labelled]] = {}
    subnets: dict[str, list[tuple[cidr.Labelled, Resource]]] = {}
    owners: dict[str, Resource] = {}
    for item in _members(stack):
        if not isinstance(item, tuple):
            yield item
            continue
        vnet, d = item
        owners[vnet.urn] = vnet
        labelled = d.labelled()
        if labelled is None:
            continue
        if d.kind == "vnet":
            spaces.setdefault(vnet.urn, []).append(labelled)
        else:
            subnets.setdefault(vnet.urn, []).append((labelled, d.resource))
    for urn, members in subnets.items():
        vnet = owners[urn]
        space = spaces.get(urn, [])
        if space:
            shown = ", ".join(str(s.network) for s in space)
            for subnet, owner in members:
                if not cidr.inside_any(subnet.network, [s.network for s in space]):
                    yield Finding(
                        owner.urn,
                        f"{subnet.label} {subnet.network} is not inside the address space of {vnet.name} ({shown}).",
                    )
        owner_of = {id(s): o for s, o in members}
        for a, b in cidr.overlapping_pairs([s for s, _ in members]):
            yield Finding(
                owner_of[id(b)].urn,
                f"{b.label} {b.network} overlaps {a.label} {a.network} in {vnet.name}.",
            )


POLICY = stack_policy(RULE, check)
