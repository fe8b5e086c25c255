"""build-identity-least-privilege: identities that build or trigger builds hold no broad role
on their registry.

Who counts, among the identities the stack creates:
- a build identity: a task's system-assigned identity, or a user-assigned identity attached
  to a task; "its registry" is the task's registry;
- a trigger identity: a user-assigned identity holding, on a registry, a role that can
  schedule runs (``Microsoft.ContainerRegistry/registries/scheduleRun/action``: Owner,
  Contributor, Container Registry Tasks Contributor, or a custom role of the stack that
  grants it); "its registry" is that registry.

A user-assigned identity federated with a Kubernetes service account (a
``FederatedIdentityCredential`` whose subject is ``system:serviceaccount:<namespace>:<name>``)
must not hold ``scheduleRun/action`` on a registry at all: Azure RBAC cannot tell a task run
from a quick run, and a quick run executes whatever steps its caller sends on the registry's
pools, with a run token that can push and delete, for whoever can run a pod as that account
(Azure Kubernetes Service RBAC Writer "allows running Pods as any ServiceAccount in the
namespace"; Learn, built-in roles). A broker that starts only configured tasks holds it instead
(``private_acr_tasks.InClusterBuildTrigger``).

Such an identity must not hold, on its registry or a scope above it (the registry's resource
group, its subscription, the root), a role that permits writing or deleting images, importing,
minting credentials, changing the registry, its tasks or its pools, or assigning roles
(``private_acr_rules.roles.excess_operations``). Built-in and custom roles go through the same
check: a built-in role's permissions come from the table Learn publishes
(``private_acr_rules.roles.ROLE_PERMISSIONS``: Owner, Contributor, User Access Administrator,
AcrDelete, Container Registry Contributor and Data Access Configuration Administrator, Container
Registry Data Importer and Data Reader, Tasks Contributor, the push roles...), a custom role's from
its RoleDefinition in the stack, with wildcards and ``notActions`` evaluated. Microsoft
describes Tasks Contributor as usable "for full registry data plane permissions including
reading/writing/deleting container images" (Learn, built-in-roles/containers.md); a task pushes
to its own registry with the run's token, so its identity needs no registry role at all (Learn,
container-registry-tasks-authentication-managed-identity.md). Roles listed in ``allowedRoles``
(names or role definition GUIDs) are accepted.

Links: an assignment's holder by its ``principalId`` property dependency or value; its role by
the GUID in ``roleDefinitionId`` (any letter case, bare or as a full id under any scope) or by a
RoleDefinition of the stack (property dependency, or the same GUID); its scope by property
dependency on the registry or its resource group, or by the registry's id starting with the
scope (a subscription or resource group scope is compared by name while the registry's id is
not known yet). A built-in role the table does not hold, a custom role whose permissions are not
known yet, or a scope that may or may not hold the registry (a management group) is noted as not
checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._config import ListOf, Text, setting
from private_acr_policies._links import REGISTRY, key_of, linked_all, parent
from private_acr_policies._model import UNKNOWN, Resource, Stack, get, items, lower
from private_acr_policies._policy import (
    Finding,
    NotApplicable,
    Outcome,
    Rule,
    Unchecked,
    stack_policy,
)
from private_acr_rules import roles
from private_acr_rules.arm import parse_id

ROLE_DEFINITION = ("authorization", "RoleDefinition")
USER_ASSIGNED = ("managedidentity", "UserAssignedIdentity")
FEDERATION = ("managedidentity", "FederatedIdentityCredential")
SERVICE_ACCOUNT = "system:serviceaccount:"


@dataclass(frozen=True)
class IdentityRolesSettings:
    allowed_roles: tuple[str, ...] = setting(
        ListOf(Text()),
        (),
        "Role names or role definition GUIDs accepted for build and trigger identities.",
    )


RULE = Rule(
    name="build-identity-least-privilege",
    description="Identities that run or trigger ACR Tasks builds must not hold Owner, Contributor, Container Registry Tasks Contributor or a push role on their registry, and an identity a Kubernetes service account signs in as must not schedule runs.",
    severity=Severity.HIGH,
    enforcement_level=EnforcementLevel.ADVISORY,
    remediation=(
        "Give a trigger identity a custom role that follows runs "
        "(private_acr_rules.roles.BUILD_TRIGGER_ACTIONS) and let a broker with its own identity "
        "start the configured tasks (private_acr_tasks.InClusterBuildTrigger creates both); a "
        "task's identity needs no role on its own registry. To accept a role on purpose (quick "
        "builds), list it in allowedRoles."
    ),
    settings=IdentityRolesSettings,
)


@dataclass(frozen=True)
class _Grant:
    """One role assignment as this policy sees it."""

    assignment: Resource
    holder: Resource
    role_name: str
    guid: str | None
    permissions: tuple[roles.Permission, ...] | None
    """What the role permits; ``None`` when that is not known (see the module docstring)."""
    why_unknown: str = ""

    @property
    def schedules_runs(self) -> bool | None:
        if self.permissions is None:
            return None
        return roles.permits(self.permissions, roles.SCHEDULE_RUN)

    def excess(self) -> list[str] | None:
        """What this role permits beyond a build's needs; ``None`` when not known."""
        return None if self.permissions is None else roles.excess_operations(self.permissions)


