"""Credentials in URLs: found, refused and never shown.

A URL may carry a user and a password or token before its host
(``https://user:token@git.example.com/team/app.git``; RFC 3986, section 3.2.1, "userinfo",
which it deprecates for passwords). In a task's context such a token would sit in the task,
the program and the Pulumi state, so it is refused; and whatever value a message echoes, the
user information of every URL in it is masked, so no message prints a credential.
"""

from __future__ import annotations

import re

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/?#@'\"]+@")
"""A scheme and the user information after it, up to the ``@`` before the host."""

MASK = "***"


def has_credentials(text: str) -> bool:
    """Whether ``text`` holds a URL with user information (a user, a password or a token)."""
    return _USERINFO.search(text) is not None


def redact(text: str) -> str:
    """``text`` with the user information of every URL in it masked
    (``https://***@git.example.com/team/app.git``)."""
    return _USERINFO.sub(rf"\1{MASK}@", text)
