"""An ACR task on a shared agent pool, with its own identity and the one role that identity needs.

Identity. Each task carries a user-assigned identity: since June 2025 a system-assigned task
identity is refused by network-restricted registries unless ``networkRuleBypassAllowedForTasks``
is set, and user-assigned identities are not affected (Learn,
manage-network-bypass-policy-for-tasks). A task pushes to its own registry with the run's
token, so the identity needs no registry role (Learn,
container-registry-tasks-authentication-managed-identity.md).

Steps. The task is a multi-step task file (``task_yaml``), base64-encoded into the task
(``EncodedTask``), checked first as ACR would check it (``private_acr_rules.task_file``). Its
``{{.Values.<name>}}`` come from ``values``; ``identityClientId`` (the identity's client id, for
``az login --identity --client-id`` or a secret's ``clientID``) and, with a vault,
``keyVaultUri`` are always given. A run started by hand or by the in-cluster trigger brings its
build context (``az acr task run --context``); a run the task starts itself (timer, base image)
has only the task's ``context`` (a Git repository or tarball URL the agents reach), or none.

Private registries. ``credentials.customRegistries`` holds one entry per login server with the
task's identity (its client id) and Key Vault references for the user name and password (type
``Vaultsecret``, value ``https://<vault>/secrets/<name>``), as ``az acr task credential add
--use-identity`` writes them for secret URIs (Azure/azure-cli acr ``_utils.py``). The runner on
the agent reads both secrets with that identity when a run starts (Azure/acr-builder
``graph/task.go`` ``ResolveCustomRegistryCredentials``), so no value is in the task, the
program or the Pulumi state, and an agent in the VNet reaches the vault over its private
endpoint. With a vault, the identity holds Key Vault Secrets User on it (read secret values,
nothing else; Learn, built-in-roles/security.md) and the task waits for that assignment.

Triggers. A timer (cron, UTC; Learn, container-registry-tasks-scheduled.md) and a base image
trigger (type ``Runtime``, the ``az acr task create`` default). ACR tracks base images in Azure
container registries and in public Docker Hub and MCR repositories only, and only after the
task has run once (Learn, container-registry-tasks-base-images.md): a base image in another
private registry does not trigger a rebuild, so import it into an Azure registry or use the
timer. Source triggers are not offered: their token is a plain property of the task
(``sourceControlAuthProperties.token``), which would put it in the program and the state, and
the version control system would have to reach ACR's webhook.
"""

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NotRequired, TypedDict, cast

import pulumi
from pulumi_azure_native import authorization, containerregistry, managedidentity

from private_acr_rules import cron, naming, task_file, urls
from private_acr_rules.validation import FieldReader
from private_acr_tasks._common import (
    PlannedComponent,
    SharedArgs,
    child_name,
    role_definition_id,
    tags_of,
    type_token,
)

BUILTIN_TASK = """\
version: v1.1.0
steps:
  # Runs on the VNet-injected pool: the storage account's private endpoint resolves and is
  # reachable only from there.
  - id: fetch-artifact
    cmd: >-
      {{.Values.cliImage}} bash -ec
      'az cloud set --name {{.Values.azureCloud}} &&
      az login --identity --client-id {{.Values.identityClientId}} --allow-no-subscriptions
      --output none &&
      az storage blob download --auth-mode login --account-name {{.Values.storageAccount}}
      --container-name {{.Values.container}} --name {{.Values.artifact}} --file artifact.bin
      --output none'
  - id: build
    build: -t $Registry/{{.Values.repository}}:$ID -t $Registry/{{.Values.repository}}:latest -f Dockerfile .
  - id: push
    push:
      - $Registry/{{.Values.repository}}:$ID
      - $Registry/{{.Values.repository}}:latest
"""
"""The stack's own task when it configures none: fetch a private artifact with the task's
identity, then build and push. Its values: ``storageAccount``, ``container``, ``artifact``,
``repository``, ``cliImage``, ``azureCloud`` (the Azure CLI's name of the cloud, so the login
and the storage account's DNS suffix are that cloud's; see :func:`builtin_task_values`)."""

