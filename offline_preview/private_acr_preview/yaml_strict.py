"""YAML read as the Pulumi CLI reads it (gopkg.in/yaml.v3), not as PyYAML's defaults would.

The CLI parses ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` with yaml.v3 v3.0.1
(sdk/go/common/encoding/marshal.go imports it in every release since v3.50; the stack file is
decoded into ``any`` first, sdk/go/common/workspace/loaders.go ``LoadProjectStackBytes``). Where
PyYAML's ``safe_load`` differs, this module follows yaml.v3:

- The text is UTF-8 (a UTF-8 byte-order mark is dropped, UTF-16 with its mark is read) and holds
  no control characters other than tab, line feed and carriage return (yaml.v3 readerc.go:
  "control characters are not allowed"); an escape in a double-quoted string may still write
  one, but not a lone UTF-16 surrogate.
- A key repeated in one mapping is an error (decode.go: ``mapping key "x" already defined at
  line N``); PyYAML keeps the last value silently.
- Alias expansion is bounded by yaml.v3's rule (decode.go ``allowedAliasRatio``: past 1,000
  decoded nodes, of which over 100 came through aliases, at most 99% may come through aliases
  below 400,000 nodes, falling to 10% at 4,000,000), so an alias bomb is refused at once
  (``document contains excessive aliasing``) instead of being expanded.
- Scalars resolve as resolve.go ``resolve`` does: only ``true``/``false`` (three spellings each)
  are booleans, so ``yes``, ``no``, ``on`` and ``off`` stay strings; integers are read as Go's
  ``strconv.ParseInt(text, 0, 64)`` reads them once underscores are dropped (``0x1F``, ``0o17``,
  ``0b101``, and ``017``, still octal in yaml.v3), then as unsigned 64-bit, and otherwise as a
  float (``09`` is nine, a 30-digit number a float); a float out of range stays a string;
  ``.inf`` and ``.nan`` are floats. Quoted and block scalars are strings.
- Timestamps (``2024-05-01``, ``2024-05-01T10:00:00Z``, the four forms resolve.go accepts)
  decode to Go's ``time.Time``; they are returned as :class:`Timestamp`, a ``str`` holding the
  text (what a string field of a Go struct receives) that also knows the text the CLI turns a
  config value into (``time.Time.String()``: ``2024-05-01 00:00:00 +0000 UTC``).
- An explicit tag is honoured or refused as yaml.v3 does: ``!!str`` makes any scalar a string,
  ``!!float`` takes an integer too, and a scalar that does not resolve to its tag's type is an
  error (``!!bool 'on'``: "cannot decode !!str `on` as a !!bool", ``!!null 3``); ``!!binary`` is
  base64; ``!`` and tags of one's own (``!Ref x``) leave the text a string.
- Merge keys (``<<``) merge as YAML specifies; a key written in the mapping wins.

Errors name the file, the line and the key (``config.demo:flag``).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import time
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
from private_acr_preview.input_files import read_yaml_text

_ALIAS_RATIO_LOW = 400_000
_ALIAS_RATIO_HIGH = 4_000_000
_TAG = "tag:yaml.org,2002:"
_STR, _BOOL, _INT, _FLOAT, _NULL = (_TAG + name for name in ("str", "bool", "int", "float", "null"))
_TIMESTAMP_TAG, _BINARY, _MERGE = (_TAG + name for name in ("timestamp", "binary", "merge"))
_RESOLVABLE = {"", _STR, _BOOL, _INT, _FLOAT, _NULL, _TIMESTAMP_TAG}


class YamlError(UserError):
    """A YAML file the CLI would refuse; the message names the file and the place."""


class _Refused(Exception):
    """A scalar or mapping yaml.v3 refuses; ``line`` and ``path`` say where."""

    def __init__(self, message: str, line: int, path: str) -> None:
        super().__init__(message)
        self.line = line
        self.path = path


class Timestamp(str):
    """A YAML timestamp: its text, plus ``go_text``, Go's ``time.Time.String()`` of it."""

    go_text: str

    def __new__(cls, text: str, go_text: str) -> Timestamp:
        made = super().__new__(cls, text)
        made.go_text = go_text
        return made


