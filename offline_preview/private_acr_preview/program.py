"""Run a Pulumi Python program under the SDK's own mock engine and record what it registers.

``run_program`` configures the Pulumi runtime with the SDK's ``MockSettings`` and a
``RecordingMonitor`` (a ``MockMonitor`` that also keeps type, name, parent, dependencies,
property dependencies, protect and the raw input/output structs), loads the stack's config
the way the CLI passes it (strings, structured values JSON-encoded, project defaults from
``Pulumi.yaml``), then runs ``__main__.py`` inside the SDK's ``run_in_stack`` so stack exports
and outstanding RPCs are awaited exactly as under ``pulumi preview``.
"""

# pyright: reportUnknownArgumentType=false, reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnnecessaryIsInstance=false
# (Temporary while issue 10 reworks this module; remove this line when it is clean under strict.)

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import runpy
import sys
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import config as runtime_config
from pulumi.runtime import mocks, settings
from pulumi.runtime import stack as stack_runtime

from private_acr_preview.cloud import CloudModel

STACK_TYPE = "pulumi:pulumi:Stack"


class ProgramError(Exception):
    """The program could not be loaded or failed; the message is meant for the user."""


@dataclass
class RecordedResource:
    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    protect: bool
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    id: str = ""
    aliases: list[str] = field(default_factory=list[str])
    """URNs this resource was known by before (from its ``aliases`` option)."""


@dataclass
class ProgramRun:
    project: str
    stack: str
    config: dict[str, str]
    resources: list[RecordedResource] = field(default_factory=list[RecordedResource])
    outputs: dict[str, Any] = field(default_factory=dict[str, Any])
    log: list[tuple[str, str]] = field(default_factory=list[tuple[str, str]])
    invokes: list[str] = field(default_factory=list[str])
    """Tokens of the provider functions the program called."""

    @property
    def stack_urn(self) -> str:
        return f"urn:pulumi:{self.stack}::{self.project}::{STACK_TYPE}::{self.project}-{self.stack}"


def _to_plain(struct: struct_pb2.Struct) -> dict[str, Any]:
    """The struct as JSON-able data, keeping secret and unknown markers as the engine sends them."""
    return json_format.MessageToDict(struct)


class RecordingMonitor(mocks.MockMonitor):
    """The SDK's MockMonitor, also recording each registration as the engine would see it."""

    def __init__(self, model: CloudModel, run: ProgramRun) -> None:
        super().__init__(model)
        self.run = run

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """URNs as the engine builds them: the parent's whole type chain, without the root stack.

        The SDK mock keeps only the parent's last type, which would make pinned URNs differ
        from the ones ``pulumi up`` records for nested components.
        """
        if parent:
            qualified = parent.split("::")[2]
            if qualified != STACK_TYPE:
                type_ = f"{qualified}${type_}"
        return f"urn:pulumi:{self.run.stack}::{self.run.project}::{type_}::{name}"

    def _alias_urn(self, alias: Any, request: Any) -> str:
        if alias.WhichOneof("alias") == "urn":
            return str(alias.urn)
        spec = alias.spec
        parent = "" if spec.noParent else (spec.parentUrn or request.parent)
        return self.make_urn(parent, spec.type or request.type, spec.name or request.name)

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        urn = self.make_urn(request.parent, request.type, request.name)
        outputs: dict[str, Any] = {}
        if request.type != STACK_TYPE:
            outputs = _to_plain(response.object)
        self.run.resources.append(
            RecordedResource(
                urn=urn,
                type=request.type,
                name=request.name,
                custom=bool(request.custom),
                parent=request.parent,
                dependencies=list(request.dependencies),
                property_dependencies={
                    key: list(deps.urns) for key, deps in request.propertyDependencies.items()
                },
                protect=bool(request.protect),
                inputs=_to_plain(request.object),
                outputs=outputs,
                id=getattr(response, "id", "") or "",
                aliases=[self._alias_urn(alias, request) for alias in request.aliases],
            )
        )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        if request.urn == self.run.stack_urn:
            self.run.outputs = _to_plain(request.outputs)
        return super().RegisterResourceOutputs(request)


class _CollectingHandler(logging.Handler):
    def __init__(self, run: ProgramRun) -> None:
        super().__init__(logging.INFO)
        self.run = run

    def emit(self, record: logging.LogRecord) -> None:
        self.run.log.append((record.levelname.lower(), record.getMessage()))


