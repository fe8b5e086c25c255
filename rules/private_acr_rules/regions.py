"""Azure regions: one name per region, whichever way it is written.

Azure names a region two ways: programmatically (``eastus2``, what ARM answers in ``location``
and what ``az account list-locations`` prints as ``name``) and by display name (``East US 2``,
its ``displayName``; the portal adds the geography, ``(US) East US 2``, its
``regionalDisplayName``). ARM accepts either in a resource's ``location``. Service tags carry
the programmatic name in mixed case (``Storage.EastUS2``; Learn,
virtual-network/service-tags-overview, "Available service tags"). Every comparison of regions
in this project goes through ``region_name``, so ``East US 2``, ``eastus2`` and ``EastUS2`` are
one region in the settings, the components and the policy pack alike.
"""

from __future__ import annotations

import re

_GEOGRAPHY = re.compile(r"^\([^)]*\)\s*")
"""The portal's geography in front of a display name: ``(US) East US 2``."""


def region_name(location: str) -> str:
    """The programmatic name of a region written in any of its forms (``East US 2``,
    ``(US) East US 2``, ``EastUS2``, ``eastus2`` all give ``eastus2``)."""
    return _GEOGRAPHY.sub("", location.strip()).replace(" ", "").lower()


def same_region(a: str, b: str) -> bool:
    return region_name(a) == region_name(b)
