"""The CI agent's and the build Job's pods against the restricted Pod Security Standard.

One test per control of kubernetes.io "Pod Security Standards" (the Baseline controls, which
Restricted includes, then the Restricted ones), with the allowed values copied from that page,
so a manifest the namespace's ``pod-security.kubernetes.io/enforce: restricted`` label would
refuse fails here first. The values are written here from the page, never read from the code
that renders the manifests. Then the project's own rules beyond the standard (resources,
UID and GID, pull policy, emptyDir sizes).
"""

from collections.abc import Iterator
from typing import Any, cast

import pytest
import yaml

from private_acr_rules.ci_manifests import Broker, BuildTarget, CiPod, agent_manifest, build_job

POD = CiPod("ci", "acr-build-trigger", "mcr.microsoft.com/azure-cli:2.74.0-azurelinux3.0")
TARGET = BuildTarget.of_registry(
    "/subscriptions/1111/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr",
    "acr",
    "build-dev",
    "pool-dev",
    subscription_id="1111",
    resource_group="rg",
)
BROKER = Broker("https://broker.example/invoke", "https://management.azure.com/")


def documents() -> list[dict[str, Any]]:
    return [
        *yaml.safe_load_all(agent_manifest(POD, "client", "tenant", TARGET, BROKER)),
        yaml.safe_load(build_job(POD, TARGET)),
    ]


def pod_specs() -> dict[str, dict[str, Any]]:
    """Every pod spec the manifests create, by the kind of its workload."""
    return {
        doc["kind"]: doc["spec"]["template"]["spec"]
        for doc in documents()
        if doc["kind"] in ("Deployment", "Job")
    }


KINDS = ("Deployment", "Job")


