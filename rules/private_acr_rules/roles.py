"""Azure role facts: built-in roles and what they permit, the operations a build trigger needs,
and one check of what any role (built-in or custom) permits.

Sources:
- Built-in roles, their GUIDs and permissions: Learn, "Azure built-in roles"
  (role-based-access-control/built-in-roles/containers.md, ms.date 06/30/2025, for the registry
  roles; privileged.md, ms.date 07/01/2026, for Owner, Contributor, User Access Administrator and
  Role Based Access Control Administrator; general.md for Reader; security.md for Key Vault
  Secrets User). ``ROLE_PERMISSIONS`` copies the ``permissions`` of each role's JSON as Learn
  prints it.
- Operation names: Learn, "Azure permissions for Containers"
  (role-based-access-control/permissions/containers.md, #microsoftcontainerregistry), the
  resource provider operations list.
- Evaluation: Learn, role-based-access-control/role-definitions.md: ``*`` in an operation
  matches any string; ``NotActions`` (``NotDataActions``) subtract from the ``Actions``
  (``DataActions``) of the same permission; operation names are case-insensitive. A role's
  assignment applies at its scope and every scope below it (Learn, rbac "Scope": "If you assign
  a role at a parent scope, those permissions are inherited to the child scopes"), so a role on
  the registry's resource group or subscription holds on the registry.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Permission:
    """One entry of a role definition's ``permissions`` (operation patterns, any case)."""

    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    data_actions: tuple[str, ...] = ()
    not_data_actions: tuple[str, ...] = ()


_REGISTRY = "Microsoft.ContainerRegistry/registries"
_READ_ALL = "*/read"

