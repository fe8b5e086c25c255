"""aks-network-cidr-plan: the AKS service, pod and DNS addresses fit Azure's rules and networks.

Learn (configure-kubenet, concepts-network-azure-cni-overlay, azure-cni-overlay "IP address
planning"): the DNS service IP lies inside the service CIDR and is not its first address (the
API service uses it); the service CIDR is smaller than /12; service and pod ranges must not
overlap each other, the cluster's VNet and subnets, the "IP range used in peered VNets and
on-premises networks", or 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16, 192.0.2.0/24.
Otherwise the deployment fails late (``ServiceCidrOverlapExistingSubnetsCidr``) or routing
breaks. The pod CIDR counts only where AKS uses it: kubenet, or Azure CNI in overlay mode. The
DNS service IP must come from a service CIDR of its own IP family (dual-stack clusters list
one service CIDR per family, configure-dual-stack).

Ranges checked against: every VNet and subnet in the stack, and the remote address spaces of
the peerings of the cluster's VNet (standalone ``VirtualNetworkPeering`` resources or inline
``virtualNetworkPeerings``), which name VNets outside the stack too.
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._config import NoSettings
from private_acr_policies._links import CLUSTER, PEERING, VNET, parent, subnet_for
from private_acr_policies._model import Resource, Stack, get, lower, mappings
from private_acr_policies._policy import (
    Finding,
    NotApplicable,
    Outcome,
    Rule,
    Unchecked,
    stack_policy,
)
from private_acr_policies._ranges import DeclaredRange, declared_ranges
from private_acr_rules import cidr

RULE = Rule(
    name="aks-network-cidr-plan",
    description="AKS service, pod and DNS service addresses must follow Azure's rules and stay clear of the VNet.",
    severity=Severity.CRITICAL,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation=(
        "Pick a service CIDR of /13 to /28 outside every VNet, subnet and peered network (e.g. "
        "10.100.0.0/16), a DNS service IP inside it other than its first address (e.g. "
        "10.100.0.10), and a pod CIDR that overlaps neither; avoid 169.254.0.0/16, "
        "172.30.0.0/16, 172.31.0.0/16 and 192.0.2.0/24."
    ),
    settings=NoSettings,
)


def _uses_pod_cidr(cluster: Resource) -> bool:
    plugin = lower(get(cluster.props, "networkProfile", "networkPlugin"))
    mode = lower(get(cluster.props, "networkProfile", "networkPluginMode"))
    return plugin in (None, "kubenet", "none") or mode == "overlay"


def _cluster_vnets(stack: Stack, cluster: Resource) -> list[Resource]:
    vnets: list[Resource] = []
    for profile in mappings(get(cluster.props, "agentPoolProfiles")):
        subnet = subnet_for(stack, cluster, "agentPoolProfiles", get(profile, "vnetSubnetID"))
        vnet = subnet.target.vnet if subnet.target else None
        if vnet is not None and vnet not in vnets:
            vnets.append(vnet)
    return vnets


def _peered(stack: Stack, vnet: Resource) -> list[DeclaredRange]:
    """Remote address spaces of the peerings declared on ``vnet``, inline or standalone."""
    ranges = [d for d in declared_ranges(stack, vnet) if d.kind == "peering"]
    for peering in stack.of_type(*PEERING):
        if parent(stack, peering, "virtualNetworkName", VNET).target is vnet:
            ranges.extend(declared_ranges(stack, peering))
    return ranges


def _first(ranges: list[DeclaredRange], kind: str, version: int) -> DeclaredRange | None:
    for d in ranges:
        if d.kind == kind and d.network is not None and d.network.version == version:
            return d
    return None


def _problems(
    cluster: Resource, ranges: list[DeclaredRange], others: list[cidr.Labelled]
) -> Iterator[str]:
    for d in ranges:
        if d.network is None and not d.unknown:
            expected = (
                "an IP address" if d.kind == "dns-service-ip" else "a CIDR such as 10.100.0.0/16"
            )
            yield f"{d.field} {d.text!r} is not {expected}"
    known = [d for d in ranges if d.network is not None]
    services = [d for d in known if d.kind == "service"]
    for dns in (d for d in known if d.kind == "dns-service-ip"):
        assert dns.network is not None
        if services and all(
            s.network and s.network.version != dns.network.version for s in services
        ):
            service = services[0]
            yield (
                f"{dns.field}: {dns.text} is IPv{dns.network.version} but {service.field} "
                f"{service.text} is IPv{service.network.version if service.network else '?'}; the DNS "
                f"service IP must come from a service CIDR of its own family"
            )
    for version in (4, 6):
        service, pod, dns = (
            _first(known, k, version) for k in ("service", "pod", "dns-service-ip")
        )
        dns_address = cidr.parse_address(dns.text) if dns else None
        yield from cidr.aks_cidr_plan_problems(
            service_cidr=service.labelled() if service else None,
            dns_service_ip=(dns.field, dns_address) if dns and dns_address else None,
            pod_cidr=pod.labelled() if pod else None,
            cluster_ranges=others,
        )


def check(stack: Stack, settings: NoSettings) -> Iterator[Outcome]:
    clusters = stack.of_type(*CLUSTER)
    if not clusters:
        raise NotApplicable("the stack has no AKS cluster")
    network_ranges = [
        labelled
        for resource in (*stack.of_type(*VNET), *stack.of_type("network", "Subnet"))
        for d in declared_ranges(stack, resource)
        if d.kind in ("vnet", "subnet") and (labelled := d.labelled()) is not None
    ]
    for cluster in clusters:
        ranges = [
            d for d in declared_ranges(stack, cluster) if d.kind != "pod" or _uses_pod_cidr(cluster)
        ]
        peered = [d for vnet in _cluster_vnets(stack, cluster) for d in _peered(stack, vnet)]
        for d in (*ranges, *peered):
            if d.unknown:
                yield Unchecked(d.resource.urn, f"{d.label} (unknown until deployment)")
        others = network_ranges + [p for d in peered if (p := d.labelled()) is not None]
        for problem in _problems(cluster, ranges, others):
            yield Finding(cluster.urn, f"{cluster.name}: {problem}.")


POLICY = stack_policy(RULE, check)
