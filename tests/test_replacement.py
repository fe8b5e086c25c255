"""The replace-on table: every type the stacks deploy is in it, and it says what the providers say."""

from __future__ import annotations

import pytest
from previews import STACKS, program_run

from private_acr_rules.replacement import REPLACEMENT, facts


@pytest.mark.parametrize("stack", STACKS)
def test_every_cloud_resource_type_a_stack_deploys_has_its_facts(stack: str) -> None:
    missing = {r.type for r in program_run(stack).resources if r.custom and facts(r.type) is None}
    assert not missing, f"add these types to private_acr_rules.replacement: {sorted(missing)}"


def test_a_versioned_token_has_the_facts_of_its_type() -> None:
    versioned = facts("azure-native:containerservice/v20240801:ManagedCluster")
    assert versioned is REPLACEMENT["azure-native:containerservice:ManagedCluster"]
    assert facts("azure-native:containerservice:NoSuchThing") is None


def test_the_cluster_is_replaced_on_its_service_cidr_and_dns_ip_but_not_its_node_count() -> None:
    # pulumi-azure-native replacement.go forceNewMap, ContainerService.ManagedCluster.
    cluster = facts("azure-native:containerservice:ManagedCluster")
    assert cluster is not None
    assert {"networkProfile.serviceCidr", "networkProfile.dnsServiceIP", "linuxProfile"} <= set(
        cluster.replace_on
    )
    assert not any(path.startswith("agentPoolProfiles") for path in cluster.replace_on)


def test_the_provider_would_update_an_agent_pool_tier_in_place() -> None:
    # No x-ms-mutability on AgentPoolProperties.tier (2019-06-01-preview): the component itself
    # asks for the replacement.
    pool = facts("azure-native:containerregistry:AgentPool")
    assert pool is not None and pool.api_version == "2019-06-01-preview"
    assert "tier" not in pool.replace_on
    assert pool.replace_on == ("resourceGroupName", "registryName", "agentPoolName", "location")


def test_path_parameters_replace_and_the_last_one_is_the_auto_name() -> None:
    vnet = facts("azure-native:network:VirtualNetwork")
    assert vnet is not None
    assert vnet.auto_name == "virtualNetworkName"
    assert {"resourceGroupName", "virtualNetworkName", "location"} == set(vnet.replace_on)


@pytest.mark.parametrize(
    ("token", "loses"),
    [
        ("azure-native:containerregistry:Registry", "images"),
        ("azure-native:storage:StorageAccount", "blobs"),
        ("azure-native:keyvault:Vault", "secrets"),
        ("azure-native:operationalinsights:Workspace", "logs"),
        ("azure-native:containerservice:ManagedCluster", "workloads"),
        ("azure-native:privatedns:PrivateZone", "DNS records"),
        ("azure-native:managedidentity:UserAssignedIdentity", "principal id"),
    ],
)
def test_types_that_hold_data_or_an_identity_say_what_is_lost(token: str, loses: str) -> None:
    known = facts(token)
    assert known is not None and known.destroys is not None and loses in known.destroys


def test_a_subnet_or_a_role_assignment_holds_nothing_to_lose() -> None:
    for token in ("azure-native:network:Subnet", "azure-native:authorization:RoleAssignment"):
        known = facts(token)
        assert known is not None and known.destroys is None


def test_every_input_of_a_random_string_replaces_it() -> None:
    # terraform-provider-random resource_string.go: RequiresReplace on every attribute.
    string = facts("random:index/randomString:RandomString")
    assert string is not None
    assert {"length", "special", "upper", "keepers"} <= set(string.replace_on)
