"""Helpers every component shares: type tokens, child names, role ids, input checks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NotRequired, TypedDict

import pulumi

from private_acr_rules.roles import BUILTIN_ROLES

PACKAGE = "private-acr-tasks"


class SharedArgs(TypedDict):
    """Fields every component takes."""

    resource_group_name: pulumi.Input[str]
    """Resource group for the component's resources."""
    location: pulumi.Input[str]
    """Azure region, e.g. eastus2."""
    tags: NotRequired[Mapping[str, str]]
    """Tags for every resource the component creates."""


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


def check_plain_str(
    problems: list[str], field: str, value: object, pattern: re.Pattern[str], expected: str
) -> None:
    """Validate a plain string argument; Outputs are checked by the policy pack instead."""
    if isinstance(value, pulumi.Output):
        return
    if not isinstance(value, str) or not pattern.fullmatch(value):
        problems.append(f"{field}: got {value!r}; expected {expected}")
