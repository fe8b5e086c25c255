"""``offline-preview``: see what a stack would create and whether it passes policy, offline.

With ``--base`` it reviews the plan against a base plan or state: what each resource's change
is, and whether one destroys data or an identity.

Exit status: 0 no mandatory finding, 1 mandatory findings (policy violations, or destructive
changes against ``--base`` not accepted with ``--allow-replace``), 2 bad input or program error,
128 + N when stopped by signal N (SIGINT, SIGTERM, SIGHUP; see ``stopping``); the policy pack is
stopped and reaped in every case. Errors are one message on stderr (see ``errors`` for how a
program's own errors qualify); ``--debug`` adds the traceback. Output paths are checked before
any work, and each output is written whole or not at all.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import stat
import sys
import time
import traceback
from collections.abc import Callable, Generator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from private_acr_preview import stopping
from private_acr_preview.errors import UserError, message_for

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_ERROR = 2
_OUTPUTS = ("json", "graph", "summary", "export")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="offline-preview",
        description=(
            "Run a Pulumi Python program under the SDK's mock engine and its policy pack over the "
            "analyzer protocol: no cloud account, no Pulumi CLI, no credentials."
        ),
    )
    parser.add_argument("--stack", required=True, help="stack name; reads Pulumi.<stack>.yaml")
    parser.add_argument(
        "--config-file",
        type=Path,
        help="stack config file (default: Pulumi.<stack>.yaml in --program)",
    )
    parser.add_argument(
        "--program", type=Path, default=Path("."), help="Pulumi program directory (default: .)"
    )
    parser.add_argument(
        "--policy-pack",
        type=Path,
        help="policy pack directory (default: <program>/policies if present)",
    )
    parser.add_argument("--no-policy", action="store_true", help="skip the policy pack")
    parser.add_argument(
        "--policy-config", type=Path, help="policy config JSON, as for pulumi --policy-pack-config"
    )
    parser.add_argument(
        "--json", type=Path, metavar="FILE", help="write the plan and policy report as JSON"
    )
    parser.add_argument(
        "--graph", type=Path, metavar="FILE.mmd", help="write the resource graph as Mermaid"
    )
    parser.add_argument(
        "--summary",
        type=Path,
        metavar="FILE.md",
        help="write a Markdown summary for a pull request",
    )
    parser.add_argument(
        "--export",
        type=Path,
        metavar="FILE.json",
        help="write a stack export for pulumi stack import / policy analyze",
    )
    parser.add_argument(
        "--existing",
        type=Path,
        metavar="FILE",
        help="JSON list of cloud resources that already exist (as `az ... show` prints them); "
        "the program's lookups are answered from it",
    )
    parser.add_argument(
        "--base",
        type=Path,
        metavar="FILE",
        help="a plan written by --json, or a `pulumi stack export`, to review this plan against: "
        "what is created, updated, replaced or deleted",
    )
    parser.add_argument(
        "--allow-replace",
        action="append",
        default=[],
        metavar="URN",
        help="accept the replacement or deletion of this resource (repeatable); without it a "
        "destructive change is a mandatory finding",
    )
    parser.add_argument(
        "--full-graph",
        action="store_true",
        help="draw every resource in --graph and --summary, not just the changes or the components",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    return parser


class _Progress:
    """One status line on stderr while work is under way (only on a terminal)."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.started = time.monotonic()

    def step(self, text: str) -> None:
        if self.enabled:
            sys.stderr.write(f"\r\033[K[{time.monotonic() - self.started:4.1f}s] {text}")
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()

    def clear(self) -> None:
        """``done`` for a signal handler: no buffered stream, whose lock may be held."""
        if self.enabled:
            with suppress(OSError):
                os.write(sys.stderr.fileno(), b"\r\033[K")


class OutputPathError(UserError):
    """An output path that cannot be written."""


_INPUTS = ("config_file", "existing", "policy_config", "base")
"""Options naming files the run reads (``base`` where the option exists)."""


def _probe(directory: Path, where: str, *, as_directory: bool) -> None:
    """Create and remove a file (or directory) in ``directory``: the one honest writability test
    (``os.access`` says yes to root, on read-only mounts and in /proc)."""
    name = directory / f".offline-preview-probe-{secrets.token_hex(4)}"
    try:
        if as_directory:
            name.mkdir()
            name.rmdir()
        else:
            name.touch(exist_ok=False)
            name.unlink()
    except OSError as error:
        what = "create a directory" if as_directory else "write a file"
        raise OutputPathError(f"{where}: cannot {what} in {directory}: {error.strerror}") from None


def check_output_paths(args: argparse.Namespace) -> None:
    """Refuse, before any work, an output that could not be written, saying what is in the way."""
    inputs: dict[Path, str] = {}
    for option in _INPUTS:
        given: Path | None = getattr(args, option, None)
        if given is not None:
            inputs[given.resolve()] = "--" + option.replace("_", "-")
    seen: dict[Path, str] = {}
    for option in _OUTPUTS:
        path: Path | None = getattr(args, option)
        if path is None:
            continue
        where = f"--{option} {path}"
        resolved = path.resolve()
        if resolved in seen:
            raise OutputPathError(f"{where}: the same file as --{seen[resolved]}")
        if resolved in inputs:
            raise OutputPathError(
                f"{where}: the same file as {inputs[resolved]}, which the run reads"
            )
        seen[resolved] = option
        if resolved.is_dir():
            raise OutputPathError(f"{where}: is a directory; name a file")
        if resolved.exists() and not resolved.is_file():
            raise OutputPathError(
                f"{where}: is not a regular file (a device, FIFO or socket); name a file"
            )
        ancestor = resolved.parent
        while not ancestor.exists():
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            raise OutputPathError(
                f"{where}: {ancestor} is a file, so the directory cannot be created"
            )
        # The rename that writes the file needs the directory, not the file, to be writable;
        # a file its owner made read-only is refused all the same.
        if resolved.exists() and not os.access(resolved, os.W_OK):
            raise OutputPathError(f"{where}: {resolved} is not writable")
        _probe(ancestor, where, as_directory=ancestor != resolved.parent)