_CONSTANTS: dict[str, object] = {
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("false", "False", "FALSE"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
_HINTED = set("+-0123456789yYnNtTfFoO~.")
_INT64 = (-(2**63), 2**63 - 1)
_UINT64_MAX = 2**64 - 1
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_GO_FLOAT_AFTER_DOT = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?")
_GO_INT = re.compile(
    r"(?P<sign>[-+]?)(?:0[xX](?P<hex>[0-9a-fA-F]+)|0[oO](?P<oct>[0-7]+)|0[bB](?P<bin>[01]+)"
    r"|0(?P<old_oct>[0-7]+)|(?P<dec>0|[1-9][0-9]*))"
)
_TIMESTAMP = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-(?P<day>[0-9]{1,2})"
    r"(?:(?P<sep>[Tt ])(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{1,2}):(?P<second>[0-9]{1,2})"
    r"(?:[.,](?P<fraction>[0-9]+))?(?P<zone>Z|[+-][0-9]{2}:[0-9]{2})?)?"
)


def _constant_tag(value: object) -> str:
    if value is None:
        return _NULL
    return _BOOL if isinstance(value, bool) else _FLOAT


def _go_int(text: str) -> int | None:
    """``strconv.ParseInt(text, 0, 64)``, then ``ParseUint``; None when both fail."""
    match = _GO_INT.fullmatch(text)
    if match is None or len(text) > 70:  # longer than any 64-bit number in any base
        return None
    base, digits = next(
        (base, match.group(name))
        for name, base in (("hex", 16), ("oct", 8), ("bin", 2), ("old_oct", 8), ("dec", 10))
        if match.group(name) is not None
    )
    value = int(digits, base) * (-1 if match.group("sign") == "-" else 1)
    if _INT64[0] <= value <= _UINT64_MAX:
        return value
    return None


def _go_float(text: str) -> float | None:
    """``strconv.ParseFloat`` of text yaml.v3 passed its float pattern; None when out of range."""
    value = float(text)
    return value if math.isfinite(value) else None


def _days_in(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _epoch_days(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a civil date, for any year (Howard Hinnant's days_from_civil)."""
    shifted = year - (month <= 2)
    era = shifted // 400
    year_of_era = shifted - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def _go_time_string(
    year: int, month: int, day: int, clock: tuple[int, int, int, int], offset: int | None
) -> str:
    """``time.Time.String()`` after the CLI's round trip (decode, encode RFC 3339, decode).

    Without a zone, or with a zero offset, the time is UTC. Another offset takes the local
    zone's name when the local zone has that offset at that instant (Go's ``time.Parse``), else
    the offset itself names the zone.
    """
    hour, minute, second, nanos = clock
    zone_name = "UTC"
    if offset:
        zone_name = "{}{:02d}{:02d}".format(
            "-" if offset < 0 else "+", *divmod(abs(offset) // 60, 60)
        )
        instant = (
            _epoch_days(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset
        )
        try:
            local = time.localtime(instant)
        except (OverflowError, OSError, ValueError):
            local = None
        if local is not None and local.tm_gmtoff == offset and local.tm_zone:
            zone_name = local.tm_zone
    minutes = abs(offset or 0) // 60
    numeric = "{}{:02d}{:02d}".format("-" if (offset or 0) < 0 else "+", *divmod(minutes, 60))
    fraction = f".{nanos:09d}".rstrip("0").rstrip(".") if nanos else ""
    return (
        f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{second:02d}{fraction} "
        f"{numeric} {zone_name}"
    )


def _timestamp(text: str) -> Timestamp | None:
    """resolve.go ``parseTimestamp``: one of its four layouts, with Go's range checks."""
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return None
    year, month, day = (int(match.group(name)) for name in ("year", "month", "day"))
    separator, zone = match.group("sep"), match.group("zone")
    if separator is not None and (separator == " ") == (zone is not None):
        return None  # "T"/"t" layouts need a zone; the space layout takes none
    if not 1 <= month <= 12 or not 1 <= day <= _days_in(year, month):
        return None
    clock = (0, 0, 0, 0)
    if separator is not None:
        hour, minute, second = (int(match.group(n)) for n in ("hour", "minute", "second"))
        if hour > 23 or minute > 59 or second > 59:
            return None
        clock = (hour, minute, second, int((match.group("fraction") or "0")[:9].ljust(9, "0")))
    offset = None
    if zone is not None and zone != "Z":
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 24 or minutes > 60:
            return None
        offset = (hours * 3600 + minutes * 60) * (-1 if zone[0] == "-" else 1)
    return Timestamp(text, _go_time_string(year, month, day, clock, offset))


def _resolve_untagged(text: str) -> tuple[str, object]:
    """resolve.go ``resolve`` of a plain scalar: its tag and its value."""
    if text in _CONSTANTS:  # "" among them: an empty plain scalar is null
        value = _CONSTANTS[text]
        return _constant_tag(value), value
    if text[0] not in _HINTED:
        return _STR, text
    if text[0] == ".":
        if _GO_FLOAT_AFTER_DOT.fullmatch(text) and (number := _go_float(text)) is not None:
            return _FLOAT, number
        return _STR, text
    if text[0] in "yYnNtTfFoO~":
        return _STR, text
    if (stamp := _timestamp(text)) is not None:
        return _TIMESTAMP_TAG, stamp
    plain = text.replace("_", "")
    if (integer := _go_int(plain)) is not None:
        return _INT, integer
    if _YAML_FLOAT.fullmatch(plain) and (number := _go_float(plain)) is not None:
        return _FLOAT, number
    return _STR, text


def _short(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def _scalar(node: nodes.ScalarNode) -> object:
    """decode.go ``scalar`` for a value decoded into ``any``."""
    tag, text = node.tag, str(node.value)
    if tag == _STR or (tag in ("", "!") and node.style is not None):
        return text
    if tag == _BINARY:
        try:
            return base64.b64decode(text.replace("\n", "").replace(" ", ""), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise _Refused(
                "!!binary value contains invalid base64 data (or is not UTF-8 text)", 0, ""
            ) from None
    if tag not in _RESOLVABLE:
        return text  # "!", "!!map", "!Ref" and other tags of one's own: the text
    if tag == _TIMESTAMP_TAG:
        stamp = _timestamp(text)
        if stamp is not None:
            return stamp
    resolved_tag, value = _resolve_untagged(text)
    if tag in ("", resolved_tag):
        return value
    if tag == _FLOAT and resolved_tag == _INT:
        return float(cast(int, value))
    raise _Refused(
        f"cannot decode {_short(resolved_tag)} `{text}` as a {_short(tag)} (the Pulumi CLI's "
        "YAML parser, yaml.v3, refuses it)",
        0,
        "",
    )


class _Loader(Reader, Scanner, Parser, Composer, BaseResolver):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        BaseResolver.__init__(self)

    def compose_scalar_node(self, anchor: Any) -> nodes.ScalarNode:
        """The node with the tag as written ("" for none) and its style, resolved later."""
        event: Any = cast(Any, self).get_event()  # a ScalarEvent (PyYAML's stubs differ on marks)
        node = nodes.ScalarNode(
            event.tag or "", event.value, event.start_mark, event.end_mark, style=event.style
        )
        if anchor is not None:
            self.anchors[anchor] = node
        return node


def _allowed_alias_ratio(decoded: int) -> float:
    if decoded <= _ALIAS_RATIO_LOW:
        return 0.99
    if decoded >= _ALIAS_RATIO_HIGH:
        return 0.10
    span = _ALIAS_RATIO_HIGH - _ALIAS_RATIO_LOW
    return 0.99 - 0.89 * (decoded - _ALIAS_RATIO_LOW) / span


def _is_merge(node: nodes.Node) -> bool:
    """decode.go ``isMerge``: ``<<`` untagged (quoted or not), ``!``, or ``!!merge``."""
    return (
        isinstance(node, nodes.ScalarNode) and node.value == "<<" and node.tag in ("", "!", _MERGE)
    )


def _key_text(key: object) -> str:
    return str(key) if not isinstance(key, bool) else str(key).lower()


class _Decoder:
    """Nodes to plain values, counting as yaml.v3's decoder counts."""

    def __init__(self, anchored: set[int]) -> None:
        self.anchored = anchored
        self.decoded = 0
        self.through_alias = 0
        self.alias_depth = 0
        self.seen: set[int] = set()

    def decode(self, node: nodes.Node, path: str) -> Any:
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
            return self._value(node, path)
        finally:
            if repeated:
                self.alias_depth -= 1

    def _value(self, node: nodes.Node, path: str) -> Any:
        if isinstance(node, nodes.SequenceNode):
            items = cast(list[nodes.Node], node.value)
            return [self.decode(item, f"{path}[{index}]") for index, item in enumerate(items)]
        if isinstance(node, nodes.MappingNode):
            return self._mapping(node, path)
        try:
            return _scalar(cast(nodes.ScalarNode, node))
        except _Refused as refused:
            raise _Refused(str(refused), node.start_mark.line + 1, path) from None

    def _mapping(self, node: nodes.MappingNode, path: str) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        merged: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        written: dict[tuple[str, str], int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if _is_merge(key_node):
                merged = {**self._merge_sources(value_node, path), **merged}
                continue
            # yaml.v3 compares keys as written (kind and text); equal values are one key too.
            as_written = (type(key_node).__name__, str(key_node.value))
            if isinstance(key_node, nodes.ScalarNode) and as_written in written:
                raise yaml.YAMLError(
                    f"line {line}: mapping key {str(key_node.value)!r} already defined at line "
                    f"{written[as_written]}"
                )
            written[as_written] = line
            key = self.decode(key_node, path)
            if isinstance(key, list | dict):
                raise yaml.YAMLError(f"line {line}: a key must be a scalar")
            if key in first_line:
                raise yaml.YAMLError(
                    f"line {line}: mapping key {_key_text(key)!r} already defined at line "
                    f"{first_line[key]}"
                )
            first_line[key] = line
            result[key] = self.decode(
                value_node, f"{path}.{_key_text(key)}" if path else _key_text(key)
            )
        return {**merged, **result}

    def _merge_sources(self, node: nodes.Node, path: str) -> dict[Any, Any]:
        sources = node.value if isinstance(node, nodes.SequenceNode) else [node]
        merged: dict[Any, Any] = {}
        for source in reversed(sources):
            value: object = self.decode(source, path)
            if not isinstance(value, dict):
                raise yaml.YAMLError(
                    f"line {source.start_mark.line + 1}: a merge (<<) takes a mapping or a list of mappings"
                )
            merged.update(cast(dict[Any, Any], value))
        return merged


_NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _line_and_column(text: str, offset: int) -> str:
    line_start = text.rfind("\n", 0, offset) + 1
    return f"line {text.count(chr(10), 0, offset) + 1}, column {offset - line_start + 1}"


def loads(text: str, *, source: str) -> Any:
    """The single document in ``text`` as plain values; ``source`` names it in errors."""
    if (character := _NON_PRINTABLE.search(text)) is not None:
        raise YamlError(
            f"{source}: {_line_and_column(text, character.start())}: control character "
            f"U+{ord(character.group()):04X} is not allowed in YAML (the Pulumi CLI refuses it "
            "too); write it as an escape in a double-quoted string"
        )
    loader = _Loader(text)
    try:
        # Compose keeps anchors as shared nodes, so even an alias bomb composes in linear time.
        root = loader.get_single_node()
        if root is None:
            return None
        _refuse_surrogates(root)
        anchors = {id(node) for node in _alias_targets(root)}
        return _Decoder(anchors).decode(root, "")
    except _Refused as refused:
        where = f"{refused.path}: " if refused.path else ""
        raise YamlError(f"{source}: line {refused.line}: {where}{refused}") from None
    except RecursionError:
        raise YamlError(f"{source}: not valid YAML: nested too deeply") from None
    except yaml.YAMLError as error:
        raise YamlError(f"{source}: not valid YAML: {error}") from None
    except ValueError as error:  # PyYAML's scanner on an escape past U+10FFFF
        raise YamlError(f"{source}: not valid YAML: {error}") from None
    finally:
        loader.dispose()


def _refuse_surrogates(root: nodes.Node) -> None:
    """yaml.v3 refuses an escape naming a UTF-16 surrogate; PyYAML would keep a lone one."""
    for node in _walk(root):
        if isinstance(node, nodes.ScalarNode) and _SURROGATE.search(str(node.value)):
            raise _Refused(
                "found invalid Unicode character escape code (a UTF-16 surrogate)",
                node.start_mark.line + 1,
                "",
            )


def _walk(root: nodes.Node) -> list[nodes.Node]:
    """Every node once (aliases share nodes)."""
    seen: set[int] = set()
    found: list[nodes.Node] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        found.append(node)
        if isinstance(node, nodes.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, nodes.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
    return found


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


def load_file(path: Path, *, option: str | None = None) -> Any:
    """The YAML document in ``path``, read as a bounded regular file (see ``input_files``)."""
    where = f"{option} {path}" if option else str(path)
    return loads(read_yaml_text(path, option=option), source=where)
