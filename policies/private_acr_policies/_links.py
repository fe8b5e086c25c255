"""Links between resources by identity, never by bare name.

A reference is followed the way the engine and Azure agree on identity:

1. the property dependency the engine records for the field (always known, even in a
   preview), when it names exactly one resource of the expected type;
2. otherwise the full ARM id in the field, or the (resource group, parent names, name) that an
   ARM id is made of (``registryName`` with ``resourceGroupName``), compared case-insensitively
   as Azure compares them (``private_acr_rules.arm``). The subscription, when an id carries
   one, must match too.

So two VNets named ``hub`` in two resource groups are two VNets. A reference that is unknown
in a preview (and has no property dependency) resolves to ``unknown``; one that names a
resource outside the stack resolves to ``external``. Checks skip both and say so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar, cast

from private_acr_policies._model import UNKNOWN, LazyProps, Resource, Stack, get, items, mappings
from private_acr_rules import cidr, routes
from private_acr_rules import nsg as nsg_rules_model
from private_acr_rules.arm import ResourceKey, parse_id

T = TypeVar("T")
Kind = tuple[str, str]

VNET: Kind = ("network", "VirtualNetwork")
SUBNET: Kind = ("network", "Subnet")
NSG: Kind = ("network", "NetworkSecurityGroup")
SECURITY_RULE: Kind = ("network", "SecurityRule")
PEERING: Kind = ("network", "VirtualNetworkPeering")
ENDPOINT: Kind = ("network", "PrivateEndpoint")
ZONE_GROUP: Kind = ("network", "PrivateDnsZoneGroup")
ZONE: Kind = ("privatedns", "PrivateZone")
ZONE_LINK: Kind = ("privatedns", "VirtualNetworkLink")
REGISTRY: Kind = ("containerregistry", "Registry")
AGENT_POOL: Kind = ("containerregistry", "AgentPool")
REPLICATION: Kind = ("containerregistry", "Replication")
CLUSTER: Kind = ("containerservice", "ManagedCluster")
ROUTE_TABLE: Kind = ("network", "RouteTable")
ROUTE: Kind = ("network", "Route")
FIREWALL_POLICY: Kind = ("network", "FirewallPolicy")
RULE_COLLECTION_GROUP: Kind = ("network", "FirewallPolicyRuleCollectionGroup")
IP_GROUP: Kind = ("network", "IpGroup")
AZURE_FIREWALL: Kind = ("network", "AzureFirewall")


@dataclass(frozen=True)
class _Naming:
    namespace: str
    types: tuple[str, ...]
    name_keys: tuple[str, ...]
    """The input holding each name, top-level first; the last may be left to auto-naming."""


_NAMING: dict[Kind, _Naming] = {
    VNET: _Naming("microsoft.network", ("virtualnetworks",), ("virtualNetworkName",)),
    SUBNET: _Naming(
        "microsoft.network", ("virtualnetworks", "subnets"), ("virtualNetworkName", "subnetName")
    ),
    NSG: _Naming("microsoft.network", ("networksecuritygroups",), ("networkSecurityGroupName",)),
    SECURITY_RULE: _Naming(
        "microsoft.network",
        ("networksecuritygroups", "securityrules"),
        ("networkSecurityGroupName", "securityRuleName"),
    ),
    PEERING: _Naming(
        "microsoft.network",
        ("virtualnetworks", "virtualnetworkpeerings"),
        ("virtualNetworkName", "virtualNetworkPeeringName"),
    ),
    ENDPOINT: _Naming("microsoft.network", ("privateendpoints",), ("privateEndpointName",)),
    ZONE_GROUP: _Naming(
        "microsoft.network",
        ("privateendpoints", "privatednszonegroups"),
        ("privateEndpointName", "privateDnsZoneGroupName"),
    ),
    ZONE: _Naming("microsoft.network", ("privatednszones",), ("privateZoneName",)),
    ZONE_LINK: _Naming(
        "microsoft.network",
        ("privatednszones", "virtualnetworklinks"),
        ("privateZoneName", "virtualNetworkLinkName"),
    ),
    REGISTRY: _Naming("microsoft.containerregistry", ("registries",), ("registryName",)),
    AGENT_POOL: _Naming(
        "microsoft.containerregistry",
        ("registries", "agentpools"),
        ("registryName", "agentPoolName"),
    ),
    REPLICATION: _Naming(
        "microsoft.containerregistry",
        ("registries", "replications"),
        ("registryName", "replicationName"),
    ),
    CLUSTER: _Naming("microsoft.containerservice", ("managedclusters",), ("resourceName",)),
    ROUTE_TABLE: _Naming("microsoft.network", ("routetables",), ("routeTableName",)),
    ROUTE: _Naming("microsoft.network", ("routetables", "routes"), ("routeTableName", "routeName")),
    FIREWALL_POLICY: _Naming("microsoft.network", ("firewallpolicies",), ("firewallPolicyName",)),
    RULE_COLLECTION_GROUP: _Naming(
        "microsoft.network",
        ("firewallpolicies", "rulecollectiongroups"),
        ("firewallPolicyName", "ruleCollectionGroupName"),
    ),
    IP_GROUP: _Naming("microsoft.network", ("ipgroups",), ("ipGroupsName",)),
    AZURE_FIREWALL: _Naming("microsoft.network", ("azurefirewalls",), ("azureFirewallName",)),
}

State = Literal["found", "external", "unknown", "absent"]


@dataclass(frozen=True)
class Ref(Generic[T]):
    """Where a reference leads: ``found`` (``target`` set), ``external`` (outside the stack),
    ``unknown`` (not known until deployment) or ``absent`` (no reference at all)."""

    target: T | None
    state: State


def _names_key(resource: Resource, kind: Kind, depth: int) -> ResourceKey | object | None:
    """The key the inputs spell for ``resource`` (depth 0) or its parent (depth 1)."""
    naming = _NAMING[kind]
    props = resource.props
    group = props.get("resourceGroupName")
    keys = naming.name_keys[: len(naming.name_keys) - depth]
    names: list[Any] = [props.get(k) for k in keys]
    if depth == 0 and names and names[-1] is None:
        names[-1] = props.get("name")
    if group is UNKNOWN or UNKNOWN in names:
        return UNKNOWN
    if not isinstance(group, str) or not all(isinstance(n, str) and n for n in names):
        return None
    path = tuple((t, str(n).lower()) for t, n in zip(naming.types, names, strict=False))
    return ResourceKey(None, group.lower(), naming.namespace, path)


def identity(resource: Resource) -> ResourceKey | None:
    """The resource's Azure identity: its ARM id, else the one its inputs spell."""
    key = parse_id(resource.props.get("id"))
    if key is not None:
        return key
    if resource.kind not in _NAMING:
        return None
    spelled = _names_key(resource, resource.kind, 0)
    return spelled if isinstance(spelled, ResourceKey) else None


