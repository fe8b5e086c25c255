"""Which Python runs a policy pack: the one its ``PulumiPolicy.yaml`` names, as the CLI picks it.

The CLI starts a Python pack through its Python language host (sdk/python/cmd/pulumi-language-
python/main.go ``RunPlugin`` and ``parseOptions``; sdk/python/toolchain):

- ``runtime`` must be ``python`` (a string, or ``{name: python, options: {...}}``).
- ``options.toolchain`` is ``pip``, ``poetry`` or ``uv``; unset, it is ``uv`` when a ``uv.lock``
  is found in the pack directory or above, else ``poetry`` for a ``poetry.lock``, else ``pip``
  (toolchain.go ``ResolveToolchain``).
- ``options.virtualenv`` is relative to the pack directory. With ``uv`` and no virtualenv, the
  environment is ``.venv`` (or ``$UV_PROJECT_ENVIRONMENT``) beside the nearest ``uv.lock``, else
  beside the nearest ``pyproject.toml`` (uv.go ``newUv``). With ``pip`` and no virtualenv, a pack
  runs on ``$PULUMI_PYTHON_CMD``, else ``python3`` or ``python`` from ``PATH`` (pip.go
  ``CommandPath``; packs get no ``venv`` default, unlike other plugins). With ``poetry``, the
  environment is the one ``poetry env info --executable`` names.
- The environment is activated: its ``bin`` first on ``PATH``, ``VIRTUAL_ENV`` set,
  ``PYTHONHOME`` removed (toolchain.go ``ActivateVirtualEnv``).

Unlike the CLI, this engine installs nothing (``uv sync`` or ``pip install`` run before a
``pulumi preview``, not here): a missing environment is an error that says how to create it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from private_acr_preview.errors import UserError
from private_acr_preview.yaml_strict import load_file

TOOLCHAINS = ("pip", "poetry", "uv")


class PackRuntimeError(UserError):
    """The pack cannot be run as its PulumiPolicy.yaml asks; the message says why and what to do."""


@dataclass(frozen=True)
class PackRuntime:
    python: Path
    environment: dict[str, str]
    version: str | None
    """``version`` from PulumiPolicy.yaml (the CLI reports it; the Python SDK always says 0.0.1)."""


def _search_up(start: Path, name: str) -> Path | None:
    for directory in (start, *start.parents):
        if (directory / name).exists():
            return directory
    return None


def _options(path: Path, document: dict[str, Any]) -> dict[str, Any]:
    runtime = document.get("runtime")
    fields = cast(dict[str, Any], runtime) if isinstance(runtime, dict) else {"name": runtime}
    if fields.get("name") != "python":
        raise PackRuntimeError(
            f"{path}: runtime: got {fields.get('name')!r}; the offline preview runs Python policy "
            "packs only (runtime: python). Run other packs with `pulumi preview --policy-pack`."
        )
    options: object = fields.get("options") or {}
    if not isinstance(options, dict):
        raise PackRuntimeError(f"{path}: runtime.options: expected a mapping")
    checked = cast(dict[str, Any], options)
    for key in ("virtualenv", "toolchain"):
        if key in checked and not isinstance(checked[key], str):
            raise PackRuntimeError(f"{path}: runtime.options.{key}: expected a string")
    if checked.get("toolchain", "pip") not in TOOLCHAINS:
        raise PackRuntimeError(
            f"{path}: runtime.options.toolchain: got {checked['toolchain']!r}; expected one of {', '.join(TOOLCHAINS)}"
        )
    return checked


def _toolchain(pack_dir: Path, options: dict[str, Any]) -> str:
    if "toolchain" in options:
        return str(options["toolchain"])
    if _search_up(pack_dir, "uv.lock"):
        return "uv"
    if _search_up(pack_dir, "poetry.lock"):
        return "poetry"
    return "pip"


def _uv_environment(pack_dir: Path, virtualenv: str | None) -> Path:
    if virtualenv:
        return pack_dir / virtualenv
    project_dir = (
        _search_up(pack_dir, "uv.lock") or _search_up(pack_dir, "pyproject.toml") or pack_dir
    )
    return project_dir / os.environ.get("UV_PROJECT_ENVIRONMENT", ".venv")


def _poetry_python(pack_dir: Path, path: Path) -> Path:
    poetry = shutil.which("poetry")
    if poetry is None:
        raise PackRuntimeError(
            f"{path}: the pack uses the poetry toolchain, and `poetry` is not on PATH"
        )
    result = subprocess.run(
        [poetry, "env", "info", "--executable"],
        cwd=pack_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or not result.stdout.strip():
        raise PackRuntimeError(
            f"{path}: `poetry env info --executable` found no environment; run `poetry install` in {pack_dir}"
        )
    return Path(result.stdout.strip())


def _activated(environment: Path | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key.upper() != "PYTHONHOME"}
    if environment is not None:
        env["PATH"] = os.pathsep.join([str(environment / "bin"), env.get("PATH", "")])
        env["VIRTUAL_ENV"] = str(environment)
    return env


def _ambient_python(path: Path) -> Path:
    names = (
        [os.environ["PULUMI_PYTHON_CMD"]]
        if os.environ.get("PULUMI_PYTHON_CMD")
        else ["python3", "python"]
    )
    for name in names:
        found = shutil.which(name)
        if found:
            return Path(found)
    raise PackRuntimeError(f"{path}: none of {', '.join(names)} is on PATH to run the pack")


def resolve(pack_dir: Path) -> PackRuntime:
    """The interpreter and environment for the pack in ``pack_dir``."""
    path = pack_dir / "PulumiPolicy.yaml"
    if not path.is_file():
        raise PackRuntimeError(
            f"{pack_dir}: no PulumiPolicy.yaml here; --policy-pack must name a policy pack"
        )
    document = load_file(path)
    if not isinstance(document, dict):
        raise PackRuntimeError(f"{path}: expected a mapping (runtime, version, ...)")
    fields = cast(dict[str, Any], document)
    options = _options(path, fields)
    version = str(fields["version"]) if fields.get("version") is not None else None
    toolchain = _toolchain(pack_dir, options)
    virtualenv = cast(str | None, options.get("virtualenv"))
    if toolchain == "poetry":
        python = _poetry_python(pack_dir, path)
        return PackRuntime(python, _activated(python.parent.parent), version)
    if toolchain == "pip" and not virtualenv:
        return PackRuntime(_ambient_python(path), _activated(None), version)
    if toolchain == "uv":
        environment = _uv_environment(pack_dir, virtualenv)
    else:
        environment = pack_dir / str(virtualenv)
    python = environment / "bin" / "python"
    if not python.exists():
        how = (
            "uv sync"
            if toolchain == "uv"
            else f"python3 -m venv {environment} and install the pack's requirements"
        )
        raise PackRuntimeError(
            f"{path}: the pack's environment {environment} has no bin/python ({toolchain} toolchain); "
            f"create it first ({how})"
        )
    return PackRuntime(python, _activated(environment), version)
