"""ArtifactStore: a storage account reachable only over private link, its readers, refused input."""

from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from learn_facts import PRIVATE_DNS_ZONES, ROLE_IDS

from conftest import Refusal, by_name, children_of
from private_acr_preview.program import ProgramRun
from private_acr_tasks.storage import ArtifactStore, ArtifactStoreArgs

Runner = Callable[[Callable[[], object]], ProgramRun]

BASE: ArtifactStoreArgs = {
    "resource_group_name": "rg",
    "location": "eastus2",
    "subscription_id": "sub",
    "name_prefix": "stdev",
    "private_endpoints": {
        "blob": {"subnet_id": "/x/subnets/pe", "linked_vnet_ids": {"build": "/x/virtualNetworks/v"}}
    },
}


def store_run(run_components: Runner, **changes: Any) -> ProgramRun:
    args: dict[str, Any] = {**BASE, **changes}
    return run_components(lambda: ArtifactStore("art", args))  # pyright: ignore[reportArgumentType]


def test_account_refuses_public_networks_shared_keys_and_anonymous_reads(
    run_components: Runner,
) -> None:
    account = by_name(store_run(run_components), "art-account").inputs
    assert account["publicNetworkAccess"] == "Disabled"
    assert account["networkRuleSet"] == {"defaultAction": "Deny", "bypass": "None"}
    assert account["allowSharedKeyAccess"] is False and account["allowBlobPublicAccess"] is False
    assert account["minimumTlsVersion"] == "TLS1_2"


def test_account_name_is_the_prefix_and_a_random_suffix(run_components: Runner) -> None:
    run = store_run(run_components)
    account = by_name(run, "art-account")
    assert account.property_dependencies["accountName"] == [by_name(run, "art-suffix").urn]
    assert account.inputs["accountName"].startswith("stdev")


def test_container_is_private_and_a_child_of_the_account(run_components: Runner) -> None:
    run = store_run(run_components)
    container = by_name(run, "art-container")
    assert container.parent == by_name(run, "art-account").urn
    assert container.inputs["publicAccess"] == "None"
    assert container.inputs["containerName"] == "artifacts"


def test_blob_endpoint_is_a_child_with_group_blob_and_its_zone(run_components: Runner) -> None:
    run = store_run(run_components)
    assert ("private-acr-tasks:index:PrivateLinkEndpoint", "art-blob") in children_of(run, "art")
    connection = by_name(run, "art-blob-pe").inputs["privateLinkServiceConnections"][0]
    assert connection["groupIds"] == ["blob"]
    zone = by_name(run, "art-blob-zone").inputs["privateZoneName"]
    assert zone == PRIVATE_DNS_ZONES["public"]["blob"]


@pytest.mark.parametrize("cloud", PRIVATE_DNS_ZONES)
def test_each_cloud_gets_its_blob_zone(run_components: Runner, cloud: str) -> None:
    zone = by_name(store_run(run_components, cloud=cloud), "art-blob-zone")
    assert zone.inputs["privateZoneName"] == PRIVATE_DNS_ZONES[cloud]["blob"]


def test_readers_get_storage_blob_data_reader_on_the_container(run_components: Runner) -> None:
    run = store_run(run_components, reader_principal_ids={"ci": "principal-1"})
    reader = by_name(run, "art-reader-ci").inputs
    assert reader["principalId"] == "principal-1"
    assert reader["roleDefinitionId"].endswith(ROLE_IDS["Storage Blob Data Reader"])
    assert reader["scope"] == by_name(run, "art-container").outputs["id"]


def test_grant_reader_adds_the_same_assignment_after_the_store_exists(
    run_components: Runner,
) -> None:
    run = run_components(lambda: ArtifactStore("art", BASE).grant_reader("late", "principal-2"))
    assert by_name(run, "art-reader-late").inputs["principalId"] == "principal-2"


def test_grant_reader_refuses_a_bad_key(run_components: Runner) -> None:
    errors: list[str] = []

    def program() -> None:
        store = ArtifactStore("art", BASE)
        try:
            store.grant_reader("Not OK", "p")
        except ValueError as error:
            errors.append(str(error))

    run_components(program)
    assert "ArtifactStore.grant_reader key: got 'Not OK'" in errors[0]


def test_the_blob_service_id_names_the_resource_with_the_blob_logs(run_components: Runner) -> None:
    def program() -> None:
        store = ArtifactStore("art", BASE)
        pulumi.export("blobService", store.blob_service_id)

    run = run_components(program)
    account_id = by_name(run, "art-account").outputs["id"]
    assert run.outputs["blobService"] == f"{account_id}/blobServices/default"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name_prefix": "Store"}, "ArtifactStoreArgs.name_prefix: got 'Store'"),
        ({"name_prefix": "s" * 17}, "ArtifactStoreArgs.name_prefix: got 'sssss"),
        ({"container_name": "Bad--name"}, "ArtifactStoreArgs.container_name: got 'Bad--name'"),
        (
            {"redundancy": "Premium_LRS"},
            "ArtifactStoreArgs.redundancy: got 'Premium_LRS'; expected one of",
        ),
        (
            {"reader_principal_ids": {"A B": "p"}},
            "ArtifactStoreArgs.reader_principal_ids: got 'A B'",
        ),
        (
            {"private_endpoints": {"blob": {}}},
            "ArtifactStoreArgs.private_endpoints[blob].subnet_id: missing",
        ),
    ],
)
def test_bad_args_are_refused_naming_the_field(
    refusal: Refusal, change: dict[str, Any], message: str
) -> None:
    args: dict[str, Any] = {**BASE, **change}
    assert message in refusal(lambda: ArtifactStore("art", args))  # pyright: ignore[reportArgumentType]
