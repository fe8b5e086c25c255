"""Benchmark: the unknown-input sweep over the dev and prod plans (``tests/unknown_sweep.py``).

Every input path of every resource (to depth 3, about 950 variants over both plans) set to
unknown one at a time, every mandatory policy run on each variant in process. Target: both
plans within ``TARGET_SECONDS`` (30 s); the script exits 1 when it is missed or when a variant
has a mandatory violation the known plan does not have.

Usage: python benchmarks/unknown_sweep.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from policy_wire import WireResource  # noqa: E402
from test_policy_grpc import wire  # noqa: E402
from unknown_sweep import TARGET_SECONDS, sweep  # noqa: E402

from private_acr_policies._stack_config import StackConfig  # noqa: E402
from private_acr_preview.program import run_program  # noqa: E402
from private_acr_preview.project import load_config  # noqa: E402


def main() -> int:
    plans: list[tuple[str, StackConfig, list[WireResource]]] = []
    for stack in ("dev", "prod"):
        project, config = load_config(ROOT, stack)
        plans.append((stack, StackConfig(project, config), wire(run_program(ROOT, stack))))
    checks = sweep()
    started = time.perf_counter()
    total, failures = 0, 0
    for stack, config, resources in plans:
        count, new = checks.run(stack, config, resources)
        total += count
        failures += len(new)
        for resource, path, found in new:
            print(f"{stack} {resource} {'.'.join(map(str, path))}: {sorted(found)}")
    elapsed = time.perf_counter() - started
    print(f"unknown sweep: {total} variants in {elapsed:.1f} s (target {TARGET_SECONDS:.0f} s)")
    return 1 if failures or elapsed > TARGET_SECONDS else 0


if __name__ == "__main__":
    sys.exit(main())
