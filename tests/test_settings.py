"""Typed stack settings: every rule refuses a bad value by key and accepts a good one."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from conftest import Refusal, stack_config, with_changes
from private_acr_tasks.errors import ConfigError
from private_acr_tasks.registry import ArtifactLifecycleMode
from private_acr_tasks.settings import load_settings

DEV = stack_config("dev")
WORKSPACE = "/subscriptions/s/resourceGroups/rg-mgmt/providers/Microsoft.OperationalInsights/workspaces/law-platform"


def problems(**changes: Any) -> list[str]:
    try:
        load_settings(with_changes(DEV, **changes))
    except ConfigError as error:
        return list(error.problems)
    return []


def test_dev_and_prod_load_into_typed_plans() -> None:
    dev = load_settings(DEV)
    assert dev.network.agent_subnet == ipaddress.IPv4Network("10.40.1.0/24")
    assert dev.agent_pool.tier == "S1" and dev.agent_pool.count == 1
    assert dev.protect is False and dev.aks.private_cluster is True
    prod = load_settings(stack_config("prod"))
    assert prod.protect is True and prod.registry.zone_redundancy is True


# (changes, key that must be named, a passing variant)
CASES: list[tuple[dict[str, Any], str, dict[str, Any]]] = [
    (
        {"network__agentSubnet": "10.40.1.1/24"},
        "network.agentSubnet",
        {"network__agentSubnet": "10.40.1.0/24"},
    ),
    (
        {"network__agentSubnet": "10.40.1.0"},
        "network.agentSubnet",
        {"network__agentSubnet": "10.40.3.0/24"},
    ),
    (
        {"network__agentSubnet": "10.41.1.0/24"},
        "network.agentSubnet",
        {"network__agentSubnet": "10.40.4.0/24"},
    ),
    (
        {"network__agentSubnet": "10.40.2.0/24"},
        "network.agentSubnet",
        {"network__agentSubnet": "10.40.5.0/24"},
    ),
    (
        {"network__privateEndpointSubnet": "10.40.2.0/30"},
        "network.privateEndpointSubnet",
        {"network__privateEndpointSubnet": "10.40.2.0/29"},
    ),
    (
        {"network__addressSpace": "fd00::/48"},
        "network.addressSpace",
        {"network__addressSpace": "10.40.0.0/16"},
    ),
    (
        {"network__dnsServers": ["172.17.0.53"]},
        "network.dnsServers[0]",
        {"network__dnsServers": ["10.40.0.4"]},
    ),
    ({"network__dnsServers": ["not-an-ip"]}, "network.dnsServers[0]", {"network__dnsServers": []}),
    ({"agentPool__tier": "S4"}, "agentPool.tier", {"agentPool__tier": "S3"}),
    ({"agentPool__tier": "s1"}, "agentPool.tier", {"agentPool__tier": "S1"}),
    # The dev pool has a schedule, and a pool of 0 has nothing for it to scale down.
    (
        {"agentPool__count": -1},
        "agentPool.count",
        {"agentPool__count": 0, "agentPool__schedule": None},
    ),
    ({"agentPool__count": 0}, "agentPool.schedule", {"agentPool__count": 2}),
    ({"agentPool__count": 9}, "agentPool.count", {"agentPool__count": 8}),
    (
        {"agentPool__tier": "I6"},
        "agentPoolQuotaIsolated",
        {"agentPool__tier": "I6", "agentPoolQuotaIsolated": "64"},
    ),
    (
        # A standard quota is not an isolated one (Learn: 16 standard, 0 isolated by default).
        {"agentPool__tier": "I6", "agentPool__vcpuQuota": 64},
        "agentPoolQuotaIsolated",
        {"agentPool__tier": "I6", "agentPoolQuotaIsolated": "64", "agentPoolQuota": "64"},
    ),
    ({"agentPoolQuotaIsolated": "-1"}, "agentPoolQuotaIsolated", {"agentPoolQuotaIsolated": "0"}),
    ({"aks__nodeCount": 0}, "aks.nodeCount", {"aks__nodeCount": 1}),
    ({"aks__sshPublicKey": "ssh-ed25519 notbase64!"}, "aks.sshPublicKey", {}),
    (
        {
            "aks__sshPublicKey": "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIB3owsUkn36WhXnTqsHMVaGwxJnIzgzP+3ZG/vs9pEDV x"
        },
        "aks.sshPublicKey",
        {},
    ),
    (
        {"aks__serviceCidr": "10.40.0.0/16", "aks__dnsServiceIp": "10.40.0.10"},
        "aks.serviceCidr",
        {},
    ),
    ({"aks__dnsServiceIp": "10.100.0.1"}, "aks.dnsServiceIp", {"aks__dnsServiceIp": "10.100.0.53"}),
    ({"aks__dnsServiceIp": "10.101.0.10"}, "aks.dnsServiceIp", {}),
    (
        {"aks__serviceCidr": "10.96.0.0/12", "aks__dnsServiceIp": "10.96.0.10"},
        "aks.serviceCidr",
        {"aks__serviceCidr": "10.96.0.0/13", "aks__dnsServiceIp": "10.96.0.10"},
    ),
    ({"aks__podCidr": "172.31.0.0/16"}, "aks.podCidr", {"aks__podCidr": "10.250.0.0/16"}),
    ({"aks__podCidr": "172.17.0.0/16"}, "aks.podCidr", {"aks__podCidr": "10.244.0.0/16"}),
    (
        {"aks__privateCluster": False},
        "aks.authorizedIpRanges",
        {"aks__privateCluster": False, "aks__authorizedIpRanges": ["203.0.113.0/24"]},
    ),
    (
        {"aks__privateCluster": False, "aks__authorizedIpRanges": ["0.0.0.0/0"]},
        "aks.authorizedIpRanges[0]",
        {},
    ),
    ({"registry__retentionDays": 366}, "registry.retentionDays", {"registry__retentionDays": 365}),
    (
        {"registry__zoneRedundancy": "yes"},
        "registry.zoneRedundancy",
        {"registry__zoneRedundancy": True},
    ),
    (
        {"registry__replicas": ["eastus2"]},
        "registry.replicas[0]",
        {"registry__replicas": ["westus3"]},
    ),
    (
        {"network__privateEndpointSubnet": "10.40.2.0/29", "registry__replicas": ["westus3"]},
        "network.privateEndpointSubnet",
        {"network__privateEndpointSubnet": "10.40.2.0/29"},
    ),
    (
        {"diagnostics__retentionDays": 10},
        "diagnostics.retentionDays",
        {"diagnostics__retentionDays": 30},
    ),
    (
        {"diagnostics__workspaceId": "law-platform"},
        "diagnostics.workspaceId",
        {"diagnostics__workspaceId": WORKSPACE},
    ),
    (
        {"aks__containerInsights": "maybe"},
        "aks.containerInsights",
        {"aks__containerInsights": True},
    ),
    ({"environment": "Dev!"}, "environment", {"environment": "qa"}),
    ({"environment": None}, "environment", {}),
    ({"protect": "maybe"}, "protect", {"protect": "true"}),
    (
        {"dockerBridgeCidr": "10.40.0.0/16"},
        "network.addressSpace",
        {"dockerBridgeCidr": "192.168.0.0/16"},
    ),
]


@pytest.mark.parametrize(
    ("bad", "key", "good"), CASES, ids=[c[1] + ":" + str(i) for i, c in enumerate(CASES)]
)
def test_a_bad_value_is_refused_by_key_and_a_good_one_accepted(
    bad: dict[str, Any], key: str, good: dict[str, Any]
) -> None:
    found = problems(**bad)
    assert any(key in p for p in found), found
    assert problems(**good) == []


def test_unknown_keys_are_named_with_a_suggestion() -> None:
    config = with_changes(DEV, agentPool__teir="S2")
    config["private-acr-tasks:agentpool"] = "{}"
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    text = str(caught.value)
    assert "agentPool.teir: unknown key; did you mean 'agentPool.tier'?" in text
    assert "agentpool: unknown key; did you mean 'agentPool'?" in text


def test_every_problem_is_reported_at_once() -> None:
    found = problems(agentPool__tier="S9", aks__nodeCount=0, network__aksSubnet="bad")
    assert {p.split(":")[0] for p in found} >= {
        "agentPool.tier",
        "aks.nodeCount",
        "network.aksSubnet",
    }


def test_missing_location_is_named() -> None:
    config = dict(DEV)
    del config["azure-native:location"]
    with pytest.raises(ConfigError, match="azure-native:location: missing"):
        load_settings(config)


def raw_problems(**raw: str) -> list[str]:
    """The problems of the dev config with some provider keys (``azure-native:<key>``) set."""
    try:
        load_settings({**DEV, **{f"azure-native:{key}": value for key, value in raw.items()}})
    except ConfigError as error:
        return list(error.problems)
    return []


@pytest.mark.parametrize(
    ("location", "message"),
    [
        # The CLI hands every config value to the program as text.
        ("true", "got 'true'; expected a region of the public cloud"),
        ('{"a": 1}', "got '{\"a\": 1}'; expected a region of the public cloud"),
        ("east\u200bus2", "got 'east\\u200bus2'; expected a region of the public cloud"),
        ("westus9", "got 'westus9'; expected a region of the public cloud"),
        ("usgovvirginia", "got 'usgovvirginia', a region of the usgovernment cloud"),
    ],
)
def test_the_location_must_name_a_region_of_the_stacks_cloud(location: str, message: str) -> None:
    assert [p for p in raw_problems(location=location) if p.startswith("azure-native:location: ")]
    assert any(message in p for p in raw_problems(location=location))


@pytest.mark.parametrize("location", ["eastus2", "East US 2", "(US) East US 2"])
def test_the_location_is_kept_as_written_in_any_form(location: str) -> None:
    assert load_settings({**DEV, "azure-native:location": location}).location == location


def test_a_government_stack_takes_a_government_region() -> None:
    assert raw_problems(environment="usgovernment", location="usgovvirginia") == []
    (problem,) = raw_problems(environment="usgovernment")
    assert problem.startswith(
        "azure-native:location: got 'eastus2', a region of the public cloud; expected a region "
        "of the usgovernment cloud"
    )


@pytest.mark.parametrize("subscription", ["1e40", "1e+40", "sub-1", "5a6b7c8d-1111-4222-8333"])
def test_a_subscription_id_that_is_no_guid_is_refused(subscription: str) -> None:
    assert raw_problems(subscriptionId=subscription) == [
        f"azure-native:subscriptionId: got {subscription!r}; expected a subscription id (a GUID)"
    ]


def test_a_subscription_id_is_kept() -> None:
    guid = "5A6B7C8D-1111-4222-8333-944455556666"
    assert load_settings({**DEV, "azure-native:subscriptionId": guid}).subscription_id == guid
    assert load_settings(DEV).subscription_id is None


@pytest.mark.parametrize(
    "text",
    # Digits to str.isdigit and int() (superscript two, Arabic-Indic one, three two), or a
    # sign check that int() then fails on; none is a number to the CLI's YAML or JSON.
    ["--5", "+-5", "\u00b2", "\u0661", "\u0663\u0662", "1_000", "\u00bd", "9" * 5000],
)
def test_numbers_are_ascii_digits(text: str) -> None:
    found = problems(agentPool__vcpuQuota=text) + problems(agentPoolQuota=text)
    assert {p.split(":")[0] for p in found} == {"agentPool.vcpuQuota", "agentPoolQuota"}
    assert all("expected a whole number" in p for p in found)


def test_a_number_the_cli_hands_over_as_text_is_read() -> None:
    settings = load_settings(with_changes(DEV, agentPool__count="2", agentPoolQuota=" 16 "))
    assert settings.agent_pool.count == 2


def test_a_component_rule_reads_the_same_under_config_and_args_names(refusal: Refusal) -> None:
    from private_acr_tasks.network import Network

    config_problem = next(p for p in problems(network__agentSubnet="10.41.0.0/24"))
    args: dict[str, Any] = {
        "resource_group_name": "rg",
        "location": "eastus2",
        "address_space": "10.40.0.0/16",
        "agent_subnet_prefix": "10.41.0.0/24",
        "private_endpoint_subnet_prefix": "10.40.2.0/27",
        "aks_subnet_prefix": "10.40.8.0/21",
    }
    args_problem = refusal(lambda: Network("net", args)).splitlines()[1].strip(" -")  # pyright: ignore[reportArgumentType]
    assert config_problem.startswith("network.agentSubnet: ")
    assert args_problem.startswith("NetworkArgs.agent_subnet_prefix: ")
    assert config_problem.split(": ", 1)[1] == args_problem.split(": ", 1)[1]


def test_soft_delete_days_select_the_soft_delete_lifecycle() -> None:
    settings = load_settings(
        with_changes(DEV, registry__retentionDays=None, registry__softDeleteDays=30)
    )
    assert settings.registry.lifecycle.mode is ArtifactLifecycleMode.SOFT_DELETE
    assert settings.registry.lifecycle.days == 30


def test_soft_delete_days_out_of_range_name_their_config_key() -> None:
    found = problems(registry__retentionDays=None, registry__softDeleteDays=120)
    assert "registry.softDeleteDays: got 120; expected a whole number 1-90" in found


def test_retention_and_soft_delete_together_are_refused() -> None:
    found = problems(registry__softDeleteDays=30)
    assert any(p.startswith("registry.softDeleteDays: ACR does not allow") for p in found)


def test_the_aks_subnet_must_hold_every_node_and_one_more() -> None:
    found = problems(network__aksSubnet="10.40.8.0/29", aks__nodeCount=3)
    assert any(
        p.startswith("network.aksSubnet: 10.40.8.0/29 has 3 usable addresses") for p in found
    )


def test_the_docker_bridge_must_avoid_the_cluster_service_range() -> None:
    found = problems(dockerBridgeCidr="10.100.0.0/16")
    assert any(
        p.startswith("aks.serviceCidr: 10.100.0.0/16 overlaps the Docker bridge") for p in found
    )


def test_replicas_and_soft_delete_together_are_refused_naming_both_keys() -> None:
    found = problems(
        registry__retentionDays=None, registry__softDeleteDays=30, registry__replicas=["westus3"]
    )
    assert [p for p in found if "registry.replicas" in p and "registry.softDeleteDays" in p]


def test_soft_delete_added_to_the_replicated_prod_registry_names_replicas_too() -> None:
    # Prod keeps retentionDays; removing it, as the first message says, must not be the only fix.
    try:
        load_settings(with_changes(stack_config("prod"), registry__softDeleteDays=30))
        found: list[str] = []
    except ConfigError as error:
        found = list(error.problems)
    assert any(p.startswith("registry.softDeleteDays: ACR does not allow") for p in found)
    assert [p for p in found if "registry.replicas" in p and "registry.softDeleteDays" in p]


def test_replicas_keep_retention() -> None:
    settings = load_settings(with_changes(DEV, registry__replicas=["westus3", "centralus"]))
    assert settings.registry.replicas == ("westus3", "centralus")
    assert settings.registry.lifecycle.mode is ArtifactLifecycleMode.RETENTION


def test_prod_is_geo_replicated_with_retention_and_sends_its_logs() -> None:
    prod = load_settings(stack_config("prod"))
    assert prod.registry.replicas == ("westus3",)
    assert prod.registry.lifecycle.mode is ArtifactLifecycleMode.RETENTION
    assert prod.registry.lifecycle.days >= 7
    assert prod.diagnostics.workspace_id is None and prod.aks.container_insights is True


def test_without_diagnostics_config_a_workspace_named_after_the_stack_is_planned() -> None:
    diagnostics = load_settings(DEV).diagnostics
    assert diagnostics.workspace_id is None and diagnostics.retention_days == 30
    assert diagnostics.workspace_name == "log-private-acr-tasks-dev"


def test_an_existing_workspace_is_used_by_id() -> None:
    settings = load_settings(with_changes(DEV, diagnostics__workspaceId=WORKSPACE))
    assert settings.diagnostics.workspace_id == WORKSPACE


def test_retention_days_for_an_existing_workspace_are_refused_naming_both_keys() -> None:
    found = problems(diagnostics={"workspaceId": WORKSPACE, "retentionDays": 60})
    assert [
        p
        for p in found
        if p.startswith("diagnostics.retentionDays: ") and "diagnostics.workspaceId" in p
    ]


def test_agent_egress_keys_reach_the_network_plan() -> None:
    allowed = [{"name": "github", "destination": "140.82.112.0/20", "ports": [443]}]
    network = load_settings(with_changes(DEV, network__agentEgressAllow=allowed)).network
    assert network.agent_egress == "restricted"
    assert [(a.name, a.destination, a.ports) for a in network.egress_allow] == [
        ("github", "140.82.112.0/20", (443,))
    ]
    assert load_settings(with_changes(DEV, network__agentEgress="open")).network.agent_egress == (
        "open"
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"network__agentEgress": "closed"}, "network.agentEgress: got 'closed'"),
        (
            {"network__agentEgressAllow": [{"name": "all", "destination": "*"}]},
            "network.agentEgressAllow[0].destination: got '*', which opens every internet "
            "address; set network.agentEgress to open instead",
        ),
        (
            {"network__agentEgressAllow": [{"name": "gh", "destination": "Git Hub"}]},
            "network.agentEgressAllow[0].destination: got 'Git Hub'; expected an IPv4 CIDR or "
            "address, or a service tag such as AzureCloud.WestEurope",
        ),
        (
            {
                "network__agentEgressAllow": [
                    {"name": "git", "destination": "1.2.3.0/24", "port": 22}
                ]
            },
            "network.agentEgressAllow[0].port: unknown key; did you mean "
            "'network.agentEgressAllow[0].ports'?",
        ),
    ],
)
def test_bad_agent_egress_keys_are_named(changes: dict[str, Any], message: str) -> None:
    assert any(message in p for p in problems(**changes)), problems(**changes)
