"""Mutated stack files: read or refused cleanly by the engine, then by the program's settings.

Hypothesis mutates the repository's example stack files (a value replaced by an odd one, a key
dropped or misspelt, the file cut short or given a stray byte) and checks what ``offline-preview``
promises before any resource exists: the engine reads the file or refuses it as bad input (exit
2) naming the file, never a crash; the program's settings accept the config or refuse it naming
a key, never a crash ("the program failed"). Both run below the command line, as the preview runs
them (``load_config``, then ``load_settings`` as ``__main__.py`` does): a whole preview takes
seconds, these milliseconds.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from private_acr_preview.errors import is_user_facing, message_for
from private_acr_preview.project import load_config, read_project
from private_acr_preview.yaml_strict import loads
from private_acr_tasks.settings import load_settings

STACKS = sorted(path.name.split(".")[1] for path in ROOT.glob("Pulumi.*.yaml"))
_PLACEHOLDER = "mutation-placeholder-7f3a"

# YAML as one might write it by mistake, or to probe: each fits where a value goes.
ODD_VALUES = [
    ".inf",
    "-.inf",
    ".nan",
    "!!bool 'on'",
    "!!null 3",
    "!!int 3.5",
    "!!str 010",
    "!Ref x",
    "1e40",
    "-1",
    "0",
    "010",
    "0x10",
    "9223372036854775808",
    "1.5",
    "true",
    "on",
    "null",
    "~",
    "''",
    "' '",
    "[]",
    "{}",
    "[1, [2, [3]]]",
    "{a: {b: {c: d}}}",
    "{secure: AAAA}",
    "2024-05-01",
    '"east\\u200bus2"',
    '"\\x01"',
    '"https://user:token@host.example.com/repo.git"',
    "../../../../etc/hostname",
    "/dev/zero",
    "x" * 3000,
]

# Text that str.isdigit() or a sign check lets through to int(): superscript two and the
# Arabic-Indic digits are digits to Python, "--5" starts with "-" (the issue's reproducers).
NUMBER_LOOKALIKES = ["'--5'", "'+-5'", "'\u00b2'", "'\u0661'", "'\u0663\u0662'", "'\u00bd'", "'5 '"]

yaml_values = st.one_of(
    st.sampled_from(ODD_VALUES),
    st.sampled_from(NUMBER_LOOKALIKES),
    st.integers(-(2**70), 2**70).map(str),
    st.floats().map(repr),
    st.text(max_size=30).map(lambda text: json.dumps(text, ensure_ascii=False)),
)


def _stack_file(stack: str) -> Path:
    return ROOT / f"Pulumi.{stack}.yaml"


def _plain(value: object) -> object:
    """The decoded document with ``str`` subclasses (timestamps) as plain strings, for dumping."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in cast(dict[Any, Any], value).items()}
    if isinstance(value, list):
        return [_plain(item) for item in cast(list[Any], value)]
    return str(value) if isinstance(value, str) else value


def _paths(value: object, prefix: tuple[object, ...] = ()) -> Iterator[tuple[object, ...]]:
    """Every key and index under ``value``, as a path from it."""
    if isinstance(value, dict):
        items: list[tuple[object, object]] = list(cast(dict[Any, Any], value).items())
    elif isinstance(value, list):
        items = list(enumerate(cast(list[Any], value)))
    else:
        return
    for key, item in items:
        yield (*prefix, key)
        yield from _paths(item, (*prefix, key))


def _dump(document: object, snippet: str) -> str:
    text = yaml.safe_dump(_plain(document), sort_keys=False, allow_unicode=True, width=10**6)
    return text.replace(_PLACEHOLDER, snippet)


@st.composite
def mutated_stack_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """A stack name and the bytes of its file, mutated once."""
    stack = draw(st.sampled_from(STACKS))
    original = _stack_file(stack).read_bytes()
    kind = draw(st.sampled_from(["replace"] * 4 + ["drop", "rename", "cut", "byte"]))
    if kind == "cut":
        return stack, original[: draw(st.integers(0, len(original) - 1))]
    if kind == "byte":
        at = draw(st.integers(0, len(original)))
        return stack, original[:at] + bytes([draw(st.integers(0, 255))]) + original[at:]
    document = copy.deepcopy(loads(original.decode(), source=stack))
    path = draw(st.sampled_from(list(_paths(document["config"]))))
    parent: Any = document["config"]
    for step in path[:-1]:
        parent = parent[step]
    last: Any = path[-1]
    snippet = ""
    if kind == "drop":
        del parent[last]
    elif kind == "rename" and isinstance(last, str):
        renamed = draw(st.sampled_from([last + "s", last.lower(), last.upper(), last[:-1] or "x"]))
        parent[renamed] = parent.pop(last)
    else:
        parent[last] = _PLACEHOLDER
        snippet = draw(yaml_values)
    return stack, _dump(document, snippet).encode()


