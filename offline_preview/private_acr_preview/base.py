"""``--base FILE``: the state a plan is compared with.

Two shapes are read:

- a plan this engine wrote with ``--json`` (``{"project", "stack", "resources": [...]}``), e.g.
  the base branch's; its secrets are redacted (``[secret]``), so they cannot be compared;
- a ``pulumi stack export`` (``{"version": 3, "deployment": {"resources": [...]}}``, each
  resource with ``urn``, ``type``, ``id``, ``inputs``, ``outputs``, ``protect``, ``parent``), of
  the deployed stack or written by ``--export``; secrets are encrypted (``ciphertext``) unless
  it was exported with ``--show-secrets`` (``plaintext``). Provider resources
  (``pulumi:providers:*``) are the engine's, not the program's, and are left out.

The file is read as a bounded regular file before the program runs; anything else is bad input
naming the file and what was expected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from private_acr_preview.errors import UserError
from private_acr_preview.input_files import read_json_and_text
from private_acr_preview.values import REDACTED, SPECIAL_SIG_KEY, read_state_value

STACK_TYPE = "pulumi:pulumi:Stack"
_PROVIDER_PREFIX = "pulumi:providers:"
MAX_BASE_BYTES = 1 << 30
"""A base larger than this is refused (an 18,000-resource plan is about 60 MB)."""


class BaseError(UserError):
    """The ``--base`` file cannot be used; the message names it and says why."""


@dataclass(frozen=True)
class BaseResource:
    """One resource as the base holds it."""

    urn: str
    type: str
    custom: bool
    id: str
    parent: str
    protect: bool
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    links: Mapping[str, Any] = field(default_factory=dict[str, Any], compare=False, repr=False)
    """The entry's ``dependencies`` and ``propertyDependencies``, read when asked."""

    @property
    def dependencies(self) -> tuple[str, ...]:
        """The URNs it depends on, by option or through its inputs."""
        return _dependencies(self.links)


@dataclass
class Base:
    """The resources of a base plan or export, by URN in the file's order."""

    path: Path
    kind: str
    """``plan`` (written by ``--json``) or ``export`` (``pulumi stack export``)."""
    resources: dict[str, BaseResource] = field(default_factory=dict[str, BaseResource])

    @property
    def stack_urn(self) -> str | None:
        return next((urn for urn, r in self.resources.items() if r.type == STACK_TYPE), None)

    def check_stack(self, project: str, stack: str) -> None:
        """Refuse a base of another project or stack: none of its URNs could match."""
        urn = self.stack_urn
        if urn is None:
            return
        parts = urn.split("::")
        found_stack, found_project = parts[0].removeprefix("urn:pulumi:"), parts[1]
        if (found_project, found_stack) != (project, stack):
            raise BaseError(
                f"--base {self.path}: holds stack {found_stack!r} of project {found_project!r}; "
                f"this preview is stack {stack!r} of project {project!r}"
            )


def _text(entry: dict[str, Any], key: str) -> str:
    value = entry.get(key)
    return value if isinstance(value, str) else ""


def _mapping(entry: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = entry.get(key)
    return cast(dict[str, Any], value) if isinstance(value, dict) else {}


def read_base(path: Path) -> Base:
    """The base in ``path``: a ``--json`` plan or a ``pulumi stack export`` (version 3)."""
    document, text = read_json_and_text(path, option="--base", limit=MAX_BASE_BYTES)
    if not isinstance(document, dict):
        raise BaseError(f"--base {path}: expected a JSON object (a --json plan or a stack export)")
    top = cast(dict[str, Any], document)
    if "deployment" in top:
        if top.get("version") != 3:
            raise BaseError(
                f"--base {path}: stack export version {top.get('version')!r}; expected 3 "
                "(pulumi stack export)"
            )
        entries: object = _mapping(top, "deployment").get("resources", [])
        kind, redacted = "export", False
    elif isinstance(top.get("resources"), list):
        entries, kind, redacted = top["resources"], "plan", True
    else:
        raise BaseError(
            f"--base {path}: neither a plan written by --json (a 'resources' list) nor a "
            "stack export ('version': 3 and a 'deployment')"
        )
    if not isinstance(entries, list):
        raise BaseError(f"--base {path}: 'resources' must be a list")
    base = Base(path, kind)
    # Secrets are rare; without their markers in the text the values are used as they are.
    marked = SPECIAL_SIG_KEY in text or (redacted and f'"{REDACTED}"' in text)

    def read(value: dict[str, Any]) -> dict[str, Any]:
        return read_state_value(value, redacted=redacted) if marked else value

    for index, raw in enumerate(cast(list[object], entries)):
        entry = cast(dict[str, Any], raw) if isinstance(raw, dict) else None
        if entry is None or not _text(entry, "urn").startswith("urn:pulumi:"):
            raise BaseError(f"--base {path}: resources[{index}] has no 'urn'")
        type_ = _text(entry, "type") or _text(entry, "urn").split("::")[2].rsplit("$", 1)[-1]
        if type_.startswith(_PROVIDER_PREFIX):
            continue
        outputs = _mapping(entry, "outputs")
        base.resources[entry["urn"]] = BaseResource(
            urn=entry["urn"],
            type=type_,
            custom=bool(entry.get("custom", type_ != STACK_TYPE)),
            id=_text(entry, "id") or _text(outputs, "id"),
            parent=_text(entry, "parent"),
            protect=bool(entry.get("protect", False)),
            inputs=read(_mapping(entry, "inputs")),
            outputs=read(outputs),
            links=entry,
        )
    return base


def _dependencies(entry: Mapping[str, Any]) -> tuple[str, ...]:
    listed: object = entry.get("dependencies")
    found = (
        [d for d in cast(list[object], listed) if isinstance(d, str)]
        if isinstance(listed, list)
        else []
    )
    for urns in _mapping(entry, "propertyDependencies").values():
        if isinstance(urns, list):
            found += [u for u in cast(list[object], urns) if isinstance(u, str)]
    return tuple(dict.fromkeys(found))