def _holder(stack: Stack, assignment: Resource) -> Resource | None:
    """The identity or task (system-assigned identity) the assignment is granted to."""
    kinds = (("managedidentity", "UserAssignedIdentity"), ("containerregistry", "Task"))
    for urn in assignment.depends_via("principalId"):
        target = stack.by_urn.get(urn)
        if target is not None and any(target.is_a(*kind) for kind in kinds):
            return target
    principal = get(assignment.props, "principalId")
    if not isinstance(principal, str):
        return None
    for target in stack.of_type(*kinds[0]):
        if get(target.props, "principalId") == principal:
            return target
    for task in stack.of_type(*kinds[1]):
        if get(task.props, "identity", "principalId") == principal:
            return task
    return None


def _custom_role(stack: Stack, assignment: Resource, guid: str | None) -> Resource | None:
    linked = linked_all(stack, assignment, "roleDefinitionId", ROLE_DEFINITION)
    if linked or guid is None:
        return linked[0] if linked else None
    for definition in stack.of_type(*ROLE_DEFINITION):
        spelled = (
            get(definition.props, "roleDefinitionId"),
            get(definition.props, "name"),
            get(definition.props, "id"),
        )
        if guid in {roles.role_guid(value) for value in spelled}:
            return definition
    return None


def _patterns(value: Any) -> tuple[str, ...] | None:
    if value is UNKNOWN or any(v is UNKNOWN for v in items(value)):
        return None
    return tuple(v for v in items(value) if isinstance(v, str))


def _custom_permissions(definition: Resource) -> tuple[roles.Permission, ...] | None:
    """A RoleDefinition's ``permissions`` as the rules read them; ``None`` if any is unknown."""
    listed = get(definition.props, "permissions")
    if listed is UNKNOWN:
        return None
    permissions: list[roles.Permission] = []
    for entry in items(listed):
        if entry is UNKNOWN:
            return None
        fields = [
            _patterns(get(entry, key))
            for key in ("actions", "notActions", "dataActions", "notDataActions")
        ]
        if any(f is None for f in fields):
            return None
        actions, not_actions, data_actions, not_data_actions = cast(list[tuple[str, ...]], fields)
        permissions.append(roles.Permission(actions, not_actions, data_actions, not_data_actions))
    return tuple(permissions)


def _grant(stack: Stack, assignment: Resource) -> _Grant | None:
    holder = _holder(stack, assignment)
    if holder is None:
        return None
    written = get(assignment.props, "roleDefinitionId")
    guid = roles.role_guid(written)
    custom = _custom_role(stack, assignment, guid)
    if custom is not None:
        name = get(custom.props, "roleName")
        role_name = name if isinstance(name, str) else custom.name
        permissions = _custom_permissions(custom)
        why = f"the permissions of custom role {role_name} (not known until deployment)"
        return _Grant(assignment, holder, role_name, guid, permissions, why)
    role_name = roles.BUILTIN_ROLE_NAMES.get(guid or "", guid or "an unknown role")
    if written is UNKNOWN:
        why = "its role (not known until deployment)"
    else:
        why = f"role {role_name} (not in the pack's table of built-in roles on registries)"
    return _Grant(assignment, holder, role_name, guid, roles.builtin_permissions(written), why)


