"""Every stack of the repository, run and checked as ``offline-preview`` does, once per session.

``STACKS`` is read from the ``Pulumi.<stack>.yaml`` files, so a stack added later is covered by
every test that iterates over it.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from conftest import ROOT
from private_acr_preview import analyzer
from private_acr_preview.analyzer import PolicyReport
from private_acr_preview.program import ProgramRun, RecordedResource, run_program

STACKS = sorted(path.name[len("Pulumi.") : -len(".yaml")] for path in ROOT.glob("Pulumi.*.yaml"))


def short_type(resource: RecordedResource) -> str:
    return resource.type.rsplit(":", 1)[-1]


@functools.cache
def program_run(stack: str) -> ProgramRun:
    return run_program(ROOT, stack)


def check(run: ProgramRun, overrides: dict[str, Any], pack_dir: str = "policies") -> PolicyReport:
    """The pack's report on ``run`` over the analyzer protocol, with ``overrides`` as policy config."""
    pack = analyzer.PolicyPackProcess(
        ROOT / pack_dir, project=run.project, stack=run.stack, config=run.config
    )
    return analyzer.analyze(pack, run, overrides)


@functools.cache
def _checked(stack: str, overrides_json: str) -> PolicyReport:
    return check(program_run(stack), json.loads(overrides_json))


def stack_policy_config(stack: str) -> dict[str, Any]:
    """``policies/config/<stack>.json`` when present, as ``make preview`` passes it."""
    path = ROOT / "policies" / "config" / f"{stack}.json"
    return analyzer.read_policy_config(path if path.is_file() else None)


def preview(stack: str, overrides: dict[str, Any] | None = None) -> tuple[ProgramRun, PolicyReport]:
    """The stack's run and its report (its own policy config unless ``overrides`` is given)."""
    config = stack_policy_config(stack) if overrides is None else overrides
    return program_run(stack), _checked(stack, json.dumps(config, sort_keys=True))


# The dev stack with the Docker bridge moved onto its agent subnet (10.40.1.0/24).
BRIDGE_ON_AGENT_SUBNET: dict[str, Any] = {
    "docker-bridge-cidr-conflict": {"dockerBridgeCidr": "10.40.1.0/24"}
}
