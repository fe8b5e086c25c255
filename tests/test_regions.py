"""One region, whichever way it is written (``private_acr_rules.regions``)."""

import pytest
from learn_facts import CHINA_REGIONS, GOVERNMENT_REGIONS, PUBLIC_REGIONS

from private_acr_rules.agent_pools import AVAILABLE_REGIONS, offers_agent_pools
from private_acr_rules.clouds import AzureCloud, cloud_of_region
from private_acr_rules.regions import (
    REGIONS,
    cloud_with_region,
    region_name,
    region_problem,
    same_region,
)


@pytest.mark.parametrize(
    ("written", "name"),
    [
        # `az account list-locations`: name, displayName and regionalDisplayName of East US 2.
        ("eastus2", "eastus2"),
        ("East US 2", "eastus2"),
        ("(US) East US 2", "eastus2"),
        # The region part of a regional service tag (Learn, service-tags-overview: Storage.EastUS2).
        ("EastUS2", "eastus2"),
        ("USGov Virginia", "usgovvirginia"),
        (" West Europe ", "westeurope"),
    ],
)
def test_every_form_of_a_region_gives_its_programmatic_name(written: str, name: str) -> None:
    assert region_name(written) == name


def test_two_regions_stay_two() -> None:
    assert same_region("East US 2", "eastus2")
    assert not same_region("East US", "eastus2")


def test_the_agent_pool_regions_accept_a_display_name() -> None:
    # Learn, tasks-agent-pools, "Preview limitations" lists East US 2 and not Australia East.
    assert offers_agent_pools("East US 2") and offers_agent_pools("(US) East US 2")
    assert not offers_agent_pools("Australia East")


def test_each_sovereign_cloud_has_exactly_the_regions_its_documentation_lists() -> None:
    assert dict(REGIONS["usgovernment"]) == {
        name: shown for shown, name in GOVERNMENT_REGIONS.items()
    }
    assert dict(REGIONS["china"]) == {name: shown for shown, name in CHINA_REGIONS.items()}


@pytest.mark.parametrize(("shown", "name"), PUBLIC_REGIONS.items())
def test_the_public_cloud_lists_the_regions_learn_lists(shown: str, name: str) -> None:
    assert REGIONS["public"][name] == shown


def test_every_display_name_is_a_form_of_its_region() -> None:
    for regions in REGIONS.values():
        for name, shown in regions.items():
            assert region_name(shown) == name


def test_each_region_is_in_one_cloud() -> None:
    names = [name for regions in REGIONS.values() for name in regions]
    assert len(names) == len(set(names))


def test_every_agent_pool_region_is_a_region_of_a_cloud() -> None:
    assert all(cloud_with_region(region) for region in AVAILABLE_REGIONS)


@pytest.mark.parametrize(
    ("value", "cloud", "message"),
    [
        ("westus9", "public", "got 'westus9'; expected a region of the public cloud"),
        (
            "westus3",
            "usgovernment",
            "got 'westus3', a region of the public cloud; expected a region of the usgovernment "
            "cloud",
        ),
        ("east\u200bus2", "public", "got 'east\\u200bus2'; expected a region of the public cloud"),
        (True, "public", "got True; expected a region of the public cloud"),
        (1.5, "public", "got 1.5; expected a region"),
        ("", "public", "got ''; expected a region"),
    ],
)
def test_anything_but_a_region_of_the_cloud_is_refused(
    value: object, cloud: str, message: str
) -> None:
    problem = region_problem(value, cloud)
    assert problem is not None and problem.startswith(message)


@pytest.mark.parametrize(
    ("value", "cloud"),
    [("East US 2", "public"), ("(US) East US 2", "public"), ("USGov Texas", "usgovernment")],
)
def test_a_region_in_any_of_its_forms_is_accepted(value: str, cloud: str) -> None:
    assert region_problem(value, cloud) is None


def test_the_cloud_of_a_region_comes_from_the_table() -> None:
    assert cloud_of_region("USDoD Central") is AzureCloud.US_GOVERNMENT
    assert cloud_of_region("China North 3") is AzureCloud.CHINA
    assert cloud_of_region("Sweden South") is AzureCloud.PUBLIC
