"""What the offline preview writes: the plan tree and verdict, JSON, a PR summary, an export.

Every output tells the same story, computed once in ``Outcome``: the verdict's headline (passes;
passes, with N things not checked; fails), the destructive changes against a base, the policy
violations grouped by policy, and what was not checked.

**Not checked** is everything a reviewer must look at by hand, whatever reported it:

- a policy's note that it could not check something (a value unknown until deployment, a
  resource outside the stack): a not-applicable reason whose lines begin ``not checked: ``
  (``analyzer.not_checked_notes``);
- every warning the program logs (``pulumi.log.warn``): a program warns about what it could not
  verify, such as flows a firewall it cannot see must allow;
- each lookup of an existing resource the engine could not verify (no ``--existing`` entry);
- a policy pack that did not run, and, against a base, a package whose provider facts are not
  installed (its replacements cannot be told from updates).
"""

from __future__ import annotations

import functools
import hashlib
import html
import importlib.metadata
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from private_acr_preview import graph
from private_acr_preview.analyzer import PolicyReport, Violation
from private_acr_preview.diff import MISSING, Change, Review, ValueChange, everything_created
from private_acr_preview.program import STACK_TYPE, ProgramRun, RecordedResource
from private_acr_preview.sections import Section, Sections
from private_acr_preview.values import plaintext_secrets, redact

_OP_MARKS = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "same": " "}
_OP_WORDS = {
    "create": "to create",
    "update": "to update",
    "replace": "to replace",
    "delete": "to delete",
    "same": "unchanged",
}


@dataclass(frozen=True)
class NotChecked:
    """One thing a reviewer must check by hand."""

    source: str
    """``policy`` (a policy's note, or no policy run), ``preflight`` (the program's warning or a
    lookup the engine could not verify) or ``review`` (what the comparison could not tell)."""
    policy: str
    """The policy's name for a policy note, else ``""``."""
    urn: str
    """The resource it concerns, or ``""`` for the stack as a whole."""
    reason: str


@dataclass
class Outcome:
    """One run's results, as every output reports them."""

    run: ProgramRun
    policy: PolicyReport | None
    review: Review | None = None
    """The comparison with ``--base``; None without a base."""
    no_pack_reason: str = ""
    full_graph: bool = False
    review_source: str = ""
    """What the base is, for the reader (``base.json, a stack export``)."""
    sections: Sections | None = None
    """The report sections the installed packages added (``sections``)."""

    @functools.cached_property
    def by_urn(self) -> dict[str, RecordedResource]:
        return {r.urn: r for r in self.run.resources}

    @functools.cached_property
    def not_checked(self) -> list[NotChecked]:
        items: list[NotChecked] = []
        if self.policy is None:
            items.append(
                NotChecked("policy", "", "", f"policies {self.no_pack_reason or 'not run'}")
            )
        else:
            items += [
                NotChecked("policy", n["policy"], n["urn"], n["reason"])
                for n in self.policy.not_checked
            ]
        items += [
            NotChecked("preflight", "", "", m) for level, m in self.run.log if level == "warning"
        ]
        items += [NotChecked("preflight", "", "", note) for note in self.run.notes]
        if self.sections is not None:
            items += [NotChecked("report", "", "", problem) for problem in self.sections.problems]
        if self.review is not None:
            items += [
                NotChecked(
                    "review",
                    "",
                    "",
                    f"{package}: no provider facts are installed, so a property change of its "
                    "resources reads as an update and a delete as harmless",
                )
                for package in self.review.unknown_packages
            ]
        return list(dict.fromkeys(items))

    @property
    def added(self) -> list[Section]:
        """The report sections to show."""
        return self.sections.sections if self.sections is not None else []

    @property
    def violations(self) -> list[Violation]:
        return self.policy.violations if self.policy is not None else []

    @property
    def mandatory_violations(self) -> list[Violation]:
        return self.policy.mandatory if self.policy is not None else []

    @property
    def destructive(self) -> list[Change]:
        return self.review.destructive if self.review is not None else []

    @property
    def fails(self) -> bool:
        blocked = self.review is not None and bool(self.review.mandatory)
        return bool(self.mandatory_violations) or blocked

    @property
    def headline(self) -> str:
        """The verdict: ``fails``, ``passes, with N things not checked`` or ``passes``."""
        if self.fails:
            return "fails"
        count = len(self.not_checked)
        if count:
            return f"passes, with {count} thing{'s' if count != 1 else ''} not checked"
        return "passes"

    @property
    def mark(self) -> str:
        if self.fails:
            return "❌"
        return "⚠️" if self.not_checked else "✅"

    def why(self) -> str:
        """What the headline rests on, for the line after it."""
        parts: list[str] = []
        if self.review is not None:
            blocked = len(self.review.mandatory)
            accepted = len(self.destructive) - blocked
            if blocked:
                parts.append(f"{_count(blocked, 'destructive change')} not accepted")
            if accepted:
                parts.append(f"{_count(accepted, 'destructive change')} accepted")
        if self.policy is not None:
            mandatory = len(self.mandatory_violations)
            advisory = len(self.violations) - mandatory
            parts.append(f"{_count(mandatory, 'mandatory violation')}, {advisory} advisory")
        return "; ".join(parts)

    @property
    def changes(self) -> Review:
        """The review, or, without a base, every resource created (a stack's first deploy)."""
        return self.review if self.review is not None else everything_created(self.run)

    def label(self, urn: str) -> str:
        """``Type name`` of the resource at ``urn`` (the stack as ``the stack``)."""
        if not urn or urn == self.run.stack_urn:
            return "the stack"
        resource = self.by_urn.get(urn)
        if resource is not None:
            return f"{_short_type(resource.type)} {resource.name}"
        parts = urn.split("::")
        if len(parts) >= 4:
            return f"{_short_type(parts[2].rsplit('$', 1)[-1])} {parts[-1]}"
        return urn


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"


