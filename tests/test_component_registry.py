"""Registry: a private Premium registry, its artifact lifecycle, replicas and private endpoints."""

from collections.abc import Callable
from typing import Any

import pytest
from learn_facts import PRIVATE_DNS_ZONES

from conftest import Refusal, by_name, children_of
from private_acr_preview.program import ProgramRun
from private_acr_tasks.private_endpoint import PrivateEndpointArgs
from private_acr_tasks.registry import Registry, RegistryArgs

Runner = Callable[[Callable[[], object]], ProgramRun]

BASE: RegistryArgs = {"resource_group_name": "rg", "location": "eastus2", "name_prefix": "acrdev"}
ENDPOINT: PrivateEndpointArgs = {
    "subnet_id": "/x/subnets/pe",
    "linked_vnet_ids": {"build": "/x/virtualNetworks/v"},
}


def registry_inputs(run_components: Runner, **changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {**BASE, **changes}
    run = run_components(lambda: Registry("reg", args))  # pyright: ignore[reportArgumentType]
    return by_name(run, "reg-acr").inputs


def test_registry_is_premium_without_admin_user_or_anonymous_pull(run_components: Runner) -> None:
    acr = registry_inputs(run_components)
    assert acr["sku"] == {"name": "Premium"}
    assert acr["adminUserEnabled"] is False and acr["anonymousPullEnabled"] is False


def test_registry_is_private_with_no_trusted_service_bypass(run_components: Runner) -> None:
    acr = registry_inputs(run_components)
    assert acr["publicNetworkAccess"] == "Disabled"
    assert acr["networkRuleSet"] == {"defaultAction": "Deny"}
    assert acr["networkRuleBypassOptions"] == "None"
    assert acr["policies"]["exportPolicy"] == {"status": "disabled"}
    assert acr["dataEndpointEnabled"] is True


def test_public_access_also_allows_export(run_components: Runner) -> None:
    acr = registry_inputs(run_components, public_network_access=True)
    assert acr["publicNetworkAccess"] == "Enabled"
    assert acr["policies"]["exportPolicy"] == {"status": "enabled"}


def test_name_is_the_prefix_and_a_random_suffix_kept_in_state(run_components: Runner) -> None:
    run = run_components(lambda: Registry("reg", BASE))
    suffix = by_name(run, "reg-suffix")
    assert suffix.type == "random:index/randomString:RandomString"
    acr = by_name(run, "reg-acr")
    assert acr.property_dependencies["registryName"] == [suffix.urn]
    name = acr.inputs["registryName"]
    assert name.startswith("acrdev") and name.isalnum() and len(name) == len("acrdev") + 8


def test_retention_of_untagged_manifests_is_the_default_lifecycle(run_components: Runner) -> None:
    policies = registry_inputs(run_components)["policies"]
    assert policies["retentionPolicy"] == {"days": 7, "status": "enabled"}
    assert policies["softDeletePolicy"]["status"] == "disabled"


def test_soft_delete_replaces_retention(run_components: Runner) -> None:
    policies = registry_inputs(
        run_components, artifact_lifecycle={"mode": "softDelete", "days": 30}
    )["policies"]
    assert policies["softDeletePolicy"] == {"retentionDays": 30, "status": "enabled"}
    assert policies["retentionPolicy"]["status"] == "disabled"


def test_lifecycle_none_turns_both_policies_off(run_components: Runner) -> None:
    policies = registry_inputs(run_components, artifact_lifecycle={"mode": "none"})["policies"]
    assert policies["softDeletePolicy"]["status"] == "disabled"
    assert policies["retentionPolicy"]["status"] == "disabled"


def test_zone_redundancy_is_opt_in(run_components: Runner) -> None:
    assert registry_inputs(run_components)["zoneRedundancy"] == "Disabled"
    assert registry_inputs(run_components, zone_redundancy=True)["zoneRedundancy"] == "Enabled"


def test_private_endpoints_are_children_with_group_registry(run_components: Runner) -> None:
    run = run_components(
        lambda: Registry("reg", {**BASE, "private_endpoints": {"endpoint": ENDPOINT}})
    )
    assert ("private-acr-tasks:index:PrivateLinkEndpoint", "reg-endpoint") in children_of(
        run, "reg"
    )
    endpoint = by_name(run, "reg-endpoint-pe")
    connection = endpoint.inputs["privateLinkServiceConnections"][0]
    assert connection["groupIds"] == ["registry"]
    assert endpoint.property_dependencies["privateLinkServiceConnections"] == [
        by_name(run, "reg-acr").urn
    ]
    assert (
        by_name(run, "reg-endpoint-zone").inputs["privateZoneName"]
        == PRIVATE_DNS_ZONES["public"]["registry"]
    )


@pytest.mark.parametrize("cloud", PRIVATE_DNS_ZONES)
def test_each_cloud_gets_its_registry_zone(run_components: Runner, cloud: str) -> None:
    args = {**BASE, "cloud": cloud, "private_endpoints": {"endpoint": ENDPOINT}}
    run = run_components(lambda: Registry("reg", args))  # pyright: ignore[reportArgumentType]
    zone = by_name(run, "reg-endpoint-zone").inputs["privateZoneName"]
    assert zone == PRIVATE_DNS_ZONES[cloud]["registry"]


def test_each_replica_is_a_child_named_after_its_region(run_components: Runner) -> None:
    run = run_components(lambda: Registry("reg", {**BASE, "replicas": ["westus3", "centralus"]}))
    replicas = {name for kind, name in children_of(run, "reg") if kind.endswith(":Replication")}
    assert replicas == {"reg-replica-westus3", "reg-replica-centralus"}
    replica = by_name(run, "reg-replica-westus3")
    assert (
        replica.inputs["location"] == "westus3" and replica.inputs["replicationName"] == "westus3"
    )
    assert replica.property_dependencies["registryName"] == [by_name(run, "reg-acr").urn]


def test_a_replica_named_by_its_display_name_is_the_region_it_names(
    run_components: Runner,
) -> None:
    # az account list-locations: displayName West US 3, name westus3.
    run = run_components(lambda: Registry("reg", {**BASE, "replicas": ["West US 3"]}))
    (replica,) = [r for r in run.resources if r.type.endswith(":Replication")]
    assert replica.name == "reg-replica-westus3"
    assert replica.inputs["location"] == "westus3"
    assert replica.inputs["replicationName"] == "westus3"


def test_replicas_are_zone_redundant_when_the_registry_is(run_components: Runner) -> None:
    run = run_components(
        lambda: Registry("reg", {**BASE, "replicas": ["westus3"], "zone_redundancy": True})
    )
    assert by_name(run, "reg-replica-westus3").inputs["zoneRedundancy"] == "Enabled"


def test_private_endpoints_are_created_after_the_replicas(run_components: Runner) -> None:
    run = run_components(
        lambda: Registry(
            "reg", {**BASE, "replicas": ["westus3"], "private_endpoints": {"endpoint": ENDPOINT}}
        )
    )
    assert by_name(run, "reg-replica-westus3").urn in by_name(run, "reg-endpoint-pe").dependencies


def test_the_endpoint_of_a_replicated_registry_has_a_record_per_region(
    run_components: Runner,
) -> None:
    run = run_components(
        lambda: Registry(
            "reg", {**BASE, "replicas": ["westus3"], "private_endpoints": {"endpoint": ENDPOINT}}
        )
    )
    name = by_name(run, "reg-acr").outputs["name"]
    fqdns = [c["fqdn"] for c in by_name(run, "reg-endpoint-pe").outputs["customDnsConfigs"]]
    assert fqdns == [
        f"{name}.azurecr.io",
        f"{name}.eastus2.data.azurecr.io",
        f"{name}.westus3.data.azurecr.io",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name_prefix": "ACR"}, "RegistryArgs.name_prefix: got 'ACR'"),
        ({"name_prefix": "acr-dev"}, "RegistryArgs.name_prefix: got 'acr-dev'"),
        ({"name_prefix": "a" * 41}, "RegistryArgs.name_prefix: got 'aaaa"),
        ({"name_prefix": None}, "RegistryArgs.name_prefix: missing"),
        (
            {"artifact_lifecycle": {"mode": "softDelete", "days": 91}},
            "RegistryArgs.artifact_lifecycle.days: got 91; expected a whole number 1-90",
        ),
        (
            {"artifact_lifecycle": {"mode": "retention", "days": 366}},
            "RegistryArgs.artifact_lifecycle.days: got 366; expected a whole number 0-365",
        ),
        (
            {"artifact_lifecycle": {"mode": "forever"}},
            "RegistryArgs.artifact_lifecycle.mode: got 'forever'; expected one of retention, softDelete, none",
        ),
        ({"zone_redundancy": 1}, "RegistryArgs.zone_redundancy: got 1; expected true or false"),
        (
            {"private_endpoints": {"Bad Key": ENDPOINT}},
            "RegistryArgs.private_endpoints[Bad Key]: got 'Bad Key'",
        ),
        (
            {"private_endpoints": {"endpoint": {"subnet_id": "/x/subnets/pe"}}},
            "RegistryArgs.private_endpoints[endpoint].linked_vnet_ids: at least one VNet",
        ),
        (
            {"replicas": ["westus3"], "artifact_lifecycle": {"mode": "softDelete", "days": 30}},
            "RegistryArgs.replicas: ACR soft delete does not support geo-replicated registries, "
            "and RegistryArgs.artifact_lifecycle.mode turns it on",
        ),
        # No such region (az account list-locations lists West US, 2 and 3).
        (
            {"replicas": ["westus9"]},
            "RegistryArgs.replicas[0]: got 'westus9'; expected a region of the public cloud",
        ),
        ({"replicas": ["West\u200bUS 3"]}, "RegistryArgs.replicas[0]: got 'West\\u200bUS 3'"),
        ({"replicas": [3]}, "RegistryArgs.replicas[0]: got 3; expected a region"),
        # Azure Government's regions are USGov Virginia, Texas, Arizona and USDoD East, Central
        # (Learn, documentation-government-get-started-connect-with-ps).
        (
            {"cloud": "usgovernment", "location": "usgovvirginia", "replicas": ["westus3"]},
            "RegistryArgs.replicas[0]: got 'westus3', a region of the public cloud; expected a "
            "region of the usgovernment cloud",
        ),
        (
            {"replicas": ["westus3", "westus3"]},
            "RegistryArgs.replicas[1]: westus3 is listed twice",
        ),
        (
            {"replicas": ["eastus2"]},
            "RegistryArgs.replicas[0]: eastus2 is the registry's own region (RegistryArgs.location)",
        ),
        ({"replicas": "westus3"}, "RegistryArgs.replicas: got 'westus3'; expected a list"),
        (
            # Learn's display name of eastus2 (az account list-locations: displayName).
            {"location": "East US 2", "replicas": ["eastus2"]},
            "RegistryArgs.replicas[0]: eastus2 is the registry's own region (RegistryArgs.location)",
        ),
    ],
)
def test_bad_args_are_refused_naming_the_field(
    refusal: Refusal, change: dict[str, Any], message: str
) -> None:
    args: dict[str, Any] = {**BASE, **change}
    assert message in refusal(lambda: Registry("reg", args))  # pyright: ignore[reportArgumentType]
