"""Refactor safety: the URN of every resource and the properties whose change makes Azure replace it.

A change of URN (a renamed logical name, a new parent) makes Pulumi delete the resource and
create another; so does a change to a property the provider replaces on (a registry's name,
a cluster's service CIDR, an endpoint's subnet: ``private_acr_rules.replacement``, the table
the offline review uses too) or one the resource's ``replace_on_changes`` names (an agent
pool's tier).
``tests/test_pins.py`` compares the dev and prod plans with the pins in ``tests/pins/``.

When a change is intended, review the diff the failing test prints, then update the pins:

    .venv/bin/python tests/pins.py            # rewrites tests/pins/dev.json and prod.json

and commit them with the change. Renaming a resource on purpose? Add
``pulumi.Alias(name="<old name>")`` to its options instead: a resource whose alias covers
a pinned URN passes without a pin update.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, cast

from private_acr_rules.replacement import facts

ROOT = Path(__file__).resolve().parent.parent
PIN_DIR = Path(__file__).resolve().parent / "pins"
STACKS = ("dev", "prod")


def _at(data: Any, path: str) -> Any:
    for step in path.split("."):
        if isinstance(data, list) and step.isdigit():
            items = cast(list[Any], data)
            data = items[int(step)] if int(step) < len(items) else None
        elif isinstance(data, dict):
            data = cast(dict[str, Any], data).get(step)
        else:
            return None
    return data


def replace_paths(resource: Any) -> tuple[str, ...]:
    """What replaces ``resource``: its provider's (``private_acr_rules.replacement``, the same
    table the offline review uses) and its own ``replace_on_changes``."""
    known = facts(resource.type)
    return (known.replace_on if known else ()) + tuple(resource.replace_on_changes)


def pins_of(run: Any) -> dict[str, Any]:
    """``{urn: {"name": physical name, "replaceOn": {path: value}}}`` for a plan."""
    pins: dict[str, Any] = {}
    for resource in run.resources:
        entry: dict[str, Any] = {}
        if resource.custom:
            entry["name"] = resource.outputs.get("name") or resource.outputs.get("result")
            paths = replace_paths(resource)
            entry["replaceOn"] = {
                p: _at(resource.inputs, p) for p in paths if _at(resource.inputs, p) is not None
            }
        pins[resource.urn] = entry
    return dict(sorted(pins.items()))


def run_stack(stack: str) -> Any:
    sys.path.insert(0, str(ROOT))
    from private_acr_preview.program import run_program

    return run_program(ROOT, stack)


def main() -> int:
    PIN_DIR.mkdir(exist_ok=True)
    for stack in STACKS:
        path = PIN_DIR / f"{stack}.json"
        path.write_text(json.dumps(pins_of(run_stack(stack)), indent=2, sort_keys=True) + "\n")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
