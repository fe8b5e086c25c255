"""The in-cluster CI agent's Kubernetes manifests and login scripts, rendered as text.

``private_acr_tasks.InClusterBuildTrigger`` creates the identity and roles and hands these
out as stack outputs; rendering them needs nothing of Pulumi, so they are tested here alone.

Logging in per build. ``az login --federated-token`` keeps the token it was given; the token
the kubelet projects lasts about an hour and azure-cli cannot refresh a federated login with
a stale assertion (AADSTS700024), so a pod that logs in once fails every build after that.
Each build therefore logs in right before its ``az acr`` command, in the same shell, with
the token file as it is at that moment (the kubelet rotates it well before it expires).
Two forms: :func:`build_job`, a Job that runs one build and exits, and :func:`agent_manifest`,
a long-running agent whose builds run through ``/opt/acr-build/with-login``, which logs in
again each time (in a private config directory, so concurrent builds do not share a session).

Builds go through the build broker (``private_acr_rules.build_broker``): the pods' identity may
follow runs but not start one, so ``/opt/acr-build/run-task TASK CONTEXT`` posts the request
to the broker with the pod's Entra token (``az rest --resource <Resource Manager>``, which puts
it in the Authorization header), then follows the run it started with ``az acr task logs`` and
fails unless it succeeded. A directory as context is packed (without ``.git``) and uploaded to
the registry's build-source storage through a write URL the broker hands out, as ``az acr
build`` uploads one; packing and the upload use the Python every Azure CLI image runs on, since
the Azure Linux image has neither tar nor curl.

The commands carry ``--resource-group``: without it azure-cli looks the registry up among
all resources of the subscription (``_utils.py get_resource_group_name_by_registry_name``),
which the trigger's role does not allow.

Pod security. The namespace enforces, audits and warns at the ``restricted`` Pod Security
Standard (``pod-security.kubernetes.io/<mode>: restricted``; kubernetes.io, "Pod Security
Admission", which AKS enables by default: Learn, aks/use-psa), and the pods meet it: non-root,
no privilege escalation, every capability dropped, the runtime's default seccomp profile, only
emptyDir, configMap and projected volumes. Beyond the standard, every container requests and
limits CPU and memory and limits its ephemeral storage, every emptyDir has a ``sizeLimit``
within that limit (a build context fills the disk of the one node pool otherwise), the pods
run as UID and GID 10001 (at least 10000, above the users and groups a node defines, so a
process that escapes its container owns no file of the host: checkov CKV_K8S_40), and the
image is pulled only when the node lacks it (``IfNotPresent``; pin it by digest,
``name@sha256:<digest>``, so the same bytes run everywhere: kubernetes.io, "Images").
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any

import yaml

from private_acr_rules.clouds import AzureCloud, names

SCRIPT_DIR = "/opt/acr-build"
WORKSPACE = "/workspace"
AGENT_NAME = "acr-build-agent"
POD_SECURITY_LEVEL = "restricted"
POD_SECURITY_MODES = ("enforce", "audit", "warn")
RUN_AS = 10001
"""UID and GID of every CI pod."""
TMP_SIZE = "2Gi"
"""The emptyDir at ``/tmp`` (azure-cli's home and config, an uploaded context's archive)."""
WORKSPACE_SIZE = "4Gi"
"""The agent's emptyDir at ``/workspace`` (the checkouts it builds)."""
_ARM_SCOPE = re.compile(r"^/subscriptions/([^/]+)/resourceGroups/([^/]+)/", re.IGNORECASE)


@dataclass(frozen=True)
class CiPod:
    """Where the CI agent and the build Jobs run, and the Azure CLI they run."""

    namespace: str
    service_account: str
    cli_image: str
    cloud: AzureCloud = AzureCloud.PUBLIC


@dataclass(frozen=True)
class Broker:
    """Where the pods ask for builds: the broker's URL (the trigger's callback URL without its
    SAS signature) and the audience of the token they send (the cloud's Resource Manager)."""

    url: str
    audience: str


