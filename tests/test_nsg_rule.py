"""An NSG rule as a value: its ARM shape, and what the network component makes of it."""

from collections.abc import Callable

from conftest import by_name
from private_acr_preview.program import ProgramRun
from private_acr_rules.nsg_rule import NsgRule, allow_outbound

Runner = Callable[[Callable[[], object]], ProgramRun]


def test_one_port_is_a_port_range_and_several_are_a_list() -> None:
    one = allow_outbound("allow-kv", "AzureKeyVault", [443], 200, "to the vault")
    two = allow_outbound("allow-monitor", "AzureMonitor", [443, 12000], 240, "to monitor")
    assert one.arm() == {
        "name": "allow-kv",
        "priority": 200,
        "direction": "Outbound",
        "access": "Allow",
        "protocol": "Tcp",
        "sourceAddressPrefix": "VirtualNetwork",
        "sourcePortRange": "*",
        "destinationAddressPrefix": "AzureKeyVault",
        "destinationPortRange": "443",
        "description": "to the vault",
    }
    assert "destinationPortRange" not in two.arm()
    assert two.arm()["destinationPortRanges"] == ["443", "12000"]


def test_absent_fields_are_left_out_of_the_arm_shape() -> None:
    rule = NsgRule("deny-all", 4096, "Outbound", "Deny", "*", "*", "*", destination_port_range="*")
    assert set(rule.arm()) == {
        "name",
        "priority",
        "direction",
        "access",
        "protocol",
        "sourceAddressPrefix",
        "sourcePortRange",
        "destinationAddressPrefix",
        "destinationPortRange",
    }


def test_the_network_writes_each_agent_rule_as_its_arm_shape(run_components: Runner) -> None:
    from private_acr_tasks.network import Network, NetworkPlan

    args = {
        "resource_group_name": "rg",
        "location": "eastus2",
        "address_space": "10.40.0.0/16",
        "agent_subnet_prefix": "10.40.1.0/24",
        "private_endpoint_subnet_prefix": "10.40.2.0/27",
        "aks_subnet_prefix": "10.40.8.0/21",
        "build_destinations": {"registry.internal.example.com": {"address": "10.70.4.0/24"}},
    }
    plan: NetworkPlan = Network.plan(args)
    run = run_components(lambda: Network("net", args))  # pyright: ignore[reportArgumentType]
    written = by_name(run, "net-agent-nsg").inputs["securityRules"]
    assert written == [rule.arm() for rule in plan.agent_rules]
    # Five required rules, two for Microsoft Container Registry, one destination, the Deny.
    assert len(written) == 9
