"""A refactor never silently replaces a resource: URNs and replace-on properties are pinned.

See tests/pins.py for what is pinned and how to update the pins after a reviewed change.
"""

from __future__ import annotations

import json

import pytest
from pins import PIN_DIR, pins_of

from private_acr_preview.program import ProgramRun

HOW = "If this change is intended, add a pulumi.Alias or run `.venv/bin/python tests/pins.py` and commit the reviewed pins."


def differences(run: ProgramRun, stack: str) -> list[str]:
    pinned = json.loads((PIN_DIR / f"{stack}.json").read_text())
    current = pins_of(run)
    aliased = {alias for r in run.resources for alias in r.aliases}
    problems = [
        f"{urn} would be deleted (no resource has this URN or an alias to it)"
        for urn in pinned
        if urn not in current and urn not in aliased
    ]
    problems += [f"{urn} is new and not pinned" for urn in current if urn not in pinned]
    for urn, pin in pinned.items():
        now = current.get(urn)
        if now is None:
            continue
        if pin.get("name") != now.get("name"):
            problems.append(f"{urn}: name {pin.get('name')!r} -> {now.get('name')!r} replaces it")
        for path, value in pin.get("replaceOn", {}).items():
            if now.get("replaceOn", {}).get(path) != value:
                problems.append(
                    f"{urn}: {path} {value!r} -> {now.get('replaceOn', {}).get(path)!r} replaces it"
                )
    return problems


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_plan_matches_the_pins(stack: str, request: pytest.FixtureRequest) -> None:
    run: ProgramRun = request.getfixturevalue(f"{stack}_run")
    problems = differences(run, stack)
    assert not problems, "\n".join([*problems, HOW])


def test_pins_catch_a_tier_change_and_a_rename(dev_run: ProgramRun) -> None:
    changed = json.loads(json.dumps([r.__dict__ for r in dev_run.resources]))
    run = ProgramRun(dev_run.project, dev_run.stack, dev_run.config)
    from private_acr_preview.program import RecordedResource

    run.resources = [RecordedResource(**r) for r in changed]
    pool = next(r for r in run.resources if r.name == "build-pool")
    pool.inputs["tier"] = "S3"
    vnet = next(r for r in run.resources if r.name == "network-vnet")
    vnet.urn = vnet.urn.replace("::network-vnet", "::network-vnet2")
    problems = differences(run, "dev")
    assert any("tier 'S1' -> 'S3' replaces it" in p for p in problems)
    assert any(
        p.endswith("::network-vnet would be deleted (no resource has this URN or an alias to it)")
        for p in problems
    )
    vnet.aliases.append(vnet.urn.replace("::network-vnet2", "::network-vnet"))
    assert not any("::network-vnet would be deleted" in p for p in differences(run, "dev"))