BUILTIN_REPOSITORY = "private-build"
BUILTIN_ARTIFACT = "artifact.bin"
TIMER_TRIGGER_NAME = "t1"
"""The name ``az acr task create --schedule`` gives its timer (Learn, tasks-scheduled.md)."""
BASE_IMAGE_TRIGGER_NAME = "defaultBaseimageTriggerName"
"""The name ``az acr task create`` gives its base image trigger (azure-cli acr/task.py)."""
DEFAULT_TIMEOUT = 3600
_VALUE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CONTEXT = re.compile(r"^https://[^\s@/]+/\S*$")
"""An https URL without credentials in it: a token in the URL would be in the task and the state."""
_GIVEN_VALUES = ("identityClientId", "keyVaultUri")
MAX_PORT = 65535
_REGISTRY_KEYS = ("username_secret", "password_secret")


def builtin_task_values(
    storage_account: pulumi.Input[str],
    container: pulumi.Input[str],
    cli_image: str,
    *,
    repository: str = BUILTIN_REPOSITORY,
    artifact: str = BUILTIN_ARTIFACT,
    azure_cloud: str = "AzureCloud",
) -> dict[str, pulumi.Input[str]]:
    """The values :data:`BUILTIN_TASK` reads besides the ones every task is given."""
    return {
        "storageAccount": storage_account,
        "container": container,
        "artifact": artifact,
        "repository": repository,
        "cliImage": cli_image,
        "azureCloud": azure_cloud,
    }


class BuildTaskRegistryArgs(TypedDict):
    """Where a private registry's credentials are: two secrets of the task's key vault."""

    username_secret: str
    """Name of the Key Vault secret holding the user name."""
    password_secret: str
    """Name of the Key Vault secret holding the password or token."""


class BuildTaskInputs(SharedArgs):
    """The task's links to other resources."""

    registry_name: pulumi.Input[str]
    """The registry that owns the task and the pool."""
    agent_pool_name: pulumi.Input[str]
    """The agent pool the task runs on (a :class:`BuildAgentPool`'s ``agent_pool_name``)."""
    values: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Values for the task file's ``{{.Values.<name>}}``, besides ``identityClientId`` and
    ``keyVaultUri``, which are always given. Default: none."""
    key_vault_id: NotRequired[pulumi.Input[str]]
    """The key vault holding the task's secrets: its identity gets Key Vault Secrets User on it.
    Required with ``private_registries``. Default: none."""
    key_vault_uri: NotRequired[pulumi.Input[str]]
    """That vault's URI (``https://<vault>.vault.azure.net/``), for the secret references."""
    subscription_id: NotRequired[pulumi.Input[str]]
    """Subscription of the role definition; required with ``key_vault_id``."""


class BuildTaskArgs(BuildTaskInputs):
    """Arguments of :class:`BuildTask`."""

    task_name: str
    """Task name: 5-50 letters, digits, '-' or '_'."""
    task_yaml: str
    """The multi-step task file (ACR Tasks YAML: a ``steps`` list of build, cmd and push steps),
    e.g. read from the repository; :data:`BUILTIN_TASK` is the stack's own."""
    timer: NotRequired[str]
    """Run on this schedule: a five-field cron expression in UTC, e.g. ``0 3 * * *``. Default:
    no timer."""
    base_image_trigger: NotRequired[bool]
    """Rebuild when a base image the task built from is updated (Azure container registries,
    Docker Hub and MCR only). Default False."""
    private_registries: NotRequired[Mapping[str, BuildTaskRegistryArgs]]
    """Registries the task logs in to, by login server, with the Key Vault secrets that hold
    their credentials. Default: none."""
    timeout: NotRequired[int]
    """Seconds a run may take, 300-28800. Default 3600."""
    context: NotRequired[str]
    """The build context of runs the task starts itself (timer, base image): an https URL of a
    Git repository (``https://host/org/repo.git#branch:folder``) or a tarball the agents reach.
    Default: none (such runs start empty; a run given ``--context`` uses that)."""


