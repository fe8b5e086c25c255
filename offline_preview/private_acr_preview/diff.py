"""What a plan does to its base: each resource created, updated, replaced, deleted or left the same.

The comparison is the Pulumi engine's, on inputs (pkg/resource/deploy/step_generator.go):

- a URN of the plan that the base holds, directly or through one of the resource's aliases, is
  the same resource: its inputs are compared path by path (``networkProfile.serviceCidr``,
  ``agentPoolProfiles[0].count``), leaving out what ``ignore_changes`` names. No difference:
  ``same``. A difference in a property its provider replaces on, or one the resource's
  ``replaceOnChanges`` names: ``replace``. Any other: ``update``;
- a URN the base does not hold is a ``create``, unless exactly one resource of the same type
  and name disappears from the base (its URN changed and no alias covers the old one): Pulumi
  then creates the new resource and deletes the old, a ``replace`` for the reviewer;
- a URN of the base the plan no longer has, and no alias covers: ``delete``.

What a provider replaces on, and what deleting a type loses, come from provider facts:
installed packages register them under the entry-point group ``offline_preview.provider_facts``,
one entry per package prefix (``azure-native``), a callable from a type token to an object with
``replace_on`` (input paths), ``auto_name`` (the input the provider fills with a generated name
and keeps from the state) and ``destroys`` (what is lost, or None). Without facts for a
package, only ``replaceOnChanges`` and URN changes replace, and the review says so.

A base value held encrypted is reported "not compared", never as a change. A ``delete`` or
``replace`` of a resource that holds data or an identity, or that the base protects, is
destructive: a mandatory finding unless ``--allow-replace`` names its URN.
"""

from __future__ import annotations

import functools
import importlib.metadata
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from private_acr_preview.base import STACK_TYPE, Base, BaseResource
from private_acr_preview.program import ProgramRun, RecordedResource
from private_acr_preview.values import ENCRYPTED, REDACTED, UNKNOWN, is_secret

FACTS_GROUP = "offline_preview.provider_facts"
OPS = ("create", "update", "replace", "delete", "same")


class TypeFacts(Protocol):
    """What a provider does with a changed input of one type, and what deleting it loses."""

    @property
    def replace_on(self) -> Sequence[str]: ...
    @property
    def auto_name(self) -> str | None: ...
    @property
    def destroys(self) -> str | None: ...


FactsLookup = Callable[[str], TypeFacts | None]


class ProviderFacts:
    """The provider facts of the installed packages, by package prefix."""

    def __init__(self, lookups: Mapping[str, FactsLookup]) -> None:
        self.lookups = dict(lookups)

    @classmethod
    def installed(cls) -> ProviderFacts:
        found: dict[str, FactsLookup] = {}
        for entry in importlib.metadata.entry_points(group=FACTS_GROUP):
            found[entry.name] = cast(FactsLookup, entry.load())
        return cls(found)

    @functools.cache  # noqa: B019 - one instance per run, a handful of types
    def __call__(self, type_token: str) -> TypeFacts | None:
        lookup = self.lookups.get(type_token.split(":", 1)[0])
        return lookup(type_token) if lookup is not None else None

    def knows(self, type_token: str) -> bool:
        return type_token.split(":", 1)[0] in self.lookups


# Property paths -----------------------------------------------------------------------------

_SEGMENT = re.compile(r'\.?([^.\[\]]+)|\[(\d+|\*)\]|\["((?:[^"\\]|\\.)*)"\]')
_PLAIN_KEY = re.compile(r"^[A-Za-z_$@][A-Za-z0-9_$@-]*$")


def path_segments(path: str) -> list[str | int]:
    """``a.b[0]["c.d"]`` as ``["a", "b", 0, "c.d"]``; ``[*]`` and ``*`` stay ``"*"``."""
    segments: list[str | int] = []
    for match in _SEGMENT.finditer(path):
        key, index, quoted = match.groups()
        if index is not None:
            segments.append("*" if index == "*" else int(index))
        elif quoted is not None:
            segments.append(quoted.replace('\\"', '"'))
        else:
            segments.append(key)
    return segments


