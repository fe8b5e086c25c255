"""build-identity-least-privilege: identities that build or trigger builds hold no broad role
on their registry.

Who counts, among the identities the stack creates:
- a build identity: a task's system-assigned identity, or a user-assigned identity attached
  to a task; "its registry" is the task's registry;
- a trigger identity: a user-assigned identity holding, on a registry, a role that can
  schedule runs (``Microsoft.ContainerRegistry/registries/scheduleRun/action``: Owner,
  Contributor, Container Registry Tasks Contributor, or a custom role of the stack that
  grants it); "its registry" is that registry.

Such an identity must not hold, on its registry or a scope above it, Owner, Contributor,
Container Registry Tasks Contributor or a push role (AcrPush, Container Registry Repository
Writer or Contributor), nor a custom role granting an operation that writes images, mints
credentials or changes the registry, its tasks or its pools
(``private_acr_rules.roles.OVERPRIVILEGED_*``). Microsoft describes Tasks Contributor as usable
"for full registry data plane permissions including reading/writing/deleting container
images" (Learn, built-in-roles/containers.md); a task pushes to its own registry with the
run's token, so its identity needs no registry role at all (Learn,
container-registry-tasks-authentication-managed-identity.md). Roles listed in ``allowedRoles``
(names or role definition GUIDs) are accepted.

Links: an assignment's holder by its ``principalId`` property dependency or value; its role
by the GUID at the end of ``roleDefinitionId`` (built-in) or by a RoleDefinition of the stack
(property dependency, or the same GUID); its scope by property dependency on the registry or
its resource group, or by the registry id starting with the scope.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._config import ListOf, Text, setting
from private_acr_policies._links import REGISTRY, linked_all, parent
from private_acr_policies._model import Resource, Stack, get, items, lower
from private_acr_policies._policy import Finding, NotApplicable, Outcome, Rule, stack_policy
from private_acr_rules import roles

ROLE_DEFINITION = ("authorization", "RoleDefinition")


@dataclass(frozen=True)
class IdentityRolesSettings:
    allowed_roles: tuple[str, ...] = setting(
        ListOf(Text()),
        (),
        "Role names or role definition GUIDs accepted for build and trigger identities.",
    )


RULE = Rule(
    name="build-identity-least-privilege",
    description="Identities that run or trigger ACR Tasks builds must not hold Owner, Contributor, Container Registry Tasks Contributor or a push role on their registry.",
    severity=Severity.HIGH,
    enforcement_level=EnforcementLevel.ADVISORY,
    remediation=(
        "Give a trigger identity a custom role with only the trigger operations "
        "(private_acr_rules.roles.BUILD_TRIGGER_ACTIONS; private_acr_tasks.InClusterBuildTrigger "
        "creates it) and remove the broader assignment; a task's identity needs no role on its "
        "own registry. To accept a role on purpose, list it in allowedRoles."
    ),
    settings=IdentityRolesSettings,
)

_TRIGGER_BUILTINS = frozenset(
    roles.BUILTIN_ROLES[name]
    for name in ("Owner", "Contributor", "Container Registry Tasks Contributor")
)
_OVERPRIVILEGED_BUILTINS = frozenset(roles.BUILTIN_ROLES[n] for n in roles.OVERPRIVILEGED_ROLES)


@dataclass(frozen=True)
class _Grant:
    """One role assignment as this policy sees it."""

    assignment: Resource
    holder: Resource
    role_name: str
    guid: str | None
    custom: Resource | None

    def _custom_grants(self, operations: tuple[str, ...], data: bool) -> list[str]:
        allowed, denied = ("dataActions", "notDataActions") if data else ("actions", "notActions")
        found: list[str] = []
        for permission in items(get(self.custom.props if self.custom else {}, "permissions")):
            yes = [a for a in items(get(permission, allowed)) if isinstance(a, str)]
            no = [a for a in items(get(permission, denied)) if isinstance(a, str)]
            found += [op for op in operations if roles.grants(yes, no, op) and op not in found]
        return found

    @property
    def schedules_runs(self) -> bool:
        return self.guid in _TRIGGER_BUILTINS or bool(
            self._custom_grants((roles.SCHEDULE_RUN,), data=False)
        )

    def excess(self) -> list[str]:
        """What this role allows beyond a trigger's needs; empty when nothing."""
        if self.custom is None:
            return [self.role_name] if self.guid in _OVERPRIVILEGED_BUILTINS else []
        return self._custom_grants(roles.OVERPRIVILEGED_OPERATIONS, data=False) + (
            self._custom_grants(roles.OVERPRIVILEGED_DATA_OPERATIONS, data=True)
        )


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
        if guid in (
            lower(get(definition.props, "roleDefinitionId")),
            lower(get(definition.props, "name")),
        ):
            return definition
    return None


