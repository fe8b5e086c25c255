"""AksCluster: network plan, identities and their rights, access to the API server, refused input."""

from collections.abc import Callable
from typing import Any

import pytest
from learn_facts import PRIVATE_DNS_ZONES, ROLE_IDS

from conftest import Refusal, by_name, children_of
from private_acr_preview.program import ProgramRun
from private_acr_tasks.aks import AksCluster, AksClusterArgs

Runner = Callable[[Callable[[], object]], ProgramRun]

NETWORK = "/subscriptions/sub/resourceGroups/rg-net/providers/Microsoft.Network"
SUBNET = f"{NETWORK}/virtualNetworks/vnet/subnets/aks"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB3owsUkn36WhXnTqsHMVaGwxJnIzgzP+3ZG/vs9pEDV a@b"
BASE: AksClusterArgs = {
    "resource_group_name": "rg",
    "location": "eastus2",
    "subscription_id": "sub",
    "subnet_id": SUBNET,
    "registry_id": "/x/registries/acr1",
    "dns_prefix": "aks-dev",
    "ssh_public_key": KEY,
    "vnet_ranges": ["10.40.0.0/16"],
}


def cluster_run(run_components: Runner, **changes: Any) -> ProgramRun:
    args: dict[str, Any] = {**BASE, **changes}
    return run_components(lambda: AksCluster("aks", args))  # pyright: ignore[reportArgumentType]


def test_the_component_holds_identity_rights_cluster_and_pull_role(run_components: Runner) -> None:
    assert children_of(cluster_run(run_components), "aks") == {
        ("azure-native:managedidentity:UserAssignedIdentity", "aks-identity"),
        ("azure-native:authorization:RoleDefinition", "aks-subnet-role"),
        ("azure-native:authorization:RoleAssignment", "aks-subnet-access"),
        ("azure-native:containerservice:ManagedCluster", "aks-cluster"),
        ("azure-native:authorization:RoleAssignment", "aks-acr-pull"),
    }


def test_network_is_cni_overlay_with_cilium_and_explicit_ranges(run_components: Runner) -> None:
    profile = by_name(cluster_run(run_components), "aks-cluster").inputs["networkProfile"]
    assert profile["networkPlugin"] == "azure" and profile["networkPluginMode"] == "overlay"
    assert profile["networkDataplane"] == "cilium" and profile["networkPolicy"] == "cilium"
    assert (profile["serviceCidr"], profile["dnsServiceIP"], profile["podCidr"]) == (
        "10.100.0.0/16",
        "10.100.0.10",
        "10.244.0.0/16",
    )


def test_nodes_sit_in_the_subnet_without_public_addresses(run_components: Runner) -> None:
    pool = by_name(cluster_run(run_components, node_count=3), "aks-cluster").inputs[
        "agentPoolProfiles"
    ][0]
    assert pool["vnetSubnetID"] == SUBNET and pool["count"] == 3
    assert pool["enableNodePublicIP"] is False


# Learn, aks/aks-service-permissions, "Additional AKS cluster identity permissions": a subnet
# of a custom VNet needs these two, and nothing more for this cluster's features.
SUBNET_ACTIONS = {
    "Microsoft.Network/virtualNetworks/subnets/join/action",
    "Microsoft.Network/virtualNetworks/subnets/read",
}


def test_control_plane_identity_may_join_the_subnet_before_the_cluster_exists(
    run_components: Runner,
) -> None:
    run = cluster_run(run_components)
    role = by_name(run, "aks-subnet-role")
    [permission] = role.inputs["permissions"]
    assert set(permission["actions"]) == SUBNET_ACTIONS
    assert len(permission["actions"]) == 2 and not permission.get("dataActions")
    group = "/subscriptions/sub/resourceGroups/rg-net"
    assert role.inputs["scope"] == group and role.inputs["assignableScopes"] == [group]
    assert role.inputs["roleName"] == "AKS node subnet (rg-net/vnet/aks)"
    access = by_name(run, "aks-subnet-access")
    assert access.inputs["scope"] == SUBNET
    assert access.inputs["roleDefinitionId"] == (
        f"/subscriptions/sub/providers/Microsoft.Authorization/roleDefinitions/{role.outputs['name']}"
    )
    assert access.inputs["principalId"] == by_name(run, "aks-identity").outputs["principalId"]
    assert access.urn in by_name(run, "aks-cluster").dependencies