@dataclass(frozen=True)
class BuildTarget:
    """Where builds go: the registry, its subscription and resource group, the task and pool."""

    subscription_id: str
    resource_group: str
    registry_name: str
    task_name: str
    agent_pool_name: str

    @classmethod
    def of_registry(
        cls,
        registry_id: str,
        registry_name: str,
        task_name: str,
        agent_pool_name: str,
        *,
        subscription_id: str,
        resource_group: str,
    ) -> BuildTarget:
        """The target of a registry by its ARM id, whose subscription and resource group
        win over the given ones (the registry may live in another group)."""
        match = _ARM_SCOPE.match(registry_id)
        if match:
            subscription_id, resource_group = match[1], match[2]
        return cls(subscription_id, resource_group, registry_name, task_name, agent_pool_name)

    def _registry(self) -> str:
        return f"--registry {shlex.quote(self.registry_name)} --resource-group {shlex.quote(self.resource_group)}"

    def task_run_command(self, context: str) -> str:
        """Runs the task through the broker with ``context`` (a shell word: a directory, or a
        git or tarball URL the task lists); run it logged in (``with-login``)."""
        return f"{SCRIPT_DIR}/run-task {shlex.quote(self.task_name)} {context}"

    def run_task_script(self, broker: Broker) -> str:
        """``run-task TASK CONTEXT``: ask the broker to run TASK on CONTEXT, follow the run."""
        registry = self._registry()
        lines = [
            "#!/bin/sh",
            "# run-task TASK CONTEXT: asks the build broker to run TASK of this stack on CONTEXT,",
            "# a directory (packed and uploaded through the broker) or a URL the task lists, then",
            "# follows the run. Run it logged in (with-login, or after az login).",
            "set -eu",
            'task="$1"',
            'context="$2"',
            "broker() {",
            f"  az rest --method post --url {shlex.quote(broker.url)} \\",
            f"    --resource {shlex.quote(broker.audience)} --headers Content-Type=application/json \\",
            '    --body "$1" --query "$2" --output tsv',
            "}",
            'if [ -d "$context" ]; then',
            # --output tsv prints a list one item a line (knack, output.py _format_tsv).
            '  answer="$(broker \'{"operation": "upload"}\' \'[uploadUrl, relativePath]\')"',
            "  { read -r upload_url || :; read -r uploaded || :; } <<ANSWER",
            "$answer",
            "ANSWER",
            '  test -n "$upload_url" && test -n "$uploaded" || {',
            '    echo "the broker handed out no upload location" >&2',
            "    exit 1",
            "  }",
            '  python3 - "$context" "$upload_url" <<\'PACK\'',
            *_PACK_AND_UPLOAD,
            "PACK",
            '  context="$uploaded"',
            "fi",
            'request="$(python3 -c '
            + shlex.quote(
                'import json, sys; print(json.dumps({"operation": "run", "task": sys.argv[1], '
                '"context": sys.argv[2]}))'
            )
            + ' "$task" "$context")"',
            'run_id="$(broker "$request" runId)"',
            # A 202 without a run in it would leave nothing to follow: say so, do not guess.
            'test -n "$run_id" || { echo "the broker started no run of $task" >&2; exit 1; }',
            'echo "run $run_id of $task queued"',
            f'az acr task logs {registry} --run-id "$run_id"',
            f'status="$(az acr task show-run {registry} --run-id "$run_id" --query status --output tsv)"',
            'echo "run $run_id: $status"',
            'test "$status" = Succeeded',
        ]
        return "\n".join(lines) + "\n"

    def quick_build_command(self) -> str:
        return (
            f"az acr build {self._registry()} --agent-pool {shlex.quote(self.agent_pool_name)} "
            "--image app:{{.Run.ID}} --file Dockerfile ."
        )


