"""Azure role facts: built-in role ids, the operations a build trigger needs, and which roles
give a build or trigger identity more than that.

Sources:
- Built-in role ids and their actions: Learn, role-based-access-control/built-in-roles
  (containers.md for the registry and AKS roles, privileged.md for Owner and Contributor,
  security.md for Key Vault Secrets User: "Read secret contents", the data action
  ``Microsoft.KeyVault/vaults/secrets/getSecret/action`` and nothing else).
- Operation names: Learn, "Azure permissions for Containers"
  (role-based-access-control/permissions/containers.md, #microsoftcontainerregistry), the
  resource provider operations list.
- Wildcards: Learn, role-based-access-control/role-definitions.md ("Actions": ``*`` matches
  any string; ``NotActions`` subtract from ``Actions``; operation names are case-insensitive).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

BUILTIN_ROLES: Mapping[str, str] = {
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "AcrPush": "8311e382-0749-4cb8-b61a-304f252e45ec",
    "Azure Kubernetes Service Cluster User Role": "4abbcc35-e782-43d8-92c5-2d3f1bd2253f",
    "Azure Kubernetes Service RBAC Writer": "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb",
    "Container Registry Repository Contributor": "2efddaa5-3f1f-4df3-97df-af3f13818f4c",
    "Container Registry Repository Writer": "2a1e307c-b015-4ebd-883e-5b7698a07328",
    "Container Registry Tasks Contributor": "fb382eab-e894-4461-af04-94435c366c3f",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Private DNS Zone Contributor": "b12aa53e-6015-4669-85d0-8515ebb3ae7f",
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
}
BUILTIN_ROLE_NAMES: Mapping[str, str] = {guid: name for name, guid in BUILTIN_ROLES.items()}

_REGISTRY = "Microsoft.ContainerRegistry/registries"
SCHEDULE_RUN = f"{_REGISTRY}/scheduleRun/action"
"""Schedule a run against a container registry: what makes an identity a build trigger."""

BUILD_TRIGGER_ACTIONS: tuple[str, ...] = (
    # `az acr task run` and `az acr build` read the registry first (azure-cli
    # command_modules/acr/_utils.py validate_managed_registry -> registries.get).
    f"{_REGISTRY}/read",
    SCHEDULE_RUN,
    # Upload a local build context (_utils.py prepare_source_location -> upload_source_code).
    f"{_REGISTRY}/listBuildSourceUploadUrl/action",
    # Follow a run: its status (--no-logs polling, `az acr task list-runs`) and its log link.
    f"{_REGISTRY}/runs/read",
    f"{_REGISTRY}/runs/listLogSasUrl/action",
    # `az acr task run` reads the task, with its details, for the run's timeout (task.py
    # acr_task_run -> get_task_details_by_name -> tasks.get_details). Details include the
    # task's secret values and registry credentials: keep those as Key Vault references.
    f"{_REGISTRY}/tasks/read",
    f"{_REGISTRY}/tasks/listDetails/action",
    # From June 2027 a run naming an agent pool needs read access to that pool (Learn,
    # container-registry/tasks-agent-pools-permission-migration).
    f"{_REGISTRY}/agentpools/read",
)
"""Every operation the in-cluster trigger needs, each listed for Microsoft.ContainerRegistry in
the resource provider operations list. Container Registry Tasks Contributor has all of them
and also tasks/write and delete, agentpools/write and delete, runs/write and cancel and
taskruns/*; Microsoft describes that role as usable "for full registry data plane
permissions including reading/writing/deleting container images"."""

POOL_SCALER_ACTIONS: tuple[str, ...] = (f"{_REGISTRY}/agentpools/write",)
"""All an idle-scaling schedule needs: the PATCH that sets a pool's count is a write of the pool
(``idle_scaling``). Assigned on the pool alone, it cannot touch another pool, the registry, its
tasks or its images; no built-in role is this narrow (Container Registry Tasks Contributor also
writes tasks and runs)."""

OVERPRIVILEGED_ROLES: tuple[str, ...] = (
    "Owner",
    "Contributor",
    "Container Registry Tasks Contributor",
    "AcrPush",
    "Container Registry Repository Writer",
    "Container Registry Repository Contributor",
)
"""Built-in roles a build or trigger identity must not hold on its registry: they manage the
registry or its tasks and pools, or push images (AcrPush; the repository Writer and
Contributor roles are the push roles of ABAC-enabled registries)."""

OVERPRIVILEGED_OPERATIONS: tuple[str, ...] = (
    f"{_REGISTRY}/write",
    f"{_REGISTRY}/delete",
    f"{_REGISTRY}/push/write",
    f"{_REGISTRY}/importImage/action",
    f"{_REGISTRY}/artifacts/delete",
    f"{_REGISTRY}/listCredentials/action",
    f"{_REGISTRY}/tokens/write",
    f"{_REGISTRY}/tasks/write",
    f"{_REGISTRY}/tasks/delete",
    f"{_REGISTRY}/agentpools/write",
    f"{_REGISTRY}/agentpools/delete",
    "Microsoft.Authorization/roleAssignments/write",
)
"""Control-plane operations that let a build or trigger identity write images, mint registry
credentials, rewrite tasks and pools or grant itself more: a custom role holding any of them
is as much a problem as the built-in roles above."""

OVERPRIVILEGED_DATA_OPERATIONS: tuple[str, ...] = (
    f"{_REGISTRY}/repositories/content/write",
    f"{_REGISTRY}/repositories/content/delete",
)
"""Data-plane push and delete (ABAC-enabled registries)."""


def role_guid(role_definition_id: object) -> str | None:
    """The GUID at the end of a role definition id, lower-case; ``None`` for anything else."""
    if not isinstance(role_definition_id, str) or not role_definition_id.strip():
        return None
    return role_definition_id.rstrip("/").rsplit("/", 1)[-1].lower()


def _pattern(operation: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in operation.split("*")), re.IGNORECASE)


def grants(allowed: Iterable[str], denied: Iterable[str], operation: str) -> bool:
    """Whether ``allowed`` patterns minus ``denied`` ones (Actions minus NotActions) cover ``operation``."""
    if not any(_pattern(p).fullmatch(operation) for p in allowed):
        return False
    return not any(_pattern(p).fullmatch(operation) for p in denied)
