"""Azure resources that already exist, as ``az network vnet show`` and friends print them.

A snapshot is a JSON list (or one object) of resources in the Azure CLI's output form: flattened
camelCase properties and an ``id`` per resource. ARM's REST form (``az rest``, ``az resource
show``), which nests them under ``properties`` in each resource and inline child, is read too:
they are lifted, as the azure-native provider lifts them into a lookup's result (``getSubnet``
answers ``addressPrefix``, not ``properties.addressPrefix``). Child resources that ARM returns
inline (the subnets of a VNet, the security rules of an NSG, the routes of a route table) have
their own ``id`` and are found by it too. Ids are compared case-insensitively, as ARM compares them
(Learn, "Resource naming and case sensitivity": resource ids and names are case-insensitive).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from private_acr_preview.errors import UserError
from private_acr_preview.input_files import read_json


class SnapshotError(UserError):
    """The ``--existing`` file cannot be used; the message names the entry."""


def _is_arm_id(value: object) -> bool:
    return isinstance(value, str) and value.lower().startswith("/subscriptions/")


def load_snapshot(path: Path) -> list[dict[str, Any]]:
    """The resources in ``path``: every entry an object with an ARM ``id``."""
    document = read_json(path, option="--existing")
    entries = cast(list[object], document) if isinstance(document, list) else [document]
    resources: list[dict[str, Any]] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not _is_arm_id(cast(dict[str, Any], entry).get("id")):
            raise SnapshotError(
                f"{path}[{index}]: expected an Azure resource as `az ... show` prints it "
                "(an object whose 'id' is an ARM id, /subscriptions/...)"
            )
        resources.append(_lifted(cast(dict[str, Any], entry)))
    return resources


def _lifted(value: Any) -> Any:
    """``value`` with each ``properties`` object of a resource (an object with an ARM ``id``)
    lifted into it; a key the resource holds itself keeps its own value."""
    if isinstance(value, list):
        return [_lifted(item) for item in cast(list[object], value)]
    if not isinstance(value, dict):
        return value
    document = cast(dict[str, Any], value)
    inner = document.get("properties")
    if _is_arm_id(document.get("id")) and isinstance(inner, dict):
        own = {k: v for k, v in document.items() if k != "properties"}
        document = {**cast(dict[str, Any], inner), **own}
    return {key: _lifted(item) for key, item in document.items()}


def _children(value: object) -> Iterator[dict[str, Any]]:
    """Objects nested anywhere in ``value`` that are resources themselves, not references.

    A reference (``"networkSecurityGroup": {"id": ...}``) carries only the id (and perhaps its
    resource group); an inline child also has its name and properties.
    """
    if isinstance(value, dict):
        for item in cast(dict[str, object], value).values():
            if isinstance(item, dict | list):
                yield from _children(cast(object, item))
        return
    if isinstance(value, list):
        for item in cast(list[object], value):
            if isinstance(item, dict):
                child = cast(dict[str, Any], item)
                if _is_arm_id(child.get("id")) and "name" in child:
                    yield child
            yield from _children(cast(object, item))


class Snapshot:
    """Resources by lower-cased ARM id; a top-level entry wins over an inline copy."""

    def __init__(self, resources: Sequence[Mapping[str, Any]]) -> None:
        self._by_id: dict[str, dict[str, Any]] = {}
        for resource in resources:
            self._by_id[str(resource["id"]).lower()] = dict(resource)
        for resource in resources:
            for child in _children(dict(resource)):
                self._by_id.setdefault(str(child["id"]).lower(), child)

    def find(self, resource_id: str) -> dict[str, Any] | None:
        return self._by_id.get(resource_id.lower())

    def subscriptions(self) -> list[str]:
        """Each subscription the snapshot's ids name, spelled as the first id spells it."""
        spelled: dict[str, str] = {}
        for resource in self._by_id.values():
            subscription = str(resource["id"]).split("/")[2]
            spelled.setdefault(subscription.lower(), subscription)
        return list(spelled.values())
