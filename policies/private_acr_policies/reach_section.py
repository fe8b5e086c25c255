"""The review's proof-of-reach matrix: what ``agent-pool-private-reach`` decides, as a table.

Registered for the offline preview under the entry-point group
``offline_preview.report_sections`` (``pyproject.toml``). The engine hands over the plan it ran
(resources, stack config, ``--existing`` snapshot, ``--policy-config``); this builds the same view
of the stack the pack builds from ``AnalyzeStack`` (each resource's outputs, else its inputs,
with its property dependencies), under the same stack config and snapshot, decodes the policy's
settings from the same config, and asks the policy's own ``matrix``: the table is what the
policy decided. In ``--json`` it is ``reach``: one entry per pool and dependency, ``{"pool",
"dependency", "name", "route", "filter", "target", "reasons"}``, each verdict ``ok``, ``broken``
or ``not_checked``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from private_acr_policies import _existing, _stack_config, reach
from private_acr_policies._model import Resource, Stack, plain_props
from private_acr_policies._stack_config import StackConfig
from private_acr_rules import documents
from private_acr_rules.documents import ArmIndex
from private_acr_rules.reach import Cell, Verdict

KEY = "reach"
_STATES = {Verdict.OK: "pass", Verdict.BROKEN: "fail", Verdict.NOT_CHECKED: "unknown"}


def _stack(plan: Mapping[str, Any]) -> Stack:
    resources = [
        Resource(
            str(r.get("type", "")),
            str(r.get("urn", "")),
            str(r.get("name", "")),
            plain_props(r.get("outputs") or r.get("inputs") or {}),
            property_dependencies={
                str(k): tuple(cast(Sequence[str], v))
                for k, v in documents.mapping(r.get("propertyDependencies")).items()
            },
            protect=bool(r.get("protect")),
        )
        for r in documents.mappings(plan.get("resources"))
    ]
    return Stack(resources, name=str(plan.get("stack", "")))


def _disabled(plan: Mapping[str, Any]) -> bool:
    """The ``--policy-config`` turns the policy off: its own level, else ``all``'s, is
    ``disabled`` (the CLI's ``ReconcilePolicyPackConfig`` reads both)."""
    entries = documents.mapping(plan.get("policyConfig"))
    entry: object = entries.get(reach.RULE.name)
    level = entry if isinstance(entry, str) else documents.mapping(entry).get("enforcementLevel")
    if level is None:
        level = entries.get("all")
    return level == "disabled"


def _policy_config(plan: Mapping[str, Any]) -> dict[str, Any]:
    """This policy's properties in the ``--policy-config`` file (a level alone has none)."""
    entry = documents.mapping(plan.get("policyConfig")).get(reach.RULE.name)
    properties = dict(documents.mapping(entry))
    properties.pop("enforcementLevel", None)
    return properties


def _cell_text(cell: Cell) -> str:
    verdict = cell.verdict
    if verdict is Verdict.OK:
        return "ok"
    failing = [aspect for aspect, part in cell.parts().items() if part.verdict is verdict]
    return f"{verdict.label}: {', '.join(failing)}"


def section(plan: Mapping[str, Any]) -> dict[str, Any] | None:
    """The matrix of the plan's agent pools and private dependencies; ``None`` without any, or
    when the policy is disabled (a review shows no verdicts of a policy that was not run)."""
    if _disabled(plan):
        return None
    config = {str(k): str(v) for k, v in documents.mapping(plan.get("config")).items()}
    project = plan.get("project")
    stack_config = StackConfig(str(project) if project else None, config)
    listed: object = plan.get("existing")
    existing = (
        _existing.Existing(ArmIndex(documents.mappings(listed)))
        if listed is not None
        else _existing.Existing(None)
    )
    with _stack_config.given(stack_config), _existing.given(existing):
        decoded = reach.RULE.decode(_policy_config(plan))
        if decoded.settings is None:
            raise ValueError("; ".join(decoded.problems))
        found = reach.matrix(_stack(plan), decoded.settings)
    if not found.cells:
        return None
    pools = list(dict.fromkeys(cell.pool for _, cell in found.cells))
    dependencies = list(dict.fromkeys(cell.dependency for _, cell in found.cells))
    by_place = {(cell.pool, cell.dependency): cell for _, cell in found.cells}
    rows: list[dict[str, Any]] = []
    for dependency in dependencies:
        cells = [by_place.get((pool, dependency)) for pool in pools]
        rows.append(
            {
                "label": dependency,
                "cells": [
                    {"text": _cell_text(c), "state": _STATES[c.verdict]}
                    if c is not None
                    else {"text": "-", "state": "pass"}
                    for c in cells
                ],
            }
        )
    notes = [
        f"{cell.pool} -> {cell.dependency}: {aspect} {part.verdict.label}: {reason.text}"
        + (f" (fix: {reason.fix})" if reason.fix else "")
        for _, cell in found.cells
        for aspect, part in cell.parts().items()
        if part.verdict is not Verdict.OK
        for reason in part.reasons
    ]
    return {
        "key": KEY,
        "title": "Proof of reach (agent pools by private dependencies)",
        "data": [cell.document() for _, cell in found.cells],
        "table": {"corner": "dependency", "columns": pools, "rows": rows},
        "legend": {
            "pass": "ok: name (DNS to the endpoint), route, filter (NSGs) and target (takes the "
            "private path) all hold",
            "fail": "broken: those named fail",
            "unknown": "not checked: those named, why below",
        },
        "notes": notes,
    }
