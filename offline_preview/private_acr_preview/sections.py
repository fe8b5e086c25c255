"""Report sections a project adds to the review: a table computed from the plan.

An installed package registers a function under the entry-point group
``offline_preview.report_sections``. After the program has run, the engine calls each with the
plan as plain data (so a section needs no import of the engine)::

    {"project", "stack",
     "config": {"<namespace>:<key>": "<value as text>"},     # as PULUMI_CONFIG holds it
     "resources": [{"urn", "type", "name", "custom", "parent", "dependencies",
                    "propertyDependencies", "protect", "inputs", "outputs"}],
     "outputs": {...},
     "existing": [...] | None,        # the --existing snapshot, as given
     "policyConfig": {...}}           # the --policy-config file's entries, as given

Values are as the engine's wire format holds them (secrets wrapped, values not known yet as the
SDK's unknown sentinel). The function returns ``None`` (nothing to show) or::

    {"key": "reach",                  # its key in --json (not one of the engine's own)
     "title": "Proof of reach",
     "data": <any JSON value>,        # written under the key in --json, as given
     "table": {"corner": "dependency", "columns": ["pool-a", ...],
               "rows": [{"label": "acr.azurecr.io",
                         "cells": [{"text": "ok", "state": "pass"}, ...]}]},
     "legend": {"pass": "ok", "fail": "broken", "unknown": "not checked"},  # optional
     "notes": ["..."]}                # lines under the table (why a cell is not a pass)

A cell's ``state`` is ``pass``, ``fail`` or ``unknown``; the console and the summary mark it, and
say under the table what each mark means in the section's words (``legend``).
A section never decides the verdict (the policies do); one that raises or returns something
else is reported under "Not checked" and left out.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from private_acr_preview.program import ProgramRun

GROUP = "offline_preview.report_sections"
STATES = ("pass", "fail", "unknown")
RESERVED = frozenset(
    {
        "project",
        "stack",
        "verdict",
        "resources",
        "outputs",
        "policy",
        "changes",
        "notCompared",
    }
)
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

SectionFunction = Callable[[Mapping[str, Any]], object]


@dataclass(frozen=True)
class Cell:
    text: str
    state: str


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Section:
    """One section as a plugin returned it, checked."""

    source: str
    """The entry point's name."""
    key: str
    title: str
    data: Any
    corner: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    notes: tuple[str, ...] = ()
    legend: tuple[tuple[str, str], ...] = ()
    """``(state, what it means)``, in the order of ``STATES``."""

    @property
    def state(self) -> str:
        """The worst state of any cell: ``fail``, else ``unknown``, else ``pass``."""
        states = {c.state for row in self.rows for c in row.cells}
        return next((s for s in ("fail", "unknown") if s in states), "pass")


@dataclass
class Sections:
    sections: list[Section] = field(default_factory=list[Section])
    problems: list[str] = field(default_factory=list[str])
    """A section that failed, for "Not checked"."""


def installed() -> tuple[dict[str, SectionFunction], list[str]]:
    """The section functions of the installed packages, by entry-point name, and the entry
    points that could not be loaded."""
    functions: dict[str, SectionFunction] = {}
    problems: list[str] = []
    for entry in importlib.metadata.entry_points(group=GROUP):
        try:
            functions[entry.name] = cast(SectionFunction, entry.load())
        except Exception as error:  # noqa: BLE001 - a broken plugin must not end the review
            problems.append(
                f"report section {entry.name!r} ({GROUP}) cannot be loaded: "
                f"{type(error).__name__}: {error}"
            )
    return functions, problems


class SectionError(ValueError):
    """What is wrong with a section a plugin returned."""


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise SectionError(f"{where}: expected text, got {type(value).__name__}")
    return value


def _list(value: object, where: str) -> list[object]:
    if not isinstance(value, list | tuple):
        raise SectionError(f"{where}: expected a list, got {type(value).__name__}")
    return list(cast(Sequence[object], value))