_PACK_AND_UPLOAD = (
    "import sys, tarfile, tempfile, urllib.request",
    "source, url = sys.argv[1], sys.argv[2]",
    "def keep(member):",
    "    return None if member.name.split('/')[1:2] == ['.git'] else member",
    "with tempfile.TemporaryFile() as archive:",
    "    with tarfile.open(fileobj=archive, mode='w:gz') as tar:",
    "        tar.add(source, arcname='.', filter=keep)",
    "    size = archive.tell()",
    "    archive.seek(0)",
    "    headers = {'x-ms-blob-type': 'BlockBlob', 'x-ms-version': '2021-08-06',",
    "               'Content-Length': str(size)}",
    "    request = urllib.request.Request(url, data=archive, method='PUT', headers=headers)",
    "    urllib.request.urlopen(request, timeout=900).close()",
)
"""The context as a gzipped tar (what ACR Tasks takes; ``.git`` left out) PUT as one block
blob to the write URL the broker handed out (Blob service REST, "Put Blob": a block blob up to
5000 MiB in one request from version 2019-12-12)."""

_LOGIN = (
    'az login --service-principal --username "$AZURE_CLIENT_ID" --tenant "$AZURE_TENANT_ID" '
    '--federated-token "$(cat "$AZURE_FEDERATED_TOKEN_FILE")" --output none',
    'az account set --subscription "$AZURE_SUBSCRIPTION_ID"',
)


def logged_in(cloud: AzureCloud, *commands: str) -> str:
    """A shell script that logs in to ``cloud`` with the token as it is now, then runs ``commands``.

    Each run gets its own azure-cli config directory, removed when it ends, so concurrent
    builds in one pod never share or overwrite a session. A fresh directory knows only the
    public cloud, so the cloud is set first.
    """
    lines = [
        "set -eu",
        'AZURE_CONFIG_DIR="$(mktemp -d)"',
        "export AZURE_CONFIG_DIR",
        "trap 'rm -rf \"$AZURE_CONFIG_DIR\"' EXIT",
        f"az cloud set --name {names(cloud).cli_name}",
        *_LOGIN,
        *commands,
    ]
    return "\n".join(lines) + "\n"