def containers(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for key in ("containers", "initContainers", "ephemeralContainers"):
        yield from listed(spec, key)


def obj(value: object) -> dict[str, Any]:
    """``value`` as an object; empty when it is none (absent, null or another type)."""
    return cast(dict[str, Any], value) if isinstance(value, dict) else {}


def sub(value: object, key: str) -> dict[str, Any]:
    """``value[key]`` as an object, empty when absent or null."""
    return obj(obj(value).get(key))


def listed(value: object, key: str) -> list[Any]:
    """``value[key]`` as a list, empty when absent or null."""
    found: object = obj(value).get(key)
    return cast(list[Any], found) if isinstance(found, list) else []


def context(container: dict[str, Any]) -> dict[str, Any]:
    return sub(container, "securityContext")


def scopes(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The pod's security context and every container's."""
    return [sub(spec, "securityContext"), *(context(c) for c in containers(spec))]


def test_there_are_pods_to_check() -> None:
    assert set(pod_specs()) == set(KINDS)
    assert all(list(containers(spec)) for spec in pod_specs().values())


# Baseline ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_host_process(kind: str) -> None:
    # spec.securityContext.windowsOptions.hostProcess and the containers': undefined, false.
    assert all(
        sub(s, "windowsOptions").get("hostProcess") in (None, False)
        for s in scopes(pod_specs()[kind])
    )


@pytest.mark.parametrize("kind", KINDS)
def test_host_namespaces(kind: str) -> None:
    # spec.hostNetwork, spec.hostPID, spec.hostIPC: undefined, false.
    spec = pod_specs()[kind]
    assert all(spec.get(f) in (None, False) for f in ("hostNetwork", "hostPID", "hostIPC"))


@pytest.mark.parametrize("kind", KINDS)
def test_privileged_containers(kind: str) -> None:
    # securityContext.privileged: undefined, false.
    assert all(context(c).get("privileged") in (None, False) for c in containers(pod_specs()[kind]))


BASELINE_CAPABILITIES = {
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
}


@pytest.mark.parametrize("kind", KINDS)
def test_capabilities_baseline(kind: str) -> None:
    # securityContext.capabilities.add: undefined, or only the listed defaults.
    for container in containers(pod_specs()[kind]):
        added = set(listed(sub(context(container), "capabilities"), "add"))
        assert added <= BASELINE_CAPABILITIES


@pytest.mark.parametrize("kind", KINDS)
def test_host_path_volumes(kind: str) -> None:
    # spec.volumes[*].hostPath: undefined.
    assert all("hostPath" not in v for v in listed(pod_specs()[kind], "volumes"))


@pytest.mark.parametrize("kind", KINDS)
def test_host_ports(kind: str) -> None:
    # ports[*].hostPort: undefined or 0 (a known list is not part of the built-in admission).
    for container in containers(pod_specs()[kind]):
        assert all(obj(p).get("hostPort") in (None, 0) for p in listed(container, "ports"))


@pytest.mark.parametrize("kind", KINDS)
def test_app_armor(kind: str) -> None:
    # appArmorProfile.type: undefined, RuntimeDefault, Localhost; the annotation
    # container.apparmor.security.beta.kubernetes.io/*: undefined, runtime/default, localhost/*.
    for scope in scopes(pod_specs()[kind]):
        profile = sub(scope, "appArmorProfile").get("type")
        assert profile in (None, "RuntimeDefault", "Localhost")
    for doc in documents():
        if doc["kind"] in KINDS:
            annotations = sub(sub(doc["spec"]["template"], "metadata"), "annotations")
            for key, value in annotations.items():
                if key.startswith("container.apparmor.security.beta.kubernetes.io/"):
                    assert value == "runtime/default" or value.startswith("localhost/")


@pytest.mark.parametrize("kind", KINDS)
def test_se_linux(kind: str) -> None:
    # seLinuxOptions.type: undefined, "", container_t, container_init_t, container_kvm_t,
    # container_engine_t; seLinuxOptions.user and role: undefined, "".
    types = (None, "", "container_t", "container_init_t", "container_kvm_t", "container_engine_t")
    for scope in scopes(pod_specs()[kind]):
        options = sub(scope, "seLinuxOptions")
        assert options.get("type") in types
        assert options.get("user") in (None, "") and options.get("role") in (None, "")


@pytest.mark.parametrize("kind", KINDS)
def test_proc_mount_type(kind: str) -> None:
    # securityContext.procMount: undefined, Default.
    for container in containers(pod_specs()[kind]):
        assert context(container).get("procMount") in (None, "Default")


@pytest.mark.parametrize("kind", KINDS)
def test_seccomp_baseline(kind: str) -> None:
    # seccompProfile.type: undefined, RuntimeDefault, Localhost.
    for scope in scopes(pod_specs()[kind]):
        assert sub(scope, "seccompProfile").get("type") in (
            None,
            "RuntimeDefault",
            "Localhost",
        )


SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}


@pytest.mark.parametrize("kind", KINDS)
def test_sysctls(kind: str) -> None:
    # spec.securityContext.sysctls[*].name: undefined, or one of the safe set.
    sysctls = listed(sub(pod_specs()[kind], "securityContext"), "sysctls")
    assert {obj(s).get("name") for s in sysctls} <= SAFE_SYSCTLS


# Restricted --------------------------------------------------------------------------------

ALLOWED_VOLUME_TYPES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}


@pytest.mark.parametrize("kind", KINDS)
def test_volume_types(kind: str) -> None:
    # spec.volumes[*]: each sets one of the listed volume sources.
    for volume in listed(pod_specs()[kind], "volumes"):
        sources = set(obj(volume)) - {"name"}
        assert len(sources) == 1 and sources <= ALLOWED_VOLUME_TYPES, volume


@pytest.mark.parametrize("kind", KINDS)
def test_privilege_escalation(kind: str) -> None:
    # securityContext.allowPrivilegeEscalation: false (Linux pods).
    for container in containers(pod_specs()[kind]):
        assert context(container).get("allowPrivilegeEscalation") is False


@pytest.mark.parametrize("kind", KINDS)
def test_running_as_non_root(kind: str) -> None:
    # spec.securityContext.runAsNonRoot: true; a container's may be undefined when the pod's
    # is true, and otherwise must be true.
    spec = pod_specs()[kind]
    pod_level = sub(spec, "securityContext").get("runAsNonRoot")
    for container in containers(spec):
        own = context(container).get("runAsNonRoot")
        assert own is True or (own is None and pod_level is True)


@pytest.mark.parametrize("kind", KINDS)
def test_running_as_non_root_user(kind: str) -> None:
    # runAsUser (pod and containers): any non-zero value, or undefined.
    assert all(s.get("runAsUser") != 0 for s in scopes(pod_specs()[kind]))


@pytest.mark.parametrize("kind", KINDS)
def test_seccomp_restricted(kind: str) -> None:
    # seccompProfile.type: RuntimeDefault or Localhost; Unconfined and the absence of a
    # profile are prohibited; containers may leave it undefined when the pod sets it.
    spec = pod_specs()[kind]
    pod_level = sub(sub(spec, "securityContext"), "seccompProfile").get("type")
    for container in containers(spec):
        own = sub(context(container), "seccompProfile").get("type")
        assert (own or pod_level) in ("RuntimeDefault", "Localhost")


@pytest.mark.parametrize("kind", KINDS)
def test_capabilities_restricted(kind: str) -> None:
    # capabilities.drop: any list that includes ALL; capabilities.add: undefined or
    # NET_BIND_SERVICE alone.
    for container in containers(pod_specs()[kind]):
        capabilities = sub(context(container), "capabilities")
        assert "ALL" in listed(capabilities, "drop")
        assert set(listed(capabilities, "add")) <= {"NET_BIND_SERVICE"}


# Beyond the standard: what this project holds its pods to -----------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_every_container_requests_and_limits_cpu_memory_and_ephemeral_storage(kind: str) -> None:
    for container in containers(pod_specs()[kind]):
        resources = container["resources"]
        assert {"cpu", "memory"} <= set(resources["requests"])
        assert {"cpu", "memory", "ephemeral-storage"} <= set(resources["limits"])


@pytest.mark.parametrize("kind", KINDS)
def test_pods_run_as_uid_and_gid_of_at_least_10000(kind: str) -> None:
    spec = pod_specs()[kind]
    pod_level = spec["securityContext"]
    for container in containers(spec):
        user = context(container).get("runAsUser", pod_level.get("runAsUser"))
        group = context(container).get("runAsGroup", pod_level.get("runAsGroup"))
        assert user is not None and user >= 10000
        assert group is not None and group >= 10000


@pytest.mark.parametrize("kind", KINDS)
def test_images_are_pulled_only_when_missing(kind: str) -> None:
    assert all(c["imagePullPolicy"] == "IfNotPresent" for c in containers(pod_specs()[kind]))


@pytest.mark.parametrize("kind", KINDS)
def test_every_empty_dir_has_a_size_limit_within_the_pods_ephemeral_limit(kind: str) -> None:
    spec = pod_specs()[kind]
    empty_dirs = [obj(v) for v in listed(spec, "volumes")]
    sizes = [str(sub(v, "emptyDir").get("sizeLimit")) for v in empty_dirs if "emptyDir" in v]
    assert sizes and "None" not in sizes
    limit = sum(gibibytes(c["resources"]["limits"]["ephemeral-storage"]) for c in containers(spec))
    assert sum(gibibytes(s) for s in sizes) < limit


def gibibytes(quantity: str) -> float:
    units = {"Mi": 1 / 1024, "Gi": 1}
    return float(quantity[:-2]) * units[quantity[-2:]]


def test_the_namespace_enforces_audits_and_warns_at_restricted() -> None:
    namespace = next(d for d in documents() if d["kind"] == "Namespace")
    labels = namespace["metadata"]["labels"]
    for mode in ("enforce", "audit", "warn"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted"
