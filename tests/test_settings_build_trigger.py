"""Stack config of the build trigger: buildTrigger.* and aks.adminGroupObjectIds map onto the
components' args and are refused by the components' own rules, named by config key."""

from typing import Any

import pytest

from conftest import stack_config, with_changes
from private_acr_tasks.build_trigger import PrincipalType
from private_acr_tasks.errors import ConfigError
from private_acr_tasks.settings import load_settings

DEV = stack_config("dev")
GROUP = "11111111-2222-3333-4444-555555555555"
IMAGE = "mcr.microsoft.com/azure-cli:2.75.0-azurelinux3.0"


def problems(**changes: Any) -> list[str]:
    try:
        load_settings(with_changes(DEV, **changes))
    except ConfigError as error:
        return list(error.problems)
    return []


def test_build_trigger_keys_set_the_trigger_plan() -> None:
    trigger = load_settings(
        with_changes(
            DEV,
            buildTrigger={
                "cliImage": IMAGE,
                "deployers": [GROUP],
                "deployerPrincipalType": "User",
            },
        )
    ).build_trigger
    assert trigger.cli_image == IMAGE
    assert trigger.deployers == (GROUP,)
    assert trigger.deployer_principal_type is PrincipalType.USER


def test_admin_group_object_ids_reach_the_cluster_plan() -> None:
    aks = load_settings(with_changes(DEV, aks__adminGroupObjectIds=[GROUP])).aks
    assert aks.admin_group_object_ids == (GROUP,)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"buildTrigger__cliImage": "mcr.microsoft.com/azure-cli:latest"},
            "buildTrigger.cliImage: got 'mcr.microsoft.com/azure-cli:latest'; expected an image pinned",
        ),
        ({"buildTrigger__deployers": ["ops-team"]}, "buildTrigger.deployers[0]: got 'ops-team'"),
        (
            {"buildTrigger__deployerPrincipalType": "Robot"},
            "buildTrigger.deployerPrincipalType: got 'Robot'",
        ),
        ({"buildTrigger__deployer": [GROUP]}, "buildTrigger.deployer: unknown key; did you mean"),
        ({"aks__adminGroupObjectIds": ["admins"]}, "aks.adminGroupObjectIds[0]: got 'admins'"),
    ],
)
def test_bad_build_trigger_config_is_refused_by_key(changes: dict[str, Any], message: str) -> None:
    assert any(message in problem for problem in problems(**changes)), problems(**changes)


def test_a_bad_cli_image_is_reported_once() -> None:
    found = problems(buildTrigger__cliImage="mcr.microsoft.com/azure-cli")
    assert len([p for p in found if "cliImage" in p]) == 1


DIGEST = "sha256:" + "0123456789abcdef" * 4


@pytest.mark.parametrize(
    "image",
    [
        f"mcr.microsoft.com/azure-cli@{DIGEST}",
        f"mcr.microsoft.com/azure-cli:2.74.0-azurelinux3.0@{DIGEST}",
    ],
)
def test_the_cli_image_may_be_pinned_by_digest(image: str) -> None:
    trigger = load_settings(with_changes(DEV, buildTrigger__cliImage=image)).build_trigger
    assert trigger.cli_image == image


@pytest.mark.parametrize(
    "image",
    [
        "mcr.microsoft.com/azure-cli@sha256:0123",
        f"mcr.microsoft.com/azure-cli@{DIGEST.upper()}",
        "mcr.microsoft.com/azure-cli@md5:0123456789abcdef0123456789abcdef",
    ],
)
def test_a_digest_is_a_sha256_of_64_lower_case_hex_digits(image: str) -> None:
    assert f"buildTrigger.cliImage: got {image!r}" in "\n".join(
        problems(buildTrigger__cliImage=image)
    )
