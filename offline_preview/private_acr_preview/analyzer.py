"""Drive a Python policy pack over the analyzer gRPC protocol, in the Pulumi CLI's order.

The pack is started as the CLI's Python language host starts it (``<python> -u -m
pulumi.policy <engine> <pack dir>`` in the pack directory, with the interpreter and environment
its PulumiPolicy.yaml selects, see ``pack_runtime``, and ``PULUMI_PROJECT``, ``PULUMI_STACK``,
``PULUMI_DRY_RUN``, ``PULUMI_ORGANIZATION`` and ``PULUMI_CONFIG``), its port is read from the
first line of stdout, and then: Handshake and ConfigureStack (UNIMPLEMENTED tolerated),
GetAnalyzerInfo, Configure with every policy and an explicit enforcement level (schema
defaults, then ``--policy-config`` in the CLI's format), Remediate then Analyze for each
resource with its inputs, AnalyzeStack with outputs and dependencies, Cancel.

The pack is started before the program runs so its import time overlaps the program's. It is
asked to die with this process (Linux ``PR_SET_PDEATHSIG``), so no pack outlives an engine that
was killed; ``close`` stops it on every normal or interrupted exit.
"""

from __future__ import annotations

import collections
import ctypes
import difflib
import functools
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from private_acr_preview import pack_runtime, stopping
from private_acr_preview.errors import UserError
from private_acr_preview.input_files import read_json
from private_acr_preview.program import ProgramRun, RecordedResource
from private_acr_preview.project import go_json

LEVELS: dict[str, Any] = {"advisory": 0, "mandatory": 1, "disabled": 2, "remediate": 3}
LEVEL_NAMES = {value: name for name, value in LEVELS.items()}
SEVERITIES = {0: "unspecified", 1: "low", 2: "medium", 3: "high", 4: "critical"}
_CHANNEL_OPTIONS = [("grpc.max_receive_message_length", 400 * 1024 * 1024)]


