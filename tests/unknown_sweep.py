"""Every input of a plan set to unknown, one at a time: no mandatory violation may appear.

In a ``pulumi preview`` any input computed by another resource (an id, a name with a random
suffix, a prefix from an IPAM) arrives at the pack as an unknown sentinel. The README promises
that unknowns never make a mandatory violation: a policy says what it could not check instead.
This sweep takes a plan (the resources the program registers), and for each resource and each
path into its inputs up to ``DEPTH`` steps (object keys and list indices) makes a variant of the
plan where that one value is unknown, in the inputs and, where the path exists there, in the
outputs (azure-native echoes its inputs); then it runs every mandatory policy on the variant, in
process, as the pack runs them (the stack policies on the outputs with property dependencies, the
resource policies on the changed resource's inputs), with the stack's config handed over as the
CLI does. A variant passes when its mandatory violations are among the known plan's.

``tests/test_unknown_sweep.py`` asserts it for the dev and prod plans; ``benchmarks/
unknown_sweep.py`` times it (target: ``TARGET_SECONDS`` for both plans).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

from policy_wire import WireResource
from pulumi_policy import EnforcementLevel, proxy
from test_policies import RESOURCE_CHECKS, STACK_CHECKS, view

from private_acr_policies import POLICIES, _stack_config
from private_acr_policies._model import Stack, kind_of
from private_acr_policies._policy import Finding, run_check
from private_acr_policies._stack_config import StackConfig

DEPTH = 3
TARGET_SECONDS = 30.0
"""The sweep over the dev and prod plans (about 950 variants) must finish within this."""

UNKNOWN = proxy.UNKNOWN_STRING_VALUE
Path = tuple[str | int, ...]


def paths(value: Any, depth: int = DEPTH, prefix: Path = ()) -> Iterator[Path]:
    """Every path into ``value`` of 1 to ``depth`` steps (object keys and list indices)."""
    if len(prefix) == depth:
        return
    if isinstance(value, Mapping):
        steps: list[tuple[str | int, Any]] = list(cast(Mapping[str, Any], value).items())
    elif isinstance(value, list):
        steps = list(enumerate(cast(list[Any], value)))
    else:
        return
    for step, inner in steps:
        yield (*prefix, step)
        yield from paths(inner, depth, (*prefix, step))


def _with_unknown(value: Any, path: Path) -> Any:
    """A copy of ``value`` with ``path`` set to the unknown sentinel (unchanged if absent)."""
    copied = copy.deepcopy(value)
    container = copied
    for step in path[:-1]:
        try:
            container = container[step]
        except (KeyError, IndexError, TypeError):
            return copied
    try:
        if isinstance(container, dict | list):
            container[path[-1]] = UNKNOWN  # type: ignore[index]
    except (IndexError, TypeError):
        pass
    return copied


@dataclass(frozen=True)
class Variant:
    resource: str
    """The name of the resource with an unknown input."""
    path: Path
    resources: tuple[WireResource, ...]
    changed: int
    """The index of that resource."""


def variants(resources: Sequence[WireResource], depth: int = DEPTH) -> Iterator[Variant]:
    for index, resource in enumerate(resources):
        for path in paths(resource.inputs, depth):
            outputs = resource.outputs
            changed = replace(
                resource,
                inputs=_with_unknown(resource.inputs, path),
                outputs=_with_unknown(outputs, path) if outputs is not None else None,
            )
            plan = (*resources[:index], changed, *resources[index + 1 :])
            yield Variant(resource.name, path, plan, index)


MANDATORY = [p for p in POLICIES if p.enforcement_level is EnforcementLevel.MANDATORY]


@dataclass(frozen=True)
class Sweep:
    """The mandatory policies' checks, by kind (names and the pure checks of ``test_policies``)."""

    stack_checks: Mapping[str, Any]
    resource_checks: Mapping[str, Any]

    def violations(
        self, stack_name: str, resources: Sequence[WireResource], only: int | None = None
    ) -> set[tuple[str, str | None, str]]:
        """(policy, urn, message) of every mandatory violation; resource policies run on the
        resource at ``only`` alone when given (the others are as in the known plan)."""
        found: set[tuple[str, str | None, str]] = set()
        stack = Stack([view(r, stack_name, True) for r in resources], name=stack_name)
        for name, (rule, check) in self.stack_checks.items():
            outcomes = run_check(rule, {}, lambda s, c=check: c(stack, s))
            if not isinstance(outcomes, str):
                found |= {(name, o.urn, o.message) for o in outcomes if isinstance(o, Finding)}
        chosen = resources if only is None else [resources[only]]
        for name, (rule, check, types) in self.resource_checks.items():
            for wire in chosen:
                if kind_of(wire.type) not in types:
                    continue
                resource = view(wire, stack_name, False)
                outcomes = run_check(rule, {}, lambda s, c=check, r=resource: c(r, s))
                if not isinstance(outcomes, str):
                    found |= {(name, o.urn, o.message) for o in outcomes if isinstance(o, Finding)}
        return found

    def run(
        self, stack_name: str, config: StackConfig, resources: Sequence[WireResource]
    ) -> tuple[int, list[tuple[str, Path, set[tuple[str, str | None, str]]]]]:
        """The number of variants, and those with mandatory violations the plan does not have."""
        new: list[tuple[str, Path, set[tuple[str, str | None, str]]]] = []
        count = 0
        with _stack_config.given(config):
            known = self.violations(stack_name, resources)
            for variant in variants(resources):
                count += 1
                found = self.violations(stack_name, variant.resources, variant.changed)
                if found - known:
                    new.append((variant.resource, variant.path, found - known))
        return count, new


def sweep() -> Sweep:

    names = {p.name for p in MANDATORY}
    return Sweep(
        {k: v for k, v in STACK_CHECKS.items() if k in names},
        {k: v for k, v in RESOURCE_CHECKS.items() if k in names},
    )
