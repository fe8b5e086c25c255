"""Typed stack settings: the stack config mapped onto the components' args and validated once.

``load_settings`` takes the raw config of one stack (what ``pulumi config`` holds, as the
engine hands it to the program: strings, with structured values JSON-encoded) and returns
frozen settings holding one validated plan per component, or raises one ``ConfigError``
listing every problem. Settings never re-implement a component's rules: each config key is
mapped onto an args field and checked by the component's own validation, whose messages
name the key as written in ``Pulumi.<stack>.yaml`` (``network.agentSubnet``,
``agentPool.tier``). Only the rules that span components (an endpoint subnet shared by
several endpoints, the Docker bridge against the cluster's ranges) are written here.
"""

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from private_acr_rules import capacity, cidr, naming
from private_acr_rules.clouds import AzureCloud
from private_acr_rules.validation import FieldReader, Labels
from private_acr_tasks.agent_pool import BuildAgentPoolPlan, validate_agent_pool
from private_acr_tasks.aks import AksClusterPlan, validate_aks_cluster
from private_acr_tasks.build_trigger import InClusterBuildTriggerPlan, validate_build_trigger
from private_acr_tasks.diagnostics import DiagnosticsPlan, validate_diagnostics
from private_acr_tasks.errors import ConfigError
from private_acr_tasks.network import SUBNET_FIELDS, NetworkPlan, validate_network
from private_acr_tasks.private_endpoint import EndpointDnsPlan, validate_endpoint_dns
from private_acr_tasks.registry import RegistryPlan, validate_registry
from private_acr_tasks.storage import ArtifactStorePlan, validate_artifact_store

PROJECT = "private-acr-tasks"
LOCATION_KEY = "azure-native:location"
CLOUD_KEY = "azure-native:environment"
ARTIFACT_CONTAINER = "artifacts"


@dataclass(frozen=True)
class StackSettings:
    """One stack, validated: a plan per component plus what only the stack knows."""

    environment: str
    """Used in names and tags."""
    location: str
    """Azure region of every resource."""
    network: NetworkPlan
    registry: RegistryPlan
    artifact_store: ArtifactStorePlan
    agent_pool: BuildAgentPoolPlan
    aks: AksClusterPlan
    build_trigger: InClusterBuildTriggerPlan
    dns: EndpointDnsPlan
    """Where every private endpoint's records live and who writes them."""
    diagnostics: DiagnosticsPlan
    """The workspace every resource sends its logs to (created, or an existing one)."""
    cloud: AzureCloud = AzureCloud.PUBLIC
    """The Azure cloud (the provider's ``azure-native:environment``)."""
    protect: bool = False
    """Protect the registry, agent pool, cluster and storage from deletion."""


# Config keys of each section and the args field each one sets. A key whose value the CLI may
# hand over as text (``pulumi config set --path agentPool.count 2``) names the type to read.
_Field = str | tuple[str, type]

NETWORK_KEYS: Mapping[str, _Field] = {
    "addressSpace": "address_space",
    "agentSubnet": "agent_subnet_prefix",
    "privateEndpointSubnet": "private_endpoint_subnet_prefix",
    "aksSubnet": "aks_subnet_prefix",
    "dnsServers": "dns_servers",
    "existingVnetId": "existing_vnet_id",
    "existingSubnetIds": "existing_subnet_ids",
    "firewallPolicyId": "firewall_policy_id",
}
EXISTING_SUBNET_KEYS: Mapping[str, str] = {
    "agent": "agent",
    "privateEndpoint": "private_endpoint",
    "aks": "aks",
}
REGISTRY_KEYS: Mapping[str, _Field] = {
    "zoneRedundancy": ("zone_redundancy", bool),
    "retentionDays": ("retention_days", int),
    "softDeleteDays": ("soft_delete_days", int),
    "replicas": "replicas",
}
AGENT_POOL_KEYS: Mapping[str, _Field] = {
    "tier": "tier",
    "count": ("count", int),
    "vcpuQuota": ("vcpu_quota", int),
}
AKS_KEYS: Mapping[str, _Field] = {
    "nodeCount": ("node_count", int),
    "nodeVmSize": "node_vm_size",
    "serviceCidr": "service_cidr",
    "dnsServiceIp": "dns_service_ip",
    "podCidr": "pod_cidr",
    "sshPublicKey": "ssh_public_key",
    "kubernetesVersion": "kubernetes_version",
    "privateCluster": ("private_cluster", bool),
    "authorizedIpRanges": "authorized_ip_ranges",
    "grantSubnetAccess": ("grant_subnet_access", bool),
    "adminGroupObjectIds": "admin_group_object_ids",
    "containerInsights": ("container_insights", bool),
}
BUILD_TRIGGER_KEYS: Mapping[str, _Field] = {
    "cliImage": "cli_image",
    "deployers": "deployers",
    "deployerPrincipalType": "deployer_principal_type",
}
DNS_KEYS: Mapping[str, _Field] = {"zoneIds": "zone_ids", "zoneGroups": "zone_groups"}
DIAGNOSTICS_KEYS: Mapping[str, _Field] = {
    "workspaceId": "workspace_id",
    "retentionDays": ("retention_days", int),
}
SECTIONS: Mapping[str, tuple[Mapping[str, _Field], bool]] = {
    "network": (NETWORK_KEYS, True),
    "dns": (DNS_KEYS, False),
    "registry": (REGISTRY_KEYS, False),
    "agentPool": (AGENT_POOL_KEYS, False),
    "aks": (AKS_KEYS, True),
    "buildTrigger": (BUILD_TRIGGER_KEYS, False),
    "diagnostics": (DIAGNOSTICS_KEYS, False),
}
"""Each structured key, its keys, and whether the stack must set it."""
TOP_LEVEL_KEYS = ("environment", "dockerBridgeCidr", "protect", *SECTIONS)


