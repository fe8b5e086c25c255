"""``offline-preview``: see what a stack would create and whether it passes policy, offline.

With ``--base`` it reviews the plan against a base plan or state: what each resource's change
is, and whether one destroys data or an identity.

Exit status: 0 no mandatory finding, 1 mandatory findings (policy violations, or destructive
changes against ``--base`` not accepted with ``--allow-replace``), 2 bad input or program error,
128 + N when stopped by signal N (SIGINT, SIGTERM); the policy pack is stopped in every case.
Errors are one message on stderr (see ``errors`` for how a program's own errors qualify);
``--debug`` adds the traceback. Output paths are checked before any work.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable, Generator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

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


class OutputPathError(UserError):
    """An output path that cannot be written."""


def check_output_paths(args: argparse.Namespace) -> None:
    """Refuse, before any work, an output that could not be written, saying what is in the way."""
    seen: dict[Path, str] = {}
    for option in _OUTPUTS:
        path: Path | None = getattr(args, option)
        if path is None:
            continue
        where = f"--{option} {path}"
        resolved = path.resolve()
        if resolved in seen:
            raise OutputPathError(f"{where}: the same file as --{seen[resolved]}")
        seen[resolved] = option
        if resolved.is_dir():
            raise OutputPathError(f"{where}: is a directory; name a file")
        ancestor = resolved.parent
        while not ancestor.exists():
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            raise OutputPathError(
                f"{where}: {ancestor} is a file, so the directory cannot be created"
            )
        target = resolved if resolved.exists() else ancestor
        if not os.access(target, os.W_OK):
            raise OutputPathError(f"{where}: {target} is not writable")


def _write(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)


@contextmanager
def _signals_stop_cleanly(progress: _Progress) -> Generator[None]:
    """SIGTERM, and SIGINT unless it was ignored, end the run at once with 128 + N.

    Raising from the handler instead would let ``finally`` blocks run, but the exception lands
    wherever the main thread is, and inside the import machinery it is swallowed with the
    module lock left held: the engine then hangs (seen with a signal during the SDK's startup).
    So the handler stops the policy packs itself and exits; they also die with the engine
    (``PR_SET_PDEATHSIG``).
    """

    def stop(signum: int, frame: FrameType | None) -> None:
        # No import here (the signal may land inside one): no analyzer loaded, no pack started.
        analyzer: Any = sys.modules.get("private_acr_preview.analyzer")
        if analyzer is not None:
            analyzer.stop_all_packs()
        progress.done()
        os._exit(128 + signum)

    previous = {signal.SIGTERM: signal.signal(signal.SIGTERM, stop)}
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, stop)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


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


# Collect young objects 70x less often than Python's default (700). Importing the SDKs and
# running a program under the mock engine allocate millions of objects (every output property
# becomes futures and tasks) that mostly live until the end, so the default schedule spends
# about a third of the run in collections that free nothing; garbage stays bounded all the same.
_GC_THRESHOLDS = (50_000, 10, 10)


def run() -> None:
    """The console script: exit as soon as the reports are out and the pack has stopped.

    Interpreter shutdown (tearing down the SDK's modules, gRPC and the event loop's threads) costs
    about half a second and changes nothing the user sees, so the process ends right away.
    """
    gc.set_threshold(*_GC_THRESHOLDS)
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
