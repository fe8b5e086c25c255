"""Azure and Kubernetes naming rules for the resources this project names itself.

Sources: Learn, azure-resource-manager/management/resource-name-rules (registries 5-50
alphanumerics; registries/agentPools 3-20 of ``a-zA-Z0-9-``; registries/tasks 5-50 of
``a-zA-Z0-9_-``; storage accounts 3-24 lower-case alphanumerics; blob containers 3-63 of
lower-case letters, digits and single hyphens; key vaults 3-24 of letters, digits and '-',
starting with a letter, ending with a letter or digit, no ``--``); Key Vault object names 1-127
of ``0-9a-zA-Z-`` (Learn, key-vault/general/about-keys-secrets-certificates, "Vault-name and
Object-name"); Kubernetes RFC 1123 label names.
"""

from __future__ import annotations

import re

AGENT_POOL_NAME = re.compile(r"^[a-zA-Z0-9-]{3,20}$")
TASK_NAME = re.compile(r"^[a-zA-Z0-9_-]{5,50}$")
BLOB_CONTAINER = re.compile(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")
KUBERNETES_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
AKS_DNS_PREFIX = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]{0,52}[a-zA-Z0-9]$")
VM_SIZE = re.compile(r"^Standard_[A-Za-z0-9_]+$")
KUBERNETES_VERSION = re.compile(r"^\d+\.\d+(\.\d+)?$")
KEY_VAULT_SECRET_NAME = re.compile(r"^[0-9a-zA-Z-]{1,127}$")
AGENT_POOL_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{2,19}$")
"""A pool's key in a stack's ``agentPools``: it is the pool's name (3-20 of ``a-z0-9-``) and part
of logical names."""
LOGIN_SERVER = re.compile(
    r"^(?=[^:]{1,253}(:|$))[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+(:[0-9]{1,5})?$"
)
"""A registry login server, a host name with a dot and an optional port
(``registry.internal.example.com``, ``registry.internal.example.com:5000``): Docker reads an
image's first path component as a registry only when it has a dot, a port or is localhost,
and a build's registry is a host on the network."""
CHILD_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")
"""A stable short key that becomes part of a child's logical name."""
ENVIRONMENT = re.compile(r"^[a-z][a-z0-9-]{0,10}[a-z0-9]$")
"""2-12 lower-case letters, digits or '-': part of resource names."""
IMAGE_REFERENCE = re.compile(
    r"^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)+(:[A-Za-z0-9._-]+)?(@sha256:[0-9a-f]{64})?$"
)
"""A container image reference with a registry host: ``host[:port]/path[:tag][@digest]``, the
digest a SHA-256 of 64 lower-case hex digits (kubernetes.io, "Images": ``image@sha256:...``)."""
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
"""A GUID, as Azure writes one: a subscription id, a tenant id, an object id."""
OBJECT_ID = GUID
"""An Entra object id (user, group or service principal): a GUID."""
