"""Benchmark: the policy pack's AnalyzeStack at 500 to 18,000 resources, over gRPC.

The pack runs as the Pulumi CLI starts it (``tests/policy_wire.py``); the stack is
``tests/generated_stack.py`` (VNets of five subnets with NSGs and rules, a registry with its
agent pool and private endpoint). For each size a fresh pack process is configured with the
schema defaults, then AnalyzeStack is timed (best of several calls, wall clock, client side:
encoding, transfer and analysis) and the pack's peak resident memory read from /proc.

Targets (issue 12): under 0.5 s at 6,000 resources and under 2 s at 18,000; growth linear
(18,000 costs at most 1.5 x three times 6,000); memory bounded (five more analyses at 18,000
grow the pack's resident memory by less than 10%). Exits 1 when any target is missed.

Usage: python benchmarks/pack_at_scale.py [--runs N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from generated_stack import generated_stack
from policy_wire import PackProcess

SIZES = (500, 2000, 6000, 18000)
TARGETS = {6000: 0.5, 18000: 2.0}
LINEAR_SLACK = 1.5
MEMORY_GROWTH = 0.10


def _memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def measure(size: int, runs: int) -> tuple[float, int, float]:
    """(best seconds, peak KiB, resident growth over five more analyses) at ``size``."""
    pack = PackProcess(stack="scale")
    try:
        pack.configure()
        request = pack.stack_request(generated_stack(size))
        best = float("inf")
        for _ in range(runs):
            started = time.perf_counter()
            pack.stub.AnalyzeStack(request)
            best = min(best, time.perf_counter() - started)
        pid = pack.process.pid
        settled = _memory_kib(pid, "VmRSS")
        for _ in range(5):
            pack.stub.AnalyzeStack(request)
        growth = _memory_kib(pid, "VmRSS") / settled - 1 if settled else 0.0
        return best, _memory_kib(pid, "VmHWM"), growth
    finally:
        pack.close()


def main() -> int:
    parser = argparse.ArgumentParser(description="The policy pack's AnalyzeStack at scale.")
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    results = {size: measure(size, runs) for size in SIZES}
    print(f"{'resources':>10} {'AnalyzeStack s':>15} {'peak MiB':>9} {'target':>8}")
    misses: list[str] = []
    for size, (seconds, peak, _) in results.items():
        target = TARGETS.get(size)
        shown = f"< {target:g} s" if target else ""
        print(f"{size:>10} {seconds:>15.3f} {peak / 1024:>9.0f} {shown:>8}")
        if target is not None and seconds >= target:
            misses.append(
                f"AnalyzeStack at {size} resources took {seconds:.3f} s (target < {target} s)"
            )
    ratio = results[18000][0] / results[6000][0]
    print(f"growth 6,000 -> 18,000: x{ratio:.2f} (linear: x3)")
    if ratio > 3 * LINEAR_SLACK:
        misses.append(f"growth from 6,000 to 18,000 is x{ratio:.2f}, not linear")
    growth = results[18000][2]
    print(f"resident memory after five more analyses at 18,000: {growth:+.1%}")
    if growth > MEMORY_GROWTH:
        misses.append(f"memory grew {growth:.1%} over five more analyses at 18,000 resources")
    for miss in misses:
        print(f"MISSED: {miss}", file=sys.stderr)
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
