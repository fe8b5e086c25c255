"""aks-api-server-exposure and aks-local-accounts-and-rbac: who can reach and manage the cluster.

Exposure (CKV_AZURE_6/115, Azure Policy 0e246bcf, 040732e8): the API server is private, or
public with authorized IP ranges none of which is open to the whole internet.
Identity (CKV_AZURE_141, Azure Policy 993c2fcd, PSRule Azure.AKS.LocalAccounts/AzureRBAC):
local accounts disabled, Entra ID integration with Azure RBAC, Kubernetes RBAC not turned off.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._config import NoSettings
from private_acr_policies._model import UNKNOWN, Resource, get, items
from private_acr_policies._policy import (
    Finding,
    NotApplicable,
    Outcome,
    Rule,
    Unchecked,
    resource_policy,
)
from private_acr_rules.aks import api_server_exposure_problems

CLUSTER = [("containerservice", "ManagedCluster")]

EXPOSURE = Rule(
    name="aks-api-server-exposure",
    description="The AKS API server must be private or limited to authorized IP ranges that exclude the internet.",
    severity=Severity.HIGH,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation=(
        "Set apiServerAccessProfile.enablePrivateCluster to true, or list the public CIDRs of "
        "your admins and CI in apiServerAccessProfile.authorizedIPRanges (never 0.0.0.0/0)."
    ),
    settings=NoSettings,
)

IDENTITY = Rule(
    name="aks-local-accounts-and-rbac",
    description="AKS clusters must disable local accounts and use Entra ID with Azure RBAC.",
    severity=Severity.HIGH,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation=(
        "Set disableLocalAccounts to true, aadProfile.managed and aadProfile.enableAzureRBAC to "
        "true, and leave enableRBAC on; grant access with Azure Kubernetes Service RBAC roles."
    ),
    settings=NoSettings,
)


def check_exposure(cluster: Resource, settings: NoSettings) -> Iterator[Outcome]:
    private = get(cluster.props, "apiServerAccessProfile", "enablePrivateCluster")
    ranges = get(cluster.props, "apiServerAccessProfile", "authorizedIPRanges")
    if private is UNKNOWN or ranges is UNKNOWN:
        raise NotApplicable("the API server access profile is not known yet")
    known = [r for r in items(ranges) if isinstance(r, str)]
    label = "apiServerAccessProfile.authorizedIPRanges"
    for problem in api_server_exposure_problems(label, private is True, known):
        yield Finding(cluster.urn, f"{cluster.name}: {problem}")


def check_identity(cluster: Resource, settings: NoSettings) -> Iterator[Outcome]:
    """Each setting that is known and wrong is a violation; one not known yet is noted."""
    props = cluster.props
    if get(props, "disableLocalAccounts") is UNKNOWN:
        yield Unchecked(
            cluster.urn, f"{cluster.name}: disableLocalAccounts (unknown until deployment)"
        )
    elif get(props, "disableLocalAccounts") is not True:
        yield Finding(
            cluster.urn,
            f"{cluster.name}: disableLocalAccounts is not true; the static cluster-admin credential stays available.",
        )
    yield from _aad_problems(cluster)
    if get(props, "enableRBAC") is UNKNOWN:
        yield Unchecked(cluster.urn, f"{cluster.name}: enableRBAC (unknown until deployment)")
    elif get(props, "enableRBAC") is False:
        yield Finding(
            cluster.urn, f"{cluster.name}: enableRBAC is false; Kubernetes RBAC must stay on."
        )


def _aad_problems(cluster: Resource) -> Iterator[Outcome]:
    aad = get(cluster.props, "aadProfile")
    managed = get(aad, "managed")
    rbac = get(aad, "enableAzureRBAC")
    rbac = get(aad, "enableAzureRbac") if rbac is None else rbac
    if managed is UNKNOWN:
        yield Unchecked(
            cluster.urn, f"{cluster.name}: aadProfile.managed (unknown until deployment)"
        )
    elif not isinstance(aad, Mapping) or managed is not True:
        yield Finding(
            cluster.urn,
            f"{cluster.name}: aadProfile.managed is not true; the cluster is not integrated with Entra ID.",
        )
    elif rbac is UNKNOWN:
        yield Unchecked(
            cluster.urn, f"{cluster.name}: aadProfile.enableAzureRBAC (unknown until deployment)"
        )
    elif rbac is not True:
        yield Finding(
            cluster.urn,
            f"{cluster.name}: aadProfile.enableAzureRBAC is not true; access is not governed by Azure RBAC.",
        )


EXPOSURE_POLICY = resource_policy(EXPOSURE, CLUSTER, check_exposure)
IDENTITY_POLICY = resource_policy(IDENTITY, CLUSTER, check_identity)
