"""Bad input is refused early and cleanly; secrets stay out of outputs; prod keeps its guards."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, stack_config, with_changes
from private_acr_policies import data_safety, diagnostic_logs
from private_acr_policies._model import Resource, Stack
from private_acr_policies._policy import Finding, NotApplicable
from private_acr_preview.cli import main
from private_acr_preview.program import ProgramRun
from private_acr_rules.validation import FieldReader, Labels
from private_acr_tasks.errors import ComponentArgsError, ConfigError
from private_acr_tasks.network import validate_network
from private_acr_tasks.settings import load_settings

DEV_FILE = (ROOT / "Pulumi.dev.yaml").read_text()

# (edit of Pulumi.dev.yaml as text, text the error must contain)
MALFORMED: list[tuple[str, str, str]] = [
    ("tier: S1", "tier: S9", "agentPool.tier: got 'S9'; expected one of S1, S2, S3, I6"),
    ("tier: S1", "teir: S1", "agentPool.teir: unknown key; did you mean 'agentPool.tier'?"),
    ("count: 1", "count: many", "agentPool.count: got 'many'"),
    ("nodeCount: 2", "nodeCount: 0", "aks.nodeCount: got 0"),
    (
        "agentSubnet: 10.40.1.0/24",
        "agentSubnet: 10.40.1.7/24",
        "network.agentSubnet: got '10.40.1.7/24'",
    ),
    (
        "agentSubnet: 10.40.1.0/24",
        "agentSubnet: 10.99.1.0/24",
        "network.agentSubnet: 10.99.1.0/24 is not inside",
    ),
    (
        "privateEndpointSubnet: 10.40.2.0/27",
        "privateEndpointSubnet: 10.40.2.0/30",
        "network.privateEndpointSubnet: 10.40.2.0/30 is smaller than Azure's smallest subnet",
    ),
    (
        "dnsServers: []",
        "dnsServers: [172.17.0.10]",
        "network.dnsServers[0]: 172.17.0.10/32 overlaps the Docker bridge",
    ),
    (
        "dnsServiceIp: 10.100.0.10",
        "dnsServiceIp: 10.100.0.1",
        "aks.dnsServiceIp: 10.100.0.1 is the network or first address",
    ),
    (
        "serviceCidr: 10.100.0.0/16",
        "serviceCidr: 10.40.0.0/16",
        "aks.serviceCidr: 10.40.0.0/16 overlaps network.addressSpace",
    ),
    (
        "podCidr: 10.244.0.0/16",
        "podCidr: 169.254.0.0/16",
        "aks.podCidr: 169.254.0.0/16 overlaps 169.254.0.0/16, which AKS reserves",
    ),
    ("sshPublicKey: ssh-ed25519", "sshPublicKey: ssh-dss", "aks.sshPublicKey: got"),
    (
        "retentionDays: 7",
        "retentionDays: 7\n    softDeleteDays: 7",
        "registry.softDeleteDays: ACR does not allow",
    ),
    (
        "private-acr-tasks:protect: false",
        "private-acr-tasks:protect: 2",
        # Refused by the engine as the CLI refuses it (Pulumi.yaml declares protect a boolean).
        "configuration key 'protect' must be of type 'boolean'",
    ),
    (
        "private-acr-tasks:environment: dev",
        "private-acr-tasks:environment: Development-Env",
        "environment: got 'Development-Env'",
    ),
    (
        "  private-acr-tasks:network:\n",
        "  private-acr-tasks:netwrk:\n",
        # Refused before the program runs, as the CLI refuses it: network has no default.
        "Stack 'broken' is missing configuration value 'network'",
    ),
    ("config:", "config: [", "not valid YAML"),
    (
        "azure-native:location: eastus2",
        "azure-native:location: ''",
        "azure-native:location: missing",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), MALFORMED, ids=[m[2][:40] for m in MALFORMED])
def test_malformed_config_is_refused_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, expected: str
) -> None:
    assert old in DEV_FILE
    config = tmp_path / "Pulumi.broken.yaml"
    config.write_text(DEV_FILE.replace(old, new, 1))
    code = main(
        ["--stack", "broken", "--program", str(ROOT), "--config-file", str(config), "--no-policy"]
    )
    captured = capsys.readouterr()
    assert code == 2
    assert expected in captured.err, captured.err
    assert "Traceback" not in captured.err and captured.out == ""


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 70000),
    st.text(max_size=20),
    st.sampled_from(["10.40.1.0/24", "172.17.0.0/16", "::/0", "S1", "I6", "true", "10.100.0.10"]),
    st.lists(st.text(max_size=15), max_size=3),
)


@settings(max_examples=300)
@given(
    st.sampled_from(["network", "aks", "agentPool", "registry", "diagnostics"]),
    st.sampled_from(
        [
            "addressSpace",
            "agentSubnet",
            "aksSubnet",
            "dnsServers",
            "tier",
            "count",
            "vcpuQuota",
            "nodeCount",
            "serviceCidr",
            "dnsServiceIp",
            "podCidr",
            "sshPublicKey",
            "authorizedIpRanges",
            "privateCluster",
            "retentionDays",
            "softDeleteDays",
            "zoneRedundancy",
            "replicas",
            "containerInsights",
            "workspaceId",
            "x",
        ]
    ),
    values,
)
def test_any_config_value_gives_settings_or_a_config_error(
    section: str, key: str, value: Any
) -> None:
    try:
        load_settings(with_changes(stack_config("dev"), **{f"{section}__{key}": value}))
    except ConfigError as error:
        assert all(isinstance(p, str) and p for p in error.problems)


@settings(max_examples=200)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "address_space",
                "agent_subnet_prefix",
                "private_endpoint_subnet_prefix",
                "aks_subnet_prefix",
                "docker_bridge_cidr",
            ]
        ),
        values,
        max_size=5,
    )
)
def test_any_network_args_give_a_verdict(overrides: dict[str, Any]) -> None:
    args = {
        "resource_group_name": "rg",
        "location": "x",
        "address_space": "10.40.0.0/16",
        "agent_subnet_prefix": "10.40.1.0/24",
        "private_endpoint_subnet_prefix": "10.40.2.0/27",
        "aks_subnet_prefix": "10.40.8.0/21",
        **overrides,
    }
    problems: list[str] = []
    plan = validate_network(FieldReader(args, Labels.of("NetworkArgs"), problems))
    assert (plan is None) == bool(problems)
    assert all(p.startswith("NetworkArgs.") for p in problems)
    if problems:
        assert str(ComponentArgsError(problems)).startswith("Invalid component arguments")


SECRET_LIKE = re.compile(
    r"(AccountKey=|SharedAccessSignature|-----BEGIN [A-Z ]*PRIVATE KEY|\"password\"\s*:|clientSecret)",
    re.I,
)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_secret_material_in_outputs_or_state(stack: str, request: pytest.FixtureRequest) -> None:
    run: ProgramRun = request.getfixturevalue(f"{stack}_run")
    state = json.dumps([[r.inputs, r.outputs] for r in run.resources]) + json.dumps(run.outputs)
    assert not SECRET_LIKE.search(state)
    # Nothing reads keys or credentials: the only provider function called is the caller's identity.
    assert set(run.invokes) == {"azure-native:authorization:getClientConfig"}
    registry = next(r for r in run.resources if r.type == "azure-native:containerregistry:Registry")
    assert registry.inputs["adminUserEnabled"] is False
    assert (
        next(r for r in run.resources if r.type == "azure-native:storage:StorageAccount").inputs[
            "allowSharedKeyAccess"
        ]
        is False
    )


def test_prod_keeps_retention_on_its_replicated_registry_and_protection(
    prod_run: ProgramRun,
) -> None:
    registry = next(
        r for r in prod_run.resources if r.type == "azure-native:containerregistry:Registry"
    )
    assert registry.inputs["policies"]["retentionPolicy"] == {"days": 30, "status": "enabled"}
    assert registry.inputs["policies"]["softDeletePolicy"]["status"] == "disabled"
    stack = Stack([_resource(r) for r in prod_run.resources], name="prod")
    assert list(data_safety.check(stack, data_safety.ProtectionSettings())) == []


def test_prod_sends_its_registry_and_cluster_logs_to_a_workspace(prod_run: ProgramRun) -> None:
    stack = Stack([_resource(r) for r in prod_run.resources], name="prod")
    settings = diagnostic_logs.DiagnosticLogSettings()
    assert list(diagnostic_logs.check(stack, settings)) == []


def test_prod_without_diagnostic_settings_is_flagged(prod_run: ProgramRun) -> None:
    kept = [r for r in prod_run.resources if not r.type.endswith(":DiagnosticSetting")]
    stack = Stack([_resource(r) for r in kept], name="prod")
    findings = list(diagnostic_logs.check(stack, diagnostic_logs.DiagnosticLogSettings()))
    blamed = {f.message.split(":", 1)[0] for f in findings if isinstance(f, Finding)}
    assert blamed == {"registry-acr", "aks-cluster"}


def _resource(r: Any, *, protect: bool | None = None, props: Any = None) -> Resource:
    return Resource(
        r.type,
        r.urn,
        r.name,
        props if props is not None else (r.outputs or r.inputs),
        property_dependencies=r.property_dependencies,
        protect=r.protect if protect is None else protect,
    )


def test_prod_without_protection_or_retention_is_refused(prod_run: ProgramRun) -> None:
    resources: list[Resource] = []
    for r in prod_run.resources:
        props = json.loads(json.dumps(r.outputs or r.inputs))
        if r.type == "azure-native:containerregistry:Registry":
            props["policies"]["retentionPolicy"]["status"] = "disabled"
        resources.append(_resource(r, protect=False, props=props))
    settings = data_safety.ProtectionSettings()
    findings = list(data_safety.check(Stack(resources, name="prod"), settings))
    kinds = sorted(
        f.message.split(": ", 1)[1].split(";")[0] for f in findings if isinstance(f, Finding)
    )
    assert kinds == sorted(
        [
            "the AgentPool is not protected",
            "the ManagedCluster is not protected",
            "the Registry is not protected",
            "the StorageAccount is not protected",
            "the registry is geo-replicated, which soft delete does not support, and its "
            "retention policy is off",
        ]
    )
    with pytest.raises(NotApplicable):
        list(data_safety.check(Stack(resources, name="dev"), settings))


def test_unprotected_prod_fails_the_offline_preview(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "Pulumi.prod.yaml"
    config.write_text(
        (ROOT / "Pulumi.prod.yaml").read_text().replace("protect: true", "protect: false")
    )
    assert main(["--stack", "prod", "--program", str(ROOT), "--config-file", str(config)]) == 1
    assert "[mandatory] production-data-protection (" in capsys.readouterr().out


def test_prod_with_open_agent_egress_fails_the_offline_preview(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "Pulumi.prod.yaml"
    text = (ROOT / "Pulumi.prod.yaml").read_text()
    assert "    dnsServers: []\n" in text
    config.write_text(
        text.replace("    dnsServers: []\n", "    dnsServers: []\n    agentEgress: open\n", 1)
    )
    assert main(["--stack", "prod", "--program", str(ROOT), "--config-file", str(config)]) == 1
    out = capsys.readouterr().out
    assert "[mandatory] agent-pool-internet-egress (" in out
    assert "'AllowInternetOutBound' (priority 65001)" in out
