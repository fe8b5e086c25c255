"""The pack as the Pulumi CLI runs it: a subprocess driven over the analyzer gRPC protocol.

Every case of ``policy_cases`` runs here a second time, with the case's config in the CLI's
``--policy-pack-config`` form, reconciled with the schema defaults and sent in a ``Struct``
(``policy_wire``), so a policy that misreads what the CLI sends (doubles for integers) fails.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from policy_cases import CASES, Case
from policy_wire import PackProcess, WireResource
from pulumi_policy import proxy
from test_policies import assert_outcome

from conftest import ROOT
from private_acr_policies import POLICIES
from private_acr_preview.program import ProgramRun

PROBE = ROOT / "tests" / "fixtures" / "config_probe_pack"


@pytest.fixture(scope="module")
def packs() -> Iterator[dict[str, PackProcess]]:
    started: dict[str, PackProcess] = {}
    yield started
    for pack in started.values():
        pack.close()


def pack_for(
    packs: dict[str, PackProcess], stack: str, config: Mapping[str, str] | None = None
) -> PackProcess:
    """A pack started for ``stack`` with the stack's ``config`` (``None``: as ``pulumi policy
    analyze`` starts one, with no stack config)."""
    key = f"{stack} {json.dumps(config, sort_keys=True)}"
    if key not in packs:
        packs[key] = PackProcess(stack=stack, config=config, for_stack=config is not None)
    return packs[key]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_policy_case_over_the_wire(packs: dict[str, PackProcess], case: Case) -> None:
    overrides = {case.policy: dict(case.config)} if case.config else {}
    report = pack_for(packs, case.stack, case.stack_config).analyze(case.resources, overrides)
    diagnostics = report.of(case.policy)
    policy = next(p for p in POLICIES if p.name == case.policy)
    assert all(d.message.startswith(policy.description + "\n") for d in diagnostics)
    assert_outcome(case, [(d.urn, d.message) for d in diagnostics], report.reasons(case.policy))


def test_harness_sends_integer_config_as_doubles() -> None:
    probe = PackProcess(PROBE)
    try:
        report = probe.analyze([], {"echo-config": {"days": 30}})
    finally:
        probe.close()
    [diagnostic] = report.of("echo-config")
    assert "'days': (30.0, 'float')" in diagnostic.message
    assert "'ports': ([22.0, 3389.0], 'list')" in diagnostic.message


def test_analyzer_info_carries_names_levels_and_metadata(packs: dict[str, PackProcess]) -> None:
    info = pack_for(packs, "test", {}).info
    levels = {p.name: p.enforcementLevel for p in info.policies}
    assert set(levels) == {p.name for p in POLICIES}
    assert levels["docker-bridge-cidr-conflict"] == 1 and levels["subnet-requires-nsg"] == 0
    assert all(p.severity != 0 and p.remediation_steps for p in info.policies)


def wire(run: ProgramRun) -> list[WireResource]:
    return [
        WireResource(
            r.type,
            r.name,
            r.inputs,
            r.outputs or r.inputs,
            r.property_dependencies,
            r.protect,
            r.urn,
            r.parent,
        )
        for r in run.resources
    ]


def test_dev_stack_passes(packs: dict[str, PackProcess], dev_run: ProgramRun) -> None:
    report = pack_for(packs, "dev", {}).analyze(wire(dev_run))
    assert report.diagnostics == []
    assert not [r for _, r in report.not_applicable if "not checked" in r]


def test_prod_stack_passes(packs: dict[str, PackProcess], prod_run: ProgramRun) -> None:
    report = pack_for(packs, "prod", {}).analyze(wire(prod_run))
    assert report.diagnostics == []


def test_a_policy_can_be_disabled_and_downgraded(packs: dict[str, PackProcess]) -> None:
    [case] = [c for c in CASES if c.id == "nsg-internet-admin-ingress:ssh from Internet"]
    pack = pack_for(packs, "test", {})
    assert (
        pack.analyze(case.resources, {"nsg-internet-admin-ingress": "disabled"}).of(case.policy)
        == []
    )
    advisory = pack.analyze(case.resources, {"all": "advisory"}).of(case.policy)
    assert advisory and {d.level for d in advisory} == {"advisory"}


SSH_PROGRAM = """
from pulumi_azure_native import network

