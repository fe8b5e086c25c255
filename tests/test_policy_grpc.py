"""The pack as the Pulumi CLI runs it: a subprocess driven over the analyzer gRPC protocol."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import proxy

from conftest import ROOT
from private_acr_preview import analyzer
from private_acr_preview.program import ProgramRun, RecordedResource

PACK = ROOT / "policies"
FIXED_NAMES = {
    "docker-bridge-cidr-conflict",
    "aks-network-cidr-plan",
    "vnet-subnet-cidr-integrity",
    "agent-pool-egress-rules",
    "agent-pool-premium-registry",
    "registry-private-access",
    "registry-private-endpoint-dns",
}


def drive(
    resources: list[RecordedResource], overrides: dict[str, Any] | None = None
) -> analyzer.PolicyReport:
    run = ProgramRun(project="grpc", stack="test", config={}, resources=resources)
    pack = analyzer.PolicyPackProcess(PACK, project="grpc", stack="test", config={})
    return analyzer.analyze(pack, run, overrides or {})


def resource(type_: str, name: str, inputs: dict[str, Any], **deps: list[str]) -> RecordedResource:
    urn = f"urn:pulumi:test::grpc::{type_}::{name}"
    return RecordedResource(
        urn,
        type_,
        name,
        True,
        "",
        [u for v in deps.values() for u in v],
        dict(deps),
        False,
        inputs,
        inputs,
    )


def test_analyzer_info_carries_names_levels_and_metadata() -> None:
    report = drive([])
    names = {p["name"] for p in report.policies}
    assert names >= FIXED_NAMES
    levels = {p["name"]: p["level"] for p in report.policies}
    assert (
        levels["docker-bridge-cidr-conflict"] == "mandatory"
        and levels["subnet-requires-nsg"] == "advisory"
    )
    assert all(p["severity"] != "unspecified" for p in report.policies)


def test_dev_stack_passes(dev_run: ProgramRun) -> None:
    pack = analyzer.PolicyPackProcess(
        PACK, project=dev_run.project, stack="dev", config=dev_run.config
    )
    report = analyzer.analyze(pack, dev_run, {})
    assert report.violations == []
    assert {n["policy"] for n in report.not_applicable} >= {"registry-private-access"}


def test_violation_names_policy_urn_level_and_description() -> None:
    vnet = resource(
        "azure-native:network/v20240501:VirtualNetwork",
        "vnet",
        {"addressSpace": {"addressPrefixes": ["172.16.0.0/12"]}},
    )
    report = drive([vnet])
    [violation] = [v for v in report.violations if v.policy == "docker-bridge-cidr-conflict"]
    assert (violation.urn, violation.level, violation.severity) == (
        vnet.urn,
        "mandatory",
        "critical",
    )
    assert violation.message.startswith(
        "No address range in the stack may overlap the Docker bridge"
    )
    assert "addressSpace.addressPrefixes[0] 172.16.0.0/12 overlaps" in violation.message


def test_unknown_preview_values_never_abort() -> None:
    unknown = proxy.UNKNOWN_STRING_VALUE
    resources = [
        resource(
            "azure-native:containerregistry:Registry",
            "acr",
            {"sku": {"name": "Premium"}, "publicNetworkAccess": unknown},
        ),
        resource(
            "azure-native:network:Subnet",
            "s",
            {"addressPrefix": unknown, "networkSecurityGroup": {"id": unknown}},
        ),
        resource(
            "azure-native:containerservice:ManagedCluster",
            "aks",
            {
                "networkProfile": {"serviceCidr": unknown, "dnsServiceIP": "10.0.0.10"},
                "apiServerAccessProfile": {"enablePrivateCluster": proxy.UNKNOWN_BOOLEAN_VALUE},
            },
        ),
        resource(
            "azure-native:containerregistry:AgentPool",
            "pool",
            {"virtualNetworkSubnetResourceId": unknown, "registryName": unknown},
        ),
    ]
    report = drive(resources)
    assert {"registry-private-access", "aks-api-server-exposure"} <= {
        n["policy"] for n in report.not_applicable
    }
    assert not [v for v in report.violations if "could not evaluate" in v.message]


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
]


@pytest.mark.parametrize("value", ODD_VALUES, ids=[json.dumps(v) for v in ODD_VALUES])
def test_odd_inputs_give_a_verdict_not_an_exception(value: Any) -> None:
    fields = {
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
    }
    types = [
        "network:VirtualNetwork",
        "network:Subnet",
        "network:NetworkSecurityGroup",
        "network:SecurityRule",
        "containerservice:ManagedCluster",
        "containerregistry:Registry",
        "containerregistry:AgentPool",
        "network:PrivateEndpoint",
        "network:PrivateDnsZoneGroup",
        "privatedns:VirtualNetworkLink",
    ]
    report = drive([resource(f"azure-native:{t}", t.split(":")[1].lower(), fields) for t in types])
    assert not [v for v in report.violations if "could not evaluate" in v.message], (
        report.violations
    )


def test_configure_sends_an_explicit_level_for_every_policy() -> None:
    info = [
        analyzer_pb2.PolicyInfo(name="a", enforcementLevel=analyzer_pb2.MANDATORY),
        analyzer_pb2.PolicyInfo(name="b", enforcementLevel=analyzer_pb2.ADVISORY),
    ]
    configured = analyzer.reconcile_config(info, {"b": "disabled"})
    assert configured["a"].enforcementLevel == analyzer_pb2.MANDATORY
    assert configured["b"].enforcementLevel == analyzer_pb2.DISABLED