def test_no_network_contributor_without_a_central_zone(run_components: Runner) -> None:
    run = cluster_run(run_components)
    contributor = ROLE_IDS["Network Contributor"]
    assert not [
        r
        for r in run.resources
        if r.type == "azure-native:authorization:RoleAssignment"
        and r.inputs["roleDefinitionId"].endswith(contributor)
    ]


def test_a_subnet_granted_by_its_owner_gets_no_role(run_components: Runner) -> None:
    run = cluster_run(run_components, grant_subnet_access=False)
    names = {name for _, name in children_of(run, "aks")}
    assert not names & {"aks-subnet-role", "aks-subnet-access"}


def test_kubelet_identity_may_pull_from_the_registry(run_components: Runner) -> None:
    run = cluster_run(run_components)
    pull = by_name(run, "aks-acr-pull").inputs
    kubelet = by_name(run, "aks-cluster").outputs["identityProfile"]["kubeletidentity"]
    assert pull["principalId"] == kubelet["objectId"]
    assert pull["scope"] == "/x/registries/acr1"
    assert pull["roleDefinitionId"].endswith(ROLE_IDS["AcrPull"])


def test_access_is_entra_id_with_azure_rbac_and_no_local_accounts(run_components: Runner) -> None:
    cluster = by_name(cluster_run(run_components), "aks-cluster").inputs
    assert cluster["aadProfile"]["managed"] is True
    assert cluster["aadProfile"]["enableAzureRBAC"] is True
    assert cluster["disableLocalAccounts"] is True and cluster["enableRBAC"] is True


def test_oidc_issuer_and_workload_identity_are_on(run_components: Runner) -> None:
    cluster = by_name(cluster_run(run_components), "aks-cluster").inputs
    assert cluster["oidcIssuerProfile"] == {"enabled": True}
    assert cluster["securityProfile"]["workloadIdentity"] == {"enabled": True}


def test_api_server_is_private_by_default(run_components: Runner) -> None:
    access = by_name(cluster_run(run_components), "aks-cluster").inputs["apiServerAccessProfile"]
    assert access == {"enablePrivateCluster": True}


def test_a_public_api_server_is_limited_to_the_authorized_ranges(run_components: Runner) -> None:
    run = cluster_run(
        run_components, private_cluster=False, authorized_ip_ranges=["203.0.113.0/24"]
    )
    access = by_name(run, "aks-cluster").inputs["apiServerAccessProfile"]
    assert access == {"enablePrivateCluster": False, "authorizedIPRanges": ["203.0.113.0/24"]}


def test_admin_groups_are_passed_to_entra_id(run_components: Runner) -> None:
    group = "00000000-0000-0000-0000-000000000001"
    run = cluster_run(run_components, admin_group_object_ids=[group])
    assert by_name(run, "aks-cluster").inputs["aadProfile"]["adminGroupObjectIDs"] == [group]


def test_admin_groups_may_download_the_kubeconfig_of_this_cluster(run_components: Runner) -> None:
    group = "00000000-0000-0000-0000-000000000001"
    run = cluster_run(run_components, admin_group_object_ids=[group])
    grant = by_name(run, f"aks-admin-{group}-kubeconfig").inputs
    assert grant["scope"] == by_name(run, "aks-cluster").id
    assert (grant["principalId"], grant["principalType"]) == (group, "Group")
    assert grant["roleDefinitionId"].endswith(
        ROLE_IDS["Azure Kubernetes Service Cluster User Role"]
    )


