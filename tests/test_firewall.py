"""Azure Firewall policies as Azure Firewall evaluates them (``private_acr_rules.firewall``).

Expected outcomes come from Learn: "Azure Firewall rule processing logic" (groups then
collections by priority; parent policy first; DNAT, then network, then application rules;
terminating rules; deny by default), "Azure Firewall Policy rule sets", "IP Groups in Azure
Firewall" (addresses, ranges, subnets) and the service tags overview (regional forms).
"""

import ipaddress
from typing import Any

import pytest
from learn_facts import AGENT_POOL_EGRESS

from private_acr_rules import nsg
from private_acr_rules.firewall import (
    Decision,
    EffectiveRules,
    PolicyDocument,
    policy_chain,
    required_egress,
)
from private_acr_rules.unknown import UNKNOWN

AGENTS = nsg.addresses([ipaddress.ip_network("10.40.1.0/24")])
TAGS = list(AGENT_POOL_EGRESS)


def network(
    name: str, destinations: list[Any], sources: Any = None, **fields: Any
) -> dict[str, Any]:
    return {
        "ruleType": "NetworkRule",
        "name": name,
        "ipProtocols": ["TCP"],
        "sourceAddresses": ["10.40.0.0/16"] if sources is None else sources,
        "destinationAddresses": destinations,
        "destinationPorts": ["*"],
        **fields,
    }


def collection(
    name: str, priority: Any, action: str, *rules: dict[str, Any], nat: bool = False
) -> dict[str, Any]:
    kind = "FirewallPolicyNatRuleCollection" if nat else "FirewallPolicyFilterRuleCollection"
    return {
        "ruleCollectionType": kind,
        "name": name,
        "priority": priority,
        "action": {"type": action},
        "rules": list(rules),
    }


def policy(name: str, *groups: tuple[str, Any, list[dict[str, Any]]]) -> PolicyDocument:
    return PolicyDocument(
        name, [{"name": g, "priority": p, "ruleCollections": c} for g, p, c in groups]
    )


def storage(rules: EffectiveRules, port: int = 443) -> nsg.Verdict:
    flow = nsg.Flow.to_ports("Outbound", "Tcp", AGENTS, nsg.service_tag("Storage"), [port])
    return rules.evaluate(flow)


def decided_by(verdict: nsg.Verdict) -> set[tuple[str | None, str]]:
    return {(p.access, p.rule.name) for p in verdict.parts}


def test_groups_then_collections_by_priority_and_the_first_match_decides() -> None:
    rules = EffectiveRules(
        [
            policy(
                "hub",
                ("late", 300, [collection("allow", 100, "Allow", network("all", ["*"]))]),
                (
                    "early",
                    200,
                    [
                        collection("allow", 500, "Allow", network("storage", ["Storage"])),
                        collection("deny", 400, "Deny", network("storage", ["Storage"])),
                    ],
                ),
            )
        ]
    )
    assert decided_by(storage(rules)) == {("Deny", "hub/early/deny/storage")}


def test_the_parent_policy_comes_first_whatever_the_childs_priorities() -> None:
    parent = policy(
        "parent", ("g", 65000, [collection("deny", 65000, "Deny", network("s", ["Storage"]))])
    )
    child = policy("child", ("g", 100, [collection("allow", 100, "Allow", network("s", ["*"]))]))
    assert decided_by(storage(EffectiveRules([parent, child]))) == {("Deny", "parent/g/deny/s")}


def test_a_child_allows_what_its_parent_allows() -> None:
    parent = policy("parent", ("g", 200, [collection("allow", 200, "Allow", network("s", TAGS))]))
    child = policy(
        "child",
        (
            "g",
            100,
            [collection("deny", 100, "Deny", network("web", ["*"], destinationPorts=["80"]))],
        ),
    )
    verdicts = required_egress(EffectiveRules([parent, child]), AGENTS)
    assert {v.decision for v in verdicts} == {Decision.ALLOWED}


def test_network_rules_come_before_application_rules_whatever_the_priorities() -> None:
    application = {
        "ruleType": "ApplicationRule",
        "name": "blob",
        "sourceAddresses": ["*"],
        "protocols": [{"protocolType": "Https", "port": 443}],
        "targetFqdns": ["*.blob.core.windows.net"],
    }
    rules = EffectiveRules(
        [
            policy(
                "hub",
                ("apps", 100, [collection("web", 100, "Allow", application)]),
                ("net", 200, [collection("deny", 200, "Deny", network("s", ["Storage"]))]),
            )
        ]
    )
    assert decided_by(storage(rules)) == {("Deny", "hub/net/deny/s")}


def test_an_application_rule_may_allow_a_tag_flow_so_it_stays_undecided() -> None:
    application = {
        "ruleType": "ApplicationRule",
        "name": "blob",
        "sourceAddresses": ["10.40.0.0/16"],
        "protocols": [{"protocolType": "Https", "port": 443}],
        "targetFqdns": ["*.blob.core.windows.net"],
    }
    rules = EffectiveRules(
        [policy("hub", ("apps", 100, [collection("web", 100, "Allow", application)]))]
    )
    assert storage(rules).undecided and not storage(rules).denying
    # An HTTPS rule on 443 cannot match port 12000: the default deny decides it.
    assert storage(rules, 12000).denying


def test_an_application_rule_that_can_only_deny_denies() -> None:
    application = {
        "ruleType": "ApplicationRule",
        "name": "no-blob",
        "sourceAddresses": ["*"],
        "protocols": [{"protocolType": "Https", "port": 443}],
        "targetFqdns": ["*.blob.core.windows.net"],
    }
    rules = EffectiveRules(
        [policy("hub", ("apps", 100, [collection("web", 100, "Deny", application)]))]
    )
    assert storage(rules).denying and not storage(rules).undecided


