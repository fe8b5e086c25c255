"""Typed stack settings: the whole config surface parsed once and validated before any resource.

``load_settings`` takes the raw config of one stack (what ``pulumi config`` holds, as the
engine hands it to the program: strings, with structured values JSON-encoded) and returns
frozen, typed settings or raises one ``ConfigError`` listing every problem, each naming its
key as written in ``Pulumi.<stack>.yaml`` (``network.agentSubnet``, ``agentPool.tier``).
"""

# pyright: reportUnknownArgumentType=false, reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnnecessaryIsInstance=false
# (Temporary while issue 10 reworks this module; remove this line when it is clean under strict.)

from __future__ import annotations

import difflib
import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from private_acr_rules import cidr
from private_acr_rules.aks import api_server_exposure_problems, ssh_public_key_problem
from private_acr_tasks.agent_pool import AGENT_POOL_TIERS
from private_acr_tasks.errors import ConfigError

PROJECT = "private-acr-tasks"
LOCATION_KEY = "azure-native:location"

STANDARD_TIER_VCPU_QUOTA = 16
"""Default vCPU quota per registry for all standard agent pools together."""

ISOLATED_TIER_VCPU_QUOTA = 0
"""Default vCPU quota for isolated (I6) pools: none until a support request grants it."""

_ENVIRONMENT = re.compile(r"^[a-z][a-z0-9-]{0,10}[a-z0-9]$")
_VM_SIZE = re.compile(r"^Standard_[A-Za-z0-9_]+$")
_K8S_VERSION = re.compile(r"^\d+\.\d+(\.\d+)?$")


@dataclass(frozen=True)
class NetworkSettings:
    address_space: ipaddress.IPv4Network
    """The VNet's address space."""
    agent_subnet: ipaddress.IPv4Network
    """Subnet the ACR Tasks agent pool is injected into."""
    private_endpoint_subnet: ipaddress.IPv4Network
    """Subnet for the registry and storage private endpoints."""
    aks_subnet: ipaddress.IPv4Network
    """Subnet for the AKS nodes."""
    dns_servers: tuple[ipaddress.IPv4Address, ...] = ()
    """Custom DNS servers for the VNet; empty means Azure-provided DNS."""


@dataclass(frozen=True)
class RegistrySettings:
    zone_redundancy: bool = False
    """Spread the registry across availability zones (only in regions that have them)."""
    retention_days: int | None = 7
    """Days to keep untagged manifests before they are purged (0-365); ``None`` turns the
    retention policy off (required for soft delete)."""
    soft_delete_days: int | None = None
    """Days deleted artifacts stay recoverable (1-90); ``None`` leaves soft delete off."""


@dataclass(frozen=True)
class AgentPoolSettings:
    tier: str = "S1"
    """Agent pool tier: S1, S2, S3 (standard) or I6 (isolated)."""
    count: int = 1
    """Instances in the pool; 0 stops billing but queues every run until scaled up."""
    vcpu_quota: int | None = None
    """The registry's agent-pool vCPU quota if raised; ``None`` means Azure's default."""


@dataclass(frozen=True)
class AksSettings:
    ssh_public_key: str
    """Public key for the node admin user."""
    node_count: int = 2
    node_vm_size: str = "Standard_D4ds_v5"
    service_cidr: ipaddress.IPv4Network = ipaddress.IPv4Network("10.100.0.0/16")
    dns_service_ip: ipaddress.IPv4Address = ipaddress.IPv4Address("10.100.0.10")
    pod_cidr: ipaddress.IPv4Network = ipaddress.IPv4Network("10.244.0.0/16")
    kubernetes_version: str | None = None
    """Kubernetes version; ``None`` lets AKS pick its default."""
    private_cluster: bool = True
    """Private API server (reachable from the VNet, or with ``az aks command invoke``)."""
    authorized_ip_ranges: tuple[str, ...] = ()
    """Public CIDRs allowed to reach a public API server."""


@dataclass(frozen=True)
class StackSettings:
    environment: str
    location: str
    network: NetworkSettings
    aks: AksSettings
    registry: RegistrySettings = field(default_factory=RegistrySettings)
    agent_pool: AgentPoolSettings = field(default_factory=AgentPoolSettings)
    docker_bridge_cidr: ipaddress.IPv4Network = ipaddress.IPv4Network(
        cidr.DEFAULT_DOCKER_BRIDGE_CIDR
    )
    protect: bool = False
    """Protect the registry, agent pool, cluster and storage from deletion."""


_T = TypeVar("_T")


