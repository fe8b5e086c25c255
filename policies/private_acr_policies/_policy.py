"""How a rule becomes a CrossGuard policy: a pure check, typed settings, metadata and a guard.

A check is a pure function over the shared read-only view: a resource check gets one
``Resource``, a stack check the whole ``Stack``; both get the policy's decoded settings and
yield ``Finding``s (a violation, with the resource to blame) and ``Unchecked`` notes (a part
that could not be checked, e.g. a value unknown until deployment). Either may raise
``NotApplicable``. The wrapper here decodes the settings (``_config``), runs the check and
reports: findings as violations, notes as one "not applicable" entry whose reason lists what
was not checked, a ``not checked: <what> [<urn>]`` line each. It guarantees what the Pulumi
CLI cannot survive never happens: an exception escaping ``validate`` aborts the user's whole
preview, so an unexpected error becomes a violation that says so.

Adding a policy: write ``check(stack, settings)`` (or ``check(resource, settings)``), declare
``RULE = Rule(name, description, severity, level, remediation, MySettings)``, wrap it
with ``stack_policy(RULE, check)`` or ``resource_policy(RULE, types, check)`` and list it in
``POLICIES``; its pass, fail and not-applicable cases go in ``tests/policy_cases.py``.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Generic, TypeVar

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

from private_acr_policies import _config, _stack_config
from private_acr_policies._model import Resource, Stack, kind_of, plain_props

S = TypeVar("S")


class NotApplicable(Exception):
    """The rule does not apply to this input; the reason is reported to the engine."""


def require_production(stack: Stack, production_stacks: Sequence[str]) -> None:
    """Not applicable unless ``stack`` is one of ``production_stacks`` (case-insensitive)."""
    if stack.name.lower() not in {name.lower() for name in production_stacks}:
        raise NotApplicable(f"stack {stack.name or '(unknown)'} is not a production stack")


@dataclass(frozen=True)
class Finding:
    urn: str | None
    """The resource to blame; ``None`` for the stack as a whole."""
    message: str


@dataclass(frozen=True)
class Unchecked:
    urn: str | None
    what: str
    """What was not checked and why, e.g. "vnet addressSpace (unknown until deployment)"."""


@dataclass(frozen=True)
class Assumed:
    """A setting a check ran with because the stack config that sets it was not given."""

    what: str


Outcome = Finding | Unchecked | Assumed

ORIGINS: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar(
    "private_acr_setting_origins", default=MappingProxyType({})
)
"""Where each stack-driven setting of the running check came from (``_config.decode``)."""


def origin(key: str) -> str:
    """Where the running check's setting ``key`` came from, for a message ("the stack's
    private-acr-tasks:dockerBridgeCidr", "this policy's dockerBridgeCidr"...)."""
    return ORIGINS.get().get(key, f"this policy's {key}")


@dataclass(frozen=True)
class Rule(Generic[S]):
    """A policy's identity, metadata and settings, shared by both kinds of policy."""

    name: str
    description: str
    severity: Severity
    enforcement_level: EnforcementLevel
    remediation: str
    settings: type[S]
    """The policy's settings dataclass (``NoSettings`` for none)."""
    _decoded: dict[str, Any] = field(default_factory=dict[str, Any], compare=False, repr=False)

    def schema(self) -> PolicyConfigSchema | None:
        properties = _config.schema_properties(self.settings)
        return PolicyConfigSchema(properties=properties) if properties else None

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

    def decode(self, raw: dict[str, Any]) -> _config.Decoded[S]:
        """The settings for ``raw`` config (and the stack config), decoded once per distinct
        pair."""
        stack = _stack_config.current()
        key = (repr(sorted(raw.items())), stack)
        if self._decoded.get("key") != key:
            value = _config.decode(self.settings, raw, self.name, stack)
            self._decoded.update(key=key, value=value)
        decoded: _config.Decoded[S] = self._decoded["value"]
        return decoded


def _crash(rule: Rule[Any], error: Exception) -> str:
    return (
        f"The {rule.name} policy could not evaluate this input ({type(error).__name__}: "
        f"{error}). This is a defect in the policy pack; please report it with the resource."
    )


def _bad_config(problems: Sequence[str]) -> str:
    return "Invalid policy config, so this policy did not run: " + "; ".join(problems) + "."


def stack_name() -> str:
    """The stack the CLI is analysing; it passes the name to the pack as PULUMI_STACK."""
    try:
        return pulumi.get_stack()
    except Exception:  # noqa: BLE001 - the runtime is not configured outside the CLI
        return os.environ.get("PULUMI_STACK", "")


NOT_CHECKED = "not checked: "
"""How a not-applicable reason says what was left unchecked, one line per note, each line
ending with the URN of the resource it concerns in brackets. The pulumi-policy SDK lets a
policy give one reason per call; the offline review (``offline-preview``) reads these lines as
its not-checked list, and the Pulumi CLI keeps only the policy name."""


