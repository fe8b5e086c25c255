"""The pack's analyzer server: pulumi-policy's own, with the stack decoded once per request.

Why: pulumi-policy 1.21 (``pulumi_policy/policy.py``, ``_PolicyAnalyzerServicer.AnalyzeStack``)
turns every resource of the request from protobuf into proxied Python objects inside its loop
over the policies, so a pack with seven stack policies decodes the stack seven times; with
garbage collection over the growing heap on top, AnalyzeStack took 15.9 s at 18,000 resources.

How, in the smallest way that keeps this a normal pack (``pulumi preview --policy-pack`` and
``pulumi policy publish`` see an ordinary ``PolicyPack``):

- ``install()`` swaps the servicer class ``PolicyPack`` instantiates
  (``pulumi_policy.policy._PolicyAnalyzerServicer``, looked up by name when the pack starts)
  for ``SharedStackServicer``, a subclass overriding ``AnalyzeStack`` alone;
- that override builds one read-only ``Stack`` from the request (each resource's properties
  converted lazily, field by field, see ``_model.LazyProps``), publishes it in
  ``_policy.SHARED_STACK`` and calls the stock ``AnalyzeStack`` with the request minus its
  resources: pulumi-policy still applies levels, config, ``report_violation``, not-applicable
  and unknown handling, but decodes nothing, and every stack policy reads the same view;
- it does so only when every stack policy in the pack reads the shared view (they are built
  by ``_policy.stack_policy``); with any other stack policy the stock path runs unchanged;
- garbage collection stays out of the hot path: the entry point calls ``gc.freeze()`` after
  the imports (the collector then never walks the SDK's objects) and no collection runs
  during an analysis (``_no_collections``); the objects of one request die by reference
  counting when it returns.

What this relies on, pinned by ``tests/test_pack_server.py`` so a pulumi-policy upgrade that
changes it fails loudly there: ``PolicyPack.__init__`` creates the servicer through the
module-level name ``_PolicyAnalyzerServicer``; its ``AnalyzeStack(request, context)`` reads
nothing from the request but ``request.resources``; the stock path gives the same diagnostics.
If the name is missing at start, ``install`` leaves the stock servicer (slower, same verdicts).

The upstream fix (pulumi/pulumi-policy, ``sdk/python/lib/pulumi_policy/policy.py``): build
``intermediates`` and the ``PolicyResource`` list once, before ``for policy in
self.__policies`` (they do not depend on the policy), and let ``unknown_checking_proxy`` wrap
values on access instead of copying the whole tree; then this module can be deleted and the
entry point is a plain ``PolicyPack(...)``.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Generator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from pulumi.runtime.proto import analyzer_pb2
from pulumi.runtime.proto.analyzer_pb2_grpc import AnalyzerServicer
from pulumi_policy import Policy, StackValidationPolicy
from pulumi_policy import policy as pulumi_policy_module

from private_acr_policies._model import LazyProps, Resource, Stack
from private_acr_policies._policy import SHARED_STACK, stack_name

_SERVICER_NAME = "_PolicyAnalyzerServicer"
_stock: Any = getattr(pulumi_policy_module, _SERVICER_NAME, None)
StockServicer: Any = _stock if isinstance(_stock, type) else AnalyzerServicer
"""pulumi-policy's servicer class (typed ``Any``: the SDK's own annotations are incomplete)."""


class _CollectorHold:
    """No garbage collection while any analysis runs (the server has four worker threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holds = 0
        self._was_enabled = False

    @contextmanager
    def __call__(self) -> Generator[None]:
        with self._lock:
            if self._holds == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._holds += 1
        try:
            yield
        finally:
            with self._lock:
                self._holds -= 1
                if self._holds == 0 and self._was_enabled:
                    gc.enable()


_no_collections = _CollectorHold()


class _Dependencies(Mapping[str, Sequence[str]]):
    """A resource's property dependencies, read from the request when asked."""

    __slots__ = ("_map",)

    def __init__(self, dependencies: Any) -> None:
        self._map = dependencies

    def __getitem__(self, key: str) -> Sequence[str]:
        return self._map[key].urns

    def get(self, key: str, default: Any = None) -> Any:
        return self._map[key].urns if key in self._map else default

    def __iter__(self) -> Iterator[str]:
        return iter(self._map)

    def __len__(self) -> int:
        return len(self._map)


def stack_from_request(request: Any, name: str) -> Stack:
    """One view of an ``AnalyzeStackRequest``: its resources, properties decoded lazily."""
    resources = [
        Resource(
            type=item.type,
            urn=item.urn,
            name=item.name,
            props=LazyProps(item.properties),
            property_dependencies=_Dependencies(item.propertyDependencies),
            protect=item.options.protect,
        )
        for item in request.resources
    ]
    return Stack(resources, name=name)


def reads_shared_stack(policies: Sequence[Policy]) -> bool:
    """Every stack policy reads the shared view, so none needs the request's resources."""
    return all(
        getattr(p, "reads_shared_stack", False)
        for p in policies
        if isinstance(p, StackValidationPolicy)
    )


class SharedStackServicer(StockServicer):
    """pulumi-policy's servicer; AnalyzeStack decodes the stack once for every policy."""

    def __init__(self, name: str, version: str, policies: list[Policy], *args: Any, **kwargs: Any):
        stock: Any = super()
        stock.__init__(name, version, policies, *args, **kwargs)
        self._shared = reads_shared_stack(policies)

    def AnalyzeStack(self, request: Any, context: Any) -> Any:
        stock: Any = super()
        if not self._shared:
            return stock.AnalyzeStack(request, context)
        with _no_collections():
            view = stack_from_request(request, stack_name())
            token = SHARED_STACK.set(view)
            try:
                return stock.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(), context)
            finally:
                SHARED_STACK.reset(token)


def install() -> bool:
    """Make ``PolicyPack`` serve with ``SharedStackServicer``; ``False`` if it cannot."""
    current = getattr(pulumi_policy_module, _SERVICER_NAME, None)
    if current is SharedStackServicer:
        return True
    if current is None or current is not StockServicer:
        sys.stderr.write(
            "private-acr-tasks policy pack: pulumi-policy's servicer changed; running its "
            "stock AnalyzeStack (slower, same verdicts)\n"
        )
        return False
    setattr(pulumi_policy_module, _SERVICER_NAME, SharedStackServicer)
    return True
