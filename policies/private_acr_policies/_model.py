"""The read-only view of a stack every policy shares, and helpers to read odd data safely.

A ``Resource`` carries its type, URN, name, properties (a read-only mapping), property
dependencies and ``protect``. A ``Stack`` indexes the resources once: by URN, by type and by
the Azure identity each resource has (see ``_links``), and it parses each CIDR text once.

Properties come from one of two places:

- ``Stack.from_request``: the ``AnalyzeStackRequest`` itself. Each resource's protobuf
  ``Struct`` is wrapped in a ``LazyProps`` that converts a field the first time a policy reads
  it, so the stack is decoded once per request and only as far as the policies look.
- ``plain``: pulumi-policy's unknown-checking proxies (``ResourceValidationArgs.props``, or
  ``StackValidationArgs`` when the shared view is not installed), copied into plain data.

Either way, unknown preview values become ``UNKNOWN`` (``pulumi_policy.proxy`` lists the
sentinels) and secrets are unwrapped (``pulumi_policy.deserialize``), so a policy decides per
field what an unknown means. Reading a missing or odd field returns ``None``; nothing raises.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final, TypeVar, cast

from google.protobuf import struct_pb2
from pulumi_policy import proxy
from pulumi_policy.deserialize import SPECIAL_SECRET_SIG, SPECIAL_SIG_KEY

from private_acr_rules import cidr
from private_acr_rules.unknown import UNKNOWN

__all__ = [
    "UNKNOWN",
    "LazyProps",
    "Resource",
    "Stack",
    "get",
    "items",
    "lower",
    "mappings",
    "plain",
]

T = TypeVar("T")

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


def _scalar(value: Any) -> Any:
    return UNKNOWN if isinstance(value, str) and value in _UNKNOWN_SENTINELS else value


def plain(value: Any) -> Any:
    """Copy ``value`` out of pulumi-policy's proxies; unknown sentinels become ``UNKNOWN``."""
    if type(value).__name__ in _PROXY_TYPES:
        value = value["__target"]
    if isinstance(value, Mapping):
        mapping = cast(Mapping[str, Any], value)
        if mapping.get(SPECIAL_SIG_KEY) == SPECIAL_SECRET_SIG:
            return plain(mapping.get("value"))
        return {str(k): plain(v) for k, v in mapping.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in cast(Sequence[Any], value)]
    return _scalar(value)


def plain_props(value: Any) -> dict[str, Any]:
    """A resource's properties out of pulumi-policy's proxies (``{}`` if not an object)."""
    props = plain(value)
    return cast(dict[str, Any], props) if isinstance(props, dict) else {}


class LazyProps(Mapping[str, Any]):
    """A protobuf ``Struct`` read as a mapping, each field converted once, on first read."""

    __slots__ = ("_cache", "_fields", "_struct")

    def __init__(self, struct: struct_pb2.Struct) -> None:
        self._struct = struct
        self._fields = struct.fields
        self._cache: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        cache = self._cache
        if key in cache:
            return cache[key]
        value = _convert(self._fields[key])
        cache[key] = value
        return value

    def get(self, key: str, default: Any = None) -> Any:
        cache = self._cache
        if key in cache:
            return cache[key]
        if key not in self._fields:
            return default
        value = _convert(self._fields[key])
        cache[key] = value
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._fields

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def encoded(self) -> bytes:
        """The properties as protobuf bytes (deterministic): a cheap key for equal values."""
        return self._struct.SerializeToString(deterministic=True)

    def contains_text(self, needle: bytes) -> bool:
        """Whether ``needle`` occurs anywhere in the encoded properties (no decoding)."""
        return needle in self._struct.SerializeToString()


