"""Plain views of the resources the engine sends, and the links between them.

Policies never read the SDK's unknown-checking proxies directly: ``plain`` copies the props
into ordinary data and keeps unknown preview values as the ``UNKNOWN`` marker, so a policy
decides per field whether an unknown means "skip" or "not applicable". Reading a missing or
odd field returns ``None``; nothing here raises on input.

Resources are linked the way the engine links them: first through property dependencies
(always known, even in a preview), then through ARM ids or names when those are known.
"""

# pyright: reportUnknownArgumentType=false, reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnnecessaryIsInstance=false
# (Temporary while issue 10 reworks this module; remove this line when it is clean under strict.)

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import proxy

UNKNOWN = object()
"""A value the engine cannot know yet (a preview of a resource not created)."""

_UNKNOWN_SENTINELS = frozenset(
    {
        proxy.UNKNOWN_BOOLEAN_VALUE,
        proxy.UNKNOWN_NUMBER_VALUE,
        proxy.UNKNOWN_STRING_VALUE,
        proxy.UNKNOWN_ARRAY_VALUE,
        proxy.UNKNOWN_ASSET_VALUE,
        proxy.UNKNOWN_ARCHIVE_VALUE,
        proxy.UNKNOWN_OBJECT_VALUE,
    }
)
_PROXY_TYPES = ("_DictProxy", "_ListProxy")
_TOKEN = re.compile(r"^azure-native:(?P<module>[a-zA-Z]+)(?:/v[0-9a-zA-Z]+)?:(?P<name>[A-Za-z]+)$")


def plain(value: Any) -> Any:
    """Copy ``value`` out of pulumi-policy's proxies; unknown sentinels become ``UNKNOWN``."""
    if type(value).__name__ in _PROXY_TYPES:
        value = value["__target"]
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, str) and value in _UNKNOWN_SENTINELS:
        return UNKNOWN
    return value


def is_type(resource_type: str, module: str, name: str) -> bool:
    """Match an azure-native token whatever its API-version segment."""
    match = _TOKEN.match(resource_type)
    return bool(match and match["module"].lower() == module.lower() and match["name"] == name)


def get(data: Any, *path: str | int) -> Any:
    """``data[path...]`` or ``None`` when any step is missing, of the wrong shape or unknown."""
    current = data
    for step in path:
        if current is UNKNOWN:
            return UNKNOWN
        if isinstance(step, int):
            if not isinstance(current, list) or step >= len(current):
                return None
            current = current[step]
        else:
            if not isinstance(current, dict):
                return None
            current = current.get(step)
    return current


def strings(data: Any, singular: str, plural: str) -> list[Any]:
    """A field that may be singular or plural, as one list (entries may be ``UNKNOWN``)."""
    values: list[Any] = []
    one = get(data, singular)
    if one is UNKNOWN or (isinstance(one, str) and one):
        values.append(one)
    many = get(data, plural)
    if many is UNKNOWN:
        values.append(UNKNOWN)
    elif isinstance(many, list):
        values.extend(v for v in many if v is UNKNOWN or (isinstance(v, str) and v))
    return values


def items(value: Any) -> list[Any]:
    """``value`` if it is a list, else an empty list (a field may hold anything)."""
    return value if isinstance(value, list) else []


def lower(value: Any) -> str | None:
    return value.lower() if isinstance(value, str) else None


@dataclass
class Resource:
    """One resource as a policy sees it."""

    type: str
    urn: str
    name: str
    props: dict[str, Any]
    property_dependencies: dict[str, list[str]] = field(default_factory=dict[str, list[str]])
    protect: bool = False

    def is_a(self, module: str, name: str) -> bool:
        return is_type(self.type, module, name)

    def depends_via(self, key: str) -> list[str]:
        return self.property_dependencies.get(key, [])

    @property
    def arm_id(self) -> str | None:
        value = self.props.get("id")
        return value.lower() if isinstance(value, str) else None

    @property
    def physical_name(self) -> str | None:
        value = self.props.get("name")
        return value if isinstance(value, str) else None


def from_stack_args(args: Any) -> list[Resource]:
    """Resources of a ``StackValidationArgs`` as plain views."""
    resources: list[Resource] = []
    for item in args.resources:
        deps: dict[str, list[str]] = {}
        for key, linked in (item.property_dependencies or {}).items():
            deps[key] = [r.urn for r in linked]
        props = plain(item.props)
        resources.append(
            Resource(
                type=item.resource_type,
                urn=item.urn,
                name=item.name,
                props=props if isinstance(props, dict) else {},
                property_dependencies=deps,
                protect=bool(getattr(item.opts, "protect", False)),
            )
        )
    return resources


class Stack:
    """Index of a stack's resources with the links the policies need."""

    def __init__(self, resources: Sequence[Resource], name: str = "") -> None:
        self.name = name
        """The stack being analysed (``PULUMI_STACK``), empty when unknown."""
        self.resources = list(resources)
        self.by_urn = {r.urn: r for r in self.resources}
        self._names: dict[tuple[str, str, str], dict[str, Resource]] = {}
        self.by_id: dict[str, Resource] = {}
        for resource in self.resources:
            if resource.arm_id:
                self.by_id[resource.arm_id] = resource

    def of_type(self, module: str, name: str) -> Iterator[Resource]:
        return (r for r in self.resources if r.is_a(module, name))

    def linked(
        self, resource: Resource, key: str, module: str, name: str, ref: Any = None
    ) -> Resource | None:
        """The resource ``resource.props[key]`` points at: by property dependency, then by id."""
        for urn in resource.depends_via(key):
            target = self.by_urn.get(urn)
            if target is not None and target.is_a(module, name):
                return target
        if isinstance(ref, str):
            target = self.by_id.get(ref.lower())
            if target is not None and target.is_a(module, name):
                return target
        return None

    def all_linked(self, resource: Resource, key: str, module: str, name: str) -> list[Resource]:
        found = [self.by_urn[u] for u in resource.depends_via(key) if u in self.by_urn]
        return [r for r in found if r.is_a(module, name)]

    def named(self, module: str, name: str, physical: Any, name_key: str) -> Resource | None:
        """Find a resource by its Azure name (``name_key`` input or ``name`` output)."""
        if not isinstance(physical, str):
            return None
        key = (module, name, name_key)
        if key not in self._names:
            # Built once per kind: policies look names up for every subnet or pool.
            index: dict[str, Resource] = {}
            for candidate in self.of_type(module, name):
                for value in (candidate.props.get(name_key), candidate.physical_name):
                    if isinstance(value, str):
                        index.setdefault(value, candidate)
            self._names[key] = index
        return self._names[key].get(physical)
