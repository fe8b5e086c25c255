"""Reading Azure JSON documents (what lookups and ``az ... show`` return) without guessing types.

Every field of such a document may be missing or of another shape than documented; these
readers return an empty value instead of raising, so a rule can say what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from private_acr_rules.arm import ResourceKey, parse_id


def mapping(value: object) -> Mapping[str, Any]:
    """``value`` if it is an object, else an empty one."""
    return cast(Mapping[str, Any], value) if isinstance(value, Mapping) else {}


def mappings(value: object) -> list[Mapping[str, Any]]:
    """The objects in ``value`` if it is a list, else none."""
    if not isinstance(value, list):
        return []
    return [
        cast(Mapping[str, Any], item)
        for item in cast(list[object], value)
        if isinstance(item, Mapping)
    ]


def items(value: object) -> list[object]:
    """The entries of ``value`` if it is a list, else none."""
    return cast(list[object], value) if isinstance(value, list) else []


def strings(value: object) -> list[str]:
    """The strings in ``value`` if it is a list, else none."""
    if not isinstance(value, list):
        return []
    return [item.strip() for item in cast(list[object], value) if isinstance(item, str)]


def text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def get(document: object, *path: str) -> Any:
    """``document[path...]``, or ``None`` when a step is missing or not an object."""
    current: Any = document
    for step in path:
        current = mapping(current).get(step)
    return current


def _is_arm_id(value: object) -> bool:
    return isinstance(value, str) and value.lower().startswith("/subscriptions/")


def lifted(value: object) -> Any:
    """``value`` in the Azure CLI's form: a resource (or inline child resource, a subnet, a
    security rule, a route, a peering) as ARM's REST API returns it (``az rest``, ``az resource
    show``, a template export) holds its properties under ``properties``; ``az network ... show``
    and Pulumi's outputs lift them into the object. An object with an ARM ``id`` and a
    ``properties`` object gets those lifted, at every depth; a key the object holds itself
    (``id``, ``name``, ``type``, ``location``) keeps its own value."""
    if isinstance(value, list):
        return [lifted(item) for item in cast(list[object], value)]
    if not isinstance(value, Mapping):
        return value
    document = cast(Mapping[str, Any], value)
    inner = document.get("properties")
    if _is_arm_id(document.get("id")) and isinstance(inner, Mapping):
        own = {k: v for k, v in document.items() if k != "properties"}
        document = {**cast(Mapping[str, Any], inner), **own}
    return {key: lifted(item) for key, item in document.items()}


def _inline_children(value: object) -> list[Mapping[str, Any]]:
    """Objects nested in ``value`` that are resources themselves (an id and a name), such as a
    VNet's subnets or an NSG's rules; a reference (``{"id": ...}``) has no name."""
    found: list[Mapping[str, Any]] = []
    pending: list[object] = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, Mapping):
            pending.extend(cast(Mapping[str, object], current).values())
        elif isinstance(current, list):
            for item in cast(list[object], current):
                if isinstance(item, Mapping):
                    child = cast(Mapping[str, Any], item)
                    if _is_arm_id(child.get("id")) and "name" in child:
                        found.append(child)
                    pending.append(child)
                else:
                    pending.append(item)
    return found


class ArmIndex:
    """Azure resources as ``az ... show`` (or a lookup) returns them, or as ARM's REST API does
    (``properties`` lifted, ``lifted``), by ARM id, compared case-insensitively as ARM compares
    ids; inline children (subnets, security rules, routes) are found by their own id, and a
    top-level entry wins over an inline copy."""

    def __init__(self, resources: list[Mapping[str, Any]]) -> None:
        self._by_id: dict[str, Mapping[str, Any]] = {}
        self._by_key: dict[Any, list[tuple[ResourceKey, Mapping[str, Any]]]] | None = None
        resources = [lifted(resource) for resource in resources]
        for resource in resources:
            if _is_arm_id(resource.get("id")):
                self._by_id[str(resource["id"]).lower().rstrip("/")] = resource
        for resource in resources:
            for child in _inline_children(resource):
                self._by_id.setdefault(str(child["id"]).lower().rstrip("/"), child)

    def __len__(self) -> int:
        return len(self._by_id)

    def find(self, resource_id: object) -> Mapping[str, Any] | None:
        if not isinstance(resource_id, str):
            return None
        return self._by_id.get(resource_id.strip().lower().rstrip("/"))

    def find_key(self, key: ResourceKey) -> Mapping[str, Any] | None:
        """The resource ``key`` names (its subscription, when unknown, matches any)."""
        if self._by_key is None:
            self._by_key = {}
            for text, document in self._by_id.items():
                parsed = parse_id(text)
                if parsed is not None:
                    self._by_key.setdefault(parsed.local, []).append((parsed, document))
        return next(
            (doc for candidate, doc in self._by_key.get(key.local, ()) if candidate.matches(key)),
            None,
        )

    def under(self, parent_id: str, child_type: str) -> list[Mapping[str, Any]]:
        """The ``child_type`` children of ``parent_id`` (``virtualNetworkLinks`` of a zone)."""
        prefix = f"{parent_id.strip().lower().rstrip('/')}/{child_type.lower()}/"
        return [
            document
            for key, document in self._by_id.items()
            if key.startswith(prefix) and "/" not in key[len(prefix) :]
        ]

    def holds(self, resource_id: str) -> bool:
        """Whether the resource or any child of it is here."""
        key = resource_id.strip().lower().rstrip("/")
        return key in self._by_id or any(k.startswith(key + "/") for k in self._by_id)