class PolicyError(UserError):
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
    not_checked: list[dict[str, str]] = field(default_factory=list[dict[str, str]])
    """What a policy applied to but could not check (``policy``, ``urn``, ``reason``)."""
    remediations: list[dict[str, str]] = field(default_factory=list[dict[str, str]])

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.level == "mandatory"]


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """In the child before exec: receive SIGTERM when the engine dies, however it dies."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the engine died before the request took effect
            os._exit(1)


_LIVE_PACKS: set[subprocess.Popen[str]] = set()
"""Pack processes not closed yet, for :func:`stop_all_packs`."""


def stop_all_packs() -> None:
    """Kill and reap every pack process not closed yet (from a signal handler: no Popen locks)."""
    # A pack its Popen has reaped (returncode set) is skipped: its pid may be another's by now.
    stopping.end_processes({p.pid for p in list(_LIVE_PACKS) if p.returncode is None})


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
        runtime = pack_runtime.resolve(self.pack_dir)
        self.version = runtime.version
        env = dict(runtime.environment)
        env.update(
            {
                "PULUMI_PROJECT": project,
                "PULUMI_STACK": stack,
                "PULUMI_DRY_RUN": "true" if dry_run else "false",
                "PULUMI_ORGANIZATION": "organization",
                # The bytes the CLI passes (Go's json.Marshal), which project.load_config has
                # checked fit in one environment variable.
                "PULUMI_CONFIG": go_json(dict(config)),
            }
        )
        self.process = subprocess.Popen(
            [str(runtime.python), "-u", "-m", "pulumi.policy", "127.0.0.1:0", str(self.pack_dir)],
            cwd=self.pack_dir,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
            preexec_fn=functools.partial(_die_with_parent, os.getpid()),  # noqa: PLW1509 - one prctl call, no locks or threads
        )
        _LIVE_PACKS.add(self.process)
        self._port: str | None = None
        self._port_read = threading.Event()
        self._stderr: collections.deque[str] = collections.deque(maxlen=50)
        # Both pipes are drained for the pack's whole life: a pack that prints more than a pipe
        # holds would otherwise block mid-analysis.
        threading.Thread(target=self._read_stdout, daemon=True).start()
        self._stderr_reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._stderr_reader.start()

    def _read_stdout(self) -> None:
        stdout = self.process.stdout
        if stdout is None:
            self._port_read.set()
            return
        self._port = stdout.readline().strip()
        self._port_read.set()
        for _ in stdout:
            pass

    def _read_stderr(self) -> None:
        if self.process.stderr is not None:
            self._stderr.extend(line.rstrip() for line in self.process.stderr)

    def port(self, timeout: float = 60.0) -> int:
        self._port_read.wait(timeout)
        if self._port and self._port.isdigit():
            return int(self._port)
        self.close()
        self._stderr_reader.join(timeout=2)
        lines = [line for line in self._stderr if line.strip()]
        detail = lines[-1] if lines else "it printed no port"
        raise PolicyError(f"the policy pack in {self.pack_dir} did not start: {detail}")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        _LIVE_PACKS.discard(self.process)


def _struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    json_format.ParseDict(dict(value), struct)
    return struct


def _options(resource: RecordedResource) -> analyzer_pb2.AnalyzerResourceOptions:
    # What the CLI's step generator fills in from the goal (protect, ignoreChanges, aliases, parent).
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=resource.protect,
        ignoreChanges=resource.ignore_changes,
        aliases=resource.aliases,
        parent=resource.parent,
    )


class _Analyzer(Protocol):
    """The analyzer service as this driver calls it (the SDK's generated stubs are untyped)."""

    def Handshake(
        self, request: analyzer_pb2.AnalyzerHandshakeRequest, /
    ) -> analyzer_pb2.AnalyzerHandshakeResponse: ...
    def ConfigureStack(
        self, request: analyzer_pb2.AnalyzerStackConfigureRequest, /
    ) -> analyzer_pb2.AnalyzerStackConfigureResponse: ...
    def GetAnalyzerInfo(self, request: empty_pb2.Empty, /) -> analyzer_pb2.AnalyzerInfo: ...
    def Configure(self, request: analyzer_pb2.ConfigureAnalyzerRequest, /) -> empty_pb2.Empty: ...
    def Remediate(
        self, request: analyzer_pb2.AnalyzeRequest, /
    ) -> analyzer_pb2.RemediateResponse: ...
    def Analyze(self, request: analyzer_pb2.AnalyzeRequest, /) -> analyzer_pb2.AnalyzeResponse: ...
    def AnalyzeStack(
        self, request: analyzer_pb2.AnalyzeStackRequest, /
    ) -> analyzer_pb2.AnalyzeResponse: ...
    def Cancel(self, request: empty_pb2.Empty, /) -> empty_pb2.Empty: ...


def _tolerate_unimplemented(call: Callable[[], object]) -> None:
    try:
        call()
    except grpc.RpcError as error:
        if cast(grpc.Call, error).code() != grpc.StatusCode.UNIMPLEMENTED:
            raise


def read_policy_config(path: Path | None) -> dict[str, Any]:
    """The ``--policy-pack-config`` JSON file: ``{"policy": level | {...}, "all": level}``."""
    if path is None:
        return {}
    document = read_json(path, option="--policy-config")
    if not isinstance(document, dict):
        raise PolicyError(f"{path}: policy config must be a JSON object of policy names")
    return cast(dict[str, Any], document)


def _schema(policy: analyzer_pb2.PolicyInfo) -> dict[str, Any]:
    """The policy's config schema as the CLI validates it (analyzer/config.go convertSchema)."""
    if not policy.HasField("configSchema"):
        return {"type": "object"}
    schema = json_format.MessageToDict(policy.configSchema)
    result: dict[str, Any] = {"type": "object"}
    if schema.get("properties"):
        result["properties"] = schema["properties"]
    if schema.get("required"):
        result["required"] = schema["required"]
    return result


def _schema_problems(
    policy: str, schema: Mapping[str, Any], values: Mapping[str, Any]
) -> list[str]:
    """JSON Schema validation of one policy's merged config, as the CLI does it (gojsonschema:
    an integral number is an integer)."""
    from jsonschema import Draft7Validator  # only a preview with a pack pays for the import

    def where(path: Sequence[object]) -> str:
        return policy + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)

    validator: Any = Draft7Validator(dict(schema))  # its stubs leave iter_errors half-typed
    errors: list[Any] = sorted(validator.iter_errors(dict(values)), key=lambda e: list(e.path))
    return [f"{where(list(error.absolute_path))}: {error.message}" for error in errors]


