"""The review against a base: what a change creates, updates, replaces or deletes, and what it
would destroy. The dev stack's acceptance cases run the command line against its own plan."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy.deserialize import SPECIAL_SECRET_SIG, SPECIAL_SIG_KEY

from conftest import ROOT
from private_acr_preview import diff, report
from private_acr_preview.base import Base, BaseResource, read_base
from private_acr_preview.cli import main
from private_acr_preview.models import ModelContext
from private_acr_preview.models.azure import AzureModel
from private_acr_preview.models.random_provider import RandomModel
from private_acr_preview.program import ProgramRun, RecordedResource, run_program
from private_acr_rules.replacement import facts

DEV = (ROOT / "Pulumi.dev.yaml").read_text()
CLUSTER = "urn:pulumi:dev::private-acr-tasks::private-acr-tasks:index:AksCluster$azure-native:containerservice:ManagedCluster::aks-cluster"


@dataclasses.dataclass(frozen=True)
class Reviewed:
    code: int
    out: str
    plan: dict[str, Any]
    summary: str

    def changes(self) -> dict[str, dict[str, Any]]:
        return {c["urn"].rsplit("::", 1)[-1]: c for c in self.plan["changes"]}


@pytest.fixture(scope="module")
def dev_base(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The unchanged dev stack's plan (``--json``) and its export (``--export``)."""
    directory = tmp_path_factory.mktemp("dev-base")
    paths = {"plan": directory / "plan.json", "export": directory / "export.json"}
    code = main(
        [
            *("--stack", "dev", "--program", str(ROOT), "--no-policy"),
            *("--json", str(paths["plan"]), "--export", str(paths["export"])),
        ]
    )
    assert code == 0
    return paths


def review(
    tmp_path: Path,
    base: Path,
    edits: dict[str, str],
    *extra: str,
    capsys: pytest.CaptureFixture[str],
) -> Reviewed:
    """The dev stack with its config text edited, reviewed against ``base`` (no policy pack:
    what decides the exit code here is the review)."""
    config = DEV
    for old, new in edits.items():
        assert old in config, old
        config = config.replace(old, new)
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text(config)
    plan, summary = tmp_path / "plan.json", tmp_path / "summary.md"
    capsys.readouterr()
    code = main(
        [
            *("--stack", "dev", "--program", str(ROOT), "--config-file", str(stack_file)),
            *("--no-policy", "--base", str(base), "--json", str(plan), "--summary", str(summary)),
            *extra,
        ]
    )
    return Reviewed(
        code, capsys.readouterr().out, json.loads(plan.read_text()), summary.read_text()
    )


TIER = {"tier: S1": "tier: S2"}
SERVICE_CIDR = {
    "serviceCidr: 10.100.0.0/16": "serviceCidr: 10.101.0.0/16",
    "dnsServiceIp: 10.100.0.10": "dnsServiceIp: 10.101.0.10",
}
WORKSPACE = {
    "private-acr-tasks:protect: false": "private-acr-tasks:protect: false\n"
    "  private-acr-tasks:diagnostics:\n    workspaceId: /subscriptions/"
    "0b1c2d3e-4f50-4617-8283-94a5b6c7d8e9/resourceGroups/rg-logs/providers/"
    "Microsoft.OperationalInsights/workspaces/central"
}


# The acceptance cases on the dev stack ----------------------------------------------------------


