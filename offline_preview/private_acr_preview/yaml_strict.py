"""YAML read as the Pulumi CLI reads it (gopkg.in/yaml.v3), not as PyYAML's defaults would.

The CLI parses ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` with yaml.v3
(sdk/go/common/encoding/marshal.go). Where PyYAML's ``safe_load`` differs, this module follows
yaml.v3:

- A key repeated in one mapping is an error (yaml.v3 decode.go: ``mapping key "x" already
  defined at line N``); PyYAML keeps the last value silently.
- Alias expansion is bounded by yaml.v3's rule (decode.go ``allowedAliasRatio``: past 1,000
  decoded nodes, of which over 100 came through aliases, at most 99% may come through aliases
  below 400,000 nodes, falling to 10% at 4,000,000), so an alias bomb is refused at once
  (``document contains excessive aliasing``) instead of being expanded.
- Scalars resolve as YAML 1.2's core schema, which yaml.v3 uses for untyped values: only
  ``true``/``false`` (three spellings each) are booleans, so ``yes``, ``no``, ``on`` and
  ``off`` stay strings; ``010`` is ten; timestamps stay strings (yaml.v3 keeps them as strings
  when decoding into ``any``); other tags keep the scalar's text.
- Merge keys (``<<``) merge as YAML specifies; a key written in the mapping wins.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast

import yaml
from yaml import nodes
from yaml.composer import Composer
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from private_acr_preview.errors import UserError

_ALIAS_RATIO_LOW = 400_000
_ALIAS_RATIO_HIGH = 4_000_000


class YamlError(UserError):
    """A YAML file the CLI would refuse; the message names the file and the place."""


_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_MERGE = re.compile(r"^(?:<<)$")
_TAG = "tag:yaml.org,2002:"


def _core_resolvers() -> dict[str | None, list[tuple[str, re.Pattern[str]]]]:
    """Implicit tags of YAML 1.2's core schema, keyed by first character as PyYAML expects."""
    table: dict[str | None, list[tuple[str, re.Pattern[str]]]] = {}
    for tag, pattern, first in (
        ("bool", _BOOL, "tTfF"),
        ("int", _INT, "-+0123456789"),
        ("float", _FLOAT, "-+0123456789."),
        ("null", _NULL, "~nN"),
        ("merge", _MERGE, "<"),
    ):
        for character in first:
            table.setdefault(character, []).append((_TAG + tag, pattern))
    table.setdefault("", []).append((_TAG + "null", _NULL))
    return table


class _CoreResolver(BaseResolver):
    yaml_implicit_resolvers = _core_resolvers()


def _scalar(tag: str, text: str) -> object:
    """A scalar of the core schema; any other tag (``!Custom``, ``!!binary``) stays its text."""
    if tag == _TAG + "null":
        return None
    if tag == _TAG + "bool":
        return text.lower() == "true"
    if tag == _TAG + "int":
        if text.startswith(("0o", "0x")):
            return int(text[2:], 8 if text[1] == "o" else 16)
        return int(text, 10)
    if tag == _TAG + "float":
        lowered = text.lower().lstrip("+")
        if lowered in (".inf", "-.inf"):
            return float(lowered.replace(".", ""))
        return float("nan") if lowered == ".nan" else float(text)
    return text


class _Loader(Reader, Scanner, Parser, Composer, _CoreResolver):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _CoreResolver.__init__(self)


def _allowed_alias_ratio(decoded: int) -> float:
    if decoded <= _ALIAS_RATIO_LOW:
        return 0.99
    if decoded >= _ALIAS_RATIO_HIGH:
        return 0.10
    span = _ALIAS_RATIO_HIGH - _ALIAS_RATIO_LOW
    return 0.99 - 0.89 * (decoded - _ALIAS_RATIO_LOW) / span


