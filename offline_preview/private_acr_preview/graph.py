"""The pull-request picture: the plan as a Mermaid flowchart GitHub renders in a comment.

Three pictures, one per question a reviewer has:

- ``render_mermaid``: every resource (``--full-graph``): components as subgraphs, resource
  groups as frames, an arrow from a resource to each one whose inputs reference it, violations
  coloured and explained by a legend;
- ``render_overview``: the components and the relations between them, each component one box
  that counts its resources (the picture without a base, or when nothing changes);
- ``render_changes``: against a base, the resources that change, styled by what happens to
  them, and their direct neighbours, so a reviewer sees what a change touches.

Each must read at a pull request's width: Mermaid 11 draws the example stacks' pictures at most
1,000 CSS pixels wide (2,000 in ``make graph``'s PNG at device scale 2).
"""

from __future__ import annotations

import hashlib
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterator, Mapping

from private_acr_preview.analyzer import PolicyReport
from private_acr_preview.diff import Review
from private_acr_preview.program import STACK_TYPE, ProgramRun, RecordedResource


def _children(run: ProgramRun) -> dict[str, list[RecordedResource]]:
    children: dict[str, list[RecordedResource]] = {}
    for resource in run.resources:
        children.setdefault(resource.parent, []).append(resource)
    return children


# Resource groups are drawn as frames around what they hold: as edges they would point at nearly
# every resource and hide the dependencies a reviewer is looking for.
CONTAINER_TYPES = frozenset(
    {"azure-native:resources:ResourceGroup", "azure:core/resourceGroup:ResourceGroup"}
)
# Beyond about this many boxes a top-down picture no longer reads at a PR comment's width; the
# graph then draws whole components as single nodes (see _Flowchart._collapse).
MAX_GRAPH_NODES = 60
# The Mermaid class and its style (red, amber) for each enforcement level the picture marks.
_LEVEL_CLASSES = {
    "mandatory": ("violation", "fill:#ffcdd2,stroke:#c62828,stroke-width:3px,color:#000"),
    "advisory": ("advisory", "fill:#ffe8b0,stroke:#e69500,stroke-width:3px,color:#000"),
}
# What happens to a resource against a base, most destructive first, and its style.
_OP_ORDER = ("replace", "delete", "create", "update")
_OP_STYLES = {
    "replace": "fill:#ffccbc,stroke:#d84315,stroke-width:3px,color:#000",
    "delete": "fill:#ffcdd2,stroke:#c62828,stroke-width:3px,stroke-dasharray:6 3,color:#000",
    "create": "fill:#c8e6c9,stroke:#2e7d32,stroke-width:2px,color:#000",
    "update": "fill:#fff3c4,stroke:#f9a825,stroke-width:2px,color:#000",
    "neighbour": "fill:#f5f5f5,stroke:#9e9e9e,color:#333",
}
# Closer boxes than Mermaid's default spacing (50 px between nodes and between ranks), so a
# stack's components fit a comment's width at Mermaid's default scale.
_COMPACT = '%%{init: {"flowchart": {"nodeSpacing": 20, "rankSpacing": 40}}}%%'
# A changes picture holds at most this many boxes; a larger change is shown on the overview,
# each component marked with what happens inside it.
MAX_CHANGE_NODES = 24
_LABEL_SAFE = frozenset(string.ascii_letters + string.digits + " -_./@+,=()")
_DIRECTION_WORD = re.compile(r"(d)(irection\s)", re.IGNORECASE)


def mermaid_text(text: str) -> str:
    """``text`` for a quoted Mermaid label: all but a few plain characters as ``#<code point>;``.

    Inside ``"..."`` Mermaid ends the label at ``"``, reads ``#name;`` as an entity code, hands
    ``<``, ``>`` and ``&`` to its HTML sanitizer, and rewrites any line matching
    ``style.*:\\S*#.*;`` before parsing (``encodeEntities`` in mermaid's ``src/utils.ts``);
    numeric entity codes are its documented escape ("Entity codes to escape characters",
    mermaid.js.org/syntax/flowchart.html) and sidestep all of these. Control characters become
    U+FFFD: as HTML character references some would show as other characters (``&#128;`` is
    "€", HTML Living Standard, numeric character reference end state).
    """
    escaped = "".join(
        char
        if char in _LABEL_SAFE
        else f"#{0xFFFD if unicodedata.category(char) == 'Cc' else ord(char)};"
        for char in text
    )
    # Mermaid's flowchart lexer matches ``direction TB`` (and BT, LR, RL, TD) anywhere, even in
    # a quoted label, and then fails to parse; an entity for its first letter hides the word.
    return _DIRECTION_WORD.sub(lambda m: f"#{ord(m.group(1))};{m.group(2)}", escaped)