_Index = dict[tuple[Any, ...], list[tuple[ResourceKey, T]]]


@dataclass(frozen=True)
class _Identities:
    by_urn: dict[str, ResourceKey]
    index: _Index[Resource]


def _identities(stack: Stack, kind: Kind) -> _Identities:
    """The identities of the ``kind`` resources, built the first time a policy needs them."""

    def build(stack: Stack) -> _Identities:
        by_urn: dict[str, ResourceKey] = {}
        index: _Index[Resource] = {}
        for resource in stack.of_type(*kind):
            key = identity(resource)
            if key is not None:
                by_urn[resource.urn] = key
                index.setdefault(key.local, []).append((key, resource))
        return _Identities(by_urn, index)

    return stack.memoized(f"identity:{kind}", build)


def key_of(stack: Stack, resource: Resource) -> ResourceKey | None:
    """``identity(resource)``, computed once per stack."""
    if resource.kind is None:
        return None
    return _identities(stack, resource.kind).by_urn.get(resource.urn)


def _by_id_text(stack: Stack, kind: Kind) -> dict[str, Resource]:
    """The ``kind`` resources by their ``id`` as written, in lower case (no parsing)."""

    def build(stack: Stack) -> dict[str, Resource]:
        texts: dict[str, Resource] = {}
        for resource in stack.of_type(*kind):
            text = resource.props.get("id")
            if isinstance(text, str):
                texts.setdefault(text.lower().rstrip("/"), resource)
        return texts

    return stack.memoized(f"id-text:{kind}", build)


