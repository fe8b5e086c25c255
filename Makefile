# Two commands set up and run everything on a bare clone: `make preview` and `make test`.
# uv is used when it is on PATH; otherwise a pinned copy is bootstrapped into .tools/.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
STACK ?= dev
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)

.PHONY: preview test lint typecheck unit bench pins clean graph

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	@touch $@

# Node is for the tests only (Mermaid itself parses every graph we write); preview needs none.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --quiet
	@touch $@

preview: .venv/.synced
	.venv/bin/offline-preview --stack $(STACK) --summary .preview/$(STACK).md \
		--json .preview/$(STACK).json --graph .preview/$(STACK).mmd --export .preview/$(STACK).export.json

lint: .venv/.synced
	.venv/bin/ruff format --check .
	.venv/bin/ruff check .

typecheck: .venv/.synced
	.venv/bin/pyright

unit: .venv/.synced node_modules/.installed
	.venv/bin/pytest

test: lint typecheck unit

# The stack's graph as a PNG, rendered by Mermaid in Debian's chromium (apt-get install chromium).
graph: preview node_modules/.installed
	node tests/mermaid/render-png.mjs .preview/$(STACK).mmd .preview/$(STACK).png

bench: .venv/.synced
	.venv/bin/python benchmarks/offline_preview_ratio.py
	.venv/bin/python benchmarks/pack_at_scale.py

# After a reviewed change that replaces resources on purpose: rewrite tests/pins/*.json.
pins: .venv/.synced
	.venv/bin/python tests/pins.py

clean:
	rm -rf .venv .tools .preview