def _label(*lines: str) -> str:
    """A quoted label, one line per argument (``<br/>`` is Mermaid's line break in labels)."""
    return '"' + "<br/>".join(mermaid_text(line) for line in lines) + '"'


def _short_type(type_: str) -> str:
    return type_.rsplit(":", 1)[-1]


def _title(resource: RecordedResource) -> str:
    """A subgraph title on one line: Mermaid 11 does not make room for a second title line and
    draws the first box over it (seen rendering in Chromium)."""
    return _label(f"{_short_type(resource.type)}: {resource.name}")


def _node_id(resource: RecordedResource) -> str:
    """Readable and stable: the name, plus a digest of the URN so equal names stay distinct.

    It depends on nothing but the URN, so registration order and other resources never move it.
    """
    kind = "g" if resource.type in CONTAINER_TYPES else ("r" if resource.custom else "c")
    slug = re.sub(r"[^A-Za-z0-9]+", "_", resource.name).strip("_")[:40]
    digest = hashlib.sha256(resource.urn.encode()).hexdigest()[:6]
    return f"{kind}_{slug}_{digest}" if slug else f"{kind}_{digest}"


class _Flowchart:
    """The resource tree as Mermaid: components as subgraphs, resource groups as frames."""

    def __init__(
        self,
        run: ProgramRun,
        policy: PolicyReport | None,
        max_nodes: int,
        *,
        overview: bool = False,
        ops: Mapping[str, str] | None = None,
    ) -> None:
        self.policy = policy
        self.ops = ops
        self.by_urn = {r.urn: r for r in run.resources}
        self.ids = {r.urn: _node_id(r) for r in run.resources}
        children = _children(run)
        self.children = {
            urn: sorted(kids, key=lambda r: (r.name, r.type)) for urn, kids in children.items()
        }
        self.roots: list[RecordedResource] = []
        for root in self.children.get("", []):
            is_stack = root.type == STACK_TYPE
            self.roots.extend(self.children.get(root.urn, []) if is_stack else [root])
        self.containers = {r.urn for r in run.resources if r.type in CONTAINER_TYPES}
        self.collapsed: set[str] = set()
        if overview:
            # A component that creates nothing (a network it only looks up) has nothing to show.
            self.roots = [r for r in self.roots if r.custom or self._holds_cloud_resources(r)]
            self.collapsed = {
                r.urn for r in self.roots if not r.custom and r.urn not in self.containers
            }
        else:
            self._collapse(max_nodes)

    def _kids(self, urn: str) -> list[RecordedResource]:
        return self.children.get(urn, [])

    def _holds_cloud_resources(self, resource: RecordedResource) -> bool:
        return any(k.custom or self._holds_cloud_resources(k) for k in self._kids(resource.urn))

    def _boxes(self, resource: RecordedResource) -> int:
        """How many nodes drawing ``resource`` takes (a container is a frame, not a node)."""
        inside = sum(self._boxes(kid) for kid in self._kids(resource.urn))
        if resource.urn in self.containers:
            return inside
        if resource.custom:
            return 1 + inside
        return 1 if resource.urn in self.collapsed or not inside else inside

    def _inner_components(self, resource: RecordedResource) -> Iterator[RecordedResource]:
        for kid in self._kids(resource.urn):
            if not kid.custom and kid.urn not in self.collapsed:
                yield kid
            yield from self._inner_components(kid)

    def _collapse(self, max_nodes: int) -> None:
        """Collapse components, innermost and largest first, until at most ``max_nodes`` remain.

        Innermost first keeps an outer component that wraps the whole stack open, showing its
        parts as single nodes, instead of reducing the picture to one box.
        """
        components = [r for r in self.by_urn.values() if not r.custom and r.type != STACK_TYPE]
        total = sum(self._boxes(root) for root in self.roots)
        while total > max_nodes:
            candidates = [
                (self._boxes(c) - 1, self.ids[c.urn], c.urn)
                for c in components
                if c.urn not in self.collapsed and next(self._inner_components(c), None) is None
            ]
            saving, _, urn = max(candidates, default=(0, "", ""))
            if saving <= 0:
                return
            self.collapsed.add(urn)
            total -= saving

    def drawn(self, urn: str) -> str:
        """The URN whose box shows ``urn``: itself, or its outermost collapsed component.

        A resource group is always its own frame, wherever the program declared it.
        """
        if urn in self.containers:
            return urn
        shown = urn
        parent = self.by_urn[urn].parent
        while parent in self.by_urn:
            if parent in self.collapsed:
                shown = parent
            parent = self.by_urn[parent].parent
        return shown

    def _frames_other(self, outer: str, inner: str) -> bool:
        """Whether ``outer`` is drawn as a subgraph around ``inner`` (no arrow can join them)."""
        if self.by_urn[outer].custom:
            return False
        parent = self.by_urn[inner].parent
        while parent in self.by_urn:
            if parent == outer:
                return True
            parent = self.by_urn[parent].parent
        return False

    def _groups_of(self, resource: RecordedResource) -> set[str]:
        """The resource groups that ``resource`` or anything under it is placed in."""
        groups = {
            urn
            for urns in resource.property_dependencies.values()
            for urn in urns
            if urn in self.containers
        }
        for kid in self._kids(resource.urn):
            groups |= self._groups_of(kid)
        return groups

    def _emit(self, resource: RecordedResource, indent: str, out: list[str]) -> None:
        kids = self._kids(resource.urn)
        node = self.ids[resource.urn]
        label = (_short_type(resource.type), resource.name)
        if resource.urn in self.containers:  # drawn as a frame by _frames
            for kid in kids:
                self._emit(kid, indent, out)
        elif resource.urn in self.collapsed:
            inside = [
                r for r in self.by_urn.values() if r.custom and self.drawn(r.urn) == resource.urn
            ]
            lines = [*label, f"({len(inside)} resource{'s' if len(inside) != 1 else ''})"]
            if self.ops is not None:
                counts = Counter(self.ops.get(r.urn, "same") for r in inside)
                changed = [f"{op} {counts[op]}" for op in _OP_ORDER if counts[op]]
                lines.append(", ".join(changed) or "unchanged")
            out.append(f"{indent}{node}[[{_label(*lines)}]]")
        elif not resource.custom and kids:
            out.append(f"{indent}subgraph {node}[{_title(resource)}]")
            # Without it Mermaid turns a subgraph that no arrow crosses sideways (left-right).
            out.append(f"{indent}  direction TB")
            for kid in kids:
                self._emit(kid, indent + "  ", out)
            out.append(f"{indent}end")
        else:
            # A custom resource's children (a VNet's subnets) sit beside it, linked by their inputs.
            out.append(f"{indent}{node}[{_label(*label)}]")
            for kid in kids:
                self._emit(kid, indent, out)

    def _frames(self, out: list[str]) -> None:
        """Each resource group as a frame around the top-level parts placed wholly in it."""
        members: dict[str, list[RecordedResource]] = {urn: [] for urn in self.containers}
        loose: list[RecordedResource] = []
        for root in self.roots:
            groups = self._groups_of(root) if root.urn not in self.containers else set[str]()
            (members[groups.pop()] if len(groups) == 1 else loose).append(root)
        for urn in sorted(self.containers, key=lambda u: self.ids[u]):
            group = self.by_urn[urn]
            if not members[urn]:
                out.append(f"  {self.ids[urn]}[{_label(_short_type(group.type), group.name)}]")
                continue
            out.append(f"  subgraph {self.ids[urn]}[{_title(group)}]")
            out.append("    direction TB")
            for member in members[urn]:
                self._emit(member, "    ", out)
            out.append("  end")
        for root in loose:
            self._emit(root, "  ", out)

    def edges(self) -> list[tuple[str, str]]:
        """One arrow per pair, from a resource to each one whose inputs reference it."""
        pairs: set[tuple[str, str]] = set()
        for resource in self.by_urn.values():
            if resource.urn in self.containers:
                continue
            target = self.drawn(resource.urn)
            for urn in {u for urns in resource.property_dependencies.values() for u in urns}:
                if urn not in self.by_urn or urn in self.containers:
                    continue
                source = self.drawn(urn)
                if source == target or self._frames_other(source, target):
                    continue
                if not self._frames_other(target, source):
                    pairs.add((self.ids[source], self.ids[target]))
        return sorted(pairs)

    def op_classes(self) -> dict[str, set[str]]:
        """Node ids by the class of the most destructive op among what each node shows."""
        worst: dict[str, str] = {}
        for urn, op in (self.ops or {}).items():
            if urn not in self.by_urn or urn in self.containers or op == "same":
                continue
            node = self.ids[self.drawn(urn)]
            if (
                _OP_ORDER.index(op) < _OP_ORDER.index(worst.get(node, "update"))
                or node not in worst
            ):
                worst[node] = op
        by_class: dict[str, set[str]] = {op: set() for op in _OP_ORDER}
        for node, op in worst.items():
            by_class[op].add(node)
        return {op: nodes for op, nodes in by_class.items() if nodes}

    def classes(self) -> dict[str, set[str]]:
        """Node ids by Mermaid class: the worst level reported on anything a node shows."""
        worst: dict[str, str] = {}
        for violation in self.policy.violations if self.policy else []:
            resource = self.by_urn.get(violation.urn)
            if resource is None or resource.type == STACK_TYPE:
                continue
            node = self.ids[self.drawn(resource.urn)]
            if violation.level == "mandatory" or worst.get(node) not in _LEVEL_CLASSES:
                worst[node] = violation.level
        by_class: dict[str, set[str]] = {name: set() for name, _ in _LEVEL_CLASSES.values()}
        for node, level in worst.items():
            if level in _LEVEL_CLASSES:
                by_class[_LEVEL_CLASSES[level][0]].add(node)
        return by_class

    def render(self, *, legend: bool = True, spacing: str = "") -> str:
        out = [spacing, "flowchart TD"] if spacing else ["flowchart TD"]
        if self.ops is not None:
            out += [f"  classDef {op} {style}" for op, style in _OP_STYLES.items()]
        else:
            out += [f"  classDef {name} {style}" for name, style in _LEVEL_CLASSES.values()]
        self._frames(out)
        out += [f"  {source} --> {target}" for source, target in self.edges()]
        if self.ops is not None:
            out += [f"  class {','.join(sorted(n))} {op}" for op, n in self.op_classes().items()]
        elif self.policy is not None and legend:
            out += self._legend()
        elif self.policy is not None:
            out += [f"  class {','.join(sorted(n))} {c}" for c, n in self.classes().items() if n]
        return "\n".join(out) + "\n"

    def _legend(self) -> list[str]:
        """What the colours mean, each key styled by the class it explains."""
        out = ['  subgraph legend["Policy results"]']
        classes = self.classes()
        for level, (name, _) in _LEVEL_CLASSES.items():
            key = f"{level.capitalize()} violation ({len(classes[name])})"
            out.append(f"    legend_{name}[{_label(key)}]")
        out.append("  end")
        for name, nodes in classes.items():
            out.append(f"  class {','.join(sorted(nodes | {f'legend_{name}'}))} {name}")
        return out


