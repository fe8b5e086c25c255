"""offline-preview: the engine on this program and a small one of its own, outputs, exit codes."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from pulumi_policy.deserialize import SPECIAL_SECRET_SIG, SPECIAL_SIG_KEY

from conftest import ROOT
from private_acr_policies import POLICIES
from private_acr_preview import values
from private_acr_preview.cli import main

TINY = ROOT / "tests" / "fixtures" / "tiny_program"
TINY_PACK = ROOT / "tests" / "fixtures" / "tiny_pack"


@dataclass(frozen=True)
class DevPreview:
    code: int
    out: str
    paths: dict[str, Path]


OUTPUT_FLAGS = {"plan.json": "--json", "graph.mmd": "--graph", "summary.md": "--summary"}


@pytest.fixture(scope="module")
def dev_preview(tmp_path_factory: pytest.TempPathFactory) -> DevPreview:
    """One offline preview of the dev stack writing every output (each test reads one)."""
    directory = tmp_path_factory.mktemp("dev-preview")
    paths = {name: directory / name for name in (*OUTPUT_FLAGS, "export.json")}
    flags = [part for name, flag in OUTPUT_FLAGS.items() for part in (flag, str(paths[name]))]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(
            [
                "--stack",
                "dev",
                "--program",
                str(ROOT),
                *flags,
                "--export",
                str(paths["export.json"]),
            ]
        )
    return DevPreview(code, out.getvalue(), paths)


def test_dev_stack_passes_and_prints_the_plan_and_the_pack(dev_preview: DevPreview) -> None:
    assert dev_preview.code == 0
    assert "azure-native:containerregistry:AgentPool" in dev_preview.out
    assert f"✅ private-acr-tasks@v0.1.0 ({len(POLICIES)} policies)" in dev_preview.out


def test_the_json_plan_holds_each_resource_as_recorded_and_the_verdict(
    dev_preview: DevPreview,
) -> None:
    plan = json.loads(dev_preview.paths["plan.json"].read_text())
    assert set(plan) == {"project", "stack", "verdict", "resources", "outputs", "policy", "changes"}
    assert plan["verdict"] == "passes"
    assert (plan["project"], plan["stack"]) == ("private-acr-tasks", "dev")
    pool = next(
        r for r in plan["resources"] if r["type"] == "azure-native:containerregistry:AgentPool"
    )
    assert set(pool) == {
        "urn",
        "type",
        "name",
        "custom",
        "parent",
        "id",
        "dependencies",
        "propertyDependencies",
        "protect",
        "inputs",
        "outputs",
    }
    assert "virtualNetworkSubnetResourceId" in pool["inputs"]
    assert plan["policy"]["violations"] == [] and plan["policy"]["pack"] == "private-acr-tasks"
    assert plan["policy"]["notChecked"] == []
    # Without a base every resource is created, as on a stack's first deployment.
    assert {c["op"] for c in plan["changes"]} == {"create"}
    assert len(plan["changes"]) == len(plan["resources"]) - 1  # all but the stack


def test_the_graph_and_the_summary_are_written(dev_preview: DevPreview) -> None:
    graph = dev_preview.paths["graph.mmd"].read_text()
    assert "\nflowchart TD\n" in graph and "subgraph" in graph and "-->" in graph
    summary = dev_preview.paths["summary.md"].read_text()
    assert summary.startswith("## ✅ passes: `private-acr-tasks` / `dev`\n")
    assert "```mermaid" in summary


def test_the_export_references_only_what_comes_before_it(dev_preview: DevPreview) -> None:
    export = json.loads(dev_preview.paths["export.json"].read_text())
    assert export["version"] == 3
    resources = export["deployment"]["resources"]
    assert resources[0]["type"] == "pulumi:pulumi:Stack"
    providers = {r["urn"] for r in resources if r["type"].startswith("pulumi:providers:")}
    custom = [r for r in resources if r["custom"] and not r["type"].startswith("pulumi:providers:")]
    assert custom and all(r["provider"].rsplit("::", 1)[0] in providers and r["id"] for r in custom)
    seen: set[str] = set()
    for resource in resources:  # every reference points backwards, as the engine requires
        assert all(d in seen for d in resource.get("dependencies", []))
        assert resource.get("parent", resource["urn"]) in seen | {resource["urn"]}
        seen.add(resource["urn"])


def test_engine_runs_another_program_with_another_pack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_json = tmp_path / "tiny.json"
    code = main(
        [
            "--stack",
            "test",
            "--program",
            str(TINY),
            "--policy-pack",
            str(TINY_PACK),
            "--json",
            str(out_json),
        ]
    )
    assert code == 1
    plan = json.loads(out_json.read_text())
    assert plan["outputs"]["name"].startswith("tiny-")  # project config default applied
    [violation, *_] = plan["policy"]["violations"]
    assert violation["policy"] == "no-westeurope" and violation["level"] == "mandatory"
    assert "tiny-pack@v2.0.0" in capsys.readouterr().out


def test_a_known_conflict_exits_1_naming_policy_and_resource(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_json = tmp_path / "tiny.json"
    code = main(
        [
            "--stack",
            "test",
            "--program",
            str(TINY),
            "--policy-pack",
            str(ROOT / "policies"),
            "--json",
            str(out_json),
        ]
    )
    assert code == 1
    violations = json.loads(out_json.read_text())["policy"]["violations"]
    bridge = [v for v in violations if v["policy"] == "docker-bridge-cidr-conflict"]
    assert {v["urn"].rsplit("::", 1)[-1] for v in bridge} == {"vnet", "inside"}
    assert all(v["level"] == "mandatory" and v["severity"] == "critical" for v in bridge)
    out = capsys.readouterr().out
    block = out.split("[mandatory] docker-bridge-cidr-conflict (critical)", 1)[1]
    assert "        - azure-native:network:VirtualNetwork: vnet\n" in block
    assert out.rstrip().endswith("❌ fails (2 mandatory violations, 1 advisory)")


def _tiny_with_pack(config: Path, out: Path) -> int:
    """The small program (its VNet sits in the Docker bridge) against this project's pack."""
    return main(
        [
            "--stack",
            "test",
            "--program",
            str(TINY),
            "--policy-pack",
            str(ROOT / "policies"),
            "--policy-config",
            str(config),
            "--json",
            str(out),
        ]
    )