_ABOVE = re.compile(r"^/subscriptions/(?P<sub>[^/]+)(?:/resourcegroups/(?P<group>[^/]+))?$")


def _covers(stack: Stack, assignment: Resource, registry: Resource) -> bool | None:
    """Whether the assignment's scope is the registry or a scope that contains it; ``None``
    when that cannot be known (a management group, a scope not known yet).

    Known ids are compared; while the registry's id is not known (a preview) a subscription or
    resource group scope is compared with the registry's resource group by name, and a scope
    built from the registry or its resource group counts by its property dependency.
    """
    if any(
        urn == registry.urn or urn in registry.depends_via("resourceGroupName")
        for urn in assignment.depends_via("scope")
    ):
        return True
    scope = get(assignment.props, "scope")
    if scope is UNKNOWN:
        return None
    if not isinstance(scope, str):
        return False
    scope = scope.strip().lower().rstrip("/")
    if scope == "":
        return True  # "/", the root scope, holds every subscription
    if scope.startswith("/providers/microsoft.management/managementgroups/"):
        return None  # which subscriptions sit under the group is not in the stack
    registry_id = lower(get(registry.props, "id"))
    if registry_id:
        return registry_id == scope or registry_id.startswith(scope + "/")
    key = key_of(stack, registry)
    if key is None:
        return None
    above = _ABOVE.match(scope)
    if above is not None:
        if key.subscription is not None and above["sub"] != key.subscription:
            return False
        return above["group"] is None or above["group"] == key.resource_group
    scoped = parse_id(scope)
    return scoped is not None and scoped.matches(key)


def _service_accounts(stack: Stack) -> dict[str, str]:
    """URN of each user-assigned identity federated with a Kubernetes service account -> the
    account, as ``namespace/name``. A credential names its identity by ``resourceName``: by
    property dependency, else by name in the same resource group."""
    identities = list(stack.of_type(*USER_ASSIGNED))
    found: dict[str, str] = {}
    for credential in stack.of_type(*FEDERATION):
        subject = get(credential.props, "subject")
        if not isinstance(subject, str) or not subject.startswith(SERVICE_ACCOUNT):
            continue
        account = subject.removeprefix(SERVICE_ACCOUNT).replace(":", "/", 1)
        holders = linked_all(stack, credential, "resourceName", USER_ASSIGNED)
        if not holders:
            name = lower(get(credential.props, "resourceName"))
            group = lower(get(credential.props, "resourceGroupName"))
            holders = [
                i
                for i in identities
                if name
                and lower(get(i.props, "name")) == name
                and lower(get(i.props, "resourceGroupName")) in (group, "")
            ]
        found.update({holder.urn: account for holder in holders})
    return found


def _build_identities(stack: Stack) -> dict[str, set[str]]:
    """URN of each build identity (a task, for its own identity) -> URNs of its registries."""
    identities = list(stack.of_type("managedidentity", "UserAssignedIdentity"))
    found: dict[str, set[str]] = {}
    for task in stack.of_type("containerregistry", "Task"):
        registry = parent(stack, task, "registryName", REGISTRY).target
        if registry is None:
            continue
        attached: Any = get(task.props, "identity", "userAssignedIdentities")
        keys = (
            list(cast(dict[str, Any], attached)) if isinstance(attached, dict) else items(attached)
        )
        ids = {lower(key) for key in keys}
        holders = (
            [task] if "systemassigned" in (lower(get(task.props, "identity", "type")) or "") else []
        )
        holders += [
            i
            for i in identities
            if i.urn in task.depends_via("identity") or lower(get(i.props, "id")) in ids
        ]
        for holder in holders:
            found.setdefault(holder.urn, set()).add(registry.urn)
    return found


