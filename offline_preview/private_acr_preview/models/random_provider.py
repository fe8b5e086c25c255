"""The ``random`` package (pulumi-random): results that look random and never change per stack.

Output names follow pulumi-random's schema (``result`` for strings, passwords, integers and
uuids; ``hex``, ``dec``, ``b64Url``, ``b64Std`` for ids; ``id`` for pets). Values derive from
project, stack and the resource's logical name only.
"""

from __future__ import annotations

import base64
import hashlib
import string
from collections.abc import Callable

from pulumi.runtime import mocks

from private_acr_preview.models import ModelContext
from private_acr_preview.models.base import (
    LOWER_ALNUM,
    PROVIDER_TYPE,
    Deterministic,
    EchoModel,
    Outputs,
    arguments_of,
    inputs_of,
)

_PET_WORDS = ("amber", "brave", "calm", "deft", "eager", "fond", "glad", "keen", "lucid", "merry")


def _int(value: object, default: int) -> int:
    """Numbers arrive as doubles (inputs travel in a protobuf Struct)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    return default


class RandomModel:
    def __init__(self, context: ModelContext) -> None:
        self.values = Deterministic(context.project, context.stack)
        self._kinds: dict[str, Callable[[str, Outputs], tuple[str | None, Outputs]]] = {
            "RandomId": self._id,
            "RandomInteger": self._integer,
            "RandomPet": self._pet,
            "RandomUuid": self._uuid,
            "RandomBytes": self._bytes,
        }

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, Outputs]:
        if args.typ.startswith(PROVIDER_TYPE):  # pulumi-random's provider takes no settings
            return EchoModel().new_resource(args)
        inputs = inputs_of(args)
        kind = args.typ.rsplit(":", 1)[-1]
        resource_id, outputs = self._kinds.get(kind, self._string)(args.name, inputs)
        return resource_id or f"{args.name}-id", {**inputs, **outputs}

    def call(self, args: mocks.MockCallArgs) -> Outputs:
        return arguments_of(args)

    def notes(self) -> list[str]:
        return []

    def _digest(self, name: str, length: int) -> bytes:
        seed = hashlib.sha256(f"{self.values.project}/{self.values.stack}/{name}".encode()).digest()
        return (seed * (length // len(seed) + 1))[:length]

    def _string(self, name: str, inputs: Outputs) -> tuple[str | None, Outputs]:
        """RandomString and RandomPassword: ``length`` characters of the enabled classes."""
        alphabet = LOWER_ALNUM
        if inputs.get("upper", True):
            alphabet += string.ascii_uppercase
        return None, {"result": self.values.suffix(name, _int(inputs.get("length"), 8), alphabet)}

    def _id(self, name: str, inputs: Outputs) -> tuple[str | None, Outputs]:
        raw = self._digest(name, _int(inputs.get("byteLength"), 8))
        prefix = str(inputs.get("prefix") or "")
        hex_value = prefix + raw.hex()
        return base64.urlsafe_b64encode(raw).decode().rstrip("="), {
            "hex": hex_value,
            "dec": prefix + str(int.from_bytes(raw, "big")),
            "b64Url": prefix + base64.urlsafe_b64encode(raw).decode().rstrip("="),
            "b64Std": prefix + base64.b64encode(raw).decode(),
        }

    def _integer(self, name: str, inputs: Outputs) -> tuple[str | None, Outputs]:
        low, high = _int(inputs.get("min"), 0), _int(inputs.get("max"), 0)
        span = max(high - low + 1, 1)
        result = low + int.from_bytes(self._digest(name, 8), "big") % span
        return str(result), {"result": result}

    def _pet(self, name: str, inputs: Outputs) -> tuple[str | None, Outputs]:
        raw = self._digest(name, _int(inputs.get("length"), 2))
        words = [_PET_WORDS[b % len(_PET_WORDS)] for b in raw]
        if inputs.get("prefix"):
            words.insert(0, str(inputs["prefix"]))
        return str(inputs.get("separator") or "-").join(words), {}

    def _uuid(self, name: str, inputs: Outputs) -> tuple[str | None, Outputs]:
        value = self.values.uuid("random-uuid", name)
        return value, {"result": value}

    def _bytes(self, name: str, inputs: Outputs) -> tuple[str | None, Outputs]:
        raw = self._digest(name, _int(inputs.get("length"), 8))
        return None, {"base64": base64.b64encode(raw).decode(), "hex": raw.hex()}