def _short_type(type_: str) -> str:
    return type_.rsplit(":", 1)[-1]


def _integral(value: Any) -> Any:
    """Numbers as written: the engine's wire format has only doubles (``7.0`` for ``7``)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in cast(dict[str, Any], value).items()}
    if isinstance(value, list):
        return [_integral(v) for v in cast(list[Any], value)]
    return value


def _shown(value: Any, limit: int = 80) -> str:
    if value is MISSING:
        return "(none)"
    text = json.dumps(_integral(value), sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _value_line(change: ValueChange) -> str:
    return f"{change.path}: {_shown(change.old)} => {_shown(change.new)}"


def _policies_by_name(policy: PolicyReport) -> dict[str, dict[str, Any]]:
    return {str(p["name"]): p for p in policy.policies}


def _finding(violation: Violation, meta: dict[str, Any]) -> str:
    """What a violation says about its resource: pulumi-policy sends the policy's description
    as the message's first line (``policy.py``, ``report_violation``), shown once per policy."""
    description = str(meta.get("description") or "")
    message = violation.message
    if description and message.startswith(description):
        message = message[len(description) :].lstrip("\n") or message
    return message


def _grouped(violations: list[Violation]) -> list[tuple[str, list[Violation]]]:
    """Violations by policy, mandatory policies first, each policy once."""
    groups: dict[str, list[Violation]] = {}
    for violation in sorted(violations, key=lambda v: (v.level != "mandatory", v.policy, v.urn)):
        groups.setdefault(violation.policy, []).append(violation)
    return list(groups.items())


# The console ----------------------------------------------------------------------------------


def _children(run: ProgramRun) -> dict[str, list[RecordedResource]]:
    children: dict[str, list[RecordedResource]] = {}
    for resource in run.resources:
        children.setdefault(resource.parent, []).append(resource)
    return children


