"""An AKS cluster (containerd) in the AKS subnet that pulls from the private registry.

Networking is Azure CNI overlay with the Cilium dataplane: nodes take addresses from the
subnet, pods from the configured pod CIDR. Service CIDR, DNS service IP and pod CIDR are
always explicit, never the SDK's silent defaults (10.0.0.0/16 collides with common VNets).
Identity: a user-assigned control-plane identity that holds Network Contributor on the subnet
before the cluster exists (AKS asks ARM clients to use one for bring-your-own subnets), the
AKS-managed kubelet identity with AcrPull on the registry, Entra ID with Azure RBAC, local
accounts off, OIDC issuer and workload identity on. The API server is private by default.
"""

# pyright: reportUnknownArgumentType=false, reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnnecessaryIsInstance=false
# (Temporary while issue 10 reworks this module; remove this line when it is clean under strict.)

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, NotRequired

import pulumi
from pulumi_azure_native import authorization, containerservice, managedidentity

from private_acr_rules import cidr
from private_acr_rules.aks import api_server_exposure_problems, ssh_public_key_problem
from private_acr_tasks._common import SharedArgs, child_name, role_definition_id, type_token
from private_acr_tasks.errors import ComponentArgsError

_VM_SIZE = re.compile(r"^Standard_[A-Za-z0-9_]+$")
_DNS_PREFIX = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]{0,52}[a-zA-Z0-9]$")


class AksClusterArgs(SharedArgs):
    """Arguments of :class:`AksCluster`."""

    subscription_id: pulumi.Input[str]
    """Subscription of the role definitions."""
    subnet_id: pulumi.Input[str]
    """The AKS node subnet."""
    registry_id: pulumi.Input[str]
    """Registry the kubelet identity may pull from (AcrPull)."""
    dns_prefix: str
    """DNS prefix of the API server, 2-54 letters, digits or '-'."""
    ssh_public_key: str
    """OpenSSH public key of the node admin user."""
    service_cidr: str
    """Kubernetes service range, smaller than /12 and outside the VNet."""
    dns_service_ip: str
    """Cluster DNS address inside ``service_cidr`` (not its first address)."""
    pod_cidr: str
    """Overlay pod range, outside the VNet."""
    vnet_ranges: NotRequired[Sequence[str]]
    """The VNet's address space and subnets; service and pod ranges must avoid them."""
    node_count: NotRequired[int]
    """System pool nodes (>= 1). Default 2."""
    node_vm_size: NotRequired[str]
    """Node VM size. Default Standard_D4ds_v5."""
    kubernetes_version: NotRequired[str]
    """Kubernetes version; omitted lets AKS choose its default."""
    private_cluster: NotRequired[bool]
    """Private API server. Default True."""
    authorized_ip_ranges: NotRequired[Sequence[str]]
    """CIDRs allowed to reach a public API server (required when not private)."""
    admin_group_object_ids: NotRequired[Sequence[str]]
    """Entra groups with cluster-admin through Azure RBAC."""


def _network(problems: list[str], field: str, value: object) -> cidr.Network | None:
    parsed = cidr.parse_cidr(value)
    if parsed.network is None or parsed.host_bits_set:
        problems.append(
            f"AksClusterArgs.{field}: got {value!r}; expected a CIDR such as 10.100.0.0/16"
        )
        return None
    return parsed.network


def _check(args: AksClusterArgs) -> list[str]:
    problems: list[str] = []
    service = _network(problems, "service_cidr", args.get("service_cidr"))
    pod = _network(problems, "pod_cidr", args.get("pod_cidr"))
    dns = cidr.parse_address(args.get("dns_service_ip"))
    if dns is None:
        problems.append(
            f"AksClusterArgs.dns_service_ip: got {args.get('dns_service_ip')!r}; expected an IP address"
        )
    ranges: list[cidr.Labelled] = []
    for index, text in enumerate(args.get("vnet_ranges", ())):
        network = _network(problems, f"vnet_ranges[{index}]", text)
        if network is not None:
            ranges.append(cidr.Labelled(network, f"AksClusterArgs.vnet_ranges[{index}]"))
    problems.extend(
        cidr.aks_cidr_plan_problems(
            service_cidr=cidr.Labelled(service, "AksClusterArgs.service_cidr") if service else None,
            dns_service_ip=("AksClusterArgs.dns_service_ip", dns) if dns else None,
            pod_cidr=cidr.Labelled(pod, "AksClusterArgs.pod_cidr") if pod else None,
            cluster_ranges=ranges,
        )
    )
    key_problem = ssh_public_key_problem(args.get("ssh_public_key"))
    if key_problem:
        problems.append(f"AksClusterArgs.ssh_public_key: {key_problem}")
    count = args.get("node_count", 2)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        problems.append(f"AksClusterArgs.node_count: got {count!r}; expected a whole number >= 1")
    size = args.get("node_vm_size", "Standard_D4ds_v5")
    if not _VM_SIZE.fullmatch(size):
        problems.append(
            f"AksClusterArgs.node_vm_size: got {size!r}; expected e.g. Standard_D4ds_v5"
        )
    if not _DNS_PREFIX.fullmatch(args.get("dns_prefix", "")):
        problems.append(
            f"AksClusterArgs.dns_prefix: got {args.get('dns_prefix')!r}; expected 2-54 letters, digits or '-'"
        )
    problems.extend(
        api_server_exposure_problems(
            "AksClusterArgs.authorized_ip_ranges",
            args.get("private_cluster", True),
            args.get("authorized_ip_ranges", ()),
        )
    )
    return problems


