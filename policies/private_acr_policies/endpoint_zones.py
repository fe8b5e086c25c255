"""private-endpoint-cloud-zones: blob and Key Vault endpoints write into their cloud's zone.

A private endpoint's DNS zone group writes the endpoint's A records into the zones it names;
clients resolve the service's name in the one zone Azure's public DNS delegates to for that
service and cloud (Learn, private-link/private-endpoint-dns, "Azure Private Endpoint private DNS
zone values": ``blob``: ``privatelink.blob.core.windows.net``, in Azure Government
``privatelink.blob.core.usgovcloudapi.net``, in Azure operated by 21Vianet
``privatelink.blob.core.chinacloudapi.cn``; ``vault``: ``privatelink.vaultcore.azure.net``,
``privatelink.vaultcore.usgovcloudapi.net``, ``privatelink.vaultcore.azure.cn``). Records in a
zone of another name (another service's, another cloud's) are never looked up, so the storage
account or vault resolves to its public address, which refuses the agents. The zones come from
``private_acr_rules.clouds``, the table the components use; the cloud from ``_cloud``. The
registry's own endpoint is ``registry-private-endpoint-dns``'s concern.
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._cloud import cloud_of
from private_acr_policies._config import NoSettings
from private_acr_policies._links import ENDPOINT, ZONE_GROUP, parent
from private_acr_policies._model import UNKNOWN, Resource, Stack, get, items, lower
from private_acr_policies._policy import (
    Finding,
    NotApplicable,
    Outcome,
    Rule,
    Unchecked,
    stack_policy,
)
from private_acr_policies.registry import zone_targets
from private_acr_rules.clouds import zone_for, zones_of

_GROUPS = ("blob", "vault")

RULE = Rule(
    name="private-endpoint-cloud-zones",
    description="Blob and Key Vault private endpoints must write their records into their cloud's privatelink zone for the service.",
    severity=Severity.HIGH,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation=(
        "Point the endpoint's DNS zone group at the zone Learn lists for its group and cloud "
        "(blob: privatelink.blob.core.windows.net, vault: privatelink.vaultcore.azure.net in the "
        "public cloud; their usgovcloudapi.net and chinacloudapi.cn / azure.cn forms elsewhere); "
        "private_acr_tasks.PrivateLinkEndpoint picks it from the stack's azure-native:environment."
    ),
    settings=NoSettings,
)


def _group_ids(endpoint: Resource) -> tuple[set[str], bool]:
    """The endpoint's group ids, and whether some are not known yet."""
    found: set[str] = set()
    unknown = False
    for key in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
        connections = get(endpoint.props, key)
        unknown |= connections is UNKNOWN
        for connection in items(connections):
            ids = get(connection, "groupIds")
            unknown |= connection is UNKNOWN or ids is UNKNOWN
            found |= {g for i in items(ids) if (g := lower(i))}
            unknown |= UNKNOWN in items(ids)
    return found, unknown


def _zone_groups(stack: Stack, endpoint: Resource) -> list[Resource]:
    return [
        g
        for g in stack.of_type(*ZONE_GROUP)
        if parent(stack, g, "privateEndpointName", ENDPOINT).target is endpoint
    ]


def _judge(stack: Stack, endpoint: Resource, group_id: str) -> Iterator[Outcome]:
    zone_groups = _zone_groups(stack, endpoint)
    if not zone_groups:
        return  # no records written here: left to Azure Policy or to the owner
    targets = zone_targets(stack, zone_groups)
    names = targets.names()
    cloud = cloud_of(stack, endpoint)
    expected = zone_for(cloud.cloud, group_id) if cloud.cloud else None
    if expected is not None and expected in names:
        return
    if targets.unknown or None in names:
        yield Unchecked(endpoint.urn, f"{endpoint.name}: its DNS zone (not known until deployment)")
    elif expected is None and set(names) & zones_of(group_id):
        yield Unchecked(endpoint.urn, f"{endpoint.name}: which cloud's zone ({cloud.source})")
    else:
        shown = ", ".join(sorted({n for n in names if n})) or "no zone"
        yield Finding(
            endpoint.urn,
            f"{endpoint.name}: its {group_id} records go to {shown}, but {cloud.describe()} "
            f"resolves a {group_id} endpoint in {expected or sorted(zones_of(group_id))[0]}; "
            "the service resolves to its public address, which refuses private traffic.",
        )


def check(stack: Stack, settings: NoSettings) -> Iterator[Outcome]:
    outcomes: list[Outcome] = []
    judged = False
    for endpoint in stack.of_type(*ENDPOINT):
        groups, unknown = _group_ids(endpoint)
        if unknown and not groups & set(_GROUPS):
            what = f"{endpoint.name}: its group ids (not known until deployment)"
            outcomes.append(Unchecked(endpoint.urn, what))
        for group_id in sorted(groups & set(_GROUPS)):
            judged = True
            outcomes += _judge(stack, endpoint, group_id)
    if not judged and not outcomes:
        raise NotApplicable("the stack has no blob or Key Vault private endpoint")
    yield from outcomes


POLICY = stack_policy(RULE, check)
