"""Azure built-in role definition ids (Learn, role-based-access-control/built-in-roles)."""

from __future__ import annotations

from collections.abc import Mapping

BUILTIN_ROLES: Mapping[str, str] = {
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "Container Registry Tasks Contributor": "fb382eab-e894-4461-af04-94435c366c3f",
    "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
}


def role_definition_path(subscription_id: str, role: str) -> str:
    """The ARM id of a built-in role in one subscription."""
    return (
        f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/"
        f"{BUILTIN_ROLES[role]}"
    )
