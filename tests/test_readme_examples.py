"""The README's Python examples type-check under pyright strict and run under the mock engine."""

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import ROOT
from private_acr_preview.program import ProgramRun

Runner = Callable[[Callable[[], object]], ProgramRun]
EXAMPLES = re.findall(r"^```python\n(.*?)^```", (ROOT / "README.md").read_text(), re.S | re.M)


def test_the_readme_has_python_examples() -> None:
    assert EXAMPLES


def test_examples_pass_pyright_strict(tmp_path: Path) -> None:
    for index, code in enumerate(EXAMPLES):
        (tmp_path / f"readme_example_{index}.py").write_text(code)
    folders = ["rules", "components", "policies", "offline_preview"]
    (tmp_path / "pyrightconfig.json").write_text(
        json.dumps(
            {
                "typeCheckingMode": "strict",
                "pythonVersion": "3.11",
                "extraPaths": [str(ROOT / folder) for folder in folders],
                "venvPath": str(ROOT),
                "venv": ".venv",
            }
        )
    )
    pyright = Path(sys.executable).parent / "pyright"
    result = subprocess.run(
        [str(pyright), "--project", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("code", EXAMPLES, ids=[f"example-{i}" for i in range(len(EXAMPLES))])
def test_examples_run(run_components: Runner, code: str) -> None:
    def program() -> None:
        exec(compile(code, "README.md example", "exec"), {"__name__": "__main__"})

    run = run_components(program)
    assert len(run.resources) > 1
