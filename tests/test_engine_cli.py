"""The command line: outputs checked first and written whole, packs run as PulumiPolicy.yaml says,
signals end the run with 128 + N from the first instruction on and reap the pack."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import json
import os
import random
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import ROOT
from private_acr_preview import analyzer, cli
from private_acr_preview.cli import main

TINY = ROOT / "tests" / "fixtures" / "tiny_program"
TINY_PACK = ROOT / "tests" / "fixtures" / "tiny_pack"

REPORTING_PACK = """\
import sys
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy

def interpreter(args, report_violation):
    report_violation(sys.executable, None)

PolicyPack(
    name="where",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=[ResourceValidationPolicy(name="interpreter", description="Where.", validate=interpreter)],
)
"""


def _pack(tmp_path: Path, runtime: str) -> Path:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text(f"version: 1.0.0\n{runtime}\n")
    (pack / "__main__.py").write_text(REPORTING_PACK)
    return pack


def _tiny(*extra: str) -> list[str]:
    return ["--stack", "test", "--program", str(TINY), *extra]


def test_an_output_that_is_a_directory_is_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing_program = tmp_path / "no-such-program"
    code = main(["--stack", "x", "--program", str(missing_program), "--json", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"--json {tmp_path}: is a directory; name a file" in err and "Pulumi.yaml" not in err


def test_an_output_under_a_file_is_reported_as_such(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "plan"
    blocker.write_text("")
    assert main(_tiny("--no-policy", "--graph", str(blocker / "graph.mmd"))) == 2
    assert f"{blocker} is a file, so the directory cannot be created" in capsys.readouterr().err


def test_two_outputs_to_one_file_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    same = tmp_path / "out"
    assert main(_tiny("--no-policy", "--json", str(same), "--summary", str(same))) == 2
    assert "the same file as --json" in capsys.readouterr().err


def test_the_report_says_when_policies_were_not_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_tiny()) == 0
    assert "Policies: not run (no --policy-pack, and" in capsys.readouterr().out


def test_a_pack_runs_on_the_interpreter_of_its_virtualenv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = _pack(tmp_path, "runtime:\n  name: python\n  options:\n    virtualenv: env")
    (pack / "env").symlink_to(Path(sys.prefix))
    assert main(_tiny("--policy-pack", str(pack))) == 0
    assert f"{pack / 'env' / 'bin' / 'python'}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("runtime", "expected"),
    [
        (
            "runtime: nodejs",
            "runtime: got 'nodejs'; the offline preview runs Python policy packs only",
        ),
        (
            "runtime:\n  name: python\n  options:\n    toolchain: conda",
            "runtime.options.toolchain: got 'conda'; expected one of pip, poetry, uv",
        ),
        (
            "runtime:\n  name: python\n  options:\n    virtualenv: missing-env",
            "missing-env has no bin/python (pip toolchain); create it first",
        ),
    ],
)
def test_a_pack_that_cannot_run_as_declared_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], runtime: str, expected: str
) -> None:
    assert main(_tiny("--policy-pack", str(_pack(tmp_path, runtime)))) == 2
    assert expected in capsys.readouterr().err


def _children(pid: int) -> list[int]:
    children: list[int] = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                children.append(int(entry.name))
    return children


def _caught(pid: int) -> set[int]:
    """The signals ``pid`` has a handler for (its SigCgt mask)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return set()
    mask = int(
        next(line for line in status.splitlines() if line.startswith("SigCgt:")).split()[1], 16
    )
    return {bit + 1 for bit in range(64) if mask >> bit & 1}


_FROM_A_TERMINAL = [
    sys.executable,
    "-I",
    "-S",
    "-c",
    "import os, signal, sys\n"
    "signal.signal(signal.SIGINT, signal.SIG_DFL)\n"
    "signal.signal(signal.SIGHUP, signal.SIG_DFL)\n"
    "os.execv(sys.argv[1], sys.argv[1:])\n",
]
"""Prefix a command to run it with SIGINT and SIGHUP delivered, as from a user's terminal: a
shell's background job (make test runs pytest as one) starts with SIGINT ignored, and nohup
ignores SIGHUP; Python then keeps ignoring them. Not a ``preexec_fn``: that makes ``subprocess``
fork, and a fork of this process, which holds gRPC channels, can abort the child before its
``exec`` (grpc/grpc#43055; see ``private_acr_preview.analyzer``)."""


_PR_SET_CHILD_SUBREAPER = 36


