"""The Markdown summary a reviewer reads: violations first, then resources, then the graph."""

from __future__ import annotations

import dataclasses
import re

import pytest
from mermaid_check import mermaid_blocks, parse
from previews import BRIDGE_ON_AGENT_SUBNET, STACKS, check, preview

from conftest import ROOT
from private_acr_preview import report
from private_acr_preview.analyzer import Violation
from private_acr_preview.program import run_program


def table_rows(markdown: str, header: str) -> list[list[str]]:
    """The cells of each body row of the table whose header row starts with ``header``."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows: list[list[str]] = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]])
    return rows


VIOLATIONS_HEADER = "| Level | Policy | Resource | Message | Remediation |"


@pytest.mark.parametrize("stack", STACKS)
def test_every_mermaid_block_of_the_summary_parses(stack: str) -> None:
    blocks = mermaid_blocks(report.render_summary(*preview(stack)))
    assert len(blocks) == 1
    for block in blocks:
        assert parse(block).type == "flowchart-v2"


@pytest.mark.parametrize("stack", STACKS)
def test_policy_results_come_before_the_resources_and_the_graph_last(stack: str) -> None:
    summary = report.render_summary(*preview(stack))
    policy = summary.index("Policy pack `private-acr-tasks`")
    assert policy < summary.index("### Resources") < summary.index("```mermaid")


@pytest.mark.parametrize("stack", STACKS)
def test_resource_table_lists_every_resource_under_its_type(stack: str) -> None:
    run, policy = preview(stack)
    rows = {row[0]: row for row in table_rows(report.render_summary(run, policy), "| Type |")}
    for resource in run.resources:
        if resource.type != "pulumi:pulumi:Stack":
            row = rows[f"`{resource.type}`"]
            assert f"`{resource.name}`" in row[2].split(", ")
    assert sum(int(row[1]) for row in rows.values()) == len(run.resources) - 1


def test_bridge_conflict_row_names_policy_resource_message_and_remediation() -> None:
    run, policy = preview("dev", BRIDGE_ON_AGENT_SUBNET)
    summary = report.render_summary(run, policy)
    rows = table_rows(summary, VIOLATIONS_HEADER)
    [agent] = [row for row in rows if row[2] == "`network-agent-subnet` (Subnet)"]
    remediation = next(p["remediation"] for p in policy.policies if p["name"] == agent[1][1:-1])
    assert agent[:2] == ["❌ mandatory", "`docker-bridge-cidr-conflict`"]
    assert "addressPrefix 10.40.1.0/24 overlaps the Docker bridge 10.40.1.0/24" in agent[3]
    assert agent[4] == remediation and "dockerBridgeCidr" in remediation
    assert summary.index("### Violations (2 mandatory, 0 advisory)") < summary.index(
        "### Resources"
    )


def test_the_report_carries_each_policys_remediation_from_the_pack() -> None:
    _, policy = preview("dev")
    assert policy.policies and all(p["remediation"] for p in policy.policies)


def test_mandatory_rows_come_before_advisory_rows() -> None:
    run, policy = preview("dev")
    subnet, vnet = (
        next(r for r in run.resources if r.name == n)
        for n in ("network-agent-subnet", "network-vnet")
    )
    mixed = dataclasses.replace(
        policy,
        violations=[
            Violation("a-advisory", "advisory", "low", subnet.urn, "first found"),
            Violation("z-mandatory", "mandatory", "high", vnet.urn, "found later"),
        ],
    )
    rows = table_rows(report.render_summary(run, mixed), VIOLATIONS_HEADER)
    assert [row[0] for row in rows] == ["❌ mandatory", "⚠️ advisory"]


def test_text_from_the_pack_cannot_break_the_table_or_inject_html() -> None:
    run, policy = preview("dev")
    subnet = next(r for r in run.resources if r.name == "network-agent-subnet")
    hostile = dataclasses.replace(
        policy,
        violations=[
            Violation("odd|name`", "mandatory", "high", subnet.urn, "a | b\n<script>x</script>")
        ],
    )
    summary = report.render_summary(run, hostile)
    [row] = table_rows(summary, VIOLATIONS_HEADER)
    assert len(row) == 5
    assert row[1] == "`` odd\\|name` ``" and row[3] == "a \\| b<br>&lt;script&gt;x&lt;/script&gt;"
    assert "<script>" not in summary


def test_a_stack_level_violation_names_the_stack() -> None:
    run, policy = preview("dev")
    at_stack = dataclasses.replace(
        policy, violations=[Violation("whole-stack", "mandatory", "high", run.stack_urn, "m")]
    )
    [row] = table_rows(report.render_summary(run, at_stack), VIOLATIONS_HEADER)
    assert row[2] == "the stack"


def test_without_a_policy_pack_the_summary_says_so_and_still_draws() -> None:
    run, _ = preview("dev")
    summary = report.render_summary(run, None)
    assert "no policy run" in summary.splitlines()[0] and "No policy pack ran." in summary
    assert "### Violations" not in summary
    [block] = mermaid_blocks(summary)
    assert parse(block).vertex("Subnet", "network-agent-subnet").classes == []


def test_a_pack_without_remediation_leaves_the_cell_empty() -> None:
    tiny = run_program(ROOT / "tests" / "fixtures" / "tiny_program", "test")
    policy = check(tiny, {}, pack_dir="tests/fixtures/tiny_pack")
    rows = table_rows(report.render_summary(tiny, policy), VIOLATIONS_HEADER)
    assert rows and all(row[1] == "`no-westeurope`" and row[4] == "" for row in rows)


def test_the_graph_is_unfolded_only_when_something_is_marked_on_it() -> None:
    assert "<details open>" in report.render_summary(*preview("dev", BRIDGE_ON_AGENT_SUBNET))
    assert "<details>" in report.render_summary(*preview("dev", {}))
