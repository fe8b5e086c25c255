"""Azure Resource Manager ids: parse them and compare them as Azure does.

An id is ``/subscriptions/{sub}/resourceGroups/{group}/providers/{namespace}/{type}/{name}``
followed by ``/{child type}/{child name}`` pairs (Learn, azure-resource-manager/templates/
template-functions-resource#resourceid). Azure resource names, groups and types are
case-insensitive, so every part is compared in lower case; two resources with the same name in
two resource groups (or subscriptions) are different resources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ID = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<group>[^/]+)"
    r"/providers/(?P<namespace>[^/]+)/(?P<path>.+?)/?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ResourceKey:
    """The parts that identify a resource, in lower case; ``subscription`` may be unknown.

    ``path`` holds ``(type, name)`` pairs from the top-level resource down to this one, e.g.
    ``(("virtualnetworks", "hub"), ("subnets", "agents"))``.
    """

    subscription: str | None
    resource_group: str
    namespace: str
    path: tuple[tuple[str, str], ...]

    @property
    def local(self) -> tuple[str, str, tuple[tuple[str, str], ...]]:
        """Everything but the subscription, for an index that tolerates an unknown one."""
        return (self.resource_group, self.namespace, self.path)

    def matches(self, other: ResourceKey) -> bool:
        """Same resource; an unknown subscription on either side matches any."""
        if self.local != other.local:
            return False
        return (
            self.subscription is None
            or other.subscription is None
            or self.subscription == other.subscription
        )

    def parent(self) -> ResourceKey | None:
        if len(self.path) < 2:
            return None
        return ResourceKey(self.subscription, self.resource_group, self.namespace, self.path[:-1])

    def child(self, type_: str, name: str) -> ResourceKey:
        path = (*self.path, (type_.lower(), name.lower()))
        return ResourceKey(self.subscription, self.resource_group, self.namespace, path)

    @property
    def name(self) -> str:
        return self.path[-1][1]


def parse_id(text: object) -> ResourceKey | None:
    """The key of an ARM resource id, or ``None`` when ``text`` is not one."""
    if not isinstance(text, str):
        return None
    match = _ID.match(text.strip())
    if match is None:
        return None
    parts = match["path"].split("/")
    if len(parts) % 2 or not all(parts):
        return None
    path = tuple((parts[i].lower(), parts[i + 1].lower()) for i in range(0, len(parts), 2))
    return ResourceKey(
        match["sub"].lower(), match["group"].lower(), match["namespace"].lower(), path
    )


def parent_id(text: object) -> str | None:
    """The id of a child resource's parent, as written: ``.../virtualNetworks/hub`` for
    ``.../virtualNetworks/hub/Subnets/agents`` (types in any letter case, as ARM takes them);
    ``None`` for a top-level resource or for text that is no ARM id."""
    key = parse_id(text)
    if key is None or len(key.path) < 2:
        return None
    return str(text).strip().rstrip("/").rsplit("/", 2)[0]


@dataclass(frozen=True)
class WrittenId:
    """An ARM id's parts as written: ARM answers names in the case they were created with, and
    lookups and messages name them so."""

    subscription: str
    resource_group: str
    names: tuple[str, ...]
    """The name of each resource from the top-level one down (``("hub", "agents")`` for a
    subnet ``agents`` of the VNet ``hub``)."""


def written(text: object) -> WrittenId | None:
    """The parts of an ARM id as written; ``None`` when ``text`` is not one."""
    key = parse_id(text)
    if key is None:
        return None
    parts = str(text).strip().strip("/").split("/")
    return WrittenId(parts[1], parts[3], tuple(parts[7::2]))
