"""Azure resources the stack builds on but does not hold, when the pack is given them.

The Pulumi CLI hands a pack only the stack's own resources, so a subnet, NSG, route table or
central private DNS zone owned by a platform team is, to a policy, an ARM id it cannot open. A
snapshot of them (a JSON list of resources as ``az ... show`` prints them or ARM returns them,
the file ``offline-preview --existing`` answers the program's lookups from) fills that gap: the offline
preview names it to the pack in the environment variable ``OFFLINE_PREVIEW_EXISTING``, and a
pipeline that runs ``pulumi preview`` can set the same variable to a snapshot it took with the
Azure CLI (the CLI starts a pack with its own environment: ``os.Environ()`` in pulumi/pulumi
``sdk/go/common/resource/plugin/plugin.go``, ``execPlugin``). Without it, what lies outside the stack is reported as not checked.

The file is read once per process, as a regular file of at most 64 MiB; one that cannot be read
or parsed counts as no snapshot, and says so (``problem``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Generator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from private_acr_rules.documents import ArmIndex

VARIABLE = "OFFLINE_PREVIEW_EXISTING"
_LIMIT = 64 * 1024 * 1024


@dataclass(frozen=True)
class Existing:
    """The snapshot (``index`` ``None``: none was given) and why it could not be read."""

    index: ArmIndex | None
    problem: str = ""

    @property
    def given(self) -> bool:
        return self.index is not None

    def find(self, resource_id: object) -> Mapping[str, Any] | None:
        return self.index.find(resource_id) if self.index is not None else None


def read(path: str) -> Existing:
    """The snapshot at ``path``, or no snapshot and why."""
    try:
        file = Path(path)
        if not file.is_file() or file.stat().st_size > _LIMIT:
            return Existing(None, f"{VARIABLE}={path} is not a regular file of at most 64 MiB")
        document: object = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return Existing(None, f"{VARIABLE}={path} cannot be read ({error})")
    entries = cast(list[object], document) if isinstance(document, list) else [document]
    resources = [cast(Mapping[str, Any], e) for e in entries if isinstance(e, Mapping)]
    return Existing(ArmIndex(resources))


_OVERRIDE: ContextVar[Existing | None] = ContextVar("private_acr_existing", default=None)
_FROM_ENVIRONMENT: list[Existing] = []


def current() -> Existing:
    """The snapshot of this run: the one ``given`` is in force, else the environment's."""
    override = _OVERRIDE.get()
    if override is not None:
        return override
    if not _FROM_ENVIRONMENT:
        path = os.environ.get(VARIABLE, "")
        _FROM_ENVIRONMENT.append(read(path) if path else Existing(None))
    return _FROM_ENVIRONMENT[0]


@contextmanager
def given(existing: Existing) -> Generator[None]:
    """Run policies with ``existing`` as the snapshot (tests, the review's matrix)."""
    token = _OVERRIDE.set(existing)
    try:
        yield
    finally:
        _OVERRIDE.reset(token)
