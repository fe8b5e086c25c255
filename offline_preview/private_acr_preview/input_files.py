"""Files the engine reads: regular files of a bounded size, never standard input.

Every input (``Pulumi.yaml``, the stack file, ``PulumiPolicy.yaml``, ``--existing``,
``--policy-config``, and any other file option) goes through :func:`read_bytes`. The file is
opened without blocking and refused unless it is a regular file within its bound: a FIFO, a
terminal or ``/dev/stdin`` would block the run, ``/dev/zero`` would be read until memory runs
out, and a directory cannot be read. The message names the option (when there is one) and the
path, and says the bound.

Text is UTF-8. YAML follows the Pulumi CLI (sdk/go/common/workspace/loaders.go
``readFileStripUTF8BOM`` strips a UTF-8 byte-order mark; yaml.v3 reads UTF-16 with its mark).
JSON follows Go's ``encoding/json``, which the CLI reads ``--policy-pack-config`` with: no
byte-order mark, and no ``NaN`` or ``Infinity``, which Python's ``json`` would accept.
"""

from __future__ import annotations

import codecs
import json
import math
import os
import re
import stat
from pathlib import Path

from private_acr_preview.errors import UserError

MiB = 1024 * 1024
YAML_LIMIT = 4 * MiB
"""Project, stack and pack files: the CLI passes a stack's whole config in one 128 KiB
environment variable, so a real stack file is far smaller."""
JSON_LIMIT = 64 * MiB
"""``--existing`` snapshots and other JSON inputs (a large hub's ``az`` output is a few MB)."""

_STANDARD_INPUT = {"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"}
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class InputFileError(UserError):
    """An input file that cannot be read as one; the message names the option and the path."""


def _where(path: Path, option: str | None) -> str:
    return f"{option} {path}" if option else str(path)


def _size(count: int) -> str:
    return f"{count / MiB:.1f} MiB" if count >= MiB else f"{count:,} bytes"


def names_standard_input(path: Path) -> bool:
    return str(path) in _STANDARD_INPUT or os.path.abspath(path) in _STANDARD_INPUT


def read_bytes(path: Path, *, option: str | None = None, limit: int = JSON_LIMIT) -> bytes:
    """The whole of ``path``, a regular file of at most ``limit`` bytes."""
    where = _where(path, option)
    if names_standard_input(path):
        raise InputFileError(
            f"{where}: standard input; the offline preview never reads standard input, name a file"
        )
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise InputFileError(f"{where}: no such file") from None
    except OSError as error:
        raise InputFileError(f"{where}: cannot open: {error.strerror}") from None
    try:
        mode = os.fstat(descriptor).st_mode
        for test, kind in _KINDS:
            if test(mode):
                raise InputFileError(
                    f"{where}: {kind}, not a regular file; the offline preview reads regular "
                    "files only (write the content to a file and name that)"
                )
        chunks: list[bytes] = []
        total = 0
        # Read to the bound and one byte more: st_size is 0 for files under /proc and stale for a
        # file still being written, so the bytes read decide.
        while total <= limit:
            chunk = os.read(descriptor, min(limit + 1 - total, MiB))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as error:
        raise InputFileError(f"{where}: cannot read: {error.strerror}") from None
    finally:
        os.close(descriptor)
    if total > limit:
        raise InputFileError(
            f"{where}: larger than {_size(limit)}, the most the offline preview reads from "
            "such a file"
        )
    return b"".join(chunks)


def _position(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def _utf8(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputFileError(
            f"{where}: not UTF-8 text: byte 0x{data[error.start]:02x} at "
            f"{_position(data, error.start)}; save the file as UTF-8"
        ) from None


def read_yaml_text(path: Path, *, option: str | None = None, limit: int = YAML_LIMIT) -> str:
    """A YAML file's text, decoded as the Pulumi CLI decodes it."""
    data = read_bytes(path, option=option, limit=limit)
    where = _where(path, option)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise InputFileError(
                f"{where}: not UTF-16 text after its byte-order mark (byte {error.start})"
            ) from None
    return _utf8(data, where)


class _NotJsonNumber(ValueError):
    pass


def _refuse_constant(name: str) -> object:
    raise _NotJsonNumber(name)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotJsonNumber(text)
    return value


_BARE_CONSTANT = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN|-?[0-9][0-9.eE+-]*)')


def _constant_position(text: str, name: str) -> str:
    for match in _BARE_CONSTANT.finditer(text):
        if match.group(1) == name:
            before = text[: match.start(1)]
            return (
                f"line {before.count(chr(10)) + 1}, column {match.start(1) - before.rfind(chr(10))}"
            )
    return "somewhere"


def read_json(path: Path, *, option: str | None = None, limit: int = JSON_LIMIT) -> object:
    """A JSON file's value, read as Go's ``encoding/json`` reads it."""
    return read_json_and_text(path, option=option, limit=limit)[0]


def read_json_and_text(
    path: Path, *, option: str | None = None, limit: int = JSON_LIMIT
) -> tuple[object, str]:
    """:func:`read_json`, and the text it was read from."""
    data = read_bytes(path, option=option, limit=limit)
    where = _where(path, option)
    if data.startswith(codecs.BOM_UTF8):
        raise InputFileError(
            f"{where}: starts with a UTF-8 byte-order mark, which JSON does not allow; save it "
            "as UTF-8 without one"
        )
    text = _utf8(data, where)
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite), text
    except _NotJsonNumber as error:
        raise InputFileError(
            f"{where}: not valid JSON: {error} at {_constant_position(text, str(error))} is not "
            "a finite JSON number"
        ) from None
    except json.JSONDecodeError as error:
        raise InputFileError(
            f"{where}: not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    except RecursionError:
        raise InputFileError(f"{where}: not valid JSON: nested too deeply") from None
    except ValueError as error:  # e.g. an integer longer than Python converts
        raise InputFileError(f"{where}: not valid JSON: {error}") from None