def _walk(run: ProgramRun) -> Iterator[tuple[RecordedResource, str]]:
    children = _children(run)

    def visit(
        resource: RecordedResource, prefix: str, last: bool, depth: int
    ) -> Iterator[tuple[RecordedResource, str]]:
        branch = "" if depth == 0 else prefix + ("└─ " if last else "├─ ")
        yield resource, branch
        kids = sorted(children.get(resource.urn, []), key=lambda r: (r.type, r.name))
        extension = "" if depth == 0 else prefix + ("   " if last else "│  ")
        for index, kid in enumerate(kids):
            yield from visit(kid, extension, index == len(kids) - 1, depth + 1)

    for root in children.get("", []):
        yield from visit(root, "", True, 0)


def render_text(outcome: Outcome) -> str:
    """The console report: the plan tree, outputs, policies, changes, what was not checked,
    and the verdict's headline last, where the eye lands."""
    run, review = outcome.run, outcome.review
    rows = list(_walk(run))
    deleted = [c for c in review.changes if c.op == "delete"] if review else []
    type_width = max(
        [len(branch) + len(r.type) for r, branch in rows] + [len(c.type) for c in deleted] + [4]
    )
    type_width += 2
    against = f", against {outcome.review_source}" if review is not None else ""
    lines = [
        f"Previewing stack {run.stack} of {run.project} (offline: SDK mock engine, no cloud "
        f"calls{against})",
        "",
        f"     {'Type':<{type_width}} Name",
    ]
    for resource, branch in rows:
        op = review.op_of(resource.urn) if review is not None else "create"
        mark = " (protected)" if resource.protect else ""
        lines.append(
            f" {_OP_MARKS[op]:<3} {branch + resource.type:<{type_width}} {resource.name}{mark}"
        )
    for change in deleted:
        lines.append(f" -   {change.type:<{type_width}} {change.name} (deleted)")
    if run.outputs:
        lines += ["", "Outputs:"]
        for key, value in sorted(redact(run.outputs).items()):
            shown = value if isinstance(value, str) else json.dumps(value)
            first, *rest = str(shown).splitlines() or [""]
            lines.append(
                f"    {key}: {first}" + (f"  (+{len(rest)} more lines, see --json)" if rest else "")
            )
    lines += [f"error: {message}" for level, message in run.log if level == "error"]
    lines += _policy_lines(outcome)
    for section in outcome.added:
        lines += _section_lines(section)
    if review is not None:
        lines += _change_lines(outcome, review)
    lines += _not_checked_lines(outcome)
    lines += ["", "Resources:", f"    {_counts_text(outcome)}"]
    lines += [
        "",
        f"{outcome.mark} {outcome.headline}" + (f" ({outcome.why()})" if outcome.why() else ""),
    ]
    return "\n".join(lines) + "\n"


def _counts_text(outcome: Outcome, *, marks: bool = True) -> str:
    if outcome.review is None:
        custom = sum(1 for r in outcome.run.resources if r.custom)
        components = len(outcome.run.resources) - custom
        return (
            f"+ {len(outcome.run.resources)} to create ({custom} cloud resources, "
            f"{components} components)"
        )
    counts = outcome.review.counts()
    shown = [
        (f"{_OP_MARKS[op].strip() or '='} " if marks else "") + f"{counts[op]} {_OP_WORDS[op]}"
        for op in ("create", "update", "replace", "delete", "same")
        if counts[op] or op == "same"
    ]
    return ", ".join(shown)


def _policy_lines(outcome: Outcome) -> list[str]:
    policy = outcome.policy
    if policy is None:
        return ["", f"Policies: {outcome.no_pack_reason or 'not run'}"]
    marker = "✅" if not policy.mandatory else "❌"
    lines = [
        "",
        "Policies:",
        f"    {marker} {policy.pack}@v{policy.version} ({len(policy.policies)} policies)",
    ]
    known = _policies_by_name(policy)
    for name, violations in _grouped(policy.violations):
        meta = known.get(name, {})
        head = f"    [{violations[0].level}] {name} ({violations[0].severity})"
        lines.append(head + (f": {meta['description']}" if meta.get("description") else ""))
        for violation in violations:
            resource = outcome.by_urn.get(violation.urn)
            where = (
                f"{resource.type}: {resource.name}" if resource else outcome.label(violation.urn)
            )
            lines.append(f"        - {where}")
            lines.extend(f"          {line}" for line in _finding(violation, meta).splitlines())
        if meta.get("remediation"):
            fix, *more = str(meta["remediation"]).splitlines()
            lines.append(f"        Fix: {fix}")
            lines.extend(f"             {line}" for line in more)
    reasons = sorted({(e["policy"], e["reason"]) for e in policy.not_applicable if e["reason"]})
    if reasons:
        lines.append(
            f"    Not applicable ({len(policy.not_applicable)} results, each reason once):"
        )
        lines += [f"        - {name}: {reason}" for name, reason in reasons]
    return lines


