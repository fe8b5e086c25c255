"""What the offline preview writes: the plan tree, JSON, a Mermaid graph, a PR summary, an export."""

from __future__ import annotations

import hashlib
import html
import importlib.metadata
import json
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from private_acr_preview.analyzer import PolicyReport
from private_acr_preview.program import STACK_TYPE, ProgramRun, RecordedResource
from private_acr_preview.values import plaintext_secrets, redact


def _children(run: ProgramRun) -> dict[str, list[RecordedResource]]:
    children: dict[str, list[RecordedResource]] = {}
    for resource in run.resources:
        children.setdefault(resource.parent, []).append(resource)
    return children


def _walk(run: ProgramRun) -> Iterator[tuple[RecordedResource, str]]:
    children = _children(run)

    def visit(
        resource: RecordedResource, prefix: str, last: bool, depth: int
    ) -> Iterator[tuple[RecordedResource, str]]:
        branch = "" if depth == 0 else prefix + ("└─ " if last else "├─ ")
        yield resource, branch
        kids = sorted(children.get(resource.urn, []), key=lambda r: (r.type, r.name))
        extension = "" if depth == 0 else prefix + ("   " if last else "│  ")
        for index, kid in enumerate(kids):
            yield from visit(kid, extension, index == len(kids) - 1, depth + 1)

    for root in children.get("", []):
        yield from visit(root, "", True, 0)


def render_text(run: ProgramRun, policy: PolicyReport | None) -> str:
    rows = list(_walk(run))
    type_width = max((len(branch) + len(r.type) for r, branch in rows), default=4) + 2
    lines = [
        f"Previewing stack {run.stack} of {run.project} (offline: SDK mock engine, no cloud calls)",
        "",
    ]
    lines.append(f"     {'Type':<{type_width}} Name")
    for resource, branch in rows:
        mark = " (protected)" if resource.protect else ""
        lines.append(f" +   {branch + resource.type:<{type_width}} {resource.name}{mark}")
    if run.outputs:
        lines += ["", "Outputs:"]
        for key, value in sorted(redact(run.outputs).items()):
            shown = value if isinstance(value, str) else json.dumps(value)
            first, *rest = str(shown).splitlines() or [""]
            lines.append(
                f"    {key}: {first}" + (f"  (+{len(rest)} more lines, see --json)" if rest else "")
            )
    for level, message in run.log:
        if level in ("warning", "error"):
            lines.append(f"{level}: {message}")
    if policy is not None:
        lines += ["", "Policies:"]
        marker = "✅" if not policy.mandatory else "❌"
        lines.append(
            f"    {marker} {policy.pack}@v{policy.version} ({len(policy.policies)} policies)"
        )
        by_urn = {r.urn: r for r in run.resources}
        for violation in policy.violations:
            resource = by_urn.get(violation.urn)
            where = f"{resource.type}: {resource.name}" if resource else violation.urn
            lines.append(f"        - [{violation.level}]  {violation.policy}  ({where})")
            lines.extend(f"          {line}" for line in violation.message.splitlines())
        lines += _not_applicable_lines(policy)
    counts = Counter(r.custom for r in run.resources)
    lines += [
        "",
        "Resources:",
        f"    + {len(run.resources)} to create ({counts[True]} cloud resources, {counts[False]} components)",
    ]
    return "\n".join(lines) + "\n"


def _not_applicable_lines(policy: PolicyReport) -> list[str]:
    """Each not-applicable reason once: what a policy skipped, or could not check yet (the
    Pulumi CLI keeps only the policy names, so this report is where the reasons show)."""
    reasons = sorted({(entry["policy"], entry["reason"]) for entry in policy.not_applicable})
    if not reasons:
        return []
    count = len(policy.not_applicable)
    lines = [f"    Not applicable or not checked ({count} results, each reason once):"]
    lines += [f"        - {name}: {reason}" for name, reason in reasons if reason]
    return lines


