"""An AKS cluster (containerd) in the AKS subnet that pulls from the private registry.

Networking is Azure CNI overlay with the Cilium dataplane: nodes take addresses from the
subnet, pods from the configured pod CIDR. Service CIDR, DNS service IP and pod CIDR are
always explicit, never the SDK's silent defaults (10.0.0.0/16 collides with common VNets).
Identity: a user-assigned control-plane identity that holds, before the cluster exists, a
custom role of only ``subnets/join/action`` and ``subnets/read`` on the node subnet (Learn,
aks/aks-service-permissions, for a custom VNet; not Network Contributor), the AKS-managed
kubelet identity with AcrPull on the registry, Entra ID with Azure RBAC, local accounts off,
OIDC issuer and workload identity on. The API server is private by default. With a central
API server zone (``private_dns_zone_id``) the identity also holds what Learn's private-clusters
page requires for a custom zone: Private DNS Zone Contributor on the zone and Network
Contributor, which its example assigns on the cluster's VNet.

Egress: ``loadBalancer`` (an AKS-managed public IP) or ``userDefinedRouting``, where the node
subnet's route table sends 0.0.0.0/0 to a firewall that must allow what AKS needs (Learn,
aks/egress-udr and aks/outbound-rules-control-egress; README, "What AKS must reach").

Container Insights (optional, ``container_insights``): the monitoring add-on (``omsagent``)
with managed-identity authentication (``useAADAuth``), plus the data collection rule and its
association with the cluster that this authentication needs before any container log, event
or inventory reaches the workspace; ``az aks enable-addons`` creates the same two (Learn,
azure-monitor/containers/kubernetes-monitoring-enable, ARM template
``existingClusterOnboarding.json``; the rule's settings are its defaults: every namespace,
ContainerLogV2, one-minute interval). The control-plane logs are a diagnostic setting instead
(:mod:`private_acr_tasks.diagnostics`).
"""

import ipaddress
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NotRequired

import pulumi
from pulumi_azure_native import authorization, containerservice, managedidentity, monitor

from private_acr_rules import cidr, naming
from private_acr_rules.aks import api_server_exposure_problems, ssh_public_key_problem
from private_acr_rules.clouds import CLOUDS, AzureCloud, aks_zone_region
from private_acr_rules.regions import same_region
from private_acr_rules.roles import AKS_SUBNET_ACTIONS
from private_acr_rules.validation import FieldReader
from private_acr_tasks._common import (
    PlannedComponent,
    SharedArgs,
    child_name,
    custom_role_on,
    role_definition_id,
    tags_of,
    type_token,
)

