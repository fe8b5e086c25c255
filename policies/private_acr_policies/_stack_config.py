"""The stack's own config, as the Pulumi CLI hands it to a policy pack.

How it arrives (pulumi/pulumi): ``pkg/engine/update.go`` gives the analyzers the stack's
decrypted config (project defaults from ``Pulumi.yaml`` applied), its project and its name;
``pkg/resource/plugin/analyzer_plugin.go`` (``constructEnv``, ``constructConfig``) and the Python
language host's policy proxy (``sdk/python/cmd/pulumi-language-python/main.go`` with
``sdk/policy_proxy.go``, from ``ConfigureStack``) start the pack with ``PULUMI_PROJECT``,
``PULUMI_STACK`` and ``PULUMI_CONFIG``: a JSON object from each full key (``<namespace>:<key>``)
to its value as text (a number's digits, ``true``, an object's or list's JSON). The proxy sets
``PULUMI_CONFIG`` only when the stack has config. ``pulumi policy analyze`` loads packs with no
options (``pkg/cmd/pulumi/policy/policy_analyze.go``): no project, no stack, no config.

So ``PULUMI_PROJECT`` tells whether the pack runs for a stack, and a stack's own keys are
``<PULUMI_PROJECT>:<key>``: this project's, or a consumer project's that uses the same keys.
"""

from __future__ import annotations

import json
import os
from collections.abc import Generator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, cast


@dataclass(frozen=True)
class StackConfig:
    """The stack config a pack was given; ``project`` ``None``: it was given none."""

    project: str | None
    values: Mapping[str, str] = field(default_factory=dict[str, str])

    @property
    def given(self) -> bool:
        return self.project is not None

    def key(self, name: str) -> str:
        """The full key of one of the stack's own keys (``private-acr-tasks:dockerBridgeCidr``)."""
        return f"{self.project}:{name}" if self.project else name

    def text(self, name: str) -> str | None:
        """The stack's own key ``name`` (``namespace:key`` for another namespace's key)."""
        return self.values.get(name if ":" in name else self.key(name))

    def object_field(self, name: str, inner: str) -> Any:
        """A field of one of the stack's object keys (``agentPool`` -> ``vcpuQuota``)."""
        text = self.text(name)
        try:
            document: object = json.loads(text) if text is not None else None
        except ValueError:
            return None
        return cast(Mapping[str, Any], document).get(inner) if isinstance(document, dict) else None


def from_environment(environ: Mapping[str, str] = os.environ) -> StackConfig:
    """The stack config the CLI put in the pack's environment."""
    project = environ.get("PULUMI_PROJECT") or None
    try:
        values: object = json.loads(environ.get("PULUMI_CONFIG") or "{}")
    except ValueError:
        values = {}
    if not isinstance(values, dict):
        values = {}
    mapping = cast(dict[str, object], values)
    return StackConfig(project, {k: v for k, v in mapping.items() if isinstance(v, str)})


_OVERRIDE: ContextVar[StackConfig | None] = ContextVar("private_acr_stack_config", default=None)
_FROM_ENVIRONMENT: list[StackConfig] = []


def current() -> StackConfig:
    """The stack config of this run: the pack's environment (read once per process), unless
    ``given`` is in force (tests run policies in process)."""
    override = _OVERRIDE.get()
    if override is not None:
        return override
    if not _FROM_ENVIRONMENT:
        _FROM_ENVIRONMENT.append(from_environment())
    return _FROM_ENVIRONMENT[0]


@contextmanager
def given(config: StackConfig) -> Generator[None]:
    """Run policies as if the CLI had handed them ``config``."""
    token = _OVERRIDE.set(config)
    try:
        yield
    finally:
        _OVERRIDE.reset(token)
