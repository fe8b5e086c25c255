"""Each policy's pure check on its pass, fail and not-applicable cases (``policy_cases``).

The same cases run through the analyzer gRPC protocol in ``test_policy_grpc``; here the check
is called directly on the view the pack builds, with the config decoded as the pack decodes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from policy_cases import CASES, Case
from policy_wire import WireResource
from pulumi_policy import proxy

from private_acr_policies import (
    POLICIES,
    _existing,
    _stack_config,
    agent_pool,
    agent_pool_placement,
    agent_pool_quota,
    aks_access,
    aks_network_plan,
    data_safety,
    diagnostic_logs,
    docker_bridge,
    endpoint_zones,
    identity_roles,
    internet_egress,
    nsg,
    reach,
    registry,
    task_credentials,
    vnet_integrity,
)
from private_acr_policies._model import Resource, Stack, kind_of, plain_props
from private_acr_policies._policy import Assumed, Finding, Outcome, Rule, run_check
from private_acr_policies._stack_config import StackConfig
from private_acr_rules.documents import ArmIndex

UNKNOWN_TEXT = proxy.UNKNOWN_STRING_VALUE
TYPES = [
    "network:VirtualNetwork",
    "network:Subnet",
    "network:NetworkSecurityGroup",
    "network:SecurityRule",
    "network:VirtualNetworkPeering",
    "containerservice:ManagedCluster",
    "containerregistry:Registry",
    "containerregistry:AgentPool",
    "containerregistry:Replication",
    "monitor:DiagnosticSetting",
    "containerregistry:Task",
    "network:PrivateEndpoint",
    "network:PrivateDnsZoneGroup",
    "privatedns:PrivateZone",
    "privatedns:VirtualNetworkLink",
]
FIELDS = [
    "id",
    "name",
    "resourceGroupName",
    "virtualNetworkName",
    "networkSecurityGroupName",
    "registryName",
    "privateZoneName",
    "privateEndpointName",
    "addressPrefix",
    "addressPrefixes",
    "addressSpace",
    "subnets",
    "networkSecurityGroup",
    "securityRules",
    "direction",
    "access",
    "protocol",
    "priority",
    "sourceAddressPrefix",
    "sourceAddressPrefixes",
    "destinationPortRange",
    "destinationPortRanges",
    "networkProfile",
    "serviceCidr",
    "podCidr",
    "dnsServiceIP",
    "agentPoolProfiles",
    "vnetSubnetID",
    "virtualNetworkSubnetResourceId",
    "sku",
    "privateLinkServiceConnections",
    "privateDnsZoneConfigs",
    "groupIds",
    "virtualNetworkPeerings",
    "remoteAddressSpace",
    "policies",
    "resourceUri",
    "workspaceId",
    "logs",
    "category",
    "tier",
    "count",
    "credentials",
    "customRegistries",
    "userName",
    "password",
    "type",
    "value",
    "identity",
]

Check = Callable[[Any, Any], Iterable[Outcome]]
STACK_CHECKS: dict[str, tuple[Rule[Any], Check]] = {
    docker_bridge.RULE.name: (docker_bridge.RULE, docker_bridge.check),
    aks_network_plan.RULE.name: (aks_network_plan.RULE, aks_network_plan.check),
    vnet_integrity.RULE.name: (vnet_integrity.RULE, vnet_integrity.check),
    agent_pool.EGRESS.name: (agent_pool.EGRESS, agent_pool.check_egress),
    agent_pool.PREMIUM.name: (agent_pool.PREMIUM, agent_pool.check_premium),
    registry.ENDPOINT_DNS.name: (registry.ENDPOINT_DNS, registry.check_endpoint_dns),
    endpoint_zones.RULE.name: (endpoint_zones.RULE, endpoint_zones.check),
    nsg.INGRESS.name: (nsg.INGRESS, nsg.check_ingress),
    data_safety.RULE.name: (data_safety.RULE, data_safety.check),
    identity_roles.RULE.name: (identity_roles.RULE, identity_roles.check),
    agent_pool_placement.REGION.name: (
        agent_pool_placement.REGION,
        agent_pool_placement.check_region,
    ),
    agent_pool_placement.FIREWALL.name: (
        agent_pool_placement.FIREWALL,
        agent_pool_placement.check_firewall,
    ),
    diagnostic_logs.RULE.name: (diagnostic_logs.RULE, diagnostic_logs.check),
    agent_pool_quota.RULE.name: (agent_pool_quota.RULE, agent_pool_quota.check),
    reach.RULE.name: (reach.RULE, reach.check),
    internet_egress.RULE.name: (internet_egress.RULE, internet_egress.check),
}
RESOURCE_CHECKS: dict[str, tuple[Rule[Any], Check, Sequence[tuple[str, str]]]] = {
    registry.ACCESS.name: (
        registry.ACCESS,
        registry.check_access,
        [("containerregistry", "Registry")],
    ),
    aks_access.EXPOSURE.name: (aks_access.EXPOSURE, aks_access.check_exposure, aks_access.CLUSTER),
    aks_access.IDENTITY.name: (aks_access.IDENTITY, aks_access.check_identity, aks_access.CLUSTER),
    nsg.SUBNET_NSG.name: (
        nsg.SUBNET_NSG,
        nsg.check_subnet_nsg,
        [("network", "Subnet"), ("network", "VirtualNetwork")],
    ),
    task_credentials.RULE.name: (
        task_credentials.RULE,
        task_credentials.check,
        [task_credentials.TASK],
    ),
}


def view(r: WireResource, stack: str, outputs: bool) -> Resource:
    props = r.outputs if outputs and r.outputs is not None else r.inputs
    return Resource(
        r.type,
        r.urn_or_default(stack),
        r.name,
        plain_props(props),
        property_dependencies=r.property_dependencies,
        protect=r.protect,
    )


def case_stack_config(case: Case) -> StackConfig:
    """The stack config the case hands the pack (project ``wire``, as ``PackProcess``)."""
    if case.stack_config is None:
        return StackConfig(None)
    return StackConfig("wire", dict(case.stack_config))


def case_existing(case: Case) -> _existing.Existing:
    """The snapshot of existing resources the case hands the pack (none by default)."""
    if case.existing is None:
        return _existing.Existing(None)
    return _existing.Existing(ArmIndex(list(case.existing)))


def run_directly(case: Case) -> tuple[list[tuple[str | None, str]], list[str]]:
    """(violations as (urn, message), not-applicable reasons) of the case's policy."""
    with _stack_config.given(case_stack_config(case)), _existing.given(case_existing(case)):
        return _run_directly(case)


