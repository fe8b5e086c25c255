"""Run a Pulumi Python program under the SDK's own mock engine and record what it registers.

``run_program`` configures the Pulumi runtime with the SDK's ``MockSettings`` and a
``RecordingMonitor`` (a ``MockMonitor`` that also records each registration: type, name,
parent, dependencies, property dependencies, protect, aliases and the raw input/output structs,
and each provider function called), loads the stack's config as the CLI passes it
(``project.load_config``), then runs ``__main__.py`` inside the SDK's ``run_in_stack`` so stack
exports and outstanding RPCs are awaited exactly as under ``pulumi preview``.

The answers (ids, outputs, function results) come from provider models chosen by token prefix
(``private_acr_preview.models``); the monitor alone writes the ``ProgramRun``. With a base state
(``--base``), a resource the state holds (by URN or by an alias) is answered as the Pulumi engine
answers it from its state: its id and outputs are the state's, with the inputs that changed
applied on top (an update or replacement happens at deployment, out of this preview's sight).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import runpy
import sys
import threading
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import config as runtime_config
from pulumi.runtime import mocks, settings
from pulumi.runtime import stack as stack_runtime
from pulumi.runtime.proto import alias_pb2, resource_pb2

from private_acr_preview.base import BaseResource
from private_acr_preview.errors import UserError
from private_acr_preview.models import InvokeFailure, ModelContext, ModelFactory, ModelSet
from private_acr_preview.project import load_config
from private_acr_preview.values import ENCRYPTED, secret

__all__ = [
    "STACK_TYPE",
    "ProgramError",
    "ProgramRun",
    "RecordedResource",
    "RecordingMonitor",
    "load_config",
    "run_function",
    "run_program",
]

STACK_TYPE = "pulumi:pulumi:Stack"


class ProgramError(UserError):
    """The program could not be loaded; the message is meant for the user."""


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
    ignore_changes: list[str] = field(default_factory=list[str])
    """Input paths the program's ``ignore_changes`` option leaves out of diffs."""
    replace_on_changes: list[str] = field(default_factory=list[str])
    """Input paths whose change replaces the resource (its ``replace_on_changes`` option)."""
    provider: str = ""
    """The provider reference (``<urn>::<id>``) of an explicit provider the resource was
    registered with (its own ``provider`` option or its parent's ``providers``); empty for the
    package's default provider."""


@dataclass
class ProgramRun:
    project: str
    stack: str
    config: dict[str, str]
    resources: list[RecordedResource] = field(default_factory=list[RecordedResource])
    outputs: dict[str, Any] = field(default_factory=dict[str, Any])
    log: list[tuple[str, str]] = field(default_factory=list[tuple[str, str]])
    invokes: list[str] = field(default_factory=list[str])
    """Tokens of the provider functions the program called, in call order."""
    notes: list[str] = field(default_factory=list[str])
    """What the provider models could not do faithfully (e.g. lookups they could not verify)."""

    @property
    def stack_urn(self) -> str:
        return f"urn:pulumi:{self.stack}::{self.project}::{STACK_TYPE}::{self.project}-{self.stack}"


def _to_plain(struct: struct_pb2.Struct) -> dict[str, Any]:
    """The struct as JSON-able data, keeping secret and unknown markers as the engine sends them."""
    return json_format.MessageToDict(struct)


class _ProviderRpcError(grpc.RpcError):
    """A failed provider call as the engine's gRPC answer carries it (the SDK reads these two)."""

    def __init__(self, details: str) -> None:
        super().__init__(details)
        self._details = details

    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.UNKNOWN

    def details(self) -> str:
        return self._details


class _MockMonitorMethods(Protocol):
    """The base class's handlers, typed (the SDK leaves their requests untyped)."""

    def Invoke(
        self, request: resource_pb2.ResourceInvokeRequest, /
    ) -> resource_pb2.ResourceInvokeResponse: ...
    def RegisterResource(
        self, request: resource_pb2.RegisterResourceRequest, /
    ) -> resource_pb2.RegisterResourceResponse: ...
    def RegisterResourceOutputs(
        self, request: resource_pb2.RegisterResourceOutputsRequest, /
    ) -> empty_pb2.Empty: ...
    def GetDeploymentInfo(self, request: object, /) -> resource_pb2.DeploymentInfo: ...


def _aliases(request: resource_pb2.RegisterResourceRequest) -> Sequence[alias_pb2.Alias]:
    # The SDK's stub names the Alias message under a module path that does not exist.
    return request.aliases  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]


def _answerable(value: Any, fresh: Any) -> Any:
    """``value`` from a base state, with what it holds encrypted answered from ``fresh`` (the
    model's answer at the same place), marked secret: the SDK needs a value to hand on."""
    if value is ENCRYPTED:
        return secret(fresh if fresh is not None else "")
    if isinstance(value, dict):
        mapping = cast(dict[str, Any], value)
        others = cast(dict[str, Any], fresh) if isinstance(fresh, dict) else {}
        return {k: _answerable(v, others.get(k)) for k, v in mapping.items()}
    if isinstance(value, list):
        items = cast(list[Any], value)
        others_list = cast(list[Any], fresh) if isinstance(fresh, list) else []
        return [
            _answerable(v, others_list[i] if i < len(others_list) else None)
            for i, v in enumerate(items)
        ]
    return value