def join_path(segments: Sequence[str | int]) -> str:
    """The Pulumi property path of ``segments`` (``networkProfile.serviceCidr``, ``a[0]``)."""
    out = ""
    for segment in segments:
        if isinstance(segment, int):
            out += f"[{segment}]"
        elif _PLAIN_KEY.match(segment):
            out += f".{segment}" if out else segment
        else:
            out += '["' + segment.replace('"', '\\"') + '"]'
    return out


def _covers(rule: Sequence[str | int], changed: Sequence[str | int]) -> bool:
    """Whether a change at ``changed`` is at or under ``rule`` (``*`` matches any step)."""
    if len(changed) < len(rule):
        return False
    return all(r in ("*", c) for r, c in zip(rule, changed, strict=False))


# Value differences ---------------------------------------------------------------------------

MISSING: Any = object()


@dataclass(frozen=True)
class ValueChange:
    path: str
    old: Any
    """The base's value (``MISSING`` when it had none); secrets shown as ``[secret]``."""
    new: Any
    """The plan's value (``MISSING`` when it has none)."""


def _shown(value: Any) -> Any:
    if value is MISSING:
        return MISSING
    if value is ENCRYPTED or is_secret(value):
        return REDACTED
    if isinstance(value, dict):
        return {k: _shown(v) for k, v in cast(dict[str, Any], value).items()}
    if isinstance(value, list):
        return [_shown(v) for v in cast(list[Any], value)]
    return value


def _unwrapped(value: Any) -> Any:
    return cast(dict[str, Any], value).get("value") if is_secret(value) else value


def _differences(
    old: Any,
    new: Any,
    path: list[str | int],
    changes: list[tuple[list[str | int], Any, Any]],
    not_compared: list[list[str | int]],
) -> None:
    if old is ENCRYPTED:
        not_compared.append(path)
        return
    if old == new:
        return
    secret = is_secret(old) or is_secret(new)
    old_value, new_value = _unwrapped(old), _unwrapped(new)
    if secret and old_value == new_value:
        return
    if isinstance(old_value, dict) and isinstance(new_value, dict) and not secret:
        old_map, new_map = cast(dict[str, Any], old_value), cast(dict[str, Any], new_value)
        for key in sorted(old_map.keys() | new_map.keys()):
            _differences(
                old_map.get(key, MISSING),
                new_map.get(key, MISSING),
                [*path, key],
                changes,
                not_compared,
            )
        return
    if isinstance(old_value, list) and isinstance(new_value, list) and not secret:
        old_list, new_list = cast(list[Any], old_value), cast(list[Any], new_value)
        for index in range(max(len(old_list), len(new_list))):
            _differences(
                old_list[index] if index < len(old_list) else MISSING,
                new_list[index] if index < len(new_list) else MISSING,
                [*path, index],
                changes,
                not_compared,
            )
        return
    changes.append((path, old, new))


# The review ----------------------------------------------------------------------------------


@dataclass
class Change:
    """One resource that is not the same as in the base."""

    urn: str
    type: str
    op: str
    paths: list[str] = field(default_factory=list[str])
    reasons: list[str] = field(default_factory=list[str])
    values: list[ValueChange] = field(default_factory=list[ValueChange])
    destroys: str = ""
    """Why the delete or replacement is destructive (what it loses), or ``""``."""
    accepted: bool = False
    """Destructive, and named by ``--allow-replace``."""
    old_urn: str = ""
    """The URN in the base, when it differs (a replacement through a changed URN)."""

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