class Refused(Exception):
    """The engine or the program refused the input as bad input; the message is what exit 2 says."""


def _engine(stack: str, content: bytes) -> tuple[dict[str, str], str]:
    """``load_config`` on the file: the config, or Refused (user-facing) naming the file."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"Pulumi.{stack}.yaml"
        path.write_bytes(content)
        try:
            return load_config(ROOT, stack, path)[1], str(path)
        except Exception as error:  # noqa: BLE001 - the invariant is about every exception
            message = message_for(error)
            assert is_user_facing(error), message
            assert str(path) in message, message
            raise Refused(message) from None


_KEYS = {declaration.key.split(":", 1)[1] for declaration in read_project(ROOT).declarations} | {
    "location",
    "subscriptionId",
    "environment",
}


def _program(config: dict[str, str]) -> None:
    """The settings the program loads first: accepted, or refused naming a key."""
    try:
        load_settings(config, ROOT)
    except Exception as error:  # noqa: BLE001 - the invariant is about every exception
        message = message_for(error)
        assert is_user_facing(error), message
        problems = getattr(error, "problems", (message,))
        for problem in problems:
            assert any(re.search(rf"\b{re.escape(key)}\b", problem) for key in _KEYS), problem


def test_the_example_stacks_survive_the_harness_round_trip() -> None:
    # The oracle for the mutations: an unmutated dump reads as the file itself.
    for stack in STACKS:
        document = loads(_stack_file(stack).read_text(), source=stack)
        original, _ = _engine(stack, _stack_file(stack).read_bytes())
        assert _engine(stack, _dump(document, "").encode())[0] == original


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_stack_files())
def test_a_mutated_stack_file_is_read_or_refused_naming_the_file(case: tuple[str, bytes]) -> None:
    with contextlib.suppress(Refused):
        _engine(*case)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_stack_files())
def test_a_mutated_stack_config_is_accepted_or_refused_naming_a_key(
    case: tuple[str, bytes],
) -> None:
    try:
        config, _ = _engine(*case)
    except Refused:
        return
    _program(config)


def _dev_with(old: str, new: str) -> bytes:
    text = _stack_file("dev").read_text()
    assert old in text
    return text.replace(old, new, 1).encode()


# The issue's reproducers of bad input: the engine refuses the first three naming the key
# and line, the program's settings the rest naming the key.
@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("private-acr-tasks:protect: false", "private-acr-tasks:protect: !!bool 'on'", "protect"),
        ("nodeCount: 2", "nodeCount: !!null 3", "aks.nodeCount"),
        ("retentionDays: 7", "retentionDays: {days: .inf}", "registry.retentionDays.days"),
        ("location: eastus2", "location: true", "azure-native:location: got 'true'"),
        ("location: eastus2", "location: 1.5", "azure-native:location: got '1.5'"),
        ("location: eastus2", "location: {a: 1}", "azure-native:location: got '{"),
        ("location: eastus2", 'location: "east\\u200bus2"', "azure-native:location: got 'east"),
        ("count: 1", "count: '\u0661'", "agentPool.count: got '\u0661'"),
        ("count: 1", "count: 1\n    vcpuQuota: '--5'", "agentPool.vcpuQuota: got '--5'"),
        ("count: 1", "count: 1\n    vcpuQuota: '\u00b2'", "agentPool.vcpuQuota: got '\u00b2'"),
        (
            "location: eastus2",
            "location: eastus2\n  azure-native:subscriptionId: 1e40",
            "azure-native:subscriptionId: got '1e+40'; expected a subscription id",
        ),
    ],
)
def test_the_issues_bad_inputs_are_refused_naming_the_key(
    old: str, new: str, expected: str
) -> None:
    with pytest.raises(Refused, match=re.escape(expected)):
        config, _ = _engine("dev", _dev_with(old, new))
        try:
            load_settings(config, ROOT)
        except Exception as error:  # noqa: BLE001 - a crash is not a refusal
            assert is_user_facing(error), message_for(error)
            raise Refused(message_for(error)) from None
