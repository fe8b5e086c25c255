"""task-registry-credentials-in-key-vault: a task logs in to other registries with Key Vault
references, never with a user name and password written into the task.

A task's ``credentials.customRegistries`` holds, per login server, an ``identity`` and the
``userName`` and ``password`` secret objects. Type ``Opaque`` keeps the value as written: it
is in the program, the Pulumi state and the deployment history, and anyone who may read the
task's details (``tasks/listDetails``, which a build trigger needs,
``private_acr_rules.roles.BUILD_TRIGGER_ACTIONS``) reads it. Type ``Vaultsecret`` makes the
value a Key Vault secret URI that the runner resolves with the entry's ``identity`` when a run
starts (Azure/acr-builder ``graph/task.go`` ``ResolveCustomRegistryCredentials``), as ``az acr
task credential add`` writes it for secret URIs with ``--use-identity`` (Learn, ``az acr task
credential``). An entry with only an ``identity`` (a managed identity that an Azure registry
accepts by itself) carries no secret and passes.

Each part is a finding of its own: a user name or password that is not a ``Vaultsecret`` (an
untyped value counts as written), a ``Vaultsecret`` that is not a Key Vault secret URI
(``https://<vault>.<vault suffix of an Azure cloud>/secrets/<name>[/<version>]``), and Key
Vault references without the ``identity`` that reads them. Values not known until deployment
are not checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, cast

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._config import NoSettings
from private_acr_policies._model import UNKNOWN, Resource, get, lower
from private_acr_policies._policy import (
    Finding,
    NotApplicable,
    Outcome,
    Rule,
    Unchecked,
    resource_policy,
)
from private_acr_rules.clouds import CLOUDS

RULE = Rule(
    name="task-registry-credentials-in-key-vault",
    description="A task's custom registry credentials must be Key Vault secret references read by a managed identity, never a user name and password in the task.",
    severity=Severity.HIGH,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation=(
        "Store the user name and password as Key Vault secrets and reference them: "
        "userName and password {type: Vaultsecret, value: https://<vault>.vault.azure.net/"
        "secrets/<name>} with identity set to the task identity's client id, which holds Key "
        "Vault Secrets User on the vault (stack config privateRegistries does this; "
        "private_acr_tasks.BuildTask takes private_registries)."
    ),
    settings=NoSettings,
)

TASK = ("containerregistry", "Task")
_SECRET_PARTS = ("userName", "password")
_VAULT_SECRET = re.compile(
    r"^https://[a-z0-9-]{3,24}\.("
    + "|".join(re.escape(names.vault_suffix) for names in CLOUDS.values())
    + r")(:443)?/secrets/[0-9a-z-]{1,127}(/[0-9a-f]{32})?/?$",
    re.IGNORECASE,
)


def _entry_outcomes(task: Resource, server: str, entry: Mapping[str, Any]) -> Iterator[Outcome]:
    where = f"{task.name}: credentials.customRegistries[{server}]"
    references = 0
    for part in _SECRET_PARTS:
        secret = get(entry, part)
        if secret is None:
            continue
        kind, value = get(secret, "type"), get(secret, "value")
        if kind is UNKNOWN or value is UNKNOWN:
            yield Unchecked(task.urn, f"{where}.{part} (not known until deployment)")
        elif lower(kind) != "vaultsecret":
            written = "has no type" if kind is None else f"is of type {kind}"
            yield Finding(
                task.urn,
                f"{where}.{part} {written}: its value is written into the task, where the "
                "program, the state and anyone who may read the task's details see it; "
                "reference a Key Vault secret (type Vaultsecret) instead.",
            )
        elif not isinstance(value, str) or not _VAULT_SECRET.fullmatch(value):
            yield Finding(
                task.urn,
                f"{where}.{part} is a Vaultsecret but {value!r} is not a Key Vault secret URI "
                "(https://<vault>.vault.azure.net/secrets/<name>).",
            )
        else:
            references += 1
    identity = get(entry, "identity")
    if references and identity is UNKNOWN:
        yield Unchecked(task.urn, f"{where}.identity (not known until deployment)")
    elif references and not (isinstance(identity, str) and identity.strip()):
        yield Finding(
            task.urn,
            f"{where} references Key Vault secrets but names no identity to read them with; set "
            "identity to the client id of the task's user-assigned identity.",
        )


def check(task: Resource, settings: NoSettings) -> Iterator[Outcome]:
    registries = get(task.props, "credentials", "customRegistries")
    if registries is UNKNOWN:
        raise NotApplicable(f"{task.name}: its custom registry credentials are not known yet")
    if not isinstance(registries, Mapping) or not registries:
        raise NotApplicable(f"{task.name} declares no custom registry credentials")
    for server, entry in cast(Mapping[str, Any], registries).items():
        if entry is UNKNOWN:
            yield Unchecked(task.urn, f"{task.name}: the credentials of {server} (not known yet)")
        elif isinstance(entry, Mapping):
            yield from _entry_outcomes(task, str(server), cast(Mapping[str, Any], entry))


POLICY = resource_policy(RULE, [TASK], check)
