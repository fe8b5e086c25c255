"""What every component shares: type tokens, child names, role ids, validation plumbing."""

from collections.abc import Callable, Mapping
from typing import Generic, NotRequired, Self, TypedDict, TypeVar

import pulumi

from private_acr_rules.roles import BUILTIN_ROLES
from private_acr_rules.validation import FieldReader, Labels
from private_acr_tasks.errors import ComponentArgsError

PACKAGE = "private-acr-tasks"

_Plan = TypeVar("_Plan")
_Inputs = TypeVar("_Inputs")


class SharedArgs(TypedDict):
    """Fields every component takes."""

    resource_group_name: pulumi.Input[str]
    """Resource group for the component's resources."""
    location: pulumi.Input[str]
    """Azure region, e.g. eastus2."""
    tags: NotRequired[Mapping[str, str]]
    """Tags for every resource the component creates. Default: none."""


def type_token(component: str) -> str:
    return f"{PACKAGE}:index:{component}"


def child_name(name: str, *parts: str) -> str:
    """Logical child names derive from the component name; suffixes never change silently."""
    return "-".join((name, *parts))


def role_definition_id(subscription_id: pulumi.Input[str], role: str) -> pulumi.Output[str]:
    guid = BUILTIN_ROLES[role]
    return pulumi.Output.concat(
        "/subscriptions/",
        subscription_id,
        "/providers/Microsoft.Authorization/roleDefinitions/",
        guid,
    )


def checked(
    validate: Callable[[FieldReader], _Plan | None], args: Mapping[str, object], args_type: str
) -> _Plan:
    """Run a component's validation on its args; one ComponentArgsError names every problem.

    Raised before the component registers anything, so a refused component leaves no trace.
    """
    problems: list[str] = []
    plan = validate(FieldReader(args, Labels.of(args_type), problems))
    if problems or plan is None:
        raise ComponentArgsError(problems or [f"{args_type}: invalid arguments"])
    return plan


def tags_of(args: SharedArgs) -> dict[str, str]:
    return dict(args.get("tags", {}))


class PlannedComponent(pulumi.ComponentResource, Generic[_Plan, _Inputs]):
    """A component built two ways: ``__init__`` validates its args into a plan, and
    :meth:`from_plan` takes a plan validated already (the stack settings hold one per
    component); both end in ``_build``, which registers the component and its children."""

    @classmethod
    def from_plan(
        cls,
        name: str,
        plan: _Plan,
        inputs: _Inputs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> Self:
        """Build from an already validated plan, with the links to other resources."""
        component = cls.__new__(cls)
        component._build(name, plan, inputs, opts)
        return component

    def _build(
        self, name: str, plan: _Plan, inputs: _Inputs, opts: pulumi.ResourceOptions | None
    ) -> None:
        raise NotImplementedError