def _not_checked(notes: Sequence[Unchecked]) -> str:
    return "\n".join(
        NOT_CHECKED + note.what + (f" [{note.urn}]" if note.urn else "") for note in notes
    )


def _report(
    outcomes: Iterable[Outcome],
    report_violation: ReportViolation,
    not_applicable: Callable[[str], None],
) -> None:
    notes: list[Unchecked] = []
    assumed: list[str] = []
    for outcome in outcomes:
        if isinstance(outcome, Finding):
            report_violation(outcome.message, outcome.urn)
        elif isinstance(outcome, Assumed):
            assumed.append(outcome.what)
        else:
            notes.append(outcome)
    # After the violations: the SDK keeps both, so the report says what was left out. One
    # reason, since the first call to not_applicable ends the policy (it raises).
    reason = [_not_checked(notes)] if notes else []
    if assumed:
        reason.append("; ".join(assumed))
    if reason:
        not_applicable("\n".join(reason))


ResourceCheck = Callable[[Resource, S], Iterable[Outcome]]
StackCheck = Callable[[Stack, S], Iterable[Outcome]]


def run_check(
    rule: Rule[S],
    raw_config: dict[str, Any],
    run: Callable[[S], Iterable[Outcome]],
) -> list[Outcome] | str:
    """The outcomes of ``run`` with the decoded settings, or the reason it does not apply.

    A config that does not fit and an unexpected error are both outcomes (violations)."""
    decoded = rule.decode(raw_config)
    if decoded.settings is None:
        return [Finding(None, _bad_config(decoded.problems))]
    assumed = (
        [Assumed(f"{_NO_STACK_CONFIG}: {', '.join(decoded.defaulted)}")]
        if decoded.defaulted
        else []
    )
    token = ORIGINS.set(decoded.origins)
    try:
        return [*run(decoded.settings), *assumed]
    except NotApplicable as reason:
        return "; ".join([str(reason), *(a.what for a in assumed)])
    except Exception as error:  # noqa: BLE001 - an escaping exception aborts the preview
        return [Finding(None, _crash(rule, error))]
    finally:
        ORIGINS.reset(token)


_NO_STACK_CONFIG = (
    "no stack config was given to the pack (as with pulumi policy analyze), so this policy's "
    "defaults apply"
)


def resource_policy(
    rule: Rule[S], types: Sequence[tuple[str, str]], check: ResourceCheck[S]
) -> ResourceValidationPolicy:
    """A policy that looks at one resource of ``types`` at a time (its inputs)."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if kind_of(args.resource_type) not in types:
            args.not_applicable(f"{rule.name} checks {', '.join(n for _, n in types)} resources")
            return

        def run(settings: S) -> Iterable[Outcome]:
            resource = Resource(args.resource_type, args.urn, args.name, plain_props(args.props))
            return check(resource, settings)

        outcomes = run_check(rule, dict(args.get_config()), run)
        if isinstance(outcomes, str):
            args.not_applicable(outcomes)
            return
        _report(outcomes, report_violation, args.not_applicable)

    return ResourceValidationPolicy(validate=validate, **rule.metadata())


SHARED_STACK: contextvars.ContextVar[Stack | None] = contextvars.ContextVar(
    "private_acr_shared_stack", default=None
)
"""The view of the stack under analysis, set by the pack's servicer (``_server``) for the
duration of one AnalyzeStack request; unset, each policy builds it from its own args."""


def stack_from_args(args: StackValidationArgs) -> Stack:
    resources: list[Resource] = []
    for item in args.resources:
        resources.append(
            Resource(
                type=item.resource_type,
                urn=item.urn,
                name=item.name,
                props=plain_props(item.props),
                property_dependencies={
                    key: tuple(r.urn for r in linked)
                    for key, linked in (item.property_dependencies or {}).items()
                },
                protect=bool(getattr(item.opts, "protect", False)),
            )
        )
    return Stack(resources, name=stack_name())


class _StackPolicy(StackValidationPolicy):
    """Marks the stack policies that read the shared view (``_server`` checks for it)."""

    reads_shared_stack = True


def stack_policy(rule: Rule[S], check: StackCheck[S]) -> StackValidationPolicy:
    """A policy over the whole stack (resource outputs, linked by property dependencies)."""

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        def run(settings: S) -> Iterable[Outcome]:
            stack = SHARED_STACK.get() or stack_from_args(args)
            return check(stack, settings)

        outcomes = run_check(rule, dict(args.get_config()), run)
        if isinstance(outcomes, str):
            args.not_applicable(outcomes)
            return
        _report(outcomes, report_violation, args.not_applicable)

    return _StackPolicy(validate=validate, **rule.metadata())
