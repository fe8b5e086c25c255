"""Helpers every component shares: type tokens, child names, role ids, input checks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NotRequired, TypedDict

import pulumi

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


BUILTIN_ROLES: Mapping[str, str] = {
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "Container Registry Tasks Contributor": "fb382eab-e894-4461-af04-94435c366c3f",
    "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
}
"""Azure built-in role definition ids (Learn, built-in-roles reference)."""


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