def find_id(stack: Stack, reference: object, kind: Kind) -> Resource | None:
    """The ``kind`` resource an ARM id names: the same text first (ids are usually written
    alike), then the parsed parts (another case, a missing subscription...)."""
    if isinstance(reference, str):
        same = _by_id_text(stack, kind).get(reference.lower().rstrip("/"))
        if same is not None:
            return same
    key = parse_id(reference)
    return find(stack, key, kind) if key is not None else None


def find(stack: Stack, key: ResourceKey, kind: Kind) -> Resource | None:
    for candidate_key, resource in _identities(stack, kind).index.get(key.local, ()):
        if candidate_key.matches(key):
            return resource
    return None


def link(
    stack: Stack, source: Resource, dependency: str, kind: Kind, reference: Any
) -> Ref[Resource]:
    """Follow ``source``'s field ``dependency`` (holding ``reference``) to a ``kind`` resource.

    ``reference`` may be a zero-argument callable, called only when the property dependency
    does not settle the link."""
    linked = linked_all(stack, source, dependency, kind)
    if len(linked) == 1:
        return Ref(linked[0], "found")
    if callable(reference):
        reference = reference()
    if isinstance(reference, ResourceKey):
        target = find(stack, reference, kind)
    else:
        target = find_id(stack, reference, kind)
    if target is not None:
        return Ref(target, "found")
    if isinstance(reference, ResourceKey) or parse_id(reference) is not None:
        return Ref(None, "unknown" if linked else "external")
    if reference is UNKNOWN or linked:
        return Ref(None, "unknown")
    return Ref(None, "absent")


def parent(stack: Stack, child: Resource, dependency: str, kind: Kind) -> Ref[Resource]:
    """The parent resource ``child`` names by ``dependency`` (a VNet for a subnet...)."""

    def reference() -> Any:
        own = key_of(stack, child)
        if own is not None and own.parent() is not None:
            return own.parent()
        return _names_key(child, child.kind, 1) if child.kind in _NAMING else None

    return link(stack, child, dependency, kind, reference)


# Subnets, standalone or inline ---------------------------------------------------------------


@dataclass(frozen=True)
class SubnetRef:
    """A subnet, standalone or inline, with the resource that declares it and its VNet."""

    owner: Resource
    data: Mapping[str, Any]
    vnet: Resource | None
    label: str

    def prefixes(self, stack: Stack) -> tuple[list[cidr.Network], bool]:
        """The subnet's networks, and whether some prefix is not known yet."""
        networks: list[cidr.Network] = []
        unknown = False
        for value in [get(self.data, "addressPrefix"), *items(get(self.data, "addressPrefixes"))]:
            if value is UNKNOWN:
                unknown = True
            elif isinstance(value, str):
                network = stack.parse_cidr(value).network
                if network is not None:
                    networks.append(network)
        if get(self.data, "addressPrefixes") is UNKNOWN:
            unknown = True
        return networks, unknown


def vnet_of(stack: Stack, subnet: Resource) -> Ref[Resource]:
    return parent(stack, subnet, "virtualNetworkName", VNET)