def test_dnat_rules_come_first_and_translate_only_their_own_destination() -> None:
    nat = collection(
        "inbound",
        65000,
        "Dnat",
        {
            "ruleType": "NatRule",
            "name": "web",
            "ipProtocols": ["TCP"],
            "sourceAddresses": ["*"],
            "destinationAddresses": ["20.30.40.50"],
            "destinationPorts": ["443"],
            "translatedAddress": "10.40.9.4",
            "translatedPort": "443",
        },
        nat=True,
    )
    deny = collection("deny", 100, "Deny", network("all", ["*"], ["*"]))
    rules = EffectiveRules([policy("hub", ("g", 100, [deny, nat]))])
    public = nsg.addresses([ipaddress.ip_network("20.30.40.50/32")], in_virtual_network=False)
    flow = nsg.Flow.to_ports("Outbound", "Tcp", AGENTS, public, [443])
    assert decided_by(rules.evaluate(flow)) == {("Allow", "hub/g/inbound/web")}
    assert decided_by(storage(rules)) == {("Deny", "hub/g/deny/all")}


def test_no_matching_rule_is_denied_by_default() -> None:
    rules = EffectiveRules(
        [
            policy(
                "hub",
                (
                    "g",
                    100,
                    [
                        collection(
                            "web", 100, "Allow", network("w", ["Internet"], destinationPorts=["80"])
                        )
                    ],
                ),
            )
        ]
    )
    (part,) = storage(rules).parts
    assert part.access == "Deny" and part.rule.default


@pytest.mark.parametrize(
    "sources",
    [
        [["10.40.1.0/25"], ["10.40.1.128/25"]],
        [["10.40.1.0-10.40.1.127"], ["10.40.1.128-10.40.1.255"]],
        [["10.40.1.0/25", "10.40.1.128/25"]],
    ],
)
def test_sources_that_together_cover_the_subnet_count_as_the_subnet(
    sources: list[list[str]],
) -> None:
    rules = [network(f"r{i}", ["Storage"], s) for i, s in enumerate(sources)]
    verdict = storage(
        EffectiveRules([policy("hub", ("g", 100, [collection("a", 100, "Allow", *rules)]))])
    )
    assert verdict.allowed


def test_half_the_subnet_leaves_the_other_half_denied() -> None:
    rules = EffectiveRules(
        [
            policy(
                "hub",
                (
                    "g",
                    100,
                    [collection("a", 100, "Allow", network("r", ["Storage"], ["10.40.1.0/25"]))],
                ),
            )
        ]
    )
    verdict = storage(rules)
    assert [p.source for p in verdict.denying] == ["10.40.1.128/25"]


def test_an_ip_group_holds_its_addresses_and_ranges() -> None:
    group_id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/ipGroups/agents"
    rule = network("r", ["Storage"], [], sourceIpGroups=[group_id])
    chain = [policy("hub", ("g", 100, [collection("a", 100, "Allow", rule)]))]
    groups = {group_id: ["10.40.1.0-10.40.1.127", "10.40.1.128/25"]}
    assert storage(EffectiveRules(chain, ip_groups=groups.get)).allowed
    unread = storage(EffectiveRules(chain))
    assert unread.undecided and not unread.allowing


def test_a_regional_tag_is_only_its_region() -> None:
    rules = EffectiveRules(
        [
            policy(
                "hub", ("g", 100, [collection("a", 100, "Allow", network("r", ["Storage.WestUS"]))])
            )
        ]
    )
    verdict = storage(rules)
    assert {p.destination for p in verdict.allowing} == {"Storage in westus"}
    assert verdict.denying


def test_azure_cloud_holds_every_service_tag() -> None:
    rules = EffectiveRules(
        [policy("hub", ("g", 100, [collection("a", 100, "Allow", network("r", ["AzureCloud"]))]))]
    )
    assert storage(rules).allowed


def test_an_fqdn_destination_may_or_may_not_be_the_tag() -> None:
    rule = network("r", [], destinationFqdns=["mystorage.blob.core.windows.net"])
    rules = EffectiveRules([policy("hub", ("g", 100, [collection("a", 100, "Allow", rule)]))])
    verdict = storage(rules)
    assert verdict.undecided and not verdict.denying


def test_values_not_known_yet_decide_nothing() -> None:
    unknown_action = collection("a", 100, "Allow", network("r", ["Storage"]))
    unknown_action["action"] = {"type": UNKNOWN}
    for chain in (
        [PolicyDocument("hub", UNKNOWN)],
        [PolicyDocument("hub", [{"name": "g", "priority": 100, "ruleCollections": UNKNOWN}])],
        [policy("hub", ("g", 100, [unknown_action]))],
        [policy("hub", ("g", 100, [collection("a", UNKNOWN, "Allow", network("r", ["*"]))]))],
        [policy("hub", ("g", 100, [collection("a", 100, "Allow", network("r", [UNKNOWN]))]))],
    ):
        verdict = storage(EffectiveRules(chain))
        assert verdict.undecided and not verdict.denying and not verdict.allowing, chain


def test_the_chain_of_parents_is_read_root_first() -> None:
    documents = {
        "c": {"basePolicy": {"id": "b"}},
        "b": {"basePolicy": {"id": "a"}},
        "a": {},
    }
    assert policy_chain("c", documents.get) == (["a", "b", "c"], None)
    looping = {"c": {"basePolicy": {"id": "b"}}, "b": {"basePolicy": {"id": "c"}}}
    assert policy_chain("c", looping.get) == (["b", "c"], "c is its own ancestor")
    assert policy_chain("c", {"c": {"basePolicy": {"id": "b"}}}.get) == (
        ["b", "c"],
        "b cannot be read",
    )
