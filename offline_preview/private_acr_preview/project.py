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
  ``ParseKey``); a key without a namespace is the project's (workspace/loaders.go
  ``stackConfigNamespacedWithProject``, since v3.44), and naming one key both ways is an error.
  Scalars become strings as the CLI stores them; lists and mappings become JSON as Go marshals
  them (config/object.go ``MarshalString``: numbers in Go's shortest form, a timestamp as Go's
  ``time.Time.String()``, ``.inf`` and ``.nan`` refused as Go's ``json.Marshal`` refuses them);
  ``{secure: ...}`` is a secret this engine cannot decrypt, so the program sees ``[secret]``.
- Merging (pkg/workspace/config.go ``mergeConfig``): a declared key missing from the stack takes
  its ``value`` or ``default``; a key of this project with neither is an error naming every such
  key; then each typed key's value is checked against its type (``ValidateConfigValue``: an
  integer may be a whole number or a string of digits, a boolean ``true``/``false`` as value or
  string, an object a mapping, an array a list whose items match ``items``), and a key declared
  ``secret`` must be ``secure`` in the stack.

- The merged config reaches the program and the policy pack as JSON in one environment
  variable, ``PULUMI_CONFIG`` (sdk/python/cmd/pulumi-language-python/main.go sets it for the
  program and, through ``RunPlugin``, for the pack), and Linux caps one variable at 128 KiB
  (``MAX_ARG_STRLEN``): the CLI could start neither, so a larger config is refused here.

YAML is read as yaml.v3 reads it (``yaml_strict``): duplicate keys and alias bombs are refused.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from private_acr_preview.errors import UserError
from private_acr_preview.input_files import names_standard_input
from private_acr_preview.yaml_strict import Timestamp, load_file

_TYPES = ("string", "integer", "boolean", "array", "object")
_DECLARATION_KEYS = {"type", "items", "description", "secret", "default", "value"}
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
ENVIRONMENT_VARIABLE_LIMIT = 128 * 1024
"""Linux's ``MAX_ARG_STRLEN`` (32 pages): the most one ``NAME=value`` string may hold, its
terminating NUL included."""


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


class _NotJson(ValueError):
    """A value Go's ``json.Marshal`` refuses (an infinity or NaN); ``path`` says where."""

    def __init__(self, value: float, path: str) -> None:
        super().__init__(f"{path}: {_yaml_float(value)} is not a number JSON can hold")
        self.path = path


def _yaml_float(value: float) -> str:
    return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")


def _go_text(value: object, key: str) -> ConfigValue:
    """A decoded YAML value as the CLI stores it (JSON marshalling for scalars and objects)."""
    if isinstance(value, Timestamp):
        return ConfigValue(value.go_text)
    if isinstance(value, str):
        return ConfigValue(value)
    if isinstance(value, bool):
        return ConfigValue("true" if value else "false")
    if isinstance(value, int):
        return ConfigValue(str(value))
    if isinstance(value, float):
        return ConfigValue(go_json(value, key))
    if isinstance(value, dict) and set(cast(dict[str, Any], value)) == {"secure"}:
        return ConfigValue("[secret]", secure=True)
    return ConfigValue(go_json(cast(object, value), key), is_object=True)


def go_json(value: object, path: str = "") -> str:
    """Go's ``json.Marshal`` of the decoded value (config/object.go ``MarshalJSON``).

    The CLI holds a mapping as a Go map, and Go marshals a map with its keys sorted: the program
    sees an object's keys in alphabetical order, not in the order the stack file lists them.
    A key that is not a string becomes Go's ``%v`` text of it (config/object.go
    ``unmarshalObject``). Strings are escaped as Go escapes them (``<``, ``>``, ``&``, U+2028
    and U+2029 as ``\\u`` sequences; other non-ASCII text as UTF-8), and output is compact.
    An infinity or NaN raises :class:`_NotJson` naming its ``path``, as ``json.Marshal`` fails.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _NotJson(value, path)
        return _go_json_float(value)
    if isinstance(value, Timestamp):
        return _go_string(value.go_text)
    if isinstance(value, str):
        return _go_string(value)
    if isinstance(value, dict):
        mapping = cast(dict[Any, Any], value)
        members = sorted((_go_key(key), item) for key, item in mapping.items())
        return (
            "{" + ",".join(f"{_go_string(k)}:{go_json(v, f'{path}.{k}')}" for k, v in members) + "}"
        )
    if isinstance(value, list):
        items = cast(list[Any], value)
        return "[" + ",".join(go_json(item, f"{path}[{i}]") for i, item in enumerate(items)) + "]"
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


def _shortest(value: float) -> tuple[str, str, int]:
    """Sign, the shortest digits that read back as ``value``, and where the point goes
    (``value`` is ``sign 0.DIGITS * 10**point``). Python's ``repr`` and Go's ``strconv`` both
    pick the shortest round-tripping digits."""
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    if value == 0:
        return sign, "0", 1
    _, digit_tuple, exponent = Decimal(repr(abs(value))).as_tuple()
    assert isinstance(exponent, int)  # finite
    digits = "".join(map(str, digit_tuple))
    significant = digits.lstrip("0")
    point = len(digits) + exponent - (len(digits) - len(significant))
    return sign, significant.rstrip("0"), point


def _fixed(digits: str, point: int) -> str:
    if point <= 0:
        return "0." + "0" * -point + digits
    if point >= len(digits):
        return digits + "0" * (point - len(digits))
    return f"{digits[:point]}.{digits[point:]}"


def _exponent(digits: str, point: int) -> str:
    mantissa = digits[0] + (f".{digits[1:]}" if len(digits) > 1 else "")
    exponent = point - 1
    return f"{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"


def _go_json_float(value: float) -> str:
    """encoding/json's float64: ``strconv`` 'f' form, or 'e' below 1e-6 and from 1e21 on, with
    ``e-07`` shortened to ``e-7``."""
    sign, digits, point = _shortest(value)
    if value == 0 or 1e-6 <= abs(value) < 1e21:
        return sign + _fixed(digits, point)
    return sign + re.sub(r"e-0(\d)$", r"e-\1", _exponent(digits, point))


def _go_key(key: object) -> str:
    """Go's ``%v`` of a decoded map key (``fmt.Sprintf("%v", k)``)."""
    if isinstance(key, Timestamp):
        return key.go_text
    if isinstance(key, str):
        return key
    if key is None:
        return "<nil>"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, float):
        if math.isnan(key):
            return "NaN"
        if math.isinf(key):
            return "+Inf" if key > 0 else "-Inf"
        sign, digits, point = _shortest(key)
        if key != 0.0 and not -4 <= point - 1 < 6:  # %g with the shortest precision
            return sign + _exponent(digits, point)
        return sign + _fixed(digits, point)
    return str(key)


