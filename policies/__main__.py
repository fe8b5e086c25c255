"""Entry point the Pulumi CLI runs: `pulumi preview --policy-pack policies`.

Constructing PolicyPack starts the analyzer server and blocks, so nothing else lives here.
"""

from pulumi_policy import PolicyPack

from private_acr_policies import PACK_NAME, POLICIES

PolicyPack(
    name=PACK_NAME,
    policies=POLICIES,
    description="Docker-bridge, CIDR, egress, private-link and access rules for private ACR Tasks builds next to AKS.",
)
