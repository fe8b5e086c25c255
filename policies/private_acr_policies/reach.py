"""agent-pool-private-reach: a build on every agent pool reaches every private dependency.

The four verdicts of each pool and dependency (name, route, filter, target) are decided by the
reach model, ``private_acr_rules.reach``; ``_reach_view`` says what the stack (and the snapshot
of existing resources, ``_existing``) shows of each. A ``broken`` verdict on known values is a
violation naming the pool, the dependency, the verdict and the fix; a ``not_checked`` one is
reported as not checked, never as a pass.

The internal registries come from the stack's own ``privateRegistries`` (the config the CLI
hands the pack), or from this policy's ``privateRegistries``, of the same shape. Where Azure
Policy writes the endpoints' records (the stack's ``dns.zoneGroups: policy``), the zones it
writes to are the stack's ``dns.zoneIds``.

The review shows the same cells as a matrix: ``reach_section`` builds this policy's view from
the plan the offline preview ran and calls ``matrix`` with the same settings.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._config import ConfigProblem, Flag, Kind, StackValue, setting
from private_acr_policies._links import AGENT_POOL
from private_acr_policies._model import Resource, Stack
from private_acr_policies._policy import (
    Finding,
    NotApplicable,
    Outcome,
    Rule,
    Unchecked,
    stack_policy,
)
from private_acr_policies._reach_view import InternalRegistry, Matrix, Sources
from private_acr_policies._reach_view import matrix as view_matrix
from private_acr_policies._stack_config import StackConfig
from private_acr_policies.registry import zone_groups_by_policy
from private_acr_rules import cidr, egress, reach
from private_acr_rules.arm import parse_id

_REGISTRY_KEYS = ("usernameSecret", "passwordSecret", "address", "port")


def _address(value: object, path: str) -> cidr.Network | None:
    if value is None:
        return None
    network = cidr.parse_cidr(value).network if isinstance(value, str) else None
    if network is None and isinstance(value, str):
        address = cidr.parse_address(value)
        network = cidr.as_network(address) if address is not None else None
    if network is None:
        raise ConfigProblem(
            path, f"got {value!r}; expected an address or CIDR such as 10.70.4.0/24"
        )
    return network


def _port(value: object, server: str, path: str) -> int:
    """The entry's ``port``, else the login server's ``host:port``, else 443."""
    if value is None:
        return egress.login_server_port(server) or egress.BUILD_DESTINATION_PORT
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if number is None or not float(number).is_integer() or not 0 < number <= 65535:
        raise ConfigProblem(path, f"got {value!r}; expected a port from 1 to 65535")
    return int(number)


@dataclass(frozen=True)
class InternalRegistries(Kind[tuple[InternalRegistry, ...]]):
    """The stack key ``privateRegistries``' shape: login server -> ``{usernameSecret,
    passwordSecret, address, port}``; only ``address`` and ``port`` matter here."""

    def schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "usernameSecret": {"type": "string"},
                    "passwordSecret": {"type": "string"},
                    "address": {"type": "string"},
                    "port": {"type": "integer", "minimum": 1, "maximum": 65535},
                },
                "additionalProperties": False,
            },
        }

    def decode(self, value: object, path: str) -> tuple[InternalRegistry, ...]:
        if not isinstance(value, Mapping):
            raise ConfigProblem(path, f"got {value!r}; expected an object of login servers")
        entries: list[InternalRegistry] = []
        for server, entry in sorted(cast(Mapping[str, object], value).items()):
            where = f"{path}.{server}"
            if not isinstance(entry, Mapping):
                raise ConfigProblem(where, f"got {entry!r}; expected an object")
            fields = cast(Mapping[str, object], entry)
            for key in sorted(set(fields) - set(_REGISTRY_KEYS)):
                known = ", ".join(_REGISTRY_KEYS)
                raise ConfigProblem(f"{where}.{key}", f"not a private registry's key ({known})")
            address = _address(fields.get("address"), f"{where}.address")
            entries.append(
                InternalRegistry(
                    server, address, _port(fields.get("port"), server, f"{where}.port")
                )
            )
        return tuple(entries)

    def encode(self, value: tuple[InternalRegistry, ...]) -> Any:
        return {
            r.server: {**({"address": str(r.address)} if r.address else {}), "port": r.port}
            for r in value
        }


@dataclass(frozen=True)
class ZoneIds(Kind[tuple[tuple[str, str], ...]]):
    """Central private DNS zones by purpose (``registry``, ``blob``, ``vault``), as ARM ids."""

    def schema(self) -> dict[str, Any]:
        return {"type": "object", "additionalProperties": {"type": "string"}}

    def decode(self, value: object, path: str) -> tuple[tuple[str, str], ...]:
        if not isinstance(value, Mapping):
            raise ConfigProblem(path, f"got {value!r}; expected an object of zone ids by purpose")
        pairs: list[tuple[str, str]] = []
        for purpose, zone_id in sorted(cast(Mapping[str, object], value).items()):
            if not isinstance(zone_id, str) or parse_id(zone_id) is None:
                raise ConfigProblem(
                    f"{path}.{purpose}", f"got {zone_id!r}; expected a private DNS zone's ARM id"
                )
            pairs.append((purpose.lower(), zone_id))
        return tuple(pairs)

    def encode(self, value: tuple[tuple[str, str], ...]) -> Any:
        return dict(value)


def _stack_registries(stack: StackConfig) -> StackValue | None:
    text = stack.text("privateRegistries")
    try:
        value: object = json.loads(text) if text is not None else None
    except ValueError:
        return None
    return StackValue(value, stack.key("privateRegistries")) if value is not None else None


def _stack_zone_ids(stack: StackConfig) -> StackValue | None:
    value = stack.object_field("dns", "zoneIds")
    return StackValue(value, f"{stack.key('dns')}.zoneIds") if value is not None else None


@dataclass(frozen=True)
class ReachSettings:
    private_registries: tuple[InternalRegistry, ...] = setting(
        InternalRegistries(),
        (),
        "Internal registries the builds pull from, in the stack key privateRegistries' shape: "
        "login server -> {address, port, usernameSecret, passwordSecret}; port defaults to the "
        "login server's :port, else 443. Default: the stack's privateRegistries.",
        from_stack=_stack_registries,
    )
    zone_groups_managed_by_policy: bool = setting(
        Flag(),
        False,
        "An Azure Policy adds the DNS zone group to every private endpoint, writing the records "
        "into the zones zoneIds names. Default: true when the stack's dns.zoneGroups is policy.",
        from_stack=zone_groups_by_policy,
    )
    zone_ids: tuple[tuple[str, str], ...] = setting(
        ZoneIds(),
        (),
        "Central private DNS zones by purpose (registry, blob, vault), as ARM ids: where Azure "
        "Policy writes the records. Default: the stack's dns.zoneIds.",
        from_stack=_stack_zone_ids,
    )

    def sources(self) -> Sources:
        zones = dict(self.zone_ids) if self.zone_groups_managed_by_policy else None
        return Sources(self.private_registries, zones)


RULE = Rule(
    name="agent-pool-private-reach",
    description="A build on each agent pool must reach each private dependency: its name resolves to the private endpoint, a route leads there, no NSG denies it, and the resource accepts the private path.",
    severity=Severity.HIGH,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation=(
        "Do what the finding's fix says: link the private DNS zone that holds the records to "
        "the agents' VNet (custom DNS servers must forward the service's zone to 168.63.129.16 "
        "from a VNet linked to it, or host the zone); remove or narrow a route that drops the "
        "endpoint subnet; allow TCP 443 (or the registry's port) from the agent subnet in its "
        "NSG and, with endpoint network policies on, in the endpoint subnet's NSG; connect the "
        "endpoint with the right group id and turn the resource's public access off."
    ),
    settings=ReachSettings,
)


def matrix(stack: Stack, settings: ReachSettings) -> Matrix:
    """The stack's reach matrix with this policy's settings (shared with the review)."""
    return stack.memoized(f"reach:{settings!r}", lambda s: view_matrix(s, settings.sources()))


def _finding(
    stack: Stack, pool: Resource, cell: reach.Cell, aspect: str, reason: reach.Reason
) -> Finding:
    blame = reason.subject if reason.subject in stack.by_urn else pool.urn
    fix = f" Fix: {reason.fix}." if reason.fix else ""
    return Finding(blame, f"{cell.pool} -> {cell.dependency}: {aspect} broken: {reason.text}.{fix}")


def check(stack: Stack, settings: ReachSettings) -> Iterator[Outcome]:
    if not stack.of_type(*AGENT_POOL):
        raise NotApplicable("the stack has no ACR agent pool")
    found = matrix(stack, settings)
    if not found.pools:
        raise NotApplicable("no agent pool runs in a VNet subnet")
    if not found.cells:
        raise NotApplicable(
            "the stack has no private dependency (a private endpoint, a private registry or a "
            "privateRegistries entry)"
        )
    for pool, cell in found.cells:
        for aspect, reason in cell.problems(reach.Verdict.BROKEN):
            yield _finding(stack, pool, cell, aspect, reason)
        unchecked = cell.problems(reach.Verdict.NOT_CHECKED)
        if unchecked:
            what = "; ".join(f"{aspect}: {reason.text}" for aspect, reason in unchecked)
            yield Unchecked(pool.urn, f"{cell.pool} -> {cell.dependency} ({what})")


POLICY = stack_policy(RULE, check)
