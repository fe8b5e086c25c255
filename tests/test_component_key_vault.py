"""BuildKeyVault: RBAC, private only, soft delete and purge protection, its private endpoints."""

from collections.abc import Callable
from typing import Any

import pytest
from learn_facts import PRIVATE_DNS_ZONES

from conftest import Refusal, by_name, children_of
from private_acr_preview.program import ProgramRun
from private_acr_tasks.key_vault import BuildKeyVault, BuildKeyVaultArgs

Runner = Callable[[Callable[[], object]], ProgramRun]

BASE: BuildKeyVaultArgs = {
    "resource_group_name": "rg",
    "location": "eastus2",
    "tenant_id": "t",
    "name_prefix": "kvdev",
}
ENDPOINT = {"subnet_id": "/x/subnets/pe", "linked_vnet_ids": {"build": "/x/virtualNetworks/v"}}


def vault_run(run_components: Runner, **changes: Any) -> ProgramRun:
    args: dict[str, Any] = {**BASE, **changes}
    return run_components(lambda: BuildKeyVault("secrets", args))  # pyright: ignore[reportArgumentType]


def properties(run_components: Runner, **changes: Any) -> dict[str, Any]:
    return by_name(vault_run(run_components, **changes), "secrets-vault").inputs["properties"]


def test_access_is_by_azure_rbac(run_components: Runner) -> None:
    props = properties(run_components)
    assert props["enableRbacAuthorization"] is True
    assert "accessPolicies" not in props


def test_only_private_endpoints_reach_it_not_even_trusted_services(run_components: Runner) -> None:
    props = properties(run_components)
    assert props["publicNetworkAccess"] == "Disabled"
    assert props["networkAcls"] == {"defaultAction": "Deny", "bypass": "None"}


def test_soft_delete_and_purge_protection_are_on_by_default(run_components: Runner) -> None:
    props = properties(run_components)
    assert props["enableSoftDelete"] is True and props["softDeleteRetentionInDays"] == 90
    assert props["enablePurgeProtection"] is True


def test_purge_protection_off_is_left_out_since_azure_refuses_false(
    run_components: Runner,
) -> None:
    # Vault enablePurgeProtection: "the property does not accept false as its value".
    props = properties(run_components, purge_protection=False, soft_delete_days=30)
    assert "enablePurgeProtection" not in props and props["softDeleteRetentionInDays"] == 30


def test_name_is_the_prefix_and_a_random_suffix_kept_in_state(run_components: Runner) -> None:
    run = vault_run(run_components)
    suffix = by_name(run, "secrets-suffix")
    assert suffix.inputs["length"] == 8 and suffix.inputs["special"] is False
    name = by_name(run, "secrets-vault").inputs["vaultName"]
    assert name == "kvdev" + suffix.outputs["result"] and len(name) <= 24


def test_private_endpoints_are_children_with_group_vault_and_the_vault_zone(
    run_components: Runner,
) -> None:
    run = vault_run(run_components, private_endpoints={"endpoint": ENDPOINT})
    assert ("private-acr-tasks:index:PrivateLinkEndpoint", "secrets-endpoint") in children_of(
        run, "secrets"
    )
    endpoint = by_name(run, "secrets-endpoint-pe").inputs
    assert endpoint["privateLinkServiceConnections"][0]["groupIds"] == ["vault"]
    assert (
        by_name(run, "secrets-endpoint-zone").inputs["privateZoneName"]
        == PRIVATE_DNS_ZONES["public"]["vault"]
    )


@pytest.mark.parametrize("cloud", PRIVATE_DNS_ZONES)
def test_each_cloud_uses_its_vault_zone(run_components: Runner, cloud: str) -> None:
    run = vault_run(run_components, cloud=cloud, private_endpoints={"endpoint": ENDPOINT})
    zone = by_name(run, "secrets-endpoint-zone").inputs["privateZoneName"]
    assert zone == PRIVATE_DNS_ZONES[cloud]["vault"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name_prefix": "1kv"}, "BuildKeyVaultArgs.name_prefix: got '1kv'"),
        ({"name_prefix": "kv" * 9}, "BuildKeyVaultArgs.name_prefix: got"),
        (
            {"soft_delete_days": 6},
            "BuildKeyVaultArgs.soft_delete_days: got 6; expected a whole number 7-90",
        ),
        ({"purge_protection": "yes"}, "BuildKeyVaultArgs.purge_protection: got 'yes'"),
        (
            {"private_endpoints": {"endpoint": {"subnet_id": "/s"}}},
            "at least one VNet must be linked",
        ),
    ],
)
def test_bad_args_are_refused_naming_the_field(
    refusal: Refusal, change: dict[str, Any], message: str
) -> None:
    args: dict[str, Any] = {**BASE, **change}
    assert message in refusal(lambda: BuildKeyVault("secrets", args))  # pyright: ignore[reportArgumentType]
