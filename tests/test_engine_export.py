"""``--export``: a stack export that ``pulumi stack import`` accepts (magic cookie, integrity)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from conftest import ROOT
from private_acr_preview import report
from private_acr_preview.cli import main


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("export") / "dev.export.json"
    assert (
        main(["--stack", "dev", "--program", str(ROOT), "--no-policy", "--export", str(path)]) == 0
    )
    return json.loads(path.read_text())


def test_magic_is_the_sha256_of_the_manifest_version(export: dict[str, Any]) -> None:
    manifest = export["deployment"]["manifest"]
    assert manifest["version"]
    assert manifest["magic"] == hashlib.sha256(manifest["version"].encode()).hexdigest()


def test_magic_of_an_empty_version_is_empty() -> None:
    assert report.manifest_magic("") == ""


def _integrity_problems(resources: list[dict[str, Any]]) -> list[str]:
    """The checks of pulumi's snapshot.VerifyIntegrity that an export can fail."""
    problems: list[str] = []
    seen: set[str] = set()
    providers: set[str] = set()
    for resource in resources:
        urn = resource["urn"]
        if not resource["custom"] and resource.get("id"):
            problems.append(f"{urn}: custom false but non-empty ID")
        if resource["type"].startswith("pulumi:providers:"):
            providers.add(f"{urn}::{resource['id']}")
        if "provider" in resource and resource["provider"] not in providers:
            problems.append(f"{urn}: refers to unknown provider {resource['provider']}")
        references = [resource.get("parent"), *resource.get("dependencies", [])]
        references += [
            d for deps in resource.get("propertyDependencies", {}).values() for d in deps
        ]
        problems += [f"{urn}: {r} comes after it" for r in references if r and r not in seen]
        if urn in seen:
            problems.append(f"{urn}: duplicate")
        seen.add(urn)
    return problems


def test_export_passes_the_cli_integrity_checks(export: dict[str, Any]) -> None:
    assert _integrity_problems(export["deployment"]["resources"]) == []


def test_a_resource_of_an_explicit_provider_refers_to_it_and_the_provider_to_none() -> None:
    import pulumi
    import pulumi_azure_native as azure_native
    from pulumi_azure_native import resources

    from private_acr_preview.program import run_function

    def program() -> None:
        resources.ResourceGroup("spoke", resource_group_name="rg-a")
        hub = azure_native.Provider(
            "hub-provider", subscription_id="7c9e6679-7425-40de-944b-e07fc1f90ae7"
        )
        resources.ResourceGroup(
            "hub", resource_group_name="rg-b", opts=pulumi.ResourceOptions(provider=hub)
        )

    run = run_function(program, project="export", stack="test")
    exported = report.to_export(run)["deployment"]["resources"]
    assert _integrity_problems(exported) == []
    by_name = {e["urn"].rsplit("::", 1)[-1]: e for e in exported}
    provider = by_name["hub-provider"]
    assert provider["type"] == "pulumi:providers:azure-native"
    assert "provider" not in provider
    assert by_name["hub"]["provider"] == f"{provider['urn']}::{provider['id']}"
    default = by_name["spoke"]["provider"]
    assert default.split("::")[-2].startswith("default_")
    assert default != by_name["hub"]["provider"]
