"""Field docs for ``help()``: an args ``TypedDict`` lists each field with its docstring.

A field's docstring (the string literal under it) is not kept at runtime, so ``help(NetworkArgs)``
would show the annotations alone. :func:`document_fields` writes each field, inherited ones
first, into the class docstring, read from the class statements in the module sources (each
file read once, only the class statements parsed). ``pydoc`` reads a class's ``__doc__`` from
its ``__dict__`` without calling a descriptor, so the text is made when the package is
imported, not when someone asks.
"""

from __future__ import annotations

import ast
import functools
import inspect
import re
import sys
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

FIELDS_HEADING = "Fields:"
_NEXT_STATEMENT = re.compile(r"^[^\s#)]", re.MULTILINE)


@dataclass(frozen=True)
class FieldDoc:
    name: str
    annotation: str
    doc: str | None


@functools.cache
def _module_source(module: str) -> str:
    file = getattr(sys.modules.get(module), "__file__", None)
    return Path(file).read_text(encoding="utf-8") if file else ""


def _class_node(cls: type) -> ast.ClassDef | None:
    """The top-level class statement of ``cls``, parsed alone."""
    source = _module_source(cls.__module__)
    start = re.search(rf"^class {re.escape(cls.__name__)}\b", source, re.MULTILINE)
    if start is None:
        return None
    end = _NEXT_STATEMENT.search(source, start.end())
    try:
        node = ast.parse(source[start.start() : end.start() if end else None]).body[0]
    except SyntaxError:
        return None
    return node if isinstance(node, ast.ClassDef) else None


def _annotation(node: ast.expr) -> str:
    """The annotation as written, without ``NotRequired[...]`` (each line says whether the
    field is required)."""
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) in ("NotRequired", "Required"):
        node = node.slice
    return ast.unparse(node)


def _own_fields(node: ast.ClassDef) -> list[FieldDoc]:
    found: list[FieldDoc] = []
    for statement, following in zip(node.body, [*node.body[1:], None], strict=True):
        if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.target, ast.Name):
            continue
        doc = None
        if (
            isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            doc = inspect.cleandoc(following.value.value)
        found.append(FieldDoc(statement.target.id, _annotation(statement.annotation), doc))
    return found


def _bases(cls: type, node: ast.ClassDef) -> list[type]:
    """The TypedDict bases the class statement names (3.11 keeps no ``__orig_bases__`` for them)."""
    scope = vars(sys.modules[cls.__module__])
    bases: list[type] = []
    for base in node.bases:
        head, *attributes = ast.unparse(base).split(".")
        value: object = scope.get(head)
        for attribute in attributes:
            value = getattr(value, attribute, None)
        if isinstance(value, type) and typing.is_typeddict(value):
            bases.append(value)
    return bases


def field_docs(cls: type) -> list[FieldDoc]:
    """Every field of an args ``TypedDict`` with its docstring, inherited fields first."""
    node = _class_node(cls)
    if node is None:
        return []
    fields: dict[str, FieldDoc] = {}
    for base in _bases(cls, node):
        fields.update({f.name: f for f in field_docs(base)})
    fields.update({f.name: f for f in _own_fields(node)})
    return list(fields.values())


def render(cls: type, summary: str | None) -> str:
    required: frozenset[str] = getattr(cls, "__required_keys__", frozenset[str]())
    lines = [inspect.cleandoc(summary or cls.__name__), "", FIELDS_HEADING]
    for field in field_docs(cls):
        need = "required" if field.name in required else "optional"
        lines.append(f"  {field.name}: {field.annotation}, {need}")
        lines.extend(f"      {line}" for line in (field.doc or "(no description)").splitlines())
    return "\n".join(lines)


def document_fields(classes: Iterable[type]) -> None:
    """Let ``help()`` on each of these ``TypedDict`` classes list its fields with their docs."""
    for cls in classes:
        if FIELDS_HEADING not in (cls.__doc__ or ""):
            cls.__doc__ = render(cls, cls.__doc__)
    _module_source.cache_clear()