ROLE_PERMISSIONS: Mapping[str, tuple[Permission, ...]] = {
    # privileged.md
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": (Permission(actions=("*",)),),  # Owner
    "b24988ac-6180-42a0-ab88-20f7382dd24c": (  # Contributor
        Permission(
            actions=("*",),
            not_actions=(
                "Microsoft.Authorization/*/Delete",
                "Microsoft.Authorization/*/Write",
                "Microsoft.Authorization/elevateAccess/Action",
                "Microsoft.Blueprint/blueprintAssignments/write",
                "Microsoft.Blueprint/blueprintAssignments/delete",
                "Microsoft.Compute/galleries/share/action",
                "Microsoft.Purview/consents/write",
                "Microsoft.Purview/consents/delete",
                "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
                "Microsoft.Subscription/cancel/action",
                "Microsoft.Subscription/enable/action",
            ),
        ),
    ),
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": (  # User Access Administrator
        Permission(actions=(_READ_ALL, "Microsoft.Authorization/*", "Microsoft.Support/*")),
    ),
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168": (  # Role Based Access Control Administrator
        Permission(
            actions=(
                "Microsoft.Authorization/roleAssignments/write",
                "Microsoft.Authorization/roleAssignments/delete",
                _READ_ALL,
                "Microsoft.Support/*",
            )
        ),
    ),
    # general.md
    "acdd72a7-3385-48ef-bd42-f606fba81ae7": (Permission(actions=(_READ_ALL,)),),  # Reader
    # containers.md
    "c2f4ef07-c644-48eb-af81-4b1b4947fb11": (  # AcrDelete
        Permission(actions=(f"{_REGISTRY}/artifacts/delete",)),
    ),
    "6cef56e8-d556-48e5-a04f-b8e64114680f": (  # AcrImageSigner
        Permission(
            actions=(f"{_REGISTRY}/sign/write",),
            data_actions=(f"{_REGISTRY}/trustedCollections/write",),
        ),
    ),
    "7f951dda-4ed3-4680-a7ca-43fe172d538d": (  # AcrPull
        Permission(actions=(f"{_REGISTRY}/pull/read",)),
    ),
    "8311e382-0749-4cb8-b61a-304f252e45ec": (  # AcrPush
        Permission(actions=(f"{_REGISTRY}/pull/read", f"{_REGISTRY}/push/write")),
    ),
    "cdda3590-29a3-44f6-95f2-9f980659eb04": (  # AcrQuarantineReader
        Permission(
            actions=(f"{_REGISTRY}/quarantine/read",),
            data_actions=(f"{_REGISTRY}/quarantinedArtifacts/read",),
        ),
    ),
    "c8d4ff99-41c3-41a8-9f60-21dfdad59608": (  # AcrQuarantineWriter
        Permission(
            actions=(f"{_REGISTRY}/quarantine/read", f"{_REGISTRY}/quarantine/write"),
            data_actions=(
                f"{_REGISTRY}/quarantinedArtifacts/read",
                f"{_REGISTRY}/quarantinedArtifacts/write",
            ),
        ),
    ),
    "df87f177-bb12-4db1-9793-a413691eff94": (  # Container Registry Cache Rule Administrator
        Permission(
            actions=(
                f"{_REGISTRY}/cacheRules/read",
                f"{_REGISTRY}/cacheRules/write",
                f"{_REGISTRY}/cacheRules/delete",
                f"{_REGISTRY}/cacheRules/operationStatuses/read",
            )
        ),
    ),
    "c357b964-0002-4b64-a50d-7a28f02edc52": (  # Container Registry Cache Rule Reader
        Permission(actions=(f"{_REGISTRY}/cacheRules/read",)),
    ),
    "69b07be0-09bf-439a-b9a6-e73de851bd59": (  # ... Configuration Reader and Data Access Configuration Reader
        Permission(
            actions=(
                f"{_REGISTRY}/operationStatuses/read",
                f"{_REGISTRY}/read",
                f"{_REGISTRY}/privateEndpointConnections/read",
                f"{_REGISTRY}/privateEndpointConnections/operationStatuses/read",
                f"{_REGISTRY}/listCredentials/action",
                f"{_REGISTRY}/tokens/read",
                f"{_REGISTRY}/tokens/operationStatuses/read",
                f"{_REGISTRY}/scopeMaps/read",
                f"{_REGISTRY}/scopeMaps/operationStatuses/read",
                f"{_REGISTRY}/webhooks/read",
                f"{_REGISTRY}/webhooks/getCallbackConfig/action",
                f"{_REGISTRY}/webhooks/listEvents/action",
                f"{_REGISTRY}/webhooks/operationStatuses/read",
                f"{_REGISTRY}/replications/read",
                f"{_REGISTRY}/replications/operationStatuses/read",
                f"{_REGISTRY}/connectedRegistries/read",
                f"{_REGISTRY}/providers/Microsoft.Insights/diagnosticSettings/read",
                f"{_REGISTRY}/providers/Microsoft.Insights/diagnosticSettings/write",
                f"{_REGISTRY}/providers/Microsoft.Insights/logDefinitions/read",
                f"{_REGISTRY}/providers/Microsoft.Insights/metricDefinitions/read",
                "Microsoft.Insights/AlertRules/Write",
                "Microsoft.Insights/AlertRules/Delete",
                "Microsoft.Insights/AlertRules/Read",
                "Microsoft.Insights/AlertRules/Activated/Action",
                "Microsoft.Insights/AlertRules/Resolved/Action",
                "Microsoft.Insights/AlertRules/Throttled/Action",
                "Microsoft.Insights/AlertRules/Incidents/Read",
            )
        ),
    ),
    "3bc748fc-213d-45c1-8d91-9da5725539b9": (  # ... Contributor and Data Access Configuration Administrator
        Permission(
            actions=(
                "Microsoft.Resources/subscriptions/resourceGroups/read",
                f"{_REGISTRY}/operationStatuses/read",
                f"{_REGISTRY}/read",
                f"{_REGISTRY}/write",
                f"{_REGISTRY}/delete",
                f"{_REGISTRY}/listCredentials/action",
                f"{_REGISTRY}/regenerateCredential/action",
                f"{_REGISTRY}/generateCredentials/action",
                f"{_REGISTRY}/replications/read",
                f"{_REGISTRY}/replications/write",
                f"{_REGISTRY}/replications/delete",
                f"{_REGISTRY}/replications/operationStatuses/read",
                f"{_REGISTRY}/privateEndpointConnectionsApproval/action",
                f"{_REGISTRY}/privateEndpointConnections/read",
                f"{_REGISTRY}/privateEndpointConnections/write",
                f"{_REGISTRY}/privateEndpointConnections/delete",
                f"{_REGISTRY}/privateEndpointConnections/operationStatuses/read",
                f"{_REGISTRY}/tokens/read",
                f"{_REGISTRY}/tokens/write",
                f"{_REGISTRY}/tokens/delete",
                f"{_REGISTRY}/tokens/operationStatuses/read",
                f"{_REGISTRY}/scopeMaps/read",
                f"{_REGISTRY}/scopeMaps/write",
                f"{_REGISTRY}/scopeMaps/delete",
                f"{_REGISTRY}/scopeMaps/operationStatuses/read",
                f"{_REGISTRY}/providers/Microsoft.Insights/diagnosticSettings/read",
                f"{_REGISTRY}/providers/Microsoft.Insights/diagnosticSettings/write",
                f"{_REGISTRY}/providers/Microsoft.Insights/logDefinitions/read",
                f"{_REGISTRY}/providers/Microsoft.Insights/metricDefinitions/read",
                "Microsoft.Resources/deployments/*",
                "Microsoft.Authorization/*/read",
                f"{_REGISTRY}/connectedRegistries/read",
                f"{_REGISTRY}/connectedRegistries/write",
                f"{_REGISTRY}/connectedRegistries/delete",
                f"{_REGISTRY}/connectedRegistries/deactivate/action",
                f"{_REGISTRY}/webhooks/read",
                f"{_REGISTRY}/webhooks/write",
                f"{_REGISTRY}/webhooks/delete",
                f"{_REGISTRY}/webhooks/getCallbackConfig/action",
                f"{_REGISTRY}/webhooks/ping/action",
                f"{_REGISTRY}/webhooks/listEvents/action",
                f"{_REGISTRY}/webhooks/operationStatuses/read",
                "Microsoft.Insights/AlertRules/Write",
                "Microsoft.Insights/AlertRules/Delete",
                "Microsoft.Insights/AlertRules/Read",
                "Microsoft.Insights/AlertRules/Activated/Action",
                "Microsoft.Insights/AlertRules/Resolved/Action",
                "Microsoft.Insights/AlertRules/Throttled/Action",
                "Microsoft.Insights/AlertRules/Incidents/Read",
                "Microsoft.ContainerRegistry/locations/operationResults/read",
                "Microsoft.Network/virtualNetworks/subnets/joinViaServiceEndpoint/action",
                "Microsoft.Network/virtualNetworks/subnets/read",
                "Microsoft.Network/virtualNetworks/subnets/write",
                "Microsoft.Network/virtualNetworks/read",
                "Microsoft.Network/privateEndpoints/privateLinkServiceProxies/write",
            )
        ),
    ),
    "f094fb07-0703-4400-ad6a-e16dd8000e14": (  # Container Registry Credential Set Administrator
        Permission(
            actions=(
                f"{_REGISTRY}/credentialSets/read",
                f"{_REGISTRY}/credentialSets/write",
                f"{_REGISTRY}/credentialSets/delete",
                f"{_REGISTRY}/credentialSets/operationStatuses/read",
            )
        ),
    ),
    "29093635-9924-4f2c-913b-650a12949526": (  # Container Registry Credential Set Reader
        Permission(actions=(f"{_REGISTRY}/credentialSets/read",)),
    ),
    "577a9874-89fd-4f24-9dbd-b5034d0ad23a": (  # Container Registry Data Importer and Data Reader
        Permission(
            actions=(
                f"{_REGISTRY}/importImage/action",
                f"{_REGISTRY}/read",
                f"{_REGISTRY}/pull/read",
            ),
            data_actions=(
                f"{_REGISTRY}/repositories/content/read",
                f"{_REGISTRY}/repositories/metadata/read",
                f"{_REGISTRY}/catalog/read",
            ),
        ),
    ),
    "bfdb9389-c9a5-478a-bb2f-ba9ca092c3c7": (  # Container Registry Repository Catalog Lister
        Permission(data_actions=(f"{_REGISTRY}/catalog/read",)),
    ),
    "2efddaa5-3f1f-4df3-97df-af3f13818f4c": (  # Container Registry Repository Contributor
        Permission(
            data_actions=(
                f"{_REGISTRY}/repositories/metadata/read",
                f"{_REGISTRY}/repositories/content/read",
                f"{_REGISTRY}/repositories/metadata/write",
                f"{_REGISTRY}/repositories/content/write",
                f"{_REGISTRY}/repositories/metadata/delete",
                f"{_REGISTRY}/repositories/content/delete",
            )
        ),
    ),
    "b93aa761-3e63-49ed-ac28-beffa264f7ac": (  # Container Registry Repository Reader
        Permission(
            data_actions=(
                f"{_REGISTRY}/repositories/metadata/read",
                f"{_REGISTRY}/repositories/content/read",
            )
        ),
    ),
    "2a1e307c-b015-4ebd-883e-5b7698a07328": (  # Container Registry Repository Writer
        Permission(
            data_actions=(
                f"{_REGISTRY}/repositories/metadata/read",
                f"{_REGISTRY}/repositories/content/read",
                f"{_REGISTRY}/repositories/metadata/write",
                f"{_REGISTRY}/repositories/content/write",
            )
        ),
    ),
    "fb382eab-e894-4461-af04-94435c366c3f": (  # Container Registry Tasks Contributor
        Permission(
            actions=(
                f"{_REGISTRY}/agentpools/read",
                f"{_REGISTRY}/agentpools/write",
                f"{_REGISTRY}/agentpools/delete",
                f"{_REGISTRY}/agentpools/listQueueStatus/action",
                f"{_REGISTRY}/agentpools/operationResults/status/read",
                f"{_REGISTRY}/agentpools/operationStatuses/read",
                f"{_REGISTRY}/tasks/read",
                f"{_REGISTRY}/tasks/write",
                f"{_REGISTRY}/tasks/delete",
                f"{_REGISTRY}/tasks/listDetails/action",
                f"{_REGISTRY}/scheduleRun/action",
                f"{_REGISTRY}/listBuildSourceUploadUrl/action",
                f"{_REGISTRY}/runs/read",
                f"{_REGISTRY}/runs/write",
                f"{_REGISTRY}/runs/listLogSasUrl/action",
                f"{_REGISTRY}/runs/cancel/action",
                f"{_REGISTRY}/taskruns/read",
                f"{_REGISTRY}/taskruns/write",
                f"{_REGISTRY}/taskruns/delete",
                f"{_REGISTRY}/taskruns/listDetails/action",
                f"{_REGISTRY}/taskruns/operationStatuses/read",
                "Microsoft.Resources/deployments/*",
                "Microsoft.Resources/subscriptions/resourceGroups/read",
                f"{_REGISTRY}/read",
            )
        ),
    ),
    "bf94e731-3a51-4a7c-8c54-a1ab9971dfc1": (  # Container Registry Transfer Pipeline Contributor
        Permission(
            actions=(
                f"{_REGISTRY}/exportPipelines/read",
                f"{_REGISTRY}/exportPipelines/write",
                f"{_REGISTRY}/exportPipelines/delete",
                f"{_REGISTRY}/importPipelines/read",
                f"{_REGISTRY}/importPipelines/write",
                f"{_REGISTRY}/importPipelines/delete",
                f"{_REGISTRY}/pipelineRuns/read",
                f"{_REGISTRY}/pipelineRuns/write",
                f"{_REGISTRY}/pipelineRuns/delete",
                f"{_REGISTRY}/pipelineRuns/operationStatuses/read",
            )
        ),
    ),
}
"""The permissions of each built-in role that can act on a registry, or on everything under a
scope above it, by role definition GUID (Learn, "Azure built-in roles", see the module's
sources). Roles of other services (Network Contributor, Storage Blob Data Reader...) are not
here: an assignment of one of those at a scope holding a registry is reported as not checked."""

