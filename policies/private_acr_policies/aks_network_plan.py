"""aks-network-cidr-plan: the AKS service, pod and DNS addresses fit Azure's rules and the VNet.

Learn (configure-kubenet, concepts-network-azure-cni-overlay): the DNS service IP lies inside
the service CIDR and is not its first address (the API service uses it); the service CIDR is
smaller than /12; service and pod ranges must not overlap each other, the cluster's VNet and
subnets, or 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16, 192.0.2.0/24. Otherwise the
deployment fails late (``ServiceCidrOverlapExistingSubnetsCidr``) or routing breaks. The
pod CIDR counts only where AKS uses it: kubenet, or Azure CNI in overlay mode.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._model import Resource, Stack, get, lower
from private_acr_policies._policy import Finding, Rule, stack_policy
from private_acr_policies._ranges import DeclaredRange, declared_ranges
from private_acr_rules import cidr

RULE = Rule(
    name="aks-network-cidr-plan",
    description="AKS service, pod and DNS service addresses must follow Azure's rules and stay clear of the VNet.",
    severity=Severity.CRITICAL,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation=(
        "Pick a service CIDR of /13 to /28 outside every VNet and subnet (e.g. 10.100.0.0/16), a "
        "DNS service IP inside it other than its first address (e.g. 10.100.0.10), and a pod "
        "CIDR that overlaps neither; avoid 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16 and 192.0.2.0/24."
    ),
)


def _uses_pod_cidr(cluster: Resource) -> bool:
    plugin = lower(get(cluster.props, "networkProfile", "networkPlugin"))
    mode = lower(get(cluster.props, "networkProfile", "networkPluginMode"))
    return plugin in (None, "kubenet", "none") or mode == "overlay"


def _first(ranges: list[DeclaredRange], kind: str, version: int) -> DeclaredRange | None:
    for item in ranges:
        network = item.parsed
        if item.kind == kind and network is not None and network.version == version:
            return item
    return None


def check(stack: Stack, config: Mapping[str, Any]) -> list[Finding]:
    network_ranges = [
        labelled
        for resource in stack.resources
        if resource.is_a("network", "VirtualNetwork") or resource.is_a("network", "Subnet")
        for d in declared_ranges(resource)
        if d.kind in ("vnet", "subnet") and (labelled := d.labelled()) is not None
    ]
    findings: list[Finding] = []
    for cluster in stack.of_type("containerservice", "ManagedCluster"):
        ranges = [d for d in declared_ranges(cluster) if d.kind != "pod" or _uses_pod_cidr(cluster)]
        for d in ranges:
            if d.parsed is None:
                expected = (
                    "an IP address"
                    if d.kind == "dns-service-ip"
                    else "a CIDR such as 10.100.0.0/16"
                )
                findings.append(
                    Finding(cluster.urn, f"{cluster.name}: {d.field} {d.text!r} is not {expected}.")
                )
        for version in (4, 6):
            service = _first(ranges, "service", version)
            pod = _first(ranges, "pod", version)
            dns = _first(ranges, "dns-service-ip", version)
            dns_address = cidr.parse_address(dns.text) if dns else None
            problems = cidr.aks_cidr_plan_problems(
                service_cidr=service.labelled() if service else None,
                dns_service_ip=(dns.field, dns_address) if dns and dns_address else None,
                pod_cidr=pod.labelled() if pod else None,
                cluster_ranges=network_ranges,
            )
            findings.extend(
                Finding(cluster.urn, f"{cluster.name}: {problem}.") for problem in problems
            )
    return findings


POLICY = stack_policy(RULE, check)
