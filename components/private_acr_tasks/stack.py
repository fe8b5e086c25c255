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
from private_acr_rules.clouds import names
from private_acr_tasks._common import SharedArgs, type_token
from private_acr_tasks.agent_pool import BuildAgentPool
from private_acr_tasks.aks import AksCluster
from private_acr_tasks.build_task import BuildTask, BuildTaskInputs, builtin_task_values
from private_acr_tasks.build_trigger import InClusterBuildTrigger
from private_acr_tasks.diagnostics import Diagnostics
from private_acr_tasks.key_vault import BuildKeyVault
from private_acr_tasks.network import Network
from private_acr_tasks.private_endpoint import EndpointPurpose
from private_acr_tasks.registry import Registry
from private_acr_tasks.settings import DEFAULT_POOL, PROJECT, StackSettings, StackTask
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
        child_aliases={"endpoint": [pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)]},
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


# Pools, tasks and the build secrets vault ---------------------------------------------------

BUILD = "build"
"""The name of the default pool's component and of the stack's own task's component; other
pools and tasks are ``build-<key>``."""


def _previous_task_parent() -> pulumi.Output[str]:
    """Until 0.2 one BuildAgentPool "build" held the pool, the stack's task and its identity."""
    return pulumi.create_urn(BUILD, type_token("BuildAgentPool"))


def _component_name(key: str) -> str:
    return BUILD if key == DEFAULT_POOL else f"{BUILD}-{key}"


@dataclass(frozen=True)
class _Builds:
    pools: dict[str, BuildAgentPool]
    tasks: dict[str, BuildTask]
    vault: BuildKeyVault | None

    def main(self, settings: StackSettings) -> tuple[BuildAgentPool, BuildTask]:
        """The main task (the first) and its pool: what the outputs and the trigger name."""
        key = settings.main_task
        return self.pools[settings.tasks[key].agent_pool], self.tasks[key]


def _vault(base: _Foundation, net: Network) -> BuildKeyVault | None:
    plan = base.settings.key_vault
    if plan is None:
        return None
    entry = base.settings.dns.entry(
        EndpointPurpose.VAULT, net.private_endpoint_subnet_id, {"build": net.vnet_id}
    )
    return BuildKeyVault.from_plan(
        "secrets",
        plan,
        {
            **base.common,
            "tenant_id": base.client.tenant_id,
            "private_endpoints": {"endpoint": entry},
        },
        opts=base.protect,
    )


def _task(
    base: _Foundation,
    key: str,
    task: StackTask,
    links: BuildTaskInputs,
    store: ArtifactStore,
) -> BuildTask:
    if task.builtin:
        image = base.settings.build_trigger.cli_image
        links["values"] = builtin_task_values(
            store.account_name,
            store.container_name,
            image,
            azure_cloud=names(base.settings.cloud).cli_name,
        )
    moved = [pulumi.Alias(parent=_previous_task_parent())] if task.builtin else []
    built = BuildTask.from_plan(
        _component_name(key),
        task.plan,
        links,
        opts=base.protect,
        child_aliases={"task-identity": moved, "task": moved},
    )
    if task.builtin:
        # The stack's own task downloads the artifact; the store's reader keeps its 0.1 name.
        store.grant_reader("build-task", built.task_identity_principal_id)
    return built


def _builds(base: _Foundation, net: Network, registry: Registry, store: ArtifactStore) -> _Builds:
    settings = base.settings
    pools = {
        key: BuildAgentPool.from_plan(
            _component_name(key),
            plan,
            {
                **base.common,
                "registry_name": registry.registry_name,
                "subnet_id": net.pool_subnets.get(key, net.agent_subnet_id),
            },
            opts=base.protect,
        )
        for key, plan in settings.agent_pools.items()
    }
    vault = _vault(base, net)
    tasks: dict[str, BuildTask] = {}
    for key, task in settings.tasks.items():
        links: BuildTaskInputs = {
            **base.common,
            "registry_name": registry.registry_name,
            "agent_pool_name": pools[task.agent_pool].agent_pool_name,
        }
        if vault is not None:
            links.update(
                key_vault_id=vault.vault_id,
                key_vault_uri=vault.vault_uri,
                subscription_id=base.client.subscription_id,
            )
        tasks[key] = _task(base, key, task, links, store)
    return _Builds(pools, tasks, vault)


def _cluster(
    base: _Foundation,
    net: Network,
    registry: Registry,
    builds: _Builds,
    diagnostics: Diagnostics,
) -> tuple[AksCluster, InClusterBuildTrigger]:
    pool, task = builds.main(base.settings)
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
            "task_name": task.task_name,
            "task_names": [t.task_name for t in builds.tasks.values()],
            "cluster_id": cluster.cluster_id,
        },
    )
    return cluster, trigger


def _build_outputs(settings: StackSettings, builds: _Builds) -> dict[str, Any]:
    pool, task = builds.main(settings)
    outputs: dict[str, Any] = {
        "agentPoolName": pool.agent_pool_name,
        "taskName": task.task_name,
        "agentPools": {key: p.agent_pool_name for key, p in builds.pools.items()},
        "tasks": {key: t.task_name for key, t in builds.tasks.items()},
    }
    if builds.vault is not None:
        outputs["keyVaultName"] = builds.vault.vault_name
    return outputs


def _send_logs(
    diagnostics: Diagnostics,
    registry: Registry,
    cluster: AksCluster,
    store: ArtifactStore,
    vault: BuildKeyVault | None,
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
    if vault is not None:
        # Who read which build secret, and from where (AuditEvent).
        diagnostics.send(
            "secrets", {"resource_id": vault.vault_id, "resource_type": log_profiles.VAULT}
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
    builds = _builds(base, net, registry, store)
    cluster, trigger = _cluster(base, net, registry, builds, diagnostics)
    _send_logs(diagnostics, registry, cluster, store, builds.vault)
    return {
        "resourceGroupName": base.group.name,
        "registryName": registry.registry_name,
        "loginServer": registry.login_server,
        **_build_outputs(settings, builds),
        "artifactStorageAccount": store.account_name,
        "artifactContainer": store.container_name,
        "aksClusterName": cluster.cluster_name,
        "aksControlPlanePrincipalId": cluster.control_plane_principal_id,
        "oidcIssuerUrl": cluster.oidc_issuer_url,
        "logAnalyticsWorkspaceId": diagnostics.workspace_id,
        "buildTriggerClientId": trigger.client_id,
        "buildBrokerUrl": trigger.broker_url,
        "taskRunCommand": trigger.task_run_command,
        # Only when buildTrigger.quickBuilds grants what it needs.
        **(
            {"quickBuildCommand": trigger.quick_build_command}
            if trigger.quick_build_command is not None
            else {}
        ),
        "podManifest": trigger.manifest,
        "buildJobManifest": trigger.build_job_manifest,
    }