def render_mermaid(
    run: ProgramRun, policy: PolicyReport | None = None, *, max_nodes: int = MAX_GRAPH_NODES
) -> str:
    """The plan as a top-down Mermaid flowchart (GitHub renders it in comments).

    Components are subgraphs, resource groups frames; an arrow runs from a resource to each one
    whose inputs reference it. With ``policy``, resources carry the class ``violation`` (a
    mandatory violation) or ``advisory``, explained by a legend.
    """
    return _Flowchart(run, policy, max_nodes).render()


def render_overview(
    run: ProgramRun, policy: PolicyReport | None = None, review: Review | None = None
) -> str:
    """The components and the relations between them, each component one box counting its
    resources (and, against a base, what happens inside it); violations or changes coloured.

    The top-level resources of the stack keep their own boxes and resource groups stay frames.
    """
    ops = review.ops if review is not None else None
    chart = _Flowchart(run, policy, MAX_GRAPH_NODES, overview=True, ops=ops)
    return chart.render(legend=False, spacing=_COMPACT)


def _urn_node_id(urn: str) -> str:
    name = urn.rsplit("::", 1)[-1]
    slug = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")[:40]
    digest = hashlib.sha256(urn.encode()).hexdigest()[:6]
    return f"d_{slug}_{digest}" if slug else f"d_{digest}"