def _grant(stack: Stack, assignment: Resource) -> _Grant | None:
    holder = _holder(stack, assignment)
    if holder is None:
        return None
    guid = roles.role_guid(get(assignment.props, "roleDefinitionId"))
    custom = _custom_role(stack, assignment, guid)
    if custom is not None:
        name = get(custom.props, "roleName")
        role_name = name if isinstance(name, str) else custom.name
    else:
        role_name = roles.BUILTIN_ROLE_NAMES.get(guid or "", guid or "an unknown role")
    return _Grant(assignment, holder, role_name, guid, custom)


def _covers(stack: Stack, assignment: Resource, registry: Resource) -> bool:
    """Whether the assignment's scope is the registry or a scope that contains it.

    Known ids are compared; an id not known yet (a preview) falls back to what the scope was
    built from: the registry itself or its resource group.
    """
    scope = get(assignment.props, "scope")
    registry_id = lower(get(registry.props, "id"))
    if isinstance(scope, str) and registry_id:
        scope = scope.lower().rstrip("/")
        return registry_id == scope or registry_id.startswith(scope + "/")
    return any(
        urn == registry.urn or urn in registry.depends_via("resourceGroupName")
        for urn in assignment.depends_via("scope")
    )


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


_WHY: Mapping[str, str] = {
    "Owner": "it manages the registry and who may use it",
    "Contributor": "it manages the registry, its tasks and pools, and pushes images",
    "Container Registry Tasks Contributor": (
        "it rewrites or deletes tasks and agent pools, and Microsoft notes it can be used for "
        "full registry data-plane access"
    ),
    "AcrPush": "it pushes images",
    "Container Registry Repository Writer": "it pushes images",
    "Container Registry Repository Contributor": "it pushes and deletes images",
}


def _message(grant: _Grant, registry: Resource, excess: list[str], trigger: bool) -> str:
    why = _WHY.get(grant.role_name) if grant.custom is None else "it grants " + ", ".join(excess)
    verb = "triggers" if trigger else "runs"
    return (
        f"{grant.assignment.name}: {grant.holder.name} {verb} builds on {registry.name} and holds "
        f"{grant.role_name} there; {why or 'it is broader than a build needs'}."
    )


def check(stack: Stack, settings: IdentityRolesSettings) -> Iterator[Outcome]:
    registries = list(stack.of_type(*REGISTRY))
    if not registries:
        raise NotApplicable("the stack declares no container registry")
    builds = _build_identities(stack)
    grants = [
        g for a in stack.of_type("authorization", "RoleAssignment") if (g := _grant(stack, a))
    ]
    allowed = {role.lower() for role in settings.allowed_roles}
    findings: list[Finding] = []
    watched = False
    for registry in registries:
        on_registry = [g for g in grants if _covers(stack, g.assignment, registry)]
        triggers = {
            g.holder.urn
            for g in on_registry
            if g.holder.is_a("managedidentity", "UserAssignedIdentity") and g.schedules_runs
        }
        identities = triggers | {urn for urn, found in builds.items() if registry.urn in found}
        watched = watched or bool(identities)
        for grant in on_registry:
            if (
                grant.holder.urn not in identities
                or {grant.role_name.lower(), grant.guid} & allowed
            ):
                continue
            excess = grant.excess()
            if excess:
                message = _message(grant, registry, excess, grant.holder.urn in triggers)
                findings.append(Finding(grant.assignment.urn, message))
    if not watched:
        raise NotApplicable("no identity of the stack runs or triggers builds on a registry")
    yield from findings


POLICY = stack_policy(RULE, check)