def rule(**fields):
    base = dict(name="ssh", priority=100, direction="Inbound", access="Allow", protocol="Tcp",
                source_address_prefix="Internet", source_port_range="*",
                destination_address_prefix="*", destination_port_range="22")
    base.update(fields)
    return network.SecurityRuleArgs(**base)

network.NetworkSecurityGroup("plain", resource_group_name="rg", security_rules=[rule()])
network.NetworkSecurityGroup("range", resource_group_name="rg", security_rules=[rule(destination_port_range="20-25")])
network.NetworkSecurityGroup("lower", resource_group_name="rg", security_rules=[rule(source_address_prefix="internet")])
network.NetworkSecurityGroup("ipv6", resource_group_name="rg", security_rules=[rule(source_address_prefix="::/0")])
group = network.NetworkSecurityGroup("bare", resource_group_name="rg", network_security_group_name="bare")
network.SecurityRule("standalone", resource_group_name="rg", network_security_group_name=group.name,
                     priority=100, direction="Inbound", access="Allow", protocol="Tcp",
                     source_address_prefix="*", source_port_range="*",
                     destination_address_prefix="*", destination_port_range="22")
"""


def test_open_ssh_fails_the_offline_preview(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: ssh\nruntime: python\n")
    (tmp_path / "Pulumi.test.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(SSH_PROGRAM)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "private_acr_preview",
            "--stack",
            "test",
            "--program",
            str(tmp_path),
            "--policy-pack",
            str(ROOT / "policies"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    # The policy once, its resources under it.
    block = result.stdout.split("] nsg-internet-admin-ingress (", 1)[1].split("\n    [", 1)[0]
    for name in ("plain", "range", "lower", "ipv6", "standalone"):
        assert re.search(rf"^        - azure-native:network:\w+: {name}$", block, re.M), (
            name,
            result.stdout,
        )


ODD_VALUES: list[Any] = [
    None,
    7,
    -1.5,
    True,
    "",
    "10.0.0.0/33",
    "::/0",
    "fd00::/8",
    [],
    {},
    ["x", 3, None],
    {"a": [{}]},
    "0.0.0.0/0",
    proxy.UNKNOWN_STRING_VALUE,
    proxy.UNKNOWN_ARRAY_VALUE,
    proxy.UNKNOWN_OBJECT_VALUE,
]
ODD_TYPES = [
    "network:VirtualNetwork",
    "network:Subnet",
    "network:NetworkSecurityGroup",
    "network:SecurityRule",
    "network:VirtualNetworkPeering",
    "containerservice:ManagedCluster",
    "containerregistry:Registry",
    "containerregistry:AgentPool",
    "network:PrivateEndpoint",
    "network:PrivateDnsZoneGroup",
    "privatedns:VirtualNetworkLink",
]


@pytest.mark.parametrize("value", ODD_VALUES, ids=[json.dumps(v) for v in ODD_VALUES])
def test_odd_values_give_a_verdict_not_a_crash(packs: dict[str, PackProcess], value: Any) -> None:
    fields = {
        "id": value,
        "resourceGroupName": value,
        "addressSpace": {"addressPrefixes": [value]},
        "addressPrefix": value,
        "addressPrefixes": value,
        "subnets": [value, {"name": value, "addressPrefix": value, "networkSecurityGroup": value}],
        "dhcpOptions": {"dnsServers": value},
        "networkProfile": {
            "serviceCidr": value,
            "podCidrs": value,
            "dnsServiceIP": value,
            "dockerBridgeCidr": value,
        },
        "securityRules": [
            value,
            {
                "direction": "Inbound",
                "access": "Allow",
                "sourceAddressPrefixes": value,
                "destinationPortRanges": value,
                "priority": value,
            },
        ],
        "sku": value,
        "publicNetworkAccess": value,
        "apiServerAccessProfile": {"authorizedIPRanges": value},
        "virtualNetworkSubnetResourceId": value,
        "privateLinkServiceConnections": value,
        "agentPoolProfiles": value,
        "remoteAddressSpace": {"addressPrefixes": value},
    }
    resources = [
        WireResource(f"azure-native:{t}", t.split(":")[1].lower(), fields) for t in ODD_TYPES
    ]
    for stack in ("test", "prod"):
        report = pack_for(packs, stack, {}).analyze(resources)
        assert not [d for d in report.diagnostics if "could not evaluate" in d.message], (
            report.diagnostics
        )
