"""Each component under the SDK mock engine: children, parenting, secure defaults, refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from conftest import by_name
from private_acr_preview.program import ProgramRun
from private_acr_rules import egress
from private_acr_rules.dns import REGISTRY_ZONE
from private_acr_tasks.agent_pool import BuildAgentPool, BuildAgentPoolArgs
from private_acr_tasks.errors import ComponentArgsError
from private_acr_tasks.network import Network, NetworkArgs
from private_acr_tasks.private_endpoint import PrivateLinkEndpoint
from private_acr_tasks.registry import Registry

Runner = Callable[[Callable[[], object]], ProgramRun]

NETWORK: NetworkArgs = {
    "resource_group_name": "rg",
    "location": "eastus2",
    "address_space": "10.40.0.0/16",
    "agent_subnet_prefix": "10.40.1.0/24",
    "private_endpoint_subnet_prefix": "10.40.2.0/27",
    "aks_subnet_prefix": "10.40.8.0/21",
}


def children_of(run: ProgramRun, parent_name: str) -> set[tuple[str, str]]:
    parent = by_name(run, parent_name)
    return {(r.type, r.name) for r in run.resources if r.parent == parent.urn}


def test_network_children_and_parenting(run_components: Runner) -> None:
    run = run_components(lambda: Network("net", NETWORK))
    assert children_of(run, "net") == {
        ("azure-native:network:NetworkSecurityGroup", "net-agent-nsg"),
        ("azure-native:network:NetworkSecurityGroup", "net-pe-nsg"),
        ("azure-native:network:NetworkSecurityGroup", "net-aks-nsg"),
        ("azure-native:network:VirtualNetwork", "net-vnet"),
    }
    assert children_of(run, "net-vnet") == {
        ("azure-native:network:Subnet", "net-agent-subnet"),
        ("azure-native:network:Subnet", "net-pe-subnet"),
        ("azure-native:network:Subnet", "net-aks-subnet"),
    }
    assert by_name(run, "net-agent-subnet").urn.startswith(
        "urn:pulumi:unit::test::private-acr-tasks:index:Network$azure-native:network:VirtualNetwork$"
    )


def test_agent_subnet_gets_service_endpoints_and_the_egress_nsg(run_components: Runner) -> None:
    run = run_components(lambda: Network("net", NETWORK))
    subnet = by_name(run, "net-agent-subnet")
    services = [e["service"] for e in subnet.inputs["serviceEndpoints"]]
    assert services == list(egress.AGENT_SUBNET_SERVICE_ENDPOINTS)
    assert "Microsoft.ContainerRegistry" not in services
    nsg = by_name(run, "net-agent-nsg")
    assert subnet.property_dependencies["networkSecurityGroup"] == [nsg.urn]
    assert (
        egress.blocked_flows(
            [
                *nsg.inputs["securityRules"],
                {
                    "name": "deny-all",
                    "priority": 4096,
                    "direction": "Outbound",
                    "access": "Deny",
                    "protocol": "*",
                    "destinationAddressPrefix": "*",
                    "destinationPortRange": "*",
                    "sourceAddressPrefix": "*",
                },
            ]
        )
        == []
    )
    monitor = next(
        r for r in nsg.inputs["securityRules"] if r["destinationAddressPrefix"] == "AzureMonitor"
    )
    assert sorted(monitor["destinationPortRanges"]) == ["12000", "443"]


def test_registry_service_endpoint_only_without_private_link(run_components: Runner) -> None:
    run = run_components(lambda: Network("net", {**NETWORK, "registry_uses_private_link": False}))
    services = [e["service"] for e in by_name(run, "net-agent-subnet").inputs["serviceEndpoints"]]
    assert "Microsoft.ContainerRegistry" in services


def test_subnets_are_created_one_after_another(run_components: Runner) -> None:
    run = run_components(lambda: Network("net", NETWORK))
    agent, pe, aks = (by_name(run, f"net-{n}-subnet") for n in ("agent", "pe", "aks"))
    assert agent.urn in pe.dependencies and pe.urn in aks.dependencies


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"agent_subnet_prefix": "10.41.0.0/24"}, "NetworkArgs.agent_subnet_prefix"),
        ({"aks_subnet_prefix": "10.40.1.0/24"}, "NetworkArgs.aks_subnet_prefix"),
        (
            {"private_endpoint_subnet_prefix": "10.40.2.0/30"},
            "NetworkArgs.private_endpoint_subnet_prefix",
        ),
        (
            {
                "address_space": "172.17.0.0/16",
                "agent_subnet_prefix": "172.17.1.0/24",
                "private_endpoint_subnet_prefix": "172.17.2.0/27",
                "aks_subnet_prefix": "172.17.8.0/21",
            },
            "NetworkArgs.address_space",
        ),
        ({"dns_servers": ["nope"]}, "NetworkArgs.dns_servers[0]"),
    ],
)
def test_bad_network_args_register_nothing(
    run_components: Runner, change: dict[str, Any], field: str
) -> None:
    def program() -> None:
        with pytest.raises(ComponentArgsError, match=field.replace("[", r"\[").replace("]", r"\]")):
            Network("net", {**NETWORK, **change})  # type: ignore[typeddict-item]

    run = run_components(program)
    assert [r.type for r in run.resources] == ["pulumi:pulumi:Stack"]


def test_registry_is_premium_private_and_uniquely_named(run_components: Runner) -> None:
    run = run_components(
        lambda: Registry(
            "reg", {"resource_group_name": "rg", "location": "eastus2", "name_prefix": "acrdev"}
        )
    )
    acr = by_name(run, "reg-acr").inputs
    assert acr["sku"] == {"name": "Premium"}
    assert acr["adminUserEnabled"] is False and acr["anonymousPullEnabled"] is False
    assert acr["publicNetworkAccess"] == "Disabled" and acr["networkRuleSet"] == {
        "defaultAction": "Deny"
    }
    assert acr["networkRuleBypassOptions"] == "None"
    assert acr["dataEndpointEnabled"] is True
    assert acr["policies"]["retentionPolicy"] == {"days": 7, "status": "enabled"}
    assert acr["policies"]["exportPolicy"] == {"status": "disabled"}
    name = acr["registryName"]
    assert name.startswith("acrdev") and name.isalnum() and 5 <= len(name) <= 50
    suffix = by_name(run, "reg-suffix")
    assert suffix.type == "random:index/randomString:RandomString"
    assert by_name(run, "reg-acr").property_dependencies["registryName"] == [suffix.urn]


@pytest.mark.parametrize("prefix", ["ACR", "acr-dev", "a" * 41])
def test_registry_prefix_is_validated(run_components: Runner, prefix: str) -> None:
    def program() -> None:
        with pytest.raises(ComponentArgsError, match=r"RegistryArgs\.name_prefix"):
            Registry(
                "reg", {"resource_group_name": "rg", "location": "eastus2", "name_prefix": prefix}
            )

    assert [r.type for r in run_components(program).resources] == ["pulumi:pulumi:Stack"]


def test_private_endpoint_zone_link_and_group(run_components: Runner) -> None:
    def program() -> None:
        PrivateLinkEndpoint(
            "pe",
            {
                "resource_group_name": "rg",
                "location": "eastus2",
                "target_resource_id": "/x/registries/acr1",
                "group_id": "registry",
                "subnet_id": "/x/subnets/pe",
                "zone_name": REGISTRY_ZONE,
                "linked_vnet_ids": {"build": "/x/virtualNetworks/v"},
            },
        )

    run = run_components(program)
    endpoint = by_name(run, "pe-pe").inputs
    assert endpoint["subnet"]["id"] == "/x/subnets/pe"
    assert endpoint["privateLinkServiceConnections"][0]["groupIds"] == ["registry"]
    assert by_name(run, "pe-zone").inputs["privateZoneName"] == REGISTRY_ZONE
    link = by_name(run, "pe-link-build")
    assert link.inputs["registrationEnabled"] is False
    group = by_name(run, "pe-dns")
    assert link.urn in group.dependencies
    assert group.property_dependencies["privateDnsZoneConfigs"] == [by_name(run, "pe-zone").urn]


def test_private_endpoint_can_use_a_hub_zone(run_components: Runner) -> None:
    run = run_components(
        lambda: PrivateLinkEndpoint(
            "pe",
            {
                "resource_group_name": "rg",
                "location": "eastus2",
                "target_resource_id": "/x/registries/acr1",
                "group_id": "registry",
                "subnet_id": "/x/subnets/pe",
                "zone_name": REGISTRY_ZONE,
                "private_dns_zone_id": "/hub/privateDnsZones/privatelink.azurecr.io",
            },
        )
    )
    assert not [r for r in run.resources if r.type.endswith(":PrivateZone")]
    assert (
        by_name(run, "pe-dns")
        .inputs["privateDnsZoneConfigs"][0]["privateDnsZoneId"]
        .startswith("/hub/")
    )


def test_agent_pool_waits_for_the_network_and_runs_the_task(run_components: Runner) -> None:
    def program() -> None:
        net = Network("net", NETWORK)
        args: BuildAgentPoolArgs = {
            "resource_group_name": "rg",
            "location": "eastus2",
            "registry_name": "acr1",
            "subnet_id": net.agent_subnet_id,
            "pool_name": "pool-dev",
            "task_name": "build-dev",
            "tier": "S2",
            "count": 2,
            "artifact_storage_account": "st1",
            "subnet_dependencies": [net],
        }
        BuildAgentPool("build", args)

    run = run_components(program)
    pool = by_name(run, "build-pool")
    assert (
        pool.inputs["tier"] == "S2" and pool.inputs["count"] == 2 and pool.inputs["os"] == "Linux"
    )
    assert pool.property_dependencies["virtualNetworkSubnetResourceId"] == [
        by_name(run, "net-agent-subnet").urn
    ]
    # depends_on a component reaches its descendants: the subnet with its NSG and endpoints.
    assert {by_name(run, "net-agent-subnet").urn, by_name(run, "net-agent-nsg").urn} <= set(
        pool.dependencies
    )
    task = by_name(run, "build-task")
    assert task.inputs["agentPoolName"] == "pool-dev"
    assert task.inputs["identity"]["type"] == "UserAssigned"
    identity_id = by_name(run, "build-task-identity").outputs["id"]
    assert list(task.inputs["identity"]["userAssignedIdentities"]) == [identity_id]
    values = {v["name"]: v["value"] for v in task.inputs["step"]["values"]}
    assert values["storageAccount"] == "st1"
    assert values["identityClientId"] == by_name(run, "build-task-identity").outputs["clientId"]


@pytest.mark.parametrize(
    ("change", "field"),
    [({"tier": "S4"}, "tier"), ({"count": -1}, "count"), ({"pool_name": "p"}, "pool_name")],
)
def test_bad_agent_pool_args_are_refused(
    run_components: Runner, change: dict[str, Any], field: str
) -> None:
    def program() -> None:
        args = {
            "resource_group_name": "rg",
            "location": "eastus2",
            "registry_name": "acr1",
            "subnet_id": "/s",
            "pool_name": "pool-dev",
            "task_name": "build-dev",
            "artifact_storage_account": "st1",
            **change,
        }
        with pytest.raises(ComponentArgsError, match=f"BuildAgentPoolArgs.{field}"):
            BuildAgentPool("build", args)  # type: ignore[arg-type]

    assert [r.type for r in run_components(program).resources] == ["pulumi:pulumi:Stack"]


def test_outputs_are_registered(run_components: Runner) -> None:
    seen: dict[str, Any] = {}

    def program() -> None:
        net = Network("net", NETWORK)
        seen["net"] = net
        pulumi.export("subnet", net.agent_subnet_id)

    run = run_components(program)
    assert run.outputs["subnet"] == by_name(run, "net-agent-subnet").outputs["id"]
