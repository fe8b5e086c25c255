"""private-acr-tasks: Pulumi components for private ACR Tasks builds next to AKS.

Import the components from here (``from private_acr_tasks import Network, Registry``); the
distribution and import names avoid clashing with a consumer's own ``components`` package.
"""

from private_acr_tasks.agent_pool import BuildAgentPool, BuildAgentPoolArgs
from private_acr_tasks.aks import AksCluster, AksClusterArgs
from private_acr_tasks.build_task import BuildTask, BuildTaskArgs
from private_acr_tasks.build_trigger import InClusterBuildTrigger, InClusterBuildTriggerArgs
from private_acr_tasks.diagnostics import Diagnostics, DiagnosticsArgs
from private_acr_tasks.errors import ComponentArgsError, ConfigError
from private_acr_tasks.key_vault import BuildKeyVault, BuildKeyVaultArgs
from private_acr_tasks.network import Network, NetworkArgs
from private_acr_tasks.private_endpoint import PrivateLinkEndpoint, PrivateLinkEndpointArgs
from private_acr_tasks.registry import Registry, RegistryArgs
from private_acr_tasks.storage import ArtifactStore, ArtifactStoreArgs

__all__ = [
    "AksCluster",
    "AksClusterArgs",
    "ArtifactStore",
    "ArtifactStoreArgs",
    "BuildAgentPool",
    "BuildAgentPoolArgs",
    "BuildKeyVault",
    "BuildKeyVaultArgs",
    "BuildTask",
    "BuildTaskArgs",
    "ComponentArgsError",
    "ConfigError",
    "Diagnostics",
    "DiagnosticsArgs",
    "InClusterBuildTrigger",
    "InClusterBuildTriggerArgs",
    "Network",
    "NetworkArgs",
    "PrivateLinkEndpoint",
    "PrivateLinkEndpointArgs",
    "Registry",
    "RegistryArgs",
]