class _Reader:
    """Reads one config object, collecting problems instead of stopping at the first."""

    def __init__(self, problems: list[str], prefix: str, values: Mapping[str, Any]) -> None:
        self.problems = problems
        self.prefix = prefix
        self.values = values
        self.seen: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def problem(self, name: str, value: object, expected: str) -> None:
        self.problems.append(f"{self.key(name)}: got {value!r}; expected {expected}")

    def get(
        self,
        name: str,
        convert: Callable[[str, object], _T | None],
        default: _T | None = None,
        *,
        required: bool = False,
    ) -> _T | None:
        self.seen.add(name)
        if name not in self.values or self.values[name] is None:
            if required:
                self.problems.append(f"{self.key(name)}: missing; this key is required")
            return default
        return convert(name, self.values[name])

    def unknown_keys(self) -> None:
        for name in self.values:
            if name not in self.seen:
                hint = difflib.get_close_matches(name, sorted(self.seen), n=1)
                did_you_mean = f"; did you mean {self.key(hint[0])!r}?" if hint else ""
                known = ", ".join(sorted(self.seen))
                self.problems.append(
                    f"{self.key(name)}: unknown key{did_you_mean} (known keys: {known})"
                )

    def boolean(self, name: str, value: object) -> bool | None:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        self.problem(name, value, "true or false")
        return None

    def integer(self, low: int, high: int | None = None) -> Callable[[str, object], int | None]:
        def convert(name: str, value: object) -> int | None:
            number: int | None = None
            if isinstance(value, int) and not isinstance(value, bool):
                number = value
            elif isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
                number = int(value)
            bounds = f"a whole number >= {low}" if high is None else f"a whole number {low}-{high}"
            if number is None or number < low or (high is not None and number > high):
                self.problem(name, value, bounds)
                return None
            return number

        return convert

    def string(
        self, pattern: re.Pattern[str], expected: str
    ) -> Callable[[str, object], str | None]:
        def convert(name: str, value: object) -> str | None:
            if not isinstance(value, str) or not pattern.fullmatch(value):
                self.problem(name, value, expected)
                return None
            return value

        return convert

    def choice(self, choices: Mapping[str, object]) -> Callable[[str, object], str | None]:
        def convert(name: str, value: object) -> str | None:
            if not isinstance(value, str) or value not in choices:
                self.problem(name, value, "one of " + ", ".join(choices))
                return None
            return value

        return convert

    def network(self, name: str, value: object) -> ipaddress.IPv4Network | None:
        parsed = cidr.parse_cidr(value)
        if parsed.network is None:
            self.problem(name, value, "an IPv4 CIDR such as 10.40.0.0/16")
            return None
        if not isinstance(parsed.network, ipaddress.IPv4Network):
            self.problem(name, value, "an IPv4 CIDR (IPv6 is not supported for this key)")
            return None
        if parsed.host_bits_set:
            self.problem(name, value, f"a network address without host bits, i.e. {parsed.network}")
            return None
        return parsed.network

    def address(self, name: str, value: object) -> ipaddress.IPv4Address | None:
        parsed = cidr.parse_address(value)
        if not isinstance(parsed, ipaddress.IPv4Address):
            self.problem(name, value, "an IPv4 address such as 10.100.0.10")
            return None
        return parsed

    def address_list(self, name: str, value: object) -> tuple[ipaddress.IPv4Address, ...] | None:
        if not isinstance(value, list):
            self.problem(name, value, "a list of IPv4 addresses, e.g. [10.40.0.4]")
            return None
        addresses: list[ipaddress.IPv4Address] = []
        for index, item in enumerate(value):
            parsed = self.address(f"{name}[{index}]", item)
            if parsed is not None:
                addresses.append(parsed)
        return tuple(addresses)

    def cidr_list(self, name: str, value: object) -> tuple[str, ...] | None:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(name, value, "a list of CIDRs, e.g. [203.0.113.0/24]")
            return None
        return tuple(str(v) for v in value)

    def ssh_key(self, name: str, value: object) -> str | None:
        problem = ssh_public_key_problem(value)
        if problem is not None:
            shown = value if not isinstance(value, str) or len(value) < 40 else value[:37] + "..."
            self.problem(name, shown, problem)
            return None
        assert isinstance(value, str)
        return value.strip()


def _decode(key: str, raw: object, problems: list[str]) -> Mapping[str, Any] | None:
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            problems.append(f"{key}: got {raw!r}; expected an object of settings")
            return None
    if not isinstance(value, Mapping):
        problems.append(f"{key}: got {raw!r}; expected an object of settings")
        return None
    return value