def to_json(run: ProgramRun, policy: PolicyReport | None) -> dict[str, Any]:
    return {
        "project": run.project,
        "stack": run.stack,
        "resources": [
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "custom": r.custom,
                "parent": r.parent or None,
                "dependencies": r.dependencies,
                "propertyDependencies": r.property_dependencies,
                "protect": r.protect,
                "inputs": redact(r.inputs),
                "outputs": redact(r.outputs),
            }
            for r in run.resources
        ],
        "outputs": redact(run.outputs),
        "policy": None
        if policy is None
        else {
            "pack": policy.pack,
            "version": policy.version,
            "violations": [
                {
                    "policy": v.policy,
                    "level": v.level,
                    "severity": v.severity,
                    "urn": v.urn,
                    "message": v.message,
                }
                for v in policy.violations
            ],
            "notApplicable": policy.not_applicable,
        },
    }


# The pull-request picture ------------------------------------------------------------------------

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

    def __init__(self, run: ProgramRun, policy: PolicyReport | None, max_nodes: int) -> None:
        self.policy = policy
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
        self._collapse(max_nodes)

    def _kids(self, urn: str) -> list[RecordedResource]:
        return self.children.get(urn, [])

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
            count = sum(
                1 for r in self.by_urn.values() if r.custom and self.drawn(r.urn) == resource.urn
            )
            out.append(f"{indent}{node}[[{_label(*label, f'({count} resources)')}]]")
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

    def render(self) -> str:
        out = ["flowchart TD"]
        out += [f"  classDef {name} {style}" for name, style in _LEVEL_CLASSES.values()]
        self._frames(out)
        out += [f"  {source} --> {target}" for source, target in self.edges()]
        if self.policy is not None:
            out += self._legend()
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


def _cell(text: str) -> str:
    """Plain text for a GitHub table cell: no HTML, no column breaks, lines as ``<br>``."""
    escaped = html.escape(text, quote=False).replace("|", "\\|")
    return "<br>".join(escaped.splitlines())


def _code(text: str) -> str:
    """A code span that survives backticks and pipes in ``text`` (CommonMark / GFM table rules)."""
    text = " ".join(text.splitlines()).replace("|", "\\|")
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _violation_section(run: ProgramRun, policy: PolicyReport | None) -> list[str]:
    if policy is None:
        return ["No policy pack ran."]
    pack = f"Policy pack {_code(policy.pack)} v{policy.version}"
    if not policy.violations:
        return [f"{pack}: all {len(policy.policies)} policies pass."]
    remediation = {str(p["name"]): str(p.get("remediation") or "") for p in policy.policies}
    by_urn = {r.urn: r for r in run.resources}
    rows = [
        f"### Violations ({len(policy.mandatory)} mandatory, "
        f"{len(policy.violations) - len(policy.mandatory)} advisory)",
        "",
        f"{pack}.",
        "",
        "| Level | Policy | Resource | Message | Remediation |",
        "| --- | --- | --- | --- | --- |",
    ]
    ordered = sorted(policy.violations, key=lambda v: (v.level != "mandatory", v.policy, v.urn))
    for v in ordered:
        resource = by_urn.get(v.urn)
        if resource is None:
            where = _code(v.urn)
        elif resource.type == STACK_TYPE:
            where = "the stack"
        else:
            where = f"{_code(resource.name)} ({_cell(_short_type(resource.type))})"
        mark = "❌ mandatory" if v.level == "mandatory" else f"⚠️ {_cell(v.level)}"
        rows.append(
            f"| {mark} | {_code(v.policy)} | {where} | {_cell(v.message)} "
            f"| {_cell(remediation.get(v.policy, ''))} |"
        )
    return rows


