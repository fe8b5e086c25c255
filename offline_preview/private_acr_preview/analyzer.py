"""Drive a Python policy pack over the analyzer gRPC protocol, in the Pulumi CLI's order.

The pack is started as the CLI's Python language host starts it (``python -u -m
pulumi.policy <engine> <pack dir>`` in the pack directory, with ``PULUMI_PROJECT``,
``PULUMI_STACK``, ``PULUMI_DRY_RUN``, ``PULUMI_ORGANIZATION`` and ``PULUMI_CONFIG``), its port is
read from the first line of stdout, and then: Handshake and ConfigureStack (UNIMPLEMENTED
tolerated), GetAnalyzerInfo, Configure with every policy and an explicit enforcement level
(schema defaults, then ``--policy-config`` in the CLI's format), Remediate then Analyze for
each resource with its inputs, AnalyzeStack with outputs and dependencies, Cancel.

The pack is started before the program runs (``PolicyPackProcess.start``) so its import
time overlaps the program's.
"""

# pyright: reportUnknownArgumentType=false, reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnnecessaryIsInstance=false
# (Temporary while issue 10 reworks this module; remove this line when it is clean under strict.)

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from private_acr_preview.program import ProgramRun, RecordedResource

LEVELS: dict[str, Any] = {"advisory": 0, "mandatory": 1, "disabled": 2, "remediate": 3}
LEVEL_NAMES = {value: name for name, value in LEVELS.items()}
SEVERITIES = {0: "unspecified", 1: "low", 2: "medium", 3: "high", 4: "critical"}
_CHANNEL_OPTIONS = [("grpc.max_receive_message_length", 400 * 1024 * 1024)]


class PolicyError(Exception):
    """The pack could not be started, configured or run; the message is meant for the user."""


@dataclass(frozen=True)
class Violation:
    policy: str
    level: str
    severity: str
    urn: str
    message: str


@dataclass
class PolicyReport:
    pack: str
    version: str
    policies: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])
    violations: list[Violation] = field(default_factory=list[Violation])
    not_applicable: list[dict[str, str]] = field(default_factory=list[dict[str, str]])
    remediations: list[dict[str, str]] = field(default_factory=list[dict[str, str]])

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.level == "mandatory"]


class PolicyPackProcess:
    """The pack's analyzer server, started as the CLI starts it."""

    def __init__(
        self,
        pack_dir: Path,
        *,
        project: str,
        stack: str,
        config: Mapping[str, str],
        dry_run: bool = True,
    ) -> None:
        self.pack_dir = pack_dir.resolve()
        if not (self.pack_dir / "PulumiPolicy.yaml").is_file():
            raise PolicyError(
                f"{pack_dir}: no PulumiPolicy.yaml here; --policy-pack must name a policy pack"
            )
        self.version = _declared_version(self.pack_dir / "PulumiPolicy.yaml")
        env = dict(os.environ)
        env.update(
            {
                "PULUMI_PROJECT": project,
                "PULUMI_STACK": stack,
                "PULUMI_DRY_RUN": "true" if dry_run else "false",
                "PULUMI_ORGANIZATION": "organization",
                "PULUMI_CONFIG": json.dumps(dict(config)),
            }
        )
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", str(self.pack_dir)],
            cwd=self.pack_dir,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        self._port: str | None = None
        self._stderr: list[str] = []
        self._reader = threading.Thread(target=self._read_port, daemon=True)
        self._reader.start()

    def _read_port(self) -> None:
        assert self.process.stdout is not None
        self._port = self.process.stdout.readline().strip()

    def port(self, timeout: float = 60.0) -> int:
        self._reader.join(timeout)
        if self._port and self._port.isdigit():
            return int(self._port)
        self.close()
        stderr = self.process.stderr.read() if self.process.stderr else ""
        detail = stderr.strip().splitlines()[-1] if stderr.strip() else "it printed no port"
        raise PolicyError(f"the policy pack in {self.pack_dir} did not start: {detail}")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _declared_version(path: Path) -> str | None:
    try:
        document = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError):
        return None
    version = document.get("version") if isinstance(document, dict) else None
    return str(version) if version is not None else None


def _struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    json_format.ParseDict(dict(value), struct)
    return struct


def _options(resource: RecordedResource) -> analyzer_pb2.AnalyzerResourceOptions:
    return analyzer_pb2.AnalyzerResourceOptions(protect=resource.protect, parent=resource.parent)


def _tolerate_unimplemented(call: Any, request: Any) -> None:
    try:
        call(request)
    except grpc.RpcError as error:
        if error.code() != grpc.StatusCode.UNIMPLEMENTED:
            raise


def read_policy_config(path: Path | None) -> dict[str, Any]:
    """The ``--policy-pack-config`` JSON file: ``{"policy": level | {...}, "all": level}``."""
    if path is None:
        return {}
    try:
        document = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise PolicyError(f"{path}: cannot read policy config: {error}") from None
    if not isinstance(document, dict):
        raise PolicyError(f"{path}: policy config must be a JSON object of policy names")
    return document


def _check_schema(policy: str, key: str, value: Any, schema: Mapping[str, Any]) -> str | None:
    expected = schema.get("type")
    checks: dict[str, Callable[[Any], bool]] = {
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
    }
    check = checks.get(str(expected))
    if check is not None and not check(value):
        return f"{policy}.{key}: got {value!r}; expected {expected}"
    if expected == "array" and isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            problem = _check_schema(policy, f"{key}[{index}]", item, schema["items"])
            if problem:
                return problem
    return None


