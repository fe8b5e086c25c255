"""The whole private-build stack composed from the components, for one environment.

``build_stack`` is what this repository's ``__main__.py`` runs; another program can call it
too, or compose the components its own way. Every component is built from the plan the
settings validated, so nothing is parsed twice and nothing registers before all input is
known to be good.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_azure_native import authorization, resources

from private_acr_rules import diagnostics as log_profiles
from private_acr_tasks._common import SharedArgs
from private_acr_tasks.agent_pool import BuildAgentPool
from private_acr_tasks.aks import AksCluster
from private_acr_tasks.build_trigger import InClusterBuildTrigger
from private_acr_tasks.diagnostics import Diagnostics
from private_acr_tasks.network import Network
from private_acr_tasks.private_endpoint import EndpointPurpose
from private_acr_tasks.registry import Registry
from private_acr_tasks.settings import PROJECT, StackSettings
from private_acr_tasks.storage import ArtifactStore


@dataclass(frozen=True)
class _Foundation:
    """What every part of the stack builds on."""

    settings: StackSettings
    group: resources.ResourceGroup
    common: SharedArgs
    client: pulumi.Output[authorization.GetClientConfigResult]
    protect: pulumi.ResourceOptions


def _foundation(settings: StackSettings) -> _Foundation:
    tags = {"project": PROJECT, "environment": settings.environment}
    group = resources.ResourceGroup(
        "resource-group",
        resource_group_name=f"rg-{PROJECT}-{settings.environment}",
        location=settings.location,
        tags=tags,
    )
    common: SharedArgs = {
        "resource_group_name": group.name,
        "location": settings.location,
        "tags": tags,
    }
    return _Foundation(
        settings,
        group,
        common,
        authorization.get_client_config_output(),
        pulumi.ResourceOptions(protect=settings.protect),
    )


def _private_data(base: _Foundation, net: Network) -> tuple[Registry, ArtifactStore]:
    """The registry and the artifact store, each reachable only through the endpoint subnet."""
    # One VNet holds the agent pool and the AKS nodes; a second VNet would need a link.
    build_vnet = {"build": net.vnet_id}
    dns = base.settings.dns
    subnet = net.private_endpoint_subnet_id
    registry = Registry.from_plan(
        "registry",
        base.settings.registry,
        {
            **base.common,
            "private_endpoints": {
                "endpoint": dns.entry(EndpointPurpose.REGISTRY, subnet, build_vnet)
            },
        },
        opts=base.protect,
        # Until 0.2 the stack created this endpoint at its root, as "registry-endpoint".
        endpoint_aliases={"endpoint": [pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)]},
    )
    store = ArtifactStore.from_plan(
        "artifacts",
        base.settings.artifact_store,
        {
            **base.common,
            "subscription_id": base.client.subscription_id,
            "private_endpoints": {"blob": dns.entry(EndpointPurpose.BLOB, subnet, build_vnet)},
        },
        opts=base.protect,
    )
    return registry, store


def _builds(
    base: _Foundation, net: Network, registry: Registry, store: ArtifactStore
) -> BuildAgentPool:
    pool = BuildAgentPool.from_plan(
        "build",
        base.settings.agent_pool,
        {
            **base.common,
            "registry_name": registry.registry_name,
            "subnet_id": net.agent_subnet_id,
            "artifact_storage_account": store.account_name,
        },
        opts=base.protect,
    )
    store.grant_reader("build-task", pool.task_identity_principal_id)
    return pool


def _cluster(
    base: _Foundation,
    net: Network,
    registry: Registry,
    pool: BuildAgentPool,
    diagnostics: Diagnostics,
) -> tuple[AksCluster, InClusterBuildTrigger]:
    cluster = AksCluster.from_plan(
        "aks",
        base.settings.aks,
        {
            **base.common,
            "subscription_id": base.client.subscription_id,
            "subnet_id": net.aks_subnet_id,
            "registry_id": registry.registry_id,
            "log_analytics_workspace_id": diagnostics.workspace_id,
        },
        opts=base.protect,
    )
    trigger = InClusterBuildTrigger.from_plan(
        "ci-trigger",
        base.settings.build_trigger,
        {
            **base.common,
            "subscription_id": base.client.subscription_id,
            "tenant_id": base.client.tenant_id,
            "registry_id": registry.registry_id,
            "registry_name": registry.registry_name,
            "oidc_issuer_url": cluster.oidc_issuer_url,
            "agent_pool_name": pool.agent_pool_name,
            "task_name": pool.task_name,
            "cluster_id": cluster.cluster_id,
        },
    )
    return cluster, trigger


def _send_logs(
    diagnostics: Diagnostics, registry: Registry, cluster: AksCluster, store: ArtifactStore
) -> None:
    """Every stateful resource's logs to the workspace (Microsoft's categories per type)."""
    diagnostics.send(
        "registry",
        {"resource_id": registry.registry_id, "resource_type": log_profiles.REGISTRY},
    )
    diagnostics.send(
        "aks", {"resource_id": cluster.cluster_id, "resource_type": log_profiles.CLUSTER}
    )
    diagnostics.send(
        "artifacts",
        {"resource_id": store.blob_service_id, "resource_type": log_profiles.BLOB_SERVICE},
    )


def build_stack(settings: StackSettings) -> Mapping[str, Any]:
    """Register every resource for ``settings`` and return the stack outputs."""
    base = _foundation(settings)
    net = Network.from_plan("network", settings.network, base.common)
    # Targets are sent once they exist; the cluster needs the workspace before that.
    diagnostics = Diagnostics.from_plan(
        "diagnostics",
        settings.diagnostics,
        {**base.common, "targets": {}},
        opts=base.protect,
    )
    registry, store = _private_data(base, net)
    pool = _builds(base, net, registry, store)
    cluster, trigger = _cluster(base, net, registry, pool, diagnostics)
    _send_logs(diagnostics, registry, cluster, store)
    return {
        "resourceGroupName": base.group.name,
        "registryName": registry.registry_name,
        "loginServer": registry.login_server,
        "agentPoolName": pool.agent_pool_name,
        "taskName": pool.task_name,
        "artifactStorageAccount": store.account_name,
        "artifactContainer": store.container_name,
        "aksClusterName": cluster.cluster_name,
        "aksControlPlanePrincipalId": cluster.control_plane_principal_id,
        "oidcIssuerUrl": cluster.oidc_issuer_url,
        "logAnalyticsWorkspaceId": diagnostics.workspace_id,
        "buildTriggerClientId": trigger.client_id,
        "taskRunCommand": trigger.task_run_command,
        "quickBuildCommand": trigger.quick_build_command,
        "podManifest": trigger.manifest,
        "buildJobManifest": trigger.build_job_manifest,
    }
