"""Typed stack settings: the stack config mapped onto the components' args and validated once.

``load_settings`` takes the raw config of one stack (what ``pulumi config`` holds, as the
engine hands it to the program: strings, with structured values JSON-encoded) and returns
frozen settings holding one validated plan per component, or raises one ``ConfigError``
listing every problem. Settings never re-implement a component's rules: each config key is
mapped onto an args field (``config_keys`` derives the keys from the args and lists the few
exceptions) and checked by the component's own validation, whose messages name the key as
written in ``Pulumi.<stack>.yaml`` (``network.agentSubnet``, ``agentPool.tier``). Only the rules that span components (an endpoint subnet shared by
several endpoints, the Docker bridge against the cluster's ranges, the vCPU quota over all
agent pools) are written here.

Pools and tasks: ``agentPools`` (or the single ``agentPool``, the pool ``default``) and
``tasks`` (or, without it, the stack's own task on the default pool), each task on one of the
pools, reading its own task file relative to the program directory. ``privateRegistries``
name the Key Vault secrets every task logs in with, and where each registry is for the agents'
NSG rules; with private registries or tasks the stack gets a key vault for build secrets.
Pulumi hands object config to the program with its keys sorted (pulumi/pulumi
``sdk/go/common/resource/config/object.go``: objects are Go maps, marshalled to JSON), so "the
first task" is the first key the program receives.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from private_acr_rules import agent_pools, capacity, cidr, egress, naming
from private_acr_rules.clouds import AzureCloud
from private_acr_rules.validation import FieldReader, Labels
from private_acr_tasks.agent_pool import BuildAgentPoolPlan, validate_agent_pool
from private_acr_tasks.aks import AksClusterPlan, OutboundType, validate_aks_cluster
from private_acr_tasks.build_task import (
    BUILTIN_TASK,
    BuildTaskPlan,
    RegistryCredentials,
    validate_build_task,
    validate_registry_credentials,
)
from private_acr_tasks.build_trigger import InClusterBuildTriggerPlan, validate_build_trigger
from private_acr_tasks.config_keys import MAP_SECTIONS, NETWORK, SECTIONS, TOP_LEVEL_KEYS, Keys
from private_acr_tasks.diagnostics import DiagnosticsPlan, validate_diagnostics
from private_acr_tasks.errors import ConfigError
from private_acr_tasks.key_vault import BuildKeyVaultPlan, validate_key_vault
from private_acr_tasks.network import SUBNET_FIELDS, NetworkPlan, validate_network
from private_acr_tasks.preflight import subscription_problems
from private_acr_tasks.private_endpoint import (
    AKS_ZONE_KEY,
    EndpointDnsPlan,
    EndpointPurpose,
    ZoneGroups,
    validate_endpoint_dns,
)
from private_acr_tasks.program_files import ProgramFileError, read_program_file
from private_acr_tasks.registry import RegistryPlan, validate_registry
from private_acr_tasks.storage import ArtifactStorePlan, validate_artifact_store

PROJECT = "private-acr-tasks"
LOCATION_KEY = "azure-native:location"
CLOUD_KEY = "azure-native:environment"
SUBSCRIPTION_KEY = "azure-native:subscriptionId"
ARTIFACT_CONTAINER = "artifacts"


@dataclass(frozen=True)
class StackTask:
    """A task of the stack and the pool it runs on."""

    agent_pool: str
    """The key of its pool in ``StackSettings.agent_pools``."""
    plan: BuildTaskPlan
    builtin: bool = False
    """The stack's own fetch/build/push task (no ``tasks`` configured)."""


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
    agent_pools: Mapping[str, BuildAgentPoolPlan]
    """Every agent pool by its key (``default`` for the single ``agentPool``), in config order."""
    tasks: Mapping[str, StackTask]
    """Every task by its key (``default`` for the stack's own task), in config order."""
    aks: AksClusterPlan
    build_trigger: InClusterBuildTriggerPlan
    dns: EndpointDnsPlan
    """Where every private endpoint's records live and who writes them."""
    diagnostics: DiagnosticsPlan
    """The workspace every resource sends its logs to (created, or an existing one)."""
    cloud: AzureCloud = AzureCloud.PUBLIC
    """The Azure cloud (the provider's ``azure-native:environment``)."""
    subscription_id: str | None = None
    """The subscription the stack deploys to when its config names it
    (``azure-native:subscriptionId``); otherwise the provider takes its credentials' own."""
    protect: bool = False
    """Protect the registry, agent pool, cluster and storage from deletion."""
    key_vault: BuildKeyVaultPlan | None = None
    """The vault for build secrets, when there are private registries or tasks."""

    @property
    def main_task(self) -> str:
        """The task the stack's outputs and the build trigger name: the first one."""
        return next(iter(self.tasks))

    @property
    def agent_pool(self) -> BuildAgentPoolPlan:
        """The pool of the main task."""
        return self.agent_pools[self.tasks[self.main_task].agent_pool]


