"""The Azure clouds a stack can deploy to, and the DNS names that differ between them.

The stack picks the cloud with the azure-native provider's own ``environment`` config
(``public``, ``usgovernment`` or ``china``). Sources:

- Private DNS zone names: Learn, private-link/private-endpoint-dns ("Azure Private Endpoint
  private DNS zone values", ms.date 07/16/2026), sections "Commercial", "Government" and
  "China": Container Registry ``registry``, Storage ``blob``, Key Vault ``vault`` and AKS
  ``management``; the China copy at docs.azure.cn/private-link/private-endpoint-dns.
- Login-server and service suffixes: the Azure CLI's cloud definitions (``az cloud show``;
  Azure/azure-cli ``src/azure-cli-core/azure/cli/core/cloud.py``, ``CloudSuffixes``
  ``acr_login_server_endpoint``, ``storage_endpoint``, ``keyvault_dns`` of AzureCloud,
  AzureUSGovernment and AzureChinaCloud), the Resource Manager endpoint (``CloudEndpoints``
  ``resource_manager`` of the same clouds) and those clouds' names.
- The issuer of a v1 access token (Resource Manager's are v1): ``https://sts.windows.net/`` and
  the tenant id (Learn, logic-apps-securing-a-logic-app: an Issuer claim "starts with
  https://sts.windows.net/"); Azure Government's v1 tokens use the same prefix and Azure
  China's ``https://sts.chinacloudapi.cn/`` (Microsoft Q&A, "What are the token issuers for
  the sovereign clouds", learn.microsoft.com/answers/questions/1190472).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from private_acr_rules.regions import cloud_with_region, region_name


class AzureCloud(StrEnum):
    """An Azure cloud, named as the azure-native provider's ``environment`` config names it."""

    PUBLIC = "public"
    """Azure (commercial)."""
    US_GOVERNMENT = "usgovernment"
    """Azure Government."""
    CHINA = "china"
    """Azure operated by 21Vianet."""


@dataclass(frozen=True)
class CloudNames:
    """DNS names of one cloud."""

    registry_zone: str
    """Private DNS zone of a registry endpoint (group ``registry``)."""
    blob_zone: str
    """Private DNS zone of a storage blob endpoint (group ``blob``)."""
    vault_zone: str
    """Private DNS zone of a Key Vault endpoint (group ``vault``)."""
    registry_suffix: str
    """Login servers are ``<registry>.<suffix>``."""
    storage_suffix: str
    """Blob endpoints are ``<account>.blob.<suffix>``."""
    vault_suffix: str
    """Vault URIs are ``https://<vault>.<suffix>``."""
    aks_private_zone: str
    """The private API server zone, with ``{region}`` for the cluster's region."""
    resource_manager: str
    """The Azure Resource Manager endpoint, also the audience of a token for it."""
    token_issuer: str
    """A v1 access token's issuer is this prefix, the tenant id and ``/``."""
    cli_name: str
    """The Azure CLI's name of the cloud (``az cloud set --name``): without it ``az login``
    signs in to the public cloud's Entra ID and storage commands use its DNS suffixes."""


CLOUDS: Mapping[AzureCloud, CloudNames] = {
    AzureCloud.PUBLIC: CloudNames(
        registry_zone="privatelink.azurecr.io",
        blob_zone="privatelink.blob.core.windows.net",
        vault_zone="privatelink.vaultcore.azure.net",
        registry_suffix="azurecr.io",
        storage_suffix="core.windows.net",
        vault_suffix="vault.azure.net",
        aks_private_zone="privatelink.{region}.azmk8s.io",
        resource_manager="https://management.azure.com/",
        token_issuer="https://sts.windows.net/",
        cli_name="AzureCloud",
    ),
    AzureCloud.US_GOVERNMENT: CloudNames(
        registry_zone="privatelink.azurecr.us",
        blob_zone="privatelink.blob.core.usgovcloudapi.net",
        vault_zone="privatelink.vaultcore.usgovcloudapi.net",
        registry_suffix="azurecr.us",
        storage_suffix="core.usgovcloudapi.net",
        vault_suffix="vault.usgovcloudapi.net",
        aks_private_zone="privatelink.{region}.cx.aks.containerservice.azure.us",
        resource_manager="https://management.usgovcloudapi.net/",
        token_issuer="https://sts.windows.net/",
        cli_name="AzureUSGovernment",
    ),
    AzureCloud.CHINA: CloudNames(
        registry_zone="privatelink.azurecr.cn",
        blob_zone="privatelink.blob.core.chinacloudapi.cn",
        vault_zone="privatelink.vaultcore.azure.cn",
        registry_suffix="azurecr.cn",
        storage_suffix="core.chinacloudapi.cn",
        vault_suffix="vault.azure.cn",
        aks_private_zone="privatelink.{region}.cx.prod.service.azk8s.cn",
        resource_manager="https://management.chinacloudapi.cn/",
        token_issuer="https://sts.chinacloudapi.cn/",
        cli_name="AzureChinaCloud",
    ),
}


def names(cloud: AzureCloud) -> CloudNames:
    return CLOUDS[cloud]


