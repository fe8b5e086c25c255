"""Reading Azure JSON documents (what lookups and ``az ... show`` return) without guessing types.

Every field of such a document may be missing or of another shape than documented; these
readers return an empty value instead of raising, so a rule can say what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast


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
