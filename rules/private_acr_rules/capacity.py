"""How many addresses private endpoints take in their subnet, and whether the subnet holds them.

Azure reserves five addresses in every subnet address prefix (Learn, virtual-network/
virtual-networks-faq, "Are there any restrictions on using IP addresses within these
subnets?"); a subnet with several ``addressPrefixes`` offers the usable addresses of each.
A registry's private endpoint takes one address for the registry and one for its home-region
data endpoint, plus one per geo-replica, and one more per replica when regional endpoints are
on (Learn, container-registry-private-link.md, "Private IP addresses"); any other endpoint
(blob, vault) takes one. If an endpoint subnet runs out, adding a replica fails and rolls back.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

AZURE_RESERVED_ADDRESSES_PER_PREFIX = 5
OTHER_ENDPOINT_ADDRESSES = 1


def registry_endpoint_addresses(replicas: int = 0, *, regional_endpoints: bool = False) -> int:
    """Addresses one registry private endpoint takes (``replicas``: geo-replicas beyond home)."""
    return 2 + replicas * (2 if regional_endpoints else 1)


def usable_addresses(networks: Network | Iterable[Network]) -> int:
    """Addresses resources can use in a subnet with these prefixes."""
    prefixes = (
        [networks]
        if isinstance(networks, ipaddress.IPv4Network | ipaddress.IPv6Network)
        else list(networks)
    )
    return sum(max(n.num_addresses - AZURE_RESERVED_ADDRESSES_PER_PREFIX, 0) for n in prefixes)


def endpoint_capacity_problems(
    label: str, networks: Network | Iterable[Network], needed: int
) -> list[str]:
    """The problem when the subnet's prefixes cannot hold ``needed`` endpoint addresses."""
    prefixes = (
        [networks]
        if isinstance(networks, ipaddress.IPv4Network | ipaddress.IPv6Network)
        else list(networks)
    )
    available = usable_addresses(prefixes)
    if needed <= available:
        return []
    shown = ", ".join(str(n) for n in prefixes)
    return [
        f"{label}: {shown} has {available} usable addresses; its private endpoints need "
        f"{needed} (2 per registry endpoint plus 1 per replica, 1 per other endpoint)"
    ]
