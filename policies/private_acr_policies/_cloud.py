"""Which Azure cloud a stack (or one of its resources) is in, as far as the pack can tell.

The stack config says it when it sets the provider's ``azure-native:environment``
(``_stack_config``; the program reads the same key). Otherwise the resources do: a registry's
login server ends with its cloud's suffix (``azurecr.us``), and a location is a region of one
cloud (``usgovvirginia``). With no evidence at all the cloud is the provider's default, public.
A location or login server not known until deployment, with nothing else to go by, leaves the
cloud unknown: a zone that is right in some cloud is then not judged.
"""

from __future__ import annotations

from dataclasses import dataclass

from private_acr_policies import _stack_config
from private_acr_policies._model import UNKNOWN, Resource, Stack, get
from private_acr_rules.clouds import (
    AzureCloud,
    cloud_named,
    cloud_of_login_server,
    cloud_of_region,
)

CLOUD_KEY = "azure-native:environment"


@dataclass(frozen=True)
class Cloud:
    """A cloud (``None``: not known yet) and what told it."""

    cloud: AzureCloud | None
    source: str

    def describe(self) -> str:
        name = self.cloud.value if self.cloud else "unknown"
        return f"the {name} cloud ({self.source})"


def _from_resource(resource: Resource) -> Cloud | None:
    """What one resource says of its cloud; ``Cloud(None, ...)`` when it is not known yet."""
    server = get(resource.props, "loginServer")
    if isinstance(server, str) and (cloud := cloud_of_login_server(server)):
        return Cloud(cloud, f"{resource.name}'s login server {server}")
    location = get(resource.props, "location")
    if isinstance(location, str) and location.strip() and location.lower() != "global":
        return Cloud(cloud_of_region(location), f"{resource.name}'s location {location}")
    if UNKNOWN in (server, location):
        return Cloud(None, f"{resource.name}'s location, not known until deployment")
    return None


def _stack_wide(stack: Stack) -> Cloud:
    configured = _stack_config.current().text(CLOUD_KEY)
    if configured is not None:
        named = cloud_named(configured)
        if named is not None:
            return Cloud(named, f"the stack's {CLOUD_KEY}")
    unknown: Cloud | None = None
    for resource in stack.resources:
        found = _from_resource(resource)
        if found is not None and found.cloud is not None:
            return found
        unknown = unknown or found
    return unknown or Cloud(AzureCloud.PUBLIC, "the provider's default")


def stack_cloud(stack: Stack) -> Cloud:
    """The stack's cloud: its config, else the first resource that tells, else public."""
    return stack.memoized("cloud", _stack_wide)


def cloud_of(stack: Stack, resource: Resource) -> Cloud:
    """A resource's cloud: what the stack config says, else what the resource itself says
    (its login server, its location), else the stack's."""
    stack_wide = stack_cloud(stack)
    if stack_wide.source.startswith("the stack's"):
        return stack_wide
    own = _from_resource(resource)
    return own if own is not None and own.cloud is not None else stack_wide