class AksCluster(pulumi.ComponentResource):
    """Managed identity, subnet rights, the cluster and the kubelet's AcrPull.

    Children: ``<name>-identity``, ``<name>-subnet-access``, ``<name>-cluster``,
    ``<name>-acr-pull``.
    """

    cluster_id: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    oidc_issuer_url: pulumi.Output[str]
    """OIDC issuer for workload identity federation."""
    kubelet_object_id: pulumi.Output[str]
    """Object id of the kubelet identity (holds AcrPull)."""

    def __init__(
        self, name: str, args: AksClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = _check(args)
        if problems:
            raise ComponentArgsError(problems)
        super().__init__(type_token("AksCluster"), name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.get("tags", {}))

        identity = managedidentity.UserAssignedIdentity(
            child_name(name, "identity"),
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            tags=tags,
            opts=child,
        )
        subnet_access = authorization.RoleAssignment(
            child_name(name, "subnet-access"),
            scope=args["subnet_id"],
            principal_id=identity.principal_id,
            principal_type="ServicePrincipal",
            role_definition_id=role_definition_id(args["subscription_id"], "Network Contributor"),
            opts=child,
        )
        private = args.get("private_cluster", True)
        access: dict[str, Any] = {"enable_private_cluster": private}
        if not private:
            access["authorized_ip_ranges"] = list(args.get("authorized_ip_ranges", ()))
        self.cluster = containerservice.ManagedCluster(
            child_name(name, "cluster"),
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            dns_prefix=args["dns_prefix"],
            kubernetes_version=args.get("kubernetes_version"),
            identity=containerservice.ManagedClusterIdentityArgs(
                type=containerservice.ResourceIdentityType.USER_ASSIGNED,
                user_assigned_identities=[identity.id],
            ),
            agent_pool_profiles=[
                containerservice.ManagedClusterAgentPoolProfileArgs(
                    name="system",
                    mode="System",
                    count=args.get("node_count", 2),
                    vm_size=args.get("node_vm_size", "Standard_D4ds_v5"),
                    os_type="Linux",
                    os_sku="AzureLinux",
                    type="VirtualMachineScaleSets",
                    vnet_subnet_id=args["subnet_id"],
                    enable_node_public_ip=False,
                    max_pods=110,
                )
            ],
            network_profile=containerservice.ContainerServiceNetworkProfileArgs(
                network_plugin="azure",
                network_plugin_mode="overlay",
                network_dataplane="cilium",
                network_policy="cilium",
                service_cidr=args["service_cidr"],
                dns_service_ip=args["dns_service_ip"],
                pod_cidr=args["pod_cidr"],
                outbound_type="loadBalancer",
                load_balancer_sku="standard",
            ),
            aad_profile=containerservice.ManagedClusterAADProfileArgs(
                managed=True,
                enable_azure_rbac=True,
                admin_group_object_ids=list(args.get("admin_group_object_ids", ())) or None,
            ),
            enable_rbac=True,
            disable_local_accounts=True,
            oidc_issuer_profile=containerservice.ManagedClusterOIDCIssuerProfileArgs(enabled=True),
            security_profile=containerservice.ManagedClusterSecurityProfileArgs(
                workload_identity=containerservice.ManagedClusterSecurityProfileWorkloadIdentityArgs(
                    enabled=True
                )
            ),
            api_server_access_profile=containerservice.ManagedClusterAPIServerAccessProfileArgs(
                **access
            ),
            auto_upgrade_profile=containerservice.ManagedClusterAutoUpgradeProfileArgs(
                upgrade_channel="patch", node_os_upgrade_channel="NodeImage"
            ),
            linux_profile=containerservice.ContainerServiceLinuxProfileArgs(
                admin_username="azureuser",
                ssh=containerservice.ContainerServiceSshConfigurationArgs(
                    public_keys=[
                        containerservice.ContainerServiceSshPublicKeyArgs(
                            key_data=args["ssh_public_key"]
                        )
                    ]
                ),
            ),
            tags=tags,
            opts=child.merge(pulumi.ResourceOptions(depends_on=[subnet_access])),
        )
        kubelet_object_id: pulumi.Output[str] = self.cluster.identity_profile.apply(
            lambda profile: str((profile or {})["kubeletidentity"].object_id or "")
        )
        authorization.RoleAssignment(
            child_name(name, "acr-pull"),
            scope=args["registry_id"],
            principal_id=kubelet_object_id,
            principal_type="ServicePrincipal",
            role_definition_id=role_definition_id(args["subscription_id"], "AcrPull"),
            opts=child,
        )
        self.cluster_id = self.cluster.id
        self.cluster_name = self.cluster.name
        self.oidc_issuer_url = self.cluster.oidc_issuer_profile.apply(
            lambda profile: profile.issuer_url if profile and profile.issuer_url else ""
        )
        self.kubelet_object_id = kubelet_object_id
        self.register_outputs(
            {
                "cluster_id": self.cluster_id,
                "cluster_name": self.cluster_name,
                "oidc_issuer_url": self.oidc_issuer_url,
                "kubelet_object_id": self.kubelet_object_id,
            }
        )
