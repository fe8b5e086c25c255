"""The pack for stacks that install this package instead of checking the repository out.

``pulumi preview --policy-pack DIR`` needs a directory with ``PulumiPolicy.yaml`` and a
``__main__.py``. ``private-acr-policy-pack DIR`` writes one that runs the installed policies in
the Python environment they are installed in (``runtime.options.virtualenv``: the CLI's
Python language host runs ``<virtualenv>/bin/python -u -m pulumi.policy`` in DIR), so a
consumer stack gets the same pack, version for version, as this repository's ``policies/``:

    pip install private-acr-tasks            # in the stack's virtualenv
    private-acr-policy-pack .pulumi-policy   # once, or in CI before the preview
    pulumi preview --policy-pack .pulumi-policy
    offline-preview --stack dev --policy-pack .pulumi-policy

``serve()`` is what both entry points run; it blocks (``PolicyPack`` starts the server).
"""

from __future__ import annotations

import argparse
import gc
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

MAIN = '''"""Written by private-acr-policy-pack: the private-acr-tasks policies, as installed."""

from private_acr_policies.pack import serve

serve()
'''


def serve() -> None:
    """Start the pack's analyzer server (what ``policies/__main__.py`` runs)."""
    from pulumi_policy import PolicyPack

    from private_acr_policies import DESCRIPTION, PACK_NAME, POLICIES, _server

    _server.install()
    gc.freeze()
    PolicyPack(name=PACK_NAME, policies=POLICIES, description=DESCRIPTION)


def _version() -> str:
    try:
        return version("private-acr-tasks")
    except PackageNotFoundError:
        return "0.0.0"


def policy_yaml(environment: Path) -> str:
    """``PulumiPolicy.yaml`` for a pack run by the Python of ``environment``."""
    from private_acr_policies import DESCRIPTION

    return (
        f"description: {DESCRIPTION}\n"
        f"version: {_version()}\n"
        "runtime:\n"
        "  name: python\n"
        "  options:\n"
        # Without a toolchain the CLI picks one from the lock files above DIR (uv.lock: uv,
        # which must be on PATH; poetry.lock: poetry, which ignores virtualenv); pip runs the
        # given environment as it is (pulumi sdk/python/toolchain ResolveToolchain).
        "    toolchain: pip\n"
        f"    virtualenv: {environment}\n"
    )


def write_pack(directory: Path, environment: Path | None = None) -> Path:
    """Write the pack's two files into ``directory``; the environment defaults to this one."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "PulumiPolicy.yaml").write_text(policy_yaml(environment or Path(sys.prefix)))
    (directory / "__main__.py").write_text(MAIN)
    return directory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="private-acr-policy-pack",
        description="Write a policy pack directory that runs the installed private-acr-tasks policies.",
    )
    parser.add_argument(
        "directory", type=Path, help="where to write PulumiPolicy.yaml and __main__.py"
    )
    args = parser.parse_args(argv)
    target: Path = args.directory
    if target.exists() and not target.is_dir():
        sys.stderr.write(f"error: {target} exists and is not a directory\n")
        return 2
    written = write_pack(target)
    sys.stdout.write(f"{written}: run it with pulumi preview --policy-pack {written}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
