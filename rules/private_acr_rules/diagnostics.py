"""Which logs and metrics each Azure resource type sends to Log Analytics, and where they land.

A diagnostic setting (ARM ``Microsoft.Insights/diagnosticSettings``, azure-native v3
``monitor.DiagnosticSetting``; the v2 token ``insights:DiagnosticSetting`` is its alias) names
log categories and metric categories of one resource. The categories differ per resource
type; the ones used here are those Microsoft lists for each type (Learn, azure-monitor/
reference/supported-logs/<type>-logs and supported-metrics/<type>-metrics):

- ``Microsoft.ContainerRegistry/registries``: ``ContainerRegistryRepositoryEvents`` (table
  ContainerRegistryRepositoryEvents: pushes, pulls, deletes) and ``ContainerRegistryLoginEvents``
  (table ContainerRegistryLoginEvents: who logged in, from where, with what result); metrics
  ``AllMetrics`` (table AzureMetrics, among them ``AgentPoolCPUTime`` and ``RunDuration``).
- ``Microsoft.ContainerService/managedClusters``: the control-plane logs ``kube-apiserver``,
  ``kube-audit-admin`` (the audit log without get and list, which "significantly reduces the
  number of logs and overall cost", PSRule Azure.AKS.AuditAdmin) and ``guard`` (Entra ID and
  Azure RBAC decisions). In resource-specific mode (``logAnalyticsDestinationType:
  Dedicated``) they land in AKSControlPlane and AKSAuditAdmin; otherwise all in AzureDiagnostics.
  ``kube-audit`` is a superset of ``kube-audit-admin`` and stands in for it.
- ``Microsoft.KeyVault/vaults``: ``AuditEvent`` (table AzureDiagnostics; the public cloud also
  offers the resource-specific AZKVAuditLogs, docs.azure.cn does not list it); metrics ``AllMetrics``.
- ``Microsoft.Storage/storageAccounts/blobServices`` (the blob service, ``<account
  id>/blobServices/default``; the account itself has metrics only): ``StorageRead``,
  ``StorageWrite``, ``StorageDelete`` (table StorageBlobLogs); metrics ``Transaction``.

A setting that enables the category group ``allLogs`` covers every log category of its
resource (Learn, azure-monitor/platform/diagnostic-settings, "Category groups").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

ALL_LOGS = "allLogs"
"""The category group that enables every log category of a resource."""


@dataclass(frozen=True)
class LogProfile:
    """What one resource type sends: its log and metric categories and the tables they fill."""

    resource_type: str
    """The ARM type, e.g. ``Microsoft.ContainerRegistry/registries``."""
    logs: tuple[str, ...]
    metrics: tuple[str, ...]
    tables: tuple[str, ...]
    """The Log Analytics tables the categories fill (in resource-specific mode if ``dedicated``)."""
    dedicated: bool = False
    """The type can write resource-specific tables instead of AzureDiagnostics; ask for them."""
    stand_ins: Mapping[str, str] = field(default_factory=dict[str, str])
    """A category that covers another one (``kube-audit`` holds all of ``kube-audit-admin``)."""


REGISTRY = "Microsoft.ContainerRegistry/registries"
CLUSTER = "Microsoft.ContainerService/managedClusters"
VAULT = "Microsoft.KeyVault/vaults"
BLOB_SERVICE = "Microsoft.Storage/storageAccounts/blobServices"

PROFILES: Mapping[str, LogProfile] = {
    profile.resource_type.lower(): profile
    for profile in (
        LogProfile(
            REGISTRY,
            logs=("ContainerRegistryRepositoryEvents", "ContainerRegistryLoginEvents"),
            metrics=("AllMetrics",),
            tables=(
                "ContainerRegistryRepositoryEvents",
                "ContainerRegistryLoginEvents",
                "AzureMetrics",
            ),
        ),
        LogProfile(
            CLUSTER,
            logs=("kube-apiserver", "kube-audit-admin", "guard"),
            metrics=(),
            tables=("AKSControlPlane", "AKSAuditAdmin"),
            dedicated=True,
            stand_ins={"kube-audit-admin": "kube-audit"},
        ),
        LogProfile(
            VAULT,
            logs=("AuditEvent",),
            metrics=("AllMetrics",),
            # AZKVAuditLogs (resource-specific) is not offered in every cloud; AzureDiagnostics is.
            tables=("AzureDiagnostics", "AzureMetrics"),
        ),
        LogProfile(
            BLOB_SERVICE,
            logs=("StorageRead", "StorageWrite", "StorageDelete"),
            metrics=("Transaction",),
            tables=("StorageBlobLogs", "AzureMetrics"),
        ),
    )
}
"""The profile of each resource type this project sends logs for, by lower-case ARM type."""


def profile_for(resource_type: str) -> LogProfile | None:
    """The profile of an ARM type, compared case-insensitively as ARM compares types."""
    return PROFILES.get(resource_type.lower())


def missing_categories(profile: LogProfile, enabled: Iterable[str]) -> list[str]:
    """The profile's log categories that ``enabled`` (categories or groups) does not cover."""
    sent = {category.lower() for category in enabled}
    if ALL_LOGS.lower() in sent:
        return []
    return [
        category
        for category in profile.logs
        if category.lower() not in sent and profile.stand_ins.get(category, "").lower() not in sent
    ]