def _from_text(value: object, kind: type | None) -> object:
    """A scalar the CLI delivered as text, read as the type its key expects."""
    if not isinstance(value, str) or kind is None:
        return value
    text = value.strip().lower()
    if kind is bool and text in ("true", "false"):
        return text == "true"
    if kind is int and text.lstrip("-").isdigit():
        return int(text)
    return value


@dataclass
class _Section:
    """One structured config key, mapped onto args fields with their config labels."""

    name: str
    values: dict[str, object]
    labels: dict[str, str]

    def reader(self, problems: list[str], **extra: object) -> FieldReader:
        return FieldReader(
            {**self.values, **extra}, Labels.mapped(self.labels, f"{self.name}."), problems
        )


class _Config:
    """The raw config of one stack, read key by key, collecting every problem."""

    def __init__(self, raw: Mapping[str, object]) -> None:
        self.raw = raw
        self.problems: list[str] = []
        prefix = PROJECT + ":"
        self.top = {k[len(prefix) :]: v for k, v in raw.items() if k.startswith(prefix)}
        self._unknown_keys("", self.top, TOP_LEVEL_KEYS)

    def _unknown_keys(self, section: str, values: Mapping[str, object], known: Any) -> None:
        names = sorted(known)
        dotted = f"{section}." if section else ""
        for name in values:
            if name not in names:
                hint = difflib.get_close_matches(name, names, n=1)
                did_you_mean = f"; did you mean {dotted + hint[0]!r}?" if hint else ""
                self.problems.append(
                    f"{dotted}{name}: unknown key{did_you_mean} (known keys: {', '.join(names)})"
                )

    def section(self, name: str) -> _Section:
        keys, required = SECTIONS[name]
        raw = self.top.get(name)
        if raw is None:
            if required:
                self.problems.append(f"{name}: missing; this key is required")
            return _Section(name, {}, {})
        value = json.loads(raw) if isinstance(raw, str) and raw.strip().startswith("{") else raw
        if not isinstance(value, Mapping):
            self.problems.append(f"{name}: got {raw!r}; expected an object of settings")
            return _Section(name, {}, {})
        values = cast(Mapping[str, object], value)
        self._unknown_keys(name, values, keys)
        section = _Section(name, {}, {})
        for key, spec in keys.items():
            field, kind = (spec, None) if isinstance(spec, str) else spec
            section.labels[field] = f"{name}.{key}"
            if key in values:
                section.values[field] = _from_text(values[key], kind)
        return section

    def scalar(self, key: str, kind: type | None = None) -> object:
        return _from_text(self.top.get(key), kind)


def _lifecycle(registry: _Section, problems: list[str]) -> None:
    """``retentionDays`` and ``softDeleteDays`` are the two modes of one registry setting."""
    retention = registry.values.pop("retention_days", None)
    soft_delete = registry.values.pop("soft_delete_days", None)
    if retention is not None and soft_delete is not None:
        problems.append(
            "registry.softDeleteDays: ACR does not allow the soft delete policy together with "
            "the retention policy; remove registry.retentionDays to use soft delete"
        )
    elif soft_delete is not None or retention is not None:
        mode, days, key = (
            ("softDelete", soft_delete, "softDeleteDays")
            if soft_delete is not None
            else ("retention", retention, "retentionDays")
        )
        registry.values["artifact_lifecycle"] = {"mode": mode, "days": days}
        for part in ("mode", "days"):
            registry.labels[f"artifact_lifecycle.{part}"] = f"registry.{key}"


