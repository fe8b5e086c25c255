"""The Pulumi CLI's side of the analyzer protocol, for tests and benchmarks of the pack.

Starts a policy pack as the CLI's Python language host starts it and drives it in the CLI's
order, with config reconciled and encoded as the CLI does. Sources (pulumi/pulumi):

- launch: ``sdk/python/cmd/pulumi-language-python/main.go`` runs ``python -u -m pulumi.policy
  <engine> <pack dir>`` in the pack directory with ``PULUMI_PROJECT``, ``PULUMI_STACK``,
  ``PULUMI_DRY_RUN``, ``PULUMI_ORGANIZATION`` and ``PULUMI_CONFIG``; the first stdout line is
  the port (``pkg/resource/plugin/plugin.go``);
- config: ``pkg/resource/analyzer/config.go`` ``ReconcilePolicyPackConfig``: each policy
  starts from the ``default`` of every key of its schema as ``GetAnalyzerInfo`` returned it
  (a ``Struct``: numbers are doubles) and its own level; then ``"all": <level>`` sets every
  level; then each policy's entry (a level, or an object with ``enforcementLevel`` and
  properties) is merged key by key. ``pkg/resource/plugin/analyzer_plugin.go`` ``Configure``
  sends every entry with an explicit level and its properties in ``structpb.NewStruct``;
- then Analyze per resource (inputs) and AnalyzeStack (outputs, property dependencies).

The CLI also validates the reconciled config against each schema and stops on an error; this
harness does not, so a test can send a value the CLI would refuse and see what the pack does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "policies"
LEVELS: dict[str, analyzer_pb2.EnforcementLevel.ValueType] = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "disabled": analyzer_pb2.DISABLED,
    "remediate": analyzer_pb2.REMEDIATE,
}
LEVEL_NAMES = {v: k for k, v in LEVELS.items()}
_OPTIONS = [
    ("grpc.max_receive_message_length", 400 * 1024 * 1024),
    ("grpc.max_send_message_length", 400 * 1024 * 1024),
]


@dataclass(frozen=True)
class WireResource:
    """A resource as the engine describes it to a policy pack."""

    type: str
    name: str
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any] | None = None
    property_dependencies: Mapping[str, Sequence[str]] = field(
        default_factory=dict[str, Sequence[str]]
    )
    protect: bool = False
    urn: str = ""
    parent: str = ""

    def urn_or_default(self, stack: str) -> str:
        return self.urn or f"urn:pulumi:{stack}::wire::{self.type}::{self.name}"


@dataclass(frozen=True)
class Diagnostic:
    policy: str
    level: str
    urn: str
    message: str


@dataclass
class Report:
    diagnostics: list[Diagnostic] = field(default_factory=list[Diagnostic])
    not_applicable: list[tuple[str, str]] = field(default_factory=list[tuple[str, str]])

    def of(self, policy: str) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.policy == policy]

    def reasons(self, policy: str) -> list[str]:
        return [reason for name, reason in self.not_applicable if name == policy]


def struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    """``value`` in a protobuf ``Struct``, as Go's ``structpb.NewStruct`` encodes it."""
    encoded = struct_pb2.Struct()
    encoded.update(json.loads(json.dumps(dict(value))))
    return encoded


def reconcile(
    policies: Sequence[analyzer_pb2.PolicyInfo], overrides: Mapping[str, Any]
) -> dict[str, analyzer_pb2.PolicyConfig]:
    """``ReconcilePolicyPackConfig`` (without its schema validation) and ``Configure``'s encoding."""
    result: dict[str, tuple[str, dict[str, Any]]] = {}
    for policy in policies:
        schema = (
            json_format.MessageToDict(policy.configSchema.properties)
            if policy.HasField("configSchema")
            else {}
        )
        defaults: dict[str, Any] = {
            k: cast(dict[str, Any], v)["default"]
            for k, v in schema.items()
            if isinstance(v, dict) and "default" in v
        }
        result[policy.name] = (LEVEL_NAMES[policy.enforcementLevel], defaults)
    everything = overrides.get("all")
    if isinstance(everything, str):
        result = {name: (everything, props) for name, (_, props) in result.items()}
    for name, given in overrides.items():
        level, props = result.get(name, ("", {}))
        if isinstance(given, str):
            level = given
        elif isinstance(given, Mapping):
            entries = dict(cast(Mapping[str, Any], given))
            level = str(entries.pop("enforcementLevel", level))
            props = {**props, **entries}
        result[name] = (level, props)
    return {
        name: analyzer_pb2.PolicyConfig(enforcementLevel=LEVELS[level], properties=struct(props))
        for name, (level, props) in result.items()
    }