class PriorState(Protocol):
    """The base state (``--base``) as the engine reads it for a resource it already holds."""

    @property
    def resources(self) -> Mapping[str, BaseResource]:
        """The state's resources by URN."""
        ...

    def replaced(self, prior: BaseResource, goal: Any) -> bool:
        """Whether the registration ``goal`` (a ``diff.Goal``) replaces ``prior``."""
        ...


class _StateAnswers(mocks.Mocks):
    """The models' answers, except for a resource the base state holds and the registration
    does not replace: the state's id and outputs, with each top-level input that differs from
    the state's answered anew. A replaced resource is a new one: the models answer it."""

    def __init__(self, models: ModelSet, local: threading.local) -> None:
        self.models = models
        self.local = local

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        prior: BaseResource | None = getattr(self.local, "prior", None)
        resource_id, fresh = self.models.new_resource(args)
        if prior is None or args.resource_id or not args.custom:
            return resource_id, fresh
        inputs = cast(dict[str, Any], vars(args)["inputs"])
        outputs = _answerable(prior.outputs, fresh)
        for key, value in inputs.items():
            if key in fresh and value != prior.inputs.get(key):
                outputs[key] = fresh[key]
        return prior.id or resource_id, outputs

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        return self.models.call(args)


class RecordingMonitor(mocks.MockMonitor):
    """The SDK's MockMonitor, also recording each registration and call as the engine sees it."""

    def __init__(
        self,
        models: ModelSet,
        run: ProgramRun,
        on_resource: Callable[[RecordedResource], None] | None = None,
        prior: PriorState | None = None,
        goal: Callable[[resource_pb2.RegisterResourceRequest], Any] | None = None,
    ) -> None:
        self._local = threading.local()
        super().__init__(_StateAnswers(models, self._local) if prior else models)
        self.models = models
        self.run = run
        self.on_resource = on_resource
        self.prior = prior
        self._goal = goal
        self._aliases: dict[str, list[str]] = {}

    def _prior_for(
        self, request: resource_pb2.RegisterResourceRequest, urns: Sequence[str]
    ) -> BaseResource | None:
        """The state this registration continues, unless it replaces it."""
        if self.prior is None or not request.custom:
            return None
        held = self.prior.resources
        found = next((held[u] for u in urns if u in held), None)
        if found is None or self._goal is None:
            return found
        return None if self.prior.replaced(found, self._goal(request)) else found

    def _base(self) -> _MockMonitorMethods:
        return cast(_MockMonitorMethods, super())

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

    def _inherited_aliases(self, request: resource_pb2.RegisterResourceRequest) -> list[str]:
        """The aliases a child gets from its parent's, as the engine derives them.

        With alias specs the SDK leaves this to the engine (pulumi/pulumi
        ``sdk/python/lib/pulumi/runtime/resource.py`` ``inherited_child_alias`` is the rule it
        applies otherwise): the child keeps its type under each old URN of its parent, and a
        name that starts with the parent's name takes the parent's old name instead.
        """
        parent_name = request.parent.rsplit("::", 1)[-1]
        inherited: list[str] = []
        for parent_alias in self._aliases.get(request.parent, []):
            prefix, old_name = parent_alias.rsplit("::", 1)
            name = request.name
            if name.startswith(parent_name):
                name = old_name + name[len(parent_name) :]
            inherited.append(f"{prefix}${request.type}::{name}")
        return inherited

    def _alias_urn(
        self, alias: alias_pb2.Alias, request: resource_pb2.RegisterResourceRequest
    ) -> str:
        if alias.WhichOneof("alias") == "urn":
            return alias.urn
        spec = alias.spec
        parent = "" if spec.noParent else (spec.parentUrn or request.parent)
        return self.make_urn(parent, spec.type or request.type, spec.name or request.name)

    def Invoke(
        self, request: resource_pb2.ResourceInvokeRequest
    ) -> resource_pb2.ResourceInvokeResponse:
        self.run.invokes.append(request.tok)
        try:
            return self._base().Invoke(request)
        except InvokeFailure as failure:
            raise _ProviderRpcError(str(failure)) from None

    def RegisterResource(
        self, request: resource_pb2.RegisterResourceRequest
    ) -> resource_pb2.RegisterResourceResponse:
        urn = self.make_urn(request.parent, request.type, request.name)
        aliases = [self._alias_urn(alias, request) for alias in _aliases(request)]
        aliases += self._inherited_aliases(request)
        self._aliases[urn] = aliases
        self._local.prior = self._prior_for(request, [urn, *aliases])
        try:
            response = self._base().RegisterResource(request)
        finally:
            self._local.prior = None
        recorded = self._recorded(request, response, urn, aliases)
        self.run.resources.append(recorded)
        if self.on_resource is not None:
            self.on_resource(recorded)
        return response

    def _recorded(
        self,
        request: resource_pb2.RegisterResourceRequest,
        response: resource_pb2.RegisterResourceResponse,
        urn: str,
        aliases: list[str],
    ) -> RecordedResource:
        is_stack = request.type == STACK_TYPE
        return RecordedResource(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=request.custom,
            parent=request.parent,
            # The SDK sends these as sets in no fixed order; sorted, a plan is repeatable.
            dependencies=sorted(request.dependencies),
            property_dependencies={
                key: sorted(deps.urns) for key, deps in request.propertyDependencies.items()
            },
            protect=request.protect,
            inputs=_to_plain(request.object),
            outputs={} if is_stack else _to_plain(response.object),
            id=response.id,
            aliases=aliases,
            ignore_changes=list(request.ignoreChanges),
            replace_on_changes=list(request.replaceOnChanges),
            provider=request.provider,
        )

    def RegisterResourceOutputs(
        self, request: resource_pb2.RegisterResourceOutputsRequest
    ) -> empty_pb2.Empty:
        if request.urn == self.run.stack_urn:
            self.run.outputs = _to_plain(request.outputs)
        return self._base().RegisterResourceOutputs(request)

    def features(self) -> set[int]:
        return set(self._base().GetDeploymentInfo(None).supportedFeatures)

    def record_notes(self) -> None:
        """At the end of the run: what the models could not answer faithfully."""
        self.run.notes = self.models.notes()


