"""agent-pool-egress-rules and agent-pool-premium-registry: what a VNet-injected pool needs.

Learn (tasks-agent-pools.md): a pool in a VNet needs outbound TCP to AzureKeyVault, Storage,
EventHub and AzureActiveDirectory on 443 and to AzureMonitor on 443 and 12000; without it
pool creation times out or runs stay ``Queued``. Agent pools exist only on Premium registries.
The NSG is evaluated as Azure does: custom outbound rules by priority, then the default
rules (AllowVnetOutBound, AllowInternetOutBound, DenyAllOutBound).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from private_acr_policies._model import Resource, Stack, get, lower
from private_acr_policies._network_links import nsg_for, nsg_rules, registry_of, subnet_for
from private_acr_policies._policy import Finding, Rule, stack_policy
from private_acr_rules import egress

EGRESS = Rule(
    name="agent-pool-egress-rules",
    description="The NSG on an agent pool's subnet must allow the outbound traffic ACR Tasks agents need.",
    severity=Severity.HIGH,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation=(
        "Add outbound Allow rules (TCP, source VirtualNetwork) above any Deny: AzureKeyVault, "
        "Storage, EventHub and AzureActiveDirectory on 443, AzureMonitor on 443 and 12000. "
        "private_acr_rules.egress.agent_pool_security_rules() returns exactly these rules."
    ),
)

PREMIUM = Rule(
    name="agent-pool-premium-registry",
    description="Agent pools can only be created on Premium container registries.",
    severity=Severity.HIGH,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation="Set the registry's sku.name to Premium, or run the builds without a dedicated agent pool.",
)


def _pools(stack: Stack) -> list[Resource]:
    return list(stack.of_type("containerregistry", "AgentPool"))


def check_egress(stack: Stack, config: Mapping[str, Any]) -> list[Finding]:
    findings: list[Finding] = []
    for pool in _pools(stack):
        ref = get(pool.props, "virtualNetworkSubnetResourceId")
        subnet = subnet_for(stack, pool, "virtualNetworkSubnetResourceId", ref)
        if subnet is None:
            continue
        nsg = nsg_for(stack, subnet)
        if not isinstance(nsg, Resource):
            continue
        for blocked in egress.blocked_flows(nsg_rules(stack, nsg), subnet.prefixes()):
            findings.append(
                Finding(
                    pool.urn,
                    f"{pool.name}: NSG {nsg.name} blocks {blocked.flow} from the agent subnet "
                    f"(rule {blocked.rule_name!r}, priority {blocked.priority}); the pool fails to "
                    f"provision or its runs stay Queued.",
                )
            )
    return findings


def check_premium(stack: Stack, config: Mapping[str, Any]) -> list[Finding]:
    findings: list[Finding] = []
    for pool in _pools(stack):
        registry = registry_of(stack, pool)
        if registry is None:
            continue
        sku = get(registry.props, "sku", "name")
        if isinstance(sku, str) and lower(sku) != "premium":
            findings.append(
                Finding(
                    pool.urn,
                    f"{pool.name}: its registry {registry.name} is {sku}; agent pools need Premium.",
                )
            )
    return findings


EGRESS_POLICY = stack_policy(EGRESS, check_egress)
PREMIUM_POLICY = stack_policy(PREMIUM, check_premium)