@contextlib.contextmanager
def _adopting_orphans() -> Generator[Callable[[], set[int]]]:
    """While inside, processes orphaned below this one become its children (Linux's child
    subreaper), so a pack the engine killed without reaping shows up here, as a zombie, instead
    of being reaped by init. Yields a function listing the children that were not there before."""
    libc = ctypes.CDLL(None, use_errno=True)
    before = set(_children(os.getpid()))
    libc.prctl(_PR_SET_CHILD_SUBREAPER, 1)
    try:
        yield lambda: set(_children(os.getpid())) - before
    finally:
        libc.prctl(_PR_SET_CHILD_SUBREAPER, 0)
        for pid in set(_children(os.getpid())) - before:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)


CONSOLE_SCRIPT = [str(Path(sys.executable).parent / "offline-preview")]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
# At once, and later in the run: a signal that landed inside an import (while the SDK loads)
# used to leave the module lock held and the engine hung.
@pytest.mark.parametrize("delay", [0.0, 0.6])
def test_a_signal_stops_the_engine_and_reaps_its_policy_pack(
    signum: signal.Signals, delay: float
) -> None:
    with _adopting_orphans() as new_children:
        engine = subprocess.Popen(
            [*_FROM_A_TERMINAL, *CONSOLE_SCRIPT, "--stack", "dev", "--program", str(ROOT)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        packs: list[int] = []
        while not packs and time.monotonic() < deadline and engine.poll() is None:
            packs = _children(engine.pid)
            time.sleep(0.05)
        assert packs, "the policy pack never started"
        time.sleep(delay)
        os.kill(engine.pid, signum)
        _, err = engine.communicate(timeout=30)
        assert engine.returncode == 128 + signum
        assert err == b""
        # Reaped before the engine exited: not running, and not left as a zombie to adopt.
        assert new_children() == set()
        assert not any(Path(f"/proc/{pack}").exists() for pack in packs)


_FORKS: list[int] = []
os.register_at_fork(before=lambda: _FORKS.append(os.getpid()))


def test_the_pack_is_started_without_a_fork() -> None:
    # A fork of a process holding gRPC channels (a pytest worker, or the engine's own) runs
    # gRPC's fork handlers, which restart its poller in the child; close_fds then closes the
    # poller's epoll descriptor before exec, and the child aborted with "epoll_wait: Bad file
    # descriptor" (grpc/grpc#43055): "the policy pack did not start", a few times in a hundred
    # under load. Python's own at-fork hooks run exactly when subprocess forks (a preexec_fn);
    # vfork, which it uses otherwise, runs neither theirs nor gRPC's.
    forks = len(_FORKS)
    pack = analyzer.PolicyPackProcess(TINY_PACK, project="tiny", stack="test", config={})
    try:
        assert pack.port() > 0
    finally:
        pack.close()
    assert len(_FORKS) == forks, "the pack was started with a fork"


_KILLED_ENGINE = """\
import os, signal, sys
from pathlib import Path
from private_acr_preview.analyzer import PolicyPackProcess
pack = PolicyPackProcess(Path(sys.argv[1]), project="tiny", stack="test", config={})
pack.port()
print(pack.process.pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_pack_does_not_outlive_an_engine_killed_with_sigkill() -> None:
    # SIGKILL runs no handler: only the death signal the pack asked for on start can end it.
    with _adopting_orphans():
        engine = subprocess.Popen(
            [sys.executable, "-c", _KILLED_ENGINE, str(TINY_PACK)], stdout=subprocess.PIPE
        )
        out, _ = engine.communicate(timeout=120)
        assert engine.returncode == -signal.SIGKILL
        pack = int(out)
        # Orphaned, the pack is this process's child (the subreaper) and is waited for here.
        deadline = time.monotonic() + 30
        status = 0
        while time.monotonic() < deadline:
            reaped, status = os.waitpid(pack, os.WNOHANG)
            if reaped:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the pack still runs after its engine was killed")
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM


def _interrupt(delay: float, *, signum: int, after_install: bool) -> tuple[int, bool, bytes]:
    """Start the engine, signal it ``delay`` seconds in (counted from its handlers' install when
    ``after_install``); the exit status, whether the handlers were in place, and stderr."""
    engine = subprocess.Popen(
        [*_FROM_A_TERMINAL, *CONSOLE_SCRIPT, "--stack", "dev", "--program", str(ROOT)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    if after_install:
        deadline = time.monotonic() + 30
        while signal.SIGTERM not in _caught(engine.pid) and time.monotonic() < deadline:
            time.sleep(0.002)
    time.sleep(delay)
    installed = signal.SIGTERM in _caught(engine.pid)
    os.kill(engine.pid, signum)
    _, err = engine.communicate(timeout=60)
    return engine.returncode, installed, err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigterm_at_any_moment_of_start_up_ends_with_143(tmp_path: Path) -> None:
    # Fifteen moments over the first 0.6 s from the start (the interpreter's start, the handlers'
    # install), and fifteen over the 1.2 s after the install (imports, the pack's start, the
    # program's first resources), in three lanes to bound the time. Counted from the install, the
    # later moments are after it however loaded the machine is.
    early = [(index + random.random()) * 0.6 / 15 for index in range(15)]
    late = [(index + random.random()) * 1.2 / 15 for index in range(15)]
    with _adopting_orphans() as new_children, ThreadPoolExecutor(3) as lanes:
        outcomes = [
            *lanes.map(
                functools.partial(_interrupt, signum=signal.SIGTERM, after_install=False), early
            ),
            *lanes.map(
                functools.partial(_interrupt, signum=signal.SIGTERM, after_install=True), late
            ),
        ]
        leftovers = new_children()
    for delay, (code, installed, err) in zip([*early, *late], outcomes, strict=True):
        # Before the interpreter reaches the console script's first instruction, SIGTERM has
        # its default effect: the process dies of it (-15; a shell reports 143 for both).
        assert code == 143 or (code == -signal.SIGTERM and not installed), (delay, code, err)
        assert err == b"", (delay, err.decode())
    assert all(installed and code == 143 for code, installed, _ in outcomes[len(early) :])
    assert leftovers == set()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_from_the_first_instruction_on_ends_with_130_and_no_traceback() -> None:
    # From the moment the console script has installed its handlers: during the imports of
    # argparse, the SDK and gRPC, which a KeyboardInterrupt used to break with a traceback.
    delays = [index * 0.06 for index in range(8)]
    with ThreadPoolExecutor(2) as lanes:
        outcomes = list(
            lanes.map(
                functools.partial(_interrupt, signum=signal.SIGINT, after_install=True), delays
            )
        )
    for delay, (code, installed, err) in zip(delays, outcomes, strict=True):
        assert installed
        assert (code, err) == (130, b""), (delay, err.decode())


# The write of --json is held half done (the file object below sleeps after writing half), then
# the engine is stopped: the previous plan must stay whole, and no temporary file may remain.
_SLOW_WRITE = """\
import os, sys, time
from pathlib import Path
marker = Path(sys.argv[1])
real_fdopen = os.fdopen
class Slow:
    def __init__(self, stream):
        self.stream = stream
    def write(self, text):
        self.stream.write(text[: len(text) // 2])
        self.stream.flush()
        marker.write_text("writing")
        time.sleep(60)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        self.stream.close()
def fdopen(fd, *args, **kwargs):
    stream = real_fdopen(fd, *args, **kwargs)
    return Slow(stream) if os.readlink(f"/proc/self/fd/{fd}").endswith(".tmp") else stream
os.fdopen = fdopen
sys.argv = ["offline-preview", *sys.argv[2:]]
from private_acr_preview.entry import run
run()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_run_stopped_while_writing_leaves_the_previous_output_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.json").write_text('{"previous": true}\n')
    marker = tmp_path / "writing"
    engine = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _SLOW_WRITE,
            str(marker),
            *_tiny("--no-policy"),
            "--json",
            str(out / "plan.json"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and engine.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert marker.exists(), engine.communicate()[1].decode()
    assert any(name.name.endswith(".tmp") for name in out.iterdir())  # caught mid-write
    os.kill(engine.pid, signal.SIGTERM)
    _, err = engine.communicate(timeout=30)
    assert (engine.returncode, err) == (143, b"")
    assert sorted(name.name for name in out.iterdir()) == ["plan.json"]
    assert (out / "plan.json").read_text() == '{"previous": true}\n'


def test_an_output_replaces_the_file_whole_keeping_its_mode_and_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert main(_tiny("--no-policy", "--json", str(link))) == 0
    assert link.is_symlink() and json.loads(real.read_text())["project"] == "tiny"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real.json"]


def test_a_failed_write_leaves_the_previous_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "plan.json"
    target.write_text("previous")

    def full_disk(*args: object, **kwargs: object) -> object:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError, match="No space left"):
        cli._write(target, "new content")  # pyright: ignore[reportPrivateUsage]
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and /dev")
@pytest.mark.parametrize(
    ("option", "path", "expected"),
    [
        (
            "--json",
            "/proc/x/plan.json",
            "--json /proc/x/plan.json: cannot create a directory in /proc",
        ),
        ("--graph", "/dev/null", "--graph /dev/null: is not a regular file"),
        (
            "--export",
            str(TINY / "Pulumi.test.yaml"),
            "the same file as --config-file, which the run reads",
        ),
    ],
)
def test_an_output_that_cannot_be_written_is_refused_before_any_work(
    capsys: pytest.CaptureFixture[str], option: str, path: str, expected: str
) -> None:
    code = main(_tiny("--config-file", str(TINY / "Pulumi.test.yaml"), option, path))
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert expected in captured.err
