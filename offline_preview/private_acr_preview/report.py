"""What the offline preview writes: the plan tree, JSON, a Mermaid graph, a PR summary, an export."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from private_acr_preview.analyzer import PolicyReport
from private_acr_preview.program import STACK_TYPE, ProgramRun, RecordedResource

SECRET_SIG = "4dabf18193072939515e22adb298388d"
SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270"


def redact(value: Any) -> Any:
    """Secrets as ``[secret]``: what a reader of a plan or PR comment may see."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG) == SECRET_VALUE:  # pyright: ignore[reportUnknownMemberType]
            return "[secret]"
        return {k: redact(v) for k, v in value.items()}  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, list):
        return [redact(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    return value


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
    counts = Counter(r.custom for r in run.resources)
    lines += [
        "",
        "Resources:",
        f"    + {len(run.resources)} to create ({counts[True]} cloud resources, {counts[False]} components)",
    ]
    return "\n".join(lines) + "\n"


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


def _node_id(index: int) -> str:
    return f"r{index}"


def _label(resource: RecordedResource) -> str:
    kind = resource.type.rsplit(":", 1)[-1]
    return re.sub(r'["<>]', "", f"{kind}<br/>{resource.name}")


def render_mermaid(run: ProgramRun) -> str:
    """Components as subgraphs, dependencies as arrows (GitHub renders this in comments)."""
    ids = {r.urn: _node_id(i) for i, r in enumerate(run.resources)}
    children = _children(run)
    lines = ["flowchart LR"]

    def emit(resource: RecordedResource, indent: str) -> None:
        kids = children.get(resource.urn, [])
        if resource.type == STACK_TYPE:
            for kid in kids:
                emit(kid, indent)
            return
        if kids and not resource.custom:
            lines.append(f'{indent}subgraph {ids[resource.urn]}["{_label(resource)}"]')
            for kid in kids:
                emit(kid, indent + "  ")
            lines.append(f"{indent}end")
        else:
            lines.append(f'{indent}{ids[resource.urn]}["{_label(resource)}"]')
            for kid in kids:
                emit(kid, indent)

    for root in children.get("", []):
        emit(root, "  ")
    for resource in run.resources:
        for dependency in sorted(set(resource.dependencies)):
            if dependency in ids and dependency != resource.parent and resource.custom:
                lines.append(f"  {ids[dependency]} --> {ids[resource.urn]}")
    return "\n".join(lines) + "\n"


def render_summary(run: ProgramRun, policy: PolicyReport | None) -> str:
    counts = Counter(r.type for r in run.resources if r.type != STACK_TYPE)
    status = (
        "no policy run"
        if policy is None
        else ("❌ mandatory violations" if policy.mandatory else "✅ passes policy")
    )
    lines = [
        f"## Offline preview: `{run.project}` / `{run.stack}`: {status}",
        "",
        f"{len(run.resources)} resources to create. Produced by `offline-preview` under the Pulumi SDK mock engine; no Azure calls.",
        "",
        "| Resource type | Count |",
        "| --- | ---: |",
        *(f"| `{kind}` | {count} |" for kind, count in sorted(counts.items())),
    ]
    if policy is not None:
        lines += ["", f"### Policy pack `{policy.pack}` v{policy.version}", ""]
        if policy.violations:
            lines += ["| Level | Policy | Resource | Message |", "| --- | --- | --- | --- |"]
            by_urn = {r.urn: r.name for r in run.resources}
            for v in policy.violations:
                message = v.message.replace("\n", " ").replace("|", "\\|")
                lines.append(
                    f"| {v.level} | `{v.policy}` | `{by_urn.get(v.urn, v.urn)}` | {message} |"
                )
        else:
            lines.append(f"All {len(policy.policies)} policies pass.")
    lines += [
        "",
        "<details><summary>Resource graph</summary>",
        "",
        "```mermaid",
        render_mermaid(run).rstrip(),
        "```",
        "",
        "</details>",
        "",
    ]
    return "\n".join(lines)


def _plaintext_secrets(value: Any) -> Any:
    """Secrets in ``pulumi stack export --show-secrets`` form."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG) == SECRET_VALUE:  # pyright: ignore[reportUnknownMemberType]
            return {SECRET_SIG: SECRET_VALUE, "plaintext": json.dumps(value.get("value"))}  # pyright: ignore[reportUnknownMemberType]
        return {k: _plaintext_secrets(v) for k, v in value.items()}  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, list):
        return [_plaintext_secrets(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    return value


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
            "inputs": _plaintext_secrets(r.inputs),
            "outputs": _plaintext_secrets(r.outputs if r.type != STACK_TYPE else run.outputs),
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
