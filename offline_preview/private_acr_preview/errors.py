"""How an error becomes one message for the user, without knowing the program's own types.

The protocol: an exception whose ``user_facing`` attribute is true (set on its class, usually as
``user_facing = True``, or on the instance) is bad input the user can fix. ``offline-preview``
prints ``str(error)`` alone on stderr, without a traceback unless ``--debug``, and exits 2. The
SDK's own ``pulumi.RunError`` ("terminate the program with this message and no stack trace",
sdk/python/lib/pulumi/errors.py) is treated the same way, as the Pulumi CLI's Python host
treats it. Any other exception is a program failure: ``the program failed: <type>: <message>``.

A program needs no import of this engine to follow the protocol.
"""

from __future__ import annotations

from typing import ClassVar

from pulumi.errors import RunError


class UserError(Exception):
    """The engine's own bad-input errors (bad file, bad config), following the protocol."""

    user_facing: ClassVar[bool] = True


def is_user_facing(error: BaseException) -> bool:
    return isinstance(error, RunError) or bool(getattr(error, "user_facing", False))


def message_for(error: BaseException) -> str:
    if is_user_facing(error):
        return str(error)
    return f"the program failed: {type(error).__name__}: {error}"