@dataclass
class Review:
    """Every resource's op against the base, and what could not be compared."""

    changes: list[Change] = field(default_factory=list[Change])
    same: int = 0
    not_compared: dict[str, list[str]] = field(default_factory=dict[str, list[str]])
    """URN -> input paths whose base value is encrypted."""
    unknown_packages: list[str] = field(default_factory=list[str])
    """Packages of the plan without provider facts (their property changes read as updates)."""
    unmatched_allowances: list[str] = field(default_factory=list[str])
    """``--allow-replace`` URNs that name no destructive change."""
    base: Base | None = None

    def links_of(self, urn: str) -> list[tuple[str, str]]:
        """The base's dependencies (from, to) between the resource at ``urn`` and others."""
        if self.base is None or urn not in self.base.resources:
            return []
        links = [(d, urn) for d in self.base.resources[urn].dependencies]
        return links + [(urn, u) for u in self._dependents.get(urn, ())]

    @functools.cached_property
    def _dependents(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for resource in self.base.resources.values() if self.base else ():
            for dependency in resource.dependencies:
                found.setdefault(dependency, []).append(resource.urn)
        return found

    @property
    def destructive(self) -> list[Change]:
        return [c for c in self.changes if c.destroys]

    @property
    def mandatory(self) -> list[Change]:
        return [c for c in self.destructive if not c.accepted]

    def counts(self) -> Counter[str]:
        counts = Counter(c.op for c in self.changes)
        counts["same"] = self.same
        return counts

    def op_of(self, urn: str) -> str:
        """What happens to the resource at ``urn`` of the plan (``same`` when not changed)."""
        return self.ops.get(urn, "same")

    @functools.cached_property
    def ops(self) -> dict[str, str]:
        return {c.urn: c.op for c in self.changes}


def _aliases_of(run: ProgramRun) -> dict[str, str]:
    """Base URN -> the plan's URN that claims it through an alias."""
    claimed: dict[str, str] = {}
    for resource in run.resources:
        for alias in resource.aliases:
            claimed.setdefault(alias, resource.urn)
    return claimed


@dataclass(frozen=True)
class Goal:
    """What the program asks of one resource: the part of a registration a diff reads."""

    type: str
    inputs: Mapping[str, Any]
    replace_on_changes: Sequence[str] = ()
    ignore_changes: Sequence[str] = ()

    @classmethod
    def of(cls, resource: RecordedResource) -> Goal:
        return cls(
            resource.type, resource.inputs, resource.replace_on_changes, resource.ignore_changes
        )


def _compare(
    goal: Goal,
    prior: BaseResource,
    facts: TypeFacts | None,
) -> tuple[list[ValueChange], list[str], list[str], list[str]]:
    """The value changes, the reasons to replace, the paths not compared, and the paths."""
    if prior.inputs == goal.inputs:  # most resources of a review: nothing more to do
        return [], [], [], []
    raw: list[tuple[list[str | int], Any, Any]] = []
    not_compared: list[list[str | int]] = []
    old_inputs = prior.inputs
    auto_name = facts.auto_name if facts is not None else None
    if auto_name and auto_name not in goal.inputs and auto_name in old_inputs:
        # The provider generated the name and keeps it from the state.
        old_inputs = {k: v for k, v in old_inputs.items() if k != auto_name}
    _differences(old_inputs, goal.inputs, [], raw, not_compared)
    ignored = [path_segments(p) for p in goal.ignore_changes]
    raw = [item for item in raw if not any(_covers(rule, item[0]) for rule in ignored)]
    provider_rules = [path_segments(p) for p in (facts.replace_on if facts else ())]
    option_rules = [path_segments(p) for p in goal.replace_on_changes]
    values: list[ValueChange] = []
    reasons: list[str] = []
    paths: list[str] = []
    for segments, old, new in raw:
        path = join_path(segments)
        paths.append(path)
        values.append(ValueChange(path, _shown(old), _shown(new) if new != UNKNOWN else new))
        if any(_covers(rule, segments) for rule in provider_rules):
            package = goal.type.split(":", 1)[0]
            reasons.append(f"{path}: {package} replaces the resource when it changes")
        elif any(_covers(rule, segments) for rule in option_rules):
            reasons.append(f"{path}: named in the resource's replaceOnChanges")
    return values, reasons, [join_path(p) for p in not_compared], paths


def _destroys(prior: BaseResource, facts: TypeFacts | None) -> str:
    found: list[str] = []
    if facts is not None and facts.destroys:
        found.append(f"loses {facts.destroys}")
    if prior.protect:
        found.append("protected in the base")
    return "; ".join(found)


def _same_kind(urn: str) -> tuple[str, str]:
    parts = urn.split("::")
    return parts[2].rsplit("$", 1)[-1], parts[-1]


def review(
    run: ProgramRun,
    base: Base,
    facts: Callable[[str], TypeFacts | None],
    *,
    allow_replace: Iterable[str] = (),
    knows: Callable[[str], bool] | None = None,
) -> Review:
    """Classify every resource of ``run`` (and of ``base``) as the engine would."""
    result = Review()
    claimed = _aliases_of(run)
    used: set[str] = set()
    created: list[RecordedResource] = []
    for resource in run.resources:
        if resource.type == STACK_TYPE:
            used.add(resource.urn)
            continue
        prior_urn = resource.urn if resource.urn in base.resources else None
        if prior_urn is None:
            prior_urn = next((a for a in resource.aliases if a in base.resources), None)
        if prior_urn is None:
            created.append(resource)
            continue
        used.add(prior_urn)
        prior = base.resources[prior_urn]
        type_facts = facts(resource.type)
        values, reasons, not_compared, paths = _compare(Goal.of(resource), prior, type_facts)
        if not_compared:
            result.not_compared[resource.urn] = not_compared
        if not values:
            result.same += 1
            continue
        op = "replace" if reasons else "update"
        result.changes.append(
            Change(
                resource.urn,
                resource.type,
                op,
                paths,
                reasons,
                values,
                destroys=_destroys(prior, type_facts) if op == "replace" else "",
                old_urn=prior_urn if prior_urn != resource.urn else "",
            )
        )
    gone = [urn for urn in base.resources if urn not in used and urn not in claimed]
    gone = [urn for urn in gone if base.resources[urn].type != STACK_TYPE]
    by_kind: dict[tuple[str, str], list[str]] = {}
    for urn in gone:
        by_kind.setdefault(_same_kind(urn), []).append(urn)
    for resource in created:
        candidates = by_kind.get(_same_kind(resource.urn), [])
        same_kind_created = sum(1 for r in created if _same_kind(r.urn) == _same_kind(resource.urn))
        if len(candidates) == 1 and same_kind_created == 1:
            old = candidates[0]
            gone.remove(old)
            prior = base.resources[old]
            result.changes.append(
                Change(
                    resource.urn,
                    resource.type,
                    "replace",
                    reasons=[f"URN changed from {old} and no alias covers the old one"],
                    destroys=_destroys(prior, facts(prior.type)),
                    old_urn=old,
                )
            )
        else:
            result.changes.append(Change(resource.urn, resource.type, "create"))
    for urn in gone:
        prior = base.resources[urn]
        result.changes.append(
            Change(
                urn,
                prior.type,
                "delete",
                reasons=["in the base, not in the plan"],
                destroys=_destroys(prior, facts(prior.type)),
            )
        )
    result.base = base
    allowed = set(allow_replace)
    for change in result.changes:
        if change.destroys and ({change.urn, change.old_urn} & allowed):
            change.accepted = True
    destructive = {c.urn for c in result.destructive} | {c.old_urn for c in result.destructive}
    result.unmatched_allowances = sorted(allowed - destructive)
    if knows is not None:
        packages = {r.type.split(":", 1)[0] for r in run.resources if r.custom}
        result.unknown_packages = sorted(p for p in packages if not knows(f"{p}:"))
    order = {op: index for index, op in enumerate(OPS)}
    result.changes.sort(key=lambda c: (order[c.op], c.urn))
    return result


class BaseState:
    """A base as the mock engine's state: its resources, and whether a registration replaces
    the one it holds (then the resource is new, and its outputs are answered anew)."""

    def __init__(self, base: Base, facts: Callable[[str], TypeFacts | None]) -> None:
        self.resources = base.resources
        self.facts = facts

    def replaced(self, prior: BaseResource, goal: Goal) -> bool:
        _, reasons, _, _ = _compare(goal, prior, self.facts(goal.type))
        return bool(reasons)


def everything_created(run: ProgramRun) -> Review:
    """The review of a plan against no state: every resource is created."""
    return Review(
        changes=[Change(r.urn, r.type, "create") for r in run.resources if r.type != STACK_TYPE]
    )
