"""Benchmark: the whole offline preview against the floor of importing what the program uses.

The floor is a fresh ``python`` that imports exactly the SDK classes the program registers (and
``pulumi_policy``, which the pack needs): no engine can start the program faster than that. The
measured command is the console script ``offline-preview --stack <stack>`` (program under the
mock engine, policy pack over gRPC, reports). Both run as fresh processes, interleaved (ABBA, so
drift in machine load hits both alike) after one warm-up each, and are compared by median.
Target: at most 1.3x the floor; the script exits 1 when it is missed.

Usage: python benchmarks/offline_preview_ratio.py [--runs N] [--stack dev]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.3
MIN_RUNS = 7


def _class_path(resource_type: str) -> str | None:
    package, module, name = resource_type.split(":")
    if package == "azure-native":
        return f"pulumi_azure_native.{module.split('/')[0]}.{name}"
    if package == "random":
        return f"pulumi_random.{name}"
    return None


def import_script(stack: str) -> str:
    """Python that imports exactly the SDK classes the program registers."""
    from private_acr_preview.program import run_program

    types = sorted({r.type for r in run_program(ROOT, stack).resources if r.custom})
    lines = ["import importlib, pulumi, pulumi_policy"]
    for path in filter(None, map(_class_path, types)):
        module, _, name = path.rpartition(".")
        lines.append(f"getattr(importlib.import_module({module!r}), {name!r})")
    return "\n".join(lines)


def _seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - started


def interleaved(first: list[str], second: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Samples of both commands, alternating which goes first (ABBA)."""
    for warm_up in (first, second):  # page cache, bytecode, the pack's own .pyc
        _seconds(warm_up)
    a: list[float] = []
    b: list[float] = []
    for index in range(runs):
        if index % 2 == 0:
            a.append(_seconds(first))
            b.append(_seconds(second))
        else:
            b.append(_seconds(second))
            a.append(_seconds(first))
    return a, b


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--runs", type=int, default=9, help=f"samples of each (at least {MIN_RUNS})"
    )
    parser.add_argument("--stack", default="dev")
    args = parser.parse_args()
    runs = max(args.runs, MIN_RUNS)

    floor_command = [sys.executable, "-c", import_script(args.stack)]
    preview_command = [str(Path(sys.executable).parent / "offline-preview"), "--stack", args.stack]
    floor, preview = interleaved(floor_command, preview_command, runs)
    ratio = statistics.median(preview) / statistics.median(floor)
    print(
        f"import floor (python + the program's SDK classes): median {statistics.median(floor):.2f}s of {runs}"
    )
    print(
        f"offline-preview --stack {args.stack}:                 median {statistics.median(preview):.2f}s of {runs}"
    )
    verdict = "within" if ratio <= TARGET_RATIO else "OVER"
    print(f"offline preview / import floor: {ratio:.2f} ({verdict} the {TARGET_RATIO}x target)")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