class PackProcess:
    """A policy pack's analyzer server, started as the CLI's language host starts it."""

    def __init__(
        self,
        pack: Path = PACK,
        *,
        stack: str = "test",
        project: str = "wire",
        config: Mapping[str, str] | None = None,
        for_stack: bool = True,
        existing: Path | None = None,
    ) -> None:
        """``config``: the stack's config (full keys to text, as the CLI hands it over);
        ``for_stack`` false starts the pack as ``pulumi policy analyze`` does, with no project,
        stack or config; ``existing``: a snapshot of existing resources, named to the pack as
        the offline preview names it (``OFFLINE_PREVIEW_EXISTING``)."""
        self.stack = stack
        env = {
            k: v
            for k, v in os.environ.items()
            if k
            not in (
                "PULUMI_PROJECT",
                "PULUMI_STACK",
                "PULUMI_DRY_RUN",
                "PULUMI_CONFIG",
                "OFFLINE_PREVIEW_EXISTING",
            )
        }
        if existing is not None:
            env["OFFLINE_PREVIEW_EXISTING"] = str(existing)
        if for_stack:
            env.update(
                PULUMI_PROJECT=project,
                PULUMI_STACK=stack,
                PULUMI_DRY_RUN="true",
                PULUMI_ORGANIZATION="organization",
                PULUMI_CONFIG=json.dumps(dict(config or {})),
            )
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", str(pack)],
            cwd=pack,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        assert self.process.stdout is not None
        port = self.process.stdout.readline().decode().strip()
        if not port.isdigit():
            self.close()
            raise RuntimeError(f"the pack in {pack} did not print its port (got {port!r})")
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=_OPTIONS)
        # The generated stub's methods are untyped; each call's result is annotated instead.
        self.stub: Any = analyzer_pb2_grpc.AnalyzerStub(self.channel)
        self.info: analyzer_pb2.AnalyzerInfo = self.stub.GetAnalyzerInfo(empty_pb2.Empty())
        self._lock = threading.Lock()

    def configure(self, overrides: Mapping[str, Any] | None = None) -> None:
        config = reconcile(self.info.policies, overrides or {})
        self.stub.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=config))

    def stack_request(self, resources: Sequence[WireResource]) -> analyzer_pb2.AnalyzeStackRequest:
        return analyzer_pb2.AnalyzeStackRequest(
            resources=[
                analyzer_pb2.AnalyzerResource(
                    type=r.type,
                    properties=struct(r.outputs if r.outputs is not None else r.inputs),
                    urn=r.urn_or_default(self.stack),
                    name=r.name,
                    options=analyzer_pb2.AnalyzerResourceOptions(
                        protect=r.protect, parent=r.parent
                    ),
                    parent=r.parent,
                    propertyDependencies={
                        key: analyzer_pb2.AnalyzerPropertyDependencies(urns=list(urns))
                        for key, urns in r.property_dependencies.items()
                    },
                )
                for r in resources
            ]
        )

    def analyze(
        self, resources: Sequence[WireResource], overrides: Mapping[str, Any] | None = None
    ) -> Report:
        """Configure, Analyze every resource, AnalyzeStack: one preview's worth of calls."""
        with self._lock:
            self.configure(overrides)
            report = Report()
            for r in resources:
                urn = r.urn_or_default(self.stack)
                request = analyzer_pb2.AnalyzeRequest(
                    type=r.type,
                    properties=struct(r.inputs),
                    urn=urn,
                    name=r.name,
                    options=analyzer_pb2.AnalyzerResourceOptions(
                        protect=r.protect, parent=r.parent
                    ),
                )
                response: analyzer_pb2.AnalyzeResponse = self.stub.Analyze(request)
                _collect(report, response, urn)
            stack_response: analyzer_pb2.AnalyzeResponse = self.stub.AnalyzeStack(
                self.stack_request(resources)
            )
            _collect(report, stack_response, "")
            return report

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def _collect(report: Report, response: analyzer_pb2.AnalyzeResponse, urn: str) -> None:
    for d in response.diagnostics:
        report.diagnostics.append(
            Diagnostic(d.policyName, LEVEL_NAMES[d.enforcementLevel], d.urn or urn, d.message)
        )
    for entry in response.not_applicable:
        report.not_applicable.append((entry.policy_name, entry.reason))
