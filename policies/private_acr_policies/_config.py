"""Policy config: each policy declares typed settings; one decoder reads what the CLI sends.

A policy's settings are a frozen dataclass whose fields are declared with ``setting(kind,
default, description)``. The same declaration gives the JSON schema the pack publishes
(``GetAnalyzerInfo``) and the decoder that reads ``args.get_config()``, so the two cannot
disagree, and no policy reads raw config.

What the decoder must handle (pulumi/pulumi ``pkg/resource/analyzer/config.go``
``ReconcilePolicyPackConfig`` and ``pkg/resource/plugin/analyzer_plugin.go`` ``Configure``):
the CLI fills each key from its schema ``default`` (which itself travelled as a protobuf
``Struct``), applies ``--policy-pack-config``, validates with JSON schema, and sends the result
in a ``Struct``, whose only number type is a double. So ``ports: [22, 3389]`` arrives as
``[22.0, 3389.0]`` and ``minSoftDeleteDays: 7`` as ``7.0``. Integral doubles are integers; a
value that does not fit (``22.5``, ``"22"``, a key the schema does not declare) is a problem
naming the policy and key, reported as a violation instead of silently ignored. Other callers
may skip the schema defaults, so missing keys take the declared default here too.

A setting whose concern a stack config key already configures (``dockerBridgeCidr``,
``agentPoolQuota``) declares ``from_stack``: its default is then the stack's own value
(``_stack_config``), so the program and the pack read one setting, and ``--policy-pack-config``
still overrides it. Such a setting publishes no schema ``default`` (the CLI would fill it in
and hide the stack's value); its description says what the default is. Where each value came
from is kept (``Decoded.origins``) for the messages.
"""

from __future__ import annotations

import dataclasses
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from private_acr_policies._stack_config import StackConfig
from private_acr_rules import cidr

T = TypeVar("T")
C = TypeVar("C")

_RESERVED = "enforcementLevel"
"""The CLI's own key in every policy's config (extracted before Configure, skipped anyway)."""


class ConfigProblem(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def _shown(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return repr(int(value))
    return repr(value)


class Kind(ABC, Generic[T]):
    """How one setting is written in JSON schema, decoded, and encoded as a default."""

    @abstractmethod
    def schema(self) -> dict[str, Any]: ...

    @abstractmethod
    def decode(self, value: object, path: str) -> T: ...

    def encode(self, value: T) -> Any:
        return value


@dataclass(frozen=True)
class Integer(Kind[int]):
    minimum: int | None = None
    maximum: int | None = None

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "integer"}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return schema

    def _expected(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"an integer from {self.minimum} to {self.maximum}"
        if self.minimum is not None:
            return f"an integer of at least {self.minimum}"
        return "an integer"

    def decode(self, value: object, path: str) -> int:
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        low_ok = number is not None and (self.minimum is None or number >= self.minimum)
        if number is None or not low_ok or (self.maximum is not None and number > self.maximum):
            raise ConfigProblem(path, f"got {_shown(value)}; expected {self._expected()}")
        return number


@dataclass(frozen=True)
class Flag(Kind[bool]):
    def schema(self) -> dict[str, Any]:
        return {"type": "boolean"}

    def decode(self, value: object, path: str) -> bool:
        if not isinstance(value, bool):
            raise ConfigProblem(path, f"got {_shown(value)}; expected true or false")
        return value


@dataclass(frozen=True)
class Text(Kind[str]):
    def schema(self) -> dict[str, Any]:
        return {"type": "string"}

    def decode(self, value: object, path: str) -> str:
        if not isinstance(value, str):
            raise ConfigProblem(path, f"got {_shown(value)}; expected a string")
        return value


@dataclass(frozen=True)
class Cidr(Kind[cidr.Network]):
    """A CIDR string such as ``172.17.0.0/16``; host bits are accepted (Docker writes them)."""

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": r"^[0-9A-Fa-f:.]+/[0-9]{1,3}$"}

    def decode(self, value: object, path: str) -> cidr.Network:
        network = cidr.parse_cidr(value).network if isinstance(value, str) else None
        if network is None:
            raise ConfigProblem(path, f"got {_shown(value)}; expected a CIDR such as 172.17.0.0/16")
        return network

    def encode(self, value: cidr.Network) -> Any:
        return str(value)


@dataclass(frozen=True)
class ListOf(Kind[tuple[T, ...]]):
    item: Kind[T]

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "items": self.item.schema()}

    def decode(self, value: object, path: str) -> tuple[T, ...]:
        if not isinstance(value, list | tuple):
            raise ConfigProblem(path, f"got {_shown(value)}; expected a list")
        items = cast(list[object] | tuple[object, ...], value)
        return tuple(self.item.decode(v, f"{path}[{i}]") for i, v in enumerate(items))

    def encode(self, value: tuple[T, ...]) -> Any:
        return [self.item.encode(v) for v in value]


@dataclass(frozen=True)
class StackValue:
    """A setting's value read from the stack config, and the full key it came from."""

    value: object
    key: str


FromStack = Callable[[StackConfig], StackValue | None]


@dataclass(frozen=True)
class _Setting:
    kind: Kind[Any]
    description: str
    from_stack: FromStack | None = None


def setting(
    kind: Kind[T], default: T, description: str, *, from_stack: FromStack | None = None
) -> T:
    """Declare one field of a settings dataclass (its key is the field name in camelCase);
    ``from_stack`` reads its default from the stack config when the stack sets it."""
    metadata = {"setting": _Setting(kind, description, from_stack)}
    return dataclasses.field(default=default, metadata=metadata)


def production_stacks() -> tuple[str, ...]:
    """The ``productionStacks`` field the production policies share: the stack names they apply
    to, compared case-insensitively (``_policy.require_production``)."""
    return setting(
        ListOf(Text()),
        ("prod", "production"),
        "Stack names (case-insensitive) treated as production.",
    )


@dataclass(frozen=True)
class NoSettings:
    """For a policy that takes no config."""


def _key(field_name: str) -> str:
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), field_name)