class _Dumper(yaml.SafeDumper):
    """Writes multi-line strings (the scripts) as literal blocks, so they read as scripts, and
    repeats shared values instead of writing YAML anchors."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    node = dumper.represent_str(value)
    if "\n" in value:
        node.style = "|"
    return node


_Dumper.add_representer(str, _represent_str)


def _resources(ephemeral_storage: str) -> dict[str, Any]:
    """Requests and limits: azure-cli needs little CPU, up to about 1Gi of memory, and disk for
    its emptyDirs (``ephemeral_storage`` covers them: kubelet counts emptyDir use against the
    pod's ephemeral-storage limit, the sum of its containers')."""
    return {
        "requests": {"cpu": "100m", "memory": "256Mi", "ephemeral-storage": "256Mi"},
        "limits": {"cpu": "1", "memory": "1Gi", "ephemeral-storage": ephemeral_storage},
    }


def _container(pod: CiPod, subscription_id: str, command: list[str]) -> dict[str, Any]:
    return {
        "name": "az",
        "image": pod.cli_image,
        "imagePullPolicy": "IfNotPresent",
        "command": command,
        "env": [
            {"name": "AZURE_SUBSCRIPTION_ID", "value": subscription_id},
            {"name": "HOME", "value": "/tmp"},
            {"name": "AZURE_CORE_COLLECT_TELEMETRY", "value": "false"},
        ],
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "resources": _resources("3Gi"),
    }


def _pod_spec(pod: CiPod, container: dict[str, Any]) -> dict[str, Any]:
    """Non-root, no Kubernetes API token (workload identity projects its own token)."""
    return {
        "serviceAccountName": pod.service_account,
        "automountServiceAccountToken": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": RUN_AS,
            "runAsGroup": RUN_AS,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [container],
        "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": TMP_SIZE}}],
    }


def _pod_template(labels: dict[str, str], spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "metadata": {"labels": {**labels, "azure.workload.identity/use": "true"}},
        "spec": spec,
    }


SCRIPTS = "acr-build-scripts"
"""The ConfigMap of ``with-login`` and ``run-task``, mounted at ``SCRIPT_DIR``."""


def _with_scripts(container: dict[str, Any], spec: dict[str, Any]) -> None:
    container["volumeMounts"].append({"name": "scripts", "mountPath": SCRIPT_DIR, "readOnly": True})
    spec["volumes"].append(
        {"name": "scripts", "configMap": {"name": SCRIPTS, "defaultMode": 0o555}}
    )


def _agent(pod: CiPod, target: BuildTarget, broker: Broker) -> list[dict[str, Any]]:
    """The scripts every build runs through, and the agent that runs builds on demand."""
    scripts = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": SCRIPTS, "namespace": pod.namespace},
        "data": {
            "with-login": "#!/bin/sh\n" + logged_in(pod.cloud, '"$@"'),
            "run-task": target.run_task_script(broker),
        },
    }
    container = _container(pod, target.subscription_id, ["sleep", "infinity"])
    container["workingDir"] = WORKSPACE
    container["resources"] = _resources("8Gi")
    container["volumeMounts"].append({"name": "workspace", "mountPath": WORKSPACE})
    spec = _pod_spec(pod, container)
    spec["volumes"].append({"name": "workspace", "emptyDir": {"sizeLimit": WORKSPACE_SIZE}})
    _with_scripts(container, spec)
    labels = {"app.kubernetes.io/name": AGENT_NAME}
    agent = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": AGENT_NAME, "namespace": pod.namespace, "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": _pod_template(labels, spec),
        },
    }
    return [scripts, agent]


def agent_manifest(
    pod: CiPod, client_id: str, tenant_id: str, target: BuildTarget, broker: Broker
) -> str:
    """Namespace, annotated service account, the scripts and the long-running agent."""
    documents = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": pod.namespace,
                "labels": {
                    f"pod-security.kubernetes.io/{mode}": POD_SECURITY_LEVEL
                    for mode in POD_SECURITY_MODES
                },
            },
        },
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {
                "name": pod.service_account,
                "namespace": pod.namespace,
                "annotations": {
                    "azure.workload.identity/client-id": client_id,
                    "azure.workload.identity/tenant-id": tenant_id,
                },
            },
        },
        *_agent(pod, target, broker),
    ]
    return yaml.dump_all(documents, Dumper=_Dumper, sort_keys=False)


def build_job(pod: CiPod, target: BuildTarget) -> str:
    """One build: log in, run the task through the broker with ``$BUILD_CONTEXT`` (a git or
    tarball URL the task lists), follow it, exit. It runs the scripts of ``agent_manifest``,
    which is applied first.

    ``generateName`` gives every ``kubectl create`` its own Job. No retries: a retried Job
    would start a second run and push a second image.
    """
    script = logged_in(
        pod.cloud,
        ': "${BUILD_CONTEXT:?set BUILD_CONTEXT to a git or tarball URL the task lists}"',
        target.task_run_command('"$BUILD_CONTEXT"'),
    )
    container = _container(pod, target.subscription_id, ["/bin/sh", "-c", script])
    container["env"].append({"name": "BUILD_CONTEXT", "value": ""})
    spec = _pod_spec(pod, container)
    _with_scripts(container, spec)
    spec["restartPolicy"] = "Never"
    labels = {"app.kubernetes.io/name": "acr-build"}
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"generateName": "acr-build-", "namespace": pod.namespace, "labels": labels},
        "spec": {
            "backoffLimit": 0,
            "ttlSecondsAfterFinished": 86400,
            "template": _pod_template(labels, spec),
        },
    }
    return yaml.dump(job, Dumper=_Dumper, sort_keys=False)