_ROLE_NAMES: Mapping[str, str] = {
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "Role Based Access Control Administrator": "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    "AcrDelete": "c2f4ef07-c644-48eb-af81-4b1b4947fb11",
    "AcrImageSigner": "6cef56e8-d556-48e5-a04f-b8e64114680f",
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "AcrPush": "8311e382-0749-4cb8-b61a-304f252e45ec",
    "AcrQuarantineReader": "cdda3590-29a3-44f6-95f2-9f980659eb04",
    "AcrQuarantineWriter": "c8d4ff99-41c3-41a8-9f60-21dfdad59608",
    "Container Registry Cache Rule Administrator": "df87f177-bb12-4db1-9793-a413691eff94",
    "Container Registry Cache Rule Reader": "c357b964-0002-4b64-a50d-7a28f02edc52",
    "Container Registry Configuration Reader and Data Access Configuration Reader": (
        "69b07be0-09bf-439a-b9a6-e73de851bd59"
    ),
    "Container Registry Contributor and Data Access Configuration Administrator": (
        "3bc748fc-213d-45c1-8d91-9da5725539b9"
    ),
    "Container Registry Credential Set Administrator": "f094fb07-0703-4400-ad6a-e16dd8000e14",
    "Container Registry Credential Set Reader": "29093635-9924-4f2c-913b-650a12949526",
    "Container Registry Data Importer and Data Reader": "577a9874-89fd-4f24-9dbd-b5034d0ad23a",
    "Container Registry Repository Catalog Lister": "bfdb9389-c9a5-478a-bb2f-ba9ca092c3c7",
    "Container Registry Repository Contributor": "2efddaa5-3f1f-4df3-97df-af3f13818f4c",
    "Container Registry Repository Reader": "b93aa761-3e63-49ed-ac28-beffa264f7ac",
    "Container Registry Repository Writer": "2a1e307c-b015-4ebd-883e-5b7698a07328",
    "Container Registry Tasks Contributor": "fb382eab-e894-4461-af04-94435c366c3f",
    "Container Registry Transfer Pipeline Contributor": "bf94e731-3a51-4a7c-8c54-a1ab9971dfc1",
}

