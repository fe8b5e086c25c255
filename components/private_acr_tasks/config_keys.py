"""Which stack config key sets which args field: derived from the components' args.

A structured config key (``network``, ``agentPool``, an entry of ``agentPools``...) is one
component's args ``TypedDict`` written in camelCase: ``agent_subnet_prefix`` would be
``agentSubnetPrefix``, ``node_count`` is ``nodeCount``, and a key is read with its field's type
(``pulumi config set --path aks.nodeCount 3`` hands the program the text ``"3"``). A field
whose type is itself a ``TypedDict`` (``schedule``, ``existing_subnet_ids``) is an object whose
keys are derived the same way. Links to other resources (the component's ``*Inputs``) are
never config keys. A new args field is therefore a config key unless it is listed below as
library-only, and ``tests/test_config_keys.py`` says which fields are which.

What does not follow that rule is written here, once:

- renamed keys: ``network.agentSubnet``, ``network.privateEndpointSubnet``,
  ``network.aksSubnet`` (the fields end in ``_prefix``) and ``tasks.<key>.triggers.baseImage``
  (``base_image_trigger``);
- keys of the stack's own (``stack_only``), which the settings place into other args:
  ``dockerBridgeCidr`` (a top-level key) into ``NetworkArgs.docker_bridge_cidr``,
  ``agentPools.<key>.subnet`` into ``NetworkArgs.pool_subnet_prefixes``,
  ``privateRegistries.<server>.address`` and ``port`` into ``NetworkArgs.build_destinations``,
  ``registry.retentionDays`` and ``softDeleteDays`` into ``RegistryArgs.artifact_lifecycle``,
  ``dns.zoneIds.aks`` into ``AksClusterArgs.private_dns_zone_id``, each task's ``context``
  into ``InClusterBuildTriggerArgs.contexts`` (the URLs the broker accepts), and a task's
  ``agentPool`` and ``file`` into its pool's name and ``task_yaml``; a task's ``triggers`` is
  an object of two of its own fields.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NotRequired, Required

from private_acr_tasks._common import SharedArgs, camel_case, known_fields
from private_acr_tasks.agent_pool import BuildAgentPoolArgs, BuildAgentPoolInputs
from private_acr_tasks.aks import AksClusterArgs, AksClusterInputs
from private_acr_tasks.build_task import BuildTaskArgs, BuildTaskInputs, BuildTaskRegistryArgs
from private_acr_tasks.build_trigger import InClusterBuildTriggerArgs, InClusterBuildTriggerInputs
from private_acr_tasks.diagnostics import DiagnosticsArgs, DiagnosticsInputs
from private_acr_tasks.key_vault import BuildKeyVaultArgs, BuildKeyVaultInputs
from private_acr_tasks.network import NetworkArgs
from private_acr_tasks.private_endpoint import EndpointDnsArgs
from private_acr_tasks.registry import RegistryArgs, RegistryInputs


@dataclass(frozen=True)
class Key:
    """One config key: the args field it sets (``None`` for a key of the stack's own), the type
    to read a text value as, and the keys of its object when it is one."""

    field: str | None
    kind: type | None = None
    keys: Keys | None = None
    flattened: bool = False
    """An object whose fields belong to the enclosing args (a task's ``triggers``)."""


@dataclass(frozen=True)
class Keys:
    """The config keys of one object, derived from an args ``TypedDict``."""

    args: type
    links: type | None = None
    """The component's links (its ``*Inputs``): never config keys."""
    renamed: Mapping[str, str] = field(default_factory=dict[str, str])
    """Field to config key, where the key is not the field's camelCase."""
    library_only: frozenset[str] = frozenset()
    """Plain fields a library caller sets and a stack does not (the settings may set them)."""
    stack_only: Mapping[str, type | None] = field(default_factory=dict[str, type | None])
    """Config keys of the stack's own, with the type to read them as; the settings place them."""
    inner: Mapping[str, Keys] = field(default_factory=dict[str, "Keys"])
    """Config objects whose keys are fields of these args (``triggers: {timer, baseImage}``)."""
    only: frozenset[str] | None = None
    """With ``inner``: the fields an inner object holds."""

    def fields(self) -> list[str]:
        """The args fields that are config keys here, in declaration order."""
        excluded: set[str] = set(self.library_only)
        excluded |= known_fields(self.links) if self.links else set[str]()
        excluded |= {name for keys in self.inner.values() for name in keys.fields()}
        return [
            name
            for name in self.args.__annotations__
            if name not in excluded and (self.only is None or name in self.only)
        ]

    def keys(self) -> dict[str, Key]:
        """Every config key of the object, by its name."""
        annotations: dict[str, Any] = self.args.__annotations__
        found = {self.key_of(name): _key(name, annotations[name]) for name in self.fields()}
        found.update({key: Key(None, kind) for key, kind in self.stack_only.items()})
        found.update(
            {key: Key(None, keys=keys, flattened=True) for key, keys in self.inner.items()}
        )
        return found

    def key_of(self, field_name: str) -> str:
        return self.renamed.get(field_name, camel_case(field_name))


def _key(field_name: str, annotation: Any) -> Key:
    while typing.get_origin(annotation) in (NotRequired, Required):
        annotation = typing.get_args(annotation)[0]
    if annotation is bool or annotation is int:
        return Key(field_name, annotation)
    if typing.is_typeddict(annotation):
        return Key(field_name, keys=Keys(annotation))
    return Key(field_name)


NETWORK = Keys(
    NetworkArgs,
    links=SharedArgs,
    renamed={
        "agent_subnet_prefix": "agentSubnet",
        "private_endpoint_subnet_prefix": "privateEndpointSubnet",
        "aks_subnet_prefix": "aksSubnet",
    },
    library_only=frozenset(
        {
            # The registry is always reached over private link in a stack.
            "registry_uses_private_link",
            # The top-level dockerBridgeCidr, which the cluster's ranges are checked against too.
            "docker_bridge_cidr",
            # From privateRegistries.<server>.address and port, and agentPools.<key>.subnet.
            "build_destinations",
            "pool_subnet_prefixes",
        }
    ),
)
DNS = Keys(EndpointDnsArgs)
REGISTRY = Keys(
    RegistryArgs,
    links=RegistryInputs,
    library_only=frozenset(
        {
            "name_prefix",  # from environment
            "artifact_lifecycle",  # from retentionDays or softDeleteDays
            "public_network_access",
            "allow_trusted_services",
            "cloud",  # azure-native:environment
        }
    ),
    # The two modes of artifact_lifecycle, each with its days.
    stack_only={"retentionDays": int, "softDeleteDays": int},
)
AGENT_POOL = Keys(
    BuildAgentPoolArgs,
    links=BuildAgentPoolInputs,
    library_only=frozenset({"pool_name", "cloud"}),  # from environment, azure-native:environment
)
AGENT_POOLS_ENTRY = Keys(
    BuildAgentPoolArgs,
    links=BuildAgentPoolInputs,
    # The key names the pool; the quota is the registry's (agentPoolQuota).
    library_only=frozenset({"pool_name", "cloud", "vcpu_quota"}),
    stack_only={"subnet": None},  # NetworkArgs.pool_subnet_prefixes[<key>]
)
AKS = Keys(
    AksClusterArgs,
    links=AksClusterInputs,
    library_only=frozenset(
        {
            "dns_prefix",  # from environment
            "vnet_ranges",  # the network's ranges
            "private_dns_zone_id",  # dns.zoneIds.aks
            "cloud",  # azure-native:environment
        }
    ),
)
BUILD_TRIGGER = Keys(
    InClusterBuildTriggerArgs,
    links=InClusterBuildTriggerInputs,
    # contexts: each task's own tasks.<key>.context.
    library_only=frozenset({"namespace", "service_account", "cloud", "contexts"}),
)
DIAGNOSTICS = Keys(
    DiagnosticsArgs, links=DiagnosticsInputs, library_only=frozenset({"workspace_name"})
)
KEY_VAULT = Keys(
    BuildKeyVaultArgs,
    links=BuildKeyVaultInputs,
    library_only=frozenset({"name_prefix", "cloud"}),  # from environment, azure-native:environment
)
TASK = Keys(
    BuildTaskArgs,
    links=BuildTaskInputs,
    # Named after its key, its file's text, and the stack's privateRegistries.
    library_only=frozenset({"task_name", "task_yaml", "private_registries"}),
    # The key of its pool, and its file relative to the program directory.
    stack_only={"agentPool": None, "file": None},
    inner={
        "triggers": Keys(
            BuildTaskArgs,
            only=frozenset({"timer", "base_image_trigger"}),
            renamed={"base_image_trigger": "baseImage"},
        )
    },
)
PRIVATE_REGISTRY = Keys(
    BuildTaskRegistryArgs,
    # NetworkBuildDestinationArgs' address and port, for the agents' NSG.
    stack_only={"address": None, "port": int},
)

SECTIONS: Mapping[str, tuple[Keys, bool]] = {
    "network": (NETWORK, True),
    "dns": (DNS, False),
    "registry": (REGISTRY, False),
    "agentPool": (AGENT_POOL, False),
    "aks": (AKS, True),
    "buildTrigger": (BUILD_TRIGGER, False),
    "diagnostics": (DIAGNOSTICS, False),
    "keyVault": (KEY_VAULT, False),
}
"""Each structured key, its keys, and whether the stack must set it."""
MAP_SECTIONS: Mapping[str, Keys] = {
    "privateRegistries": PRIVATE_REGISTRY,
    "agentPools": AGENT_POOLS_ENTRY,
    "tasks": TASK,
}
"""Structured keys whose own keys are names the user chooses (a login server, a pool, a task),
and the keys of each entry."""
TOP_LEVEL_KEYS = (
    "environment",
    "dockerBridgeCidr",
    "protect",
    "agentPoolQuota",
    "agentPoolQuotaIsolated",
    *SECTIONS,
    *MAP_SECTIONS,
)