_STATE_MARKS = {"pass": "✅", "fail": "❌", "unknown": "⚠️"}


def _section_lines(section: Section) -> list[str]:
    """A section's table in columns (one column per table column, cells marked)."""
    header = [section.corner, *section.columns]
    body = [
        [row.label, *(f"{_STATE_MARKS[c.state]} {c.text}" for c in row.cells)]
        for row in section.rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = ["", f"{section.title}:"]
    for line in [header, *body]:
        lines.append(
            "    " + "  ".join(t.ljust(w) for t, w in zip(line, widths, strict=True)).rstrip()
        )
    if section.legend:
        lines.append("    " + _legend(section))
    lines += [f"    - {note}" for note in section.notes]
    return lines


def _legend(section: Section) -> str:
    return " · ".join(f"{_STATE_MARKS[state]} {words}" for state, words in section.legend)


def _change_lines(outcome: Outcome, review: Review) -> list[str]:
    lines = ["", "Changes:" if review.changes else "Changes: none, every resource is the same"]
    for change in review.changes:
        lines.append(f"    {_OP_MARKS[change.op]:<2} {change.op} {outcome.label(change.urn)}")
        lines += [f"          {_value_line(v)}" for v in change.values]
        lines += [f"          why: {reason}" for reason in change.reasons if change.op != "delete"]
        if change.destroys:
            state = "accepted with --allow-replace" if change.accepted else "destructive"
            lines.append(f"          {state}: {change.destroys}")
    for urn, paths in sorted(review.not_compared.items()):
        lines.append(
            f"    not compared (encrypted in the base): {outcome.label(urn)}: {', '.join(paths)}"
        )
    lines += [
        f"    warning: --allow-replace {urn}: no replacement or deletion of that resource"
        for urn in review.unmatched_allowances
    ]
    return lines


def _not_checked_lines(outcome: Outcome) -> list[str]:
    items = outcome.not_checked
    if not items:
        return []
    lines = ["", f"Not checked ({len(items)}):"]
    for item in items:
        who = item.policy or item.source
        where = f" ({outcome.label(item.urn)})" if item.urn else ""
        lines.append(f"    - {who}{where}: {item.reason}")
    return lines


def _change_json(change: Change) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "urn": change.urn,
        "type": change.type,
        "op": change.op,
        "paths": change.paths,
        "reasons": change.reasons,
    }
    if change.values:
        entry["values"] = [
            {
                "path": v.path,
                **({} if v.old is MISSING else {"old": v.old}),
                **({} if v.new is MISSING else {"new": v.new}),
            }
            for v in change.values
        ]
    if change.old_urn:
        entry["oldUrn"] = change.old_urn
    if change.destroys:
        entry["destroys"] = change.destroys
        entry["accepted"] = change.accepted
    return entry