BUILTIN_ROLES: Mapping[str, str] = {
    **_ROLE_NAMES,
    # Roles the components assign on other resources (their GUIDs from the same Learn pages).
    "Azure Kubernetes Service Cluster User Role": "4abbcc35-e782-43d8-92c5-2d3f1bd2253f",
    "Azure Kubernetes Service RBAC Writer": "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
    "Private DNS Zone Contributor": "b12aa53e-6015-4669-85d0-8515ebb3ae7f",
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
}
"""Built-in role names and their role definition GUIDs."""
BUILTIN_ROLE_NAMES: Mapping[str, str] = {guid: name for name, guid in BUILTIN_ROLES.items()}

SCHEDULE_RUN = f"{_REGISTRY}/scheduleRun/action"
"""Schedule a run against a container registry: what makes an identity a build trigger."""

BUILD_TRIGGER_ACTIONS: tuple[str, ...] = (
    # `az acr task logs` and `az acr task show-run` read the registry first (azure-cli
    # command_modules/acr/_utils.py validate_managed_registry -> registries.get).
    f"{_REGISTRY}/read",
    # Follow a run: its status (`az acr task show-run`) and its log link (`az acr task logs`).
    f"{_REGISTRY}/runs/read",
    f"{_REGISTRY}/runs/listLogSasUrl/action",
)
"""What the in-cluster trigger holds on the registry: following the runs the build broker
starts, nothing that starts one. Azure RBAC cannot tell a task run from a quick run
(``scheduleRun/action`` authorizes both, and a quick run executes whatever steps its caller
sends), so starting runs is the broker's (``BROKER_ACTIONS``, ``build_broker``)."""

