"""The pack's servicer: the stack decoded once per AnalyzeStack, same verdicts as the stock one.

These tests pin what ``private_acr_policies._server`` relies on in pulumi-policy; when one fails
after an upgrade, re-read ``_PolicyAnalyzerServicer`` and that module's docstring.
"""

from __future__ import annotations

import gc
import importlib.metadata
import inspect
import re
from collections.abc import Iterator
from typing import Any

import pytest
from generated_stack import generated_stack
from policy_wire import WireResource, reconcile, struct
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel, PolicyPack, Severity
from pulumi_policy import policy as pulumi_policy_module

from private_acr_policies import PACK_NAME, POLICIES, _server
from private_acr_policies._config import NoSettings
from private_acr_policies._model import Stack
from private_acr_policies._policy import Finding, Rule, stack_policy


def test_pulumi_policy_is_the_version_the_servicer_was_written_for() -> None:
    assert importlib.metadata.version("pulumi-policy") == "1.21.0"


def test_policy_pack_builds_its_servicer_by_module_name() -> None:
    source = inspect.getsource(PolicyPack.__init__)
    assert "_PolicyAnalyzerServicer(" in source
    assert _server.StockServicer is pulumi_policy_module._PolicyAnalyzerServicer  # pyright: ignore[reportPrivateUsage]


def test_stock_analyze_stack_reads_only_the_resources_of_the_request() -> None:
    source = inspect.getsource(_server.StockServicer.AnalyzeStack)
    assert set(re.findall(r"request\.(\w+)", source)) == {"resources"}
    assert list(inspect.signature(_server.StockServicer.AnalyzeStack).parameters) == [
        "self",
        "request",
        "_context",
    ]


@pytest.fixture
def installed() -> Iterator[None]:
    before = pulumi_policy_module._PolicyAnalyzerServicer  # pyright: ignore[reportPrivateUsage]
    yield
    pulumi_policy_module._PolicyAnalyzerServicer = before  # pyright: ignore[reportPrivateUsage]


def test_install_makes_policy_pack_serve_with_the_shared_servicer(installed: None) -> None:
    assert _server.install() is True
    assert pulumi_policy_module._PolicyAnalyzerServicer is _server.SharedStackServicer  # pyright: ignore[reportPrivateUsage]


def servicer(kind: Any, policies: list[Any] = POLICIES) -> Any:
    instance = kind(PACK_NAME, "0.0.1", policies, EnforcementLevel.ADVISORY)
    info = instance.GetAnalyzerInfo(None, None)
    instance.Configure(
        analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=reconcile(info.policies, {})), None
    )
    return instance


def request(resources: list[WireResource]) -> analyzer_pb2.AnalyzeStackRequest:
    return analyzer_pb2.AnalyzeStackRequest(
        resources=[
            analyzer_pb2.AnalyzerResource(
                type=r.type,
                urn=r.urn,
                name=r.name,
                properties=struct(r.outputs or r.inputs),
                propertyDependencies={
                    k: analyzer_pb2.AnalyzerPropertyDependencies(urns=list(v))
                    for k, v in r.property_dependencies.items()
                },
            )
            for r in resources
        ]
    )


def test_shared_view_gives_the_stock_diagnostics_on_a_large_stack() -> None:
    stack = request(generated_stack(2000))
    stock = servicer(_server.StockServicer).AnalyzeStack(stack, None)
    shared = servicer(_server.SharedStackServicer).AnalyzeStack(stack, None)
    assert len(stock.diagnostics) >= 100
    assert list(shared.diagnostics) == list(stock.diagnostics)
    assert list(shared.not_applicable) == list(stock.not_applicable)


def test_a_foreign_stack_policy_keeps_the_stock_path() -> None:
    from pulumi_policy import StackValidationPolicy

    foreign = StackValidationPolicy(
        name="foreign",
        description="Counts.",
        validate=lambda args, report: report(str(len(args.resources)), None),
    )
    response = servicer(_server.SharedStackServicer, [*POLICIES, foreign]).AnalyzeStack(
        request(generated_stack(20)), None
    )
    assert [d.message for d in response.diagnostics if d.policyName == "foreign"] == ["Counts.\n23"]


def test_no_collection_runs_during_an_analysis() -> None:
    seen: list[bool] = []

    def probe(stack: Stack, settings: NoSettings) -> Iterator[Finding]:
        seen.append(gc.isenabled())
        yield from ()

    rule = Rule("gc-probe", "Probe.", Severity.LOW, EnforcementLevel.ADVISORY, "None.", NoSettings)
    instance = servicer(_server.SharedStackServicer, [stack_policy(rule, probe)])
    assert gc.isenabled()
    instance.AnalyzeStack(request(generated_stack(20)), None)
    assert seen == [False] and gc.isenabled()