def _policy_config(
    policy: analyzer_pb2.PolicyInfo,
    override: object,
    level: str,
    problems: list[str],
    warn: Callable[[str], None],
) -> analyzer_pb2.PolicyConfig:
    """One policy's config: schema defaults, then its override, validated against the schema."""
    schema = _schema(policy)
    properties: Mapping[str, Any] = schema.get("properties", {})
    values: dict[str, Any] = {
        k: v["default"] for k, v in properties.items() if isinstance(v, dict) and "default" in v
    }
    if isinstance(override, str):
        level = override
    elif isinstance(override, dict):
        for key, value in cast(dict[str, Any], override).items():
            if key == "enforcementLevel":
                level = str(value)
                continue
            if key not in properties:
                _undeclared(policy.name, key, properties, problems, warn)
            values[key] = value
    elif override is not None:
        problems.append(
            f"{policy.name}: got {override!r}; expected a level or an object of settings"
        )
    if level not in LEVELS:
        problems.append(
            f"{policy.name}.enforcementLevel: got {level!r}; expected one of {', '.join(LEVELS)}"
        )
        level = "advisory"
    problems.extend(_schema_problems(policy.name, schema, values))
    return analyzer_pb2.PolicyConfig(enforcementLevel=LEVELS[level], properties=_struct(values))