DEFAULT_POOL = "default"
"""The key of the pool ``agentPool`` describes, and of the stack's own task."""


@dataclass
class _BuildConfig:
    """What ``agentPools``/``agentPool`` and ``privateRegistries`` say, as the plans take it."""

    pools: dict[str, BuildAgentPoolPlan] = field(default_factory=dict[str, BuildAgentPoolPlan])
    registries: dict[str, RegistryCredentials] = field(
        default_factory=dict[str, RegistryCredentials]
    )
    network_values: dict[str, dict[str, object]] = field(
        default_factory=dict[str, dict[str, object]]
    )
    """``pool_subnet_prefixes`` and ``build_destinations`` for the network's args."""
    network_labels: dict[str, str] = field(default_factory=dict[str, str])


_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,18}")
"""A whole number as the CLI writes one (``pulumi config set --path`` hands the program the
text ``"3"``): ASCII digits only. ``str.isdigit`` and ``int`` also take ``²``, U+0661 (the
Arabic-Indic one) and ``1_000``, which no YAML or JSON reader of the CLI reads as a number.
Past 18 digits no setting means anything (and ``int`` refuses text over 4,300 digits)."""


def _from_text(value: object, kind: type | None) -> object:
    """A scalar the CLI delivered as text, read as the type its key expects; text that is not
    one stays text, for the key's own check to refuse by name."""
    if not isinstance(value, str) or kind is None:
        return value
    text = value.strip().lower()
    if kind is bool and text in ("true", "false"):
        return text == "true"
    if kind is int and _WHOLE_NUMBER.fullmatch(text):
        return int(text)
    return value


@dataclass(frozen=True)
class _Object:
    """One config object read onto args fields: their values, the config key naming each
    field (``labels``), and the values of the stack's own keys (``own``), by key."""

    path: str
    values: Mapping[str, object] = field(default_factory=dict[str, object])
    labels: Mapping[str, str] = field(default_factory=dict[str, str])
    own: Mapping[str, object] = field(default_factory=dict[str, object])

    def with_fields(
        self, values: Mapping[str, object] | None = None, labels: Mapping[str, str] | None = None
    ) -> _Object:
        """A copy with more field values and labels."""
        return dataclasses.replace(
            self,
            values={**self.values, **(values or {})},
            labels={**self.labels, **(labels or {})},
        )

    def without(self, *fields: str) -> _Object:
        values = {k: v for k, v in self.values.items() if k not in fields}
        return dataclasses.replace(self, values=values)

    def reader(self, problems: list[str], **extra: object) -> FieldReader:
        return FieldReader(
            {**self.values, **extra}, Labels.mapped(self.labels, f"{self.path}."), problems
        )