class _Decoder:
    """Nodes to plain values, counting as yaml.v3's decoder counts."""

    def __init__(self, anchored: set[int]) -> None:
        self.anchored = anchored
        self.decoded = 0
        self.through_alias = 0
        self.alias_depth = 0
        self.seen: set[int] = set()

    def decode(self, node: nodes.Node) -> Any:
        self.decoded += 1
        if self.alias_depth:
            self.through_alias += 1
        if (
            self.through_alias > 100
            and self.decoded > 1000
            and self.through_alias / self.decoded > _allowed_alias_ratio(self.decoded)
        ):
            raise yaml.YAMLError("document contains excessive aliasing")
        # PyYAML gives an alias the anchored node itself: the second visit is the alias.
        repeated = id(node) in self.seen and id(node) in self.anchored
        self.seen.add(id(node))
        if repeated:
            self.alias_depth += 1
        try:
            return self._value(node)
        finally:
            if repeated:
                self.alias_depth -= 1

    def _value(self, node: nodes.Node) -> Any:
        if isinstance(node, nodes.SequenceNode):
            return [self.decode(item) for item in node.value]
        if isinstance(node, nodes.MappingNode):
            return self._mapping(node)
        try:
            return _scalar(node.tag, str(node.value))
        except ValueError:
            raise yaml.YAMLError(
                f"line {node.start_mark.line + 1}: {node.value!r} is not a valid {node.tag}"
            ) from None

    def _mapping(self, node: nodes.MappingNode) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        merged: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged = {**self._merge_sources(value_node), **merged}
                continue
            key = self.decode(key_node)
            if isinstance(key, list | dict):
                raise yaml.YAMLError(f"line {key_node.start_mark.line + 1}: a key must be a scalar")
            if key in first_line:
                raise yaml.YAMLError(
                    f"line {key_node.start_mark.line + 1}: mapping key {str(key)!r} already "
                    f"defined at line {first_line[key]}"
                )
            first_line[key] = key_node.start_mark.line + 1
            result[key] = self.decode(value_node)
        return {**merged, **result}

    def _merge_sources(self, node: nodes.Node) -> dict[Any, Any]:
        sources = node.value if isinstance(node, nodes.SequenceNode) else [node]
        merged: dict[Any, Any] = {}
        for source in reversed(sources):
            value: object = self.decode(source)
            if not isinstance(value, dict):
                raise yaml.YAMLError(
                    f"line {source.start_mark.line + 1}: a merge (<<) takes a mapping or a list of mappings"
                )
            merged.update(cast(dict[Any, Any], value))
        return merged


def loads(text: str, *, source: str) -> Any:
    """The single document in ``text`` as plain values; ``source`` names it in errors."""
    loader = _Loader(text)
    try:
        # Compose keeps anchors as shared nodes, so even an alias bomb composes in linear time.
        root = loader.get_single_node()
        if root is None:
            return None
        anchors = {id(node) for node in _alias_targets(root)}
        return _Decoder(anchors).decode(root)
    except RecursionError:
        raise YamlError(f"{source}: not valid YAML: nested too deeply") from None
    except yaml.YAMLError as error:
        raise YamlError(f"{source}: not valid YAML: {error}") from None
    finally:
        loader.dispose()


def _alias_targets(root: nodes.Node) -> list[nodes.Node]:
    """Nodes some alias refers to: those reached more than once in the node graph."""
    counts: dict[int, int] = {}
    targets: list[nodes.Node] = []
    stack = [root]
    while stack:
        node = stack.pop()
        counts[id(node)] = counts.get(id(node), 0) + 1
        if counts[id(node)] > 1:
            if counts[id(node)] == 2:
                targets.append(node)
            continue
        if isinstance(node, nodes.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, nodes.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
    return targets


def load_file(path: Path) -> Any:
    try:
        text = path.read_text()
    except OSError as error:
        raise YamlError(f"{path}: cannot read: {error}") from None
    return loads(text, source=str(path))
