"""The components served to other languages: the schema the provider reports over gRPC, and a
Construct under the SDK's mock engine.

``pulumi package add provider`` makes the Python language host run ``python provider/
<engine>``; this starts it the same way and asks for the schema as the CLI does.
"""

import ast
import inspect
import json
import re
import subprocess
import sys
import typing
from collections.abc import Callable, Iterator
from typing import Any, cast

import grpc
import pytest
import yaml
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.experimental.host import components_from_module
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

import private_acr_tasks
from conftest import ROOT, by_name
from private_acr_preview.program import ProgramRun

Runner = Callable[[Callable[[], object]], ProgramRun]
PACKAGE = "private-acr-tasks"
COMPONENTS = components_from_module(private_acr_tasks)


@pytest.fixture(scope="module")
def schema() -> Iterator[dict[str, Any]]:
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "provider"), "127.0.0.1:1"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        assert port.isdigit(), process.stderr.read() if process.stderr else "no port"
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            # grpc ships no type information; the request and response classes are typed.
            get_schema = cast(
                Callable[[provider_pb2.GetSchemaRequest], provider_pb2.GetSchemaResponse],
                provider_pb2_grpc.ResourceProviderStub(channel).GetSchema,  # pyright: ignore[reportUnknownMemberType]
            )
            response = get_schema(provider_pb2.GetSchemaRequest(version=0))
        yield json.loads(response.schema)
    finally:
        process.kill()
        process.wait()


def own_fields(args_type: type) -> list[str]:
    """Fields the args class declares itself (inherited ones: see
    test_inherited_inputs_are_described)."""
    body = ast.parse(inspect.getsource(args_type)).body[0]
    assert isinstance(body, ast.ClassDef)
    return [
        node.target.id
        for node in body.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    ]


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def args_type(component: type) -> type:
    return typing.get_type_hints(component.__init__)["args"]


def test_every_exported_component_is_in_the_schema(schema: dict[str, Any]) -> None:
    assert schema["name"] == PACKAGE
    names = {f"{PACKAGE}:index:{c.__name__}" for c in COMPONENTS}
    assert names == set(schema["resources"])
    assert all(schema["resources"][name]["isComponent"] for name in names)
    assert len(names) >= 7


@pytest.mark.parametrize("component", COMPONENTS, ids=[c.__name__ for c in COMPONENTS])
def test_each_component_has_typed_described_inputs(schema: dict[str, Any], component: type) -> None:
    resource = schema["resources"][f"{PACKAGE}:index:{component.__name__}"]
    inputs = resource["inputProperties"]
    assert {"resourceGroupName", "location"} <= set(inputs)
    for field in own_fields(args_type(component)):
        spec = inputs[camel(field)]
        assert "type" in spec or "$ref" in spec, field
        assert spec.get("description"), f"{component.__name__}Args.{field} has no docstring"
    assert set(resource["requiredInputs"]) >= {"resourceGroupName", "location"}


@pytest.mark.parametrize("component", COMPONENTS, ids=[c.__name__ for c in COMPONENTS])
def test_each_component_declares_described_outputs(schema: dict[str, Any], component: type) -> None:
    resource = schema["resources"][f"{PACKAGE}:index:{component.__name__}"]
    outputs = resource["properties"]
    assert outputs, f"{component.__name__} declares no outputs"
    assert all(spec.get("description") for spec in outputs.values())
    assert set(resource["required"]) == set(outputs) - OPTIONAL_OUTPUTS.get(
        component.__name__, set()
    )


OPTIONAL_OUTPUTS = {"InClusterBuildTrigger": {"quickBuildCommand"}}
"""Outputs a component sets only when asked (``quick_builds``)."""


def descriptions(node: object) -> list[str]:
    if isinstance(node, dict):
        items = cast(dict[str, object], node).items()
        own = [value for key, value in items if key == "description" and isinstance(value, str)]
        return own + [text for _, value in items for text in descriptions(value)]
    if isinstance(node, list):
        return [text for item in cast(list[object], node) for text in descriptions(item)]
    return []


