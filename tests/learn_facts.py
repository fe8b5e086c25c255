"""The Azure facts the tests hold the code to, each written once, as Microsoft Learn states it.

A test that takes its expected value from the table it checks passes whatever the table says.
These literals are the tests' own oracle: never build them from the package's tables. When
Learn changes, change the fact here first (with its source); the tests then show every place
the code must follow.
"""

from __future__ import annotations

from collections.abc import Mapping

# Learn, "Run an ACR task on a dedicated agent pool" (container-registry/tasks-agent-pools),
# "Create pool in a virtual network" > "Add firewall rules": outbound, TCP, source
# VirtualNetwork, any source port, to these service tags on these ports; AzureMonitor's 12000
# is "a unique port used for diagnostics".
AGENT_POOL_EGRESS: Mapping[str, tuple[int, ...]] = {
    "AzureKeyVault": (443,),
    "Storage": (443,),
    "EventHub": (443,),
    "AzureActiveDirectory": (443,),
    "AzureMonitor": (443, 12000),
}
AGENT_POOL_FLOWS: frozenset[str] = frozenset(
    f"TCP {port} to {tag}" for tag, ports in AGENT_POOL_EGRESS.items() for port in ports
)
"""Each required flow as the rules and the messages print it."""

# Same page, "Advanced network configuration": "At minimum, the following service endpoints
# will be required", Microsoft.ContainerRegistry "only if the registry is not using a private
# link" (and ACR cannot take both from one VNet: container-registry-private-link).
AGENT_SUBNET_SERVICE_ENDPOINTS: tuple[str, ...] = (
    "Microsoft.AzureActiveDirectory",
    "Microsoft.EventHub",
    "Microsoft.KeyVault",
    "Microsoft.Storage",
)
REGISTRY_SERVICE_ENDPOINT = "Microsoft.ContainerRegistry"

# Learn, "Azure Private Endpoint private DNS zone values" (private-link/private-endpoint-dns),
# sections "Commercial", "Government" and "China" (the China copy also at
# docs.azure.cn/private-link/private-endpoint-dns): Container Registry "registry", Storage
# "blob", Key Vault "vault", and Azure Kubernetes Service "management" with {region} for the
# cluster's region name (aks/private-clusters, "Configure a private DNS zone").
PRIVATE_DNS_ZONES: Mapping[str, Mapping[str, str]] = {
    "public": {
        "registry": "privatelink.azurecr.io",
        "blob": "privatelink.blob.core.windows.net",
        "vault": "privatelink.vaultcore.azure.net",
        "aks": "privatelink.{region}.azmk8s.io",
    },
    "usgovernment": {
        "registry": "privatelink.azurecr.us",
        "blob": "privatelink.blob.core.usgovcloudapi.net",
        "vault": "privatelink.vaultcore.usgovcloudapi.net",
        "aks": "privatelink.{region}.cx.aks.containerservice.azure.us",
    },
    "china": {
        "registry": "privatelink.azurecr.cn",
        "blob": "privatelink.blob.core.chinacloudapi.cn",
        "vault": "privatelink.vaultcore.azure.cn",
        "aks": "privatelink.{region}.cx.prod.service.azk8s.cn",
    },
}

# Learn, "Azure built-in roles" (role-based-access-control/built-in-roles: containers,
# privileged, general, networking, storage and security; each role's "ID", its JSON "name").
# The roles this project assigns, and those the build-identity policy judges in its cases.
ROLE_IDS: Mapping[str, str] = {
    "AcrDelete": "c2f4ef07-c644-48eb-af81-4b1b4947fb11",
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "AcrPush": "8311e382-0749-4cb8-b61a-304f252e45ec",
    "Azure Kubernetes Service Cluster User Role": "4abbcc35-e782-43d8-92c5-2d3f1bd2253f",
    "Azure Kubernetes Service RBAC Writer": "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb",
    "Container Registry Contributor and Data Access Configuration Administrator": (
        "3bc748fc-213d-45c1-8d91-9da5725539b9"
    ),
    "Container Registry Data Importer and Data Reader": "577a9874-89fd-4f24-9dbd-b5034d0ad23a",
    "Container Registry Repository Contributor": "2efddaa5-3f1f-4df3-97df-af3f13818f4c",
    "Container Registry Repository Writer": "2a1e307c-b015-4ebd-883e-5b7698a07328",
    "Container Registry Tasks Contributor": "fb382eab-e894-4461-af04-94435c366c3f",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Private DNS Zone Contributor": "b12aa53e-6015-4669-85d0-8515ebb3ae7f",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
}

