"""Azure regions: one name per region, whichever way it is written, and each cloud's regions.

Azure names a region two ways: programmatically (``eastus2``, what ARM answers in ``location``
and what ``az account list-locations`` prints as ``name``) and by display name (``East US 2``,
its ``displayName``; the portal adds the geography, ``(US) East US 2``, its
``regionalDisplayName``). ARM accepts either in a resource's ``location``. Service tags carry
the programmatic name in mixed case (``Storage.EastUS2``; Learn,
virtual-network/service-tags-overview, "Available service tags"). Every comparison of regions
in this project goes through ``region_name``, so ``East US 2``, ``eastus2`` and ``EastUS2`` are
one region in the settings, the components and the policy pack alike.

Which regions each cloud has (``REGIONS``, keyed by the azure-native provider's
``environment``: ``public``, ``usgovernment``, ``china``), from these sources:

- public: the physical regions ARM lists for a subscription (``GET
  /subscriptions/{id}/locations?api-version=2023-07-01``, what ``az account list-locations``
  prints; ``regionType`` ``Physical``, so not the logical ``unitedstates`` or ``europe``), as
  Azure/terraform-azurerm-avm-utl-regions caches it (``modules/cached-data/locations.tf.json``,
  commit e9d62409, 2026-03-12), plus Sweden South, which that list names only as Sweden
  Central's pair: ARM lists a restricted region only to subscriptions granted it (Learn,
  reliability/regions-list, ms.date 09/23/2025, lists the same regions and marks the restricted
  ones);
- usgovernment: Learn, azure-government/documentation-government-get-started-connect-with-ps,
  "Get current regions" (ms.date 01/18/2023): USGov Virginia, Texas and Arizona, USDoD East
  and Central;
- china: docs.azure.cn, reliability/regions-list, "Azure regions list": China East, East 2,
  East 3, North, North 2 and North 3.

A region opened after these dates is refused until the table learns it; the message says so.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

_GEOGRAPHY = re.compile(r"^\([^)]*\)\s*")
"""The portal's geography in front of a display name: ``(US) East US 2``."""

REGIONS_SOURCE = (
    "ARM listed on 2026-03-12 (az account list-locations) and Learn lists for Azure Government "
    "and Azure China"
)
"""What ``REGIONS`` copies, in a message."""

REGIONS: Mapping[str, Mapping[str, str]] = {
    "public": {
        "australiacentral": "Australia Central",
        "australiacentral2": "Australia Central 2",
        "australiaeast": "Australia East",
        "australiasoutheast": "Australia Southeast",
        "austriaeast": "Austria East",
        "belgiumcentral": "Belgium Central",
        "brazilsouth": "Brazil South",
        "brazilsoutheast": "Brazil Southeast",
        "canadacentral": "Canada Central",
        "canadaeast": "Canada East",
        "centralindia": "Central India",
        "centralus": "Central US",
        "centraluseuap": "Central US EUAP",
        "chilecentral": "Chile Central",
        "denmarkeast": "Denmark East",
        "eastasia": "East Asia",
        "eastus": "East US",
        "eastus2": "East US 2",
        "eastus2euap": "East US 2 EUAP",
        "eastusstg": "East US STG",
        "francecentral": "France Central",
        "francesouth": "France South",
        "germanynorth": "Germany North",
        "germanywestcentral": "Germany West Central",
        "indonesiacentral": "Indonesia Central",
        "israelcentral": "Israel Central",
        "italynorth": "Italy North",
        "japaneast": "Japan East",
        "japanwest": "Japan West",
        "jioindiacentral": "Jio India Central",
        "jioindiawest": "Jio India West",
        "koreacentral": "Korea Central",
        "koreasouth": "Korea South",
        "malaysiawest": "Malaysia West",
        "mexicocentral": "Mexico Central",
        "newzealandnorth": "New Zealand North",
        "northcentralus": "North Central US",
        "northeurope": "North Europe",
        "norwayeast": "Norway East",
        "norwaywest": "Norway West",
        "polandcentral": "Poland Central",
        "qatarcentral": "Qatar Central",
        "southafricanorth": "South Africa North",
        "southafricawest": "South Africa West",
        "southcentralus": "South Central US",
        "southcentralusstg": "South Central US STG",
        "southeastasia": "Southeast Asia",
        "southindia": "South India",
        "spaincentral": "Spain Central",
        "swedencentral": "Sweden Central",
        "swedensouth": "Sweden South",
        "switzerlandnorth": "Switzerland North",
        "switzerlandwest": "Switzerland West",
        "uaecentral": "UAE Central",
        "uaenorth": "UAE North",
        "uksouth": "UK South",
        "ukwest": "UK West",
        "westcentralus": "West Central US",
        "westeurope": "West Europe",
        "westindia": "West India",
        "westus": "West US",
        "westus2": "West US 2",
        "westus3": "West US 3",
    },
    "usgovernment": {
        "usgovvirginia": "USGov Virginia",
        "usgovtexas": "USGov Texas",
        "usgovarizona": "USGov Arizona",
        "usdodeast": "USDoD East",
        "usdodcentral": "USDoD Central",
    },
    "china": {
        "chinaeast": "China East",
        "chinaeast2": "China East 2",
        "chinaeast3": "China East 3",
        "chinanorth": "China North",
        "chinanorth2": "China North 2",
        "chinanorth3": "China North 3",
    },
}
"""Every region of each cloud, programmatic name to display name (sources above)."""

_EXAMPLES: Mapping[str, str] = {
    "public": "eastus2",
    "usgovernment": "usgovvirginia",
    "china": "chinanorth3",
}


def region_name(location: str) -> str:
    """The programmatic name of a region written in any of its forms (``East US 2``,
    ``(US) East US 2``, ``EastUS2``, ``eastus2`` all give ``eastus2``)."""
    return _GEOGRAPHY.sub("", location.strip()).replace(" ", "").lower()


def same_region(a: str, b: str) -> bool:
    return region_name(a) == region_name(b)


def cloud_with_region(location: str) -> str | None:
    """The cloud (``REGIONS``' key) one of whose regions ``location`` names, in either form."""
    name = region_name(location)
    return next((cloud for cloud, regions in REGIONS.items() if name in regions), None)


def region_problem(value: object, cloud: str) -> str | None:
    """Why ``value`` does not name a region of ``cloud`` (``got ...; expected ...``), or
    ``None`` when it does. Either form counts; anything but such a string is refused."""
    regions = REGIONS[cloud]
    if isinstance(value, str) and region_name(value) in regions:
        return None
    example = _EXAMPLES[cloud]
    expected = f"a region of the {cloud} cloud, e.g. {example} or {regions[example]}"
    if not isinstance(value, str):
        return f"got {value!r}; expected {expected}"
    elsewhere = cloud_with_region(value)
    if elsewhere is not None:
        return (
            f"got {value!r}, a region of the {elsewhere} cloud; expected {expected} "
            "(azure-native:environment names the stack's cloud)"
        )
    hint = difflib.get_close_matches(region_name(value), list(regions), n=1)
    nearest = f"; did you mean {hint[0]!r}?" if hint else ""
    return (
        f"got {value!r}; expected {expected}{nearest} (the regions known here are those "
        f"{REGIONS_SOURCE})"
    )