def _convert(value: struct_pb2.Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        text = value.string_value
        return UNKNOWN if text in _UNKNOWN_SENTINELS else text
    if kind == "number_value":
        return value.number_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        fields = value.struct_value.fields
        signature = fields.get(SPECIAL_SIG_KEY)
        if signature is not None and signature.string_value == SPECIAL_SECRET_SIG:
            inner = fields.get("value")
            return _convert(inner) if inner is not None else None
        return LazyProps(value.struct_value)
    if kind == "list_value":
        return [_convert(v) for v in value.list_value.values]
    return None


def get(data: Any, *path: str | int) -> Any:
    """``data[path...]``; ``None`` when a step is missing or of the wrong shape; ``UNKNOWN``
    when a step is unknown."""
    current = data
    for step in path:
        if current is UNKNOWN:
            return UNKNOWN
        if isinstance(step, int):
            if not isinstance(current, list) or step >= len(cast(list[Any], current)):
                return None
            current = cast(list[Any], current)[step]
        else:
            if not isinstance(current, Mapping):
                return None
            current = cast(Mapping[str, Any], current).get(step)
    return current


def items(value: Any) -> list[Any]:
    """``value`` if it is a list, else an empty list (a field may hold anything)."""
    return cast(list[Any], value) if isinstance(value, list) else []


def mappings(value: Any) -> list[Mapping[str, Any]]:
    """The objects in ``value`` if it is a list (other entries are skipped)."""
    return [cast(Mapping[str, Any], v) for v in items(value) if isinstance(v, Mapping)]


def lower(value: Any) -> str | None:
    return value.lower() if isinstance(value, str) else None


@functools.lru_cache(maxsize=1024)
def kind_of(resource_type: str) -> tuple[str, str] | None:
    """``(module, Name)`` of an azure-native token, whatever its API-version segment."""
    match = _TOKEN.match(resource_type)
    return (match["module"].lower(), match["name"]) if match else None


class Resource:
    """One resource as a policy sees it. Policies read it; none changes it.

    Compared by identity: one stack never holds two views of one resource. A plain class with
    slots because stacks hold tens of thousands of them (a frozen dataclass is slower to build).
    """

    __slots__ = ("kind", "name", "property_dependencies", "props", "protect", "type", "urn")

    def __init__(
        self,
        type: str,
        urn: str,
        name: str,
        props: Mapping[str, Any],
        *,
        property_dependencies: Mapping[str, Sequence[str]] | None = None,
        protect: bool = False,
    ) -> None:
        self.type: Final = type
        self.urn: Final = urn
        self.name: Final = name
        self.props: Final = props
        self.property_dependencies: Final[Mapping[str, Sequence[str]]] = property_dependencies or {}
        self.protect: Final = protect
        self.kind: Final = kind_of(type)

    def __repr__(self) -> str:
        return f"Resource({self.type!r}, {self.urn!r})"

    def is_a(self, module: str, name: str) -> bool:
        return self.kind == (module, name)

    def depends_via(self, key: str) -> Sequence[str]:
        return self.property_dependencies.get(key, ())


def _plain_ipv4_cidr(text: str) -> cidr.ParsedCidr | None:
    """The common case ``a.b.c.d/n`` without parsing the text twice (``ipaddress`` is slow);
    anything else (IPv6, spaces, leading zeros, odd forms) is left to ``cidr.parse_cidr``."""
    address, slash, length = text.partition("/")
    octets = address.split(".")
    if not slash or len(octets) != 4 or not length.isdigit() or len(length) > 2:
        return None
    if not all(o.isdigit() and len(o) <= 3 and (o == "0" or o[0] != "0") for o in octets):
        return None
    values = [int(o) for o in octets]
    prefix = int(length)
    if prefix > 32 or max(values) > 255 or (length != "0" and length[0] == "0"):
        return None
    value = (values[0] << 24) | (values[1] << 16) | (values[2] << 8) | values[3]
    mask = ((1 << prefix) - 1) << (32 - prefix)
    network = ipaddress.IPv4Network((value & mask, prefix))
    return cidr.ParsedCidr(text, network, None, host_bits_set=bool(value & ~mask & 0xFFFFFFFF))


class Stack:
    """A stack's resources, indexed once, shared read-only by every stack policy."""

    def __init__(self, resources: Sequence[Resource], name: str = "") -> None:
        self.name = name
        """The stack being analysed (``PULUMI_STACK``), empty when unknown."""
        self.resources = tuple(resources)
        self.by_urn = {r.urn: r for r in self.resources}
        self._by_kind: dict[tuple[str, str], list[Resource]] = {}
        for resource in self.resources:
            if resource.kind is not None:
                self._by_kind.setdefault(resource.kind, []).append(resource)
        self._cidrs: dict[str, cidr.ParsedCidr] = {}
        self._memo: dict[str, Any] = {}

    def of_type(self, module: str, name: str) -> Sequence[Resource]:
        return self._by_kind.get((module, name), ())

    def memoized(self, key: str, build: Callable[[Stack], T]) -> T:
        """An index built once per stack and shared by every policy (see ``_links``)."""
        if key not in self._memo:
            self._memo[key] = build(self)
        return cast(T, self._memo[key])

    def parse_cidr(self, text: str) -> cidr.ParsedCidr:
        """``cidr.parse_cidr``, once per distinct text in this stack."""
        parsed = self._cidrs.get(text)
        if parsed is None:
            parsed = self._cidrs[text] = _plain_ipv4_cidr(text) or cidr.parse_cidr(text)
        return parsed
