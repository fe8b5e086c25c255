"""The Markdown summary a reviewer reads: the verdict first, each policy once, what was not
checked, then the resources and the picture."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from learn_facts import AGENT_POOL_FLOWS
from mermaid_check import mermaid_blocks, parse
from previews import BRIDGE_ON_AGENT_SUBNET, STACKS, check, preview

from conftest import ROOT
from private_acr_preview import report
from private_acr_preview.analyzer import PolicyReport, Violation
from private_acr_preview.cli import main
from private_acr_preview.program import ProgramRun, run_program


def table_rows(markdown: str, header: str, after: str = "") -> list[list[str]]:
    """The cells of each body row of the first table whose header row starts with ``header``
    (after the text ``after``)."""
    lines = markdown[markdown.index(after) :].splitlines() if after else markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows: list[list[str]] = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]])
    return rows


def summary(run: ProgramRun, policy: PolicyReport | None, no_pack_reason: str = "") -> str:
    return report.render_summary(report.Outcome(run, policy, no_pack_reason=no_pack_reason))


FINDINGS = "| Resource | Finding |"


@pytest.mark.parametrize("stack", STACKS)
def test_every_mermaid_block_of_the_summary_parses(stack: str) -> None:
    blocks = mermaid_blocks(summary(*preview(stack)))
    assert len(blocks) == 1
    for block in blocks:
        assert parse(block).type == "flowchart-v2"


@pytest.mark.parametrize("stack", STACKS)
def test_the_verdict_comes_first_and_the_picture_last(stack: str) -> None:
    text = summary(*preview(stack))
    first = text.splitlines()[0]
    assert re.fullmatch(
        r"## (✅ passes|⚠️ passes, with \d+ things? not checked|❌ fails): "
        rf"`private-acr-tasks` / `{stack}`",
        first,
    ), first
    policy = text.index("Policy pack `private-acr-tasks`")
    assert policy < text.index("### Resources") < text.index("```mermaid")


@pytest.mark.parametrize("stack", STACKS)
def test_resource_table_lists_every_resource_under_its_type(stack: str) -> None:
    run, policy = preview(stack)
    rows = {row[0]: row for row in table_rows(summary(run, policy), "| Type |")}
    for resource in run.resources:
        if resource.type != "pulumi:pulumi:Stack":
            row = rows[f"`{resource.type}`"]
            assert f"`{resource.name}`" in row[2].split(", ")
    assert sum(int(row[1]) for row in rows.values()) == len(run.resources) - 1


def test_a_policy_shows_once_with_its_description_fix_and_each_resource() -> None:
    run, policy = preview("dev", BRIDGE_ON_AGENT_SUBNET)
    text = summary(run, policy)
    name = "docker-bridge-cidr-conflict"
    meta = next(p for p in policy.policies if p["name"] == name)
    assert text.count(f"`{name}`") == 1
    assert text.count(meta["description"]) == 1 and text.count(meta["remediation"]) == 1
    rows = table_rows(text, FINDINGS, after=f"`{name}`")
    assert [row[0] for row in rows] == [
        "`network-agent-subnet` (Subnet)",
        "`network-vnet` (VirtualNetwork)",
    ]
    assert rows[0][1].startswith("network-agent-subnet: addressPrefix 10.40.1.0/24 overlaps")
    assert text.index("### Violations (2 mandatory, 0 advisory)") < text.index("### Resources")
    assert text.splitlines()[0].startswith("## ❌ fails")


def test_the_report_carries_each_policys_description_and_remediation_from_the_pack() -> None:
    _, policy = preview("dev")
    assert policy.policies and all(p["remediation"] and p["description"] for p in policy.policies)


def _with(policy: PolicyReport, *violations: Violation) -> PolicyReport:
    return dataclasses.replace(policy, violations=list(violations))


def test_mandatory_policies_come_before_advisory_ones() -> None:
    run, policy = preview("dev")
    subnet, vnet = (
        next(r for r in run.resources if r.name == n)
        for n in ("network-agent-subnet", "network-vnet")
    )
    mixed = _with(
        policy,
        Violation("a-advisory", "advisory", "low", subnet.urn, "first found"),
        Violation("z-mandatory", "mandatory", "high", vnet.urn, "found later"),
    )
    text = summary(run, mixed)
    assert text.index("#### ❌ `z-mandatory`") < text.index("#### ⚠️ `a-advisory`")


def test_text_from_the_pack_cannot_break_the_table_or_inject_html() -> None:
    run, policy = preview("dev")
    subnet = next(r for r in run.resources if r.name == "network-agent-subnet")
    hostile = _with(
        policy,
        Violation("odd|name`", "mandatory", "high", subnet.urn, "a | b\n<script>x</script>"),
    )
    text = summary(run, hostile)
    [row] = table_rows(text, FINDINGS)
    assert len(row) == 2
    assert row[1] == "a \\| b<br>&lt;script&gt;x&lt;/script&gt;"
    assert "#### ❌ `` odd\\|name` ``" in text
    assert "<script>" not in text


def test_a_stack_level_violation_names_the_stack() -> None:
    run, policy = preview("dev")
    at_stack = _with(policy, Violation("whole-stack", "mandatory", "high", run.stack_urn, "m"))
    [row] = table_rows(summary(run, at_stack), FINDINGS)
    assert row[0] == "the stack"


def test_without_a_policy_pack_the_summary_says_so_and_counts_it_not_checked() -> None:
    run, _ = preview("dev")
    text = summary(run, None, no_pack_reason="not run (--no-policy)")
    assert text.splitlines()[0].startswith("## ⚠️ passes, with 1 thing not checked")
    assert "No policy pack ran (not run (--no-policy))." in text
    assert "### Violations" not in text
    [row] = table_rows(text, "| By |")
    assert row == ["policy", "", "policies not run (--no-policy)"]


def test_a_pack_without_remediation_has_no_fix_line() -> None:
    tiny = run_program(ROOT / "tests" / "fixtures" / "tiny_program", "test")
    policy = check(tiny, {}, pack_dir="tests/fixtures/tiny_pack")
    text = summary(tiny, policy)
    rows = table_rows(text, FINDINGS, after="`no-westeurope`")
    assert rows and "**Fix:**" not in text.split("`no-westeurope`", 1)[1]


def test_the_picture_is_unfolded_only_when_something_is_marked_on_it() -> None:
    assert "<details open>" in summary(*preview("dev", BRIDGE_ON_AGENT_SUBNET))
    assert "<details open>" not in summary(*preview("dev", {}))


def test_a_not_checked_note_names_its_policy_and_resource() -> None:
    run, policy = preview("dev")
    pool = next(r for r in run.resources if r.name == "build-pool")
    noted = dataclasses.replace(
        policy,
        not_checked=[
            {"policy": "agent-pool-egress-rules", "urn": pool.urn, "reason": "its subnet (later)"}
        ],
    )
    text = summary(run, noted)
    assert text.splitlines()[0].startswith("## ⚠️ passes, with 1 thing not checked")
    [row] = table_rows(text, "| By |")
    assert row == ["`agent-pool-egress-rules`", "`build-pool` (AgentPool)", "its subnet (later)"]


def test_make_preview_of_the_spoke_opens_saying_not_everything_was_checked(
    tmp_path: Path,
) -> None:
    # As `make preview STACK=spoke` runs it: its policy config and its existing network.
    path = tmp_path / "spoke.md"
    code = main(
        [
            "--stack",
            "spoke",
            "--program",
            str(ROOT),
            "--policy-config",
            str(ROOT / "policies" / "config" / "spoke.json"),
            "--existing",
            str(ROOT / "examples" / "existing" / "spoke.json"),
            "--summary",
            str(path),
        ]
    )
    text = path.read_text()
    assert code == 0
    assert text.splitlines()[0] == (
        "## ⚠️ passes, with 3 things not checked: `private-acr-tasks` / `spoke`"
    )
    rows = table_rows(text, "| By |")
    by = {row[0] for row in rows}
    assert by == {"`agent-pool-egress-rules`", "`registry-private-endpoint-dns`", "preflight"}
    [firewall] = [row[2] for row in rows if row[0] == "preflight"]
    assert "firewall there must allow" in firewall
    assert all(flow in firewall for flow in AGENT_POOL_FLOWS)