def to_json(outcome: Outcome) -> dict[str, Any]:
    """The plan, the policy report and, against a base, the changes, for other tools."""
    run, policy = outcome.run, outcome.policy
    not_checked = [
        {
            "source": item.source,
            "policy": item.policy or None,
            "urn": item.urn or None,
            "reason": item.reason,
        }
        for item in outcome.not_checked
    ]
    document: dict[str, Any] = {
        "project": run.project,
        "stack": run.stack,
        "verdict": outcome.headline,
        "resources": [
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "custom": r.custom,
                "parent": r.parent or None,
                "id": r.id or None,
                "dependencies": r.dependencies,
                "propertyDependencies": r.property_dependencies,
                "protect": r.protect,
                "inputs": redact(r.inputs),
                "outputs": redact(r.outputs),
            }
            for r in run.resources
        ],
        "outputs": redact(run.outputs),
        "policy": {
            "pack": policy.pack if policy else None,
            "version": policy.version if policy else None,
            "violations": [
                {
                    "policy": v.policy,
                    "level": v.level,
                    "severity": v.severity,
                    "urn": v.urn,
                    "message": v.message,
                }
                for v in outcome.violations
            ],
            "notApplicable": policy.not_applicable if policy else [],
            "notChecked": not_checked,
        },
        "changes": [_change_json(c) for c in outcome.changes.changes],
    }
    for section in outcome.added:
        document[section.key] = section.data
    if outcome.review is not None and outcome.review.not_compared:
        document["notCompared"] = [
            {"urn": urn, "paths": paths}
            for urn, paths in sorted(outcome.review.not_compared.items())
        ]
    return document


def render_graph(outcome: Outcome) -> str:
    """The picture for this outcome (see ``graph``): every resource with ``--full-graph``;
    against a base with changes, what changes and its neighbours; otherwise the components."""
    return graph.picture(outcome.run, outcome.policy, outcome.review, full=outcome.full_graph)


# The pull-request summary -----------------------------------------------------------------------


def _cell(text: str) -> str:
    """Plain text for a GitHub table cell: no HTML, no column breaks, lines as ``<br>``."""
    escaped = html.escape(text, quote=False).replace("|", "\\|")
    return "<br>".join(escaped.splitlines())


def _code(text: str) -> str:
    """A code span that survives backticks and pipes in ``text`` (CommonMark / GFM table rules)."""
    text = " ".join(text.splitlines()).replace("|", "\\|")
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _where(outcome: Outcome, urn: str) -> str:
    """A resource for a table cell: its name in code and its short type."""
    if not urn or urn == outcome.run.stack_urn:
        return "the stack"
    label = outcome.label(urn)
    kind, _, name = label.partition(" ")
    return f"{_code(name)} ({_cell(kind)})" if name else _cell(label)


def _destructive_section(outcome: Outcome) -> list[str]:
    changes = outcome.destructive
    if not changes:
        return []
    lines = [
        f"### {'❌' if any(not c.accepted for c in changes) else '⚠️'} Destructive changes ({len(changes)})",
        "",
        "| | Resource | Change | What is lost | Why it happens |",
        "| --- | --- | --- | --- | --- |",
    ]
    for change in changes:
        state = "accepted (`--allow-replace`)" if change.accepted else "❌ not accepted"
        lines.append(
            f"| {state} | {_where(outcome, change.urn)} | {change.op} | {_cell(change.destroys)} "
            f"| {_cell('; '.join(change.reasons))} |"
        )
    return [*lines, ""]


def _violation_section(outcome: Outcome) -> list[str]:
    policy = outcome.policy
    if policy is None:
        return [f"No policy pack ran ({outcome.no_pack_reason or 'not run'}).", ""]
    pack = f"Policy pack {_code(policy.pack)} v{policy.version}"
    if not policy.violations:
        return [f"{pack}: all {len(policy.policies)} policies pass.", ""]
    mandatory = len(policy.mandatory)
    lines = [
        f"### Violations ({mandatory} mandatory, {len(policy.violations) - mandatory} advisory)",
        "",
        f"{pack}.",
        "",
    ]
    known = _policies_by_name(policy)
    for name, violations in _grouped(policy.violations):
        meta = known.get(name, {})
        level = violations[0].level
        mark = "❌" if level == "mandatory" else "⚠️"
        lines.append(f"#### {mark} {_code(name)} ({_cell(level)}, {_cell(violations[0].severity)})")
        lines.append("")
        if meta.get("description"):
            lines += [_cell(str(meta["description"])), ""]
        if meta.get("remediation"):
            lines += [f"**Fix:** {_cell(str(meta['remediation']))}", ""]
        lines += ["| Resource | Finding |", "| --- | --- |"]
        lines += [f"| {_where(outcome, v.urn)} | {_cell(_finding(v, meta))} |" for v in violations]
        lines.append("")
    return lines


