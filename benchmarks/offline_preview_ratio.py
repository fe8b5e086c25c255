"""Benchmarks: the offline preview against a bare import of the SDK classes the program uses.

The target: a whole ``offline-preview --stack dev`` (program, mock engine, policy pack over
gRPC) costs at most 1.5x the time Python needs just to import the Pulumi SDK classes the
program registers. Both are measured as fresh processes, repeated, and compared by median.
Also times the vnet-subnet-cidr-integrity check on a stack of 5,000 subnets.

Usage: python benchmarks/offline_preview_ratio.py [--runs N] [--stack dev] [--check]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.5


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


def timed(command: list[str], runs: int) -> list[float]:
    samples: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        samples.append(time.perf_counter() - started)
    return samples


def subnet_scale() -> float:
    sys.path.insert(0, str(ROOT / "policies"))
    from private_acr_policies import vnet_integrity
    from private_acr_policies._config import NoSettings
    from private_acr_policies._model import Resource, Stack

    vnet = Resource(
        "azure-native:network:VirtualNetwork",
        "urn:v",
        "v",
        {
            "name": "v",
            "resourceGroupName": "rg",
            "addressSpace": {"addressPrefixes": ["10.0.0.0/8"]},
        },
    )
    subnets = [
        Resource(
            "azure-native:network:Subnet",
            f"urn:s{i}",
            f"s{i}",
            {
                "addressPrefix": f"10.{i // 256}.{i % 256}.0/24",
                "virtualNetworkName": "v",
                "resourceGroupName": "rg",
            },
        )
        for i in range(5000)
    ]
    started = time.perf_counter()
    list(vnet_integrity.check(Stack([vnet, *subnets]), NoSettings()))
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stack", default="dev")
    parser.add_argument(
        "--check", action="store_true", help=f"exit 1 when the ratio exceeds {TARGET_RATIO}"
    )
    args = parser.parse_args()

    script = import_script(args.stack)
    bare = timed([sys.executable, "-c", script], args.runs)
    full = timed([sys.executable, "-m", "private_acr_preview", "--stack", args.stack], args.runs)
    ratio = statistics.median(full) / statistics.median(bare)
    print(
        f"bare import of the program's SDK classes: median {statistics.median(bare):.2f}s over {args.runs} runs"
    )
    print(
        f"offline-preview --stack {args.stack}:        median {statistics.median(full):.2f}s over {args.runs} runs"
    )
    verdict = "within" if ratio <= TARGET_RATIO else "OVER"
    print(f"ratio: {ratio:.2f} ({verdict} the {TARGET_RATIO}x target)")
    print(f"vnet-subnet-cidr-integrity on 5,000 subnets: {subnet_scale() * 1000:.0f} ms")
    return 1 if args.check and ratio > TARGET_RATIO else 0


if __name__ == "__main__":
    sys.exit(main())
