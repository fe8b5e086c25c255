"""The marker for a value that is not known until deployment.

In a preview, the Pulumi engine sends properties computed by other resources (an id, a name
with a random suffix) as unknown sentinels. Callers that read engine data turn those into
``UNKNOWN`` so a rule can tell "not set" (``None``) from "set, but not known yet" and skip the
check rather than guess (``pulumi_policy.proxy`` lists the sentinels).
"""

from __future__ import annotations

from typing import Final


class _Unknown:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()
"""A value the engine cannot know yet (a preview of a resource not created)."""