def test_a_new_pool_tier_replaces_the_pool_naming_tier(
    tmp_path: Path, dev_base: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    result = review(tmp_path, dev_base["plan"], TIER, capsys=capsys)
    assert result.code == 0  # a pool holds nothing to lose
    [pool] = result.plan["changes"]
    assert pool["urn"].endswith("::build-pool") and pool["op"] == "replace"
    assert pool["paths"] == ["tier"]
    assert any(reason.startswith("tier:") for reason in pool["reasons"])
    assert pool["values"] == [{"path": "tier", "old": "S1", "new": "S2"}]


def test_a_new_service_cidr_replaces_the_cluster_and_fails(
    tmp_path: Path, dev_base: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    result = review(tmp_path, dev_base["plan"], SERVICE_CIDR, capsys=capsys)
    assert result.code == 1
    [cluster] = result.plan["changes"]
    assert (cluster["urn"], cluster["op"]) == (CLUSTER, "replace")
    assert sorted(cluster["paths"]) == ["networkProfile.dnsServiceIP", "networkProfile.serviceCidr"]
    assert any("networkProfile.serviceCidr: azure-native replaces" in r for r in cluster["reasons"])
    assert cluster["accepted"] is False and "workloads" in cluster["destroys"]
    assert result.plan["verdict"] == "fails"
    assert result.summary.splitlines()[0].startswith("## ❌ fails")
    assert result.summary.index("### ❌ Destructive changes (1)") < result.summary.index(
        "### Changes"
    )


def test_allowing_the_cluster_replacement_passes_and_still_shows_it(
    tmp_path: Path, dev_base: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    result = review(
        tmp_path, dev_base["plan"], SERVICE_CIDR, "--allow-replace", CLUSTER, capsys=capsys
    )
    assert result.code == 0
    [cluster] = result.plan["changes"]
    assert cluster["accepted"] is True
    assert "accepted (`--allow-replace`)" in result.summary
    assert "1 destructive change accepted" in result.out.splitlines()[-1]


def test_longer_retention_updates_the_registry_naming_the_retention_path(
    tmp_path: Path, dev_base: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    result = review(
        tmp_path, dev_base["plan"], {"retentionDays: 7": "retentionDays: 14"}, capsys=capsys
    )
    assert result.code == 0
    [registry] = result.plan["changes"]
    assert registry["urn"].endswith("::registry-acr")
    assert (registry["op"], registry["paths"]) == ("update", ["policies.retentionPolicy.days"])
    assert "`policies.retentionPolicy.days`: `7` → `14`" in result.summary


def test_a_central_workspace_deletes_the_stacks_own_and_fails(
    tmp_path: Path, dev_base: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    result = review(tmp_path, dev_base["plan"], WORKSPACE, capsys=capsys)
    assert result.code == 1
    changes = result.changes()
    workspace = changes["diagnostics-workspace"]
    assert workspace["op"] == "delete" and "logs" in workspace["destroys"]
    settings = {name for name, c in changes.items() if c["op"] == "update"}
    assert settings == {"diagnostics-aks", "diagnostics-artifacts", "diagnostics-registry"}


def test_a_new_environment_name_replaces_the_registry_and_fails_naming_it(
    tmp_path: Path, dev_base: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    result = review(
        tmp_path, dev_base["plan"], {"environment: dev": "environment: dev2"}, capsys=capsys
    )
    assert result.code == 1
    registry = result.changes()["registry-acr"]
    assert registry["op"] == "replace" and "images" in registry["destroys"]
    destructive = result.summary.split("### ❌ Destructive changes", 1)[1].split("###", 1)[0]
    assert "`registry-acr` (Registry)" in destructive


@pytest.mark.parametrize(
    "edits", [TIER, SERVICE_CIDR, WORKSPACE], ids=["tier", "cidr", "workspace"]
)
def test_the_export_of_the_plan_as_base_gives_the_same_ops(
    tmp_path: Path,
    dev_base: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    edits: dict[str, str],
) -> None:
    def ops(base: Path, where: str) -> list[tuple[str, str, list[str]]]:
        (tmp_path / where).mkdir()
        result = review(tmp_path / where, base, edits, capsys=capsys)
        return [(c["urn"], c["op"], c["paths"]) for c in result.plan["changes"]]

    assert ops(dev_base["export"], "export") == ops(dev_base["plan"], "plan")


def _deployed_elsewhere(context: ModelContext) -> ModelContext:
    """Provider answers as a real deployment has them: another subscription and tenant, other
    principal ids, other random suffixes and generated names."""
    return dataclasses.replace(
        context,
        stack=context.stack + "-deployed",
        config={
            **context.config,
            "azure-native:subscriptionId": "0b1c2d3e-4f50-4617-8283-94a5b6c7d8e9",
            "azure-native:tenantId": "7e6d5c4b-3a29-4817-9605-f4e3d2c1b0a9",
        },
    )


def test_an_unchanged_program_against_its_real_state_is_all_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deployed = run_program(
        ROOT,
        "dev",
        models={
            "azure-native": lambda c: AzureModel(_deployed_elsewhere(c)),
            "random": lambda c: RandomModel(_deployed_elsewhere(c)),
        },
    )
    state = tmp_path / "state.json"
    state.write_text(json.dumps(report.to_export(deployed)))
    text = state.read_text()
    assert "0b1c2d3e-4f50-4617-8283-94a5b6c7d8e9" in text  # the state really differs
    mock = run_program(ROOT, "dev")
    registry = next(r for r in mock.resources if r.name == "registry-acr").outputs["name"]
    assert registry not in text
    result = review(tmp_path, state, {}, capsys=capsys)
    assert result.code == 0
    assert result.plan["changes"] == []
    assert "Changes: none, every resource is the same" in result.out


# The comparison itself ---------------------------------------------------------------------------


def _resource(urn: str, type_: str, inputs: dict[str, Any], **options: Any) -> RecordedResource:
    return RecordedResource(
        urn=urn,
        type=type_,
        name=urn.rsplit("::", 1)[-1],
        custom=True,
        parent="",
        dependencies=[],
        property_dependencies={},
        protect=False,
        inputs=inputs,
        outputs={},
        **options,
    )


def _prior(urn: str, type_: str, inputs: dict[str, Any], protect: bool = False) -> BaseResource:
    return BaseResource(urn, type_, True, "id", "", protect, inputs, {})


def _review(plan: list[RecordedResource], prior: list[BaseResource], **options: Any) -> diff.Review:
    run = ProgramRun("p", "s", {}, resources=plan)
    base = Base(Path("base.json"), "plan", {r.urn: r for r in prior})
    return diff.review(run, base, facts, **options)


SUBNET = "azure-native:network:Subnet"
URN = "urn:pulumi:s::p::azure-native:network:Subnet::a"


def test_a_protected_resource_that_is_replaced_is_destructive() -> None:
    plan = [_resource(URN, SUBNET, {"subnetName": "b", "resourceGroupName": "g"})]
    prior = [_prior(URN, SUBNET, {"subnetName": "a", "resourceGroupName": "g"}, protect=True)]
    [change] = _review(plan, prior).changes
    assert (change.op, change.destroys) == ("replace", "protected in the base")
    assert _review(plan, [dataclasses.replace(prior[0], protect=False)]).destructive == []


def test_values_the_base_holds_encrypted_are_not_compared(tmp_path: Path) -> None:
    secret = {SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG, "ciphertext": "AAAA"}
    export = {
        "version": 3,
        "deployment": {
            "resources": [
                {"urn": URN, "type": SUBNET, "custom": True, "inputs": {"addressPrefix": secret}}
            ]
        },
    }
    (tmp_path / "export.json").write_text(json.dumps(export))
    base = read_base(tmp_path / "export.json")
    run = ProgramRun(
        "p", "s", {}, resources=[_resource(URN, SUBNET, {"addressPrefix": "10.0.0.0/24"})]
    )
    result = diff.review(run, base, facts)
    assert result.changes == [] and result.same == 1
    assert result.not_compared == {URN: ["addressPrefix"]}


def test_secrets_are_masked_in_what_changed() -> None:
    def secret(value: str) -> dict[str, Any]:
        return {SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG, "value": value}

    plan = [_resource(URN, SUBNET, {"addressPrefix": secret("10.0.1.0/24")})]
    prior = [_prior(URN, SUBNET, {"addressPrefix": secret("10.0.0.0/24")})]
    [change] = _review(plan, prior).changes
    assert change.values == [diff.ValueChange("addressPrefix", "[secret]", "[secret]")]


def test_an_alias_carries_the_state_to_a_renamed_resource() -> None:
    renamed = "urn:pulumi:s::p::azure-native:network:Subnet::b"
    plan = [_resource(renamed, SUBNET, {"addressPrefix": "10.0.0.0/24"}, aliases=[URN])]
    prior = [_prior(URN, SUBNET, {"addressPrefix": "10.0.0.0/24"})]
    result = _review(plan, prior)
    assert result.changes == [] and result.same == 1


def test_a_changed_urn_without_an_alias_is_a_replacement_from_the_old_one() -> None:
    moved = "urn:pulumi:s::p::test:index:Box$azure-native:network:Subnet::a"
    plan = [_resource(moved, SUBNET, {"addressPrefix": "10.0.0.0/24"})]
    prior = [_prior(URN, SUBNET, {"addressPrefix": "10.0.0.0/24"})]
    [change] = _review(plan, prior).changes
    assert (change.op, change.old_urn) == ("replace", URN)
    assert change.reasons == [f"URN changed from {URN} and no alias covers the old one"]


def test_ignored_paths_and_the_providers_generated_name_are_not_changes() -> None:
    vnet = "azure-native:network:VirtualNetwork"
    urn = "urn:pulumi:s::p::azure-native:network:VirtualNetwork::v"
    # The program sets no name: the provider's generated one stays in the state's inputs.
    plan = [_resource(urn, vnet, {"tags": {"a": "2"}}, ignore_changes=["tags.a"])]
    prior = [_prior(urn, vnet, {"tags": {"a": "1"}, "virtualNetworkName": "v8a4b2c1d"})]
    assert _review(plan, prior).changes == []


def test_replace_on_changes_matches_any_index_and_key() -> None:
    plan = [
        _resource(
            URN,
            "test:index:Thing",
            {"rules": [{"port": 22}, {"port": 443}]},
            replace_on_changes=["rules[*].port"],
        )
    ]
    prior = [_prior(URN, "test:index:Thing", {"rules": [{"port": 22}, {"port": 80}]})]
    [change] = _review(plan, prior).changes
    assert change.op == "replace" and change.paths == ["rules[1].port"]


def test_without_provider_facts_a_change_is_an_update_and_the_review_says_so() -> None:
    plan = [_resource(URN, "other:index:Thing", {"size": 2})]
    prior = [_prior(URN, "other:index:Thing", {"size": 1})]
    known = diff.ProviderFacts({"azure-native": facts})
    result = _review(plan, prior, knows=known.knows)
    assert [c.op for c in result.changes] == ["update"]
    assert result.unknown_packages == ["other"]


def test_an_allowance_that_names_nothing_destructive_is_reported() -> None:
    plan = [_resource(URN, SUBNET, {"addressPrefix": "10.0.1.0/24"})]
    prior = [_prior(URN, SUBNET, {"addressPrefix": "10.0.0.0/24"})]
    result = _review(plan, prior, allow_replace=["urn:pulumi:s::p::x::nothing"])
    assert result.unmatched_allowances == ["urn:pulumi:s::p::x::nothing"]


def test_the_installed_provider_facts_are_this_projects_table() -> None:
    installed = diff.ProviderFacts.installed()
    assert installed("azure-native:containerservice:ManagedCluster") is facts(
        "azure-native:containerservice:ManagedCluster"
    )
    assert installed.knows("random:index/randomString:RandomString")


# Bad bases ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[]", "expected a JSON object"),
        ('{"version": 2, "deployment": {}}', "stack export version 2; expected 3"),
        ('{"nothing": 1}', "neither a plan written by --json"),
        ('{"resources": [{"type": "x"}]}', "resources[0] has no 'urn'"),
        ("{", "not valid JSON"),
    ],
)
def test_a_base_that_cannot_be_read_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    base = tmp_path / "base.json"
    base.write_text(content)
    code = main(["--stack", "dev", "--program", str(ROOT), "--base", str(base)])
    err = capsys.readouterr().err
    assert code == 2 and f"--base {base}" in err and message in err and "Traceback" not in err


def test_a_base_of_another_stack_exits_2_before_the_program_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = tmp_path / "prod.json"
    prod = "urn:pulumi:prod::private-acr-tasks::pulumi:pulumi:Stack::private-acr-tasks-prod"
    base.write_text(json.dumps({"resources": [{"urn": prod, "type": "pulumi:pulumi:Stack"}]}))
    code = main(["--stack", "dev", "--program", str(ROOT), "--base", str(base)])
    captured = capsys.readouterr()
    assert code == 2 and "holds stack 'prod'" in captured.err and captured.out == ""


def test_a_directory_as_base_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--stack", "dev", "--program", str(ROOT), "--base", str(tmp_path)])
    assert code == 2 and "not a regular file" in capsys.readouterr().err
