"""Property values as the engine's wire format holds them: secrets and values not known yet.

A secret travels as ``{<signature key>: <secret signature>, "value": ...}`` (pulumi/pulumi
``sdk/go/common/resource/properties.go``); a stack export holds it encrypted
(``"ciphertext"``) or, with ``--show-secrets``, as JSON text (``"plaintext"``). The markers are
the ones the Python policy SDK publishes (``pulumi_policy.deserialize``), so neither this engine
nor a pack writes them itself. A value not known until deployment is the SDK's ``UNKNOWN``
sentinel (``pulumi.runtime.rpc``).
"""

from __future__ import annotations

import json
from typing import Any, cast

from pulumi.runtime.rpc import UNKNOWN
from pulumi_policy.deserialize import SPECIAL_SECRET_SIG, SPECIAL_SIG_KEY

__all__ = [
    "ENCRYPTED",
    "REDACTED",
    "SPECIAL_SIG_KEY",
    "UNKNOWN",
    "Encrypted",
    "is_secret",
    "plaintext_secrets",
    "read_state_value",
    "redact",
    "secret",
]

REDACTED = "[secret]"
"""How the Pulumi CLI shows a secret value (and how a ``--json`` plan holds one)."""


def is_secret(value: object) -> bool:
    """Whether ``value`` is a secret in the engine's wire form."""
    return isinstance(value, dict) and (
        cast(dict[str, Any], value).get(SPECIAL_SIG_KEY) == SPECIAL_SECRET_SIG
    )


def secret(value: object) -> dict[str, Any]:
    """``value`` marked secret, as the engine sends it."""
    return {SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG, "value": value}


def redact(value: Any) -> Any:
    """Secrets as ``[secret]``: what a reader of a plan or PR comment may see."""
    if isinstance(value, dict):
        mapping = cast(dict[str, Any], value)
        if is_secret(mapping):
            return REDACTED
        return {k: redact(v) for k, v in mapping.items()}
    if isinstance(value, list):
        return [redact(v) for v in cast(list[Any], value)]
    return value


def plaintext_secrets(value: object) -> object:
    """Secrets in ``pulumi stack export --show-secrets`` form."""
    if isinstance(value, dict):
        mapping = cast(dict[str, object], value)
        if is_secret(mapping):
            return {
                SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG,
                "plaintext": json.dumps(mapping.get("value")),
            }
        return {k: plaintext_secrets(v) for k, v in mapping.items()}
    if isinstance(value, list):
        return [plaintext_secrets(v) for v in cast(list[object], value)]
    return value


class Encrypted:
    """A value the base holds encrypted (or redacted): it cannot be compared with anything."""

    __slots__ = ()

    def __repr__(self) -> str:
        return REDACTED

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Encrypted)

    def __hash__(self) -> int:
        return hash(REDACTED)


ENCRYPTED = Encrypted()


def read_state_value(value: Any, *, redacted: bool) -> Any:
    """A value of a base plan or export as data: a secret whose plaintext is there becomes
    ``secret(...)``, one held encrypted (``ciphertext``) becomes ``ENCRYPTED``; with
    ``redacted`` (a ``--json`` plan) so does the ``[secret]`` text that stands for one."""
    if isinstance(value, dict):
        mapping = cast(dict[str, Any], value)
        if is_secret(mapping):
            if "value" in mapping:
                return secret(read_state_value(mapping["value"], redacted=redacted))
            if isinstance(mapping.get("plaintext"), str):
                try:
                    plain = json.loads(mapping["plaintext"])
                except ValueError:
                    return ENCRYPTED
                return secret(read_state_value(plain, redacted=redacted))
            return ENCRYPTED
        return {k: read_state_value(v, redacted=redacted) for k, v in mapping.items()}
    if isinstance(value, list):
        return [read_state_value(v, redacted=redacted) for v in cast(list[Any], value)]
    if redacted and value == REDACTED:
        return ENCRYPTED
    return value
