"""What a library consumer touches: every type an args field takes is importable from the
package, help() on an args class gives each field's docs, and a component's __init__ its own
parameters."""

import enum
import inspect
import pydoc
import typing
from typing import cast

import pytest
from pulumi import ComponentResource

import private_acr_tasks
from private_acr_tasks import BuildAgentPool, BuildAgentPoolArgs, Network, NetworkArgs

EXPORTED = {getattr(private_acr_tasks, name) for name in private_acr_tasks.__all__}
COMPONENTS = [
    kind for kind in EXPORTED if isinstance(kind, type) and issubclass(kind, ComponentResource)
]


def named_types(annotation: object) -> set[type]:
    """The enums and TypedDicts an annotation mentions, however deep."""
    found: set[type] = set()
    if isinstance(annotation, type):
        kind = cast(type[object], annotation)
        if issubclass(kind, enum.Enum):
            found.add(kind)
        elif typing.is_typeddict(kind):
            found.add(kind)
            for inner in kind.__annotations__.values():
                found |= named_types(inner)
    for argument in typing.get_args(annotation):
        found |= named_types(argument)
    return found


def help_text(thing: object) -> str:
    """What ``help(thing)`` prints."""
    return pydoc.plain(pydoc.render_doc(thing))


def test_every_type_an_args_field_takes_is_exported() -> None:
    assert len(COMPONENTS) == 10
    needed: set[type] = set()
    for component in COMPONENTS:
        needed |= named_types(inspect.get_annotations(component.__init__)["args"])
    missing = {kind.__name__ for kind in needed if kind not in EXPORTED}
    assert not missing


@pytest.mark.parametrize(
    ("field", "doc"),
    [
        ("resource_group_name", "Resource group for the component's resources."),
        ("agent_subnet_prefix", "Subnet for the ACR Tasks agent pool"),
        ("dns_servers", "Custom DNS servers for the VNet; the agents inherit them."),
    ],
)
def test_help_on_args_lists_each_field_with_its_doc(field: str, doc: str) -> None:
    text = help_text(NetworkArgs)
    assert field in text and doc in text


def test_help_on_args_says_which_fields_are_required() -> None:
    text = help_text(BuildAgentPoolArgs)
    assert "pool_name: str, required" in text
    assert "tier: AgentPoolTier, optional" in text


def test_help_on_init_documents_the_components_own_parameters() -> None:
    text = help_text(Network.__init__)
    assert ":param args: A :class:`NetworkArgs`" in text
    assert ":param str t:" not in text and "remote" not in text
    assert "BuildAgentPoolArgs" in help_text(BuildAgentPool.__init__)
