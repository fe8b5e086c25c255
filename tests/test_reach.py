"""Proof of reach on the repository's stacks, as ``make preview`` runs them.

Every stack shows a matrix of its agent pools by its private dependencies, in the summary and
as ``reach`` in ``--json``; none has a ``broken`` cell. A landing zone whose central registry zone
is not linked to the spoke, and custom DNS servers, are judged from the same run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from previews import STACKS
from test_summary import table_rows

from conftest import ROOT
from private_acr_preview.cli import main

SPOKE_SNAPSHOT = ROOT / "examples" / "existing" / "spoke.json"
VERDICTS = {"ok", "broken", "not_checked"}
FIELDS = {"pool", "dependency", "name", "route", "filter", "target", "reasons"}


def preview(
    tmp_path: Path, stack: str, *, config_file: Path | None = None, existing: Path | None = None
) -> tuple[int, dict[str, Any], str]:
    """``offline-preview`` as ``make preview STACK=<stack>`` runs it: the exit code, the plan and
    the summary."""
    args = ["--stack", stack, "--program", str(ROOT)]
    policy = ROOT / "policies" / "config" / f"{stack}.json"
    snapshot = existing or ROOT / "examples" / "existing" / f"{stack}.json"
    args += ["--policy-config", str(policy)] if policy.is_file() else []
    args += ["--existing", str(snapshot)] if snapshot.is_file() else []
    args += ["--config-file", str(config_file)] if config_file is not None else []
    plan, summary = tmp_path / "plan.json", tmp_path / "summary.md"
    code = main([*args, "--json", str(plan), "--summary", str(summary)])
    return code, json.loads(plan.read_text()), summary.read_text()


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_shows_a_matrix_with_no_broken_cell(tmp_path: Path, stack: str) -> None:
    code, plan, summary = preview(tmp_path, stack)
    assert code == 0
    cells: list[dict[str, Any]] = plan["reach"]
    assert cells and all(set(c) == FIELDS for c in cells)
    assert all(c[a] in VERDICTS for c in cells for a in ("name", "route", "filter", "target"))
    assert not [c for c in cells if "broken" in (c["name"], c["route"], c["filter"], c["target"])]
    pools = sorted({c["pool"] for c in cells})
    rows = table_rows(summary, "| dependency |")
    assert len(rows) == len({c["dependency"] for c in cells})
    assert all(len(row) == 1 + len(pools) for row in rows)
    assert "❌" not in "".join(cell for row in rows for cell in row)
    # What a mark means is said under the table.
    assert "\n✅ ok: name (DNS to the endpoint), route, filter (NSGs) and target" in summary


def test_each_regional_data_endpoint_of_prod_has_its_own_row(tmp_path: Path) -> None:
    code, plan, summary = preview(tmp_path, "prod")
    assert code == 0
    registry = plan["outputs"]["registryName"]
    dependencies = [c["dependency"] for c in plan["reach"]]
    # Learn, container-registry-private-link: a data endpoint per region the registry serves,
    # named <registry>.<region>.data.azurecr.io; prod serves eastus2 and its replica westus3.
    for region in ("eastus2", "westus3"):
        name = f"{registry}.{region}.data.azurecr.io"
        assert dependencies.count(name) == 1, dependencies
        assert [f"`{name}`", "✅ ok"] in table_rows(summary, "| dependency |")
    assert f"{registry}.azurecr.io" in dependencies


def test_the_government_stack_reaches_its_clouds_names(tmp_path: Path) -> None:
    code, plan, _ = preview(tmp_path, "gov")
    assert code == 0
    names = {c["dependency"] for c in plan["reach"]}
    assert any(n.endswith(".usgovvirginia.data.azurecr.us") for n in names), names
    assert any(n.endswith(".blob.core.usgovcloudapi.net") for n in names), names


def test_the_internal_registry_of_the_builds_stack_is_a_row_of_every_pool(tmp_path: Path) -> None:
    code, plan, _ = preview(tmp_path, "builds")
    assert code == 0
    rows = [c for c in plan["reach"] if c["dependency"] == "registry.internal.example.com"]
    assert {c["pool"] for c in rows} == {"small", "heavy"}
    # Its address is allowed by the agents' NSG; the route to 10.70.4.0/24 (outside the VNet,
    # no peering in the stack) is not shown, so it is not checked rather than passed.
    assert {(c["filter"], c["route"]) for c in rows} == {("ok", "not_checked")}
    assert all(any("connectivity not shown" in r for r in c["reasons"]) for c in rows)


def _without_spoke_links(tmp_path: Path) -> Path:
    snapshot = [
        entry
        for entry in json.loads(SPOKE_SNAPSHOT.read_text())
        if not entry["id"].endswith("/privatelink.azurecr.io/virtualNetworkLinks/vnet-spoke")
    ]
    path = tmp_path / "existing.json"
    path.write_text(json.dumps(snapshot))
    return path


_ENVELOPE = {"id", "name", "type", "location", "tags", "etag"}


def _arm_form(value: Any) -> Any:
    """A snapshot entry as ARM's REST API returns it (az rest, az resource show): the fields of
    each resource and inline child resource under "properties"; references stay {"id"}."""
    if isinstance(value, list):
        return [_arm_form(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    if not isinstance(value, dict):
        return value
    fields: dict[str, Any] = value  # pyright: ignore[reportUnknownVariableType]
    nested = {k: _arm_form(v) for k, v in fields.items() if k not in _ENVELOPE}
    if "id" in fields and "name" in fields:
        nested.pop("resourceGroup", None)
        return {**{k: v for k, v in fields.items() if k in _ENVELOPE}, "properties": nested}
    return nested | {k: v for k, v in fields.items() if k in _ENVELOPE}


@pytest.mark.parametrize("linked", [True, False])
def test_a_snapshot_in_arms_rest_form_is_judged_as_the_clis(tmp_path: Path, linked: bool) -> None:
    # The preflight's lookups and the pack read it alike: an ARM-form snapshot was refused
    # ("its prefix is none") and its links were not seen.
    cli_form = _without_spoke_links(tmp_path) if not linked else SPOKE_SNAPSHOT
    nested = tmp_path / "arm.json"
    nested.write_text(json.dumps(_arm_form(json.loads(cli_form.read_text()))))
    assert '"properties": {"addressPrefix": "10.50.1.0/24"' in nested.read_text()
    code, plan, _ = preview(tmp_path, "spoke", existing=nested)
    names = {c["dependency"]: c["name"] for c in plan["reach"]}
    if linked:
        assert code == 0
        assert len(names) == 3 and all(
            c[a] == "ok" for c in plan["reach"] for a in ("name", "route", "filter", "target")
        ), plan["reach"]
    else:
        assert code == 1
        assert {d.split(".", 1)[1] for d, v in names.items() if v == "broken"} == {
            "azurecr.io",
            "eastus2.data.azurecr.io",
        }


def test_a_central_zone_not_linked_to_the_spoke_fails_the_policy(tmp_path: Path) -> None:
    code, plan, summary = preview(tmp_path, "spoke", existing=_without_spoke_links(tmp_path))
    assert code == 1
    findings = [
        v for v in plan["policy"]["violations"] if v["policy"] == "agent-pool-private-reach"
    ]
    # One per name the zone would resolve: the login server and the data endpoint.
    assert len(findings) == 2 and {f["level"] for f in findings} == {"mandatory"}
    for finding in findings:
        assert (
            ".azurecr.io: name broken: zone privatelink.azurecr.io is linked only to VNet "
            "vnet-hub, not to the agents' VNet vnet-spoke" in finding["message"]
        )
        assert "Fix: link zone privatelink.azurecr.io to VNet vnet-spoke" in finding["message"]
    broken = [c for c in plan["reach"] if c["name"] == "broken"]
    assert {c["dependency"].split(".", 1)[1] for c in broken} == {
        "azurecr.io",
        "eastus2.data.azurecr.io",
    }
    # The matrix says the same as the policy.
    assert "❌ broken: name" in summary


def test_without_a_snapshot_the_spoke_is_not_checked_never_passed(tmp_path: Path) -> None:
    code, plan, _ = preview(tmp_path, "spoke", existing=tmp_path / "none.json")
    assert code == 0
    assert {c["name"] for c in plan["reach"]} == {"not_checked"}
    notes = [n for n in plan["policy"]["notChecked"] if n["policy"] == "agent-pool-private-reach"]
    assert notes and all("--existing snapshot" in n["reason"] for n in notes)


def test_custom_dns_servers_leave_every_name_not_checked_saying_what_they_must_do(
    tmp_path: Path,
) -> None:
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    document["config"]["private-acr-tasks:network"]["dnsServers"] = ["10.40.0.4"]
    path = tmp_path / "Pulumi.dev-dns.yaml"
    path.write_text(yaml.safe_dump(document))
    code, plan, _ = preview(tmp_path, "dev", config_file=path)
    assert code == 0
    cells = plan["reach"]
    assert {c["name"] for c in cells} == {"not_checked"}
    for cell in cells:
        [reason] = [r for r in cell["reasons"] if r.startswith("name not checked")]
        assert "custom DNS servers 10.40.0.4" in reason
        assert "to Azure DNS (168.63.129.16) from a VNet linked to privatelink." in reason
        assert "or host privatelink." in reason


def test_the_matrix_is_in_the_same_order_whatever_order_the_plan_holds(tmp_path: Path) -> None:
    # The engine registers resources side by side, so the plan's order is not the program's.
    from private_acr_policies.reach_section import section

    code, plan, _ = preview(tmp_path, "builds")
    assert code == 0
    first = plan["reach"]
    values = yaml.safe_load((ROOT / "Pulumi.builds.yaml").read_text())["config"]
    config = {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}
    listed = {**plan, "existing": None, "policyConfig": {}, "config": config}
    shuffled = section({**listed, "resources": list(reversed(plan["resources"]))})
    again = section(listed)
    assert shuffled is not None and again is not None
    assert shuffled["data"] == again["data"]
    assert [c["dependency"] for c in again["data"]] == [c["dependency"] for c in first]


def test_subnets_of_the_stack_in_a_vnet_owned_elsewhere_reach_the_central_zones(
    tmp_path: Path,
) -> None:
    # network.existingVnetId: the stack creates its subnets (and their NSGs) in the spoke's VNet;
    # the snapshot shows that VNet and the hub zones' links to it.
    document = yaml.safe_load((ROOT / "Pulumi.spoke.yaml").read_text())
    network = document["config"]["private-acr-tasks:network"]
    subnet_id = network.pop("existingSubnetIds")["agent"]
    network["existingVnetId"] = subnet_id.rsplit("/subnets/", 1)[0]
    network |= {
        "agentSubnet": "10.50.3.0/24",
        "privateEndpointSubnet": "10.50.4.0/27",
        "aksSubnet": "10.50.16.0/21",
    }
    path = tmp_path / "Pulumi.spoke-vnet.yaml"
    path.write_text(yaml.safe_dump(document))
    code, plan, _ = preview(tmp_path, "spoke", config_file=path)
    assert code == 0
    cells = plan["reach"]
    assert len(cells) == 3  # login server, data endpoint, artifact store
    assert all(c[a] == "ok" for c in cells for a in ("name", "route", "filter", "target")), cells


def test_no_matrix_is_drawn_for_a_disabled_policy(tmp_path: Path) -> None:
    # A review must not show verdicts of a policy the --policy-config turned off.
    from private_acr_policies.reach_section import section

    code, plan, _ = preview(tmp_path, "dev")
    assert code == 0
    values = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    config = {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}
    listed = {**plan, "existing": None, "config": config}
    assert section({**listed, "policyConfig": {}}) is not None
    assert section({**listed, "policyConfig": {"all": "advisory"}}) is not None
    for off in (
        {"agent-pool-private-reach": "disabled"},
        {"agent-pool-private-reach": {"enforcementLevel": "disabled"}},
        {"all": "disabled"},
    ):
        assert section({**listed, "policyConfig": off}) is None, off
    kept = {"all": "disabled", "agent-pool-private-reach": "mandatory"}
    assert section({**listed, "policyConfig": kept}) is not None
