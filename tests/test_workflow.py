"""The pull-request workflow and the Makefile agree on the tools they install."""

from __future__ import annotations

import re

from conftest import ROOT


def test_the_workflow_installs_the_uv_the_makefile_pins() -> None:
    makefile = (ROOT / "Makefile").read_text()
    workflow = (ROOT / ".github" / "workflows" / "pull-request.yml").read_text()
    [pinned] = re.findall(r"^UV_VERSION := (\S+)$", makefile, re.MULTILINE)
    assert re.findall(r'astral-sh/setup-uv@v\d+\n\s+with:\n\s+version: "([^"]+)"', workflow) == [
        pinned
    ]
