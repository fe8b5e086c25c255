"""Following an agent pool or cluster to its subnet, the subnet to its VNet and NSG."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from private_acr_policies._model import UNKNOWN, Resource, Stack, get, strings
from private_acr_rules import cidr


@dataclass
class SubnetRef:
    """A subnet, standalone or inline, with the resource that declares it."""

    owner: Resource
    data: dict[str, Any]
    vnet: Resource | None

    def prefixes(self) -> list[cidr.Network]:
        networks: list[cidr.Network] = []
        for text in strings(self.data, "addressPrefix", "addressPrefixes"):
            network = cidr.parse_cidr(text).network if isinstance(text, str) else None
            if network is not None:
                networks.append(network)
        return networks


def _name_from_id(subnet_id: Any) -> str | None:
    if isinstance(subnet_id, str) and "/subnets/" in subnet_id.lower():
        return subnet_id.rstrip("/").rsplit("/", 1)[-1]
    return None


def vnet_of(stack: Stack, subnet: Resource) -> Resource | None:
    """The VNet a standalone subnet belongs to: by property dependency, then by VNet name."""
    return stack.linked(subnet, "virtualNetworkName", "network", "VirtualNetwork") or stack.named(
        "network", "VirtualNetwork", get(subnet.props, "virtualNetworkName"), "virtualNetworkName"
    )


def registry_of(stack: Stack, pool: Resource) -> Resource | None:
    """The registry an agent pool belongs to: by property dependency, then by registry name."""
    return stack.linked(pool, "registryName", "containerregistry", "Registry") or stack.named(
        "containerregistry", "Registry", get(pool.props, "registryName"), "registryName"
    )


def subnet_for(stack: Stack, resource: Resource, key: str, ref: Any) -> SubnetRef | None:
    """The subnet ``resource.props[key]`` names, standalone or inline in a VNet of the stack."""
    standalone = stack.linked(resource, key, "network", "Subnet", ref)
    if standalone is not None:
        return SubnetRef(standalone, standalone.props, vnet_of(stack, standalone))
    vnet = stack.linked(resource, key, "network", "VirtualNetwork")
    name = _name_from_id(ref)
    if vnet is None and isinstance(ref, str) and "/subnets/" in ref.lower():
        vnet = stack.by_id.get(ref.lower().split("/subnets/")[0])
    if vnet is None or not vnet.is_a("network", "VirtualNetwork"):
        return None
    inline = get(vnet.props, "subnets")
    for subnet in inline if isinstance(inline, list) else []:  # pyright: ignore[reportUnknownVariableType]
        if isinstance(subnet, dict) and (name is None or subnet.get("name") == name):  # pyright: ignore[reportUnknownMemberType]
            return SubnetRef(vnet, subnet, vnet)  # pyright: ignore[reportUnknownArgumentType]
    return None


def nsg_for(stack: Stack, subnet: SubnetRef) -> Resource | object | None:
    """The subnet's NSG resource; ``None`` when it has none; ``UNKNOWN`` when it is outside the stack."""
    reference = get(subnet.data, "networkSecurityGroup")
    if reference is None:
        return None
    ref_id = get(reference, "id")
    key = "networkSecurityGroup" if subnet.owner.is_a("network", "Subnet") else "subnets"
    found = stack.linked(subnet.owner, key, "network", "NetworkSecurityGroup", ref_id)
    if found is None and key == "subnets":
        candidates = stack.all_linked(subnet.owner, key, "network", "NetworkSecurityGroup")
        if len(candidates) == 1:
            found = candidates[0]
    return found if found is not None else UNKNOWN


def nsg_rules(stack: Stack, nsg: Resource) -> list[dict[str, Any]]:
    """Inline rules plus standalone SecurityRule resources attached to ``nsg``."""
    rules: list[dict[str, Any]] = []
    inline = get(nsg.props, "securityRules")
    if isinstance(inline, list):
        rules.extend(r for r in inline if isinstance(r, dict))  # pyright: ignore[reportUnknownArgumentType,reportUnknownVariableType]
    nsg_names = {nsg.props.get("networkSecurityGroupName"), nsg.physical_name} - {None}
    for rule in stack.of_type("network", "SecurityRule"):
        if (
            nsg.urn in rule.depends_via("networkSecurityGroupName")
            or rule.props.get("networkSecurityGroupName") in nsg_names
        ):
            named = dict(rule.props)
            named.setdefault("name", rule.props.get("securityRuleName") or rule.name)
            rules.append(named)
    return rules
