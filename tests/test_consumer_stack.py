"""Another stack imports the components, even though it has its own `components` package."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from private_acr_policies.pack import main as pack_main
from private_acr_preview.cli import main as preview_main
from private_acr_preview.program import run_program

CONSUMER_MAIN = """
import pulumi
from components import naming  # the consumer's own package, shadowing nothing of ours
from private_acr_tasks import Network, Registry

net = Network("platform", {
    "resource_group_name": "rg-team", "location": "westus3",
    "address_space": "10.60.0.0/16", "agent_subnet_prefix": "10.60.1.0/24",
    "private_endpoint_subnet_prefix": "10.60.2.0/28", "aks_subnet_prefix": "10.60.16.0/20",
})
registry = Registry("images", {"resource_group_name": "rg-team", "location": "westus3", "name_prefix": naming.prefix()})
pulumi.export("agentSubnetId", net.agent_subnet_id)
pulumi.export("loginServer", registry.login_server)
"""


def test_consumer_stack_with_its_own_components_package(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: team-stack\nruntime: python\n")
    (tmp_path / "Pulumi.ci.yaml").write_text("config:\n  azure-native:location: westus3\n")
    (tmp_path / "components").mkdir()
    (tmp_path / "components" / "__init__.py").write_text("")
    (tmp_path / "components" / "naming.py").write_text(
        "def prefix() -> str:\n    return 'teamacr'\n"
    )
    (tmp_path / "__main__.py").write_text(CONSUMER_MAIN)

    run = run_program(tmp_path, "ci")

    types = {r.type for r in run.resources}
    assert {
        "private-acr-tasks:index:Network",
        "private-acr-tasks:index:Registry",
        "azure-native:containerregistry:Registry",
    } <= types
    assert run.outputs["loginServer"].startswith("teamacr") and run.outputs["loginServer"].endswith(
        ".azurecr.io"
    )
    assert "/subnets/platform-agent-subnet" in run.outputs["agentSubnetId"]


CONSUMER_WITH_OPEN_SSH = """
import pulumi
from pulumi_azure_native import network

network.NetworkSecurityGroup(
    "jump",
    resource_group_name="rg-team",
    location="westus3",
    security_rules=[network.SecurityRuleArgs(
        name="ssh", priority=100, direction="Inbound", access="Allow", protocol="Tcp",
        source_address_prefix="Internet", source_port_range="*",
        destination_address_prefix="*", destination_port_range="22",
    )],
)
"""


def test_a_consumer_stack_runs_the_installed_pack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = tmp_path / "pack"
    assert pack_main([str(pack)]) == 0
    policy = yaml.safe_load((pack / "PulumiPolicy.yaml").read_text())
    assert policy["runtime"]["options"]["virtualenv"] == sys.prefix
    # pip runs that environment whatever lock files the consumer's repository holds.
    assert policy["runtime"]["options"]["toolchain"] == "pip"
    program = tmp_path / "stack"
    program.mkdir()
    (program / "Pulumi.yaml").write_text("name: team-stack\nruntime: python\n")
    (program / "Pulumi.ci.yaml").write_text("config:\n  azure-native:location: westus3\n")
    (program / "__main__.py").write_text(CONSUMER_WITH_OPEN_SSH)

    code = preview_main(["--stack", "ci", "--program", str(program), "--policy-pack", str(pack)])

    assert code == 1
    assert "nsg-internet-admin-ingress" in capsys.readouterr().out