def _build_inline_subnets(stack: Stack) -> _Index[SubnetRef]:
    index: _Index[SubnetRef] = {}
    for vnet in stack.of_type(*VNET):
        key = identity(vnet)
        for subnet in items(get(vnet.props, "subnets")):
            name = get(subnet, "name")
            if key is None or not isinstance(name, str) or not name:
                continue
            ref = SubnetRef(vnet, subnet, vnet, f"subnets[{name}]")
            child = key.child("subnets", name)
            index.setdefault(child.local, []).append((child, ref))
    return index


def _inline_subnets(stack: Stack) -> _Index[SubnetRef]:
    return stack.memoized("inline-subnets", _build_inline_subnets)


def subnet_for(stack: Stack, resource: Resource, dependency: str, reference: Any) -> Ref[SubnetRef]:
    """The subnet ``resource``'s field ``dependency`` names, standalone or inline."""
    key = parse_id(reference)
    # An inline subnet first: its index is small, and a miss would build the larger one.
    if key is not None and not linked_all(stack, resource, dependency, SUBNET):
        for candidate, ref in _inline_subnets(stack).get(key.local, ()):
            if candidate.matches(key):
                return Ref(ref, "found")
    standalone = link(stack, resource, dependency, SUBNET, reference)
    if standalone.target is not None:
        subnet = standalone.target
        label = str(get(subnet.props, "subnetName") or subnet.name)
        return Ref(SubnetRef(subnet, subnet.props, vnet_of(stack, subnet).target, label), "found")
    vnet = link(stack, resource, dependency, VNET, None).target
    if vnet is not None:
        inline = mappings(get(vnet.props, "subnets"))
        if len(inline) == 1:
            only = inline[0]
            return Ref(SubnetRef(vnet, only, vnet, f"subnets[{get(only, 'name')}]"), "found")
        return Ref(None, "unknown")
    return Ref(None, standalone.state)


def nsg_of(stack: Stack, subnet: SubnetRef) -> Ref[Resource]:
    """The subnet's NSG (``absent``: the subnet has none)."""
    reference = get(subnet.data, "networkSecurityGroup")
    if reference is None:
        return Ref(None, "absent")
    dependency = "networkSecurityGroup" if subnet.owner.is_a(*SUBNET) else "subnets"
    found = link(stack, subnet.owner, dependency, NSG, get(reference, "id"))
    if found.state == "absent":
        return Ref(None, "unknown")
    return found


# NSG rules, inline and standalone ------------------------------------------------------------


@dataclass(frozen=True)
class RuleSource:
    """A security rule's data and the resource that declares it (NSG or SecurityRule)."""

    data: Mapping[str, Any]
    declared_by: Resource
    unknown: str = ""
    """What stands in for rules not known until deployment (an NSG's whole ``securityRules``
    or one entry of it); empty for a rule that is there to read."""


@dataclass
class _StandaloneRules:
    by_nsg: dict[str, list[RuleSource]]
    """Rules attached to an NSG of the stack, by its URN."""
    outside: dict[str, list[RuleSource]]
    """Rules whose NSG is outside the stack (or not known yet), by that NSG's key."""


def _build_standalone_rules(stack: Stack) -> _StandaloneRules:
    memo = _StandaloneRules({}, {})
    for rule in stack.of_type(*SECURITY_RULE):
        owner = parent(stack, rule, "networkSecurityGroupName", NSG)
        source = RuleSource(rule.props, rule)
        if owner.target is not None:
            memo.by_nsg.setdefault(owner.target.urn, []).append(source)
        else:
            spelled = _names_key(rule, SECURITY_RULE, 1)
            where = str(spelled.local) if isinstance(spelled, ResourceKey) else rule.urn
            memo.outside.setdefault(where, []).append(source)
    return memo


def _standalone_rules(stack: Stack) -> _StandaloneRules:
    return stack.memoized("standalone-rules", _build_standalone_rules)


_parsed_rules: dict[tuple[bytes, int], nsg_rules_model.SecurityRule] = {}


