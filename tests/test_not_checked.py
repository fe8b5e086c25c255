"""What a policy could not check travels in its not-applicable reason, and the engine reads it."""

from __future__ import annotations

import pytest

from private_acr_policies import _policy
from private_acr_policies._policy import Assumed, Finding, Unchecked
from private_acr_preview.analyzer import not_checked_notes

URN = "urn:pulumi:dev::p::azure-native:network:Subnet::a"


class Stopped(Exception):
    """pulumi-policy's not_applicable raises: the first reason ends the policy."""


def reason_of(*outcomes: Finding | Unchecked | Assumed) -> str:
    reasons: list[str] = []

    def not_applicable(reason: str) -> None:
        reasons.append(reason)
        raise Stopped

    with pytest.raises(Stopped):
        _policy._report(outcomes, lambda message, urn: None, not_applicable)  # pyright: ignore[reportPrivateUsage]
    [reason] = reasons
    return reason


def test_every_note_and_the_assumption_reach_the_engine_in_one_reason() -> None:
    reason = reason_of(
        Unchecked(URN, "a addressPrefix (unknown until deployment)"),
        Unchecked(None, "the hub's firewall"),
        Assumed("defaults apply: dockerBridgeCidr"),
    )
    notes, rest = not_checked_notes("p", reason, "urn:stack")
    assert notes == [
        {"policy": "p", "urn": URN, "reason": "a addressPrefix (unknown until deployment)"},
        {"policy": "p", "urn": "urn:stack", "reason": "the hub's firewall"},
    ]
    assert rest == "defaults apply: dockerBridgeCidr"


def test_a_plain_reason_is_no_note() -> None:
    assert not_checked_notes("p", "the stack has no VNet", "urn:stack") == (
        [],
        "the stack has no VNet",
    )