# The custom roles the components create, each action named as Learn's "Azure permissions for
# Containers" (role-based-access-control/permissions/containers, Microsoft.ContainerRegistry)
# lists it. The build trigger follows runs: their status and their log link (`az acr task
# show-run`, `az acr task logs`, which read the registry first); it starts none.
SCHEDULE_RUN = "Microsoft.ContainerRegistry/registries/scheduleRun/action"
UPLOAD_URL = "Microsoft.ContainerRegistry/registries/listBuildSourceUploadUrl/action"
BUILD_TRIGGER_ACTIONS: tuple[str, ...] = (
    "Microsoft.ContainerRegistry/registries/read",
    "Microsoft.ContainerRegistry/registries/runs/read",
    "Microsoft.ContainerRegistry/registries/runs/listLogSasUrl/action",
)
# buildTrigger.quickBuilds adds what `az acr build --agent-pool` calls: schedule the run, upload
# the context, and read the pool the run names (container-registry/
# tasks-agent-pools-permission-migration).
QUICK_BUILD_ACTIONS: tuple[str, ...] = (
    SCHEDULE_RUN,
    UPLOAD_URL,
    "Microsoft.ContainerRegistry/registries/agentpools/read",
)
# The build broker: start a run of a task, and hand out an upload location for its context.
BROKER_ACTIONS: tuple[str, ...] = (SCHEDULE_RUN, UPLOAD_URL)
# The pool scaler: the PATCH of a pool's count is a write of the pool ("Agent Pools - Update").
POOL_SCALER_ACTIONS: tuple[str, ...] = ("Microsoft.ContainerRegistry/registries/agentpools/write",)

# Learn, azure-monitor/reference/supported-logs/<type>-logs and supported-metrics: the log and
# metric categories this project sends for each resource type.
LOG_CATEGORIES: Mapping[str, tuple[str, ...]] = {
    "Microsoft.ContainerRegistry/registries": (
        "ContainerRegistryRepositoryEvents",
        "ContainerRegistryLoginEvents",
    ),
    "Microsoft.ContainerService/managedClusters": ("kube-apiserver", "kube-audit-admin", "guard"),
    "Microsoft.KeyVault/vaults": ("AuditEvent",),
    "Microsoft.Storage/storageAccounts/blobServices": (
        "StorageRead",
        "StorageWrite",
        "StorageDelete",
    ),
}
METRIC_CATEGORIES: Mapping[str, tuple[str, ...]] = {
    "Microsoft.ContainerRegistry/registries": ("AllMetrics",),
    "Microsoft.ContainerService/managedClusters": (),
    "Microsoft.KeyVault/vaults": ("AllMetrics",),
    "Microsoft.Storage/storageAccounts/blobServices": ("Transaction",),
}

# A cron day of the week as the Logic Apps recurrence names it. Cron numbers the days from 0,
# Sunday (NCrontab, which ACR Tasks timers use: container-registry-tasks-scheduled, "Cron
# expressions"; `az acr task timer add`: "30 9 * * 1-5" runs "at 09:30 (UTC) every day of the
# week from Monday through Friday"); Learn, logic-apps-workflow-actions-triggers, "Recurrence
# trigger": "weekDays" takes "Monday", "Tuesday", ..., "Sunday", "frequency" "Day" or "Week".
CRON_WEEK_DAYS: Mapping[int, str] = {
    0: "Sunday",
    1: "Monday",
    2: "Tuesday",
    3: "Wednesday",
    4: "Thursday",
    5: "Friday",
    6: "Saturday",
}

# Learn, azure-government/documentation-government-get-started-connect-with-ps, "Get current
# regions" (ms.date 01/18/2023): each Azure Government region's display name and location
# name.
GOVERNMENT_REGIONS: Mapping[str, str] = {
    "USGov Virginia": "usgovvirginia",
    "USGov Texas": "usgovtexas",
    "USGov Arizona": "usgovarizona",
    "USDoD East": "usdodeast",
    "USDoD Central": "usdodcentral",
}
# docs.azure.cn, reliability/regions-list, "Azure regions list": Azure operated by 21Vianet.
CHINA_REGIONS: Mapping[str, str] = {
    "China East": "chinaeast",
    "China East 2": "chinaeast2",
    "China East 3": "chinaeast3",
    "China North": "chinanorth",
    "China North 2": "chinanorth2",
    "China North 3": "chinanorth3",
}
# Learn, reliability/regions-list, "Azure regions list" (ms.date 09/23/2025): a few public
# regions by display name and programmatic name, restricted ones (Sweden South, named there as
# Sweden Central's pair; Australia Central 2) among them; and agent pools' Jio India West
# (container-registry/tasks-agent-pools, "Preview limitations").
PUBLIC_REGIONS: Mapping[str, str] = {
    "East US 2": "eastus2",
    "West US 3": "westus3",
    "Sweden Central": "swedencentral",
    "Sweden South": "swedensouth",
    "Australia Central 2": "australiacentral2",
    "Jio India West": "jioindiawest",
}