def _resource_table(run: ProgramRun) -> list[str]:
    names: dict[str, list[str]] = {}
    for resource in run.resources:
        if resource.type != STACK_TYPE:
            names.setdefault(resource.type, []).append(resource.name)
    rows = ["### Resources", "", "| Type | Count | Names |", "| --- | ---: | --- |"]
    for type_, members in sorted(names.items()):
        listed = ", ".join(_code(name) for name in sorted(members))
        rows.append(f"| {_code(type_)} | {len(members)} | {listed} |")
    return rows


def render_summary(run: ProgramRun, policy: PolicyReport | None) -> str:
    """GitHub Markdown for a PR comment or step summary: violations, then resources, then graph."""
    if policy is None:
        status = "no policy run"
    else:
        status = "❌ mandatory violations" if policy.mandatory else "✅ passes policy"
    lines = [
        f"## Offline preview: {_code(run.project)} / {_code(run.stack)}: {status}",
        "",
        f"{len(run.resources)} resources to create (as `pulumi preview` counts them, the stack "
        "included). Produced by `offline-preview` under the Pulumi SDK mock engine; no Azure calls.",
        "",
        *_violation_section(run, policy),
        "",
        *_resource_table(run),
        "",
        # Open when something is marked on it, so the reviewer sees where.
        f"<details{' open' if policy and policy.violations else ''}><summary>Resource graph</summary>",
        "",
        "```mermaid",
        render_mermaid(run, policy).rstrip(),
        "```",
        "",
        "</details>",
        "",
    ]
    return "\n".join(lines)


def _package_version(package: str) -> str:
    try:
        return importlib.metadata.version(f"pulumi-{package}")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"


def to_export(run: ProgramRun) -> dict[str, Any]:
    """The plan as ``pulumi stack export`` would show it after an update (for ``pulumi policy analyze --file``)."""
    providers: dict[str, dict[str, Any]] = {}
    resources: list[dict[str, Any]] = []
    for r in run.resources:
        entry: dict[str, Any] = {
            "urn": r.urn,
            "custom": r.custom,
            "type": r.type,
            "inputs": plaintext_secrets(r.inputs),
            "outputs": plaintext_secrets(r.outputs if r.type != STACK_TYPE else run.outputs),
        }
        if r.parent:
            entry["parent"] = r.parent
        if r.custom:
            package = r.type.split(":", 1)[0]
            version = _package_version(package)
            if package not in providers:
                urn = f"urn:pulumi:{run.stack}::{run.project}::pulumi:providers:{package}::default_{version.replace('.', '_')}"
                providers[package] = {
                    "urn": urn,
                    "custom": True,
                    "id": f"{package}-provider",
                    "type": f"pulumi:providers:{package}",
                    "inputs": {"version": version},
                    "outputs": {"version": version},
                }
            entry["id"] = r.id
            entry["provider"] = f"{providers[package]['urn']}::{providers[package]['id']}"
        if r.protect:
            entry["protect"] = True
        if r.dependencies:
            entry["dependencies"] = r.dependencies
        if r.property_dependencies:
            entry["propertyDependencies"] = {k: v for k, v in r.property_dependencies.items() if v}
        resources.append(entry)
    stack_entries = [e for e in resources if e["type"] == STACK_TYPE]
    others = [e for e in resources if e["type"] != STACK_TYPE]
    version = importlib.metadata.version("pulumi")
    return {
        "version": 3,
        "deployment": {
            "manifest": {
                "time": datetime.now(UTC).isoformat(),
                "magic": manifest_magic(version),
                "version": version,
            },
            "resources": stack_entries + list(providers.values()) + others,
        },
    }


def manifest_magic(version: str) -> str:
    """The integrity cookie ``pulumi stack import`` checks: hex SHA-256 of the manifest version.

    From sdk/go/common/apitype/core.go ``ManifestV1.NewMagic`` (and pkg/resource/deploy/
    manifest.go); pkg/resource/stack/snapshot/integrity.go refuses a mismatch with "magic cookie
    mismatch: possible tampering/corruption detected". An empty version has an empty cookie.
    """
    return hashlib.sha256(version.encode()).hexdigest() if version else ""