def _read(path: str, raw: Mapping[str, object], keys: Keys, problems: list[str]) -> _Object:
    """The one reader of a config object (a section, a map entry, an object inside them):
    unknown keys named in config words, each key onto its field with its field's type, objects
    inside read the same way."""
    known = keys.keys()
    FieldReader(raw, Labels.mapped({}, f"{path}."), problems).reject_unknown(known)
    values: dict[str, object] = {}
    labels: dict[str, str] = {}
    own: dict[str, object] = {}
    for name, key in known.items():
        where = f"{path}.{name}"
        inner = None if key.keys is None else _read(where, {}, key.keys, [])
        if key.field is not None:
            labels[key.field] = where
            if inner is not None:
                labels.update({f"{key.field}.{f}": label for f, label in inner.labels.items()})
        value = raw.get(name)
        if value is None:
            continue
        if key.keys is not None and isinstance(value, Mapping):
            inner = _read(where, cast(Mapping[str, object], value), key.keys, problems)
            if key.field is None:  # an object of fields of these args (a task's triggers)
                values.update(inner.values)
                labels.update(inner.labels)
            else:
                values[key.field] = inner.values
        elif key.keys is not None and key.field is None:
            expected = ", ".join(key.keys.keys())
            problems.append(f"{where}: got {value!r}; expected an object with {expected}")
        elif key.field is None:
            own[name] = _from_text(value, key.kind)
        else:
            values[key.field] = _from_text(value, key.kind)
    return _Object(path, values, labels, own)


def _decoded(raw: object) -> object:
    """An object the engine passed JSON-encoded, decoded; text that is no JSON stays text, for
    the key's check to refuse by name."""
    if not isinstance(raw, str) or not raw.strip().startswith("{"):
        return raw
    try:
        return json.loads(raw)
    except ValueError:  # JSONDecodeError, or a number past int's 4,300 digits
        return raw


class _Config:
    """The raw config of one stack, read key by key, collecting every problem."""

    def __init__(self, raw: Mapping[str, object]) -> None:
        self.raw = raw
        self.problems: list[str] = []
        prefix = PROJECT + ":"
        self.top = {k[len(prefix) :]: v for k, v in raw.items() if k.startswith(prefix)}
        top = FieldReader(self.top, Labels.mapped({}), self.problems)
        top.reject_unknown(TOP_LEVEL_KEYS)

    def section(self, name: str) -> _Object:
        keys, required = SECTIONS[name]
        raw = self.top.get(name)
        value = _decoded(raw)
        if raw is None and required:
            self.problems.append(f"{name}: missing; this key is required")
        elif raw is not None and not isinstance(value, Mapping):
            self.problems.append(f"{name}: got {raw!r}; expected an object of settings")
        given: Mapping[str, object] = {}
        if isinstance(value, Mapping):
            given = cast(Mapping[str, object], value)
        return _read(name, given, keys, self.problems)

    def entry(self, name: str, key: str, values: Mapping[str, object]) -> _Object:
        """One entry of a map section (``agentPools.<key>``), read like a section."""
        return _read(f"{name}.{key}", values, MAP_SECTIONS[name], self.problems)

    def scalar(self, key: str, kind: type | None = None) -> object:
        return _from_text(self.top.get(key), kind)

    def entries(self, name: str) -> dict[str, Mapping[str, object]]:
        """A map section's entries (``agentPools.<key>``), each an object; problems named."""
        raw = self.top.get(name)
        value = _decoded(raw)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.problems.append(f"{name}: got {raw!r}; expected an object keyed by name")
            return {}
        found: dict[str, Mapping[str, object]] = {}
        for key, entry in cast(Mapping[str, object], value).items():
            if isinstance(entry, Mapping):
                found[key] = cast(Mapping[str, object], entry)
            else:
                self.problems.append(f"{name}.{key}: got {entry!r}; expected an object of settings")
        return found


def _lifecycle(registry: _Object, problems: list[str]) -> _Object:
    """``retentionDays`` and ``softDeleteDays`` are the two modes of one registry setting."""
    retention = registry.own.get("retentionDays")
    soft_delete = registry.own.get("softDeleteDays")
    if retention is not None and soft_delete is not None:
        problems.append(
            "registry.softDeleteDays: ACR does not allow the soft delete policy together with "
            "the retention policy; remove registry.retentionDays to use soft delete"
        )
    if soft_delete is None and retention is None:
        return registry
    # Soft delete, when asked for, is still checked against the rest (replicas, its days), so
    # removing retentionDays as told does not just reveal the next problem.
    mode, days, key = (
        ("softDelete", soft_delete, "softDeleteDays")
        if soft_delete is not None
        else ("retention", retention, "retentionDays")
    )
    return registry.with_fields(
        {"artifact_lifecycle": {"mode": mode, "days": days}},
        {f"artifact_lifecycle.{part}": f"registry.{key}" for part in ("mode", "days")},
    )


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
        "agentPool": {"pool_name": f"pool-{environment}"[:20]},
        "task": {"task_name": f"private-build-{environment}"},
        "keyVault": {"name_prefix": f"kv{compact}"[:16]},
        "aks": {"dns_prefix": f"aks-{environment}"},
        "store": {"name_prefix": f"st{compact}"[:16], "container_name": ARTIFACT_CONTAINER},
        "diagnostics": {"workspace_name": f"log-{PROJECT}-{environment}"},
    }


