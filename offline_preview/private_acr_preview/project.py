"""``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` read and checked as the Pulumi CLI does.

The rules, from the CLI's source (pulumi/pulumi):

- The project needs a non-empty string ``name`` (sdk/go/common/workspace/project.go,
  ``ValidateProject``) and, for this engine, the ``python`` runtime.
- ``config`` declares keys. A bare value is shorthand: a default for a key of this project, a
  ``value`` for another namespace's key (``RewriteShorthandConfigValues``). A declaration takes
  only ``type``, ``items``, ``description``, ``secret``, ``default`` and ``value``; ``type`` is
  one of string, integer, boolean, array, object (project.json ``configTypeDeclaration``); an
  array needs ``items``; a default must have the declared type; another namespace's key takes
  neither ``type`` nor ``default`` and needs a ``value``; ``default`` and ``value`` exclude each
  other (``Project.Validate``).
- Stack file keys are ``<namespace>:<name>`` (sdk/go/common/resource/config/key.go
  ``ParseKey``). Scalars become strings as the CLI stores them; lists and mappings become JSON
  (config/object.go ``MarshalString``); ``{secure: ...}`` is a secret this engine cannot
  decrypt, so the program sees ``[secret]``.
- Merging (pkg/workspace/config.go ``mergeConfig``): a declared key missing from the stack takes
  its ``value`` or ``default``; a key of this project with neither is an error naming every such
  key; then each typed key's value is checked against its type (``ValidateConfigValue``: an
  integer may be a whole number or a string of digits, a boolean ``true``/``false`` as value or
  string, an object a mapping, an array a list whose items match ``items``), and a key declared
  ``secret`` must be ``secure`` in the stack.

YAML is read as yaml.v3 reads it (``yaml_strict``): duplicate keys and alias bombs are refused.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from private_acr_preview.errors import UserError
from private_acr_preview.yaml_strict import load_file

_TYPES = ("string", "integer", "boolean", "array", "object")
_DECLARATION_KEYS = {"type", "items", "description", "secret", "default", "value"}
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")


class ConfigFileError(UserError):
    """Pulumi.yaml or the stack file is one the CLI would refuse; the message names the key."""


@dataclass(frozen=True)
class ConfigValue:
    """A value as the CLI holds it: text, JSON for lists and mappings, and whether it is secret."""

    text: str
    is_object: bool = False
    secure: bool = False

    def content(self) -> object:
        return json.loads(self.text) if self.is_object else self.text


@dataclass(frozen=True)
class Declaration:
    key: str
    """Namespaced: ``<project>:<name>`` or another package's ``<namespace>:<name>``."""
    type: str | None
    items: Mapping[str, Any] | None
    secret: bool
    value: object
    has_value: bool


@dataclass(frozen=True)
class Project:
    name: str
    declarations: tuple[Declaration, ...]


def _go_text(value: object) -> ConfigValue:
    """A decoded YAML value as the CLI stores it (JSON marshalling for scalars and objects)."""
    if isinstance(value, str):
        return ConfigValue(value)
    if isinstance(value, bool):
        return ConfigValue("true" if value else "false")
    if isinstance(value, int):
        return ConfigValue(str(value))
    if isinstance(value, float):
        return ConfigValue(_go_float(value))
    if isinstance(value, dict) and set(cast(dict[str, Any], value)) == {"secure"}:
        return ConfigValue("[secret]", secure=True)
    return ConfigValue(_go_json(cast(object, value)), is_object=True)


def _go_json(value: object) -> str:
    """Go's ``json.Marshal`` of the decoded value (config/object.go ``MarshalJSON``).

    The CLI holds a mapping as a Go map, and Go marshals a map with its keys sorted: the program
    sees an object's keys in alphabetical order, not in the order the stack file lists them.
    Strings are escaped as Go escapes them (``<``, ``>``, ``&``, U+2028 and U+2029 as ``\\u``
    sequences; other non-ASCII text as UTF-8), and output is compact.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, str):
        return _go_string(value)
    if isinstance(value, dict):
        mapping = cast(dict[Any, Any], value)
        members = sorted((str(key), item) for key, item in mapping.items())
        return "{" + ",".join(f"{_go_string(k)}:{_go_json(v)}" for k, v in members) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_go_json(item) for item in cast(list[Any], value)) + "]"
    return _go_string(str(value))


_GO_STRING_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def _go_string(text: str) -> str:
    encoded = json.dumps(text, ensure_ascii=False)
    return re.sub("[<>&\u2028\u2029]", lambda match: _GO_STRING_ESCAPES[match.group()], encoded)


def _go_float(value: float) -> str:
    """Go's encoding/json form: no trailing ``.0``, exponents without padding."""
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return re.sub(r"e([+-])0*(\d)", r"e\1\2", repr(value))


