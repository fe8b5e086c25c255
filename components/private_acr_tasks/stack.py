"""The whole private-build stack composed from the components, for one environment.

``build_stack`` is what this repository's ``__main__.py`` runs; another program can call it
too, or compose the components its own way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi_azure_native import authorization, resources

from private_acr_rules.dns import REGISTRY_ZONE
from private_acr_tasks._common import SharedArgs
from private_acr_tasks.agent_pool import BuildAgentPool
from private_acr_tasks.aks import AksCluster, AksClusterArgs
from private_acr_tasks.build_trigger import InClusterBuildTrigger
from private_acr_tasks.network import Network
from private_acr_tasks.private_endpoint import PrivateLinkEndpoint
from private_acr_tasks.registry import Registry
from private_acr_tasks.settings import PROJECT, StackSettings
from private_acr_tasks.storage import ArtifactStore

ARTIFACT_CONTAINER = "artifacts"


def build_stack(settings: StackSettings) -> Mapping[str, Any]:
    """Register every resource for ``settings`` and return the stack outputs."""
    env = settings.environment
    compact = env.replace("-", "")
    tags = {"project": PROJECT, "environment": env}
    protect = pulumi.ResourceOptions(protect=settings.protect)
    client = authorization.get_client_config_output()

    group = resources.ResourceGroup(
        "resource-group",
        resource_group_name=f"rg-{PROJECT}-{env}",
        location=settings.location,
        tags=tags,
    )
    common: SharedArgs = {
        "resource_group_name": group.name,
        "location": settings.location,
        "tags": tags,
    }

    net = Network(
        "network",
        {
            **common,
            "address_space": str(settings.network.address_space),
            "agent_subnet_prefix": str(settings.network.agent_subnet),
            "private_endpoint_subnet_prefix": str(settings.network.private_endpoint_subnet),
            "aks_subnet_prefix": str(settings.network.aks_subnet),
            "dns_servers": [str(ip) for ip in settings.network.dns_servers],
            "registry_uses_private_link": True,
            "docker_bridge_cidr": str(settings.docker_bridge_cidr),
        },
    )
    registry = Registry(
        "registry",
        {
            **common,
            "name_prefix": f"acr{compact}"[:40],
            "retention_days": settings.registry.retention_days,
            "soft_delete_days": settings.registry.soft_delete_days,
            "zone_redundancy": settings.registry.zone_redundancy,
        },
        opts=protect,
    )
    PrivateLinkEndpoint(
        "registry-endpoint",
        {
            **common,
            "target_resource_id": registry.registry_id,
            "group_id": "registry",
            "subnet_id": net.private_endpoint_subnet_id,
            "zone_name": REGISTRY_ZONE,
            # One VNet holds the agent pool and the AKS nodes; a second VNet would need a link.
            "linked_vnet_ids": {"build": net.vnet_id},
        },
    )
    store = ArtifactStore(
        "artifacts",
        {
            **common,
            "name_prefix": f"st{compact}"[:16],
            "private_endpoint_subnet_id": net.private_endpoint_subnet_id,
            "linked_vnet_ids": {"build": net.vnet_id},
            "subscription_id": client.subscription_id,
            "container_name": ARTIFACT_CONTAINER,
        },
        opts=protect,
    )
    pool = BuildAgentPool(
        "build",
        {
            **common,
            "registry_name": registry.registry_name,
            "subnet_id": net.agent_subnet_id,
            "pool_name": f"pool-{env}"[:20],
            "task_name": f"private-build-{env}",
            "tier": settings.agent_pool.tier,
            "count": settings.agent_pool.count,
            "artifact_storage_account": store.account_name,
            "artifact_container": ARTIFACT_CONTAINER,
            "subnet_dependencies": [net],
        },
        opts=protect,
    )
    store.grant_reader("build-task", pool.task_identity_principal_id)
    cluster_args: AksClusterArgs = {
        **common,
        "subscription_id": client.subscription_id,
        "subnet_id": net.aks_subnet_id,
        "registry_id": registry.registry_id,
        "dns_prefix": f"aks-{env}",
        "ssh_public_key": settings.aks.ssh_public_key,
        "service_cidr": str(settings.aks.service_cidr),
        "dns_service_ip": str(settings.aks.dns_service_ip),
        "pod_cidr": str(settings.aks.pod_cidr),
        "vnet_ranges": [
            str(settings.network.address_space),
            str(settings.network.agent_subnet),
            str(settings.network.private_endpoint_subnet),
            str(settings.network.aks_subnet),
        ],
        "node_count": settings.aks.node_count,
        "node_vm_size": settings.aks.node_vm_size,
        "private_cluster": settings.aks.private_cluster,
        "authorized_ip_ranges": list(settings.aks.authorized_ip_ranges),
    }
    if settings.aks.kubernetes_version:
        cluster_args["kubernetes_version"] = settings.aks.kubernetes_version
    cluster = AksCluster("aks", cluster_args, opts=protect)
    trigger = InClusterBuildTrigger(
        "ci-trigger",
        {
            **common,
            "subscription_id": client.subscription_id,
            "tenant_id": client.tenant_id,
            "registry_id": registry.registry_id,
            "registry_name": registry.registry_name,
            "oidc_issuer_url": cluster.oidc_issuer_url,
            "agent_pool_name": pool.agent_pool_name,
            "task_name": pool.task_name,
        },
    )
    return {
        "resourceGroupName": group.name,
        "registryName": registry.registry_name,
        "loginServer": registry.login_server,
        "agentPoolName": pool.agent_pool_name,
        "taskName": pool.task_name,
        "artifactStorageAccount": store.account_name,
        "artifactContainer": store.container_name,
        "aksClusterName": cluster.cluster_name,
        "oidcIssuerUrl": cluster.oidc_issuer_url,
        "buildTriggerClientId": trigger.client_id,
        "taskRunCommand": trigger.task_run_command,
        "quickBuildCommand": trigger.quick_build_command,
        "podManifest": trigger.manifest,
    }
