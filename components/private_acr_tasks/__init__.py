"""private-acr-tasks: Pulumi components for private ACR Tasks builds next to AKS.

Import the components, their args and the enums their args take from here
(``from private_acr_tasks import AgentPoolTier, BuildAgentPool, Network``); the distribution
and import names avoid clashing with a consumer's own ``components`` package. ``help()`` on an
args class lists each field with its docstring. Each component's ``*Inputs`` are its links to
other resources, what ``Component.from_plan`` takes beside a plan.
"""

import typing

from private_acr_rules.agent_pools import AgentPoolTier
from private_acr_rules.clouds import AzureCloud
from private_acr_rules.egress import AgentEgress
from private_acr_tasks._common import SharedArgs
from private_acr_tasks._docs import document_fields
from private_acr_tasks.agent_pool import (
    AgentPoolScheduleArgs,
    BuildAgentPool,
    BuildAgentPoolArgs,
    BuildAgentPoolInputs,
)
from private_acr_tasks.aks import AksCluster, AksClusterArgs, AksClusterInputs, OutboundType
from private_acr_tasks.build_task import (
    BuildTask,
    BuildTaskArgs,
    BuildTaskInputs,
    BuildTaskRegistryArgs,
)
from private_acr_tasks.build_trigger import (
    InClusterBuildTrigger,
    InClusterBuildTriggerArgs,
    InClusterBuildTriggerInputs,
    PrincipalType,
)
from private_acr_tasks.diagnostics import (
    Diagnostics,
    DiagnosticsArgs,
    DiagnosticsInputs,
    DiagnosticTargetArgs,
)
from private_acr_tasks.errors import ComponentArgsError, ConfigError
from private_acr_tasks.key_vault import BuildKeyVault, BuildKeyVaultArgs, BuildKeyVaultInputs
from private_acr_tasks.network import (
    Network,
    NetworkArgs,
    NetworkBuildDestinationArgs,
    NetworkEgressAllowArgs,
    NetworkExistingSubnetsArgs,
)
from private_acr_tasks.private_endpoint import (
    PrivateEndpointArgs,
    PrivateLinkEndpoint,
    PrivateLinkEndpointArgs,
    PrivateLinkEndpointInputs,
    ZoneGroups,
)
from private_acr_tasks.registry import (
    ArtifactLifecycleArgs,
    ArtifactLifecycleMode,
    Registry,
    RegistryArgs,
    RegistryInputs,
)
from private_acr_tasks.storage import (
    ArtifactStore,
    ArtifactStoreArgs,
    ArtifactStoreInputs,
    StorageRedundancy,
)

__all__ = [
    "AgentEgress",
    "AgentPoolScheduleArgs",
    "AgentPoolTier",
    "AksCluster",
    "AksClusterArgs",
    "AksClusterInputs",
    "ArtifactLifecycleArgs",
    "ArtifactLifecycleMode",
    "ArtifactStore",
    "ArtifactStoreArgs",
    "ArtifactStoreInputs",
    "AzureCloud",
    "BuildAgentPool",
    "BuildAgentPoolArgs",
    "BuildAgentPoolInputs",
    "BuildKeyVault",
    "BuildKeyVaultArgs",
    "BuildKeyVaultInputs",
    "BuildTask",
    "BuildTaskArgs",
    "BuildTaskInputs",
    "BuildTaskRegistryArgs",
    "ComponentArgsError",
    "ConfigError",
    "DiagnosticTargetArgs",
    "Diagnostics",
    "DiagnosticsArgs",
    "DiagnosticsInputs",
    "InClusterBuildTrigger",
    "InClusterBuildTriggerArgs",
    "InClusterBuildTriggerInputs",
    "Network",
    "NetworkArgs",
    "NetworkBuildDestinationArgs",
    "NetworkEgressAllowArgs",
    "NetworkExistingSubnetsArgs",
    "OutboundType",
    "PrincipalType",
    "PrivateEndpointArgs",
    "PrivateLinkEndpoint",
    "PrivateLinkEndpointArgs",
    "PrivateLinkEndpointInputs",
    "Registry",
    "RegistryArgs",
    "RegistryInputs",
    "SharedArgs",
    "StorageRedundancy",
    "ZoneGroups",
]

document_fields(
    kind
    for kind in list(globals().values())
    if isinstance(kind, type) and typing.is_typeddict(kind)
)
