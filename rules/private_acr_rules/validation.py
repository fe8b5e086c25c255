"""One way to validate plain input, whoever supplies it.

A component's args and a stack's config describe the same values under different names
(``NetworkArgs.agent_subnet_prefix`` and ``network.agentSubnet``). Each component writes
its checks once against a ``FieldReader``; the reader's ``Labels`` decide how a field is
named in the message, so a library call names the args field and a stack names its config
key. Readers collect every problem instead of stopping at the first, and never raise.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import Enum
from typing import Any, TypeVar, cast, overload

from private_acr_rules import arm, cidr, regions

_E = TypeVar("_E", bound=Enum)
_PATH_HEAD = re.compile(r"^[^.\[]+")


class Labels:
    """How messages name a field path such as ``dns_servers[0]`` or ``lifecycle.days``.

    ``Labels.of("NetworkArgs")`` prefixes every path (``NetworkArgs.dns_servers[0]``);
    ``Labels.mapped({...})`` renames a whole path, or else its leading field (``dns_servers``
    to ``network.dnsServers`` gives ``network.dnsServers[0]``).
    """

    def __init__(self, name: Callable[[str], str]) -> None:
        self._name = name

    @classmethod
    def of(cls, args_type: str) -> Labels:
        return cls(lambda path: f"{args_type}.{path}")

    @classmethod
    def mapped(cls, renames: Mapping[str, str], fallback_prefix: str = "") -> Labels:
        def name(path: str) -> str:
            if path in renames:
                return renames[path]
            head = _PATH_HEAD.match(path)
            if head is not None and head.group(0) in renames:
                return renames[head.group(0)] + path[head.end() :]
            return fallback_prefix + path

        return cls(name)

    def __call__(self, path: str) -> str:
        return self._name(path)

    def nested(self, path: str) -> Labels:
        """Labels for the fields of a sub-object at ``path`` (``private_endpoints[registry]``)."""
        return Labels(lambda inner: self(f"{path}.{inner}"))


class FieldReader:
    """Reads the plain fields of one object, recording what is wrong with each.

    A read with a default returns the default when the value is absent or wrong (the problem
    is recorded), so a validator can build its plan from plain values and ask ``failed_since``
    whether anything went wrong.
    """

    def __init__(self, values: Mapping[str, Any], label: Labels, problems: list[str]) -> None:
        self.values = values
        self.label = label
        self.problems = problems

    def mark(self) -> int:
        return len(self.problems)

    def failed_since(self, mark: int) -> bool:
        return len(self.problems) > mark

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{self.label(path)}: {message}")

    def invalid(self, path: str, value: object, expected: str) -> None:
        self.problem(path, f"got {value!r}; expected {expected}")

    def present(self, field: str) -> bool:
        return self.values.get(field) is not None

    def require(self, field: str, why: str = "this is required") -> object:
        """The field's value; an absent one (or ``None``) is a problem saying ``why`` it is needed."""
        value = self.values.get(field)
        if value is None:
            self.problem(field, f"missing; {why}")
        return value

    def reject_unknown(self, known: Iterable[str]) -> None:
        """Every key that is not one of ``known``, named with the nearest known one.

        Known keys are shown as the reader names them (``agentPool.tier`` in a stack,
        ``BuildAgentPoolArgs.tier`` in a library call), so a misspelt key reads the same
        whoever wrote it: ``agentPool.teir: unknown key; did you mean 'agentPool.tier'?``.
        """
        known = set(known)
        shown = {self.label(name).rsplit(".", 1)[-1]: name for name in known}
        names = sorted(shown)
        for key in self.values:
            if key in known:
                continue
            hint = difflib.get_close_matches(str(key), names, n=1)
            nearest = f"; did you mean {self.label(shown[hint[0]])!r}?" if hint else ""
            self.problem(str(key), f"unknown key{nearest} (known keys: {', '.join(names)})")

    def arm_id(self, field: str, namespace: str, types: Sequence[str], expected: str) -> str | None:
        """An ARM id of a resource of ``namespace`` whose type path is ``types`` (lower case,
        e.g. ``microsoft.network`` and ``("virtualnetworks", "subnets")``); absent is ``None``.

        Returns the id as written, without surrounding blanks."""
        value = self.values.get(field)
        if value is None:
            return None
        key = arm.parse_id(value)
        if (
            not isinstance(value, str)
            or key is None
            or key.namespace != namespace
            or [kind for kind, _ in key.path] != list(types)
        ):
            self.invalid(field, value, expected)
            return None
        return value.strip()

    def region_value(self, path: str, value: object, cloud: str) -> str | None:
        """The programmatic name of the region of ``cloud`` that ``value`` names in either
        form (``East US 2`` is ``eastus2``); anything else is a problem (``regions.REGIONS``)."""
        problem = regions.region_problem(value, cloud)
        if problem is not None:
            self.problem(path, problem)
            return None
        return regions.region_name(cast(str, value))

    def _raw(self, field: str, required: bool) -> object:
        return self.require(field) if required else self.values.get(field)

    @overload
    def text(self, field: str, pattern: re.Pattern[str], expected: str, default: str) -> str: ...
    @overload
    def text(
        self, field: str, pattern: re.Pattern[str], expected: str, default: None = None
    ) -> str | None: ...
    def text(
        self, field: str, pattern: re.Pattern[str], expected: str, default: str | None = None
    ) -> str | None:
        """A string matching ``pattern``; without a default the field is required."""
        value = self._raw(field, default is None)
        if value is None:
            return default
        if not isinstance(value, str) or not pattern.fullmatch(value):
            self.invalid(field, value, expected)
            return default
        return value

    @overload
    def whole(self, field: str, low: int, high: int | None, default: int) -> int: ...
    @overload
    def whole(
        self, field: str, low: int, high: int | None = None, default: None = None
    ) -> int | None: ...
    def whole(
        self, field: str, low: int, high: int | None = None, default: int | None = None
    ) -> int | None:
        """A whole number in range; without a default an absent field is ``None``.

        An integral float counts: protobuf ``Struct`` values are doubles, and the SDK's component
        provider passes integer inputs on as floats (pulumi 3.272 ``map_input_properties``).
        """
        value = self._raw(field, False)
        if value is None:
            return default
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        fits = (
            isinstance(value, int)
            and not isinstance(value, bool)
            and value >= low
            and (high is None or value <= high)
        )
        if not fits:
            bounds = f"a whole number >= {low}" if high is None else f"a whole number {low}-{high}"
            self.invalid(field, value, bounds)
            return default
        return cast(int, value)

    def flag(self, field: str, default: bool) -> bool:
        value = self._raw(field, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.invalid(field, value, "true or false")
            return default
        return value

    @overload
    def choice(self, field: str, kind: type[_E], default: _E) -> _E: ...
    @overload
    def choice(self, field: str, kind: type[_E], default: None = None) -> _E | None: ...
    def choice(self, field: str, kind: type[_E], default: _E | None = None) -> _E | None:
        """A member of ``kind``, given as the member or its value; required without a default."""
        value = self._raw(field, default is None)
        if value is None:
            return default
        for member in kind:
            if value is member or value == member.value:
                return member
        self.invalid(field, value, "one of " + ", ".join(str(m.value) for m in kind))
        return default

    @overload
    def network(self, field: str, default: ipaddress.IPv4Network) -> ipaddress.IPv4Network: ...
    @overload
    def network(self, field: str, default: None = None) -> ipaddress.IPv4Network | None: ...
    def network(
        self, field: str, default: ipaddress.IPv4Network | None = None
    ) -> ipaddress.IPv4Network | None:
        """An IPv4 CIDR written as its network address; required without a default."""
        value = self._raw(field, default is None)
        if value is None:
            return default
        return self.network_value(field, value) or default

    def network_value(self, path: str, value: object) -> ipaddress.IPv4Network | None:
        parsed = cidr.parse_cidr(value)
        if parsed.network is None:
            self.invalid(path, value, "an IPv4 CIDR such as 10.40.0.0/16")
        elif not isinstance(parsed.network, ipaddress.IPv4Network):
            self.invalid(path, value, "an IPv4 CIDR (IPv6 is not supported here)")
        elif parsed.host_bits_set:
            self.invalid(path, value, f"a network address without host bits, i.e. {parsed.network}")
        else:
            return parsed.network
        return None

    @overload
    def address(self, field: str, default: ipaddress.IPv4Address) -> ipaddress.IPv4Address: ...
    @overload
    def address(self, field: str, default: None = None) -> ipaddress.IPv4Address | None: ...
    def address(
        self, field: str, default: ipaddress.IPv4Address | None = None
    ) -> ipaddress.IPv4Address | None:
        """An IPv4 address; required without a default."""
        value = self._raw(field, default is None)
        if value is None:
            return default
        return self.address_value(field, value) or default

    def address_value(self, path: str, value: object) -> ipaddress.IPv4Address | None:
        parsed = cidr.parse_address(value)
        if not isinstance(parsed, ipaddress.IPv4Address):
            self.invalid(path, value, "an IPv4 address such as 10.100.0.10")
            return None
        return parsed

    def items(self, field: str, expected: str) -> Sequence[object]:
        """A list field; absent is empty, anything else but a list is a problem."""
        value = self.values.get(field)
        if value is None:
            return ()
        if isinstance(value, str | bytes) or not isinstance(value, Sequence):
            self.invalid(field, value, expected)
            return ()
        return cast(Sequence[object], value)

    def addresses(self, field: str) -> tuple[ipaddress.IPv4Address, ...]:
        items = self.items(field, "a list of IPv4 addresses, e.g. [10.40.0.4]")
        parsed = [self.address_value(f"{field}[{i}]", item) for i, item in enumerate(items)]
        return tuple(a for a in parsed if a is not None)

    def texts(self, field: str, pattern: re.Pattern[str], expected: str) -> tuple[str, ...]:
        good: list[str] = []
        for index, item in enumerate(self.items(field, f"a list of {expected}")):
            if isinstance(item, str) and pattern.fullmatch(item):
                good.append(item)
            else:
                self.invalid(f"{field}[{index}]", item, expected)
        return tuple(good)

    def mapping(self, field: str, expected: str) -> Mapping[str, Any]:
        """An object field; absent is empty, anything else but a mapping is a problem."""
        value = self.values.get(field)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.invalid(field, value, expected)
            return {}
        return cast(Mapping[str, Any], value)

    def nested(self, field: str, values: Mapping[str, Any]) -> FieldReader:
        """A reader for the fields of a sub-object, labelled under ``field``."""
        return FieldReader(values, self.label.nested(field), self.problems)