WORKSPACE = (
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law"
)


def test_container_insights_is_off_by_default(run_components: Runner) -> None:
    run = cluster_run(run_components, log_analytics_workspace_id=WORKSPACE)
    assert "addonProfiles" not in by_name(run, "aks-cluster").inputs
    assert not [r for r in run.resources if r.type.startswith("azure-native:monitor:")]


def test_container_insights_runs_the_monitoring_addon_with_its_identity(
    run_components: Runner,
) -> None:
    run = cluster_run(run_components, container_insights=True, log_analytics_workspace_id=WORKSPACE)
    addon = by_name(run, "aks-cluster").inputs["addonProfiles"]["omsagent"]
    assert addon == {
        "enabled": True,
        "config": {"logAnalyticsWorkspaceResourceID": WORKSPACE, "useAADAuth": "true"},
    }


def test_the_azure_policy_addon_is_off_unless_asked(run_components: Runner) -> None:
    assert "addonProfiles" not in by_name(cluster_run(run_components), "aks-cluster").inputs
    run = cluster_run(run_components, azure_policy=True)
    assert by_name(run, "aks-cluster").inputs["addonProfiles"] == {"azurepolicy": {"enabled": True}}


def test_container_insights_collects_through_a_rule_associated_with_the_cluster(
    run_components: Runner,
) -> None:
    run = cluster_run(run_components, container_insights=True, log_analytics_workspace_id=WORKSPACE)
    rule = by_name(run, "aks-insights").inputs
    [extension] = rule["dataSources"]["extensions"]
    assert extension["extensionName"] == "ContainerInsights"
    assert extension["streams"] == ["Microsoft-ContainerInsights-Group-Default"]
    assert rule["destinations"]["logAnalytics"] == [
        {"name": "ciworkspace", "workspaceResourceId": WORKSPACE}
    ]
    association = by_name(run, "aks-insights-association")
    assert association.inputs["resourceUri"] == by_name(run, "aks-cluster").outputs["id"]
    assert association.inputs["dataCollectionRuleId"] == by_name(run, "aks-insights").outputs["id"]


def test_container_insights_without_a_workspace_is_refused(refusal: Refusal) -> None:
    args: dict[str, Any] = {**BASE, "container_insights": True}
    message = refusal(lambda: AksCluster("aks", args))  # pyright: ignore[reportArgumentType]
    assert "AksClusterArgs.log_analytics_workspace_id: missing; container_insights" in message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"dns_service_ip": "10.101.0.10"},
            "AksClusterArgs.dns_service_ip: 10.101.0.10 is not inside AksClusterArgs.service_cidr",
        ),
        (
            {"dns_service_ip": "10.100.0.1"},
            "AksClusterArgs.dns_service_ip: 10.100.0.1 is the network or first address",
        ),
        (
            {"service_cidr": "10.96.0.0/12", "dns_service_ip": "10.96.0.10"},
            "AksClusterArgs.service_cidr: 10.96.0.0/12 is too large",
        ),
        (
            {"pod_cidr": "10.40.0.0/16"},
            "AksClusterArgs.pod_cidr: 10.40.0.0/16 overlaps AksClusterArgs.vnet_ranges[0]",
        ),
        (
            {"service_cidr": "10.244.0.0/16", "dns_service_ip": "10.244.0.10"},
            "AksClusterArgs.service_cidr: 10.244.0.0/16 overlaps AksClusterArgs.pod_cidr",
        ),
        (
            {"vnet_ranges": ["172.30.0.0/16"]},
            "AksClusterArgs.vnet_ranges[0]: 172.30.0.0/16 overlaps 172.30.0.0/16, which AKS reserves",
        ),
        (
            {"ssh_public_key": "ssh-rsa nope"},
            "AksClusterArgs.ssh_public_key: got 'ssh-rsa nope'; expected an OpenSSH public key line",
        ),
        ({"ssh_public_key": None}, "AksClusterArgs.ssh_public_key: missing"),
        ({"node_count": 0}, "AksClusterArgs.node_count: got 0"),
        ({"outbound_type": "natGateway"}, "AksClusterArgs.outbound_type: got 'natGateway'"),
        ({"node_vm_size": "D4"}, "AksClusterArgs.node_vm_size: got 'D4'"),
        ({"kubernetes_version": "latest"}, "AksClusterArgs.kubernetes_version: got 'latest'"),
        (
            {"private_cluster": False},
            "AksClusterArgs.authorized_ip_ranges: a public API server needs at least one authorized range",
        ),
        (
            {"private_cluster": False, "authorized_ip_ranges": ["0.0.0.0/0"]},
            "AksClusterArgs.authorized_ip_ranges[0]: 0.0.0.0/0 opens the API server to the whole internet",
        ),
        (
            {"admin_group_object_ids": ["admins"]},
            "AksClusterArgs.admin_group_object_ids[0]: got 'admins'",
        ),
        (
            {"container_insights": "yes"},
            "AksClusterArgs.container_insights: got 'yes'; expected true or false",
        ),
    ],
)
def test_bad_args_are_refused_naming_the_field(
    refusal: Refusal, change: dict[str, Any], message: str
) -> None:
    args: dict[str, Any] = {**BASE, **change}
    assert message in refusal(lambda: AksCluster("aks", args))  # pyright: ignore[reportArgumentType]


