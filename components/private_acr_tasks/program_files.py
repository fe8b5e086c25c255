"""Files the stack config names (a task's ``file``), read as part of the program.

Such a file belongs to the program: a path relative to the program directory that stays
inside it, naming a regular file of at most ``MAX_TASK_FILE_BYTES``, UTF-8 text. So
``../../../../etc/hostname`` (outside the program), ``/dev/zero`` (a device, read until memory
runs out), ``/dev/stdin``, a FIFO (either blocks the run) or a directory is refused with a
message before a byte is read, and nothing reads standard input. Symbolic links count where
they lead.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePath

MAX_TASK_FILE_BYTES = 1024 * 1024
"""A task file is a few dozen lines of YAML; its text is encoded into the task's ARM request."""

_KINDS = {
    stat.S_ISDIR: "a directory",
    stat.S_ISCHR: "a character device",
    stat.S_ISBLK: "a block device",
    stat.S_ISFIFO: "a FIFO",
    stat.S_ISSOCK: "a socket",
}


class ProgramFileError(Exception):
    """A file the config names cannot be read as part of the program; the message says why."""


def read_program_file(program_dir: Path, name: str, limit: int = MAX_TASK_FILE_BYTES) -> str:
    """The text of ``name``, relative to ``program_dir``; ``ProgramFileError`` says why not."""
    if PurePath(name).is_absolute():
        raise ProgramFileError(
            f"{name} is an absolute path; a task file is part of the program, named relative "
            f"to the program directory ({program_dir})"
        )
    root = program_dir.resolve()
    try:
        path = (root / name).resolve()
    except (OSError, ValueError, RuntimeError) as error:  # a NUL byte, a symlink loop
        raise ProgramFileError(f"{name!r} names no file ({error})") from None
    if not path.is_relative_to(root):
        raise ProgramFileError(
            f"{name} is outside the program directory ({root}); a task file is part of the program"
        )
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        descriptor = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ProgramFileError(
            f"{name} does not exist (task files are read relative to the program directory, {root})"
        ) from None
    except OSError as error:  # a name too long, a directory of the path that is a file...
        raise ProgramFileError(f"cannot open {name} ({error.strerror})") from None
    try:
        data = _read_regular(descriptor, name, limit)
    finally:
        os.close(descriptor)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProgramFileError(f"cannot read {name} as UTF-8 text ({error})") from None


def _read_regular(descriptor: int, name: str, limit: int) -> bytes:
    """At most ``limit`` bytes of an open regular file, refused whole when it holds more."""
    mode = os.fstat(descriptor).st_mode
    kind = next((kind for test, kind in _KINDS.items() if test(mode)), None)
    if kind is not None or not stat.S_ISREG(mode):
        raise ProgramFileError(f"{name} is {kind or 'not a regular file'}; expected a task file")
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = os.read(descriptor, min(65536, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise ProgramFileError(
            f"{name} is larger than {limit // 1024} KiB, the most a task file is read up to"
        )
    return b"".join(chunks)
