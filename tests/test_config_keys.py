"""The stack config keys are the components' args in camelCase: which key sets which field,
which fields a stack does not set, and what Pulumi.yaml declares.

A new args field becomes a config key by itself; this file is where that is decided: add it
to CONFIG_KEYS (and to Pulumi.yaml's description and the README's table), or to LIBRARY_ONLY
in ``private_acr_tasks.config_keys``.
"""

import yaml

from conftest import ROOT
from private_acr_tasks import config_keys
from private_acr_tasks._common import known_fields
from private_acr_tasks.config_keys import Keys

CONFIG_KEYS: dict[str, dict[str, str | None]] = {
    "network": {
        "addressSpace": "address_space",
        "agentSubnet": "agent_subnet_prefix",
        "privateEndpointSubnet": "private_endpoint_subnet_prefix",
        "aksSubnet": "aks_subnet_prefix",
        "dnsServers": "dns_servers",
        "existingVnetId": "existing_vnet_id",
        "existingSubnetIds": "existing_subnet_ids",
        "firewallPolicyId": "firewall_policy_id",
        "agentEgress": "agent_egress",
        "agentEgressAllow": "agent_egress_allow",
    },
    "dns": {"zoneIds": "zone_ids", "zoneGroups": "zone_groups"},
    "registry": {
        "zoneRedundancy": "zone_redundancy",
        "replicas": "replicas",
        "retentionDays": None,
        "softDeleteDays": None,
    },
    "agentPool": {
        "tier": "tier",
        "count": "count",
        "vcpuQuota": "vcpu_quota",
        "schedule": "schedule",
    },
    "aks": {
        "sshPublicKey": "ssh_public_key",
        "serviceCidr": "service_cidr",
        "dnsServiceIp": "dns_service_ip",
        "podCidr": "pod_cidr",
        "nodeCount": "node_count",
        "nodeVmSize": "node_vm_size",
        "kubernetesVersion": "kubernetes_version",
        "privateCluster": "private_cluster",
        "authorizedIpRanges": "authorized_ip_ranges",
        "adminGroupObjectIds": "admin_group_object_ids",
        "grantSubnetAccess": "grant_subnet_access",
        "outboundType": "outbound_type",
        "containerInsights": "container_insights",
        "azurePolicy": "azure_policy",
        "grantDnsZoneAccess": "grant_dns_zone_access",
    },
    "buildTrigger": {
        "cliImage": "cli_image",
        "deployers": "deployers",
        "deployerPrincipalType": "deployer_principal_type",
        "quickBuilds": "quick_builds",
    },
    "diagnostics": {"workspaceId": "workspace_id", "retentionDays": "retention_days"},
    "keyVault": {"softDeleteDays": "soft_delete_days", "purgeProtection": "purge_protection"},
    "privateRegistries.<server>": {
        "usernameSecret": "username_secret",
        "passwordSecret": "password_secret",
        "address": None,
        "port": None,
    },
    "agentPools.<key>": {"tier": "tier", "count": "count", "schedule": "schedule", "subnet": None},
    "tasks.<key>": {
        "timeout": "timeout",
        "context": "context",
        "agentPool": None,
        "file": None,
        "triggers": None,
    },
}
"""Each object's keys and the args field each sets (``None``: the stack places it elsewhere)."""

INNER_KEYS: dict[str, dict[str, str | None]] = {
    "agentPool.schedule": {
        "scaleDown": "scale_down",
        "scaleUp": "scale_up",
        "idleCount": "idle_count",
    },
    "network.existingSubnetIds": {
        "agent": "agent",
        "privateEndpoint": "private_endpoint",
        "aks": "aks",
    },
    "tasks.<key>.triggers": {"timer": "timer", "baseImage": "base_image_trigger"},
}

LIBRARY_ONLY: dict[str, set[str]] = {
    "network": {
        "registry_uses_private_link",
        "docker_bridge_cidr",
        "build_destinations",
        "pool_subnet_prefixes",
    },
    "dns": set(),
    "registry": {
        "name_prefix",
        "artifact_lifecycle",
        "public_network_access",
        "allow_trusted_services",
        "cloud",
    },
    "agentPool": {"pool_name", "cloud"},
    "aks": {"dns_prefix", "vnet_ranges", "private_dns_zone_id", "cloud"},
    "buildTrigger": {"namespace", "service_account", "cloud", "contexts"},
    "diagnostics": {"workspace_name"},
    "keyVault": {"name_prefix", "cloud"},
    "privateRegistries.<server>": set(),
    "agentPools.<key>": {"pool_name", "cloud", "vcpu_quota"},
    "tasks.<key>": {"task_name", "task_yaml", "private_registries"},
}


def every_object() -> dict[str, Keys]:
    objects = {name: keys for name, (keys, _) in config_keys.SECTIONS.items()}
    objects.update(
        {
            "privateRegistries.<server>": config_keys.PRIVATE_REGISTRY,
            "agentPools.<key>": config_keys.AGENT_POOLS_ENTRY,
            "tasks.<key>": config_keys.TASK,
        }
    )
    return objects


def test_each_object_has_exactly_these_keys_for_these_fields() -> None:
    found = {
        name: {key: spec.field for key, spec in keys.keys().items()}
        for name, keys in every_object().items()
    }
    assert found == CONFIG_KEYS


def test_objects_inside_objects_are_derived_the_same_way() -> None:
    schedule = config_keys.AGENT_POOL.keys()["schedule"].keys
    subnets = config_keys.NETWORK.keys()["existingSubnetIds"].keys
    triggers = config_keys.TASK.keys()["triggers"].keys
    assert schedule and subnets and triggers
    found = {
        name: {key: spec.field for key, spec in keys.keys().items()}
        for name, keys in (
            ("agentPool.schedule", schedule),
            ("network.existingSubnetIds", subnets),
            ("tasks.<key>.triggers", triggers),
        )
    }
    assert found == INNER_KEYS


def test_a_field_is_a_config_key_a_link_or_library_only() -> None:
    for name, keys in every_object().items():
        assert keys.library_only == LIBRARY_ONLY[name], name
        links = known_fields(keys.links) if keys.links else frozenset[str]()
        inner = {
            f
            for spec in keys.keys().values()
            if spec.field is None and spec.keys
            for f in spec.keys.fields()
        }
        assert set(keys.fields()) | keys.library_only | links | inner == known_fields(keys.args), (
            name
        )


def test_keys_are_read_with_their_fields_type() -> None:
    kinds = {
        key: spec.kind for key, spec in config_keys.AKS.keys().items() if spec.kind is not None
    }
    assert kinds == {
        "nodeCount": int,
        "privateCluster": bool,
        "grantSubnetAccess": bool,
        "containerInsights": bool,
        "azurePolicy": bool,
        "grantDnsZoneAccess": bool,
    }


def test_pulumi_yaml_declares_every_top_level_key() -> None:
    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    assert set(declared) == set(config_keys.TOP_LEVEL_KEYS)