def _added_section(section: Section) -> list[str]:
    """A section as a Markdown table, its notes folded below it."""
    columns = [_cell(section.corner), *(_code(c) for c in section.columns)]
    lines = [
        f"### {_STATE_MARKS[section.state]} {_cell(section.title)}",
        "",
        "| " + " | ".join(columns) + " |",
        "| " + " | ".join("---" for _ in columns) + " |",
    ]
    for row in section.rows:
        cells = [f"{_STATE_MARKS[c.state]} {_cell(c.text)}" for c in row.cells]
        lines.append(f"| {_code(row.label)} | " + " | ".join(cells) + " |")
    lines.append("")
    if section.legend:
        lines += [_cell(_legend(section)), ""]
    if section.notes:
        lines += ["<details><summary>Why</summary>", ""]
        lines += [f"- {_cell(note)}" for note in section.notes]
        lines += ["", "</details>", ""]
    return lines


def _not_checked_section(outcome: Outcome) -> list[str]:
    items = outcome.not_checked
    if not items:
        return []
    lines = [
        f"### Not checked ({len(items)})",
        "",
        "| By | Resource | What |",
        "| --- | --- | --- |",
    ]
    for item in items:
        who = _code(item.policy) if item.policy else item.source
        where = _where(outcome, item.urn) if item.urn else ""
        lines.append(f"| {who} | {where} | {_cell(item.reason)} |")
    return [*lines, ""]


def _change_section(outcome: Outcome, review: Review) -> list[str]:
    counts = review.counts()
    if not review.changes:
        return [f"### Changes: none ({counts['same']} resources unchanged)", ""]
    lines = [
        f"### Changes ({_counts_text(outcome, marks=False)})",
        "",
        "| Change | Resource | What |",
        "| --- | --- | --- |",
    ]
    for change in review.changes:
        what = [
            f"{_code(v.path)}: {_code(_shown(v.old))} → {_code(_shown(v.new))}"
            for v in change.values
        ]
        what += [_cell(reason) for reason in change.reasons if change.op == "replace"]
        lines.append(
            f"| {_OP_MARKS[change.op]} {change.op} | {_where(outcome, change.urn)} | {'<br>'.join(what)} |"
        )
    for urn, paths in sorted(review.not_compared.items()):
        lines.append(
            f"| not compared | {_where(outcome, urn)} | encrypted in the base: "
            f"{', '.join(_code(p) for p in paths)} |"
        )
    return [*lines, ""]


def _resource_table(run: ProgramRun) -> list[str]:
    names: dict[str, list[str]] = {}
    for resource in run.resources:
        if resource.type != STACK_TYPE:
            names.setdefault(resource.type, []).append(resource.name)
    rows = ["| Type | Count | Names |", "| --- | ---: | --- |"]
    for type_, members in sorted(names.items()):
        listed = ", ".join(_code(name) for name in sorted(members))
        rows.append(f"| {_code(type_)} | {len(members)} | {listed} |")
    return rows


def summary_headline(outcome: Outcome) -> str:
    """The summary's first line: the verdict, then which stack."""
    run = outcome.run
    return f"## {outcome.mark} {outcome.headline}: {_code(run.project)} / {_code(run.stack)}"