def test_policy_config_file_changes_config_and_levels(tmp_path: Path) -> None:
    config, out = tmp_path / "policy.json", tmp_path / "tiny.json"
    config.write_text(
        json.dumps({"docker-bridge-cidr-conflict": {"dockerBridgeCidr": "192.168.0.0/16"}})
    )
    _tiny_with_pack(config, out)
    policies = {v["policy"] for v in json.loads(out.read_text())["policy"]["violations"]}
    assert "docker-bridge-cidr-conflict" not in policies
    config.write_text(json.dumps({"all": "advisory"}))
    assert _tiny_with_pack(config, out) == 0
    levels = {v["level"] for v in json.loads(out.read_text())["policy"]["violations"]}
    assert levels == {"advisory"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            {"nsg-internet-admin-ingress": {"ports": "22"}},
            "nsg-internet-admin-ingress.ports: '22' is not of type 'array'",
        ),
        (
            {"nsg-internet-admin-ingress": {"ports": [22, 2.5]}},
            "nsg-internet-admin-ingress.ports[1]: 2.5 is not of type 'integer'",
        ),
        (
            {"vnet-subnet-cidr-integrity": "loud"},
            "vnet-subnet-cidr-integrity.enforcementLevel: got 'loud'",
        ),
    ],
)
def test_bad_policy_config_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: object, message: str
) -> None:
    config = tmp_path / "policy.json"
    config.write_text(json.dumps(content))
    assert _tiny_with_pack(config, tmp_path / "tiny.json") == 2
    assert message in capsys.readouterr().err


def test_policy_config_the_cli_accepts_is_accepted_with_a_warning_for_unknown_policies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The CLI validates with gojsonschema: 22.0 is an integer; an unknown policy name passes.
    config = tmp_path / "policy.json"
    config.write_text(
        json.dumps({"no-such-policy": "mandatory", "nsg-internet-admin-ingress": {"ports": [22.0]}})
    )
    assert _tiny_with_pack(config, tmp_path / "tiny.json") in (0, 1)
    err = capsys.readouterr().err
    assert "warning: no-such-policy: no such policy in the pack" in err
    assert "Invalid policy config" not in err


def test_a_misspelt_policy_setting_exits_2_naming_file_policy_and_key_before_the_program_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"nsg-internet-admin-ingress": {"port": [22]}}))
    out = tmp_path / "tiny.json"
    assert _tiny_with_pack(config, out) == 2
    captured = capsys.readouterr()
    assert f"Invalid policy config in {config}:" in captured.err
    assert (
        "nsg-internet-admin-ingress.port: not a setting of this policy; did you mean 'ports'?"
        in (captured.err)
    )
    assert captured.out == "" and not out.exists()  # the program never ran


def test_command_line_errors_have_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text((ROOT / "Pulumi.dev.yaml").read_text().replace("tier: S1", "teir: S1"))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "private_acr_preview",
            "--stack",
            "bad",
            "--program",
            str(ROOT),
            "--config-file",
            str(bad),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "agentPool.teir: unknown key; did you mean 'agentPool.tier'?" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_missing_stack_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--stack", "nope", "--program", str(ROOT)]) == 2
    assert "Pulumi.nope.yaml: stack config file not found" in capsys.readouterr().err


def test_secrets_are_redacted_in_reports() -> None:
    # The wire form of a secret, as the Python policy SDK decodes it.
    secret = {SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG, "value": "hunter2"}
    assert values.redact({"a": [secret]}) == {"a": ["[secret]"]}


_PLAN_SCRIPT = """
import json, sys
from pathlib import Path
from private_acr_preview.program import run_program
run = run_program(Path(sys.argv[1]), "dev")
print(json.dumps(sorted((r.urn, r.id, json.dumps(r.outputs, sort_keys=True)) for r in run.resources)))
"""


def test_plan_is_the_same_in_separate_processes_with_different_hash_seeds() -> None:
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", _PLAN_SCRIPT, str(ROOT)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        for seed in ("1", "2")
    ]
    first, second = (run.communicate()[0] for run in runs)
    assert [run.returncode for run in runs] == [0, 0]
    assert first == second and json.loads(first)