def _config_value(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and set(value) == {"secure"}:
        return "[secret]"
    return json.dumps(value)


def read_project(program_dir: Path) -> tuple[str, dict[str, str]]:
    """Project name and the config defaults ``Pulumi.yaml`` declares."""
    path = program_dir / "Pulumi.yaml"
    if not path.is_file():
        raise ProgramError(
            f"{program_dir}: no Pulumi.yaml here; --program must name a Pulumi project"
        )
    try:
        project_doc = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise ProgramError(f"{path}: not valid YAML: {error}") from None
    name = project_doc.get("name") if isinstance(project_doc, dict) else None
    if not isinstance(name, str) or not name:
        raise ProgramError(f"{path}: the project has no name")
    defaults: dict[str, str] = {}
    declared = project_doc.get("config") or {}
    if isinstance(declared, dict):
        for key, spec in declared.items():
            full = key if ":" in str(key) else f"{name}:{key}"
            if isinstance(spec, dict):
                if "default" in spec:
                    defaults[full] = _config_value(spec["default"])
                elif "value" in spec:
                    defaults[full] = _config_value(spec["value"])
            else:
                defaults[full] = _config_value(spec)
    return name, defaults


def read_stack_config(config_file: Path, project: str) -> dict[str, str]:
    if not config_file.is_file():
        raise ProgramError(f"{config_file}: stack config file not found")
    try:
        document = yaml.safe_load(config_file.read_text()) or {}
    except yaml.YAMLError as error:
        raise ProgramError(f"{config_file}: not valid YAML: {error}") from None
    if not isinstance(document, dict):
        raise ProgramError(f"{config_file}: expected a mapping with a 'config' key")
    values = document.get("config") or {}
    if not isinstance(values, dict):
        raise ProgramError(f"{config_file}: 'config' must be a mapping of keys to values")
    return {
        (str(key) if ":" in str(key) else f"{project}:{key}"): _config_value(value)
        for key, value in values.items()
    }


@contextlib.contextmanager
def _program_context(program_dir: Path) -> Generator[None]:
    """cwd and sys.path as the Python language host sets them for a program."""
    old_cwd = os.getcwd()
    old_path = list(sys.path)
    os.chdir(program_dir)
    sys.path.insert(0, str(program_dir))
    try:
        yield
    finally:
        os.chdir(old_cwd)
        sys.path[:] = old_path


def run_function(
    function: Callable[[], object],
    *,
    project: str,
    stack: str,
    config: Mapping[str, str] | None = None,
    preview: bool = True,
) -> ProgramRun:
    """Run ``function`` as a Pulumi program under the mock engine and record what it registers."""
    config = dict(config or {})
    run = ProgramRun(project=project, stack=stack, config=config)
    model = CloudModel(project=project, stack=stack, config=config, run=run)
    monitor = RecordingMonitor(model, run)
    logger = logging.getLogger(f"private_acr_preview.{project}.{stack}")
    logger.propagate = False
    logger.handlers[:] = [_CollectingHandler(run)]
    settings.reset_options(
        project=project, stack=stack, preview=preview, organization="organization"
    )
    settings.configure(
        mocks.MockSettings(
            monitor=monitor,
            monitor_features=set(monitor.GetDeploymentInfo(None).supportedFeatures),
            engine=mocks.MockEngine(logger),
            project=project,
            stack=stack,
            dry_run=preview,
            organization="organization",
            callbacks=None,
        )
    )
    runtime_config.set_all_config(dict(config), [])

    def entry() -> None:
        function()

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(stack_runtime.run_in_stack(entry))
    finally:
        loop.close()
        asyncio.set_event_loop(None)
        settings.reset_options()
        runtime_config.set_all_config({}, [])
    return run


def load_config(
    program_dir: Path, stack_name: str, config_file: Path | None = None
) -> tuple[str, dict[str, str]]:
    """The project name and the stack's config as the CLI passes it: defaults, then the stack file."""
    project, defaults = read_project(program_dir)
    config = dict(defaults)
    config.update(
        read_stack_config(config_file or program_dir / f"Pulumi.{stack_name}.yaml", project)
    )
    return project, config


def run_program(
    program_dir: Path,
    stack_name: str,
    config_file: Path | None = None,
    *,
    preview: bool = True,
    loaded: tuple[str, dict[str, str]] | None = None,
) -> ProgramRun:
    """Run ``program_dir/__main__.py`` for ``stack_name`` as the Python language host would.

    ``loaded`` is what ``load_config`` returned, when the caller has already read it.
    """
    program_dir = program_dir.resolve()
    project, config = loaded or load_config(program_dir, stack_name, config_file)
    entry = program_dir / "__main__.py"
    if not entry.is_file():
        raise ProgramError(f"{program_dir}: no __main__.py to run")
    with _program_context(program_dir):
        return run_function(
            lambda: runpy.run_path(str(entry), run_name="__main__"),
            project=project,
            stack=stack_name,
            config=config,
            preview=preview,
        )
