"""Mutated stack files: read or refused cleanly by the engine, then by the program's settings.

Hypothesis mutates the repository's example stack files (a value replaced by an odd one, a key
dropped or misspelt, the file cut short or given a stray byte) and checks what ``offline-preview``
promises before any resource exists: the engine reads the file or refuses it as bad input (exit
2) naming the file, never a crash; the program's settings accept the config or refuse it naming
a key, never a crash ("the program failed"). Both run below the command line, as the preview runs
them (``load_config``, then ``load_settings`` as ``__main__.py`` does): a whole preview takes
seconds, these milliseconds.

Random mutations rarely hit the few keys where a loose check hides (one example in hundreds
found ``vcpuQuota: '--5'``), so a second property sets keys of each kind to values of that kind
written the ways that slip past such checks: numbers as text with signs, Unicode digits and
underscores; regions with invisible characters or of another cloud; URLs with credentials;
task file paths out of the program, devices and directories; ARM ids of other namespaces,
types, letter cases and subscriptions; GUIDs that are none; login servers with ports. No
message may then show the credential a URL carried.
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


# Targeted mutations: a value of the kind a key takes, written the ways that slip past a
# loose check (the kinds of the issue's reproducers), set at a key of that kind, present in
# the example or added to it. Each is a YAML snippet, as a user would write it.
NUMERIC_TEXT = st.one_of(
    st.sampled_from(NUMBER_LOOKALIKES),
    st.text(
        alphabet=st.sampled_from("0123456789-+_. \u00b2\u0661\u0663\u06f5\u0966\uff15\u2155e"),
        min_size=1,
        max_size=6,
    ).map(lambda text: json.dumps(text, ensure_ascii=False)),
    st.integers(-(2**70), 2**70).map(lambda n: json.dumps(str(n))),
    st.sampled_from(["1e40", "1.5", "-0", "0x10", "0o7", "true", "[]", "{}", "~"]),
)
_REGION_NAMES = [
    *("eastus2", "East US 2", "(US) East US 2", "westus3", "usgovvirginia", "USGov Texas"),
    *("chinanorth3", "westus9", "global", "eastus2euap", "EastUS2", "east us2"),
]
REGION_TEXT = st.one_of(
    st.sampled_from(_REGION_NAMES).map(json.dumps),
    st.tuples(
        st.sampled_from(_REGION_NAMES),
        st.integers(0, 12),
        st.sampled_from(["\u200b", "\u00a0", "\t", "\u0130", "-", "2", "\u2003"]),
    ).map(lambda t: json.dumps(t[0][: t[1]] + t[2] + t[0][t[1] :], ensure_ascii=False)),
    st.sampled_from(["true", "1.5", "{a: 1}", "[eastus2]", "''", "null"]),
)
SECRET = "Sec4etMark"
"""Part of every credential a URL mutation writes: no message may show it."""
URL_TEXT = st.one_of(
    st.tuples(
        st.sampled_from(["https", "http", "git", "ssh", "HTTPS"]),
        st.sampled_from(["", "user:", "user%40corp:", "x-access-token:", ":"]),
        st.text(alphabet="abcXYZ019-_.~!$&()*+,;=", max_size=8),
        st.sampled_from(["git.example.com", "host:8443", "[::1]", ""]),
        st.sampled_from(["/team/app.git#main", "/a@b", "", "?token=x"]),
    ).map(lambda t: json.dumps(f"{t[0]}://{t[1]}{SECRET}{t[2]}@{t[3]}{t[4]}")),
    st.sampled_from(["https://git.example.com/team/app.git#main", "ftp://x/y", "//x", "x"]).map(
        json.dumps
    ),
)
PATH_TEXT = st.sampled_from(
    [
        "../../../../etc/hostname",
        "/dev/zero",
        "/dev/stdin",
        "/dev/urandom",
        "/proc/self/environ",
        "tasks",
        "tasks/",
        ".",
        "./tasks/app.yaml",
        "tasks//app.yaml",
        "tasks/../tasks/app.yaml",
        "tasks/app.yaml/..",
        "Pulumi.yaml/x",
        "~/app.yaml",
        "C:\\tasks\\app.yaml",
        "x" * 300,
        "../" * 40 + "etc/passwd",
        "tasks/\u200bapp.yaml",
    ]
).map(lambda path: json.dumps(path, ensure_ascii=False))
_SUBSCRIPTION = "5a6b7c8d-1111-4222-8333-944455556666"
ARM_ID_TEXT = st.tuples(
    st.sampled_from(
        [_SUBSCRIPTION, _SUBSCRIPTION.upper(), "0a0b0c0d-aaaa-4bbb-8ccc-0d0e0f101112", "s", ""]
    ),
    st.sampled_from(["resourceGroups", "RESOURCEGROUPS", "resource"]),
    st.sampled_from(
        ["Microsoft.Network", "microsoft.network", "Microsoft.Storage", "Microsoft.Network/"]
    ),
    st.sampled_from(
        [
            "virtualNetworks/vnet-spoke/subnets/snet-agents",
            "virtualNetworks/vnet-spoke/Subnets/snet-agents",
            "VirtualNetworks/vnet-spoke",
            "firewallPolicies/fw-hub",
            "firewallPolicies/fw-hub/ruleCollectionGroups/g",
            "virtualNetworks/vnet-spoke/subnets",
            "virtualNetworks//subnets/x",
        ]
    ),
    st.sampled_from(["", "/", "//", " "]),
).map(
    lambda t: json.dumps(
        f"/subscriptions/{t[0]}/{t[1]}/rg-spoke-network/providers/{t[2]}/{t[3]}{t[4]}"
    )
)
GUID_TEXT = st.one_of(
    st.sampled_from(["1e40", "0", "true", "5a6b7c8d-1111-4222-8333", "{" + _SUBSCRIPTION + "}"]),
    st.uuids().map(lambda guid: json.dumps(str(guid))),
    st.uuids().map(lambda guid: json.dumps(str(guid).replace("-", ""))),
)
PORT_SERVER = st.tuples(NUMERIC_TEXT, st.booleans()).map(lambda t: (t[0].strip("'\"") or "0", t[1]))

# (stack, path to the key, its kind); a key the example lacks is added.
TARGETS: list[tuple[str, tuple[str, ...], st.SearchStrategy[str]]] = [
    ("dev", ("azure-native:location",), REGION_TEXT),
    ("gov", ("azure-native:location",), REGION_TEXT),
    ("prod", ("private-acr-tasks:registry", "replicas", "0"), REGION_TEXT),
    ("gov", ("private-acr-tasks:registry", "replicas", "0"), REGION_TEXT),
    ("dev", ("private-acr-tasks:agentPool", "count"), NUMERIC_TEXT),
    ("dev", ("private-acr-tasks:agentPool", "vcpuQuota"), NUMERIC_TEXT),
    ("dev", ("private-acr-tasks:agentPool", "schedule", "idleCount"), NUMERIC_TEXT),
    ("builds", ("private-acr-tasks:agentPoolQuota",), NUMERIC_TEXT),
    ("builds", ("private-acr-tasks:agentPools", "heavy", "count"), NUMERIC_TEXT),
    ("builds", ("private-acr-tasks:tasks", "app", "timeout"), NUMERIC_TEXT),
    ("prod", ("private-acr-tasks:aks", "nodeCount"), NUMERIC_TEXT),
    ("prod", ("private-acr-tasks:registry", "retentionDays"), NUMERIC_TEXT),
    (
        "builds",
        ("private-acr-tasks:privateRegistries", "registry.internal.example.com", "port"),
        NUMERIC_TEXT,
    ),
    ("builds", ("private-acr-tasks:tasks", "app", "context"), URL_TEXT),
    ("builds", ("private-acr-tasks:tasks", "app", "file"), PATH_TEXT),
    ("spoke", ("private-acr-tasks:network", "existingSubnetIds", "agent"), ARM_ID_TEXT),
    ("spoke", ("private-acr-tasks:network", "firewallPolicyId"), ARM_ID_TEXT),
    ("dev", ("private-acr-tasks:network", "existingVnetId"), ARM_ID_TEXT),
    ("spoke", ("azure-native:subscriptionId",), GUID_TEXT),
    ("dev", ("azure-native:subscriptionId",), GUID_TEXT),
]


@st.composite
def targeted_stack_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """A stack file with one key set to a value of its kind written a tricky way."""
    stack, path, values = draw(st.sampled_from(TARGETS))
    document = copy.deepcopy(loads(_stack_file(stack).read_text(), source=stack))
    parent: Any = document["config"]
    for step in path[:-1]:
        if isinstance(parent, list):
            parent = cast(list[Any], parent)[int(step)]
        else:
            parent = parent.setdefault(step, {} if step != "replicas" else [None])
    last: Any = path[-1]
    if isinstance(parent, list):
        last = int(last)
    parent[last] = _PLACEHOLDER
    return stack, _dump(document, draw(values)).encode()


@st.composite
def login_servers_with_ports(draw: st.DrawFn) -> tuple[str, bytes]:
    """The builds stack's internal registry under a login server with a port, with or without
    a port of its own."""
    document = copy.deepcopy(loads(_stack_file("builds").read_text(), source="builds"))
    registries: Any = document["config"]["private-acr-tasks:privateRegistries"]
    entry = dict(registries.pop("registry.internal.example.com"))
    port, keep = draw(PORT_SERVER)
    if not keep:
        entry.pop("port")
    registries[f"registry.internal.example.com:{port}"] = entry
    return "builds", _dump(document, "").encode()


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
    """The settings the program loads first: accepted, or refused naming a key and showing no
    credential."""
    try:
        load_settings(config, ROOT)
    except Exception as error:  # noqa: BLE001 - the invariant is about every exception
        message = message_for(error)
        assert is_user_facing(error), message
        assert SECRET not in message, message
        problems = getattr(error, "problems", (message,))
        for problem in problems:
            assert any(re.search(rf"\b{re.escape(key)}\b", problem) for key in _KEYS), problem


def _read_or_refused(case: tuple[str, bytes]) -> None:
    try:
        config, _ = _engine(*case)
    except Refused as refused:
        assert SECRET not in str(refused), str(refused)
        return
    _program(config)


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
    _read_or_refused(case)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(targeted_stack_files(), login_servers_with_ports()))
def test_a_value_of_a_keys_kind_written_oddly_is_accepted_or_refused_naming_the_key(
    case: tuple[str, bytes],
) -> None:
    _read_or_refused(case)


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
