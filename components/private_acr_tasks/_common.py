"""What every component shares: type tokens, child names, role ids, validation plumbing."""

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, NotRequired, Self, TypedDict, TypeVar, cast

import pulumi
from pulumi_azure_native import authorization

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


def camel_case(field_name: str) -> str:
    """How other languages and the stack config write an args field: ``agent_pool_name`` is
    ``agentPoolName``."""
    head, *rest = field_name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


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


def custom_role_on(
    parent: pulumi.Resource,
    names: tuple[str, str],
    *,
    assigned_on: pulumi.Input[str],
    defined_at: pulumi.Input[str],
    subscription_id: pulumi.Input[str],
    guid_namespace: uuid.UUID,
    role_name: pulumi.Input[str],
    description: str,
    actions: Sequence[str],
    principal_id: pulumi.Input[str],
    replace_on_changes: Sequence[str] = (),
) -> tuple[authorization.RoleDefinition, authorization.RoleAssignment]:
    """A custom role of ``actions``, defined and assignable at ``defined_at``, and its
    assignment to ``principal_id`` on ``assigned_on`` (logical names ``names``: definition,
    assignment).

    The role's GUID is derived from the id it is assigned on, so the same resource always gets
    the same role; ``role_name`` must be unique in the tenant. Learn
    (role-based-access-control/role-definitions, "AssignableScopes") advises a resource group
    rather than a resource instance as the assignable scope, given the tenant's limit of 5,000
    custom roles, and to "assign the custom roles with narrow scope": what the holder gets is
    the assignment, on ``assigned_on`` alone.
    """
    target = pulumi.Output.from_input(assigned_on)
    role = authorization.RoleDefinition(
        names[0],
        scope=defined_at,
        role_definition_id=target.apply(lambda tid: str(uuid.uuid5(guid_namespace, tid.lower()))),
        role_name=role_name,
        description=description,
        role_type="CustomRole",
        permissions=[authorization.PermissionArgs(actions=list(actions))],
        assignable_scopes=[defined_at],
        opts=pulumi.ResourceOptions(parent=parent),
    )
    assignment = authorization.RoleAssignment(
        names[1],
        scope=target,
        principal_id=principal_id,
        principal_type="ServicePrincipal",
        role_definition_id=pulumi.Output.concat(
            "/subscriptions/",
            subscription_id,
            "/providers/Microsoft.Authorization/roleDefinitions/",
            role.name,
        ),
        opts=pulumi.ResourceOptions(
            parent=parent, replace_on_changes=list(replace_on_changes) or None
        ),
    )
    return role, assignment


def known_fields(args_type: type) -> frozenset[str]:
    """The fields of an args ``TypedDict``, its bases' included."""
    required: frozenset[str] = getattr(args_type, "__required_keys__", frozenset[str]())
    optional: frozenset[str] = getattr(args_type, "__optional_keys__", frozenset[str]())
    return required | optional


def checked(
    validate: Callable[[FieldReader], _Plan | None], args: Mapping[str, object], args_type: type
) -> _Plan:
    """Run a component's validation on its args; one ComponentArgsError names every problem,
    an unknown field among them (with the nearest known one).

    Raised before the component registers anything, so a refused component leaves no trace.
    """
    problems: list[str] = []
    fields = FieldReader(args, Labels.of(args_type.__name__), problems)
    fields.reject_unknown(known_fields(args_type))
    plan = validate(fields)
    if problems or plan is None:
        raise ComponentArgsError(problems or [f"{args_type.__name__}: invalid arguments"])
    return plan


def tags_of(args: SharedArgs) -> dict[str, str]:
    return dict(args.get("tags", {}))


_INIT_DOC = """Validate ``args`` and create the {component}: {what}

:param name: The component's name; every child's logical name starts with it.
:param args: A :class:`{args}` (``help({args})`` lists each field and its default).
:param opts: Options of the component itself (parent, protect, providers, aliases...).
:raises ComponentArgsError: Naming every bad or unknown field, before anything is registered.
"""


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().split("\n", 1)[0]


@dataclass(frozen=True)
class _Shape:
    """What a component declares once: its args type and the validation that plans it."""

    args: type
    validate: Callable[[FieldReader], object]


class PlannedComponent(pulumi.ComponentResource, Generic[_Plan, _Inputs]):
    """A component in two steps: a pure plan, and a build from it.

    :meth:`plan` validates the plain args into a plan (or raises one ``ComponentArgsError``
    naming every problem); :meth:`from_plan` builds the component from a plan and its links
    to other resources (``_Inputs``), and ``__init__`` is the two in one. A subclass names its
    args type and validation in its class statement
    (``class Network(PlannedComponent[NetworkPlan, SharedArgs], args=NetworkArgs,
    validate=validate_network)``), checks its links in :meth:`_check_links` and registers its
    children in ``_build``.
    """

    _shape: ClassVar[_Shape]

    def __init_subclass__(
        cls, *, args: type, validate: Callable[[FieldReader], _Plan | None], **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        cls._shape = _Shape(args, validate)
        own_init = vars(cls).get("__init__")
        if own_init is not None and own_init.__doc__ is None:
            own_init.__doc__ = _INIT_DOC.format(
                component=cls.__name__, args=args.__name__, what=_first_line(cls.__doc__)
            )

    @classmethod
    def plan(cls, args: Mapping[str, object]) -> _Plan:
        """The validated plan of ``args``; raises ``ComponentArgsError`` naming every problem,
        before anything is registered."""
        return cast(_Plan, checked(cls._shape.validate, args, cls._shape.args))

    @classmethod
    def from_plan(
        cls,
        name: str,
        plan: _Plan,
        inputs: _Inputs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        child_aliases: Mapping[str, Sequence[pulumi.Alias]] | None = None,
    ) -> Self:
        """Build from an already validated plan, with the links to other resources.

        ``child_aliases`` keeps children an earlier layout created elsewhere: aliases by the
        suffix of the child's logical name (``task`` for ``<name>-task``)."""
        component = cls.__new__(cls)
        component._construct(name, plan, cast(Mapping[str, object], inputs), opts, child_aliases)
        return component

    def _construct(
        self,
        name: str,
        plan: _Plan,
        inputs: Mapping[str, object],
        opts: pulumi.ResourceOptions | None,
        child_aliases: Mapping[str, Sequence[pulumi.Alias]] | None = None,
    ) -> None:
        problems: list[str] = []
        self._check_links(plan, FieldReader(inputs, Labels.of(self._shape.args.__name__), problems))
        if problems:
            raise ComponentArgsError(problems)
        self._component_name = name
        self._child_aliases = dict(child_aliases or {})
        self._build(name, plan, cast(_Inputs, inputs), opts)

    def _check_links(self, plan: _Plan, links: FieldReader) -> None:
        """Record what is wrong with the links the plan needs; nothing by default."""

    def _moved(self, suffix: str) -> list[pulumi.Alias]:
        """The aliases ``from_plan`` was given for the child ``<name>-<suffix>``."""
        return list(self._child_aliases.get(suffix, ()))

    def _build(
        self, name: str, plan: _Plan, inputs: _Inputs, opts: pulumi.ResourceOptions | None
    ) -> None:
        raise NotImplementedError