def _default_text(value: object) -> ConfigValue:
    """A project default or value as the CLI stores it (``createConfigValue``)."""
    if isinstance(value, bool):
        return ConfigValue("true" if value else "false")
    if isinstance(value, str | int):
        return ConfigValue(str(value))
    return ConfigValue(_go_json(value), is_object=True)


def matches_type(kind: str, items: Mapping[str, Any] | None, value: object) -> bool:
    """``ValidateConfigValue`` of sdk/go/common/workspace/project.go."""
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return True
        if isinstance(value, float):
            return math.isfinite(value) and value.is_integer()
        return isinstance(value, str) and _INTEGER_TEXT.fullmatch(value) is not None
    if kind == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if kind == "object":
        return isinstance(value, dict)
    if not isinstance(value, list) or items is None:
        return False
    item_type = str(items.get("type"))
    item_items = items.get("items")
    nested = cast(Mapping[str, Any], item_items) if isinstance(item_items, dict) else None
    return all(matches_type(item_type, nested, item) for item in cast(list[object], value))


def type_name(kind: str, items: Mapping[str, Any] | None) -> str:
    """``InferFullTypeName``: ``array<string>`` and so on."""
    if items is None:
        return kind
    nested = items.get("items")
    inner = cast(Mapping[str, Any], nested) if isinstance(nested, dict) else None
    return f"array<{type_name(str(items.get('type')), inner)}>"


def _items_problem(where: str, items: object) -> str | None:
    if not isinstance(items, dict):
        return f"{where}.items: expected a mapping with a 'type'"
    spec = cast(dict[str, Any], items)
    kind = spec.get("type")
    if kind not in _TYPES:
        return f"{where}.items.type: got {kind!r}; expected one of {', '.join(_TYPES)}"
    if kind == "array":
        if "items" not in spec:
            return f"{where}.items: an array needs 'items'"
        return _items_problem(f"{where}.items", spec["items"])
    return None


def _declaration(project: str, key: str, spec: object, where: str) -> Declaration:
    namespaced = key if ":" in key else f"{project}:{key}"
    ours = namespaced.startswith(f"{project}:")
    if not isinstance(spec, dict):  # shorthand: a default of ours, a value of another package's
        return Declaration(namespaced, None, None, False, spec, True)
    fields = cast(dict[str, Any], spec)
    unknown = sorted(set(fields) - _DECLARATION_KEYS)
    if unknown:
        allowed = ", ".join(sorted(_DECLARATION_KEYS))
        raise ConfigFileError(
            f"{where}.{unknown[0]}: not allowed in a config declaration (allowed: {allowed})"
        )
    kind = fields.get("type")
    if kind is not None and kind not in _TYPES:
        raise ConfigFileError(f"{where}.type: got {kind!r}; expected one of {', '.join(_TYPES)}")
    if "default" in fields and "value" in fields:
        raise ConfigFileError(f"{where}: cannot have both a 'default' and a 'value'")
    items = fields.get("items")
    if kind == "array" and "items" not in fields:
        raise ConfigFileError(f"{where}: declares an array but not the type of its 'items'")
    if "items" in fields and (problem := _items_problem(where, items)):
        raise ConfigFileError(problem)
    items_spec = cast(Mapping[str, Any], items) if isinstance(items, dict) else None
    if not ours:
        if kind is not None or "default" in fields:
            raise ConfigFileError(
                f"{where}: '{key}' is not namespaced by the project: it takes a 'value', not a 'type' or 'default'"
            )
        if "value" not in fields:
            raise ConfigFileError(
                f"{where}: '{key}' is not namespaced by the project and needs a 'value'"
            )
    # The CLI holds default and value as Go interfaces: `default: null` is no default at all.
    default, given = fields.get("default"), fields.get("value")
    has_value = default is not None or given is not None
    value = default if default is not None else given
    if kind is not None and default is not None and not matches_type(str(kind), items_spec, value):
        raise ConfigFileError(
            f"{where}.default: got {value!r}; expected a value of type '{type_name(str(kind), items_spec)}'"
        )
    return Declaration(namespaced, kind, items_spec, bool(fields.get("secret")), value, has_value)