def _section(
    problems: list[str], raw: Mapping[str, object], name: str, *, required: bool
) -> _Reader:
    key = f"{PROJECT}:{name}"
    if key not in raw:
        if required:
            problems.append(f"{name}: missing; this key is required")
        return _Reader(problems, name, {})
    values = _decode(name, raw[key], problems)
    return _Reader(problems, name, values or {})


def load_settings(raw: Mapping[str, object]) -> StackSettings:
    """Parse and validate one stack's config; raises ``ConfigError`` naming every problem.

    ``raw`` maps full keys (``private-acr-tasks:network``, ``azure-native:location``) to the
    values the engine passes: strings, with objects JSON-encoded.
    """
    problems: list[str] = []
    top = _Reader(
        problems,
        "",
        {k.split(":", 1)[1]: v for k, v in raw.items() if k.startswith(PROJECT + ":")},
    )

    environment = top.get(
        "environment",
        top.string(
            _ENVIRONMENT,
            "2-12 lower-case letters, digits or '-' (it is part of resource names), e.g. dev",
        ),
        required=True,
    )
    location_value = raw.get(LOCATION_KEY)
    location = location_value if isinstance(location_value, str) and location_value else None
    if location is None:
        problems.append(f"{LOCATION_KEY}: missing; set the Azure region, e.g. eastus2")

    net = _section(problems, raw, "network", required=True)
    top.seen.add("network")
    address_space = net.get("addressSpace", net.network, required=True)
    agent_subnet = net.get("agentSubnet", net.network, required=True)
    pe_subnet = net.get("privateEndpointSubnet", net.network, required=True)
    aks_subnet = net.get("aksSubnet", net.network, required=True)
    dns_servers = net.get("dnsServers", net.address_list, ())
    net.unknown_keys()

    reg = _section(problems, raw, "registry", required=False)
    top.seen.add("registry")
    zone_redundancy = reg.get("zoneRedundancy", reg.boolean, False)
    soft_delete_days = reg.get("softDeleteDays", reg.integer(1, 90))
    retention_days = reg.get("retentionDays", reg.integer(0, 365), None if soft_delete_days else 7)
    reg.unknown_keys()
    if soft_delete_days is not None and "retentionDays" in reg.values:
        problems.append(
            "registry.softDeleteDays: ACR does not allow the soft delete policy together with the "
            "retention policy; remove registry.retentionDays to use soft delete"
        )

    pool = _section(problems, raw, "agentPool", required=False)
    top.seen.add("agentPool")
    tier = pool.get("tier", pool.choice(AGENT_POOL_TIERS), "S1")
    count = pool.get("count", pool.integer(0, 100), 1)
    vcpu_quota = pool.get("vcpuQuota", pool.integer(0))
    pool.unknown_keys()

    aks = _section(problems, raw, "aks", required=True)
    top.seen.add("aks")
    node_count = aks.get("nodeCount", aks.integer(1, 1000), 2)
    node_vm_size = aks.get(
        "nodeVmSize",
        aks.string(_VM_SIZE, "an Azure VM size such as Standard_D4ds_v5"),
        "Standard_D4ds_v5",
    )
    service_cidr = aks.get("serviceCidr", aks.network, AksSettings.service_cidr)
    dns_service_ip = aks.get("dnsServiceIp", aks.address, AksSettings.dns_service_ip)
    pod_cidr = aks.get("podCidr", aks.network, AksSettings.pod_cidr)
    ssh_key = aks.get("sshPublicKey", aks.ssh_key, required=True)
    k8s_version = aks.get(
        "kubernetesVersion", aks.string(_K8S_VERSION, "a version such as 1.33 or 1.33.2")
    )
    private_cluster = aks.get("privateCluster", aks.boolean, True)
    authorized = aks.get("authorizedIpRanges", aks.cidr_list, ())
    aks.unknown_keys()
    if private_cluster is not None and authorized is not None:
        problems.extend(
            api_server_exposure_problems("aks.authorizedIpRanges", private_cluster, authorized)
        )

    bridge = top.get("dockerBridgeCidr", top.network, StackSettings.docker_bridge_cidr)
    protect = top.get("protect", top.boolean, False)
    top.unknown_keys()

    subnets = {
        "network.agentSubnet": agent_subnet,
        "network.privateEndpointSubnet": pe_subnet,
        "network.aksSubnet": aks_subnet,
    }
    named_subnets = [cidr.Labelled(n, k) for k, n in subnets.items() if n is not None]
    spaces = [cidr.Labelled(address_space, "network.addressSpace")] if address_space else []
    if address_space is not None:
        problems.extend(cidr.subnet_plan_problems(spaces, named_subnets))
        problems.extend(cidr.reserved_range_problems("network.addressSpace", address_space))
    if agent_subnet is not None:
        problems.extend(
            cidr.subnet_size_problems("network.agentSubnet", agent_subnet, minimum_prefix=29)
        )
    if pe_subnet is not None:
        problems.extend(
            cidr.subnet_size_problems("network.privateEndpointSubnet", pe_subnet, minimum_prefix=29)
        )
        # The registry endpoint and the artifact store's blob endpoint.
        problems.extend(
            cidr.endpoint_capacity_problems(
                "network.privateEndpointSubnet", pe_subnet, cidr.REGISTRY_ENDPOINT_ADDRESSES + 1
            )
        )
    if aks_subnet is not None:
        problems.extend(
            cidr.subnet_size_problems("network.aksSubnet", aks_subnet, minimum_prefix=29)
        )
        if node_count is not None and cidr.usable_addresses(aks_subnet) < node_count + 1:
            problems.append(
                f"network.aksSubnet: {aks_subnet} has {cidr.usable_addresses(aks_subnet)} "
                f"usable addresses; aks.nodeCount {node_count} needs {node_count + 1} "
                f"(one extra node during upgrades)"
            )

    problems.extend(
        cidr.aks_cidr_plan_problems(
            service_cidr=cidr.Labelled(service_cidr, "aks.serviceCidr") if service_cidr else None,
            dns_service_ip=("aks.dnsServiceIp", dns_service_ip) if dns_service_ip else None,
            pod_cidr=cidr.Labelled(pod_cidr, "aks.podCidr") if pod_cidr else None,
            cluster_ranges=spaces + named_subnets,
        )
    )

    if bridge is not None:
        declared = spaces + named_subnets
        declared += [
            cidr.Labelled(ipaddress.IPv4Network(ip), f"network.dnsServers[{i}]")
            for i, ip in enumerate(dns_servers or ())
        ]
        if service_cidr is not None:
            declared.append(cidr.Labelled(service_cidr, "aks.serviceCidr"))
        if pod_cidr is not None:
            declared.append(cidr.Labelled(pod_cidr, "aks.podCidr"))
        problems.extend(
            f"{item.label}: {item.network} overlaps the Docker bridge {bridge} "
            f"(dockerBridgeCidr); ACR Tasks builds cannot reach addresses in that range"
            for item in cidr.bridge_conflicts(bridge, declared)
        )

    if tier is not None and count is not None:
        vcpus = AGENT_POOL_TIERS[tier] * count
        default_quota = ISOLATED_TIER_VCPU_QUOTA if tier == "I6" else STANDARD_TIER_VCPU_QUOTA
        quota = default_quota if vcpu_quota is None else vcpu_quota
        if vcpus > quota:
            problems.append(
                f"agentPool.count: {count} x {tier} needs {vcpus} vCPUs but the registry's "
                f"quota is {quota} (Azure's default for {'isolated' if tier == 'I6' else 'standard'} "
                f"pools is {default_quota}); after a support request raises it, set "
                f"agentPool.vcpuQuota"
            )

    if problems:
        raise ConfigError(problems)

    assert environment and location and address_space and agent_subnet and pe_subnet
    assert aks_subnet and ssh_key and bridge is not None
    assert service_cidr and dns_service_ip and pod_cidr and tier and node_vm_size
    assert node_count is not None and count is not None
    return StackSettings(
        environment=environment,
        location=location,
        network=NetworkSettings(
            address_space, agent_subnet, pe_subnet, aks_subnet, dns_servers or ()
        ),
        registry=RegistrySettings(bool(zone_redundancy), retention_days, soft_delete_days),
        agent_pool=AgentPoolSettings(tier, count, vcpu_quota),
        aks=AksSettings(
            ssh_public_key=ssh_key,
            node_count=node_count,
            node_vm_size=node_vm_size,
            service_cidr=service_cidr,
            dns_service_ip=dns_service_ip,
            pod_cidr=pod_cidr,
            kubernetes_version=k8s_version,
            private_cluster=bool(private_cluster),
            authorized_ip_ranges=tuple(authorized or ()),
        ),
        docker_bridge_cidr=bridge,
        protect=bool(protect),
    )


def load_from_pulumi() -> StackSettings:
    """Read the running program's config from the Pulumi runtime and validate it."""
    from pulumi.runtime import config as runtime_config

    return load_settings(dict(runtime_config.CONFIG.get()))
