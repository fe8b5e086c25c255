"""An NSG security rule this project writes, as a value.

The rules layer decides which rules an NSG gets (``egress``); the network component creates
them with azure-native and the policy pack and the settings read rules in the ARM shape
(``securityRules`` entries, as ``az network nsg show`` prints them). The fields are those of
ARM's ``SecurityRulePropertiesFormat`` (Learn, rest/api/virtualnetwork/security-rules), so
the ARM shape is the fields in camelCase and the azure-native ``SecurityRuleArgs`` are the
fields themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class NsgRule:
    """One security rule, with ARM's field names."""

    name: str
    priority: int
    direction: Literal["Inbound", "Outbound"]
    access: Literal["Allow", "Deny"]
    protocol: Literal["Tcp", "Udp", "Icmp", "Esp", "Ah", "*"]
    source_address_prefix: str
    destination_address_prefix: str
    source_port_range: str = "*"
    destination_port_range: str | None = None
    """One port or range; ARM takes this or ``destination_port_ranges``, not both."""
    destination_port_ranges: tuple[str, ...] = ()
    description: str | None = None

    def arm(self) -> dict[str, Any]:
        """The ARM shape (camelCase, absent fields left out), as Pulumi inputs and
        ``az network nsg show`` write a ``securityRules`` entry."""
        rule: dict[str, Any] = {
            "name": self.name,
            "priority": self.priority,
            "direction": self.direction,
            "access": self.access,
            "protocol": self.protocol,
            "sourceAddressPrefix": self.source_address_prefix,
            "sourcePortRange": self.source_port_range,
            "destinationAddressPrefix": self.destination_address_prefix,
        }
        if self.destination_port_range is not None:
            rule["destinationPortRange"] = self.destination_port_range
        if self.destination_port_ranges:
            rule["destinationPortRanges"] = list(self.destination_port_ranges)
        if self.description is not None:
            rule["description"] = self.description
        return rule


def allow_outbound(
    name: str, destination: str, ports: Sequence[int], priority: int, description: str
) -> NsgRule:
    """An outbound Allow rule for TCP from the VNet to ``destination`` on ``ports``."""
    single = len(ports) == 1
    return NsgRule(
        name=name,
        priority=priority,
        direction="Outbound",
        access="Allow",
        protocol="Tcp",
        source_address_prefix="VirtualNetwork",
        destination_address_prefix=destination,
        destination_port_range=str(ports[0]) if single else None,
        destination_port_ranges=() if single else tuple(str(p) for p in ports),
        description=description,
    )
