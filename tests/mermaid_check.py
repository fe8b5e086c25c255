"""Mermaid itself as the judge of the graphs we write: the pinned ``mermaid`` under node.

``tests/mermaid/parse.mjs`` runs as one long-lived node process (started on first use) that
parses each diagram with ``mermaid.parse`` and returns what Mermaid's flowchart database holds:
vertices, edges, subgraphs and classes, each label as the lines a browser shows. ``make test``
installs the packages (``npm ci``, see package.json).
"""

from __future__ import annotations

import atexit
import functools
import json
import re
import subprocess
from dataclasses import dataclass
from typing import Any

from conftest import ROOT

SCRIPT = ROOT / "tests" / "mermaid" / "parse.mjs"


class MermaidError(Exception):
    """Mermaid refused the diagram; the message is Mermaid's own."""


@dataclass(frozen=True)
class Vertex:
    id: str
    lines: list[str]
    classes: list[str]
    shape: str | None


@dataclass(frozen=True)
class Subgraph:
    id: str
    lines: list[str]
    nodes: list[str]
    classes: list[str]
    direction: str | None


@dataclass(frozen=True)
class Diagram:
    type: str
    direction: str | None
    vertices: dict[str, Vertex]
    edges: list[tuple[str, str]]
    subgraphs: dict[str, Subgraph]
    class_defs: dict[str, list[str]]

    def vertex(self, *lines: str) -> Vertex:
        """The one vertex whose label shows ``lines``."""
        matches = [v for v in self.vertices.values() if v.lines == list(lines)]
        assert len(matches) == 1, f"expected one vertex labelled {lines}, found {len(matches)}"
        return matches[0]

    def subgraph(self, title: str) -> Subgraph:
        matches = [s for s in self.subgraphs.values() if s.lines == [title]]
        assert len(matches) == 1, f"expected one subgraph titled {title!r}, found {len(matches)}"
        return matches[0]

    def with_class(self, name: str) -> set[str]:
        return {v.id for v in self.vertices.values() if name in v.classes} | {
            s.id for s in self.subgraphs.values() if name in s.classes
        }


@functools.cache
def _node() -> subprocess.Popen[str]:
    if not (ROOT / "node_modules" / "mermaid").is_dir():
        raise RuntimeError("Mermaid is not installed: run `make node_modules/.installed` (npm ci)")
    process = subprocess.Popen(
        ["node", str(SCRIPT)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    atexit.register(process.terminate)
    return process


def parse(text: str) -> Diagram:
    """What Mermaid makes of ``text``; MermaidError with Mermaid's message if it refuses it."""
    process = _node()
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(json.dumps(text) + "\n")
    process.stdin.flush()
    answer: dict[str, Any] = json.loads(process.stdout.readline())
    if not answer["ok"]:
        raise MermaidError(answer["error"])
    return Diagram(
        type=answer["type"],
        direction=answer["direction"],
        vertices={
            v["id"]: Vertex(v["id"], v["lines"], v["classes"], v["shape"])
            for v in answer["vertices"]
        },
        edges=[(e["start"], e["end"]) for e in answer["edges"]],
        subgraphs={
            s["id"]: Subgraph(s["id"], s["lines"], s["nodes"], s["classes"], s["dir"])
            for s in answer["subgraphs"]
        },
        class_defs=answer["classDefs"],
    )


def mermaid_blocks(markdown: str) -> list[str]:
    """The bodies of the ```mermaid fenced blocks in a Markdown document."""
    return re.findall(r"^```mermaid\n(.*?)^```$", markdown, flags=re.MULTILINE | re.DOTALL)