@dataclass(frozen=True)
class RegistryCredentials:
    username_secret: str
    password_secret: str


@dataclass(frozen=True)
class BuildTaskPlan:
    task_name: str
    task_yaml: str
    timer: str | None = None
    base_image_trigger: bool = False
    private_registries: Mapping[str, RegistryCredentials] = field(
        default_factory=dict[str, RegistryCredentials]
    )
    timeout: int = DEFAULT_TIMEOUT
    context: str | None = None
    base_image_trigger_label: str = "base_image_trigger"
    """How a message names the base-image trigger: the config key in a stack
    (``tasks.app.triggers.baseImage``), the args field in a library call."""

    def base_image_warning(self) -> str | None:
        """Why the base-image trigger cannot see a base image of the registries the task logs
        in to, when it has both. ACR Tasks detects base images only in "the same Azure container
        registry where the task runs", "another private Azure container registry in the same
        or a different region", "a public repo in Docker Hub" and "a public repo in Microsoft
        Container Registry" (Learn, container-registry-tasks-base-images, "Base image
        locations"); a private registry that is not ACR is none of these. Whether the task's
        base image is there the program cannot tell (the FROM line is in the build context)."""
        if not self.base_image_trigger or not self.private_registries:
            return None
        servers = ", ".join(sorted(self.private_registries))
        return (
            f"{self.base_image_trigger_label}: task {self.task_name} logs in to {servers}, where "
            "ACR Tasks cannot track base images (it tracks them in Azure container registries "
            "and public Docker Hub and Microsoft Container Registry repositories; Learn, "
            f"container-registry-tasks-base-images), so a base image from {servers} never "
            "triggers a rebuild: import it into an Azure container registry (az acr import) "
            "and build from there, or rebuild on a timer"
        )


def validate_registry_credentials(fields: FieldReader) -> dict[str, RegistryCredentials]:
    """The ``private_registries`` map: login servers, each naming its two secrets."""
    found: dict[str, RegistryCredentials] = {}
    entries = fields.mapping("private_registries", "a map of login servers to secret names")
    for server, entry in entries.items():
        path = f"private_registries.{server}"
        _, colon, port = server.rpartition(":")
        if not naming.LOGIN_SERVER.fullmatch(server) or (colon and not 1 <= int(port) <= MAX_PORT):
            fields.invalid(
                path,
                server,
                "a login server such as registry.internal.example.com or, with its port, "
                "registry.internal.example.com:5000",
            )
        if not isinstance(entry, Mapping):
            fields.invalid(path, entry, "an object with username_secret and password_secret")
            continue
        nested = fields.nested(path, cast(Mapping[str, object], entry))
        nested.reject_unknown(_REGISTRY_KEYS)
        names = [
            nested.text(
                key,
                naming.KEY_VAULT_SECRET_NAME,
                "a Key Vault secret name (1-127 of 0-9, a-z, A-Z, '-')",
            )
            for key in _REGISTRY_KEYS
        ]
        if names[0] and names[1]:
            found[server] = RegistryCredentials(names[0], names[1])
    return found


def _task_file(fields: FieldReader) -> str:
    text = fields.require("task_yaml")
    if text is None:
        return ""
    if not isinstance(text, str):
        fields.invalid("task_yaml", text, "the text of a multi-step task file")
        return ""
    for problem in task_file.task_file_problems(text):
        fields.problem("task_yaml", problem)
    return text


def _values_problems(fields: FieldReader) -> None:
    for name in fields.mapping("values", "a map of value names to values"):
        if name in _GIVEN_VALUES:
            fields.problem(f"values.{name}", "is given by the component; leave it out")
        elif not _VALUE_NAME.fullmatch(name):
            fields.invalid("values", name, "value names of letters, digits and '_'")


def _context(fields: FieldReader) -> str | None:
    context = fields.values.get("context")
    if isinstance(context, str) and urls.has_credentials(context):
        fields.problem(
            "context",
            f"holds credentials ({urls.redact(context)}), which would be in the task, the "
            "program and the Pulumi state; give the URL without them (a token the build needs "
            "is a Key Vault secret the task file reads)",
        )
        return None
    return (
        fields.text(
            "context",
            _CONTEXT,
            "an https URL of a Git repository or tarball, without credentials in it",
            "",
        )
        or None
    )