def read_project(program_dir: Path) -> Project:
    path = program_dir / "Pulumi.yaml"
    if not path.is_file():
        raise ConfigFileError(
            f"{program_dir}: no Pulumi.yaml here; --program must name a Pulumi project"
        )
    document = load_file(path)
    if not isinstance(document, dict):
        raise ConfigFileError(f"{path}: expected a mapping (name, runtime, config, ...)")
    fields = cast(dict[str, Any], document)
    name = fields.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigFileError(f"{path}: the project is missing a non-empty string 'name'")
    runtime = fields.get("runtime")
    runtime_name = (
        cast(dict[str, Any], runtime).get("name") if isinstance(runtime, dict) else runtime
    )
    if runtime_name != "python":
        raise ConfigFileError(
            f"{path}: runtime: got {runtime_name!r}; this engine runs Python programs (runtime: python)"
        )
    declared: object = fields.get("config") or {}
    if isinstance(declared, str):  # the deprecated spelling of stackConfigDir
        declared = {}
    if not isinstance(declared, dict):
        raise ConfigFileError(f"{path}: config: expected a mapping of keys to declarations")
    declarations = tuple(
        _declaration(name, str(key), spec, f"{path}: config.{key}")
        for key, spec in cast(dict[Any, Any], declared).items()
    )
    return Project(name, declarations)


def _stack_key(key: str, where: Path) -> str:
    """``ParseKey``: ``<namespace>:<name>``, or the old ``<namespace>:config:<name>``."""
    parts = key.split(":")
    if len(parts) == 2 and all(parts):
        return key
    if len(parts) == 3 and parts[1] == "config" and parts[0] and parts[2]:
        return f"{parts[0]}:{parts[2]}"
    raise ConfigFileError(
        f"{where}: config key {key!r}: expected the form <namespace>:<name> (e.g. 'myproject:{key}')"
    )


def read_stack_config(config_file: Path) -> dict[str, ConfigValue]:
    """The stack's values as the CLI stores them, by namespaced key."""
    if not config_file.is_file():
        raise ConfigFileError(f"{config_file}: stack config file not found")
    document: object = load_file(config_file) or {}
    if not isinstance(document, dict):
        raise ConfigFileError(f"{config_file}: expected a mapping with a 'config' key")
    values: object = cast(dict[str, Any], document).get("config") or {}
    if not isinstance(values, dict):
        raise ConfigFileError(f"{config_file}: 'config' must be a mapping of keys to values")
    return {
        _stack_key(str(key), config_file): _go_text(value)
        for key, value in cast(dict[Any, Any], values).items()
    }


def _missing_message(stack: str, missing: list[str]) -> str:
    quoted = [f"'{key}'" for key in sorted(missing)]
    listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"
    noun = "value" if len(missing) == 1 else "values"
    return f"Stack '{stack}' is missing configuration {noun} {listed} (declared in Pulumi.yaml without a default)"


def merge_config(
    project: Project, stack: str, values: Mapping[str, ConfigValue], where: Path
) -> dict[str, ConfigValue]:
    """``mergeConfig`` with validation: defaults applied, required keys and types checked."""
    merged = dict(values)
    missing: list[str] = []
    for declaration in sorted(project.declarations, key=lambda d: d.key):
        if declaration.key in merged:
            continue
        if declaration.has_value:
            merged[declaration.key] = _default_text(declaration.value)
        elif declaration.key.startswith(f"{project.name}:"):
            missing.append(declaration.key.split(":", 1)[1])
    if missing:
        raise ConfigFileError(f"{where}: {_missing_message(stack, missing)}")
    for declaration in sorted(project.declarations, key=lambda d: d.key):
        value = merged.get(declaration.key)
        if value is None or declaration.type is None:
            continue
        short = declaration.key.split(":", 1)[1]
        if declaration.secret and not value.secure:
            raise ConfigFileError(
                f"{where}: Stack '{stack}' with configuration key '{short}' must be encrypted as it's secret"
            )
        if value.secure:
            continue  # cannot be decrypted offline; the CLI checks it after decryption
        if not matches_type(declaration.type, declaration.items, value.content()):
            expected = type_name(declaration.type, declaration.items)
            raise ConfigFileError(
                f"{where}: Stack '{stack}' with configuration key '{short}' must be of type "
                f"'{expected}' (got {value.text!r})"
            )
    return merged


def load_config(
    program_dir: Path, stack_name: str, config_file: Path | None = None
) -> tuple[str, dict[str, str]]:
    """The project name and the stack's config as the CLI passes it to the program."""
    project = read_project(program_dir)
    path = config_file or program_dir / f"Pulumi.{stack_name}.yaml"
    merged = merge_config(project, stack_name, read_stack_config(path), path)
    return project.name, {key: value.text for key, value in merged.items()}
