"""Each policy: passing, failing and not-applicable inputs, with the URN and message reported.

The passing case is the real dev stack (outputs as AnalyzeStack sees them); failing cases
change one thing in it, so each test shows which change a policy catches.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from private_acr_policies import (
    agent_pool,
    aks_access,
    aks_network_plan,
    docker_bridge,
    nsg,
    registry,
    vnet_integrity,
)
from private_acr_policies._model import UNKNOWN, Resource, Stack
from private_acr_policies._policy import Finding, NotApplicable
from private_acr_preview.program import ProgramRun


def model(run: ProgramRun) -> list[Resource]:
    return [
        Resource(
            r.type,
            r.urn,
            r.name,
            copy.deepcopy(r.outputs or r.inputs),
            copy.deepcopy(r.property_dependencies),
            r.protect,
        )
        for r in run.resources
    ]


def find(resources: list[Resource], name: str) -> Resource:
    return next(r for r in resources if r.name == name)


def extra(type_: str, name: str, props: dict[str, Any], **deps: list[str]) -> Resource:
    return Resource(
        type_, f"urn:pulumi:dev::private-acr-tasks::{type_}::{name}", name, props, dict(deps)
    )


def stack_findings(check: Any, resources: list[Resource], **config: Any) -> list[Finding]:
    return check(Stack(resources), config)


@pytest.fixture
def dev(dev_run: ProgramRun) -> list[Resource]:
    return model(dev_run)


# docker-bridge-cidr-conflict ------------------------------------------------------------


def bridge(resources: list[Resource], **config: Any) -> list[Finding]:
    return stack_findings(
        docker_bridge.check, resources, **{"dockerBridgeCidr": "172.17.0.0/16", **config}
    )


def test_bridge_passes_dev(dev: list[Resource]) -> None:
    assert bridge(dev) == []


def test_bridge_catches_custom_dns_server_on_the_vnet(dev: list[Resource]) -> None:
    vnet = find(dev, "network-vnet")
    vnet.props["dhcpOptions"] = {"dnsServers": ["172.17.0.53"]}
    [finding] = bridge(dev)
    assert finding.urn == vnet.urn
    assert (
        "dhcpOptions.dnsServers[0] 172.17.0.53 overlaps the Docker bridge 172.17.0.0/16"
        in finding.message
    )


def test_bridge_catches_plural_fields_and_attributes_each(dev: list[Resource]) -> None:
    subnet = find(dev, "network-aks-subnet")
    subnet.props["addressPrefixes"] = ["10.40.8.0/21", "172.17.4.0/24"]
    cluster = find(dev, "aks-cluster")
    cluster.props["networkProfile"]["podCidrs"] = ["172.16.0.0/12"]
    urns = {f.urn for f in bridge(dev)}
    assert urns == {subnet.urn, cluster.urn}


def test_bridge_checks_explicit_fields_of_old_api_versions(dev: list[Resource]) -> None:
    old = extra(
        "azure-native:containerservice/v20220402preview:ManagedCluster",
        "legacy",
        {"networkProfile": {"dockerBridgeCidr": "10.40.0.1/16"}},
    )
    findings = bridge([*dev, old])
    assert findings and all(f.urn == old.urn for f in findings)
    assert (
        "networkProfile.dockerBridgeCidr 10.40.0.1/16 overlaps network-vnet" in findings[0].message
    )


def test_bridge_ignores_ipv6_and_honours_config(dev: list[Resource]) -> None:
    find(dev, "network-vnet").props["addressSpace"]["addressPrefixes"].append("fd00::/8")
    assert bridge(dev) == []
    assert {f.urn for f in bridge(dev, dockerBridgeCidr="10.40.0.0/24")} == {
        find(dev, "network-vnet").urn
    }


def test_bridge_reports_bad_config_without_raising(dev: list[Resource]) -> None:
    [finding] = bridge(dev, dockerBridgeCidr="docker0")
    assert finding.urn is None and "not a CIDR" in finding.message


# aks-network-cidr-plan --------------------------------------------------------------------


def plan(resources: list[Resource]) -> list[Finding]:
    return stack_findings(aks_network_plan.check, resources)


def test_plan_passes_dev(dev: list[Resource]) -> None:
    assert plan(dev) == []


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        ({"dnsServiceIP": "10.101.0.10"}, "networkProfile.dnsServiceIP: 10.101.0.10 is not inside"),
        ({"dnsServiceIP": "10.100.0.1"}, "first address"),
        (
            {"serviceCidr": "10.40.0.0/16", "dnsServiceIP": "10.40.0.10"},
            "overlaps network-vnet addressSpace",
        ),
        ({"serviceCidr": "10.0.0.0/11", "dnsServiceIP": "10.0.0.10"}, "too large"),
        ({"podCidr": "172.30.0.0/16"}, "AKS reserves"),
        (
            {"podCidr": None, "podCidrs": ["10.100.128.0/17"]},
            "overlaps aks-cluster networkProfile.podCidrs[0]",
        ),
        ({"serviceCidr": "10.100.0.0/33"}, "is not a CIDR"),
    ],
)
def test_plan_catches(dev: list[Resource], profile: dict[str, Any], expected: str) -> None:
    cluster = find(dev, "aks-cluster")
    cluster.props["networkProfile"].update(profile)
    findings = plan(dev)
    assert findings and all(f.urn == cluster.urn for f in findings)
    assert any(expected in f.message for f in findings), findings


def test_plan_ignores_pod_cidr_where_azure_cni_does_not_use_it(dev: list[Resource]) -> None:
    profile = find(dev, "aks-cluster").props["networkProfile"]
    profile.update({"networkPluginMode": None, "podCidr": "10.40.0.0/16"})
    assert plan(dev) == []


# vnet-subnet-cidr-integrity ---------------------------------------------------------------


def integrity(resources: list[Resource]) -> list[Finding]:
    return stack_findings(vnet_integrity.check, resources)


def test_integrity_passes_dev(dev: list[Resource]) -> None:
    assert integrity(dev) == []


def test_integrity_catches_a_subnet_outside_the_vnet(dev: list[Resource]) -> None:
    subnet = find(dev, "network-aks-subnet")
    subnet.props["addressPrefix"] = "10.41.8.0/21"
    [finding] = integrity(dev)
    assert (
        finding.urn == subnet.urn
        and "is not inside the address space of network-vnet" in finding.message
    )


def test_integrity_catches_overlapping_siblings_inline_and_standalone(dev: list[Resource]) -> None:
    vnet = find(dev, "network-vnet")
    vnet.props["subnets"] = [{"name": "inline", "addressPrefix": "10.40.1.128/25"}]
    [finding] = integrity(dev)
    assert "overlaps" in finding.message and "10.40.1.0/24" in finding.message


@pytest.mark.parametrize(
    ("prefix", "why"),
    [("10.40.8.1/21", "host bits"), ("10.40.8.0/40", "not a valid CIDR"), ("", "not a valid")],
)
def test_integrity_reports_invalid_prefixes(dev: list[Resource], prefix: str, why: str) -> None:
    subnet = find(dev, "network-aks-subnet")
    subnet.props["addressPrefix"] = prefix
    if not prefix:
        subnet.props["addressPrefixes"] = ["x"]
    findings = integrity(dev)
    assert any(f.urn == subnet.urn and why in f.message for f in findings), findings


def test_integrity_scales_to_thousands_of_subnets() -> None:
    vnet = extra(
        "azure-native:network:VirtualNetwork",
        "big",
        {"name": "big", "addressSpace": {"addressPrefixes": ["10.0.0.0/8"]}},
    )
    subnets = [
        extra(
            "azure-native:network:Subnet",
            f"s{i}",
            {"addressPrefix": f"10.{i // 256}.{i % 256}.0/24", "virtualNetworkName": "big"},
        )
        for i in range(5000)
    ]
    subnets.append(
        extra(
            "azure-native:network:Subnet",
            "dup",
            {"addressPrefix": "10.3.7.0/25", "virtualNetworkName": "big"},
        )
    )
    findings = integrity([vnet, *subnets])
    assert [f.urn for f in findings] == [subnets[-1].urn]


# agent-pool-egress-rules and agent-pool-premium-registry ---------------------------------


def test_egress_passes_dev(dev: list[Resource]) -> None:
    assert stack_findings(agent_pool.check_egress, dev) == []


def test_egress_catches_a_standalone_deny_rule_above_the_allows(dev: list[Resource]) -> None:
    nsg_resource = find(dev, "network-agent-nsg")
    deny = extra(
        "azure-native:network:SecurityRule",
        "deny-internet",
        {
            "securityRuleName": "deny-internet",
            "priority": 100,
            "direction": "Outbound",
            "access": "Deny",
            "protocol": "*",
            "destinationAddressPrefix": "Internet",
            "destinationPortRange": "*",
            "sourceAddressPrefix": "*",
        },
        networkSecurityGroupName=[nsg_resource.urn],
    )
    findings = stack_findings(agent_pool.check_egress, [*dev, deny])
    pool = find(dev, "build-pool")
    assert len(findings) == 6 and {f.urn for f in findings} == {pool.urn}
    assert (
        "blocks TCP 443 to AzureKeyVault" in findings[0].message
        and "'deny-internet', priority 100" in findings[0].message
    )


def test_egress_without_an_nsg_is_not_blocked(dev: list[Resource]) -> None:
    find(dev, "network-agent-subnet").props.pop("networkSecurityGroup")
    assert stack_findings(agent_pool.check_egress, dev) == []


def test_premium_catches_a_standard_registry(dev: list[Resource]) -> None:
    assert stack_findings(agent_pool.check_premium, dev) == []
    find(dev, "registry-acr").props["sku"] = {"name": "Standard"}
    [finding] = stack_findings(agent_pool.check_premium, dev)
    assert finding.urn == find(dev, "build-pool").urn and "is Standard" in finding.message


# registry-private-access ------------------------------------------------------------------


def access(props: dict[str, Any]) -> list[str]:
    return registry.check_access(extra("azure-native:containerregistry:Registry", "acr", props), {})


def test_access_passes_private_registry(dev: list[Resource]) -> None:
    assert registry.check_access(find(dev, "registry-acr"), {}) == []
    assert (
        access({"publicNetworkAccess": "Enabled", "networkRuleSet": {"defaultAction": "Deny"}})
        == []
    )


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"publicNetworkAccess": "Enabled"}, "reachable from any network"),
        ({}, "reachable from any network"),
        ({"publicNetworkAccess": "Disabled", "adminUserEnabled": True}, "adminUserEnabled"),
        ({"publicNetworkAccess": "disabled", "anonymousPullEnabled": True}, "anonymousPullEnabled"),
    ],
)
def test_access_catches(props: dict[str, Any], expected: str) -> None:
    assert any(expected in p for p in access(props))


def test_access_is_not_applicable_when_unknown() -> None:
    with pytest.raises(NotApplicable):
        access({"publicNetworkAccess": UNKNOWN})


# registry-private-endpoint-dns ------------------------------------------------------------


def endpoint_dns(resources: list[Resource]) -> list[Finding]:
    return stack_findings(registry.check_endpoint_dns, resources)


def test_endpoint_dns_passes_dev(dev: list[Resource]) -> None:
    assert endpoint_dns(dev) == []


def test_endpoint_dns_catches_a_missing_endpoint(dev: list[Resource]) -> None:
    rest = [r for r in dev if r.name not in ("registry-endpoint-pe", "registry-endpoint-dns")]
    [finding] = endpoint_dns(rest)
    assert finding.urn == find(dev, "registry-acr").urn and "no private endpoint" in finding.message


def test_endpoint_dns_catches_a_missing_zone_group(dev: list[Resource]) -> None:
    [finding] = endpoint_dns([r for r in dev if r.name != "registry-endpoint-dns"])
    assert (
        finding.urn == find(dev, "registry-endpoint-pe").urn
        and "no DNS zone group" in finding.message
    )


def test_endpoint_dns_catches_a_zone_not_linked_to_the_build_vnet(dev: list[Resource]) -> None:
    [finding] = endpoint_dns([r for r in dev if r.name != "registry-endpoint-link-build"])
    assert finding.urn == find(dev, "registry-endpoint-zone").urn
    assert "not linked to VNet network-vnet" in finding.message


def test_endpoint_dns_catches_a_full_endpoint_subnet(dev: list[Resource]) -> None:
    find(dev, "network-pe-subnet").props["addressPrefix"] = "10.40.2.0/29"
    replica = extra(
        "azure-native:containerregistry:Replication",
        "westus",
        {},
        registryName=[find(dev, "registry-acr").urn],
    )
    [finding] = endpoint_dns([*dev, replica])
    assert finding.urn == find(dev, "network-pe-subnet").urn and "need 4" in finding.message


def test_endpoint_dns_not_applicable_without_premium_registry(dev: list[Resource]) -> None:
    with pytest.raises(NotApplicable):
        endpoint_dns([r for r in dev if r.name != "registry-acr"])


# aks-api-server-exposure and aks-local-accounts-and-rbac ----------------------------------


def cluster(props: dict[str, Any]) -> Resource:
    return extra("azure-native:containerservice:ManagedCluster", "aks", props)


@pytest.mark.parametrize(
    ("profile", "ok"),
    [
        ({"enablePrivateCluster": True}, True),
        ({"authorizedIPRanges": ["203.0.113.0/24"]}, True),
        ({}, False),
        ({"authorizedIPRanges": ["203.0.113.0/24", "0.0.0.0/0"]}, False),
        ({"enablePrivateCluster": False, "authorizedIPRanges": []}, False),
    ],
)
def test_exposure(profile: dict[str, Any], ok: bool) -> None:
    problems = aks_access.check_exposure(cluster({"apiServerAccessProfile": profile}), {})
    assert (problems == []) is ok, problems


def test_exposure_not_applicable_when_unknown() -> None:
    with pytest.raises(NotApplicable):
        aks_access.check_exposure(
            cluster({"apiServerAccessProfile": {"enablePrivateCluster": UNKNOWN}}), {}
        )


def test_identity(dev: list[Resource]) -> None:
    assert aks_access.check_identity(find(dev, "aks-cluster"), {}) == []
    problems = aks_access.check_identity(
        cluster({"enableRBAC": False, "aadProfile": {"managed": True}}), {}
    )
    assert [p.split(": ")[1].split(" ")[0] for p in problems] == [
        "disableLocalAccounts",
        "aadProfile.enableAzureRBAC",
        "enableRBAC",
    ]


# nsg-internet-admin-ingress and subnet-requires-nsg ---------------------------------------


def rule(**fields: Any) -> dict[str, Any]:
    return {
        "name": "r",
        "priority": 100,
        "direction": "Inbound",
        "access": "Allow",
        "protocol": "Tcp",
        "sourceAddressPrefix": "Internet",
        "destinationPortRange": "22",
        **fields,
    }


@pytest.mark.parametrize(
    ("fields", "ports"),
    [
        ({}, "22"),
        ({"sourceAddressPrefix": "internet"}, "22"),
        ({"sourceAddressPrefix": None, "sourceAddressPrefixes": ["10.0.0.0/8", "0.0.0.0/0"]}, "22"),
        ({"destinationPortRange": None, "destinationPortRanges": ["20-25", "3389"]}, "22, 3389"),
        ({"protocol": "*", "destinationPortRange": "*"}, "22, 3389, 80"),
    ],
)
def test_ingress_catches(fields: dict[str, Any], ports: str) -> None:
    nsg_resource = extra(
        "azure-native:network:NetworkSecurityGroup",
        "nsg",
        {
            "securityRules": [
                rule(),
                rule(name="ok", sourceAddressPrefix="10.0.0.0/8"),
                rule(**fields),
            ]
        },
    )
    problems = nsg.check_ingress(nsg_resource, {"ports": [22, 3389, 80]})
    assert any(f"allows port(s) {ports} in" in p for p in problems), problems


@pytest.mark.parametrize(
    "fields",
    [
        {"sourceAddressPrefix": "10.0.0.0/8"},
        {"direction": "Outbound"},
        {"access": "Deny"},
        {"protocol": "Udp"},
        {"destinationPortRange": "443"},
    ],
)
def test_ingress_passes(fields: dict[str, Any]) -> None:
    standalone = extra("azure-native:network:SecurityRule", "r", rule(**fields))
    assert nsg.check_ingress(standalone, {"ports": [22, 3389, 80]}) == []


def test_subnet_requires_nsg(dev: list[Resource]) -> None:
    config = {"exemptSubnetNames": ["GatewaySubnet"]}
    assert nsg.check_subnet_nsg(find(dev, "network-agent-subnet"), config) == []
    bare = extra("azure-native:network:Subnet", "bare", {"addressPrefix": "10.0.0.0/24"})
    assert nsg.check_subnet_nsg(bare, config) == [
        "bare: subnet bare has no network security group."
    ]
    gateway = extra("azure-native:network:Subnet", "gw", {"subnetName": "GatewaySubnet"})
    assert nsg.check_subnet_nsg(gateway, config) == []
    vnet = extra(
        "azure-native:network:VirtualNetwork",
        "v",
        {"subnets": [{"name": "a"}, {"name": "b", "networkSecurityGroup": {"id": "x"}}]},
    )
    assert nsg.check_subnet_nsg(vnet, config) == ["v: subnet a has no network security group."]


# robustness: no check raises on any shape of input -----------------------------------------


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.sampled_from(
        [
            "10.0.0.0/16",
            "172.17.0.1/16",
            "::/0",
            "Internet",
            "*",
            "22",
            "20-30",
            "Premium",
            "Disabled",
            "registry",
            "x",
        ]
    )
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "addressPrefix",
                    "addressPrefixes",
                    "addressSpace",
                    "subnets",
                    "networkProfile",
                    "serviceCidr",
                    "podCidr",
                    "dnsServiceIP",
                    "securityRules",
                    "direction",
                    "access",
                    "sourceAddressPrefix",
                    "destinationPortRange",
                    "sku",
                    "name",
                    "groupIds",
                    "privateLinkServiceConnections",
                    "id",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)
TYPES = [
    "network:VirtualNetwork",
    "network:Subnet",
    "network:NetworkSecurityGroup",
    "network:SecurityRule",
    "containerservice:ManagedCluster",
    "containerregistry:Registry",
    "containerregistry:AgentPool",
    "network:PrivateEndpoint",
    "network:PrivateDnsZoneGroup",
    "privatedns:PrivateZone",
    "privatedns:VirtualNetworkLink",
]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(TYPES), st.dictionaries(st.text(max_size=12), json_values, max_size=6)
        ),
        max_size=8,
    )
)
def test_no_check_raises_on_random_input(shapes: list[tuple[str, dict[str, Any]]]) -> None:
    resources = [extra(f"azure-native:{t}", f"r{i}", props) for i, (t, props) in enumerate(shapes)]
    for check in (
        docker_bridge.check,
        aks_network_plan.check,
        vnet_integrity.check,
        agent_pool.check_egress,
        agent_pool.check_premium,
    ):
        check(Stack(resources), {"dockerBridgeCidr": "172.17.0.0/16"})
    with contextlib.suppress(NotApplicable):
        registry.check_endpoint_dns(Stack(resources), {})
    for r in resources:
        for resource_check in (
            registry.check_access,
            aks_access.check_exposure,
            aks_access.check_identity,
        ):
            with contextlib.suppress(NotApplicable):
                resource_check(r, {})
        nsg.check_ingress(r, {"ports": [22]})
        nsg.check_subnet_nsg(r, {"exemptSubnetNames": []})