def render_changes(run: ProgramRun, review: Review) -> str | None:
    """What changes against the base, styled by op, and the resources directly linked to it
    (by their inputs, either way), left to right; None when that takes more than
    ``MAX_CHANGE_NODES`` boxes or nothing changes."""
    by_urn = {r.urn: r for r in run.resources}
    containers = {r.urn for r in run.resources if r.type in CONTAINER_TYPES}
    changed = {urn for urn, op in review.ops.items() if op != "same" and urn in by_urn}
    deleted = [c for c in review.changes if c.op == "delete"]
    if not changed and not deleted:
        return None
    links = {
        (source, resource.urn)
        for resource in run.resources
        for urns in resource.property_dependencies.values()
        for source in urns
        if source in by_urn
        and source not in containers
        and resource.urn not in containers
        and source != resource.urn
    }
    gone = {c.urn for c in deleted}
    links |= {
        (s, t)
        for change in deleted
        for s, t in review.links_of(change.urn)
        if (s in by_urn or s in gone) and (t in by_urn or t in gone) and not ({s, t} & containers)
    }
    shown = set(changed)
    for source, target in links:
        if source in changed or target in changed or source in gone or target in gone:
            shown |= {source, target}
    shown = {u for u in shown - gone if by_urn[u].custom}
    if (not shown and not deleted) or len(shown) + len(deleted) > MAX_CHANGE_NODES:
        return None
    out = ["flowchart LR"]
    out += [f"  classDef {op} {style}" for op, style in _OP_STYLES.items()]
    classes: dict[str, list[str]] = {}
    for urn in sorted(shown, key=lambda u: (by_urn[u].type, by_urn[u].name)):
        resource = by_urn[urn]
        op = review.op_of(urn)
        node = _node_id(resource)
        lines = [_short_type(resource.type), resource.name]
        if op != "same":
            lines.append(op)
        out.append(f"  {node}[{_label(*lines)}]")
        classes.setdefault(op if op != "same" else "neighbour", []).append(node)
    for change in deleted:
        node = _urn_node_id(change.urn)
        out.append(f"  {node}[{_label(_short_type(change.type), change.name, 'delete')}]")
        classes.setdefault("delete", []).append(node)
    ids = {urn: _node_id(by_urn[urn]) for urn in shown} | {u: _urn_node_id(u) for u in gone}
    # Only the links of what changes: links between neighbours would add columns, not meaning.
    moved = changed | gone
    out += [
        f"  {ids[s]} --> {ids[t]}"
        for s, t in sorted(links)
        if s in ids and t in ids and (s in moved or t in moved)
    ]
    out += [f"  class {','.join(sorted(nodes))} {op}" for op, nodes in sorted(classes.items())]
    return "\n".join(out) + "\n"


