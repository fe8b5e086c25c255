"""What every model shares: the failure type, deterministic values, and the echo model."""

from __future__ import annotations

import hashlib
import string
import uuid
from typing import Any, cast

from pulumi.runtime import mocks

Outputs = dict[str, Any]

PROVIDER_TYPE = "pulumi:providers:"
"""The type prefix of a provider resource: ``pulumi:providers:<package>``."""

_NAMESPACE = uuid.UUID("6f1e2c3a-0b7d-4c1e-9a55-2f6d8e4b1c90")
LOWER_ALNUM = string.ascii_lowercase + string.digits


def inputs_of(args: mocks.MockResourceArgs) -> Outputs:
    """A copy of the inputs, typed (the SDK declares the attribute as a bare ``dict``)."""
    return dict(cast(Outputs, vars(args)["inputs"]))


def arguments_of(args: mocks.MockCallArgs) -> Outputs:
    """A copy of the function's arguments, typed (see ``inputs_of``)."""
    return dict(cast(Outputs, vars(args)["args"]))


class InvokeFailure(Exception):
    """A provider function failed the way the provider would fail it (the message is its error)."""


class Deterministic:
    """Values that look random but depend only on project, stack and name.

    Never read from the environment or a clock: the same program and stack must give the same
    plan on every machine, so plans can be compared and pinned.
    """

    def __init__(self, project: str, stack: str) -> None:
        self.project = project
        self.stack = stack

    def uuid(self, *parts: str) -> str:
        return str(uuid.uuid5(_NAMESPACE, "/".join((self.project, self.stack, *parts))))

    def suffix(self, name: str, length: int = 8, alphabet: str = LOWER_ALNUM) -> str:
        digest = hashlib.sha256(f"{self.project}/{self.stack}/{name}".encode()).digest()
        while len(digest) < length:
            digest += hashlib.sha256(digest).digest()
        return "".join(alphabet[b % len(alphabet)] for b in digest[:length])


class EchoModel:
    """For packages without a model: outputs are the inputs, ids derive from the name."""

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, Outputs]:
        return args.resource_id or f"{args.name}-id", inputs_of(args)

    def call(self, args: mocks.MockCallArgs) -> Outputs:
        return arguments_of(args)

    def notes(self) -> list[str]:
        return []