def ruleset(sources: Sequence[RuleSource]) -> nsg_rules_model.RuleSet:
    """The evaluator's view of these rules; each distinct encoded rule is parsed once."""
    parsed: list[nsg_rules_model.SecurityRule] = []
    for index, source in enumerate(sources):
        data = source.data
        if isinstance(data, LazyProps):
            key = (data.encoded(), index)
            rule = _parsed_rules.get(key)
            if rule is None:
                if len(_parsed_rules) > 8192:
                    _parsed_rules.clear()
                rule = _parsed_rules[key] = nsg_rules_model.parse_rule(data, index)
            parsed.append(rule)
        else:
            parsed.append(nsg_rules_model.parse_rule(data, index))
    return nsg_rules_model.RuleSet(parsed)


_ANY_RULE: Mapping[str, Any] = {
    "priority": UNKNOWN,
    "direction": UNKNOWN,
    "access": UNKNOWN,
    "protocol": UNKNOWN,
    "sourceAddressPrefix": UNKNOWN,
    "sourcePortRange": UNKNOWN,
    "destinationAddressPrefix": UNKNOWN,
    "destinationPortRange": UNKNOWN,
}
"""A rule of which nothing is known: it may match any flow, so what it could decide is left
undecided (``private_acr_rules.nsg``), never read as "no rule"."""


def _inline_rules(nsg: Resource) -> list[RuleSource]:
    """The NSG's ``securityRules``; an unknown list or entry becomes one unknown rule."""
    listed = get(nsg.props, "securityRules")
    if listed is UNKNOWN:
        what = f"the securityRules of NSG {nsg.name}"
        return [RuleSource({"name": "securityRules", **_ANY_RULE}, nsg, what)]
    sources: list[RuleSource] = []
    for index, rule in enumerate(items(listed)):
        if isinstance(rule, Mapping):
            sources.append(RuleSource(cast(Mapping[str, Any], rule), nsg))
        elif rule is UNKNOWN:
            what = f"securityRules[{index}] of NSG {nsg.name}"
            sources.append(RuleSource({"name": f"securityRules[{index}]", **_ANY_RULE}, nsg, what))
    return sources


def nsg_rules(stack: Stack, nsg: Resource) -> list[RuleSource]:
    """An NSG's inline rules and the standalone SecurityRule resources attached to it."""
    return _inline_rules(nsg) + _standalone_rules(stack).by_nsg.get(nsg.urn, [])


def rule_label(sources: Sequence[RuleSource], rule: nsg_rules_model.SecurityRule) -> str:
    """How a note names a rule of ``ruleset(sources)`` whose values are not all known."""
    source = sources[rule.index] if not rule.default and rule.index < len(sources) else None
    return source.unknown if source is not None and source.unknown else f"rule {rule.describe()}"


def unknown_rules(sources: Sequence[RuleSource], rules: nsg_rules_model.RuleSet) -> list[str]:
    """The rules some of whose values are not known until deployment, as a note names them."""
    return [rule_label(sources, r) for r in rules.custom if r.uncertain]


def rules_outside(stack: Stack) -> list[list[RuleSource]]:
    """Standalone rules whose NSG is not in the stack, grouped by that NSG."""
    return list(_standalone_rules(stack).outside.values())


def linked_all(stack: Stack, source: Resource, dependency: str, kind: Kind) -> Sequence[Resource]:
    """Every ``kind`` resource a field of ``source`` depends on."""
    return [
        stack.by_urn[u]
        for u in source.depends_via(dependency)
        if u in stack.by_urn and stack.by_urn[u].kind == kind
    ]


def table_routes(stack: Stack, table: Resource) -> list[routes.Route]:
    """A route table's routes: inline and standalone ``Route`` resources attached to it."""
    user = routes.parse_routes(get(table.props, "routes"))
    for route in stack.of_type(*ROUTE):
        if parent(stack, route, "routeTableName", ROUTE_TABLE).target is table:
            user += routes.parse_routes([route.props])
    return user