def _mapping(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise SectionError(f"{where}: expected an object, got {type(value).__name__}")
    return cast(Mapping[str, object], value)


def _cell(value: object, where: str) -> Cell:
    cell = _mapping(value, where)
    state = _text(cell.get("state"), f"{where}.state")
    if state not in STATES:
        raise SectionError(f"{where}.state: {state!r} is not one of {', '.join(STATES)}")
    return Cell(_text(cell.get("text"), f"{where}.text"), state)


def checked(source: str, value: object, taken: set[str]) -> Section | None:
    """The section a plugin returned, or ``SectionError`` saying what is wrong with it."""
    if value is None:
        return None
    section = _mapping(value, "the section")
    key = _text(section.get("key"), "key")
    if not _KEY.match(key) or key in RESERVED or key in taken:
        raise SectionError(f"key {key!r} is not a free top-level key of --json")
    data = section.get("data")
    try:
        json.dumps(data)
    except (TypeError, ValueError) as error:
        raise SectionError(f"data: not JSON ({error})") from None
    table = _mapping(section.get("table"), "table")
    columns = tuple(
        _text(c, f"table.columns[{i}]")
        for i, c in enumerate(_list(table.get("columns"), "table.columns"))
    )
    rows: list[Row] = []
    for index, raw in enumerate(_list(table.get("rows"), "table.rows")):
        where = f"table.rows[{index}]"
        row = _mapping(raw, where)
        cells = tuple(
            _cell(c, f"{where}.cells[{i}]")
            for i, c in enumerate(_list(row.get("cells"), f"{where}.cells"))
        )
        if len(cells) != len(columns):
            raise SectionError(f"{where}: {len(cells)} cells for {len(columns)} columns")
        rows.append(Row(_text(row.get("label"), f"{where}.label"), cells))
    notes = tuple(
        _text(n, f"notes[{i}]") for i, n in enumerate(_list(section.get("notes", []), "notes"))
    )
    given = _mapping(section.get("legend", {}), "legend")
    strange = sorted(set(given) - set(STATES))
    if strange:
        raise SectionError(f"legend: {strange[0]!r} is not one of {', '.join(STATES)}")
    legend = tuple((s, _text(given[s], f"legend.{s}")) for s in STATES if s in given)
    return Section(
        source,
        key,
        _text(section.get("title"), "title"),
        data,
        _text(table.get("corner", ""), "table.corner"),
        columns,
        tuple(rows),
        notes,
        legend,
    )


def compute(functions: Mapping[str, SectionFunction], plan: Mapping[str, Any]) -> Sections:
    """Every plugin's section for ``plan``; one that fails is a problem, not an error."""
    result = Sections()
    taken: set[str] = set()
    for name, function in sorted(functions.items()):
        try:
            section = checked(name, function(plan), taken)
        except Exception as error:  # noqa: BLE001 - a plugin's failure must not end the review
            result.problems.append(
                f"report section {name!r} ({GROUP}) failed: {type(error).__name__}: {error}"
            )
            continue
        if section is not None:
            taken.add(section.key)
            result.sections.append(section)
    return result


def plan_of(
    run: ProgramRun,
    existing: Sequence[Mapping[str, Any]] | None,
    policy_config: Mapping[str, Any],
) -> dict[str, Any]:
    """The plan as a section function receives it."""
    resources = [
        {
            "urn": r.urn,
            "type": r.type,
            "name": r.name,
            "custom": r.custom,
            "parent": r.parent,
            "dependencies": r.dependencies,
            "propertyDependencies": r.property_dependencies,
            "protect": r.protect,
            "inputs": r.inputs,
            "outputs": r.outputs,
        }
        for r in run.resources
    ]
    return {
        "project": run.project,
        "stack": run.stack,
        "config": dict(run.config),
        "resources": resources,
        "outputs": run.outputs,
        "existing": list(existing) if existing is not None else None,
        "policyConfig": dict(policy_config),
    }


class Pending:
    """The installed sections, computed on a thread of their own (the pack, meanwhile, analyzes
    the stack in its process, so the two overlap)."""

    def __init__(self, plan: Mapping[str, Any]) -> None:
        self._result = Sections()
        self._thread = threading.Thread(target=self._compute, args=(plan,), daemon=True)
        self._thread.start()

    def _compute(self, plan: Mapping[str, Any]) -> None:
        functions, problems = installed()
        self._result = compute(functions, plan)
        self._result.problems[:0] = problems

    def result(self) -> Sections:
        self._thread.join()
        return self._result
