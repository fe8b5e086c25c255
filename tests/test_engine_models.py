"""Provider models: chosen by package prefix, per-cloud outputs, lookups from an --existing snapshot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pulumi_azure_native as azure_native
import pulumi_random
import pytest
from pulumi.runtime import mocks
from pulumi_azure_native import (
    authorization,
    containerregistry,
    logic,
    monitor,
    network,
    resources,
    storage,
)

from conftest import ROOT, by_name
from private_acr_preview.cli import main
from private_acr_preview.models import ModelContext, Outputs
from private_acr_preview.models.azure import AzureConfigError
from private_acr_preview.program import ProgramRun, run_function

SPOKE = ROOT / "tests" / "fixtures" / "existing" / "spoke.json"
SPOKE_SUBSCRIPTION = "0b1f6471-1bf0-4dda-aec3-111122223333"


def _snapshot() -> list[dict[str, Any]]:
    return json.loads(SPOKE.read_text())


def _run(function: Any, config: dict[str, str] | None = None, **options: Any) -> ProgramRun:
    return run_function(function, project="models", stack="test", config=config, **options)


class _TaggingModel:
    """A model of a package of its own, proving models plug in by prefix."""

    def __init__(self, context: ModelContext) -> None:
        self.stack = context.stack

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, Outputs]:
        return f"tagged-{args.name}", {"stack": self.stack}

    def call(self, args: mocks.MockCallArgs) -> Outputs:
        return {}

    def notes(self) -> list[str]:
        return ["tagged everything"]


def test_a_model_plugs_in_for_its_package_prefix_and_others_keep_theirs() -> None:
    def program() -> None:
        resources.ResourceGroup("group")
        pulumi_random.RandomString("name", length=6, special=False)

    run = _run(program, models={"azure-native": _TaggingModel})
    by_type = {r.type: r for r in run.resources}
    assert by_type["azure-native:resources:ResourceGroup"].outputs == {"stack": "test"}
    assert by_type["azure-native:resources:ResourceGroup"].id == "tagged-group"
    assert "result" not in by_type["random:index/randomString:RandomString"].outputs  # echo model
    assert run.notes == ["tagged everything"]


def test_the_monitor_records_each_provider_function_called() -> None:
    run = _run(
        lambda: network.get_virtual_network(resource_group_name="rg", virtual_network_name="v")
    )
    assert run.invokes == ["azure-native:network:getVirtualNetwork"]


def test_random_strings_are_stable_and_of_the_requested_length() -> None:
    def program() -> None:
        pulumi.export(
            "a", pulumi_random.RandomString("a", length=12, special=False, upper=False).result
        )

    first, second = _run(program).outputs["a"], _run(program).outputs["a"]
    assert first == second and len(first) == 12 and first == first.lower()


def test_an_explicit_random_provider_is_answered_as_a_provider_not_as_a_random_string() -> None:
    # Provider registrations go to their package's model, which must not take pulumi-random's
    # provider for one of its resources.
    def program() -> None:
        provider = pulumi_random.Provider("own")
        value = pulumi_random.RandomString(
            "a",
            length=12,
            special=False,
            upper=False,
            opts=pulumi.ResourceOptions(provider=provider),
        )
        pulumi.export("a", value.result)

    run = _run(program)
    assert by_name(run, "own").outputs == by_name(run, "own").inputs
    assert len(run.outputs["a"]) == 12


def test_random_integers_stay_within_their_bounds() -> None:
    run = _run(lambda: pulumi.export("n", pulumi_random.RandomInteger("n", min=5, max=7).result))
    assert 5 <= run.outputs["n"] <= 7


def _registry_and_storage() -> None:
    registry = containerregistry.Registry(
        "acr", resource_group_name="rg", sku=containerregistry.SkuArgs(name="Premium")
    )
    account = storage.StorageAccount(
        "st", resource_group_name="rg", kind="StorageV2", sku=storage.SkuArgs(name="Standard_LRS")
    )
    pulumi.export("login", registry.login_server)
    pulumi.export("blob", account.primary_endpoints.blob)


@pytest.mark.parametrize(
    ("environment", "registry", "blob"),
    [
        ("public", ".azurecr.io", ".blob.core.windows.net/"),
        ("usgovernment", ".azurecr.us", ".blob.core.usgovcloudapi.net/"),
        ("china", ".azurecr.cn", ".blob.core.chinacloudapi.cn/"),
    ],
)
def test_outputs_use_the_dns_suffixes_of_the_configured_cloud(
    environment: str, registry: str, blob: str
) -> None:
    run = _run(_registry_and_storage, {"azure-native:environment": environment})
    assert run.outputs["login"].endswith(registry) and run.outputs["blob"].endswith(blob)


def test_an_unknown_cloud_is_refused_naming_the_key() -> None:
    with pytest.raises(AzureConfigError, match="azure-native:environment: got 'mars'"):
        _run(_registry_and_storage, {"azure-native:environment": "mars"})


def test_a_private_endpoint_gets_an_address_of_its_existing_subnet() -> None:
    subnet = f"/subscriptions/{SPOKE_SUBSCRIPTION}/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/snet-endpoints"

    def program() -> None:
        network.PrivateEndpoint(
            "pe",
            resource_group_name="rg",
            subnet=network.SubnetArgs(id=subnet),
            private_link_service_connections=[
                network.PrivateLinkServiceConnectionArgs(
                    name="c", private_link_service_id="/x/registries/acrx", group_ids=["registry"]
                )
            ],
        )

    [endpoint] = _run(program, existing=_snapshot()).resources[1:]
    addresses = [c["ipAddresses"][0] for c in endpoint.outputs["customDnsConfigs"]]
    assert len(set(addresses)) == 2 and all(a.startswith("10.50.2.") for a in addresses)


def _geo_endpoint_records(replica_regions: tuple[str, ...]) -> list[dict[str, Any]]:
    """The endpoint's DNS records (``customDnsConfigs``) when the replicas are created one after
    another in this order (each depends on the one before), all of them before the endpoint."""
    subnet = f"/subscriptions/{SPOKE_SUBSCRIPTION}/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/snet-endpoints"

    def program() -> None:
        registry = containerregistry.Registry(
            "acr",
            resource_group_name="rg",
            registry_name="acrgeo",
            location="eastus2",
            sku=containerregistry.SkuArgs(name="Premium"),
        )
        replicas: list[pulumi.Resource] = []
        for region in replica_regions:
            replicas.append(
                containerregistry.Replication(
                    f"replica-{region}",
                    resource_group_name="rg",
                    registry_name=registry.name,
                    location=region,
                    opts=pulumi.ResourceOptions(depends_on=replicas[-1:]),
                )
            )
        network.PrivateEndpoint(
            "pe",
            resource_group_name="rg",
            subnet=network.SubnetArgs(id=subnet),
            private_link_service_connections=[
                network.PrivateLinkServiceConnectionArgs(
                    name="c", private_link_service_id=registry.id, group_ids=["registry"]
                )
            ],
            opts=pulumi.ResourceOptions(depends_on=replicas),
        )

    run = _run(program, existing=_snapshot())
    [endpoint] = [r for r in run.resources if r.name == "pe"]
    return endpoint.outputs["customDnsConfigs"]


def test_a_registry_endpoint_has_a_data_record_per_region_the_registry_serves() -> None:
    # The login server's record, then the home region's data endpoint, then each replica's.
    records = _geo_endpoint_records(("westus3", "northeurope"))
    assert [record["fqdn"] for record in records] == [
        "acrgeo.azurecr.io",
        "acrgeo.eastus2.data.azurecr.io",
        "acrgeo.northeurope.data.azurecr.io",
        "acrgeo.westus3.data.azurecr.io",
    ]
    assert len({record["ipAddresses"][0] for record in records}) == 4


def test_a_registry_endpoints_records_do_not_depend_on_the_order_its_replicas_were_created() -> (
    None
):
    # Replicas of one registry are usually registered side by side, in no fixed order; the plan
    # (and the addresses drawn for it) must not change from run to run.
    assert _geo_endpoint_records(("westus3", "northeurope")) == _geo_endpoint_records(
        ("northeurope", "westus3")
    )


def test_extension_resources_get_ids_under_the_resource_they_extend() -> None:
    def program() -> None:
        registry = containerregistry.Registry(
            "acr", resource_group_name="rg", sku=containerregistry.SkuArgs(name="Premium")
        )
        monitor.DiagnosticSetting("logs", name="to-law", resource_uri=registry.id)

    run = _run(program)
    registry, setting = run.resources[1:]
    assert setting.id == f"{registry.id}/providers/Microsoft.Insights/diagnosticSettings/to-law"
    assert "location" not in setting.outputs


def test_a_role_definition_is_named_by_its_guid_under_its_scope() -> None:
    guid = "de4dc792-23e7-5ade-8d33-4b763eb800ab"
    scope = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r"

    def program() -> None:
        authorization.RoleDefinition(
            "role", scope=scope, role_definition_id=guid, role_name="r", assignable_scopes=[scope]
        )

    role = _run(program).resources[1]
    assert role.outputs["name"] == guid
    assert role.id == f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def test_an_identity_is_answered_as_azure_answers_it_whatever_the_resource() -> None:
    identity_id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/i"

    def program() -> None:
        logic.Workflow(
            "flow",
            resource_group_name="rg",
            identity=logic.ManagedServiceIdentityArgs(
                type="UserAssigned", user_assigned_identities=[identity_id]
            ),
        )

    answered = _run(program).resources[1].outputs["identity"]
    assert set(answered["userAssignedIdentities"]) == {identity_id}
    assert answered["userAssignedIdentities"][identity_id]["principalId"]


@pytest.mark.parametrize(
    ("environment", "host"), [("public", ".logic.azure.com:443"), ("china", ".logic.azure.cn:443")]
)
def test_a_workflow_has_the_access_endpoint_of_its_cloud(environment: str, host: str) -> None:
    def program() -> None:
        flow = logic.Workflow("flow", resource_group_name="rg", workflow_name="broker")
        pulumi.export("endpoint", flow.access_endpoint)

    endpoint = _run(program, {"azure-native:environment": environment}).outputs["endpoint"]
    assert endpoint.startswith("https://prod-00.eastus2") and host in endpoint
    assert endpoint.rsplit("/workflows/", 1)[1].isalnum()


def test_outputs_leave_out_the_inputs_that_only_name_the_request_url() -> None:
    # azure-native's outputs follow the response body, and the CLI hands a pack the outputs.
    def program() -> None:
        network.Subnet(
            "subnet",
            resource_group_name="rg",
            virtual_network_name="vnet",
            subnet_name="agents",
            address_prefix="10.0.1.0/24",
        )
        monitor.DiagnosticSetting("logs", name="to-law", resource_uri="/subscriptions/s/x")

    run = _run(program)
    subnet, setting = by_name(run, "subnet"), by_name(run, "logs")
    assert subnet.outputs["addressPrefix"] == "10.0.1.0/24" and subnet.outputs["name"] == "agents"
    assert not {"resourceGroupName", "virtualNetworkName", "subnetName"} & set(subnet.outputs)
    assert setting.outputs["name"] == "to-law" and "resourceUri" not in setting.outputs


def test_a_lookup_finds_an_inline_child_case_insensitively() -> None:
    def program() -> None:
        subnet = network.get_subnet(
            resource_group_name="RG-SPOKE",
            virtual_network_name="VNET-spoke",
            subnet_name="snet-agents",
        )
        pulumi.export("prefix", subnet.address_prefix)
        pulumi.export(
            "nsg", subnet.network_security_group.id if subnet.network_security_group else None
        )

    outputs = _run(program, existing=_snapshot()).outputs
    assert outputs["prefix"] == "10.50.1.0/24" and outputs["nsg"].endswith("/nsg-agents")


def test_output_form_lookups_answer_from_the_snapshot() -> None:
    def program() -> None:
        group = network.get_network_security_group_output(
            resource_group_name="rg-spoke", network_security_group_name="nsg-agents"
        )

        def accesses(rules: list[network.outputs.SecurityRuleResponse] | None) -> list[str]:
            return [str(rule.access) for rule in rules or []]

        pulumi.export("rules", group.security_rules.apply(accesses))

    assert _run(program, existing=_snapshot()).outputs["rules"] == ["Deny"]


def test_a_route_is_found_inside_its_route_table() -> None:
    def program() -> None:
        route = network.get_route(
            resource_group_name="rg-spoke", route_table_name="rt-spoke", route_name="to-firewall"
        )
        pulumi.export("prefix", route.address_prefix)

    assert _run(program, existing=_snapshot()).outputs["prefix"] == "0.0.0.0/0"


def test_an_ip_group_is_answered_from_the_snapshot() -> None:
    # The preflight reads the IP Groups a firewall policy's rules name (getIpGroup).
    subscription = _snapshot()[0]["id"].split("/")[2]
    group = {
        "id": f"/subscriptions/{subscription}/resourceGroups/rg-hub/providers/Microsoft.Network/ipGroups/ipg-agents",
        "name": "ipg-agents",
        "ipAddresses": ["10.50.1.0/24"],
    }

    def program() -> None:
        found = network.get_ip_group(resource_group_name="rg-hub", ip_groups_name="ipg-agents")
        pulumi.export("addresses", found.ip_addresses)

    outputs = _run(program, existing=[*_snapshot(), group]).outputs
    assert outputs["addresses"] == ["10.50.1.0/24"]


def test_an_id_missing_from_the_snapshot_fails_as_azure_404s() -> None:
    def program() -> None:
        network.get_subnet(
            resource_group_name="rg-spoke", virtual_network_name="vnet-spoke", subnet_name="nope"
        )

    with pytest.raises(Exception, match='getSubnet failed: Status=404 Code="NotFound"'):
        _run(program, existing=_snapshot())


def test_a_missing_top_level_resource_fails_with_resource_not_found() -> None:
    def program() -> None:
        network.get_route_table(resource_group_name="rg-spoke", route_table_name="rt-hub")

    with pytest.raises(
        Exception, match=r"Code=\"ResourceNotFound\".*'Microsoft\.Network/routeTables/rt-hub'"
    ):
        _run(program, existing=_snapshot())


def test_without_a_snapshot_lookups_are_empty_and_listed_as_not_verified() -> None:
    def program() -> None:
        subnet = network.get_subnet(
            resource_group_name="rg", virtual_network_name="v", subnet_name="s"
        )
        pulumi.export("prefix", subnet.address_prefix or "none")

    run = _run(program)
    assert run.outputs["prefix"] == "none"
    [note] = run.notes
    assert note.startswith("not verified") and note.endswith(
        "/virtualNetworks/v/subnets/s (azure-native:network:getSubnet)"
    )


def test_created_resources_live_in_the_snapshot_subscription() -> None:
    run = _run(lambda: resources.ResourceGroup("group"), existing=_snapshot())
    assert run.resources[1].id.startswith(f"/subscriptions/{SPOKE_SUBSCRIPTION}/")


def test_a_configured_subscription_wins_over_the_snapshot() -> None:
    config = {"azure-native:subscriptionId": "11111111-2222-3333-4444-555555555555"}

    def program() -> None:
        network.get_virtual_network(
            resource_group_name="rg-spoke", virtual_network_name="vnet-spoke"
        )

    with pytest.raises(Exception, match="ResourceNotFound"):
        _run(program, config, existing=_snapshot())


HUB_SUBSCRIPTION = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
HUB_POLICY = f"/subscriptions/{HUB_SUBSCRIPTION}/resourceGroups/rg-hub/providers/Microsoft.Network/firewallPolicies/fw-hub"


def _hub_provider() -> azure_native.Provider:
    return azure_native.Provider("hub-provider", subscription_id=HUB_SUBSCRIPTION)


def test_a_resource_is_created_in_its_explicit_providers_subscription() -> None:
    def program() -> None:
        resources.ResourceGroup("spoke", resource_group_name="rg-a")
        hub = _hub_provider()
        resources.ResourceGroup(
            "hub", resource_group_name="rg-b", opts=pulumi.ResourceOptions(provider=hub)
        )
        # A component's providers reach its children, as under the real engine.
        parent = pulumi.ComponentResource("test:index:Hub", "hub-parts", opts=None)
        parent_opts = pulumi.ResourceOptions(parent=parent, providers=[hub])
        child = pulumi.ComponentResource("test:index:Part", "part", opts=parent_opts)
        network.NetworkSecurityGroup(
            "nsg", resource_group_name="rg-b", opts=pulumi.ResourceOptions(parent=child)
        )

    config = {"azure-native:subscriptionId": SPOKE_SUBSCRIPTION}
    run = _run(program, config)
    assert by_name(run, "spoke").id == f"/subscriptions/{SPOKE_SUBSCRIPTION}/resourceGroups/rg-a"
    assert by_name(run, "hub").id == f"/subscriptions/{HUB_SUBSCRIPTION}/resourceGroups/rg-b"
    assert by_name(run, "nsg").id.startswith(
        f"/subscriptions/{HUB_SUBSCRIPTION}/resourceGroups/rg-b/"
    )


def test_a_lookup_through_an_explicit_provider_is_made_in_its_subscription() -> None:
    # The snapshot holds both subscriptions' resources, as a landing zone's reader sees them.
    policy = {"id": HUB_POLICY, "name": "fw-hub", "threatIntelMode": "Deny"}
    config = {"azure-native:subscriptionId": SPOKE_SUBSCRIPTION}

    def program(through_hub: bool) -> None:
        opts = pulumi.InvokeOptions(provider=_hub_provider()) if through_hub else None
        found = network.get_firewall_policy(
            resource_group_name="rg-hub", firewall_policy_name="fw-hub", opts=opts
        )
        client = authorization.get_client_config(opts=opts)
        pulumi.export("policy", found.id)
        pulumi.export("subscription", client.subscription_id)

    outputs = _run(lambda: program(True), config, existing=[*_snapshot(), policy]).outputs
    assert outputs == {"policy": HUB_POLICY, "subscription": HUB_SUBSCRIPTION}
    # The same lookup through the default provider is made in the stack's subscription.
    with pytest.raises(Exception, match=r"getFirewallPolicy failed: Status=404"):
        _run(lambda: program(False), config, existing=[*_snapshot(), policy])


def test_an_explicit_provider_without_a_subscription_does_not_take_the_stacks() -> None:
    # azure-native:subscriptionId configures the default provider only; an explicit provider
    # given none uses its credentials' subscription, which the snapshot's stands for.
    def program() -> None:
        plain = azure_native.Provider("plain")
        resources.ResourceGroup(
            "group", resource_group_name="rg", opts=pulumi.ResourceOptions(provider=plain)
        )

    config = {"azure-native:subscriptionId": HUB_SUBSCRIPTION}
    run = _run(program, config, existing=_snapshot())
    assert by_name(run, "group").id == f"/subscriptions/{SPOKE_SUBSCRIPTION}/resourceGroups/rg"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[", "not valid JSON"),
        ('[{"name": "x"}]', "existing.json[0]: expected an Azure resource"),
        ('[{"id": "/subscriptions/s/resourceGroups/r"}, 3]', "existing.json[1]: expected"),
    ],
)
def test_a_bad_existing_file_exits_2_naming_the_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    path = tmp_path / "existing.json"
    path.write_text(content)
    assert (
        main(["--stack", "dev", "--program", str(ROOT), "--no-policy", "--existing", str(path)])
        == 2
    )
    assert expected in capsys.readouterr().err