def _settings(settings: type[Any]) -> list[tuple[str, dataclasses.Field[Any], _Setting]]:
    return [
        (_key(f.name), f, cast(_Setting, f.metadata["setting"]))
        for f in dataclasses.fields(settings)
    ]


def schema_properties(settings: type[Any]) -> dict[str, dict[str, Any]]:
    """The JSON schema of each key, with its default, as ``PolicyConfigSchema`` wants it."""
    properties: dict[str, dict[str, Any]] = {}
    for key, field, declared in _settings(settings):
        properties[key] = {**declared.kind.schema(), "description": declared.description}
        if declared.from_stack is None:
            properties[key]["default"] = declared.kind.encode(field.default)
    return properties


@dataclass(frozen=True)
class Decoded(Generic[C]):
    settings: C | None
    problems: tuple[str, ...]
    origins: Mapping[str, str] = dataclasses.field(default_factory=dict[str, str])
    """Where each stack-driven key's value came from, for messages."""
    defaulted: tuple[str, ...] = ()
    """Stack-driven keys that took the policy's default because no stack config was given."""


def _shown_default(kind: Kind[Any], value: object) -> str:
    encoded = kind.encode(value)
    return str(encoded) if isinstance(encoded, str) else repr(encoded)


def decode(
    settings: type[C], raw: Mapping[str, Any], policy: str, stack: StackConfig | None = None
) -> Decoded[C]:
    """Typed settings from the config the engine sent (and the stack config, for settings
    that take their default from it), or every problem with them."""
    stack = stack if stack is not None else StackConfig(None)
    declared = _settings(settings)
    known = {key for key, _, _ in declared}
    problems = [
        f"{policy}.{key}: not a setting of this policy (known: {', '.join(sorted(known)) or 'none'})"
        for key in raw
        if key not in known and key != _RESERVED
    ]
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    defaulted: list[str] = []
    for key, field, spec in declared:
        given, path = raw.get(key), f"{policy}.{key}"
        if key in raw:
            origins[key] = f"this policy's {key}"
        elif spec.from_stack is not None and (found := spec.from_stack(stack)) is not None:
            given, path = found.value, found.key
            origins[key] = f"the stack's {found.key}"
        else:
            if spec.from_stack is not None:
                shown = _shown_default(spec.kind, field.default)
                origins[key] = f"this policy's default for {key}, {shown}"
                if not stack.given:
                    defaulted.append(f"{key} {shown}")
            continue
        try:
            values[field.name] = spec.kind.decode(given, path)
        except ConfigProblem as problem:
            problems.append(str(problem))
    if problems:
        return Decoded(None, tuple(problems))
    return Decoded(settings(**values), (), origins, tuple(defaulted))