def validate_build_task(fields: FieldReader) -> BuildTaskPlan | None:
    mark = fields.mark()
    name = fields.text("task_name", naming.TASK_NAME, "5-50 letters, digits, '-' or '_'")
    timer = fields.values.get("timer")
    if timer is not None and (problem := cron.cron_problem(timer)) is not None:
        fields.problem("timer", problem)
    _values_problems(fields)
    plan = BuildTaskPlan(
        name or "",
        _task_file(fields),
        timer=timer if isinstance(timer, str) else None,
        base_image_trigger=fields.flag("base_image_trigger", False),
        private_registries=validate_registry_credentials(fields),
        timeout=fields.whole("timeout", 300, 28800, DEFAULT_TIMEOUT),
        context=_context(fields),
        base_image_trigger_label=fields.label("base_image_trigger"),
    )
    return None if fields.failed_since(mark) else plan


def _secret_reference(
    vault_uri: pulumi.Input[str], secret: str
) -> containerregistry.SecretObjectArgs:
    return containerregistry.SecretObjectArgs(
        type=containerregistry.SecretObjectType.VAULTSECRET,
        value=pulumi.Output.from_input(vault_uri).apply(
            lambda uri: f"{uri.rstrip('/')}/secrets/{secret}"
        ),
    )


def _trigger(plan: BuildTaskPlan) -> containerregistry.TriggerPropertiesArgs | None:
    if plan.timer is None and not plan.base_image_trigger:
        return None
    return containerregistry.TriggerPropertiesArgs(
        timer_triggers=[
            containerregistry.TimerTriggerArgs(
                name=TIMER_TRIGGER_NAME, schedule=plan.timer, status="Enabled"
            )
        ]
        if plan.timer is not None
        else None,
        base_image_trigger=containerregistry.BaseImageTriggerArgs(
            name=BASE_IMAGE_TRIGGER_NAME,
            base_image_trigger_type=containerregistry.BaseImageTriggerType.RUNTIME,
            update_trigger_payload_type="Default",
            status="Enabled",
        )
        if plan.base_image_trigger
        else None,
    )