def _goal(request: resource_pb2.RegisterResourceRequest) -> Any:
    """The registration as ``diff.Goal`` reads it: inputs as they are recorded."""
    from private_acr_preview.diff import Goal

    return Goal(
        request.type,
        _to_plain(request.object),
        list(request.replaceOnChanges),
        list(request.ignoreChanges),
    )


class _CollectingHandler(logging.Handler):
    def __init__(self, run: ProgramRun) -> None:
        super().__init__(logging.INFO)
        self.run = run

    def emit(self, record: logging.LogRecord) -> None:
        self.run.log.append((record.levelname.lower(), record.getMessage()))


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


def _run_loop(function: Callable[[], object]) -> None:
    """``run_in_stack`` on a fresh loop; on failure, pending tasks are cancelled, not orphaned."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:

        def entry() -> None:
            function()

        loop.run_until_complete(stack_runtime.run_in_stack(entry))
    finally:
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()
        asyncio.set_event_loop(None)


def run_function(
    function: Callable[[], object],
    *,
    project: str,
    stack: str,
    config: Mapping[str, str] | None = None,
    preview: bool = True,
    existing: Sequence[Mapping[str, Any]] | None = None,
    models: Mapping[str, ModelFactory] | None = None,
    on_resource: Callable[[RecordedResource], None] | None = None,
    prior: PriorState | None = None,
) -> ProgramRun:
    """Run ``function`` as a Pulumi program under the mock engine and record what it registers.

    ``existing`` is the ``--existing`` snapshot; ``models`` replaces the default provider models
    (``models.default_factories()``) by package prefix; ``on_resource`` sees each resource as
    it is recorded (from the SDK's worker threads); ``prior`` is the base state by URN, whose
    resources are answered from it.
    """
    config = dict(config or {})
    run = ProgramRun(project=project, stack=stack, config=config)
    state = None
    if prior is not None:
        state = [
            {"type": r.type, "id": r.id, "outputs": r.outputs} for r in prior.resources.values()
        ]
    context = ModelContext(project, stack, config, existing, state)
    model_set = ModelSet.build(context, models)
    monitor = RecordingMonitor(model_set, run, on_resource, prior, _goal)
    logger = logging.getLogger(f"private_acr_preview.{project}.{stack}")
    logger.propagate = False
    logger.handlers[:] = [_CollectingHandler(run)]
    settings.reset_options(
        project=project, stack=stack, preview=preview, organization="organization"
    )
    settings.configure(
        mocks.MockSettings(
            monitor=monitor,
            monitor_features=monitor.features(),
            engine=mocks.MockEngine(logger),
            project=project,
            stack=stack,
            dry_run=preview,
            organization="organization",
            callbacks=None,
        )
    )
    runtime_config.set_all_config(dict(config), [])
    try:
        _run_loop(function)
    finally:
        settings.reset_options()
        runtime_config.set_all_config({}, [])
    monitor.record_notes()
    return run


def run_program(
    program_dir: Path,
    stack_name: str,
    config_file: Path | None = None,
    *,
    preview: bool = True,
    loaded: tuple[str, dict[str, str]] | None = None,
    existing: Sequence[Mapping[str, Any]] | None = None,
    models: Mapping[str, ModelFactory] | None = None,
    on_resource: Callable[[RecordedResource], None] | None = None,
    prior: PriorState | None = None,
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
            existing=existing,
            models=models,
            on_resource=on_resource,
            prior=prior,
        )
