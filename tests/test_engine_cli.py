"""The command line: outputs checked first, packs run as PulumiPolicy.yaml says, signals stop the pack."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT
from private_acr_preview.cli import main

TINY = ROOT / "tests" / "fixtures" / "tiny_program"

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


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _deliver_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
# At once, and later in the run: a signal that landed inside an import (while the SDK loads)
# used to leave the module lock held and the engine hung.
@pytest.mark.parametrize("delay", [0.0, 0.6])
def test_a_signal_stops_the_engine_and_its_policy_pack(
    signum: signal.Signals, delay: float
) -> None:
    engine = subprocess.Popen(
        [sys.executable, "-m", "private_acr_preview", "--stack", "dev", "--program", str(ROOT)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # A shell's background job (make test runs pytest as one) starts with SIGINT ignored,
        # which Python then keeps ignoring; a user's terminal delivers it.
        preexec_fn=_deliver_sigint,  # noqa: PLW1509 - one signal() call before exec
    )
    deadline = time.monotonic() + 60
    packs: list[int] = []
    while not packs and time.monotonic() < deadline and engine.poll() is None:
        packs = _children(engine.pid)
        time.sleep(0.05)
    assert packs, "the policy pack never started"
    time.sleep(delay)
    os.kill(engine.pid, signum)
    assert engine.wait(timeout=30) == 128 + signum
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in packs) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in packs)
