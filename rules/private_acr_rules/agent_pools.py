"""ACR Tasks dedicated agent pools: tiers, vCPUs and the registry's default quota.

Learn, tasks-agent-pools.md ("Pricing tiers" and "Preview limitations"): S1 2 vCPU, S2 4, S3 8
(standard), I6 64 (isolated); "For each registry, the default total vCPU (core) quota is 16
for all standard agent pools and is 0 for isolated agent pools."
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from private_acr_rules.regions import region_name


class AgentPoolTier(StrEnum):
    """The size of each instance in an ACR Tasks agent pool."""

    S1 = "S1"
    """Standard, 2 vCPUs and 3 GB per instance."""
    S2 = "S2"
    """Standard, 4 vCPUs and 8 GB per instance."""
    S3 = "S3"
    """Standard, 8 vCPUs and 16 GB per instance."""
    I6 = "I6"
    """Isolated, 64 vCPUs and 216 GB per instance (needs a quota increase)."""


VCPUS: Mapping[AgentPoolTier, int] = {
    AgentPoolTier.S1: 2,
    AgentPoolTier.S2: 4,
    AgentPoolTier.S3: 8,
    AgentPoolTier.I6: 64,
}

STANDARD_VCPU_QUOTA = 16
"""Default vCPU quota per registry for all standard agent pools together."""

ISOLATED_VCPU_QUOTA = 0
"""Default vCPU quota for isolated (I6) pools: none until a support request grants it."""


def is_isolated(tier: AgentPoolTier) -> bool:
    return tier is AgentPoolTier.I6


def default_quota(tier: AgentPoolTier) -> int:
    """Azure's default vCPU quota of a registry for pools of ``tier``'s kind."""
    return ISOLATED_VCPU_QUOTA if is_isolated(tier) else STANDARD_VCPU_QUOTA


@dataclass(frozen=True)
class Quota:
    """A registry's vCPU quota for one kind of pool (standard or isolated)."""

    vcpus: int | None
    """The quota granted after a support request; ``None`` for Azure's default."""
    label: str
    """The setting that declares it, named in a problem (``agentPoolQuotaIsolated``)."""


def quota_problems(
    pools: Sequence[tuple[str, AgentPoolTier, int]], standard: Quota, isolated: Quota
) -> list[str]:
    """The pools of one registry must fit its vCPU quota together.

    ``pools`` holds (label, tier, count) per pool; standard and isolated tiers are summed apart,
    each sum held to its own quota (``default_quota`` unless the caller declares one).
    """
    problems: list[str] = []
    for quota, kind in ((standard, "standard"), (isolated, "isolated")):
        members = [
            (label, tier, count)
            for label, tier, count in pools
            if is_isolated(tier) == (kind == "isolated")
        ]
        if not members:
            continue
        needed = sum(VCPUS[tier] * count for _, tier, count in members)
        default = default_quota(members[0][1])
        allowed = default if quota.vcpus is None else quota.vcpus
        if needed > allowed:
            sizes = " + ".join(f"{count} x {tier.value}" for _, tier, count in members)
            problems.append(
                f"{members[0][0]}: {sizes} needs {needed} vCPUs but the registry's {kind} quota "
                f"is {allowed} (Azure's default for {kind} pools is {default}); after a support "
                f"request raises it, set {quota.label}"
            )
    return problems


AVAILABLE_REGIONS_SOURCE = (
    "Learn, container-registry/tasks-agent-pools, 'Preview limitations' (MicrosoftDocs/"
    "azure-management-docs commit 79592b333, 2026-08-14)"
)
"""The revision of Learn's table that ``AVAILABLE_REGIONS`` copies, cited wherever it is used."""

AVAILABLE_REGIONS = frozenset(
    {
        "westus2",
        "westus3",
        "southcentralus",
        "eastus2",
        "eastus",
        "centralus",
        "westeurope",
        "northeurope",
        "canadacentral",
        "eastasia",
        "germanywestcentral",
        "switzerlandnorth",
        "swedencentral",
        "jioindiawest",
        "jioindiacentral",
        "usgovarizona",
        "usgovtexas",
        "usgovvirginia",
    }
)
"""Regions with dedicated agent pools: Learn, container-registry/tasks-agent-pools.md,
"Preview limitations" (MicrosoftDocs/azure-management-docs commit 79592b333, 2026-08-14),
written as ARM location names. The feature is in preview and the list grows."""


def offers_agent_pools(location: str) -> bool:
    """Whether Learn lists ``location`` (either form, ``East US 2`` or ``eastus2``)."""
    return region_name(location) in AVAILABLE_REGIONS
