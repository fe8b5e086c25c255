"""Landing-zone stacks: central DNS zones, policy-managed zone groups, sovereign clouds."""

from typing import Any

import pytest

from conftest import ROOT, stack_config, with_changes
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
