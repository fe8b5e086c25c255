"""PrivateLinkEndpoint: endpoint, zone, links and zone group; a central zone; policy-managed DNS."""

from collections.abc import Callable
from typing import Any

import pytest

from conftest import Refusal, by_name
from private_acr_preview.program import ProgramRun
from private_acr_rules.dns import REGISTRY_ZONE
from private_acr_tasks.private_endpoint import PrivateLinkEndpoint, PrivateLinkEndpointArgs

Runner = Callable[[Callable[[], object]], ProgramRun]

BASE: PrivateLinkEndpointArgs = {
    "resource_group_name": "rg",
    "location": "eastus2",
    "target_resource_id": "/x/registries/acr1",
    "group_id": "registry",
    "subnet_id": "/x/subnets/pe",
    "zone_name": REGISTRY_ZONE,
    "linked_vnet_ids": {"build": "/x/virtualNetworks/v"},
}
HUB_ZONE = "/hub/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io"


def endpoint_run(run_components: Runner, **changes: Any) -> ProgramRun:
    args: dict[str, Any] = {**BASE, **changes}
    return run_components(lambda: PrivateLinkEndpoint("pe", args))  # pyright: ignore[reportArgumentType]


def test_endpoint_sits_in_the_subnet_and_targets_the_group(run_components: Runner) -> None:
    endpoint = by_name(endpoint_run(run_components), "pe-pe").inputs
    assert endpoint["subnet"]["id"] == "/x/subnets/pe"
    connection = endpoint["privateLinkServiceConnections"][0]
    assert connection["groupIds"] == ["registry"]
    assert connection["privateLinkServiceId"] == "/x/registries/acr1"


def test_a_zone_is_created_and_linked_without_auto_registration(run_components: Runner) -> None:
    run = endpoint_run(run_components)
    zone = by_name(run, "pe-zone")
    assert zone.inputs["privateZoneName"] == REGISTRY_ZONE and zone.inputs["location"] == "global"
    link = by_name(run, "pe-link-build")
    assert link.parent == zone.urn
    assert link.inputs["registrationEnabled"] is False
    assert link.inputs["virtualNetwork"] == {"id": "/x/virtualNetworks/v"}


def test_zone_group_writes_into_the_zone_after_every_link(run_components: Runner) -> None:
    run = endpoint_run(run_components)
    group = by_name(run, "pe-dns")
    assert group.parent == by_name(run, "pe-pe").urn
    assert by_name(run, "pe-link-build").urn in group.dependencies
    assert group.property_dependencies["privateDnsZoneConfigs"] == [by_name(run, "pe-zone").urn]


def test_a_central_zone_is_used_as_given_and_none_is_created(run_components: Runner) -> None:
    run = endpoint_run(run_components, private_dns_zone_id=HUB_ZONE, linked_vnet_ids={})
    assert not [r for r in run.resources if r.type.endswith(":PrivateZone")]
    assert not [r for r in run.resources if r.type.endswith(":VirtualNetworkLink")]
    configs = by_name(run, "pe-dns").inputs["privateDnsZoneConfigs"]
    assert configs[0]["privateDnsZoneId"] == HUB_ZONE


def test_no_zone_group_when_azure_policy_manages_them(run_components: Runner) -> None:
    run = endpoint_run(
        run_components,
        private_dns_zone_id=HUB_ZONE,
        linked_vnet_ids={},
        manage_dns_zone_group=False,
    )
    assert not [r for r in run.resources if r.type.endswith(":PrivateDnsZoneGroup")]
    assert by_name(run, "pe-pe")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"group_id": "re-gistry"}, "PrivateLinkEndpointArgs.group_id: got 're-gistry'"),
        ({"zone_name": "azurecr.io"}, "PrivateLinkEndpointArgs.zone_name: got 'azurecr.io'"),
        (
            {"linked_vnet_ids": {"Build": "/v"}},
            "PrivateLinkEndpointArgs.linked_vnet_ids: got 'Build'",
        ),
        ({"linked_vnet_ids": {}}, "PrivateLinkEndpointArgs.linked_vnet_ids: at least one VNet"),
        (
            {"manage_dns_zone_group": "no"},
            "PrivateLinkEndpointArgs.manage_dns_zone_group: got 'no'",
        ),
        ({"subnet_id": None}, "PrivateLinkEndpointArgs.subnet_id: missing"),
        (
            {"manage_dns_zone_group": False},
            "PrivateLinkEndpointArgs.private_dns_zone_id: missing; with manage_dns_zone_group false",
        ),
    ],
)
def test_bad_args_are_refused_naming_the_field(
    refusal: Refusal, change: dict[str, Any], message: str
) -> None:
    args: dict[str, Any] = {**BASE, **change}
    assert message in refusal(lambda: PrivateLinkEndpoint("pe", args))  # pyright: ignore[reportArgumentType]
