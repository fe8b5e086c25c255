"""One setting drives the program and the pack: the stack's dockerBridgeCidr, agentPoolQuota and
agentPoolQuotaIsolated are the policies' defaults, as the Pulumi CLI hands the pack the stack's
config (PULUMI_PROJECT, PULUMI_CONFIG), with no policy config.

Each stack below is the dev stack with a change, written as a stack file and read as the CLI
reads it (project defaults applied). A stack passes both when the program builds it and the
pack, given its config, reports nothing; it fails both when the program refuses it and the pack,
given its config and the plan the program builds for the stack it differs from only in that
setting (the same resources), fails, each naming the same key.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from policy_wire import PackProcess, WireResource
from test_policy_grpc import wire

from conftest import ROOT
from private_acr_preview.cli import main
from private_acr_preview.program import ProgramRun, run_program
from private_acr_preview.project import load_config

DEV = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
I6_POOL = {**DEV["private-acr-tasks:agentPool"], "tier": "I6"}


def stack_file(tmp_path: Path, *changes: dict[str, Any]) -> Path:
    """The dev stack file with ``changes`` (full keys) applied."""
    config = dict(DEV)
    for change in changes:
        config.update(change)
    path = tmp_path / f"Pulumi.dev-{len(list(tmp_path.iterdir()))}.yaml"
    path.write_text(yaml.safe_dump({"config": config}))
    return path


def loaded(path: Path) -> tuple[str, dict[str, str]]:
    return load_config(ROOT, "dev", path)


def program(path: Path) -> ProgramRun | str:
    """The plan of the stack, or the program's refusal."""
    try:
        return run_program(ROOT, "dev", loaded=loaded(path))
    except Exception as error:  # noqa: BLE001 - the program's own error is what is checked
        return str(error)


@pytest.fixture(scope="module")
def packs() -> Iterator[list[PackProcess]]:
    started: list[PackProcess] = []
    yield started
    for pack in started:
        pack.close()


def pack(packs: list[PackProcess], path: Path, resources: list[WireResource]) -> list[str]:
    """The mandatory violations of the pack, started with the stack's config as the CLI does."""
    project, config = loaded(path)
    process = PackProcess(stack="dev", project=project, config=config)
    packs.append(process)
    report = process.analyze(resources)
    return [d.message for d in report.diagnostics if d.level == "mandatory"]


QUOTA = {"private-acr-tasks:agentPool": I6_POOL}
GRANTED = {"private-acr-tasks:agentPoolQuotaIsolated": 64}


def test_an_i6_pool_with_its_isolated_quota_passes_both(
    tmp_path: Path, packs: list[PackProcess]
) -> None:
    path = stack_file(tmp_path, QUOTA, GRANTED)
    run = program(path)
    assert isinstance(run, ProgramRun), run
    assert pack(packs, path, wire(run)) == []


def test_an_i6_pool_with_the_quota_left_out_fails_both_naming_the_key(
    tmp_path: Path, packs: list[PackProcess]
) -> None:
    granted = program(stack_file(tmp_path, QUOTA, GRANTED))
    assert isinstance(granted, ProgramRun)
    left_out = stack_file(tmp_path, QUOTA)
    refusal = program(left_out)
    assert isinstance(refusal, str) and "set agentPoolQuotaIsolated" in refusal, refusal
    (violation,) = pack(packs, left_out, wire(granted))
    assert "set agentPoolQuotaIsolated in the stack config" in violation


BRIDGE = {"private-acr-tasks:dockerBridgeCidr": "192.168.0.0/16"}


def with_dns(server: str) -> dict[str, Any]:
    network = {**DEV["private-acr-tasks:network"], "dnsServers": [server]}
    return {"private-acr-tasks:network": network}


def test_a_moved_bridge_and_a_dns_server_in_docker_default_pass_both(
    tmp_path: Path, packs: list[PackProcess]
) -> None:
    path = stack_file(tmp_path, BRIDGE, with_dns("172.17.0.53"))
    run = program(path)
    assert isinstance(run, ProgramRun), run
    assert pack(packs, path, wire(run)) == []


def test_a_dns_server_inside_the_moved_bridge_fails_both_naming_the_key(
    tmp_path: Path, packs: list[PackProcess]
) -> None:
    inside = stack_file(tmp_path, BRIDGE, with_dns("192.168.0.53"))
    refusal = program(inside)
    assert isinstance(refusal, str), refusal
    assert "overlaps the Docker bridge 192.168.0.0/16 (dockerBridgeCidr)" in refusal
    same_resources = program(stack_file(tmp_path, with_dns("192.168.0.53")))
    assert isinstance(same_resources, ProgramRun)
    (violation,) = pack(packs, inside, wire(same_resources))
    assert (
        "overlaps the Docker bridge 192.168.0.0/16 (dockerBridgeCidr, from the stack's" in violation
    )


def test_the_offline_preview_hands_the_pack_the_stacks_config(tmp_path: Path) -> None:
    # Without the stack's dockerBridgeCidr the pack would hold the DNS server to 172.17.0.0/16.
    path = stack_file(tmp_path, BRIDGE, with_dns("172.17.0.53"))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--stack", "dev", "--program", str(ROOT), "--config-file", str(path)])
    assert code == 0, out.getvalue()
