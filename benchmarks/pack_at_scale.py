"""Benchmark: the policy pack's AnalyzeStack at 500 to 18,000 resources, over gRPC.

The pack runs as the Pulumi CLI starts it (``tests/policy_wire.py``); the stack is
``tests/generated_stack.py`` (VNets of five subnets with NSGs and rules, a registry with its
agent pool and private endpoint). For each size a fresh pack process is configured with the
schema defaults, then AnalyzeStack is timed (best of several calls, wall clock, client side:
encoding, transfer and analysis) and the pack's peak resident memory read from /proc.

Targets (issue 12): under 0.5 s at 6,000 resources and under 2 s at 18,000; growth linear
(18,000 costs at most 1.5 x three times 6,000); memory bounded: over eight more analyses at
18,000 the pack's peak resident memory grows by less than a quarter of what one analysis adds
(a pack that kept each request's view would add that much per analysis). The first call of a
fresh pack (a real preview makes exactly one) is shown too. Exits 1 when a target is missed.

Usage: python benchmarks/pack_at_scale.py [--runs N]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from generated_stack import generated_stack
from policy_wire import PackProcess

SIZES = (500, 2000, 6000, 18000)
TARGETS = {6000: 0.5, 18000: 2.0}
LINEAR_SLACK = 1.5
MORE_ANALYSES = 8
MEMORY_GROWTH = 0.25


def _memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


@dataclass(frozen=True)
class Result:
    first: float
    best: float
    peak_kib: int
    growth: float
    """Peak growth over ``MORE_ANALYSES`` more analyses, as a share of one analysis's own."""


def measure(size: int, runs: int) -> Result:
    pack = PackProcess(stack="scale")
    try:
        pack.configure()
        request = pack.stack_request(generated_stack(size))
        pid = pack.process.pid
        idle = _memory_kib(pid, "VmRSS")
        timings: list[float] = []
        for _ in range(runs):
            started = time.perf_counter()
            pack.stub.AnalyzeStack(request)
            timings.append(time.perf_counter() - started)
        peak = _memory_kib(pid, "VmHWM")
        for _ in range(MORE_ANALYSES):
            pack.stub.AnalyzeStack(request)
        later = _memory_kib(pid, "VmHWM")
        growth = (later - peak) / max(peak - idle, 1)
        return Result(timings[0], min(timings), later, growth)
    finally:
        pack.close()


def main() -> int:
    parser = argparse.ArgumentParser(description="The policy pack's AnalyzeStack at scale.")
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    results = {size: measure(size, runs) for size in SIZES}
    header = f"{'resources':>10} {'AnalyzeStack s':>15} {'first call s':>13} {'peak MiB':>9}"
    print(f"{header} {'target':>8}")
    misses: list[str] = []
    for size, result in results.items():
        target = TARGETS.get(size)
        shown = f"< {target:g} s" if target else ""
        print(
            f"{size:>10} {result.best:>15.3f} {result.first:>13.3f} "
            f"{result.peak_kib / 1024:>9.0f} {shown:>8}"
        )
        if target is not None and result.best >= target:
            misses.append(
                f"AnalyzeStack at {size} resources took {result.best:.3f} s (target < {target} s)"
            )
    ratio = results[18000].best / results[6000].best
    print(f"growth 6,000 -> 18,000: x{ratio:.2f} (linear: x3)")
    if ratio > 3 * LINEAR_SLACK:
        misses.append(f"growth from 6,000 to 18,000 is x{ratio:.2f}, not linear")
    growth = results[18000].growth
    print(
        f"peak memory over {MORE_ANALYSES} more analyses at 18,000: {growth:+.0%} of one analysis"
    )
    if growth > MEMORY_GROWTH:
        misses.append(
            f"peak memory grew {growth:.0%} of an analysis over {MORE_ANALYSES} more at 18,000"
        )
    for miss in misses:
        print(f"MISSED: {miss}", file=sys.stderr)
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
