"""Unknowns never make a mandatory violation: the dev and prod plans swept one unknown input at a
time (``unknown_sweep``; its speed target is in ``benchmarks/unknown_sweep.py``)."""

from __future__ import annotations

import pytest
from test_policy_grpc import wire
from unknown_sweep import DEPTH, MANDATORY, UNKNOWN, paths, sweep, variants

from conftest import ROOT
from private_acr_policies._stack_config import StackConfig
from private_acr_preview.program import ProgramRun
from private_acr_preview.project import load_config


def config_of(stack: str) -> StackConfig:
    project, config = load_config(ROOT, stack)
    return StackConfig(project, config)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_single_unknown_input_makes_a_mandatory_violation(
    stack: str, request: pytest.FixtureRequest
) -> None:
    run: ProgramRun = request.getfixturevalue(f"{stack}_run")
    count, new = sweep().run(stack, config_of(stack), wire(run))
    assert count > 400, count
    assert new == []


def test_the_sweep_reaches_every_path_to_depth_three() -> None:
    value = {"a": {"b": [{"c": 1, "d": {"e": 2}}]}, "f": 3}
    assert list(paths(value)) == [
        ("a",),
        ("a", "b"),
        ("a", "b", 0),
        ("f",),
    ]
    assert DEPTH == 3
    assert {p.name for p in MANDATORY} >= {
        "aks-local-accounts-and-rbac",
        "registry-private-endpoint-dns",
    }


def test_a_variant_changes_one_value_in_inputs_and_outputs(dev_run: ProgramRun) -> None:
    plan = wire(dev_run)
    (registry,) = [r for r in plan if r.type == "azure-native:containerregistry:Registry"]
    variant = next(v for v in variants(plan) if v.resource == registry.name and v.path == ("sku",))
    changed = variant.resources[variant.changed]
    assert changed.outputs is not None
    assert changed.inputs["sku"] == changed.outputs["sku"] == UNKNOWN != registry.inputs["sku"]
    assert variant.resources[: variant.changed] == tuple(plan[: variant.changed])
