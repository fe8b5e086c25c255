"""Roles by what they permit (``private_acr_rules.roles``), against Learn's "Azure built-in roles".

The GUIDs and operations below are written from Learn (built-in-roles/containers.md,
privileged.md, general.md), not read from the table they check.
"""

import pytest

from private_acr_rules.roles import (
    Permission,
    builtin_permissions,
    excess_operations,
    permits,
    role_guid,
)

REGISTRY = "Microsoft.ContainerRegistry/registries"


@pytest.mark.parametrize(
    ("guid", "operation", "data", "expected"),
    [
        # AcrDelete: actions [registries/artifacts/delete].
        ("c2f4ef07-c644-48eb-af81-4b1b4947fb11", f"{REGISTRY}/artifacts/delete", False, True),
        ("c2f4ef07-c644-48eb-af81-4b1b4947fb11", f"{REGISTRY}/push/write", False, False),
        # User Access Administrator: actions [*/read, Microsoft.Authorization/*, Microsoft.Support/*].
        (
            "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
            "Microsoft.Authorization/roleAssignments/write",
            False,
            True,
        ),
        ("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", f"{REGISTRY}/read", False, True),
        ("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", f"{REGISTRY}/write", False, False),
        # Contributor: actions [*], notActions include Microsoft.Authorization/*/Write.
        ("b24988ac-6180-42a0-ab88-20f7382dd24c", f"{REGISTRY}/write", False, True),
        (
            "b24988ac-6180-42a0-ab88-20f7382dd24c",
            "Microsoft.Authorization/roleAssignments/write",
            False,
            False,
        ),
        # Owner: actions [*].
        (
            "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
            "Microsoft.Authorization/roleAssignments/write",
            False,
            True,
        ),
        # Reader: actions [*/read].
        ("acdd72a7-3385-48ef-bd42-f606fba81ae7", f"{REGISTRY}/read", False, True),
        (
            "acdd72a7-3385-48ef-bd42-f606fba81ae7",
            f"{REGISTRY}/listCredentials/action",
            False,
            False,
        ),
        # Container Registry Data Importer and Data Reader: importImage/action; content/read data.
        ("577a9874-89fd-4f24-9dbd-b5034d0ad23a", f"{REGISTRY}/importImage/action", False, True),
        (
            "577a9874-89fd-4f24-9dbd-b5034d0ad23a",
            f"{REGISTRY}/repositories/content/read",
            True,
            True,
        ),
        (
            "577a9874-89fd-4f24-9dbd-b5034d0ad23a",
            f"{REGISTRY}/repositories/content/write",
            True,
            False,
        ),
        # Container Registry Contributor and Data Access Configuration Administrator.
        ("3bc748fc-213d-45c1-8d91-9da5725539b9", f"{REGISTRY}/tokens/write", False, True),
        ("3bc748fc-213d-45c1-8d91-9da5725539b9", f"{REGISTRY}/push/write", False, False),
        # Container Registry Repository Writer: data actions only.
        (
            "2a1e307c-b015-4ebd-883e-5b7698a07328",
            f"{REGISTRY}/repositories/content/write",
            True,
            True,
        ),
        (
            "2a1e307c-b015-4ebd-883e-5b7698a07328",
            f"{REGISTRY}/repositories/content/delete",
            True,
            False,
        ),
    ],
)
def test_a_builtin_role_permits_what_learn_lists(
    guid: str, operation: str, data: bool, expected: bool
) -> None:
    permissions = builtin_permissions(guid)
    assert permissions is not None
    assert permits(permissions, operation, data=data) is expected


def test_acrpull_and_reader_are_no_more_than_a_build_needs() -> None:
    for guid in ("7f951dda-4ed3-4680-a7ca-43fe172d538d", "acdd72a7-3385-48ef-bd42-f606fba81ae7"):
        permissions = builtin_permissions(guid)
        assert permissions is not None and excess_operations(permissions) == []


@pytest.mark.parametrize(
    "written",
    [
        "c2f4ef07-c644-48eb-af81-4b1b4947fb11",
        "C2F4EF07-C644-48EB-AF81-4B1B4947FB11",
        "/providers/Microsoft.Authorization/roleDefinitions/c2f4ef07-c644-48eb-af81-4b1b4947fb11",
        "/subscriptions/0000/providers/Microsoft.Authorization/roleDefinitions/C2F4EF07-C644-48EB-AF81-4B1B4947FB11/",
        "{c2f4ef07-c644-48eb-af81-4b1b4947fb11}",
    ],
)
def test_a_role_guid_is_read_in_any_case_and_id_form(written: str) -> None:
    assert role_guid(written) == "c2f4ef07-c644-48eb-af81-4b1b4947fb11"


def test_what_is_no_guid_is_none() -> None:
    assert role_guid("custom-role-id") is None and role_guid(7) is None


def test_not_actions_subtract_only_within_their_own_permission() -> None:
    # Learn, role-definitions: NotActions subtract from the Actions of the same permission.
    both = (
        Permission(actions=(f"{REGISTRY}/*",), not_actions=(f"{REGISTRY}/delete",)),
        Permission(actions=(f"{REGISTRY}/delete",)),
    )
    assert permits(both, f"{REGISTRY}/delete")
    assert not permits(both[:1], f"{REGISTRY}/DELETE")