QUICK_BUILD_ACTIONS: tuple[str, ...] = (
    SCHEDULE_RUN,
    # Upload a local build context (_utils.py prepare_source_location -> upload_source_code).
    f"{_REGISTRY}/listBuildSourceUploadUrl/action",
    # From June 2027 a run naming an agent pool needs read access to that pool (Learn,
    # container-registry/tasks-agent-pools-permission-migration).
    f"{_REGISTRY}/agentpools/read",
)
"""What ``az acr build --agent-pool`` adds, for a trigger that opts into quick builds: the
right to run any Dockerfile, and with ``az acr run`` any steps, on the registry's pools, with a
run token that can push and delete."""

BROKER_ACTIONS: tuple[str, ...] = (
    # Start a run of a task (a TaskRunRequest; what `az acr task run` calls). The request names
    # no agent pool (the task has one), so the pool read that Learn's
    # tasks-agent-pools-permission-migration requires from June 2027 of "requests that specify
    # agentPoolName" does not apply.
    SCHEDULE_RUN,
    # Hand out an upload location for a build context (what `az acr task run --context .`
    # calls before it schedules the run).
    f"{_REGISTRY}/listBuildSourceUploadUrl/action",
)
"""What the build broker's identity holds on the registry: starting runs and nothing that
reads a run, reads a task or its secrets (``tasks/listDetails``), writes a task or pool, or
pushes."""

AKS_SUBNET_ACTIONS: tuple[str, ...] = (
    "Microsoft.Network/virtualNetworks/subnets/join/action",
    "Microsoft.Network/virtualNetworks/subnets/read",
)
"""What an AKS cluster identity needs on the node subnet of a VNet it does not own: Learn,
aks/aks-service-permissions ("Additional AKS cluster identity permissions"), both "Required if
using a subnet in another resource group such as a custom VNET", where Network Contributor
would also let it rewrite every route, NSG and peering the role reaches. Learn's
concepts-network-cni-overview also lists ``Microsoft.Authorization/roleAssignments/write``
"Always when using a custom role"; aks-service-permissions, the page of the identity's own
permissions, does not, and a right to assign roles is more than joining a subnet, so it is
not granted."""