def render_summary(outcome: Outcome) -> str:
    """GitHub Markdown for a PR comment or step summary, the verdict first: destructive changes,
    violations by policy, what was not checked, the changes, the resources, then the picture."""
    run, review = outcome.run, outcome.review
    if review is None:
        scope = (
            f"{len(run.resources)} resources to create (as `pulumi preview` counts them, the "
            "stack included)"
        )
    else:
        scope = f"Against {_cell(outcome.review_source)}: {_counts_text(outcome, marks=False)}"
    why = outcome.why()
    lines = [
        summary_headline(outcome),
        "",
        f"{scope}. {why + '. ' if why else ''}Produced by `offline-preview` under the Pulumi SDK "
        "mock engine; no Azure calls.",
        "",
        *_destructive_section(outcome),
        *_violation_section(outcome),
        *(line for section in outcome.added for line in _added_section(section)),
        *_not_checked_section(outcome),
    ]
    if review is not None:
        lines += _change_section(outcome, review)
        lines += [
            "<details><summary>Resources</summary>",
            "",
            *_resource_table(run),
            "",
            "</details>",
        ]
    else:
        lines += ["### Resources", "", *_resource_table(run)]
    marked = bool(outcome.violations) or (review is not None and bool(review.changes))
    lines += [
        "",
        # Open when something is marked on it, so the reviewer sees where.
        f"<details{' open' if marked else ''}><summary>{graph.caption(outcome.run, outcome.policy, review, full=outcome.full_graph)}</summary>",
        "",
        "```mermaid",
        render_graph(outcome).rstrip(),
        "```",
        "",
        "</details>",
        "",
    ]
    return "\n".join(lines)


# The stack export -------------------------------------------------------------------------------


def _package_version(package: str) -> str:
    try:
        return importlib.metadata.version(f"pulumi-{package}")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"


PROVIDER_TYPE_PREFIX = "pulumi:providers:"


def to_export(run: ProgramRun) -> dict[str, Any]:
    """The plan as ``pulumi stack export`` would show it after an update (for ``pulumi policy analyze --file``).

    A resource registered with an explicit provider refers to that provider's resource, as in
    the CLI's state; the others to their package's default provider, which is added for them."""
    providers: dict[str, dict[str, Any]] = {}
    resources: list[dict[str, Any]] = []
    for r in run.resources:
        entry: dict[str, Any] = {
            "urn": r.urn,
            "custom": r.custom,
            "type": r.type,
            "inputs": plaintext_secrets(r.inputs),
            "outputs": plaintext_secrets(r.outputs if r.type != STACK_TYPE else run.outputs),
        }
        if r.parent:
            entry["parent"] = r.parent
        if r.type.startswith(PROVIDER_TYPE_PREFIX):
            entry["id"] = r.id  # a provider has no provider of its own
        elif r.custom and r.provider:
            entry["id"] = r.id
            entry["provider"] = r.provider
        elif r.custom:
            package = r.type.split(":", 1)[0]
            version = _package_version(package)
            if package not in providers:
                urn = f"urn:pulumi:{run.stack}::{run.project}::pulumi:providers:{package}::default_{version.replace('.', '_')}"
                providers[package] = {
                    "urn": urn,
                    "custom": True,
                    "id": f"{package}-provider",
                    "type": f"pulumi:providers:{package}",
                    "inputs": {"version": version},
                    "outputs": {"version": version},
                }
            entry["id"] = r.id
            entry["provider"] = f"{providers[package]['urn']}::{providers[package]['id']}"
        if r.protect:
            entry["protect"] = True
        if r.dependencies:
            entry["dependencies"] = r.dependencies
        if r.property_dependencies:
            entry["propertyDependencies"] = {k: v for k, v in r.property_dependencies.items() if v}
        resources.append(entry)
    stack_entries = [e for e in resources if e["type"] == STACK_TYPE]
    others = [e for e in resources if e["type"] != STACK_TYPE]
    version = importlib.metadata.version("pulumi")
    return {
        "version": 3,
        "deployment": {
            "manifest": {
                "time": datetime.now(UTC).isoformat(),
                "magic": manifest_magic(version),
                "version": version,
            },
            "resources": stack_entries + list(providers.values()) + others,
        },
    }


def manifest_magic(version: str) -> str:
    """The integrity cookie ``pulumi stack import`` checks: hex SHA-256 of the manifest version.

    From sdk/go/common/apitype/core.go ``ManifestV1.NewMagic`` (and pkg/resource/deploy/
    manifest.go); pkg/resource/stack/snapshot/integrity.go refuses a mismatch with "magic cookie
    mismatch: possible tampering/corruption detected". An empty version has an empty cookie.
    """
    return hashlib.sha256(version.encode()).hexdigest() if version else ""
