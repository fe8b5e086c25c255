"""Report sections: what an installed package adds to the review, through a generic contract.

The engine knows nothing of the sections it shows: a function registered under the entry-point
group ``offline_preview.report_sections`` gets the plan as plain data and returns a table; the
engine writes its data under its key in ``--json`` and draws the table in the console and the
summary. A section that fails is listed under "Not checked", never ends the review.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT
from private_acr_preview import sections
from private_acr_preview.cli import main

TINY = ROOT / "tests" / "fixtures" / "tiny_program"
EXISTING = [
    {"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v"}
]


def cell(text: str, state: str) -> dict[str, str]:
    return {"text": text, "state": state}


def regions(plan: Mapping[str, Any]) -> dict[str, Any]:
    """A section of the tiny program: each resource's location, as the plan holds it."""
    located = [r for r in plan["resources"] if r["inputs"].get("location")]
    return {
        "key": "regions",
        "title": "Where things run",
        "data": {
            "config": plan["config"],
            "existing": plan["existing"],
            "policyConfig": plan["policyConfig"],
            "types": sorted(r["type"] for r in plan["resources"]),
        },
        "table": {
            "corner": "resource",
            "columns": ["location"],
            "rows": [
                {
                    "label": r["name"],
                    "cells": [
                        cell(
                            r["inputs"]["location"],
                            "fail" if r["inputs"]["location"] == "westeurope" else "pass",
                        )
                    ],
                }
                for r in located
            ],
        },
        "legend": {"fail": "full", "pass": "room"},
        "notes": ["westeurope is full"],
    }


def broken(plan: Mapping[str, Any]) -> object:
    raise RuntimeError("no idea")


def run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    functions: dict[str, sections.SectionFunction],
    *extra: str,
) -> tuple[int, dict[str, Any], str, str]:
    nothing_broken: list[str] = []
    monkeypatch.setattr(sections, "installed", lambda: (functions, nothing_broken))
    plan, summary = tmp_path / "plan.json", tmp_path / "summary.md"
    code = main(
        [
            "--stack",
            "test",
            "--program",
            str(TINY),
            "--no-policy",
            "--json",
            str(plan),
            "--summary",
            str(summary),
            *extra,
        ]
    )
    return code, json.loads(plan.read_text()), summary.read_text(), ""


def test_a_section_is_written_under_its_key_and_drawn_in_both_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / "existing.json"
    existing.write_text(json.dumps(EXISTING))
    code, plan, summary, _ = run(
        tmp_path, monkeypatch, {"regions": regions}, "--existing", str(existing)
    )
    out = capsys.readouterr().out
    assert code == 0
    data = plan["regions"]
    assert data["existing"] == EXISTING and data["policyConfig"] == {}
    assert data["config"]["tiny:bridgeSpace"] == "172.17.0.0/16"  # the stack config
    assert "azure-native:network:VirtualNetwork" in data["types"]
    assert "### ❌ Where things run" in summary
    assert "| resource | `location` |" in summary
    assert "| `group` | ❌ westeurope |" in summary
    assert "- westeurope is full" in summary
    assert "\n✅ room · ❌ full\n" in summary  # in the order of the states, under the table
    lines = out[out.index("Where things run:") :].splitlines()
    assert lines[1].split() == ["resource", "location"]
    assert lines[2].split() == ["group", "❌", "westeurope"]
    assert "    ✅ room · ❌ full" in lines


def test_a_failing_section_is_not_checked_and_the_review_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, plan, summary, _ = run(tmp_path, monkeypatch, {"broken": broken, "regions": regions})
    assert code == 0
    assert "regions" in plan and "broken" not in plan
    [note] = [n for n in plan["policy"]["notChecked"] if n["source"] == "report"]
    assert note["reason"] == (
        "report section 'broken' (offline_preview.report_sections) failed: RuntimeError: no idea"
    )
    assert "report section 'broken'" in summary


WRONG_SHAPES: list[tuple[object, str]] = [
    ({"key": "resources"}, "key 'resources' is not a free top-level key of --json"),
    ({"key": "a b"}, "key 'a b' is not a free top-level key"),
    (
        {"key": "x", "title": "t", "data": {1, 2}, "table": {}},
        "data: not JSON",
    ),
    (
        {
            "key": "x",
            "title": "t",
            "data": [],
            "table": {"columns": ["a"], "rows": [{"label": "r", "cells": []}]},
        },
        "table.rows[0]: 0 cells for 1 columns",
    ),
    (
        {
            "key": "x",
            "title": "t",
            "data": [],
            "table": {"columns": ["a"], "rows": [{"label": "r", "cells": [cell("x", "ok")]}]},
        },
        "table.rows[0].cells[0].state: 'ok' is not one of pass, fail, unknown",
    ),
    ("a table", "the section: expected an object, got str"),
    (
        {
            "key": "x",
            "title": "t",
            "data": [],
            "table": {"columns": [], "rows": []},
            "legend": {"ok": "fine"},
        },
        "legend: 'ok' is not one of pass, fail, unknown",
    ),
]


@pytest.mark.parametrize(("returned", "problem"), WRONG_SHAPES)
def test_a_section_of_the_wrong_shape_is_refused_saying_what_is_wrong(
    returned: object, problem: str
) -> None:
    result = sections.compute({"odd": lambda plan: returned}, {})
    assert result.sections == []
    [found] = result.problems
    assert problem in found, found


def test_two_sections_cannot_share_a_key() -> None:
    plan: dict[str, Any] = {"resources": [], "config": {}, "existing": None, "policyConfig": {}}
    result = sections.compute({"a": regions, "b": regions}, plan)
    assert [s.source for s in result.sections] == ["a"]
    assert "key 'regions' is not a free top-level key" in result.problems[0]


def test_a_section_with_nothing_to_show_adds_nothing() -> None:
    result = sections.compute({"quiet": lambda plan: None}, {})
    assert result.sections == [] and result.problems == []


def test_this_project_registers_its_reach_matrix() -> None:
    functions, problems = sections.installed()
    assert problems == []
    assert functions["reach"].__module__ == "private_acr_policies.reach_section"
