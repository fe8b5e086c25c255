"""Benchmark: the offline review of two 18,000-resource plans (``offline-preview --base``).

The plans are ``tests/generated_stack.py`` at 18,000 resources (VNets of five subnets with
NSGs and rules, a registry with its agent pool and endpoint). The base is written as
``--json`` writes a plan; the new plan differs from it as a large pull request would: one
resource in a hundred updated (a tag), one in a thousand replaced (a subnet moved to another
VNet, a path parameter), one in a thousand deleted and as many created. Timed (best of
``--runs``, wall clock): classifying every resource against the base, the comparison
``--base`` adds to a preview. Reading the base file is shown beside it: that is Python's JSON
parser on the file (37 MB here), not the comparison.

Target (issue 22): the comparison under 1 s at 18,000 resources. Exits 1 when it is missed or
when the review does not find exactly the changes made.

Usage: python benchmarks/review_at_scale.py [--runs N]
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from generated_stack import generated_stack

from private_acr_preview import diff
from private_acr_preview.base import read_base
from private_acr_preview.program import ProgramRun, RecordedResource
from private_acr_rules.replacement import facts

SIZE = 18_000
TARGET = 1.0


def _recorded(resources: list[Any]) -> list[RecordedResource]:
    return [
        RecordedResource(
            urn=r.urn,
            type=r.type,
            name=r.name,
            custom=True,
            parent="",
            dependencies=sorted({u for urns in r.property_dependencies.values() for u in urns}),
            property_dependencies={k: list(v) for k, v in r.property_dependencies.items()},
            protect=False,
            inputs=copy.deepcopy(dict(r.inputs)),
            outputs=copy.deepcopy(dict(r.outputs or r.inputs)),
            id=str((r.outputs or r.inputs).get("id", "")),
        )
        for r in resources
    ]


def plans() -> tuple[dict[str, Any], ProgramRun, Counter[str]]:
    """The base as a --json plan, the new plan, and the ops the review must find."""
    resources = _recorded(generated_stack(SIZE))
    base = {
        "project": "scale",
        "stack": "scale",
        "resources": [
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "custom": True,
                "parent": None,
                "id": r.id,
                "dependencies": r.dependencies,
                "propertyDependencies": r.property_dependencies,
                "protect": False,
                "inputs": copy.deepcopy(r.inputs),
                "outputs": copy.deepcopy(r.outputs),
            }
            for r in resources
        ],
    }
    expected: Counter[str] = Counter()
    plan: list[RecordedResource] = []
    for index, resource in enumerate(resources):
        if index % 1000 == 999:
            expected["delete"] += 1
            created = copy.deepcopy(resource)
            created.urn += "-new"
            plan.append(created)
            expected["create"] += 1
            continue
        if index % 1000 == 500 and "virtualNetworkName" in resource.inputs:
            resource.inputs["virtualNetworkName"] = str(resource.inputs["virtualNetworkName"]) + "b"
            expected["replace"] += 1
        elif index % 100 == 50:
            resource.inputs["tags"] = {"reviewed": "yes"}
            expected["update"] += 1
        plan.append(resource)
    expected["same"] = len(resources) - sum(expected[op] for op in ("update", "replace", "delete"))
    return base, ProgramRun("scale", "scale", {}, resources=plan), expected


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    base_plan, run, expected = plans()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "base.json"
        path.write_text(json.dumps(base_plan, indent=2))
        megabytes = path.stat().st_size / 1e6
        times: list[float] = []
        reads: list[float] = []
        found: Counter[str] = Counter()
        for _ in range(args.runs):
            started = time.perf_counter()
            base = read_base(path)
            read = time.perf_counter()
            review = diff.review(run, base, facts)
            times.append(time.perf_counter() - read)
            reads.append(read - started)
            found = review.counts()
    best = min(times)
    print(
        f"review of {len(run.resources):,} resources against {len(run.resources):,}: best "
        f"{best:.3f} s of {args.runs} (target {TARGET} s); reading the {megabytes:.0f} MB base "
        f"file took {min(reads):.3f} s more"
    )
    print("    " + ", ".join(f"{op} {found[op]}" for op in diff.OPS))
    failures: list[str] = []
    if best > TARGET:
        failures.append(f"{best:.3f} s is over the {TARGET} s target")
    if {op: found[op] for op in diff.OPS} != {op: expected[op] for op in diff.OPS}:
        failures.append(f"expected {dict(expected)}, found {dict(found)}")
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
