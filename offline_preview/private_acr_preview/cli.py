"""``offline-preview``: see what a stack would create and whether it passes policy, offline.

Exit status: 0 no mandatory violation, 1 mandatory violations, 2 bad input or program error.
Errors are one message on stderr; ``--debug`` adds the traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_ERROR = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="offline-preview",
        description=(
            "Run a Pulumi Python program under the SDK's mock engine and its policy pack over the "
            "analyzer protocol: no Azure account, no Pulumi CLI, no credentials."
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
        help="write a stack export for pulumi policy analyze --file",
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


def _write(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)


def _error_message(error: BaseException) -> str:
    from pulumi.errors import RunError

    from private_acr_preview.analyzer import PolicyError
    from private_acr_preview.program import ProgramError

    if isinstance(error, ProgramError | PolicyError | RunError):
        return str(error)
    try:
        from private_acr_tasks.errors import InputError
    except ImportError:  # a generic program need not use this project's library
        InputError = ()
    if isinstance(error, InputError):
        return str(error)
    return f"the program failed: {type(error).__name__}: {error}"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    progress = _Progress()
    try:
        return _run(args, progress)
    except KeyboardInterrupt:
        progress.done()
        return EXIT_ERROR
    except Exception as error:  # noqa: BLE001 - every failure becomes one message and exit 2
        progress.done()
        if args.debug:
            traceback.print_exc()
        sys.stderr.write(f"error: {_error_message(error)}\n")
        return EXIT_ERROR


def _run(args: argparse.Namespace, progress: _Progress) -> int:
    from private_acr_preview import analyzer, report
    from private_acr_preview.program import load_config, run_program

    program_dir: Path = args.program.resolve()
    pack_dir: Path | None = None
    if not args.no_policy:
        default_pack = program_dir / "policies"
        if args.policy_pack is not None:
            pack_dir = args.policy_pack
        elif (default_pack / "PulumiPolicy.yaml").is_file():
            pack_dir = default_pack
    overrides: dict[str, Any] = analyzer.read_policy_config(args.policy_config)

    loaded = load_config(program_dir, args.stack, args.config_file)
    project, config = loaded
    pack = None
    if pack_dir is not None:
        progress.step("starting the policy pack")
        pack = analyzer.PolicyPackProcess(
            pack_dir, project=project, stack=args.stack, config=config
        )
    try:
        progress.step(f"running {program_dir.name}/__main__.py under the mock engine")
        run = run_program(program_dir, args.stack, loaded=loaded)
        policy = None
        if pack is not None:
            progress.step(f"analyzing {len(run.resources)} resources with the policy pack")
            policy = analyzer.analyze(pack, run, overrides)
    finally:
        if pack is not None:
            pack.close()
    progress.done()

    sys.stdout.write(report.render_text(run, policy))
    if args.json:
        _write(args.json, json.dumps(report.to_json(run, policy), indent=2) + "\n")
    if args.graph:
        _write(args.graph, report.render_mermaid(run))
    if args.summary:
        _write(args.summary, report.render_summary(run, policy))
    if args.export:
        _write(args.export, json.dumps(report.to_export(run), indent=2) + "\n")
    errors = [message for level, message in run.log if level == "error"]
    if errors:
        return EXIT_ERROR
    return EXIT_VIOLATIONS if policy is not None and policy.mandatory else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
