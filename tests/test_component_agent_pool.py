"""BuildAgentPool: the VNet-injected pool alone, its subnet link, its own quota, refused input."""

from collections.abc import Callable
from typing import Any

import pytest

from conftest import Refusal, by_name, children_of
from private_acr_preview.program import ProgramRun
from private_acr_tasks.agent_pool import BuildAgentPool, BuildAgentPoolArgs
from private_acr_tasks.network import Network

Runner = Callable[[Callable[[], object]], ProgramRun]

BASE: BuildAgentPoolArgs = {
    "resource_group_name": "rg",
    "location": "eastus2",
    "registry_name": "acr1",
    "subnet_id": "/x/subnets/agents",
    "pool_name": "pool-dev",
}


def pool_run(run_components: Runner, **changes: Any) -> ProgramRun:
    args: dict[str, Any] = {**BASE, **changes}
    return run_components(lambda: BuildAgentPool("build", args))  # pyright: ignore[reportArgumentType]


def test_the_component_holds_only_the_pool(run_components: Runner) -> None:
    assert children_of(pool_run(run_components), "build") == {
        ("azure-native:containerregistry:AgentPool", "build-pool"),
    }


def test_pool_is_linux_in_the_agent_subnet_with_its_tier_and_count(run_components: Runner) -> None:
    pool = by_name(pool_run(run_components, tier="S2", count=2), "build-pool").inputs
    assert (pool["tier"], pool["count"], pool["os"]) == ("S2", 2, "Linux")
    assert pool["virtualNetworkSubnetResourceId"] == "/x/subnets/agents"
    assert pool["agentPoolName"] == "pool-dev" and pool["registryName"] == "acr1"


def test_pool_waits_for_its_subnet_which_carries_the_nsg_and_endpoints(
    run_components: Runner,
) -> None:
    def program() -> None:
        net = Network(
            "net",
            {
                "resource_group_name": "rg",
                "location": "eastus2",
                "address_space": "10.40.0.0/16",
                "agent_subnet_prefix": "10.40.1.0/24",
                "private_endpoint_subnet_prefix": "10.40.2.0/27",
                "aks_subnet_prefix": "10.40.8.0/21",
            },
        )
        BuildAgentPool("build", {**BASE, "subnet_id": net.agent_subnet_id})

    run = run_components(program)
    subnet = by_name(run, "net-agent-subnet")
    assert by_name(run, "build-pool").property_dependencies["virtualNetworkSubnetResourceId"] == [
        subnet.urn
    ]
    assert subnet.property_dependencies["networkSecurityGroup"] == [
        by_name(run, "net-agent-nsg").urn
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tier": "S4"}, "BuildAgentPoolArgs.tier: got 'S4'; expected one of S1, S2, S3, I6"),
        ({"count": -1}, "BuildAgentPoolArgs.count: got -1; expected a whole number 0-100"),
        ({"count": True}, "BuildAgentPoolArgs.count: got True"),
        ({"pool_name": "p"}, "BuildAgentPoolArgs.pool_name: got 'p'"),
        (
            {"tier": "S3", "count": 3},
            "BuildAgentPoolArgs.count: 3 x S3 needs 24 vCPUs but the registry's quota is 16",
        ),
        ({"tier": "I6", "count": 1}, "quota is 0 (Azure's default for isolated pools is 0)"),
    ],
)
def test_bad_args_are_refused_naming_the_field(
    refusal: Refusal, change: dict[str, Any], message: str
) -> None:
    args: dict[str, Any] = {**BASE, **change}
    assert message in refusal(lambda: BuildAgentPool("build", args))  # pyright: ignore[reportArgumentType]


def test_a_raised_quota_admits_a_larger_pool(run_components: Runner) -> None:
    run = pool_run(run_components, tier="S3", count=3, vcpu_quota=32)
    assert by_name(run, "build-pool").inputs["count"] == 3