def _environment(config: _Config) -> str:
    value = config.scalar("environment")
    if value is None:
        config.problems.append("environment: missing; this key is required")
    elif not isinstance(value, str) or not naming.ENVIRONMENT.fullmatch(value):
        config.problems.append(
            f"environment: got {value!r}; expected 2-12 lower-case letters, digits or '-' "
            "(it is part of resource names), e.g. dev"
        )
    else:
        return value
    return "invalid"


def _names(environment: str) -> dict[str, dict[str, object]]:
    """The names each component derives from the environment (validated like any other arg)."""
    compact = environment.replace("-", "")
    return {
        "registry": {"name_prefix": f"acr{compact}"[:40]},
        "agentPool": {
            "pool_name": f"pool-{environment}"[:20],
            "task_name": f"private-build-{environment}",
            "artifact_container": ARTIFACT_CONTAINER,
        },
        "aks": {"dns_prefix": f"aks-{environment}"},
        "store": {"name_prefix": f"st{compact}"[:16], "container_name": ARTIFACT_CONTAINER},
        "diagnostics": {"workspace_name": f"log-{PROJECT}-{environment}"},
    }


def _stack_rules(
    network: NetworkPlan, registry: RegistryPlan, aks: AksClusterPlan, problems: list[str]
) -> None:
    """Rules over more than one component's plan."""
    # The endpoint subnet holds the registry endpoint (with a data endpoint per replica) and
    # the artifact store's blob endpoint.
    problems.extend(
        capacity.endpoint_capacity_problems(
            "network.privateEndpointSubnet",
            network.private_endpoint_subnet,
            capacity.registry_endpoint_addresses(len(registry.replicas))
            + capacity.OTHER_ENDPOINT_ADDRESSES,
        )
    )
    usable = capacity.usable_addresses(network.aks_subnet)
    if usable < aks.node_count + 1:
        problems.append(
            f"network.aksSubnet: {network.aks_subnet} has {usable} usable addresses; "
            f"aks.nodeCount {aks.node_count} needs {aks.node_count + 1} (one extra node during upgrades)"
        )
    problems.extend(
        cidr.bridge_conflict_problems(
            network.docker_bridge,
            "dockerBridgeCidr",
            [
                cidr.Labelled(aks.service_cidr, "aks.serviceCidr"),
                cidr.Labelled(aks.pod_cidr, "aks.podCidr"),
            ],
        )
    )


def _cluster_ranges(network: NetworkPlan | None) -> tuple[dict[str, object], dict[str, str]]:
    """The VNet ranges the cluster must avoid, as AKS args values with their config labels."""
    if network is None:
        return {}, {}
    ranges = [network.address_space, *network.subnets]
    keys = ["network.addressSpace"] + [
        next(f"network.{k}" for k, v in NETWORK_KEYS.items() if v == field)
        for field in SUBNET_FIELDS
    ]
    labels = {f"vnet_ranges[{index}]": key for index, key in enumerate(keys)}
    return {"vnet_ranges": ranges}, labels


def _cloud(raw: Mapping[str, object], problems: list[str]) -> AzureCloud:
    value = raw.get(CLOUD_KEY)
    if value is None:
        return AzureCloud.PUBLIC
    for cloud in AzureCloud:
        if value == cloud.value:
            return cloud
    choices = ", ".join(c.value for c in AzureCloud)
    problems.append(f"{CLOUD_KEY}: got {value!r}; expected one of {choices}")
    return AzureCloud.PUBLIC


