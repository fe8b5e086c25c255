"""Errors raised for bad input, before anything is registered."""

from __future__ import annotations

from collections.abc import Sequence

from private_acr_rules import urls


class InputError(ValueError):
    """Bad input: every problem at once, each naming the key or field it concerns."""

    heading = "Invalid input"
    user_facing = True
    """Tools that run programs (the offline preview) show this message alone, no traceback."""

    def __init__(self, problems: Sequence[str]) -> None:
        # A problem may echo a value with a URL in it: its credentials are never shown.
        self.problems = tuple(urls.redact(problem) for problem in problems)
        super().__init__(self.render())

    def render(self) -> str:
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{self.heading} ({count} {noun}):"]
        lines.extend(f"  - {problem}" for problem in self.problems)
        return "\n".join(lines)


class ConfigError(InputError):
    """The stack configuration is invalid; keys are named as in Pulumi.<stack>.yaml."""

    heading = "Invalid stack configuration"


class ComponentArgsError(InputError):
    """A component's plain arguments are invalid; fields are named ``<Component>Args.<field>``."""

    heading = "Invalid component arguments"
