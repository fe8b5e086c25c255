"""Private DNS zone names of the private endpoints this project creates.

Learn, private-endpoint-dns ("Azure Private Endpoint private DNS zone values"): Container
Registry, sub-resource ``registry``: ``privatelink.azurecr.io``; Storage blob: ``privatelink.blob.core.windows.net``.
"""

from __future__ import annotations

REGISTRY_ZONE = "privatelink.azurecr.io"
BLOB_ZONE = "privatelink.blob.core.windows.net"