DEFAULT_SERVICE_CIDR = ipaddress.IPv4Network("10.100.0.0/16")
DEFAULT_DNS_SERVICE_IP = ipaddress.IPv4Address("10.100.0.10")
DEFAULT_POD_CIDR = ipaddress.IPv4Network("10.244.0.0/16")
_ANY_CIDR = re.compile(r"^\S+$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_INSIGHTS_STREAM = "Microsoft-ContainerInsights-Group-Default"
_SUBNET_ROLE_NAMESPACE = uuid.UUID("5b0c6e7d-2f41-4a3b-8c9d-0e1f2a3b4c5d")
"""Names the node subnet role: the same subnet always gives the same role id."""


class OutboundType(StrEnum):
    """How the nodes reach the internet (``networkProfile.outboundType``)."""

    LOAD_BALANCER = "loadBalancer"
    """Through an AKS-managed public IP of the cluster's load balancer."""
    USER_DEFINED_ROUTING = "userDefinedRouting"
    """Through the node subnet's route table, whose 0.0.0.0/0 goes to a firewall (Learn,
    aks/egress-udr: "Outbound type of UDR requires a route for 0.0.0.0/0 and a next hop
    destination of NVA in the route table")."""


class AksClusterInputs(SharedArgs):
    """The cluster's links to other resources."""

    subscription_id: pulumi.Input[str]
    """Subscription of the role definitions."""
    subnet_id: pulumi.Input[str]
    """The AKS node subnet."""
    registry_id: pulumi.Input[str]
    """Registry the kubelet identity may pull from (AcrPull)."""
    log_analytics_workspace_id: NotRequired[pulumi.Input[str]]
    """Workspace Container Insights sends to; required with ``container_insights``."""


class AksClusterArgs(AksClusterInputs):
    """Arguments of :class:`AksCluster`."""

    dns_prefix: str
    """DNS prefix of the API server, 2-54 letters, digits or '-'."""
    ssh_public_key: str
    """OpenSSH public key of the node admin user."""
    service_cidr: NotRequired[str]
    """Kubernetes service range, smaller than /12 and outside the VNet. Default 10.100.0.0/16."""
    dns_service_ip: NotRequired[str]
    """Cluster DNS address inside ``service_cidr``, not its first address. Default 10.100.0.10."""
    pod_cidr: NotRequired[str]
    """Overlay pod range, outside the VNet. Default 10.244.0.0/16."""
    vnet_ranges: NotRequired[Sequence[str]]
    """The VNet's address space and subnets; service and pod ranges must avoid them, and none
    may use a range AKS reserves. Default: not checked."""
    node_count: NotRequired[int]
    """System pool nodes (>= 1). Default 2."""
    node_vm_size: NotRequired[str]
    """Node VM size. Default Standard_D4ds_v5."""
    kubernetes_version: NotRequired[str]
    """Kubernetes version such as 1.33; omitted lets AKS choose its default."""
    private_cluster: NotRequired[bool]
    """Private API server. Default True."""
    authorized_ip_ranges: NotRequired[Sequence[str]]
    """Public CIDRs allowed to reach a public API server (required when not private)."""
    admin_group_object_ids: NotRequired[Sequence[str]]
    """Entra groups with cluster-admin through Azure RBAC. Default: none."""
    grant_subnet_access: NotRequired[bool]
    """Give the control-plane identity, on the node subnet, a custom role of
    ``subnets/join/action`` and ``subnets/read`` (defined in the subnet's resource group).
    Default True. False when the subnet's owner (a landing-zone platform team) grants those
    instead, before the cluster is created; the identity's principal id is the
    ``control_plane_principal_id`` output."""
    outbound_type: NotRequired[OutboundType]
    """``loadBalancer`` or ``userDefinedRouting`` (the node subnet's route table sends 0.0.0.0/0
    to a firewall, which must allow what AKS needs). Default loadBalancer. The provider sets it
    at creation only: changing it replaces the cluster."""
    container_insights: NotRequired[bool]
    """Container Insights: container logs, Kubernetes events and inventory to
    ``log_analytics_workspace_id``. Default False."""
    azure_policy: NotRequired[bool]
    """The Azure Policy add-on (``addonProfiles.azurepolicy``), which audits or denies pods
    against the policy definitions assigned to the cluster (Learn, governance/policy/concepts/
    policy-for-kubernetes); it needs egress to ``data.policy.core.windows.net``,
    ``store.policy.core.windows.net`` and ``dc.services.visualstudio.com`` (Learn,
    aks/outbound-rules-control-egress). Default False (a stack: the value of ``protect``)."""
    private_dns_zone_id: NotRequired[str]
    """A central private DNS zone for the private API server: the ARM id of the cloud's AKS
    zone for the cluster's region (``privatelink.<region>.azmk8s.io``) or a subzone of it.
    Default: the zone AKS creates in its node resource group."""
    grant_dns_zone_access: NotRequired[bool]
    """With ``private_dns_zone_id``: give the control-plane identity what Learn
    (aks/private-clusters) requires for a custom zone, Private DNS Zone Contributor on the zone
    (AKS writes the API server's record) and Network Contributor on the node subnet's VNet.
    Default True; False when their owners grant them, before the cluster is created."""
    cloud: NotRequired[AzureCloud]
    """The Azure cloud, whose AKS zone ``private_dns_zone_id`` must name. Default public."""


@dataclass(frozen=True)
class AksClusterPlan:
    dns_prefix: str
    ssh_public_key: str
    service_cidr: ipaddress.IPv4Network = DEFAULT_SERVICE_CIDR
    dns_service_ip: ipaddress.IPv4Address = DEFAULT_DNS_SERVICE_IP
    pod_cidr: ipaddress.IPv4Network = DEFAULT_POD_CIDR
    node_count: int = 2
    node_vm_size: str = "Standard_D4ds_v5"
    kubernetes_version: str | None = None
    private_cluster: bool = True
    authorized_ip_ranges: tuple[str, ...] = ()
    admin_group_object_ids: tuple[str, ...] = ()
    grant_subnet_access: bool = True
    outbound_type: OutboundType = OutboundType.LOAD_BALANCER
    container_insights: bool = False
    azure_policy: bool = False
    private_dns_zone_id: str | None = None
    grant_dns_zone_access: bool = True


def _vnet_ranges(fields: FieldReader) -> list[cidr.Labelled]:
    items = fields.items("vnet_ranges", "a list of CIDRs")
    parsed = [
        (index, fields.network_value(f"vnet_ranges[{index}]", v)) for index, v in enumerate(items)
    ]
    return [
        cidr.Labelled(network, fields.label(f"vnet_ranges[{index}]"))
        for index, network in parsed
        if network is not None
    ]


def _network_plan_problems(fields: FieldReader, plan: AksClusterPlan) -> list[str]:
    label = fields.label
    vnet = _vnet_ranges(fields)
    problems = [
        problem
        for item in vnet
        for problem in cidr.reserved_range_problems(item.label, item.network)
    ]
    problems += cidr.aks_cidr_plan_problems(
        service_cidr=cidr.Labelled(plan.service_cidr, label("service_cidr")),
        dns_service_ip=(label("dns_service_ip"), plan.dns_service_ip),
        pod_cidr=cidr.Labelled(plan.pod_cidr, label("pod_cidr")),
        cluster_ranges=vnet,
    )
    return problems


def _private_dns_zone(fields: FieldReader) -> str | None:
    """A central zone for the API server: the cloud's AKS zone of the cluster's region."""
    if not fields.present("private_dns_zone_id"):
        return None
    cloud = fields.choice("cloud", AzureCloud, AzureCloud.PUBLIC)
    zone = CLOUDS[cloud].aks_private_zone.format(region="<region>")
    zone_id = fields.arm_id(
        "private_dns_zone_id",
        "microsoft.network",
        ("privatednszones",),
        f"the ARM id of a private DNS zone {zone} (or a subzone of it) in the {cloud.value} cloud",
    )
    if zone_id is None:
        return None
    region = aks_zone_region(cloud, zone_id.rsplit("/", 1)[-1])
    location = fields.values.get("location")
    if region is None:
        fields.invalid(
            "private_dns_zone_id",
            zone_id,
            f"the ARM id of a private DNS zone {zone} (or a subzone of it) in the {cloud.value} cloud",
        )
    elif not fields.values.get("private_cluster", True):
        fields.problem(
            "private_dns_zone_id",
            f"only a private cluster resolves its API server through a private DNS zone, and "
            f"{fields.label('private_cluster')} is false",
        )
    elif isinstance(location, str) and not same_region(region, location):
        fields.problem(
            "private_dns_zone_id",
            f"names the zone of {region}, but the cluster is in {location} "
            f"({fields.label('location')}); AKS needs the zone of its own region",
        )
    else:
        return zone_id
    return None


def validate_aks_cluster(fields: FieldReader) -> AksClusterPlan | None:
    mark = fields.mark()
    key = fields.require("ssh_public_key")
    key_problem = ssh_public_key_problem(key)
    if key is not None and key_problem is not None:
        shown = key if not isinstance(key, str) or len(key) < 40 else key[:37] + "..."
        fields.invalid("ssh_public_key", shown, key_problem)
    version = fields.values.get("kubernetes_version")
    plan = AksClusterPlan(
        dns_prefix=fields.text("dns_prefix", naming.AKS_DNS_PREFIX, "2-54 letters, digits or '-'")
        or "",
        ssh_public_key=key.strip() if isinstance(key, str) and key_problem is None else "",
        service_cidr=fields.network("service_cidr", DEFAULT_SERVICE_CIDR),
        dns_service_ip=fields.address("dns_service_ip", DEFAULT_DNS_SERVICE_IP),
        pod_cidr=fields.network("pod_cidr", DEFAULT_POD_CIDR),
        node_count=fields.whole("node_count", 1, 1000, 2),
        node_vm_size=fields.text(
            "node_vm_size",
            naming.VM_SIZE,
            "an Azure VM size such as Standard_D4ds_v5",
            "Standard_D4ds_v5",
        ),
        kubernetes_version=None
        if version is None
        else fields.text(
            "kubernetes_version", naming.KUBERNETES_VERSION, "a version such as 1.33 or 1.33.2"
        ),
        private_cluster=fields.flag("private_cluster", True),
        authorized_ip_ranges=fields.texts("authorized_ip_ranges", _ANY_CIDR, "CIDRs"),
        admin_group_object_ids=fields.texts(
            "admin_group_object_ids", _GUID, "Entra group object ids (GUIDs)"
        ),
        grant_subnet_access=fields.flag("grant_subnet_access", True),
        outbound_type=fields.choice("outbound_type", OutboundType, OutboundType.LOAD_BALANCER),
        container_insights=fields.flag("container_insights", False),
        azure_policy=fields.flag("azure_policy", False),
        private_dns_zone_id=_private_dns_zone(fields),
        grant_dns_zone_access=fields.flag("grant_dns_zone_access", True),
    )
    if not fields.failed_since(mark):
        fields.problems.extend(_network_plan_problems(fields, plan))
        fields.problems.extend(
            api_server_exposure_problems(
                fields.label("authorized_ip_ranges"),
                plan.private_cluster,
                plan.authorized_ip_ranges,
            )
        )
    return None if fields.failed_since(mark) else plan


def _network_profile(plan: AksClusterPlan) -> containerservice.ContainerServiceNetworkProfileArgs:
    return containerservice.ContainerServiceNetworkProfileArgs(
        network_plugin="azure",
        network_plugin_mode="overlay",
        network_dataplane="cilium",
        network_policy="cilium",
        service_cidr=str(plan.service_cidr),
        dns_service_ip=str(plan.dns_service_ip),
        pod_cidr=str(plan.pod_cidr),
        outbound_type=plan.outbound_type.value,
        load_balancer_sku="standard",
    )


def _system_pool(
    plan: AksClusterPlan, subnet_id: pulumi.Input[str]
) -> containerservice.ManagedClusterAgentPoolProfileArgs:
    return containerservice.ManagedClusterAgentPoolProfileArgs(
        name="system",
        mode="System",
        count=plan.node_count,
        vm_size=plan.node_vm_size,
        os_type="Linux",
        os_sku="AzureLinux",
        type="VirtualMachineScaleSets",
        vnet_subnet_id=subnet_id,
        enable_node_public_ip=False,
        max_pods=110,
    )


def _access_profile(
    plan: AksClusterPlan,
) -> containerservice.ManagedClusterAPIServerAccessProfileArgs:
    access: dict[str, Any] = {"enable_private_cluster": plan.private_cluster}
    if plan.private_dns_zone_id is not None:
        access["private_dns_zone"] = plan.private_dns_zone_id
    if not plan.private_cluster:
        access["authorized_ip_ranges"] = list(plan.authorized_ip_ranges)
    return containerservice.ManagedClusterAPIServerAccessProfileArgs(**access)


def _addons(
    plan: AksClusterPlan, workspace: pulumi.Input[str] | None
) -> dict[str, containerservice.ManagedClusterAddonProfileArgs] | None:
    """The monitoring add-on, authenticating with its managed identity (no workspace key), and
    the Azure Policy add-on (``az aks show --query addonProfiles.azurepolicy``)."""
    addons: dict[str, containerservice.ManagedClusterAddonProfileArgs] = {}
    if workspace is not None:
        addons["omsagent"] = containerservice.ManagedClusterAddonProfileArgs(
            enabled=True,
            config={
                "logAnalyticsWorkspaceResourceID": workspace,
                "useAADAuth": "true",
            },
        )
    if plan.azure_policy:
        addons["azurepolicy"] = containerservice.ManagedClusterAddonProfileArgs(enabled=True)
    return addons or None


def _subnet_scope(resource_id: str) -> tuple[str, str, str]:
    """The subscription, the resource group's id and a label (``group/vnet/subnet``) of a
    subnet id; of a shorter id, what it holds."""
    parts = resource_id.strip().strip("/").split("/")
    subscription = parts[1] if len(parts) > 1 else ""
    group = "/" + "/".join(parts[:4]) if len(parts) >= 4 else resource_id
    label = "/".join(parts[i] for i in (3, -3, -1)) if len(parts) >= 10 else resource_id
    return subscription, group, label


class AksCluster(
    PlannedComponent[AksClusterPlan, AksClusterInputs],
    args=AksClusterArgs,
    validate=validate_aks_cluster,
):
    """Managed identity, subnet rights, the cluster and the kubelet's AcrPull.

    Children: ``<name>-identity``, ``<name>-subnet-role`` and its ``<name>-subnet-access``, with
    a central API server zone ``<name>-dns-zone-access`` and ``<name>-vnet-access``,
    ``<name>-cluster``,
    ``<name>-acr-pull``, ``<name>-admin-<group>-kubeconfig`` per admin group, and with Container
    Insights ``<name>-insights`` (the data collection rule) and ``<name>-insights-association``.
    """

    cluster_id: pulumi.Output[str]
    """ARM id of the cluster."""
    cluster_name: pulumi.Output[str]
    """Name of the cluster."""
    oidc_issuer_url: pulumi.Output[str]
    """OIDC issuer for workload identity federation."""
    kubelet_object_id: pulumi.Output[str]
    """Object id of the kubelet identity (holds AcrPull)."""
    control_plane_principal_id: pulumi.Output[str]
    """Object id of the control-plane identity (needs ``subnets/join/action`` and
    ``subnets/read`` on the node subnet; README, "What the platform team grants")."""

    def __init__(
        self, name: str, args: AksClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        self._construct(name, self.plan(args), args, opts)

    def _check_links(self, plan: AksClusterPlan, links: FieldReader) -> None:
        if plan.container_insights:
            links.require(
                "log_analytics_workspace_id", "container_insights needs the workspace to send to"
            )

    def _build(
        self,
        name: str,
        plan: AksClusterPlan,
        inputs: AksClusterInputs,
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        workspace = inputs.get("log_analytics_workspace_id") if plan.container_insights else None
        super().__init__(type_token("AksCluster"), name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        identity = managedidentity.UserAssignedIdentity(
            child_name(name, "identity"),
            resource_group_name=inputs["resource_group_name"],
            location=inputs["location"],
            tags=tags_of(inputs),
            opts=child,
        )
        subnet_access = self._subnet_access(name, plan, inputs, identity)
        self.cluster = self._cluster(
            name, plan, inputs, identity, subnet_access, insights_workspace=workspace
        )
        if workspace is not None:
            self._container_insights(name, inputs, workspace)
        kubelet_object_id: pulumi.Output[str] = self.cluster.identity_profile.apply(
            lambda profile: str((profile or {})["kubeletidentity"].object_id or "")
        )
        authorization.RoleAssignment(
            child_name(name, "acr-pull"),
            scope=inputs["registry_id"],
            principal_id=kubelet_object_id,
            principal_type="ServicePrincipal",
            role_definition_id=role_definition_id(inputs["subscription_id"], "AcrPull"),
            opts=child,
        )
        self._admin_kubeconfig(name, plan, inputs)
        self.cluster_id = self.cluster.id
        self.cluster_name = self.cluster.name
        self.oidc_issuer_url = self.cluster.oidc_issuer_profile.apply(
            lambda profile: profile.issuer_url if profile and profile.issuer_url else ""
        )
        self.kubelet_object_id = kubelet_object_id
        self.control_plane_principal_id = identity.principal_id
        self.register_outputs(
            {
                "control_plane_principal_id": self.control_plane_principal_id,
                "cluster_id": self.cluster_id,
                "cluster_name": self.cluster_name,
                "oidc_issuer_url": self.oidc_issuer_url,
                "kubelet_object_id": self.kubelet_object_id,
            }
        )

    def _subnet_access(
        self,
        name: str,
        plan: AksClusterPlan,
        inputs: AksClusterInputs,
        identity: managedidentity.UserAssignedIdentity,
    ) -> list[pulumi.Resource]:
        """What the control plane needs before the cluster exists, unless granted elsewhere:
        the node subnet's custom role, and with a central API server zone the zone and VNet
        rights of Learn's private-clusters page."""
        grants: list[pulumi.Resource] = []
        if plan.grant_subnet_access:
            grants.append(self._subnet_role(name, inputs, identity))
        if plan.private_dns_zone_id is None or not plan.grant_dns_zone_access:
            return grants
        # Learn, aks/private-clusters ("Configuration options for private DNS"): a custom zone
        # needs "a user-assigned identity or service principal with the Private DNS Zone
        # Contributor and Network Contributor roles"; its Terraform example scopes the first to
        # the zone and the second to the cluster's VNet. (Learn says AKS itself links a zone to
        # the spoke VNet of the *default* zone behaviour; a custom zone, it says, is linked by
        # its owner, e.g. to the hub VNet. The VNet grant follows Learn's requirement either way.)
        # A built-in role is named in the subscription of its scope (a hub's zone).
        zone_subscription = plan.private_dns_zone_id.split("/")[2]
        vnet_id = pulumi.Output.from_input(inputs["subnet_id"]).apply(
            lambda sid: sid.rsplit("/subnets/", 1)[0]
        )
        vnet_subscription = vnet_id.apply(lambda vid: _subnet_scope(vid)[0])
        for suffix, scope, subscription, role in (
            (
                "dns-zone-access",
                plan.private_dns_zone_id,
                zone_subscription,
                "Private DNS Zone Contributor",
            ),
            ("vnet-access", vnet_id, vnet_subscription, "Network Contributor"),
        ):
            grants.append(
                authorization.RoleAssignment(
                    child_name(name, suffix),
                    scope=scope,
                    principal_id=identity.principal_id,
                    principal_type="ServicePrincipal",
                    role_definition_id=role_definition_id(subscription, role),
                    opts=pulumi.ResourceOptions(parent=self),
                )
            )
        return grants

    def _subnet_role(
        self,
        name: str,
        inputs: AksClusterInputs,
        identity: managedidentity.UserAssignedIdentity,
    ) -> authorization.RoleAssignment:
        """``subnets/join/action`` and ``subnets/read`` (``roles.AKS_SUBNET_ACTIONS``) on the
        node subnet. The role is assignable in the subnet's resource group, not on the subnet,
        as Learn advises for custom roles (role-definitions, "AssignableScopes"); what the
        identity holds is the assignment, on the subnet alone."""
        subnet_id = pulumi.Output.from_input(inputs["subnet_id"])
        _, assignment = custom_role_on(
            self,
            (child_name(name, "subnet-role"), child_name(name, "subnet-access")),
            assigned_on=subnet_id,
            defined_at=subnet_id.apply(lambda sid: _subnet_scope(sid)[1]),
            subscription_id=subnet_id.apply(lambda sid: _subnet_scope(sid)[0]),
            guid_namespace=_SUBNET_ROLE_NAMESPACE,
            # Role names are unique in a tenant: the group, VNet and subnet make it so.
            role_name=subnet_id.apply(lambda sid: f"AKS node subnet ({_subnet_scope(sid)[2]})"),
            description="Join AKS nodes to the subnet it is assigned on and read it; nothing else.",
            actions=AKS_SUBNET_ACTIONS,
            principal_id=identity.principal_id,
            # An assignment cannot change its role in place; until 0.3 this one held Network
            # Contributor, so the new one is created and the old one deleted.
            replace_on_changes=["roleDefinitionId"],
        )
        return assignment

    def _admin_kubeconfig(self, name: str, plan: AksClusterPlan, inputs: AksClusterInputs) -> None:
        """The Cluster User Role for each admin group: cluster-admin inside Kubernetes does not let
        them download the kubeconfig (``listClusterUserCredential``; Learn, aks/manage-azure-rbac),
        and the first ``kubectl apply`` of the CI manifests is theirs."""
        for object_id in plan.admin_group_object_ids:
            authorization.RoleAssignment(
                child_name(name, "admin", object_id, "kubeconfig"),
                scope=self.cluster.id,
                principal_id=object_id,
                principal_type="Group",
                role_definition_id=role_definition_id(
                    inputs["subscription_id"], "Azure Kubernetes Service Cluster User Role"
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )

    def _container_insights(
        self, name: str, inputs: AksClusterInputs, workspace: pulumi.Input[str]
    ) -> None:
        """The data collection rule the monitoring add-on reads, associated with the cluster."""
        rule = monitor.DataCollectionRule(
            child_name(name, "insights"),
            resource_group_name=inputs["resource_group_name"],
            location=inputs["location"],
            kind="Linux",
            data_sources=monitor.DataCollectionRuleDataSourcesArgs(
                extensions=[
                    monitor.ExtensionDataSourceArgs(
                        name="ContainerInsightsExtension",
                        extension_name="ContainerInsights",
                        streams=[_INSIGHTS_STREAM],
                        extension_settings={
                            "dataCollectionSettings": {
                                "interval": "1m",
                                "namespaceFilteringMode": "Off",
                                "enableContainerLogV2": True,
                            }
                        },
                    )
                ]
            ),
            destinations=monitor.DataCollectionRuleDestinationsArgs(
                log_analytics=[
                    monitor.LogAnalyticsDestinationArgs(
                        name="ciworkspace",
                        workspace_resource_id=workspace,
                    )
                ]
            ),
            data_flows=[
                monitor.DataFlowArgs(streams=[_INSIGHTS_STREAM], destinations=["ciworkspace"])
            ],
            tags=tags_of(inputs),
            opts=pulumi.ResourceOptions(parent=self),
        )
        monitor.DataCollectionRuleAssociation(
            child_name(name, "insights-association"),
            resource_uri=self.cluster.id,
            association_name="ContainerInsightsExtension",
            data_collection_rule_id=rule.id,
            description="Container Insights collection for this cluster; deleting it stops it.",
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _cluster(
        self,
        name: str,
        plan: AksClusterPlan,
        inputs: AksClusterInputs,
        identity: managedidentity.UserAssignedIdentity,
        subnet_access: list[pulumi.Resource],
        *,
        insights_workspace: pulumi.Input[str] | None,
    ) -> containerservice.ManagedCluster:
        return containerservice.ManagedCluster(
            child_name(name, "cluster"),
            resource_group_name=inputs["resource_group_name"],
            location=inputs["location"],
            dns_prefix=plan.dns_prefix,
            kubernetes_version=plan.kubernetes_version,
            identity=containerservice.ManagedClusterIdentityArgs(
                type=containerservice.ResourceIdentityType.USER_ASSIGNED,
                user_assigned_identities=[identity.id],
            ),
            agent_pool_profiles=[_system_pool(plan, inputs["subnet_id"])],
            network_profile=_network_profile(plan),
            aad_profile=containerservice.ManagedClusterAADProfileArgs(
                managed=True,
                enable_azure_rbac=True,
                admin_group_object_ids=list(plan.admin_group_object_ids) or None,
            ),
            enable_rbac=True,
            disable_local_accounts=True,
            oidc_issuer_profile=containerservice.ManagedClusterOIDCIssuerProfileArgs(enabled=True),
            security_profile=containerservice.ManagedClusterSecurityProfileArgs(
                workload_identity=containerservice.ManagedClusterSecurityProfileWorkloadIdentityArgs(
                    enabled=True
                )
            ),
            api_server_access_profile=_access_profile(plan),
            addon_profiles=_addons(plan, insights_workspace),
            auto_upgrade_profile=containerservice.ManagedClusterAutoUpgradeProfileArgs(
                upgrade_channel="patch", node_os_upgrade_channel="NodeImage"
            ),
            linux_profile=containerservice.ContainerServiceLinuxProfileArgs(
                admin_username="azureuser",
                ssh=containerservice.ContainerServiceSshConfigurationArgs(
                    public_keys=[
                        containerservice.ContainerServiceSshPublicKeyArgs(
                            key_data=plan.ssh_public_key
                        )
                    ]
                ),
            ),
            tags=tags_of(inputs),
            opts=pulumi.ResourceOptions(parent=self, depends_on=subnet_access),
        )
