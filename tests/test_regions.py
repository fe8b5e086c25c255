"""One region, whichever way it is written (``private_acr_rules.regions``)."""

import pytest

from private_acr_rules.agent_pools import offers_agent_pools
from private_acr_rules.regions import region_name, same_region


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