@dataclass
class _Loader:
    """Reads the stack config section by section into component plans."""

    raw: Mapping[str, object]
    config: _Config
    environment: str
    cloud: AzureCloud

    @property
    def problems(self) -> list[str]:
        return self.config.problems

    def names(self) -> dict[str, dict[str, object]]:
        return _names(self.environment)

    def network(self) -> NetworkPlan | None:
        section = self.config.section("network")
        section.labels["docker_bridge_cidr"] = "dockerBridgeCidr"
        existing = section.values.get("existing_subnet_ids")
        if isinstance(existing, Mapping):
            given = cast(Mapping[str, object], existing)
            section.values["existing_subnet_ids"] = {
                EXISTING_SUBNET_KEYS.get(key, key): value for key, value in given.items()
            }
            for key, field in EXISTING_SUBNET_KEYS.items():
                section.labels[f"existing_subnet_ids.{field}"] = f"network.existingSubnetIds.{key}"
        bridge = self.config.scalar("dockerBridgeCidr")
        if bridge is not None:
            section.values["docker_bridge_cidr"] = bridge
        return validate_network(section.reader(self.problems))

    def dns(self) -> EndpointDnsPlan | None:
        return validate_endpoint_dns(self.config.section("dns").reader(self.problems), self.cloud)

    def registry(self, location: str) -> RegistryPlan | None:
        section = self.config.section("registry")
        _lifecycle(section, self.problems)
        section.labels.update(name_prefix="environment", location=LOCATION_KEY)
        values = {**self.names()["registry"], "cloud": self.cloud, "location": location}
        return validate_registry(section.reader(self.problems, **values))

    def diagnostics(self) -> DiagnosticsPlan | None:
        section = self.config.section("diagnostics")
        section.labels["workspace_name"] = "environment"
        names = self.names()["diagnostics"]
        return validate_diagnostics(section.reader(self.problems, **names))

    def agent_pool(self, trigger: InClusterBuildTriggerPlan | None) -> BuildAgentPoolPlan | None:
        section = self.config.section("agentPool")
        section.labels.update(pool_name="environment", task_name="environment")
        # One CLI image for the task's steps and the trigger, checked once (by the trigger).
        image = {"cli_image": trigger.cli_image} if trigger else {}
        values = {**self.names()["agentPool"], **image}
        return validate_agent_pool(section.reader(self.problems, **values))

    def aks(self, network: NetworkPlan | None) -> AksClusterPlan | None:
        section = self.config.section("aks")
        ranges, range_labels = _cluster_ranges(network)
        section.labels.update(range_labels, dns_prefix="environment")
        return validate_aks_cluster(section.reader(self.problems, **self.names()["aks"], **ranges))

    def artifact_store(self) -> ArtifactStorePlan | None:
        section = _Section("environment", {}, {"name_prefix": "environment"})
        values = {**self.names()["store"], "cloud": self.cloud}
        return validate_artifact_store(section.reader(self.problems, **values))

    def build_trigger(self) -> InClusterBuildTriggerPlan | None:
        return validate_build_trigger(self.config.section("buildTrigger").reader(self.problems))

    def location(self) -> str:
        location = self.raw.get(LOCATION_KEY)
        if isinstance(location, str) and location:
            return location
        self.problems.append(f"{LOCATION_KEY}: missing; set the Azure region, e.g. eastus2")
        return ""

    def protect(self) -> bool:
        protect = self.config.scalar("protect", bool)
        if protect is not None and not isinstance(protect, bool):
            self.problems.append(f"protect: got {protect!r}; expected true or false")
        return protect is True


def load_settings(raw: Mapping[str, object]) -> StackSettings:
    """Parse and validate one stack's config; raises ``ConfigError`` naming every problem.

    ``raw`` maps full keys (``private-acr-tasks:network``, ``azure-native:location``) to the
    values the engine passes: strings, with objects JSON-encoded.
    """
    config = _Config(raw)
    load = _Loader(raw, config, _environment(config), _cloud(raw, config.problems))
    location, protect = load.location(), load.protect()
    network, dns = load.network(), load.dns()
    registry, trigger = load.registry(location), load.build_trigger()
    agent_pool, aks = load.agent_pool(trigger), load.aks(network)
    store, diagnostics = load.artifact_store(), load.diagnostics()
    if network is not None and registry is not None and aks is not None:
        _stack_rules(network, registry, aks, config.problems)
    if (
        config.problems
        or network is None
        or dns is None
        or registry is None
        or agent_pool is None
        or aks is None
        or store is None
        or trigger is None
        or diagnostics is None
    ):
        raise ConfigError(config.problems)
    return StackSettings(
        environment=load.environment,
        location=location,
        network=network,
        registry=registry,
        artifact_store=store,
        agent_pool=agent_pool,
        aks=aks,
        build_trigger=trigger,
        dns=dns,
        diagnostics=diagnostics,
        cloud=load.cloud,
        protect=protect,
    )


def load_from_pulumi() -> StackSettings:
    """Read the running program's config from the Pulumi runtime and validate it."""
    from pulumi.runtime import config as runtime_config

    return load_settings(dict(runtime_config.CONFIG.get()))