def picture(
    run: ProgramRun,
    policy: PolicyReport | None = None,
    review: Review | None = None,
    *,
    full: bool = False,
) -> str:
    """The picture for a run: every resource when ``full``; against a base with changes, what
    changes and its neighbours (or, for a large change, the overview marked by op); otherwise
    the component overview."""
    if full:
        return render_mermaid(run, policy)
    if review is not None and review.changes:
        return render_changes(run, review) or render_overview(run, policy, review)
    return render_overview(run, policy)


def caption(
    run: ProgramRun,
    policy: PolicyReport | None = None,
    review: Review | None = None,
    *,
    full: bool = False,
) -> str:
    """What ``picture`` shows, for the summary's fold."""
    if full:
        return "Resource graph (every resource; red: mandatory violation, amber: advisory)"
    if review is not None and review.changes:
        if render_changes(run, review) is not None:
            return (
                "What changes and what it touches (orange: replace, red: delete, green: create, "
                "yellow: update, grey: linked and unchanged)"
            )
        return "Components, by what happens inside them (orange: replace, red: delete, green: create, yellow: update)"
    marks = (
        ", red: a mandatory violation inside, amber: advisory"
        if policy and policy.violations
        else ""
    )
    return (
        f"Components and how they depend on each other (--full-graph draws every resource{marks})"
    )