HUB_ZONE = (
    "/subscriptions/0a0b0c0d-aaaa-4bbb-8ccc-0d0e0f101112/resourceGroups/rg-hub-dns/providers/"
    "Microsoft.Network/privateDnsZones/privatelink.eastus2.azmk8s.io"
)


def test_a_central_api_server_zone_is_used_and_the_control_plane_may_write_it_first(
    run_components: Runner,
) -> None:
    run = cluster_run(run_components, private_dns_zone_id=HUB_ZONE)
    cluster = by_name(run, "aks-cluster")
    assert cluster.inputs["apiServerAccessProfile"]["privateDNSZone"] == HUB_ZONE
    grant = by_name(run, "aks-dns-zone-access")
    assert grant.inputs["scope"] == HUB_ZONE
    assert grant.inputs["roleDefinitionId"] == (
        "/subscriptions/0a0b0c0d-aaaa-4bbb-8ccc-0d0e0f101112/providers/Microsoft.Authorization/"
        f"roleDefinitions/{ROLE_IDS['Private DNS Zone Contributor']}"
    )
    assert grant.urn in cluster.dependencies


def test_a_central_zone_brings_network_contributor_on_the_vnet(run_components: Runner) -> None:
    # Learn, aks/private-clusters: a custom zone needs "Private DNS Zone Contributor and Network
    # Contributor"; its example scopes Network Contributor to the cluster's VNet.
    run = cluster_run(run_components, private_dns_zone_id=HUB_ZONE)
    grant = by_name(run, "aks-vnet-access")
    assert grant.inputs["scope"] == f"{NETWORK}/virtualNetworks/vnet"
    assert grant.inputs["roleDefinitionId"] == (
        "/subscriptions/sub/providers/Microsoft.Authorization/roleDefinitions/"
        f"{ROLE_IDS['Network Contributor']}"
    )
    assert grant.urn in by_name(run, "aks-cluster").dependencies


def test_user_defined_routing_is_the_clusters_outbound_type(run_components: Runner) -> None:
    run = cluster_run(run_components, outbound_type="userDefinedRouting")
    profile = by_name(run, "aks-cluster").inputs["networkProfile"]
    assert profile["outboundType"] == "userDefinedRouting"
    default = by_name(cluster_run(run_components), "aks-cluster").inputs["networkProfile"]
    assert default["outboundType"] == "loadBalancer"