def reconcile_config(
    policies: Sequence[analyzer_pb2.PolicyInfo], overrides: Mapping[str, Any]
) -> dict[str, analyzer_pb2.PolicyConfig]:
    """Defaults from each policy's schema and level, then the overrides, validated like the CLI."""
    names = {p.name for p in policies}
    problems = [
        f"{name}: no such policy in the pack (known: {', '.join(sorted(names))})"
        for name in overrides
        if name not in names and name not in ("all", "environments")
    ]
    all_level = overrides.get("all")
    configured: dict[str, analyzer_pb2.PolicyConfig] = {}
    for policy in policies:
        schema = (
            json_format.MessageToDict(policy.configSchema.properties)
            if policy.HasField("configSchema")
            else {}
        )
        values: dict[str, Any] = {
            k: v["default"] for k, v in schema.items() if isinstance(v, dict) and "default" in v
        }
        level = LEVEL_NAMES.get(policy.enforcementLevel, "advisory")
        if isinstance(all_level, str):
            level = all_level
        override = overrides.get(policy.name)
        if isinstance(override, str):
            level = override
        elif isinstance(override, dict):
            for key, value in override.items():
                if key == "enforcementLevel":
                    level = str(value)
                elif key not in schema:
                    problems.append(
                        f"{policy.name}.{key}: not a config property of this policy (known: {', '.join(schema) or 'none'})"
                    )
                elif problem := _check_schema(policy.name, str(key), value, schema[key]):
                    problems.append(problem)
                else:
                    values[str(key)] = value
        elif override is not None:
            problems.append(
                f"{policy.name}: got {override!r}; expected a level or an object of settings"
            )
        if level not in LEVELS:
            problems.append(
                f"{policy.name}.enforcementLevel: got {level!r}; expected one of {', '.join(LEVELS)}"
            )
            level = "advisory"
        configured[policy.name] = analyzer_pb2.PolicyConfig(
            enforcementLevel=LEVELS[level], properties=_struct(values)
        )
    if problems:
        raise PolicyError("Invalid policy config:\n" + "\n".join(f"  - {p}" for p in problems))
    return configured


def analyze(pack: PolicyPackProcess, run: ProgramRun, overrides: Mapping[str, Any]) -> PolicyReport:
    """Run the whole protocol against ``pack`` for the resources of ``run``."""
    channel = grpc.insecure_channel(f"127.0.0.1:{pack.port()}", options=_CHANNEL_OPTIONS)
    try:
        stub = analyzer_pb2_grpc.AnalyzerStub(channel)
        _tolerate_unimplemented(
            stub.Handshake,
            analyzer_pb2.AnalyzerHandshakeRequest(
                engine_address="127.0.0.1:0",
                root_directory=str(pack.pack_dir),
                program_directory=str(pack.pack_dir),
            ),
        )
        _tolerate_unimplemented(
            stub.ConfigureStack,
            analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=run.stack,
                project=run.project,
                organization="organization",
                dry_run=True,
                config=run.config,
            ),
        )
        info = stub.GetAnalyzerInfo(empty_pb2.Empty())
        stub.Configure(
            analyzer_pb2.ConfigureAnalyzerRequest(
                policyConfig=reconcile_config(info.policies, overrides)
            )
        )
        report = PolicyReport(
            pack=info.name,
            # The CLI reports the version from PulumiPolicy.yaml; the Python SDK always says 0.0.1.
            version=pack.version or info.version,
            policies=[
                {
                    "name": p.name,
                    "level": LEVEL_NAMES.get(p.enforcementLevel, "advisory"),
                    "severity": SEVERITIES.get(p.severity, "unspecified"),
                    "remediation": p.remediation_steps,
                }
                for p in info.policies
            ],
        )

        def collect(response: analyzer_pb2.AnalyzeResponse, urn: str) -> None:
            for diagnostic in response.diagnostics:
                report.violations.append(
                    Violation(
                        policy=diagnostic.policyName,
                        level=LEVEL_NAMES.get(diagnostic.enforcementLevel, "advisory"),
                        severity=SEVERITIES.get(diagnostic.severity, "unspecified"),
                        urn=diagnostic.urn or urn,
                        message=diagnostic.message,
                    )
                )
            for entry in response.not_applicable:
                report.not_applicable.append(
                    {"policy": entry.policy_name, "urn": urn, "reason": entry.reason}
                )

        for resource in run.resources:
            properties = resource.inputs
            request = analyzer_pb2.AnalyzeRequest(
                type=resource.type,
                properties=_struct(properties),
                urn=resource.urn,
                name=resource.name,
                options=_options(resource),
            )
            remediated = stub.Remediate(request)
            for remediation in remediated.remediations:
                report.remediations.append({"policy": remediation.policyName, "urn": resource.urn})
                request.properties.CopyFrom(remediation.properties)
            collect(stub.Analyze(request), resource.urn)

        stack_request = analyzer_pb2.AnalyzeStackRequest(
            resources=[
                analyzer_pb2.AnalyzerResource(
                    type=r.type,
                    properties=_struct(r.outputs or r.inputs),
                    urn=r.urn,
                    name=r.name,
                    options=_options(r),
                    parent=r.parent,
                    dependencies=r.dependencies,
                    propertyDependencies={
                        key: analyzer_pb2.AnalyzerPropertyDependencies(urns=urns)
                        for key, urns in r.property_dependencies.items()
                    },
                )
                for r in run.resources
            ]
        )
        collect(stub.AnalyzeStack(stack_request), run.stack_urn)
        _tolerate_unimplemented(stub.Cancel, empty_pb2.Empty())
        return report
    except grpc.RpcError as error:
        detail = error.details() if hasattr(error, "details") else str(error)
        raise PolicyError(f"the policy pack failed: {detail}") from None
    finally:
        channel.close()
        pack.close()