def _run_directly(case: Case) -> tuple[list[tuple[str | None, str]], list[str]]:
    violations: list[tuple[str | None, str]] = []
    reasons: list[str] = []

    def collect(outcomes: list[Outcome] | str) -> None:
        if isinstance(outcomes, str):
            reasons.append(outcomes)
            return
        violations.extend((o.urn, o.message) for o in outcomes if isinstance(o, Finding))
        notes = [o.what for o in outcomes if not isinstance(o, Finding | Assumed)]
        if notes:
            reasons.append("not checked: " + "; ".join(notes))
        reasons.extend(o.what for o in outcomes if isinstance(o, Assumed))

    if case.policy in STACK_CHECKS:
        rule, check = STACK_CHECKS[case.policy]
        stack = Stack([view(r, case.stack, True) for r in case.resources], name=case.stack)
        collect(run_check(rule, dict(case.config), lambda s: check(stack, s)))
    else:
        rule, check, types = RESOURCE_CHECKS[case.policy]
        for r in case.resources:
            if kind_of(r.type) in types:
                resource = view(r, case.stack, False)
                collect(run_check(rule, dict(case.config), lambda s, res=resource: check(res, s)))
            else:
                reasons.append(
                    f"{rule.name} checks ManagedCluster resources"
                    if types == aks_access.CLUSTER
                    else "other type"
                )
    return violations, reasons


def assert_outcome(
    case: Case, violations: Sequence[tuple[str | None, str]], reasons: Sequence[str]
) -> None:
    by_name = {r.name: r.urn_or_default(case.stack) for r in case.resources}
    if case.expect == "pass":
        assert not violations, violations
    elif case.expect == "fail":
        matching = [(urn, m) for urn, m in violations if case.text in m]
        assert matching, (case.text, violations)
        if case.blame:
            assert by_name[case.blame] in {urn for urn, _ in matching}, matching
    else:
        assert not violations, violations
        assert any(case.text in r for r in reasons), (case.text, reasons)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_policy_case(case: Case) -> None:
    assert_outcome(case, *run_directly(case))


def test_allows_from_virtual_network_are_decided_while_the_agent_prefix_is_unknown() -> None:
    [case] = [c for c in CASES if c.name.startswith("allows from VirtualNetwork pass while")]
    assert run_directly(case) == ([], [])


def test_every_policy_has_pass_fail_and_not_applicable_cases() -> None:
    kinds = {(c.policy, c.expect) for c in CASES}
    missing = [
        (p.name, expect)
        for p in POLICIES
        for expect in ("pass", "fail", "not-applicable")
        if (p.name, expect) not in kinds
    ]
    assert missing == []


def test_every_setting_has_a_case_that_changes_it() -> None:
    configured = {(c.policy, key) for c in CASES for key in c.config}
    declared = {
        (p.name, key) for p in POLICIES if p.config_schema for key in p.config_schema.properties
    }
    assert declared - configured == set()


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.sampled_from(
        [
            "10.0.0.0/16",
            "172.17.0.1/16",
            "::/0",
            "Internet",
            "*",
            "22",
            "20-30",
            "Premium",
            "Inbound",
            "Allow",
            "Deny",
            "registry",
            UNKNOWN_TEXT,
            f"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v{'/subnets/s'}",
        ]
    )
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS), children, max_size=5)
    ),
    max_leaves=20,
)


@settings(max_examples=60)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(TYPES),
            st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=8),
        ),
        max_size=8,
    )
)
def test_no_check_crashes_on_random_input(shapes: list[tuple[str, dict[str, Any]]]) -> None:
    resources = tuple(
        WireResource(f"azure-native:{t}", f"r{i}", props, props, {})
        for i, (t, props) in enumerate(shapes)
    )
    for policy in POLICIES:
        violations, _ = run_directly(Case(policy.name, "random", resources, "pass"))
        assert not [m for _, m in violations if "could not evaluate" in m], violations
