"""Landing-zone stacks: central DNS zones, policy-managed zone groups, sovereign clouds."""

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from conftest import ROOT, stack_config, with_changes
from private_acr_preview.cli import main
from private_acr_preview.program import ProgramRun, run_program
from private_acr_tasks.errors import ConfigError
from private_acr_tasks.settings import load_settings

HUB = "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones"
DEV = stack_config("dev")


def plan(**changes: Any) -> ProgramRun:
    config = with_changes(DEV, **changes)
    load_settings(config)  # a refused config fails here, with its message
    return run_program(ROOT, "dev", loaded=("private-acr-tasks", config))


def problems(config: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    return list(caught.value.problems)


def of_type(run: ProgramRun, kind: str) -> list[str]:
    return sorted(r.name for r in run.resources if r.type.endswith(f":{kind}"))


def test_central_zones_are_used_and_none_is_created() -> None:
    run = plan(
        dns__zoneIds={
            "registry": f"{HUB}/privatelink.azurecr.io",
            "blob": f"{HUB}/privatelink.blob.core.windows.net",
        }
    )
    assert of_type(run, "PrivateZone") == []
    assert of_type(run, "VirtualNetworkLink") == []
    zone_ids = [
        r.inputs["privateDnsZoneConfigs"][0]["privateDnsZoneId"]
        for r in run.resources
        if r.type.endswith(":PrivateDnsZoneGroup")
    ]
    assert sorted(zone_ids) == [
        f"{HUB}/privatelink.azurecr.io",
        f"{HUB}/privatelink.blob.core.windows.net",
    ]


def test_a_purpose_without_a_central_zone_still_gets_its_own() -> None:
    run = plan(dns__zoneIds={"registry": f"{HUB}/privatelink.azurecr.io"})
    assert of_type(run, "PrivateZone") == ["artifacts-blob-zone"]


def test_policy_managed_zone_groups_create_no_zone_group() -> None:
    run = plan(
        dns__zoneIds={
            "registry": f"{HUB}/privatelink.azurecr.io",
            "blob": f"{HUB}/privatelink.blob.core.windows.net",
        },
        dns__zoneGroups="policy",
    )
    assert of_type(run, "PrivateDnsZoneGroup") == []
    assert of_type(run, "PrivateEndpoint") == ["artifacts-blob-pe", "registry-endpoint-pe"]


def test_azure_government_uses_its_own_zone_names() -> None:
    config = with_changes(DEV)
    config["azure-native:environment"] = "usgovernment"
    config["azure-native:location"] = "usgovvirginia"
    run = run_program(ROOT, "dev", loaded=("private-acr-tasks", config))
    zones = {r.inputs["privateZoneName"] for r in run.resources if r.type.endswith(":PrivateZone")}
    assert zones == {"privatelink.azurecr.us", "privatelink.blob.core.usgovcloudapi.net"}


@pytest.mark.parametrize(
    ("zone_ids", "message"),
    [
        (
            {"registry": "privatelink.azurecr.io"},
            "dns.zoneIds.registry: got 'privatelink.azurecr.io'; expected the ARM id of a private DNS zone",
        ),
        (
            {"registri": f"{HUB}/privatelink.azurecr.io"},
            "dns.zoneIds.registri: got 'registri'; expected one of registry, blob, vault",
        ),
        (
            {"blob": f"{HUB}/privatelink.azurecr.io"},
            "dns.zoneIds.blob: names the zone privatelink.azurecr.io, but blob endpoints in the public cloud resolve through privatelink.blob.core.windows.net",
        ),
    ],
)
def test_bad_central_zone_ids_are_refused_by_key(zone_ids: dict[str, str], message: str) -> None:
    assert any(message in p for p in problems(with_changes(DEV, dns__zoneIds=zone_ids)))


def test_a_public_zone_id_in_a_government_stack_is_refused() -> None:
    config = with_changes(DEV, dns__zoneIds={"registry": f"{HUB}/privatelink.azurecr.io"})
    config["azure-native:environment"] = "usgovernment"
    config["azure-native:location"] = "usgovvirginia"
    assert any(
        "usgovernment cloud resolve through privatelink.azurecr.us" in p for p in problems(config)
    )


def test_an_unknown_cloud_is_refused() -> None:
    config = dict(DEV)
    config["azure-native:environment"] = "germany"
    assert (
        "azure-native:environment: got 'germany'; expected one of public, usgovernment, china"
        in problems(config)
    )


def test_zone_groups_take_only_managed_or_policy() -> None:
    assert any(
        p.startswith("dns.zoneGroups: got 'azure'")
        for p in problems(with_changes(DEV, dns__zoneGroups="azure"))
    )


# The example stacks, through the offline preview as `make preview` runs them -----------------

SPOKE_SNAPSHOT = ROOT / "examples" / "existing" / "spoke.json"
SPOKE_POLICY = ROOT / "policies" / "config" / "spoke.json"
SPOKE_SUBNETS: dict[str, str] = yaml.safe_load((ROOT / "Pulumi.spoke.yaml").read_text())["config"][
    "private-acr-tasks:network"
]["existingSubnetIds"]


def preview(tmp_path: Path, stack: str, *extra: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / f"{stack}.json"
    code = main(["--stack", stack, "--program", str(ROOT), "--json", str(out), *extra])
    return code, json.loads(out.read_text()) if out.exists() else {}


def test_the_spoke_plan_creates_no_network_and_uses_the_given_subnets(tmp_path: Path) -> None:
    code, plan = preview(
        tmp_path, "spoke", "--existing", str(SPOKE_SNAPSHOT), "--policy-config", str(SPOKE_POLICY)
    )
    assert code == 0
    types = {r["type"].rsplit(":", 1)[-1] for r in plan["resources"]}
    assert not types & {
        "VirtualNetwork",
        "Subnet",
        "NetworkSecurityGroup",
        "PrivateZone",
        "PrivateDnsZoneGroup",
    }
    by_type = {r["type"].rsplit(":", 1)[-1]: r for r in plan["resources"]}
    endpoints = [r for r in plan["resources"] if r["type"].endswith(":PrivateEndpoint")]
    assert {e["inputs"]["subnet"]["id"] for e in endpoints} == {SPOKE_SUBNETS["privateEndpoint"]}
    assert (
        by_type["AgentPool"]["inputs"]["virtualNetworkSubnetResourceId"] == SPOKE_SUBNETS["agent"]
    )
    profile = by_type["ManagedCluster"]["inputs"]["agentPoolProfiles"][0]
    assert profile["vnetSubnetID"] == SPOKE_SUBNETS["aks"]


def broken_snapshot(tmp_path: Path, change: Callable[[list[dict[str, Any]]], None]) -> Path:
    snapshot = json.loads(SPOKE_SNAPSHOT.read_text())
    change(snapshot)
    path = tmp_path / "existing.json"
    path.write_text(json.dumps(snapshot))
    return path


def deny_storage(snapshot: list[dict[str, Any]]) -> None:
    nsg = next(r for r in snapshot if r["type"] == "Microsoft.Network/networkSecurityGroups")
    nsg["securityRules"].insert(
        0,
        {
            "name": "deny-storage",
            "priority": 100,
            "direction": "Outbound",
            "access": "Deny",
            "protocol": "Tcp",
            "sourceAddressPrefix": "*",
            "sourcePortRange": "*",
            "destinationAddressPrefix": "Storage",
            "destinationPortRange": "443",
        },
    )


def drop_storage_endpoint(snapshot: list[dict[str, Any]]) -> None:
    agents = snapshot[0]["subnets"][0]
    agents["serviceEndpoints"] = [
        e for e in agents["serviceEndpoints"] if e["service"] != "Microsoft.Storage"
    ]


@pytest.mark.parametrize(
    ("change", "missing"),
    [
        (deny_storage, "its NSG blocks TCP 443 to Storage (rule 'deny-storage', priority 100)"),
        (drop_storage_endpoint, "lacks the service endpoint(s) Microsoft.Storage"),
    ],
    ids=["nsg-denies-storage", "no-storage-endpoint"],
)
def test_an_existing_network_that_cannot_host_builds_is_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: Callable[[list[dict[str, Any]]], None],
    missing: str,
) -> None:
    snapshot = broken_snapshot(tmp_path, change)
    code, _ = preview(
        tmp_path, "spoke", "--existing", str(snapshot), "--policy-config", str(SPOKE_POLICY)
    )
    err = capsys.readouterr().err
    assert code == 2
    assert f"network.existingSubnetIds.agent {SPOKE_SUBNETS['agent']}: {missing}" in err
    assert err.count("\n  - ") == 1 and "Traceback" not in err


def test_without_a_snapshot_the_existing_network_is_said_to_be_unverified(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = preview(tmp_path, "spoke", "--policy-config", str(SPOKE_POLICY))
    out = capsys.readouterr().out
    assert code == 0
    assert "not verified" in out and "snet-agents" in out


def test_the_government_plan_uses_government_names(tmp_path: Path) -> None:
    code, plan = preview(tmp_path, "gov")
    assert code == 0
    assert plan["outputs"]["loginServer"].endswith(".azurecr.us")
    zones = {
        r["inputs"]["privateZoneName"]
        for r in plan["resources"]
        if r["type"].endswith(":PrivateZone")
    }
    assert "privatelink.azurecr.us" in zones


def test_policy_managed_zone_groups_need_the_central_zone_of_every_endpoint() -> None:
    found = problems(
        with_changes(
            DEV,
            dns__zoneIds={"registry": f"{HUB}/privatelink.azurecr.io"},
            dns__zoneGroups="policy",
        )
    )
    assert any(
        p.startswith("dns.zoneIds: dns.zoneGroups is policy") and "for blob" in p for p in found
    )


def test_government_builds_sign_in_to_the_government_cloud() -> None:
    run = run_program(ROOT, "gov")
    for output in ("podManifest", "buildJobManifest"):
        script = run.outputs[output]
        assert "az cloud set --name AzureUSGovernment" in script, output
        assert script.index("az cloud set") < script.index("az login"), output
    task = next(r for r in run.resources if r.type == "azure-native:containerregistry:Task")
    values = {v["name"]: v["value"] for v in task.inputs["step"]["values"]}
    assert values["azureCloud"] == "AzureUSGovernment"
    assert (
        "az cloud set --name {{.Values.azureCloud}}"
        in base64.b64decode(task.inputs["step"]["encodedTaskContent"]).decode()
    )


def test_a_pool_subnet_with_existing_subnets_is_refused_naming_the_pools_key() -> None:
    spoke = stack_config("spoke")
    config = with_changes(spoke, agentPools={"heavy": {"count": 1, "subnet": "10.50.3.0/24"}})
    found = problems(config)
    assert any(p.startswith("agentPools.heavy.subnet: a pool subnet of its own") for p in found), (
        found
    )


AKS_ZONE = f"{HUB}/privatelink.eastus2.azmk8s.io"


def test_a_central_aks_zone_in_dns_zone_ids_reaches_the_cluster() -> None:
    run = plan(dns__zoneIds={"aks": AKS_ZONE})
    cluster = next(r for r in run.resources if r.type.endswith(":ManagedCluster"))
    assert cluster.inputs["apiServerAccessProfile"]["privateDNSZone"] == AKS_ZONE


def test_a_central_aks_zone_is_granted_on_the_zone_and_the_vnet_what_learn_requires() -> None:
    # Learn, aks/private-clusters: a custom zone needs "the Private DNS Zone Contributor and
    # Network Contributor roles"; its example scopes them to the zone and the cluster's VNet.
    # GUIDs from Learn's "Azure built-in roles" (networking.md).
    zone_contributor = "b12aa53e-6015-4669-85d0-8515ebb3ae7f"
    network_contributor = "4d97b98b-1d4f-4787-a291-c67834d212e7"
    run = plan(dns__zoneIds={"aks": AKS_ZONE}, aks__grantDnsZoneAccess=True)
    vnet = next(r for r in run.resources if r.name == "network-vnet").outputs["id"]
    identity = next(r for r in run.resources if r.name == "aks-identity").outputs["principalId"]
    granted = {
        (r.inputs["scope"], r.inputs["roleDefinitionId"].rsplit("/", 1)[-1])
        for r in run.resources
        if r.type.endswith(":RoleAssignment") and r.inputs["principalId"] == identity
    }
    assert (AKS_ZONE, zone_contributor) in granted
    assert (vnet, network_contributor) in granted
    cluster = next(r for r in run.resources if r.type.endswith(":ManagedCluster"))
    for name in ("aks-dns-zone-access", "aks-vnet-access"):
        assert next(r for r in run.resources if r.name == name).urn in cluster.dependencies


def test_user_defined_routing_needs_the_platforms_subnets() -> None:
    found = problems(with_changes(DEV, aks__outboundType="userDefinedRouting"))
    assert any(
        p.startswith("aks.outboundType: userDefinedRouting needs a route table") for p in found
    )
    spoke = with_changes(stack_config("spoke"), aks__outboundType="userDefinedRouting")
    assert load_settings(spoke).aks.outbound_type == "userDefinedRouting"


def test_an_aks_zone_of_another_region_is_refused_naming_its_config_key() -> None:
    found = problems(
        with_changes(DEV, dns__zoneIds={"aks": AKS_ZONE.replace("eastus2", "westus3")})
    )
    assert any(
        p.startswith("dns.zoneIds.aks: names the zone of westus3")
        and "(azure-native:location)" in p
        for p in found
    ), found


def test_the_spoke_report_says_its_endpoint_records_are_left_to_azure_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, plan = preview(
        tmp_path, "spoke", "--existing", str(SPOKE_SNAPSHOT), "--policy-config", str(SPOKE_POLICY)
    )
    out = capsys.readouterr().out
    assert code == 0 and plan["policy"]["violations"] == []
    note = next(line for line in out.splitlines() if "left to Azure Policy" in line)
    assert note.strip().startswith("- registry-private-endpoint-dns (PrivateEndpoint registry-")
    [entry] = [n for n in plan["policy"]["notChecked"] if "left to Azure Policy" in n["reason"]]
    assert (entry["source"], entry["policy"]) == ("policy", "registry-private-endpoint-dns")
    assert entry["urn"].endswith("::registry-endpoint-pe")


SPOKE_SUBSCRIPTION = "5a6b7c8d-1111-4222-8333-944455556666"


def spoke_network(**changes: Any) -> dict[str, Any]:
    network = json.loads(stack_config("spoke")["private-acr-tasks:network"])
    return {**network, **changes}


def test_existing_subnets_of_another_subscription_than_the_stacks_are_refused_by_key() -> None:
    # The subscription named once in the config: the settings refuse it before the preview runs.
    other = "0a0b0c0d-aaaa-4bbb-8ccc-0d0e0f101112"
    ids = {
        role: subnet.replace(SPOKE_SUBSCRIPTION, other)
        for role, subnet in spoke_network()["existingSubnetIds"].items()
    }
    config = {
        **stack_config("spoke"),
        "private-acr-tasks:network": json.dumps(spoke_network(existingSubnetIds=ids)),
    }
    (problem,) = problems(config)
    assert problem.startswith(
        f"network.existingSubnetIds: the network is in subscription {other}, but the stack "
        f"deploys to subscription {SPOKE_SUBSCRIPTION} (azure-native:subscriptionId)"
    )


def test_an_existing_vnet_of_another_subscription_is_refused_when_the_provider_says_so(
    tmp_path: Path,
) -> None:
    # No subscription in the config: the provider's comes from its credentials, which the
    # preflight asks (getClientConfig) before anything registers; the snapshot's one
    # subscription stands for them offline.
    vnet = f"/subscriptions/{'1' * 8}-1111-4111-8111-{'1' * 12}/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke"
    config = {
        **stack_config("spoke"),
        "private-acr-tasks:network": json.dumps(
            {
                **{k: v for k, v in spoke_network().items() if k != "existingSubnetIds"},
                "existingVnetId": vnet,
            }
        ),
    }
    del config["azure-native:subscriptionId"]
    load_settings(config)
    with pytest.raises(
        pulumi.RunError, match=r"network\.existingVnetId: the network is in subscription 1{8}-"
    ):
        run_program(
            ROOT,
            "spoke",
            loaded=("private-acr-tasks", config),
            existing=json.loads((ROOT / "examples/existing/spoke.json").read_text()),
        )


def test_a_bad_firewall_policy_id_is_reported_with_the_other_network_problems() -> None:
    found = problems(
        with_changes(DEV, network__firewallPolicyId="fw-hub", network__agentSubnet="10.40.1.0/33")
    )
    assert {p.split(":")[0] for p in found} == {"network.firewallPolicyId", "network.agentSubnet"}


@pytest.mark.parametrize(
    "policy",
    [
        # Another provider namespace, another type of Microsoft.Network, a child of a policy.
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/firewallPolicies/fw",
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/fw",
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/firewallPolicies/fw/ruleCollectionGroups/g",
    ],
)
def test_a_firewall_policy_id_of_another_kind_is_refused(policy: str) -> None:
    assert problems(with_changes(DEV, network__firewallPolicyId=policy)) == [
        f"network.firewallPolicyId: got {policy!r}; expected the ARM id of an Azure Firewall "
        "policy (.../providers/Microsoft.Network/firewallPolicies/<name>)"
    ]


def test_a_firewall_policy_id_in_any_letter_case_is_accepted() -> None:
    policy = "/SUBSCRIPTIONS/s/RESOURCEGROUPS/rg/PROVIDERS/microsoft.network/FIREWALLPOLICIES/fw"
    assert load_settings(with_changes(DEV, network__firewallPolicyId=policy))
