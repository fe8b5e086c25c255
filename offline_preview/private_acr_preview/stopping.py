"""How a signal ends the engine: at once, with 128 + N, its child processes killed and reaped.

The console script installs this before it imports anything else (``entry``), so a SIGTERM,
SIGINT or SIGHUP during start-up ends the run as one later does; ``cli.main`` installs it too
when called in-process. A signal whose disposition was "ignore" when the process started (a
shell's background job starts with SIGINT ignored; ``nohup`` ignores SIGHUP) stays ignored.

Python runs the handler in the main thread between two bytecodes, wherever that thread is:
inside an import, a write to stderr, a lock. So the handler raises nothing (raised inside the
import machinery, an exception was swallowed with the module lock held and the engine hung; a
module still being imported has only some of its names), imports nothing, takes no lock another
part of the engine may hold (it writes with ``os.write``, reaps with ``os.waitpid``, never
``Popen.wait``), and ends the process with ``os._exit``. The first signal decides the exit
status; later ones are ignored while the handler runs.

Cleanups registered with :func:`at_stop` run first (the engine clears its progress line and
removes a half-written output's temporary file), then every child process is killed and waited
for: the analyzer's packs, and every process in ``/proc`` whose parent is this one (Linux; this
also finds a pack forked a moment before its ``Popen`` returned).
"""

from __future__ import annotations

import os
import signal
import sys

# What runs before the handlers are installed is a window in which a signal still has its
# default effect, so this module imports no more than it uses (not typing, not contextlib).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType
    from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

_cleanups: list[Callable[[], object]] = []


def at_stop(cleanup: Callable[[], object]) -> Callable[[], None]:
    """Run ``cleanup`` if a signal ends the run (it must not block); returns its remover."""
    _cleanups.append(cleanup)

    def remove() -> None:
        if cleanup in _cleanups:
            _cleanups.remove(cleanup)

    return remove


def _children() -> set[int]:
    """Direct children of this process, from /proc (empty where there is none)."""
    me = os.getpid()
    try:
        entries = os.listdir("/proc")
    except OSError:
        return set()
    found: set[int] = set()
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[-1].split()
        except OSError:
            continue
        if len(fields) > 1 and fields[1] == str(me).encode():
            found.add(int(entry))
    return found


def end_processes(pids: set[int]) -> None:
    """Kill (SIGKILL) and reap each of ``pids``, children of this process."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:  # gone already, reaped elsewhere (by its Popen), or not a child
            continue


def _stop(signum: int, frame: FrameType | None) -> None:
    for other in STOP_SIGNALS:
        signal.signal(other, signal.SIG_IGN)
    # The analyzer's packs are the children to end where /proc does not list them. Looked up,
    # not imported: it may be absent, or half imported if the signal landed inside that import.
    analyzer = sys.modules.get("private_acr_preview.analyzer")
    stop_packs: object = getattr(analyzer, "stop_all_packs", None)
    for action in [*reversed(_cleanups), *([stop_packs] if callable(stop_packs) else [])]:
        try:
            action()
        except BaseException:  # noqa: BLE001 - nothing may stop the exit
            continue
    end_processes(_children())
    os._exit(128 + signum)


def install() -> dict[int, Any]:
    """Make each stop signal end the run; returns the handlers it replaced (for ``restore``)."""
    replaced: dict[int, Any] = {}
    for signum in STOP_SIGNALS:
        current = signal.getsignal(signum)
        if current in (signal.SIG_IGN, _stop):
            continue
        replaced[signum] = signal.signal(signum, _stop)
    return replaced


def restore(replaced: dict[int, Any]) -> None:
    for signum, handler in replaced.items():
        signal.signal(signum, handler)