def _write(path: Path, content: str) -> None:
    """Write ``path`` whole or not at all: a temporary file in its directory, then a rename.

    Interrupted (a signal, a full disk), the run leaves the previous file as it was, never a
    truncated one, and no temporary file (a signal's handler removes it). A symlink is
    followed; an existing file keeps its permissions, a new one gets the umask's.
    """
    target = path.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    while True:
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
    forget = stopping.at_stop(lambda: temporary.unlink(missing_ok=True))
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(content)
        with suppress(FileNotFoundError):
            os.chmod(temporary, stat.S_IMODE(target.stat().st_mode))
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    finally:
        forget()


@contextmanager
def _signals_stop_cleanly(progress: _Progress) -> Generator[None]:
    """SIGTERM, SIGINT and SIGHUP (each unless ignored) end the run at once with 128 + N, the
    progress line cleared and the packs killed and reaped (``stopping``).

    The console script installed the handlers before its first import (``entry``); called
    in-process, ``main`` installs them for the run and puts the previous ones back.
    """
    replaced = stopping.install()
    forget = stopping.at_stop(progress.clear)
    try:
        yield
    finally:
        forget()
        stopping.restore(replaced)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    progress = _Progress()
    try:
        with _signals_stop_cleanly(progress):
            return _run(args, progress)
    except KeyboardInterrupt:
        progress.done()
        return 128 + signal.SIGINT
    except Exception as error:  # noqa: BLE001 - every failure becomes one message and exit 2
        progress.done()
        if args.debug:
            traceback.print_exc()
        sys.stderr.write(f"error: {message_for(error)}\n")
        return EXIT_ERROR


def _pack_dir(args: argparse.Namespace, program_dir: Path) -> tuple[Path | None, str]:
    """The pack to run, or why none runs."""
    if args.no_policy:
        return None, "not run (--no-policy)"
    if args.policy_pack is not None:
        return args.policy_pack, ""
    default = program_dir / "policies"
    if (default / "PulumiPolicy.yaml").is_file():
        return default, ""
    return None, f"not run (no --policy-pack, and {default} holds no PulumiPolicy.yaml)"


def _run(args: argparse.Namespace, progress: _Progress) -> int:
    from private_acr_preview import analyzer, diff, report
    from private_acr_preview.base import read_base
    from private_acr_preview.models.azure_existing import load_snapshot
    from private_acr_preview.program import load_config, run_program

    check_output_paths(args)
    program_dir: Path = args.program.resolve()
    pack_dir, no_pack_reason = _pack_dir(args, program_dir)
    overrides: dict[str, Any] = analyzer.read_policy_config(args.policy_config)
    existing = load_snapshot(args.existing) if args.existing is not None else None
    base = read_base(args.base) if args.base is not None else None
    project, config = load_config(program_dir, args.stack, args.config_file)
    if base is not None:
        base.check_stack(project, args.stack)
    # Entry points are looked up only for a review (scanning the installed packages costs).
    facts = diff.ProviderFacts.installed() if base is not None else diff.ProviderFacts({})
    analysis = None
    if pack_dir is not None:
        progress.step("starting the policy pack")
        pack = analyzer.PolicyPackProcess(
            pack_dir, project=project, stack=args.stack, config=config
        )
        analysis = analyzer.Analysis(
            pack,
            analyzer.StackInfo(project, args.stack, config),
            overrides,
            str(args.policy_config or ""),
        )
    try:
        if analysis is not None and overrides:
            # A policy config can be bad input: refused before the program runs. Without one
            # there is nothing to refuse, and the pack keeps starting while the program runs.
            progress.step("configuring the policy pack")
            analysis.wait_configured()
        progress.step(f"running {program_dir.name}/__main__.py under the mock engine")
        run = run_program(
            program_dir,
            args.stack,
            loaded=(project, config),
            existing=existing,
            on_resource=analysis.submit if analysis is not None else None,
            prior=diff.BaseState(base, facts) if base is not None else None,
        )
        policy = None
        if analysis is not None:
            progress.step(f"analyzing {len(run.resources)} resources with the policy pack")
            policy = analysis.finish(run)
    finally:
        if analysis is not None:
            analysis.close()
    progress.done()

    if base is not None:
        changes = diff.review(run, base, facts, allow_replace=args.allow_replace, knows=facts.knows)
    else:
        changes = None
    kind = "a stack export" if base is not None and base.kind == "export" else "a plan"
    outcome = report.Outcome(
        run,
        policy,
        changes,
        no_pack_reason=no_pack_reason,
        full_graph=args.full_graph,
        review_source=f"{args.base} ({kind})",
    )
    sys.stdout.write(report.render_text(outcome))
    writers: dict[str, Callable[[], str]] = {
        "json": lambda: json.dumps(report.to_json(outcome), indent=2) + "\n",
        "graph": lambda: report.render_graph(outcome),
        "summary": lambda: report.render_summary(outcome),
        "export": lambda: json.dumps(report.to_export(run), indent=2) + "\n",
    }
    for option, render in writers.items():
        path: Path | None = getattr(args, option)
        if path is not None:
            _write(path, render())
    errors = [message for level, message in run.log if level == "error"]
    if errors:
        return EXIT_ERROR
    return EXIT_VIOLATIONS if outcome.fails else EXIT_OK