class BuildTask(
    PlannedComponent[BuildTaskPlan, BuildTaskInputs],
    args=BuildTaskArgs,
    validate=validate_build_task,
):
    """A task on an agent pool, its user-assigned identity and that identity's Key Vault role.

    Children: ``<name>-task-identity``, ``<name>-task``, and with a vault
    ``<name>-task-secrets-user``.
    """

    task_id: pulumi.Output[str]
    """ARM id of the task."""
    task_name: pulumi.Output[str]
    """Name of the task."""
    task_identity_principal_id: pulumi.Output[str]
    """Object id of the task identity (grant it read access to what its builds read)."""
    task_identity_client_id: pulumi.Output[str]
    """Client id of the task identity."""

    def __init__(
        self, name: str, args: BuildTaskArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        self._construct(name, self.plan(args), args, opts)

    def _check_links(self, plan: BuildTaskPlan, links: FieldReader) -> None:
        """A vault for private registries' credentials, and the subscription of its role."""
        if plan.private_registries and not (
            links.present("key_vault_id") and links.present("key_vault_uri")
        ):
            links.problem(
                "key_vault_id",
                "private registries read their credentials from a key vault; give key_vault_id "
                "and key_vault_uri",
            )
        if links.present("key_vault_id") and not links.present("subscription_id"):
            links.problem("subscription_id", "required with key_vault_id (the role's subscription)")

    def _build(
        self,
        name: str,
        plan: BuildTaskPlan,
        inputs: BuildTaskInputs,
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        super().__init__(type_token("BuildTask"), name, {}, opts)
        if (warning := plan.base_image_warning()) is not None:
            pulumi.log.warn(warning, resource=self)
        identity = managedidentity.UserAssignedIdentity(
            child_name(name, "task-identity"),
            resource_group_name=inputs["resource_group_name"],
            location=inputs["location"],
            tags=tags_of(inputs),
            opts=pulumi.ResourceOptions(parent=self, aliases=self._moved("task-identity")),
        )
        secrets_user = self._secrets_user(name, inputs, identity)
        self.task = self._task(name, plan, inputs, identity, secrets_user=secrets_user)
        self.task_id = self.task.id
        self.task_name = self.task.name
        self.task_identity_principal_id = identity.principal_id
        self.task_identity_client_id = identity.client_id
        self.register_outputs(
            {
                "task_id": self.task_id,
                "task_name": self.task_name,
                "task_identity_principal_id": self.task_identity_principal_id,
                "task_identity_client_id": self.task_identity_client_id,
            }
        )

    def _secrets_user(
        self,
        name: str,
        inputs: BuildTaskInputs,
        identity: managedidentity.UserAssignedIdentity,
    ) -> authorization.RoleAssignment | None:
        if "key_vault_id" not in inputs or "subscription_id" not in inputs:
            return None
        return authorization.RoleAssignment(
            child_name(name, "task-secrets-user"),
            scope=inputs["key_vault_id"],
            principal_id=identity.principal_id,
            principal_type="ServicePrincipal",
            role_definition_id=role_definition_id(
                inputs["subscription_id"], "Key Vault Secrets User"
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _task(
        self,
        name: str,
        plan: BuildTaskPlan,
        inputs: BuildTaskInputs,
        identity: managedidentity.UserAssignedIdentity,
        *,
        secrets_user: authorization.RoleAssignment | None,
    ) -> containerregistry.Task:
        values: dict[str, pulumi.Input[str]] = {
            "identityClientId": identity.client_id,
            **inputs.get("values", {}),
        }
        if "key_vault_uri" in inputs:
            values["keyVaultUri"] = inputs["key_vault_uri"]
        return containerregistry.Task(
            child_name(name, "task"),
            resource_group_name=inputs["resource_group_name"],
            registry_name=inputs["registry_name"],
            location=inputs["location"],
            task_name=plan.task_name,
            agent_pool_name=inputs["agent_pool_name"],
            platform=containerregistry.PlatformPropertiesArgs(os="Linux", architecture="amd64"),
            status="Enabled",
            timeout=plan.timeout,
            identity=containerregistry.IdentityPropertiesArgs(
                type=containerregistry.ResourceIdentityType.USER_ASSIGNED,
                user_assigned_identities=identity.id.apply(
                    lambda identity_id: {
                        identity_id: containerregistry.UserIdentityPropertiesArgs()
                    }
                ),
            ),
            step=containerregistry.EncodedTaskStepArgs(
                type="EncodedTask",
                context_path=plan.context,
                encoded_task_content=base64.b64encode(plan.task_yaml.encode()).decode(),
                values=[
                    containerregistry.SetValueArgs(name=key, value=value)
                    for key, value in values.items()
                ],
            ),
            credentials=self._credentials(plan, inputs, identity),
            trigger=_trigger(plan),
            tags=tags_of(inputs),
            opts=pulumi.ResourceOptions(
                parent=self,
                aliases=self._moved("task"),
                depends_on=[secrets_user] if secrets_user is not None else None,
            ),
        )

    @staticmethod
    def _credentials(
        plan: BuildTaskPlan,
        inputs: BuildTaskInputs,
        identity: managedidentity.UserAssignedIdentity,
    ) -> containerregistry.CredentialsArgs | None:
        if not plan.private_registries or "key_vault_uri" not in inputs:
            return None
        vault_uri = inputs["key_vault_uri"]
        return containerregistry.CredentialsArgs(
            custom_registries={
                server: containerregistry.CustomRegistryCredentialsArgs(
                    identity=identity.client_id,
                    user_name=_secret_reference(vault_uri, secret.username_secret),
                    password=_secret_reference(vault_uri, secret.password_secret),
                )
                for server, secret in sorted(plan.private_registries.items())
            }
        )
