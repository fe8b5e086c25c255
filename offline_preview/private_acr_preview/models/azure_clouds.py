"""Per-cloud DNS suffixes, by the azure-native provider's ``environment`` config value.

The provider's own key ``azure-native:environment`` takes ``public``, ``usgovernment`` or
``china`` (pulumi-azure-native provider schema, ``environment``). Sources:

- Service suffixes (registry ``azurecr.*``, storage ``core.*``, Key Vault ``vault.*``):
  Microsoft Learn, "Compare Azure Government and global Azure", Guidance for developers /
  endpoint mapping (learn.microsoft.com/azure/azure-government/compare-azure-government-global-azure),
  and "Azure in China developer guide", Check endpoints in Azure
  (learn.microsoft.com/azure/china/resources-developer-guide).
- Private-link zone names: Learn, "Azure Private Endpoint private DNS zone values", the tables for
  each cloud (learn.microsoft.com/azure/private-link/private-endpoint-dns).
- Logic Apps: a workflow's access endpoint is ``https://prod-<n>.<region>.logic.azure.com:443/
  workflows/<id>`` in public Azure (the callback URLs in Learn's logic-apps-http-endpoint and
  Get-AzLogicAppTriggerCallbackUrl pages); Azure Government's and Azure China's hosts end in
  ``logic.azure.us`` and ``logic.azure.cn`` (Learn, logic-apps-limits-and-config, the
  endpoint tables per cloud).
- AKS: the API server FQDN suffix is the one each cloud's clusters report in ``fqdn``
  (``<prefix>-<hash>.hcp.<region>.azmk8s.io`` in public Azure; Government and China use their
  own domains, as in the AKS pages of the two developer guides above). The OIDC issuer host is
  this model's stand-in per cloud: Learn documents the public form only
  (``https://<region>.oic.prod-aks.azure.com/<tenant>/<guid>/``, "Create an OIDC provider on AKS").

This table belongs to the offline engine's model; it deliberately duplicates nothing it imports,
because the engine may import nothing of the project it previews.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cloud:
    registry: str
    """Login server suffix: ``<name>.<registry>``."""
    storage: str
    """Storage endpoint suffix: ``<account>.<service>.<storage>``."""
    key_vault: str
    """Key Vault DNS suffix: ``<vault>.<key_vault>``."""
    aks_hcp: str
    """API server FQDN after ``<prefix>-<hash>.``; ``{region}`` is the cluster's region."""
    aks_oidc: str
    """OIDC issuer host; ``{region}`` is the cluster's region."""
    logic: str
    """Logic Apps endpoint suffix: ``prod-<n>.<region>.<logic>``."""


CLOUDS: dict[str, Cloud] = {
    "public": Cloud(
        registry="azurecr.io",
        storage="core.windows.net",
        key_vault="vault.azure.net",
        aks_hcp="hcp.{region}.azmk8s.io",
        aks_oidc="{region}.oic.prod-aks.azure.com",
        logic="logic.azure.com",
    ),
    "usgovernment": Cloud(
        registry="azurecr.us",
        storage="core.usgovcloudapi.net",
        key_vault="vault.usgovcloudapi.net",
        aks_hcp="hcp.{region}.cx.aks.containerservice.azure.us",
        aks_oidc="{region}.oic.prod-aks.azure.us",
        logic="logic.azure.us",
    ),
    "china": Cloud(
        registry="azurecr.cn",
        storage="core.chinacloudapi.cn",
        key_vault="vault.azure.cn",
        aks_hcp="hcp.{region}.cx.prod.service.azk8s.cn",
        aks_oidc="{region}.oic.prod-aks.azure.cn",
        logic="logic.azure.cn",
    ),
}