REGISTRY_ZONES = frozenset(c.registry_zone for c in CLOUDS.values())
"""The registry zone of every cloud."""

ZONE_FIELDS: Mapping[str, str] = {
    "registry": "registry_zone",
    "blob": "blob_zone",
    "vault": "vault_zone",
}
"""The private DNS zone of each private link group id (sub-resource) this project uses."""


def zone_for(cloud: AzureCloud, group_id: str) -> str | None:
    """The zone a private endpoint of ``group_id`` writes its records into in ``cloud``."""
    field = ZONE_FIELDS.get(group_id.lower())
    return getattr(CLOUDS[cloud], field) if field else None


def public_zone_for(cloud: AzureCloud, group_id: str) -> str | None:
    """The public zone of ``group_id``'s service names in ``cloud`` (``azurecr.io``): the zone a
    custom DNS server must forward to Azure DNS for the private records to answer (Learn,
    private-link/private-endpoint-dns-integration: forward "the recommended public DNS zone",
    ``database.windows.net`` rather than ``privatelink.database.windows.net``)."""
    names = CLOUDS[cloud]
    return {
        "registry": names.registry_suffix,
        "blob": f"blob.{names.storage_suffix}",
        "vault": names.vault_suffix,
    }.get(group_id.lower())


def service_host(cloud: AzureCloud, group_id: str, resource_name: str) -> str | None:
    """The name a client uses for ``resource_name``'s ``group_id`` endpoint
    (``acr.azurecr.io``, ``st.blob.core.windows.net``, ``kv.vault.azure.net``)."""
    zone = public_zone_for(cloud, group_id)
    return f"{resource_name}.{zone}".lower() if zone else None


def registry_hosts(
    cloud: AzureCloud, registry_name: str, regions: Sequence[str], regional_endpoints: bool
) -> list[tuple[str, str]]:
    """``(name, kind)`` of every endpoint a client of a registry reaches in ``cloud``: the login
    server (``registry``), a data endpoint per region it serves (``data``) and, with regional
    endpoints on, a regional endpoint per region (``geo``). Learn, container-registry-private-
    endpoints: "myregistry.westus2.data.azurecr.io", "myregistry.westus2.geo.azurecr.io"."""
    suffix = CLOUDS[cloud].registry_suffix
    name = registry_name.lower()
    hosts = [(f"{name}.{suffix}", "registry")]
    hosts += [(f"{name}.{region_name(r)}.data.{suffix}", "data") for r in regions]
    if regional_endpoints:
        hosts += [(f"{name}.{region_name(r)}.geo.{suffix}", "geo") for r in regions]
    return hosts


def zones_of(group_id: str) -> frozenset[str]:
    """The zone of ``group_id`` in every cloud."""
    return frozenset(z for cloud in AzureCloud if (z := zone_for(cloud, group_id)))


def cloud_named(value: object) -> AzureCloud | None:
    """The cloud an ``azure-native:environment`` value names (``public``, ``usgovernment``,
    ``china``, any letter case); ``None`` for anything else."""
    if not isinstance(value, str):
        return None
    return next((c for c in AzureCloud if c.value == value.strip().lower()), None)


_REGION_PREFIXES: tuple[tuple[str, AzureCloud], ...] = (
    ("usgov", AzureCloud.US_GOVERNMENT),
    ("usdod", AzureCloud.US_GOVERNMENT),
    ("china", AzureCloud.CHINA),
)
"""Azure Government's regions are USGov Virginia, Texas, Arizona and the DoD regions (Learn,
azure-government/documentation-government-get-started, "Azure Government regions"); Azure
operated by 21Vianet's are China East and North 1-3 (docs.azure.cn, "Azure China regions")."""


def cloud_of_region(location: str) -> AzureCloud:
    """The cloud a region belongs to, in either form (``USGov Virginia``, ``usgovvirginia``):
    the cloud whose table (``regions.REGIONS``) lists it, else the one its name's prefix says."""
    listed = cloud_with_region(location)
    if listed is not None:
        return AzureCloud(listed)
    name = region_name(location)
    return next((c for prefix, c in _REGION_PREFIXES if name.startswith(prefix)), AzureCloud.PUBLIC)


def cloud_of_login_server(login_server: str) -> AzureCloud | None:
    """The cloud whose registry suffix a login server ends with (``acr.azurecr.us``)."""
    server = login_server.strip().lower().rstrip(".")
    return next((c for c, n in CLOUDS.items() if server.endswith("." + n.registry_suffix)), None)


def aks_zone_region(cloud: AzureCloud, zone: str) -> str | None:
    """The region of ``zone`` when it is ``cloud``'s private API server zone of AKS, or a subzone
    of it (``privatelink.<region>.azmk8s.io``, ``team.privatelink.<region>.azmk8s.io``: Learn,
    aks/private-clusters, "Configure a private DNS zone"); ``None`` for any other name."""
    head, tail = CLOUDS[cloud].aks_private_zone.split("{region}")
    pattern = rf"(?:[a-z0-9-]+\.)?{re.escape(head)}(?P<region>[a-z0-9]+){re.escape(tail)}"
    match = re.fullmatch(pattern, zone.lower())
    return match["region"] if match else None