def _undeclared(
    policy: str,
    key: str,
    properties: Mapping[str, Any],
    problems: list[str],
    warn: Callable[[str], None],
) -> None:
    """A key the policy's schema does not declare: refused when the policy declares its
    settings, since a misspelt key would otherwise leave the setting at its default unnoticed.

    The Pulumi CLI passes such a key on (pkg/resource/analyzer/config.go ``convertSchema`` builds
    the schema from the policy's properties and required keys alone; the analyzer protocol's
    ``PolicyConfigSchema`` carries nothing else, so a pack cannot declare
    ``additionalProperties: false`` to it). A policy without a schema may read any key: that
    stays a warning.
    """
    if not properties:
        warn(
            f"{policy}.{key}: this policy declares no config schema; passed on to the pack, as "
            "the Pulumi CLI does"
        )
        return
    close = difflib.get_close_matches(key, list(properties), n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    problems.append(
        f"{policy}.{key}: not a setting of this policy; {hint}"
        f"expected one of {', '.join(sorted(properties))}"
    )


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def reconcile_config(
    policies: Sequence[analyzer_pb2.PolicyInfo],
    overrides: Mapping[str, Any],
    warn: Callable[[str], None] = _warn,
    source: str = "",
) -> dict[str, analyzer_pb2.PolicyConfig]:
    """Defaults from each policy's schema and level, then the overrides, validated like the CLI
    (pkg/resource/analyzer/config.go ReconcilePolicyPackConfig): a bad level, a value the
    schema refuses or a key a policy's schema does not declare stops the run, naming
    ``source`` (the file); a policy name the pack does not know is kept, with a warning."""
    names = {p.name for p in policies}
    for name in overrides:
        if name not in names and name not in ("all", "environments"):
            warn(
                f"{name}: no such policy in the pack (known: {', '.join(sorted(names))}); the "
                "Pulumi CLI ignores it too"
            )
    problems: list[str] = []
    all_level = overrides.get("all")
    configured: dict[str, analyzer_pb2.PolicyConfig] = {}
    for policy in policies:
        level = LEVEL_NAMES.get(policy.enforcementLevel, "advisory")
        if isinstance(all_level, str):
            level = all_level
        configured[policy.name] = _policy_config(
            policy, overrides.get(policy.name), level, problems, warn
        )
    if problems:
        where = f" in {source}" if source else ""
        raise PolicyError(
            f"Invalid policy config{where}:\n" + "\n".join(f"  - {p}" for p in problems)
        )
    return configured


NOT_CHECKED = "not checked: "
_BRACKETED_URN = re.compile(r"\s\[(urn:pulumi:[^\]\s]*)\]$")


def not_checked_notes(policy: str, reason: str, urn: str) -> tuple[list[dict[str, str]], str]:
    """The notes of a not-applicable reason that says what was left unchecked, and the rest.

    The convention (the analyzer protocol carries one reason per policy and resource): each
    line of the reason that begins with ``not checked: `` is one thing not checked, and may end
    with the URN of the resource it concerns in brackets; otherwise the note concerns the
    resource analyzed (the stack, for a stack policy). The other lines are the reason the
    policy did not apply.
    """
    notes: list[dict[str, str]] = []
    rest: list[str] = []
    for line in reason.splitlines():
        if not line.startswith(NOT_CHECKED):
            rest.append(line)
            continue
        what = line[len(NOT_CHECKED) :].strip()
        named = _BRACKETED_URN.search(what)
        about = named.group(1) if named else urn
        notes.append(
            {"policy": policy, "urn": about, "reason": what[: named.start()] if named else what}
        )
    return notes, "\n".join(rest).strip()


def _collect(report: PolicyReport, response: analyzer_pb2.AnalyzeResponse, urn: str) -> None:
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
        notes, rest = not_checked_notes(entry.policy_name, entry.reason, urn)
        report.not_checked.extend(notes)
        if rest or not notes:
            report.not_applicable.append({"policy": entry.policy_name, "urn": urn, "reason": rest})


def _configure(
    stub: _Analyzer,
    pack: PolicyPackProcess,
    stack: StackInfo,
    overrides: Mapping[str, Any],
    source: str = "",
) -> tuple[PolicyReport, bool]:
    """Handshake, stack config, pack info and policy config; and whether any policy remediates."""
    _tolerate_unimplemented(
        lambda: stub.Handshake(
            analyzer_pb2.AnalyzerHandshakeRequest(
                engine_address="127.0.0.1:0",
                root_directory=str(pack.pack_dir),
                program_directory=str(pack.pack_dir),
            )
        )
    )
    _tolerate_unimplemented(
        lambda: stub.ConfigureStack(
            analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=stack.stack,
                project=stack.project,
                organization="organization",
                dry_run=True,
                config=dict(stack.config),
            )
        )
    )
    info = stub.GetAnalyzerInfo(empty_pb2.Empty())
    configured = reconcile_config(info.policies, overrides, source=source)
    stub.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=configured))
    remediating = any(c.enforcementLevel == LEVELS["remediate"] for c in configured.values())
    report = PolicyReport(
        pack=info.name,
        # The CLI reports the version from PulumiPolicy.yaml; the Python SDK always says 0.0.1.
        version=pack.version or info.version,
        policies=[
            {
                "name": p.name,
                "description": p.description,
                "level": LEVEL_NAMES.get(p.enforcementLevel, "advisory"),
                "severity": SEVERITIES.get(p.severity, "unspecified"),
                "remediation": p.remediation_steps,
            }
            for p in info.policies
        ],
    )
    return report, remediating


