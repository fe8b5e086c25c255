"""Provider models: what a cloud would answer, chosen by the package prefix of each token.

The SDK's mock engine asks one ``pulumi.runtime.mocks.Mocks`` object for every resource's id and
outputs and every provider function's result. ``ModelSet`` is that object: it sends each request
to the ``ProviderModel`` registered for the token's package (``azure-native`` in
``azure-native:network:Subnet``, ``random`` in ``random:index/randomString:RandomString``) and
everything else to the echo model, which answers with the inputs. A model keeps its own state;
it never sees the recorded run (the monitor records, the models answer).

A model signals a failed provider function by raising ``InvokeFailure``; the monitor turns it
into the gRPC error a real provider returns, which the SDK reports as ``invoke of <token>
failed: <message>`` (sdk/python/lib/pulumi/runtime/invoke.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pulumi.runtime import mocks

from private_acr_preview.models.base import EchoModel, InvokeFailure, Outputs

__all__ = [
    "EchoModel",
    "InvokeFailure",
    "ModelContext",
    "ModelFactory",
    "ModelSet",
    "Outputs",
    "ProviderModel",
    "default_factories",
]


@dataclass(frozen=True)
class ModelContext:
    """What every model may know: the stack, its config, and resources that already exist."""

    project: str
    stack: str
    config: Mapping[str, str]
    existing: Sequence[Mapping[str, Any]] | None = None
    """``--existing``: cloud resources as their provider's CLI prints them; None without it."""
    prior: Sequence[Mapping[str, Any]] | None = None
    """``--base``: the resources of the state the plan is compared with (``type``, ``id`` and
    ``outputs`` each), whose answers the models agree with; None without a base."""


class ProviderModel(Protocol):
    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, Outputs]:
        """The id and outputs of a resource registered (or read, when ``args.resource_id``)."""
        ...

    def call(self, args: mocks.MockCallArgs) -> Outputs:
        """The result of a provider function; raise ``InvokeFailure`` as the provider would fail."""
        ...

    def notes(self) -> list[str]:
        """What the report must say about this model's answers (e.g. what it could not verify)."""
        ...


ModelFactory = Callable[[ModelContext], ProviderModel]


def default_factories() -> dict[str, ModelFactory]:
    """The models this engine ships, by package prefix."""
    from private_acr_preview.models.azure import AzureModel
    from private_acr_preview.models.random_provider import RandomModel

    return {"azure-native": AzureModel, "random": RandomModel}


@dataclass
class ModelSet(mocks.Mocks):
    """The ``Mocks`` the SDK calls: dispatch by the token's package prefix."""

    models: Mapping[str, ProviderModel]
    default: ProviderModel = field(default_factory=EchoModel)

    @classmethod
    def build(
        cls, context: ModelContext, factories: Mapping[str, ModelFactory] | None = None
    ) -> ModelSet:
        chosen = default_factories() if factories is None else factories
        return cls({prefix: factory(context) for prefix, factory in chosen.items()})

    def model_for(self, token: str) -> ProviderModel:
        return self.models.get(token.split(":", 1)[0], self.default)

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, Outputs]:
        return self.model_for(args.typ).new_resource(args)

    def call(self, args: mocks.MockCallArgs) -> tuple[Outputs, list[tuple[str, str]]]:
        # The mock monitor iterates the failures, so "none" is an empty list.
        return self.model_for(args.token).call(args), []

    def notes(self) -> list[str]:
        return [note for model in (*self.models.values(), self.default) for note in model.notes()]