def test_descriptions_are_in_the_consumers_words(schema: dict[str, Any]) -> None:
    texts = descriptions(schema)
    assert len(texts) > 100
    for text in texts:
        assert "``" not in text and ":class:" not in text, text
        assert not re.search(r"\b(True|False)\b", text), text
        assert not re.search(r"\b(existing_subnet_ids|private_dns_zone_id|idle_count)\b", text)
    network = schema["resources"][f"{PACKAGE}:index:Network"]["inputProperties"]
    assert "Not with `existingSubnetIds`." in network["poolSubnetPrefixes"]["description"]
    assert network["registryUsesPrivateLink"]["description"].startswith("When true (default)")


def test_inherited_inputs_are_described(schema: dict[str, Any]) -> None:
    pool = schema["resources"][f"{PACKAGE}:index:BuildAgentPool"]["inputProperties"]
    assert pool["resourceGroupName"]["description"] == (
        "Resource group for the component's resources."
    )
    assert pool["registryName"]["description"] == "The Premium registry that owns the pool."


def test_closed_sets_are_schema_enums(schema: dict[str, Any]) -> None:
    tier = schema["types"][f"{PACKAGE}:index:AgentPoolTier"]
    assert [value["value"] for value in tier["enum"]] == ["S1", "S2", "S3", "I6"]
    pool_inputs = schema["resources"][f"{PACKAGE}:index:BuildAgentPool"]["inputProperties"]
    assert pool_inputs["tier"]["$ref"] == f"#/types/{PACKAGE}:index:AgentPoolTier"


def test_plain_inputs_are_marked_plain_and_links_are_not(schema: dict[str, Any]) -> None:
    network = schema["resources"][f"{PACKAGE}:index:Network"]["inputProperties"]
    assert network["addressSpace"]["plain"] is True
    assert "plain" not in network["resourceGroupName"]


def test_construct_builds_the_component_from_schema_inputs(run_components: Runner) -> None:
    provider = ComponentProvider(COMPONENTS, PACKAGE)
    results: list[Any] = []

    def program() -> None:
        result = provider.construct(
            "net",
            f"{PACKAGE}:index:Network",
            {
                "resourceGroupName": "rg",
                "location": "eastus2",
                "addressSpace": "10.40.0.0/16",
                "agentSubnetPrefix": "10.40.1.0/24",
                "privateEndpointSubnetPrefix": "10.40.2.0/27",
                "aksSubnetPrefix": "10.40.8.0/21",
            },
        )
        results.append(result)

    run = run_components(program)
    assert by_name(run, "net").type == f"{PACKAGE}:index:Network"
    assert by_name(run, "net-agent-subnet").inputs["addressPrefix"] == "10.40.1.0/24"
    assert set(results[0].state) >= {"vnetId", "agentSubnetId", "privateEndpointSubnetId"}


def test_construct_turns_enum_values_back_into_members(run_components: Runner) -> None:
    provider = ComponentProvider(COMPONENTS, PACKAGE)

    def program() -> None:
        provider.construct(
            "build",
            f"{PACKAGE}:index:BuildAgentPool",
            {
                "resourceGroupName": "rg",
                "location": "eastus2",
                "registryName": "acr1",
                "subnetId": "/s",
                "poolName": "pool-dev",
                "tier": "S2",
                "count": 2.0,
            },
        )

    pool = by_name(run_components(program), "build-pool")
    assert (pool.inputs["tier"], pool.inputs["count"]) == ("S2", 2)


def test_the_yaml_example_uses_only_schema_inputs(schema: dict[str, Any]) -> None:
    program = yaml.safe_load((ROOT / "examples" / "yaml-consumer" / "Pulumi.yaml").read_text())
    assert program["packages"] == {PACKAGE: "../../provider"}
    ours = {k: v for k, v in program["resources"].items() if v["type"].startswith(PACKAGE)}
    assert len(ours) >= 3
    for name, resource in ours.items():
        spec = schema["resources"][resource["type"]]
        properties = set(resource["properties"])
        assert properties <= set(spec["inputProperties"]), name
        assert set(spec["requiredInputs"]) <= properties, name