def _default_text(value: object, key: str) -> ConfigValue:
    """A project default or value as the CLI stores it (``createConfigValue``)."""
    if isinstance(value, bool):
        return ConfigValue("true" if value else "false")
    if isinstance(value, str | int):
        return ConfigValue(str(value))
    return ConfigValue(go_json(value, key), is_object=True)


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


def _stack_key(key: str, where: str) -> str:
    """``ParseKey``: ``<namespace>:<name>``, or the old ``<namespace>:config:<name>``."""
    parts = key.split(":")
    if len(parts) == 2 and all(parts):
        return key
    if len(parts) == 3 and parts[1] == "config" and parts[0] and parts[2]:
        return f"{parts[0]}:{parts[2]}"
    raise ConfigFileError(
        f"{where}: config key {key!r}: expected the form <namespace>:<name> (e.g. 'myproject:{key}')"
    )


def _stack_values(values: dict[Any, Any], project: str, where: str) -> dict[str, ConfigValue]:
    """Keys namespaced and parsed as the CLI does, each value as the CLI stores it."""
    # The CLI adds the project's namespace only when every key is a string (a mapping with any
    # other key decodes to map[any]any, which stackConfigNamespacedWithProject leaves alone).
    namespaced = all(isinstance(key, str) for key in values)
    result: dict[str, ConfigValue] = {}
    written: dict[str, str] = {}
    for raw_key, value in values.items():
        text = _go_key(raw_key)
        key = _stack_key(f"{project}:{text}" if namespaced and ":" not in text else text, where)
        if key in written:
            raise ConfigFileError(
                f"{where}: config keys {written[key]!r} and {text!r} are both '{key}' (a key "
                "without a namespace is the project's); keep one"
            )
        written[key] = text
        try:
            result[key] = _go_text(value, key)
        except _NotJson as error:
            raise ConfigFileError(
                f"{where}: {error}; the Pulumi CLI holds config as JSON and refuses it (json: "
                "unsupported value)"
            ) from None
    return result


def read_stack_config(
    config_file: Path, project: str, *, option: str | None = None
) -> dict[str, ConfigValue]:
    """The stack's values as the CLI stores them, by namespaced key."""
    where = f"{option} {config_file}" if option else str(config_file)
    if not config_file.exists() and not names_standard_input(config_file):
        raise ConfigFileError(f"{where}: stack config file not found")
    document: object = load_file(config_file, option=option) or {}
    if not isinstance(document, dict):
        raise ConfigFileError(f"{where}: expected a mapping with a 'config' key")
    values: object = cast(dict[str, Any], document).get("config") or {}
    if not isinstance(values, dict):
        raise ConfigFileError(f"{where}: 'config' must be a mapping of keys to values")
    return _stack_values(cast(dict[Any, Any], values), project, where)


def check_environment_size(config: Mapping[str, str], where: str) -> None:
    """Refuse a config the CLI could not pass in ``PULUMI_CONFIG`` (see the module's notes)."""
    variable = len(b"PULUMI_CONFIG=") + len(go_json(dict(config)).encode()) + 1
    if variable <= ENVIRONMENT_VARIABLE_LIMIT:
        return
    sizes = {key: len(go_json({key: value}).encode()) - 2 for key, value in config.items()}
    largest = max(sizes, key=lambda key: sizes[key])
    raise ConfigFileError(
        f"{where}: the stack's config takes {variable:,} bytes as the Pulumi CLI passes it to "
        "the program and the policy pack (JSON in the one environment variable PULUMI_CONFIG), "
        f"over the {ENVIRONMENT_VARIABLE_LIMIT:,} bytes (128 KiB) Linux allows one variable "
        f"(MAX_ARG_STRLEN): the CLI could start neither. The largest key is '{largest}' "
        f"({sizes[largest]:,} bytes); keep large data in a file the program reads"
    )


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
            try:
                merged[declaration.key] = _default_text(declaration.value, declaration.key)
            except _NotJson as error:
                raise ConfigFileError(f"Pulumi.yaml: config: {error}") from None
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
    option = "--config-file" if config_file is not None else None
    path = config_file or program_dir / f"Pulumi.{stack_name}.yaml"
    values = read_stack_config(path, project.name, option=option)
    merged = merge_config(project, stack_name, values, path)
    config = {key: value.text for key, value in merged.items()}
    check_environment_size(config, f"{option} {path}" if option else str(path))
    return project.name, config
