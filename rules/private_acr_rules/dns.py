"""Private DNS zone names of the private endpoints this project creates, in the public cloud.

The names of every cloud are in ``clouds.CLOUDS``; these constants are the public cloud's
(Learn, private-link/private-endpoint-dns).
"""

from __future__ import annotations

from private_acr_rules.clouds import CLOUDS, REGISTRY_ZONES, AzureCloud

REGISTRY_ZONE = CLOUDS[AzureCloud.PUBLIC].registry_zone
BLOB_ZONE = CLOUDS[AzureCloud.PUBLIC].blob_zone
VAULT_ZONE = CLOUDS[AzureCloud.PUBLIC].vault_zone

__all__ = ["BLOB_ZONE", "REGISTRY_ZONE", "REGISTRY_ZONES", "VAULT_ZONE"]
