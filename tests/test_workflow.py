"""The pull-request workflow, the review script and the Makefile agree, and the review comment
fits a pull request."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import yaml

from conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "pull-request.yml"
sys.path.insert(0, str(ROOT / ".ci"))

import review_comment  # noqa: E402 - a script folder, not a package


def jobs() -> dict[str, Any]:
    return cast(dict[str, Any], yaml.safe_load(WORKFLOW.read_text())["jobs"])


def steps(job: str) -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], jobs()[job]["steps"])


def test_the_workflow_installs_the_uv_the_makefile_pins() -> None:
    makefile = (ROOT / "Makefile").read_text()
    [pinned] = re.findall(r"^UV_VERSION := (\S+)$", makefile, re.MULTILINE)
    versions = [
        step["with"]["version"]
        for job in jobs()
        for step in steps(job)
        if str(step.get("uses", "")).startswith("astral-sh/setup-uv@")
    ]
    assert versions and set(versions) == {pinned}


def test_the_offline_job_uploads_the_hidden_preview_folder() -> None:
    [upload] = [s for s in steps("offline-preview") if "upload-artifact" in str(s.get("uses"))]
    assert upload["with"]["path"] == ".preview/" and upload["with"]["include-hidden-files"] is True


def test_the_offline_job_reviews_the_pull_request_head_against_the_merge_base() -> None:
    [checkout] = [s for s in steps("offline-preview") if "checkout" in str(s.get("uses"))]
    assert checkout["with"]["fetch-depth"] == 0
    assert "pull_request.head.sha" in checkout["with"]["ref"]
    [review] = [s for s in steps("offline-preview") if "make review" in str(s.get("run"))]
    assert review["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"


def test_the_uv_environment_is_cached_by_its_lock() -> None:
    [cache] = [s for s in steps("offline-preview") if "actions/cache" in str(s.get("uses"))]
    assert cache["with"]["path"] == ".venv" and "uv.lock" in cache["with"]["key"]


def test_the_comment_job_may_write_to_the_pull_request_and_finds_its_comment_by_the_marker() -> (
    None
):
    job = jobs()["review-comment"]
    assert job["permissions"] == {"contents": "read", "pull-requests": "write"}
    script = next(s["run"] for s in job["steps"] if "review_comment.py" in str(s.get("run")))
    assert f"marker='{review_comment.MARKER}'" in script
    assert "--method PATCH" in script and "GITHUB_STEP_SUMMARY" in script


SUMMARY = "## ⚠️ passes, with 1 thing not checked: `p` / `{stack}`\n\nbody of {stack}\n"


def test_the_comment_lists_each_stacks_verdict_and_unfolds_what_does_not_pass() -> None:
    text = review_comment.comment(
        [("dev", SUMMARY.format(stack="dev")), ("prod", ""), ("gov", "## ✅ passes: x\n\nok\n")]
    )
    assert text.startswith(review_comment.MARKER + "\n")
    assert "- `dev`: ⚠️ passes, with 1 thing not checked: `p` / `dev`" in text
    assert "- `prod`: ❌ no summary" in text
    assert "<details open><summary><b>dev</b>" in text
    assert "<details><summary><b>gov</b>: ✅ passes: x</summary>" in text


def test_a_long_review_is_cut_to_fit_a_comment_with_its_picture_closed() -> None:
    long = "## ❌ fails: x\n\n" + "row\n" * 40_000 + "```mermaid\n" + "a --> b\n" * 20_000 + "```\n"
    text = review_comment.comment([("dev", long), ("prod", long)])
    assert len(text) <= review_comment.LIMIT
    for body in text.split("<details")[1:]:
        assert body.count("```") % 2 == 0
    assert text.count("the job summary holds all of") == 2


def test_make_review_compares_the_working_tree_with_the_merge_base(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(ROOT / ".ci" / "review"), "HEAD", "dev"],
        cwd=ROOT,
        env={**os.environ, "REVIEW_OUT": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert (tmp_path / "dev.base.json").is_file()
    summary = (tmp_path / "dev.md").read_text()
    assert f"Against {tmp_path}/dev.base.json (a plan):" in summary
    worktrees = subprocess.run(
        ["git", "worktree", "list"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert str(tmp_path) not in worktrees and "/base " not in worktrees