POOL_SCALER_ACTIONS: tuple[str, ...] = (f"{_REGISTRY}/agentpools/write",)
"""All an idle-scaling schedule needs: the PATCH that sets a pool's count is a write of the pool
(``idle_scaling``). Assigned on the pool alone, it cannot touch another pool, the registry, its
tasks or its images; no built-in role is this narrow (Container Registry Tasks Contributor also
writes tasks and runs)."""

OVERPRIVILEGED_OPERATIONS: tuple[str, ...] = (
    f"{_REGISTRY}/write",
    f"{_REGISTRY}/delete",
    f"{_REGISTRY}/push/write",
    f"{_REGISTRY}/importImage/action",
    # Other ways images enter the registry: a transfer pipeline run, an artifact cache rule.
    f"{_REGISTRY}/pipelineRuns/write",
    f"{_REGISTRY}/cacheRules/write",
    f"{_REGISTRY}/artifacts/delete",
    f"{_REGISTRY}/listCredentials/action",
    f"{_REGISTRY}/regenerateCredential/action",
    f"{_REGISTRY}/generateCredentials/action",
    f"{_REGISTRY}/tokens/write",
    f"{_REGISTRY}/tasks/write",
    f"{_REGISTRY}/tasks/delete",
    f"{_REGISTRY}/agentpools/write",
    f"{_REGISTRY}/agentpools/delete",
    "Microsoft.Authorization/roleAssignments/write",
    "Microsoft.Authorization/roleDefinitions/write",
)
"""Control-plane operations that let a build or trigger identity write images, mint registry
credentials, rewrite tasks and pools or grant itself more (assign a role, or widen the custom
role it holds): a role, built-in or custom, that permits any of them on the registry is more
than a build needs."""

OVERPRIVILEGED_DATA_OPERATIONS: tuple[str, ...] = (
    f"{_REGISTRY}/repositories/content/write",
    f"{_REGISTRY}/repositories/content/delete",
)
"""Data-plane push and delete (ABAC-enabled registries)."""


_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def role_guid(role_definition_id: object) -> str | None:
    """The role definition GUID of an id in any form and letter case: the bare GUID, or the
    last segment of ``/providers/Microsoft.Authorization/roleDefinitions/<GUID>`` under any
    scope (subscription, management group, none); ``None`` when it holds no GUID."""
    if not isinstance(role_definition_id, str):
        return None
    last = role_definition_id.strip().rstrip("/").rsplit("/", 1)[-1].strip("{}").lower()
    return last if _GUID.fullmatch(last) else None


def builtin_permissions(role_definition_id: object) -> tuple[Permission, ...] | None:
    """What a built-in role permits (``ROLE_PERMISSIONS``); ``None`` when it is not there."""
    guid = role_guid(role_definition_id)
    return ROLE_PERMISSIONS.get(guid) if guid else None


@functools.lru_cache(maxsize=2048)
def _pattern(operation: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in operation.split("*")), re.IGNORECASE)


def _matches(patterns: Iterable[str], operation: str) -> bool:
    return any(_pattern(p).fullmatch(operation) for p in patterns)


def grants(allowed: Iterable[str], denied: Iterable[str], operation: str) -> bool:
    """Whether ``allowed`` patterns minus ``denied`` ones (Actions minus NotActions) cover ``operation``."""
    return _matches(allowed, operation) and not _matches(denied, operation)


def permits(permissions: Sequence[Permission], operation: str, *, data: bool = False) -> bool:
    """Whether a role with these ``permissions`` may perform ``operation`` (a data action when
    ``data``): some permission entry allows it and that entry's exclusions do not take it out."""
    for permission in permissions:
        if data and grants(permission.data_actions, permission.not_data_actions, operation):
            return True
        if not data and grants(permission.actions, permission.not_actions, operation):
            return True
    return False


def excess_operations(permissions: Sequence[Permission]) -> list[str]:
    """The operations of ``OVERPRIVILEGED_OPERATIONS`` and ``OVERPRIVILEGED_DATA_OPERATIONS``
    that ``permissions`` permit: what makes a role more than a build or its trigger needs."""
    return [op for op in OVERPRIVILEGED_OPERATIONS if permits(permissions, op)] + [
        op for op in OVERPRIVILEGED_DATA_OPERATIONS if permits(permissions, op, data=True)
    ]