def _stack_request(run: ProgramRun) -> analyzer_pb2.AnalyzeStackRequest:
    return analyzer_pb2.AnalyzeStackRequest(
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


@dataclass(frozen=True)
class StackInfo:
    project: str
    stack: str
    config: Mapping[str, str]


class Analysis:
    """The protocol against one pack, resources analyzed as the program registers them.

    The Pulumi engine calls Analyze for each resource during the preview, as the resource is
    registered, and AnalyzeStack once at the end; so does this: ``submit`` queues a resource for a
    worker thread (the pack does the work in its own process, on another core, while the program
    still runs), and ``finish`` analyzes the whole stack and stops the pack.
    """

    def __init__(
        self,
        pack: PolicyPackProcess,
        stack: StackInfo,
        overrides: Mapping[str, Any],
        config_source: str = "",
    ) -> None:
        self.pack = pack
        self._stack = stack
        self._overrides = overrides
        self._source = config_source
        self._configured = threading.Event()
        self._queue: queue.SimpleQueue[RecordedResource | None] = queue.SimpleQueue()
        self._report: PolicyReport | None = None
        self._error: BaseException | None = None
        self._channel: grpc.Channel | None = None
        self._stub: _Analyzer | None = None
        self._worker = threading.Thread(target=self._work, daemon=True)
        self._worker.start()

    def submit(self, resource: RecordedResource) -> None:
        self._queue.put(resource)

    def _work(self) -> None:
        try:
            self._channel = grpc.insecure_channel(
                f"127.0.0.1:{self.pack.port()}", options=_CHANNEL_OPTIONS
            )
            self._stub = cast(_Analyzer, analyzer_pb2_grpc.AnalyzerStub(self._channel))
            report, remediating = _configure(
                self._stub, self.pack, self._stack, self._overrides, self._source
            )
            self._report = report
            self._configured.set()
            while (resource := self._queue.get()) is not None:
                _analyze_one(self._stub, report, resource, remediating)
        except BaseException as error:  # noqa: BLE001 - handed to the caller of finish()
            self._error = error
        finally:
            self._configured.set()

    def wait_configured(self) -> None:
        """Block until the pack has its policy config; raise what stopped it (bad config)."""
        self._configured.wait()
        if self._error is not None:
            error = self._error
            if isinstance(error, grpc.RpcError):
                raise PolicyError(f"the policy pack failed: {cast(grpc.Call, error).details()}")
            raise error

    def finish(self, run: ProgramRun) -> PolicyReport:
        """AnalyzeStack over the whole run, Cancel, and stop the pack (also on failure)."""
        self._queue.put(None)
        try:
            self._worker.join()
            if self._error is not None:
                raise self._error
            assert self._stub is not None and self._report is not None
            _collect(self._report, self._stub.AnalyzeStack(_stack_request(run)), run.stack_urn)
            stub = self._stub
            _tolerate_unimplemented(lambda: stub.Cancel(empty_pb2.Empty()))
            return self._report
        except grpc.RpcError as error:
            raise PolicyError(
                f"the policy pack failed: {cast(grpc.Call, error).details()}"
            ) from None
        finally:
            self.close()

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
        self.pack.close()


def _analyze_one(
    stub: _Analyzer, report: PolicyReport, resource: RecordedResource, remediating: bool
) -> None:
    request = analyzer_pb2.AnalyzeRequest(
        type=resource.type,
        properties=_struct(resource.inputs),
        urn=resource.urn,
        name=resource.name,
        options=_options(resource),
    )
    # Only a policy configured at the remediate level can answer Remediate with a change.
    for remediation in stub.Remediate(request).remediations if remediating else ():
        report.remediations.append({"policy": remediation.policyName, "urn": resource.urn})
        request.properties.CopyFrom(remediation.properties)
    _collect(report, stub.Analyze(request), resource.urn)


def analyze(pack: PolicyPackProcess, run: ProgramRun, overrides: Mapping[str, Any]) -> PolicyReport:
    """Run the whole protocol against ``pack`` for the resources of a finished ``run``."""
    analysis = Analysis(pack, StackInfo(run.project, run.stack, run.config), overrides)
    for resource in run.resources:
        analysis.submit(resource)
    return analysis.finish(run)
