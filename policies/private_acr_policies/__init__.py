"""The private-acr-tasks CrossGuard policies, importable without starting a policy server.

``policies/__main__.py`` builds the ``PolicyPack`` from ``POLICIES``; tests import the
policies and their pure checks from here. Adding a policy: see ``_policy``'s docstring.
"""

from __future__ import annotations

from pulumi_policy import Policy

from private_acr_policies import (
    agent_pool,
    agent_pool_placement,
    agent_pool_quota,
    aks_access,
    aks_network_plan,
    data_safety,
    diagnostic_logs,
    docker_bridge,
    endpoint_zones,
    identity_roles,
    internet_egress,
    nsg,
    reach,
    registry,
    task_credentials,
    vnet_integrity,
)

PACK_NAME = "private-acr-tasks"
DESCRIPTION = "Docker-bridge, CIDR, egress, private-link and access rules for private ACR Tasks builds next to AKS."

POLICIES: list[Policy] = [
    docker_bridge.POLICY,
    aks_network_plan.POLICY,
    vnet_integrity.POLICY,
    agent_pool.EGRESS_POLICY,
    agent_pool.PREMIUM_POLICY,
    registry.ACCESS_POLICY,
    registry.ENDPOINT_DNS_POLICY,
    endpoint_zones.POLICY,
    aks_access.EXPOSURE_POLICY,
    aks_access.IDENTITY_POLICY,
    nsg.INGRESS_POLICY,
    nsg.SUBNET_NSG_POLICY,
    data_safety.POLICY,
    identity_roles.POLICY,
    agent_pool_placement.REGION_POLICY,
    agent_pool_placement.FIREWALL_POLICY_CHECK,
    diagnostic_logs.POLICY,
    # Pools, tasks and private registries (issue 15).
    task_credentials.POLICY,
    agent_pool_quota.POLICY,
    reach.POLICY,
    # Least privilege, least reach (issue 26).
    internet_egress.POLICY,
]