def _stack_rules(
    network: NetworkPlan,
    registry: RegistryPlan,
    aks: AksClusterPlan,
    problems: list[str],
    *,
    vault: bool = False,
) -> None:
    """Rules over more than one component's plan."""
    # The endpoint subnet holds the registry endpoint (with a data endpoint per replica), the
    # artifact store's blob endpoint and, with one, the key vault's.
    vault_addresses = capacity.OTHER_ENDPOINT_ADDRESSES if vault else 0
    problems.extend(
        capacity.endpoint_capacity_problems(
            "network.privateEndpointSubnet",
            network.private_endpoint_subnet,
            capacity.registry_endpoint_addresses(len(registry.replicas))
            + capacity.OTHER_ENDPOINT_ADDRESSES
            + vault_addresses,
        )
    )
    usable = capacity.usable_addresses(network.aks_subnet)
    if usable < aks.node_count + 1:
        problems.append(
            f"network.aksSubnet: {network.aks_subnet} has {usable} usable addresses; "
            f"aks.nodeCount {aks.node_count} needs {aks.node_count + 1} (one extra node during upgrades)"
        )
    if aks.outbound_type is OutboundType.USER_DEFINED_ROUTING and network.existing_subnets is None:
        problems.append(
            "aks.outboundType: userDefinedRouting needs a route table on the node subnet that "
            "sends 0.0.0.0/0 to a firewall, and this stack creates its subnets without one; "
            "use it with network.existingSubnetIds (the platform's subnets and route table)"
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


def _policy_dns_rule(dns: EndpointDnsPlan, problems: list[str], *, vault: bool) -> None:
    """Azure Policy writes an endpoint's records into the platform's central zone, so with
    ``zoneGroups: policy`` every endpoint needs that zone named: a zone of the stack's own would
    be linked to the VNet, hold no record, and answer every lookup of the endpoint NXDOMAIN."""
    if dns.zone_groups is not ZoneGroups.POLICY:
        return
    purposes = [EndpointPurpose.REGISTRY, EndpointPurpose.BLOB]
    purposes += [EndpointPurpose.VAULT] if vault else []
    missing = [p.value for p in purposes if p not in dns.zone_ids]
    if missing:
        problems.append(
            f"dns.zoneIds: dns.zoneGroups is policy, so Azure Policy writes each endpoint's "
            f"records into a central zone; name it for {', '.join(missing)} too (a zone of "
            "this stack's own would stay empty and resolve nothing)"
        )


def _cluster_ranges(network: NetworkPlan | None) -> tuple[dict[str, object], dict[str, str]]:
    """The VNet ranges the cluster must avoid, as AKS args values with their config labels."""
    if network is None:
        return {}, {}
    ranges = [network.address_space, *network.subnets, *network.pool_subnets.values()]
    keys = ["network.addressSpace"] + [
        f"network.{NETWORK.key_of(field)}" for field in SUBNET_FIELDS
    ]
    keys += [f"agentPools.{key}.subnet" for key in network.pool_subnets]
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
    program_dir: Path

    @property
    def problems(self) -> list[str]:
        return self.config.problems

    def names(self) -> dict[str, dict[str, object]]:
        return _names(self.environment)

    def network(self, builds: _BuildConfig) -> NetworkPlan | None:
        section = self.config.section("network").with_fields(
            builds.network_values,
            {**builds.network_labels, "docker_bridge_cidr": "dockerBridgeCidr"},
        )
        bridge = self.config.scalar("dockerBridgeCidr")
        if bridge is not None:
            section = section.with_fields({"docker_bridge_cidr": bridge})
        return validate_network(section.reader(self.problems))

    def dns(self) -> tuple[EndpointDnsPlan | None, object]:
        """The endpoints' DNS plan, and ``dns.zoneIds.aks`` as given (the cluster checks it)."""
        section = self.config.section("dns")
        zone_ids = section.values.get("zone_ids")
        aks_zone = (
            cast(Mapping[str, object], zone_ids).get(AKS_ZONE_KEY)
            if isinstance(zone_ids, Mapping)
            else None
        )
        return validate_endpoint_dns(section.reader(self.problems), self.cloud), aks_zone

    def registry(self, location: str) -> RegistryPlan | None:
        section = _lifecycle(self.config.section("registry"), self.problems).with_fields(
            labels={"name_prefix": "environment", "location": LOCATION_KEY}
        )
        values = {**self.names()["registry"], "cloud": self.cloud, "location": location}
        return validate_registry(section.reader(self.problems, **values))

    def diagnostics(self) -> DiagnosticsPlan | None:
        section = self.config.section("diagnostics").with_fields(
            labels={"workspace_name": "environment"}
        )
        names = self.names()["diagnostics"]
        return validate_diagnostics(section.reader(self.problems, **names))

    def aks(
        self, network: NetworkPlan | None, location: str, zone_id: object, *, protect: bool
    ) -> AksClusterPlan | None:
        ranges, range_labels = _cluster_ranges(network)
        section = self.config.section("aks").with_fields(
            labels={**range_labels, "dns_prefix": "environment", "location": LOCATION_KEY}
        )
        if zone_id is not None:
            section = section.with_fields(
                {"private_dns_zone_id": zone_id},
                {"private_dns_zone_id": f"dns.zoneIds.{AKS_ZONE_KEY}"},
            )
        values = {**self.names()["aks"], **ranges, "cloud": self.cloud, "location": location}
        if section.values.get("azure_policy") is None:
            # A production cluster is protected and policed alike, unless the stack says otherwise.
            section = section.with_fields({"azure_policy": protect})
        return validate_aks_cluster(section.reader(self.problems, **values))

    def artifact_store(self) -> ArtifactStorePlan | None:
        section = _Object("environment", labels={"name_prefix": "environment"})
        values = {**self.names()["store"], "cloud": self.cloud}
        return validate_artifact_store(section.reader(self.problems, **values))

    def build_trigger(self, tasks: Mapping[str, StackTask]) -> InClusterBuildTriggerPlan | None:
        """The trigger; the broker accepts, for each task, the task's own ``context`` URL."""
        section = self.config.section("buildTrigger")
        contexts = {
            task.plan.task_name: [task.plan.context]
            for task in tasks.values()
            if task.plan.context is not None
        }
        return validate_build_trigger(
            section.reader(self.problems, cloud=self.cloud, contexts=contexts)
        )

    def location(self) -> str:
        """The region of every resource, as written (ARM takes either form), once it names a
        region of the stack's cloud."""
        location = self.raw.get(LOCATION_KEY)
        if location is None or (isinstance(location, str) and not location.strip()):
            self.problems.append(f"{LOCATION_KEY}: missing; set the Azure region, e.g. eastus2")
            return ""
        reader = FieldReader({}, Labels.mapped({}), self.problems)
        if reader.region_value(LOCATION_KEY, location, self.cloud) is None:
            return ""
        return cast(str, location)

    def subscription(self) -> str | None:
        """The provider's subscription when the config names one: a GUID, which ARM puts in
        every id (``1e40`` would be written into each of them)."""
        reader = FieldReader(self.raw, Labels.mapped({}), self.problems)
        return reader.text(SUBSCRIPTION_KEY, naming.GUID, "a subscription id (a GUID)", "") or None

    def protect(self) -> bool:
        protect = self.config.scalar("protect", bool)
        if protect is not None and not isinstance(protect, bool):
            self.problems.append(f"protect: got {protect!r}; expected true or false")
        return protect is True

    # Pools, tasks, private registries and the build secrets vault -----------------------------

    def builds(self) -> _BuildConfig:
        """The pools and private registries, before the network that places them is read."""
        builds = _BuildConfig()
        self._pools(builds)
        self._private_registries(builds)
        return builds

    def _pools(self, builds: _BuildConfig) -> None:
        given = self.config.section("agentPool")
        several = self.config.entries("agentPools")
        # agentPool.vcpuQuota is the registry's quota, not the pool's: it may stay beside agentPools.
        older_quota = given.values.get("vcpu_quota")
        single = given.without("vcpu_quota")
        if several and single.values:
            self.problems.append(
                "agentPools: agentPool and agentPools cannot both be set; move agentPool's "
                f"settings into agentPools.{DEFAULT_POOL} (the same pool, not replaced)"
            )
        if several:
            for key, entry in several.items():
                self._keyed_pool(builds, key, entry)
            named: dict[str, str] = {}
            for key, plan in builds.pools.items():
                if plan.pool_name in named:
                    self.problems.append(
                        f"agentPools.{key}: names the pool {plan.pool_name}, as "
                        f"agentPools.{named[plan.pool_name]} does"
                    )
                named.setdefault(plan.pool_name, key)
        else:
            single = single.with_fields(labels={"pool_name": "environment"})
            values = self.names()["agentPool"]
            plan = validate_agent_pool(single.reader(self.problems, **values, cloud=self.cloud))
            if plan is not None:
                builds.pools[DEFAULT_POOL] = plan
        self._quota(builds, older_quota, several=bool(several))

    def _keyed_pool(self, builds: _BuildConfig, key: str, entry: Mapping[str, object]) -> None:
        path = f"agentPools.{key}"
        if not naming.AGENT_POOL_KEY.fullmatch(key):
            self.problems.append(
                f"{path}: expected a key of 3-20 lower-case letters, digits or '-' (it names the pool)"
            )
            return
        if "vcpuQuota" in entry:
            self.problems.append(
                f"{path}.vcpuQuota: the vCPU quota is the registry's, for all its pools together; "
                "set agentPoolQuota instead"
            )
        entry = {k: v for k, v in entry.items() if k != "vcpuQuota"}
        section = self.config.entry("agentPools", key, entry)
        subnet = section.own.get("subnet")
        if subnet is not None:
            builds.network_values.setdefault("pool_subnet_prefixes", {})[key] = subnet
            builds.network_labels[f"pool_subnet_prefixes.{key}"] = f"{path}.subnet"
        name = self.names()["agentPool"]["pool_name"] if key == DEFAULT_POOL else key
        section = section.with_fields(labels={"pool_name": path})
        plan = validate_agent_pool(section.reader(self.problems, pool_name=name, cloud=self.cloud))
        if plan is not None:
            builds.pools[key] = plan

    def _quota(self, builds: _BuildConfig, older: object, *, several: bool) -> None:
        """The registry-wide vCPU quota, checked once over every pool."""
        quota, quota_label = self._quota_setting(older)
        isolated = FieldReader(
            {"quota": self.config.scalar("agentPoolQuotaIsolated", int)},
            Labels.mapped({"quota": "agentPoolQuotaIsolated"}),
            self.problems,
        ).whole("quota", 0)
        label = "agentPools" if several else "agentPool.count"
        self.problems.extend(
            agent_pools.quota_problems(
                [(label, plan.tier, plan.count) for plan in builds.pools.values()],
                agent_pools.Quota(quota, quota_label),
                agent_pools.Quota(isolated, "agentPoolQuotaIsolated"),
            )
        )

    def _quota_setting(self, older: object) -> tuple[int | None, str]:
        """``agentPoolQuota``, or its older spelling ``agentPool.vcpuQuota``; ``None``: Azure's."""
        reader = FieldReader(
            {"quota": self.config.scalar("agentPoolQuota", int), "older": older},
            Labels.mapped({"quota": "agentPoolQuota", "older": "agentPool.vcpuQuota"}),
            self.problems,
        )
        quota = reader.whole("quota", 0) or None  # 0, the project default: Azure's quota
        older_quota = reader.whole("older", 0)
        if quota is not None and older_quota is not None:
            self.problems.append(
                "agentPoolQuota: agentPool.vcpuQuota is the older spelling of the same quota; "
                "set only agentPoolQuota"
            )
        if older_quota is not None:
            return older_quota, "agentPool.vcpuQuota"
        return quota, "agentPoolQuota"

    def _private_registries(self, builds: _BuildConfig) -> None:
        credentials: dict[str, object] = {}
        labels = {"private_registries": "privateRegistries"}
        for server, entry in self.config.entries("privateRegistries").items():
            path = f"privateRegistries.{server}"
            labels[f"private_registries.{server}"] = path
            section = self.config.entry("privateRegistries", server, entry)
            address, port = section.own.get("address"), section.own.get("port")
            port = self._registry_port(path, server, port)
            credentials[server] = section.values
            labels.update(
                {f"private_registries.{server}.{k}": v for k, v in section.labels.items()}
            )
            if address is None and section.own.get("port") is not None:
                self.problems.append(
                    f"{path}.port: needs {path}.address (the agents' NSG opens that port to that address)"
                )
            elif address is not None:
                destination = {"address": address, **({} if port is None else {"port": port})}
                builds.network_values.setdefault("build_destinations", {})[server] = destination
                for key in ("address", "port"):
                    builds.network_labels[f"build_destinations.{server}.{key}"] = f"{path}.{key}"
        reader = FieldReader(
            {"private_registries": credentials},
            Labels.mapped(labels, "privateRegistries."),
            self.problems,
        )
        builds.registries = validate_registry_credentials(reader)

    def _registry_port(self, path: str, server: str, port: object) -> object:
        """The port the agents reach a registry on: its login server's own
        (``registry.internal.example.com:5000``, where Docker pulls from), unless ``port`` says
        it; the two may not disagree."""
        own = egress.login_server_port(server)
        if own is None:
            return port  # none, or one out of range that the login server's own check names
        if port is not None and port != own:
            self.problems.append(
                f"{path}.port: {port!r} is not the port of the login server {server} ({own}); "
                f"the builds reach the registry on {own}: drop {path}.port or make it {own}"
            )
        return own if port is None else port

    def tasks(self, builds: _BuildConfig) -> dict[str, StackTask]:
        configured = self.config.entries("tasks")
        if not configured:
            pool = DEFAULT_POOL if DEFAULT_POOL in builds.pools else next(iter(builds.pools), None)
            values = {**self.names()["task"], "task_yaml": BUILTIN_TASK}
            section = _Object("task", labels={"task_name": "environment"})
            plan = validate_build_task(section.reader(self.problems, **values))
            if plan is None or pool is None:
                return {}
            plan = dataclasses.replace(plan, private_registries=builds.registries)
            return {DEFAULT_POOL: StackTask(pool, plan, builtin=True)}
        found: dict[str, StackTask] = {}
        for key, entry in configured.items():
            task = self._task(builds, key, entry)
            if task is not None:
                found[key] = task
        return found

    def _task(
        self, builds: _BuildConfig, key: str, entry: Mapping[str, object]
    ) -> StackTask | None:
        path = f"tasks.{key}"
        if not naming.CHILD_KEY.fullmatch(key):
            self.problems.append(
                f"{path}: expected a key of lower-case letters, digits or '-' (it names the task)"
            )
            return None
        section = self.config.entry("tasks", key, entry).with_fields(
            labels={"task_name": path, "task_yaml": f"{path}.file"}
        )
        pool = self._task_pool(path, section.own.get("agentPool"), builds)
        text = self._task_file(path, section.own.get("file"))
        # A file that could not be read is one problem already; a stand-in keeps the other
        # fields checked in the same run, and no plan is made from it.
        stand_in = text if text is not None else "steps: [{cmd: unread}]"
        values = {"task_name": f"{key}-{self.environment}", "task_yaml": stand_in}
        plan = validate_build_task(section.reader(self.problems, **values))
        if plan is None or pool is None or text is None:
            return None
        return StackTask(pool, dataclasses.replace(plan, private_registries=builds.registries))

    def _task_pool(self, path: str, pool: object, builds: _BuildConfig) -> str | None:
        pool = DEFAULT_POOL if pool is None else pool
        if isinstance(pool, str) and pool in builds.pools:
            return pool
        if not builds.pools:
            return None  # the pools themselves are wrong, and say so
        known = ", ".join(builds.pools)
        what = (
            "is missing, and there is no pool default" if pool == DEFAULT_POOL else f"got {pool!r}"
        )
        self.problems.append(f"{path}.agentPool: {what}; expected one of the agent pools: {known}")
        return None

    def _task_file(self, path: str, name: object) -> str | None:
        """The task file's text, read relative to the program directory."""
        if not isinstance(name, str) or not name.strip():
            got = "missing" if name is None else f"got {name!r}"
            self.problems.append(
                f"{path}.file: {got}; expected the path of a task file, e.g. tasks/app.yaml"
            )
            return None
        try:
            return read_program_file(self.program_dir, name)
        except ProgramFileError as error:
            self.problems.append(f"{path}.file: {error}")
        return None

    def key_vault(
        self, builds: _BuildConfig, tasks: Mapping[str, StackTask]
    ) -> BuildKeyVaultPlan | None:
        """The vault for build secrets: for private registries, and for the secrets own tasks
        read. ``keyVault`` is checked even when no vault is needed, so a typo never waits."""
        section = self.config.section("keyVault").with_fields(labels={"name_prefix": "environment"})
        values = {**self.names()["keyVault"], "cloud": self.cloud}
        plan = validate_key_vault(section.reader(self.problems, **values))
        if not builds.registries and all(task.builtin for task in tasks.values()):
            return None
        return plan


def load_settings(raw: Mapping[str, object], program_dir: Path | None = None) -> StackSettings:
    """Parse and validate one stack's config; raises ``ConfigError`` naming every problem.

    ``raw`` maps full keys (``private-acr-tasks:network``, ``azure-native:location``) to the
    values the engine passes: strings, with objects JSON-encoded. Task files are read relative
    to ``program_dir`` (default: the working directory, where Pulumi runs the program).
    """
    config = _Config(raw)
    environment, cloud = _environment(config), _cloud(raw, config.problems)
    load = _Loader(raw, config, environment, cloud, program_dir or Path.cwd())
    location, protect, subscription = load.location(), load.protect(), load.subscription()
    builds = load.builds()
    network, (dns, aks_zone) = load.network(builds), load.dns()
    registry, tasks = load.registry(location), load.tasks(builds)
    trigger = load.build_trigger(tasks)
    aks = load.aks(network, location, aks_zone, protect=protect)
    store, diagnostics = load.artifact_store(), load.diagnostics()
    key_vault = load.key_vault(builds, tasks)
    if network is not None and registry is not None and aks is not None:
        _stack_rules(network, registry, aks, config.problems, vault=key_vault is not None)
    if dns is not None:
        _policy_dns_rule(dns, config.problems, vault=key_vault is not None)
    if network is not None and subscription is not None:
        config.problems.extend(subscription_problems(network, subscription, SUBSCRIPTION_KEY))
    if (
        config.problems
        or network is None
        or dns is None
        or registry is None
        or not tasks
        or aks is None
        or store is None
        or trigger is None
        or diagnostics is None
    ):
        # One message per problem: a rule two readers share (a pool, a registry) says it once.
        raise ConfigError(list(dict.fromkeys(config.problems)) or ["no task could be planned"])
    return StackSettings(
        environment=load.environment,
        location=location,
        network=network,
        registry=registry,
        artifact_store=store,
        agent_pools=builds.pools,
        tasks=tasks,
        aks=aks,
        build_trigger=trigger,
        dns=dns,
        diagnostics=diagnostics,
        cloud=load.cloud,
        subscription_id=subscription,
        protect=protect,
        key_vault=key_vault,
    )


def load_from_pulumi() -> StackSettings:
    """Read the running program's config from the Pulumi runtime and validate it."""
    from pulumi.runtime import config as runtime_config

    return load_settings(dict(runtime_config.CONFIG.get()), Path.cwd())