_SHOWN = 3


def _message(grant: _Grant, registry: Resource, excess: list[str], trigger: bool) -> str:
    shown = ", ".join(excess[:_SHOWN]) + (
        f" and {len(excess) - _SHOWN} more" if len(excess) > _SHOWN else ""
    )
    verb = "triggers" if trigger else "runs"
    return (
        f"{grant.assignment.name}: {grant.holder.name} {verb} builds on {registry.name} and holds "
        f"{grant.role_name} there; it permits {shown}."
    )


@dataclass
class _Review:
    stack: Stack
    grants: list[_Grant]
    builds: Mapping[str, set[str]]
    """URN of each build identity -> URNs of its registries."""
    allowed: set[str]
    accounts: Mapping[str, str] = field(default_factory=dict[str, str])
    """URN of each identity federated with a Kubernetes service account -> the account."""
    findings: list[Outcome] = field(default_factory=list[Outcome])
    watched: bool = False

    def registry(self, registry: Resource) -> None:
        covering = [(g, _covers(self.stack, g.assignment, registry)) for g in self.grants]
        on_registry = [g for g, covers in covering if covers]
        user_assigned = ("managedidentity", "UserAssignedIdentity")
        triggers = {
            g.holder.urn for g in on_registry if g.holder.is_a(*user_assigned) and g.schedules_runs
        }
        builds = {urn for urn, found in self.builds.items() if registry.urn in found}
        identities = triggers | builds
        self.watched = self.watched or bool(identities)
        for grant, covers in covering:
            if {grant.role_name.lower(), grant.guid} & self.allowed:
                continue
            if grant.holder.urn in identities:
                self._judge(grant, covers, registry, trigger=grant.holder.urn in triggers)
            account = self.accounts.get(grant.holder.urn)
            if account is not None and covers:
                self._schedules(grant, registry, account)

    def _schedules(self, grant: _Grant, registry: Resource, account: str) -> None:
        """A Kubernetes service account's identity that can start runs of any steps."""
        self.watched = True
        urn = grant.assignment.urn
        if grant.schedules_runs is None:
            self.findings.append(Unchecked(urn, grant.why_unknown))
        elif grant.schedules_runs:
            self.findings.append(
                Finding(
                    urn,
                    f"{grant.assignment.name}: {grant.holder.name} is federated with the "
                    f"Kubernetes service account {account} and holds {grant.role_name} on "
                    f"{registry.name}, which permits {roles.SCHEDULE_RUN}: whoever can run a "
                    "pod as that account can start quick runs of any steps on its pools, "
                    "with a token that can push and delete.",
                )
            )

    def _judge(
        self, grant: _Grant, covers: bool | None, registry: Resource, *, trigger: bool
    ) -> None:
        excess = grant.excess()
        urn = grant.assignment.urn
        if covers is None and excess != []:
            what = (
                f"{grant.assignment.name}: whether its scope holds {registry.name} (not known "
                "until deployment, or a management group)"
            )
            self.findings.append(Unchecked(urn, what))
        elif covers and excess is None:
            self.findings.append(Unchecked(urn, grant.why_unknown))
        elif covers and excess:
            self.findings.append(Finding(urn, _message(grant, registry, excess, trigger)))


def check(stack: Stack, settings: IdentityRolesSettings) -> Iterator[Outcome]:
    registries = list(stack.of_type(*REGISTRY))
    if not registries:
        raise NotApplicable("the stack declares no container registry")
    grants = [
        g for a in stack.of_type("authorization", "RoleAssignment") if (g := _grant(stack, a))
    ]
    allowed = {role.lower() for role in settings.allowed_roles} | {
        guid for role in settings.allowed_roles if (guid := roles.role_guid(role))
    }
    review = _Review(stack, grants, _build_identities(stack), allowed, _service_accounts(stack))
    for registry in registries:
        review.registry(registry)
    if not review.watched and not review.findings:
        raise NotApplicable("no identity of the stack runs or triggers builds on a registry")
    yield from dict.fromkeys(review.findings)


POLICY = stack_policy(RULE, check)