def test_a_zone_granted_by_its_owner_gets_no_role_assignment(run_components: Runner) -> None:
    run = cluster_run(run_components, private_dns_zone_id=HUB_ZONE, grant_dns_zone_access=False)
    names = {name for _, name in children_of(run, "aks")}
    assert not names & {"aks-dns-zone-access", "aks-vnet-access"}


def api_server_zone_id(cloud: str) -> str:
    """The hub's zone for an eastus2 cluster, named as Learn names it in ``cloud``."""
    return (
        f"{HUB_ZONE.rsplit('/', 1)[0]}/{PRIVATE_DNS_ZONES[cloud]['aks'].format(region='eastus2')}"
    )


@pytest.mark.parametrize("cloud", PRIVATE_DNS_ZONES)
def test_each_cloud_takes_its_own_api_server_zone(run_components: Runner, cloud: str) -> None:
    zone_id = api_server_zone_id(cloud)
    run = cluster_run(run_components, cloud=cloud, private_dns_zone_id=zone_id)
    assert by_name(run, "aks-cluster").inputs["apiServerAccessProfile"]["privateDNSZone"] == zone_id


@pytest.mark.parametrize(
    ("cloud", "other"), [(c, o) for c in PRIVATE_DNS_ZONES for o in PRIVATE_DNS_ZONES if c != o]
)
def test_a_cloud_refuses_another_clouds_api_server_zone(
    refusal: Refusal, cloud: str, other: str
) -> None:
    args: dict[str, Any] = {
        **BASE,
        "cloud": cloud,
        "private_dns_zone_id": api_server_zone_id(other),
    }
    found = refusal(lambda: AksCluster("aks", args))  # pyright: ignore[reportArgumentType]
    assert "AksClusterArgs.private_dns_zone_id" in found, found


def test_a_subzone_of_the_regions_zone_is_accepted(run_components: Runner) -> None:
    subzone = HUB_ZONE.replace("/privatelink.", "/team.privatelink.")
    run = cluster_run(run_components, private_dns_zone_id=subzone)
    assert by_name(run, "aks-cluster").inputs["apiServerAccessProfile"]["privateDNSZone"] == subzone


def test_the_zone_of_the_clusters_region_written_as_its_display_name_is_accepted(
    run_components: Runner,
) -> None:
    run = cluster_run(run_components, private_dns_zone_id=HUB_ZONE, location="East US 2")
    cluster = by_name(run, "aks-cluster")
    assert cluster.inputs["apiServerAccessProfile"]["privateDNSZone"] == HUB_ZONE


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {
                "private_dns_zone_id": HUB_ZONE.replace(
                    "privatelink.eastus2.azmk8s.io", "privatelink.azurecr.io"
                )
            },
            "expected the ARM id of a private DNS zone privatelink.<region>.azmk8s.io",
        ),
        (
            {"private_dns_zone_id": HUB_ZONE.replace("eastus2", "westus3")},
            "names the zone of westus3, but the cluster is in eastus2",
        ),
        (
            {
                "private_dns_zone_id": HUB_ZONE,
                "private_cluster": False,
                "authorized_ip_ranges": ["203.0.113.0/24"],
            },
            "only a private cluster resolves its API server through a private DNS zone",
        ),
        (
            {"private_dns_zone_id": HUB_ZONE, "cloud": "usgovernment"},
            "privatelink.<region>.cx.aks.containerservice.azure.us (or a subzone of it)",
        ),
    ],
)
def test_a_zone_aks_cannot_use_is_refused_naming_the_field(
    refusal: Refusal, change: dict[str, Any], message: str
) -> None:
    args: dict[str, Any] = {**BASE, **change}
    found = refusal(lambda: AksCluster("aks", args))  # pyright: ignore[reportArgumentType]
    assert "AksClusterArgs.private_dns_zone_id" in found and message in found, found
