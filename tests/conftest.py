"""Shared fixtures: the repository paths, the dev config, and runs under the SDK mock engine."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, settings

from private_acr_preview.program import ProgramRun, RecordedResource, run_function, run_program
from private_acr_tasks.errors import ComponentArgsError

ROOT = Path(__file__).resolve().parent.parent

# Hypothesis: one profile for every run of the suite, on a workstation as in CI. The suite shares
# two cores with pyright and runs the engine, the pack and node as subprocesses, so a timed
# example (the 200 ms deadline, the too_slow health check) failed by load, not by a bug. And a
# run is the same on every machine and every time: the examples derive from each test (not from
# chance, nor from an example database a previous run left behind). Each test still sets its own
# max_examples. `pytest --hypothesis-profile=explore` draws fresh examples instead.
settings.register_profile(
    "suite",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
    database=None,
    print_blob=True,
)
settings.register_profile(
    "explore", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("suite")


def stack_config(stack: str) -> dict[str, str]:
    """A stack's config as the engine passes it (strings; objects JSON-encoded)."""
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in document.items()}


def with_changes(base: dict[str, str], **changes: Any) -> dict[str, str]:
    """Copy ``base`` with ``key=value`` changes; ``section__field`` edits one field of an object."""
    config = dict(base)
    for name, value in changes.items():
        section, _, field = name.partition("__")
        key = f"private-acr-tasks:{section}"
        if field:
            data = json.loads(config.get(key, "{}"))
            if value is None:
                data.pop(field, None)
            else:
                data[field] = value
            config[key] = json.dumps(data)
        elif value is None:
            config.pop(key, None)
        else:
            config[key] = value if isinstance(value, str) else json.dumps(value)
    return config


def by_name(run: ProgramRun, name: str) -> RecordedResource:
    matches = [r for r in run.resources if r.name == name]
    assert len(matches) == 1, (
        f"expected one resource named {name}, found {[r.name for r in matches]}"
    )
    return matches[0]


def children_of(run: ProgramRun, parent_name: str) -> set[tuple[str, str]]:
    """(type, name) of every resource whose parent is the resource called ``parent_name``."""
    parent = by_name(run, parent_name)
    return {(r.type, r.name) for r in run.resources if r.parent == parent.urn}


def only_the_stack_registered(run: ProgramRun) -> bool:
    """A refused component must leave nothing behind: only the root stack is registered."""
    return [r.type for r in run.resources] == ["pulumi:pulumi:Stack"]


@pytest.fixture(scope="session")
def dev_run() -> ProgramRun:
    return run_program(ROOT, "dev")


@pytest.fixture(scope="session")
def prod_run() -> ProgramRun:
    return run_program(ROOT, "prod")


@pytest.fixture
def run_components() -> Callable[[Callable[[], object]], ProgramRun]:
    def run(function: Callable[[], object]) -> ProgramRun:
        return run_function(
            function, project="test", stack="unit", config={"azure-native:location": "eastus2"}
        )

    return run


Refusal = Callable[[Callable[[], object]], str]


@pytest.fixture
def refusal(run_components: Callable[[Callable[[], object]], ProgramRun]) -> Refusal:
    """Build a component that must refuse its args; the error text, after checking that the
    refusal came before anything was registered."""

    def refuse(build: Callable[[], object]) -> str:
        caught: list[ComponentArgsError] = []

        def program() -> None:
            try:
                build()
            except ComponentArgsError as error:
                caught.append(error)

        run = run_components(program)
        assert caught, "the component accepted the input"
        assert only_the_stack_registered(run), [r.name for r in run.resources]
        return str(caught[0])

    return refuse
