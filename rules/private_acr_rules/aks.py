"""AKS rules that need no cluster: the node SSH key and who may reach the API server.

Sources: OpenSSH's public key format (RFC 4253 section 6.6: the key blob starts with its type
as a length-prefixed string); AKS API server authorized IP ranges (Learn, api-server-authorized-ip-ranges:
"authorized IP ranges ... only works with public IP addresses").
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from collections.abc import Sequence

from private_acr_rules import cidr

SSH_KEY_TYPES = (
    "ssh-rsa",
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
)

NON_PUBLIC_RANGES = tuple(
    ipaddress.ip_network(r)
    for r in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)
"""RFC 1918 and shared address space: never the source address the API server sees."""


def ssh_public_key_problem(value: object) -> str | None:
    """Why ``value`` is not a well-formed OpenSSH public key line, or ``None`` if it is."""
    expected = "an OpenSSH public key line such as 'ssh-ed25519 AAAA... user@host'"
    if not isinstance(value, str):
        return expected
    parts = value.strip().split()
    if len(parts) < 2 or parts[0] not in SSH_KEY_TYPES:
        return f"{expected} (key type one of {', '.join(SSH_KEY_TYPES)})"
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        return f"{expected}; the key data is not valid base64"
    if len(blob) < 4:
        return f"{expected}; the key data is truncated"
    length = int.from_bytes(blob[:4], "big")
    if blob[4 : 4 + length].decode("ascii", "replace") != parts[0]:
        return f"{expected}; the key data does not match its type {parts[0]}"
    return None


def api_server_exposure_problems(label: str, private: bool, ranges: Sequence[str]) -> list[str]:
    """A public API server needs authorized ranges, none of them open to the internet."""
    if private:
        return []
    if not ranges:
        return [
            f"{label}: a public API server needs at least one authorized "
            f"range (or keep the cluster private)"
        ]
    problems: list[str] = []
    for index, text in enumerate(ranges):
        parsed = cidr.parse_cidr(text)
        if parsed.network is None:
            problems.append(f"{label}[{index}]: got {text!r}; expected a CIDR")
        elif parsed.network.prefixlen == 0:
            problems.append(f"{label}[{index}]: {text} opens the API server to the whole internet")
        elif any(cidr.overlaps(parsed.network, private) for private in NON_PUBLIC_RANGES):
            problems.append(
                f"{label}[{index}]: {text} is a private range; authorized "
                f"ranges are matched against public source addresses"
            )
    return problems
