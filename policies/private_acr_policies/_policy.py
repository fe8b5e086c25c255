"""How a rule becomes a CrossGuard policy: pure checks wrapped with metadata and a guard.

A rule is a pure function over plain data: a resource check returns the problems it finds
for one resource, a stack check returns ``Finding``s naming the resource to blame. Either may
raise ``NotApplicable``. The wrapper turns them into pulumi-policy objects and guarantees the
one thing the Pulumi CLI cannot survive: an exception escaping ``validate`` (it aborts the
user's whole preview). An unexpected error becomes a violation that says so.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from private_acr_policies._model import Resource, Stack, from_stack_args, plain


class NotApplicable(Exception):
    """The rule does not apply to this input; the reason is reported to the engine."""


@dataclass(frozen=True)
class Finding:
    urn: str | None
    """The resource to blame; ``None`` for a problem with the policy's own config."""
    message: str


ResourceCheck = Callable[[Resource, Mapping[str, Any]], list[str]]
StackCheck = Callable[[Stack, Mapping[str, Any]], list[Finding]]


@dataclass(frozen=True)
class Rule:
    """A policy's identity and metadata, shared by both kinds of policy."""

    name: str
    description: str
    severity: Severity
    enforcement_level: EnforcementLevel
    remediation: str
    config: Mapping[str, Mapping[str, Any]] | None = None

    def schema(self) -> PolicyConfigSchema | None:
        return (
            PolicyConfigSchema(properties={k: dict(v) for k, v in self.config.items()})
            if self.config
            else None
        )

    def metadata(self) -> dict[str, Any]:
        """The keyword arguments both kinds of pulumi-policy object take."""
        return {
            "name": self.name,
            "description": self.description,
            "enforcement_level": self.enforcement_level,
            "config_schema": self.schema(),
            "severity": self.severity,
            "remediation_steps": self.remediation,
        }

    def defaults(self) -> dict[str, Any]:
        return {
            key: spec["default"] for key, spec in (self.config or {}).items() if "default" in spec
        }


def _config(rule: Rule, raw: Mapping[str, Any]) -> dict[str, Any]:
    # The CLI fills schema defaults; other callers may not, so apply them here too.
    values = rule.defaults()
    values.update({k: plain(v) for k, v in raw.items() if k != "enforcementLevel"})
    return values


def _crash(rule: Rule, error: Exception) -> str:
    return (
        f"The {rule.name} policy could not evaluate this input ({type(error).__name__}: "
        f"{error}). This is a defect in the policy pack; please report it with the resource."
    )


def _stack_name() -> str:
    """The stack the CLI is analysing; it passes the name to the pack as PULUMI_STACK."""
    try:
        return pulumi.get_stack()
    except Exception:  # noqa: BLE001 - the runtime is not configured outside the CLI
        return os.environ.get("PULUMI_STACK", "")


def resource_policy(
    rule: Rule, types: Sequence[tuple[str, str]], check: ResourceCheck
) -> ResourceValidationPolicy:
    """A policy that looks at one resource of ``types`` at a time (its inputs)."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        resource = Resource(args.resource_type, args.urn, args.name, {})
        if not any(resource.is_a(module, name) for module, name in types):
            args.not_applicable(f"{rule.name} checks {', '.join(n for _, n in types)} resources")
            return
        try:
            props = plain(args.props)
            resource.props = props if isinstance(props, dict) else {}
            for message in check(resource, _config(rule, args.get_config())):
                report_violation(message, None)
        except NotApplicable as reason:
            args.not_applicable(str(reason))
        except Exception as error:  # noqa: BLE001 - an escaping exception aborts the preview
            report_violation(_crash(rule, error), None)

    return ResourceValidationPolicy(validate=validate, **rule.metadata())


def stack_policy(rule: Rule, check: StackCheck) -> StackValidationPolicy:
    """A policy over the whole stack (resource outputs, linked by property dependencies)."""

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        try:
            stack = Stack(from_stack_args(args), name=_stack_name())
            for finding in check(stack, _config(rule, args.get_config())):
                report_violation(finding.message, finding.urn)
        except NotApplicable as reason:
            args.not_applicable(str(reason))
        except Exception as error:  # noqa: BLE001 - an escaping exception aborts the preview
            report_violation(_crash(rule, error), None)

    return StackValidationPolicy(validate=validate, **rule.metadata())
