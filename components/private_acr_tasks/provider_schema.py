"""The components' schema for other languages, in the words of those languages.

The SDK infers the component provider's schema from the args annotations and docstrings, which
are written for Python readers: ``RST`` literals, ``True``/``False``, ``snake_case`` fields,
``:class:`` roles. A TypeScript, Go, C# or YAML user sees camelCase properties and
``true``/``false``, so every description is rewritten into those words here, and the fields an
args class inherits (which the SDK leaves without a description) get their docstrings too.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterable
from typing import Any, cast

from pulumi import ComponentResource
from pulumi.provider.experimental.component import ComponentProvider

from private_acr_tasks._common import camel_case, known_fields
from private_acr_tasks._docs import FIELDS_HEADING, field_docs

_ROLE = re.compile(r":(?:class|meth|func|data|mod|attr):`~?(?:[\w.]+\.)?(\w+)`")
_LITERAL = re.compile(r"``(.+?)``")
_BOOLEAN = re.compile(r"\b(True|False)\b")
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def consumer_words(text: str, fields: Iterable[str]) -> str:
    """``text`` as a non-Python reader reads it: Markdown code for RST literals and roles,
    ``true``/``false``, and each of ``fields`` (snake_case args fields and outputs) in
    camelCase; without the indentation of a docstring, or the field list ``help()`` shows."""
    known = set(fields)
    text = inspect.cleandoc(text).split("\n\n" + FIELDS_HEADING, 1)[0]
    text = _ROLE.sub(r"`\1`", text)
    text = _LITERAL.sub(r"`\1`", text)
    text = _BOOLEAN.sub(lambda m: m[1].lower(), text)
    return _SNAKE.sub(lambda m: camel_case(m[0]) if m[0] in known else m[0], text)


def _args_type(component: type[ComponentResource]) -> type:
    return inspect.get_annotations(component.__init__)["args"]


def _rewrite(node: object, words: Callable[[str], str]) -> object:
    """Every ``description`` in a schema document, rewritten."""
    if isinstance(node, dict):
        return {
            key: words(value)
            if key == "description" and isinstance(value, str)
            else _rewrite(value, words)
            for key, value in cast(dict[str, object], node).items()
        }
    if isinstance(node, list):
        return [_rewrite(item, words) for item in cast(list[object], node)]
    return node


class ConsumerSchemaProvider(ComponentProvider):
    """The SDK's component provider, with the schema's descriptions in the consumer's words and
    a description for every input, inherited ones included.

    ``args_types``: every args ``TypedDict`` of the package, whose field names are rewritten
    wherever a description mentions them."""

    def __init__(
        self,
        components: list[type[ComponentResource]],
        name: str,
        version: str,
        args_types: Iterable[type],
    ) -> None:
        super().__init__(components, name, version=version)
        schema: dict[str, Any] = json.loads(self.schema or "{}")
        for component in components:
            inputs = schema["resources"][f"{name}:index:{component.__name__}"]["inputProperties"]
            for field in field_docs(_args_type(component)):
                spec = inputs.get(camel_case(field.name))
                if spec is not None and field.doc and not spec.get("description"):
                    spec["description"] = field.doc
        fields = {field for kind in args_types for field in known_fields(kind)}
        fields |= {output for c in components for output in inspect.get_annotations(c)}
        self.schema = json.dumps(_rewrite(schema, lambda text: consumer_words(text, fields)))
