# Two commands set up and run everything on a bare clone: `make preview` and `make test`.
# uv is used when it is on PATH; otherwise a pinned copy is bootstrapped into .tools/.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
STACK ?= dev
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
# Bytecode: Python compiles each module it imports, and with PYTHONDONTWRITEBYTECODE set (as on
# some CI machines) it does so again in every process: seconds per preview for the SDKs. So
# .venv's bytecode is always written, and written when the environment is created, by one
# preview run: that compiles exactly what a preview imports (about 800 modules, ~5 s) where
# compiling all of site-packages (UV_COMPILE_BYTECODE=1: azure-native alone has 6,000 files)
# takes 40 s.
unexport PYTHONDONTWRITEBYTECODE
POLICY_CONFIG := $(wildcard policies/config/$(STACK).json)
# Azure resources a stack builds on but does not own (as `az ... show` prints them): the
# offline preview answers the program's lookups from it.
EXISTING := $(wildcard examples/existing/$(STACK).json)

.PHONY: preview review test lint typecheck unit bench pins env clean graph

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# The Pulumi CLI runs `uv` itself for `runtime.options.toolchain: uv` and looks for it on PATH;
# this directory holds only that uv, so adding it to PATH shadows nothing else.
.tools/path/uv: | .tools/bin/uv
	mkdir -p .tools/path
	ln -sf ../bin/uv .tools/path/uv

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	-@.venv/bin/offline-preview --stack dev >/dev/null 2>&1
	@touch $@

# For `pulumi preview` / `pulumi up`: the environment, and uv where the CLI finds it.
env: .venv/.synced
	@if command -v uv >/dev/null; then echo "uv is on PATH: $$(command -v uv)"; \
	else $(MAKE) --no-print-directory .tools/path/uv && \
	echo 'uv is not on PATH; the Pulumi CLI needs it. Run:  export PATH="$$PWD/.tools/path:$$PATH"'; fi

# Node is for the tests only (Mermaid itself parses every graph we write); preview needs none.
# The pinned jsdom, which Mermaid's parse runs in, declares Node ^20.19, ^22.13 or >= 24.
NODE_SUPPORTED := const [major, minor] = process.versions.node.split(".").map(Number); \
	process.exit((major === 20 && minor >= 19) || (major === 22 && minor >= 13) || major >= 24 ? 0 : 1)
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null && node -e '$(NODE_SUPPORTED)' 2>/dev/null || { echo "make test \
	needs node and npm on PATH, Node ^20.19, ^22.13 or >= 24; found node $$(node --version \
	2>/dev/null || echo none), npm $$(npm --version 2>/dev/null || echo none)" >&2; exit 1; }
	npm ci --no-audit --no-fund --quiet
	@touch $@

preview: .venv/.synced
	.venv/bin/offline-preview --stack $(STACK) $(if $(POLICY_CONFIG),--policy-config $(POLICY_CONFIG)) \
		$(if $(EXISTING),--existing $(EXISTING)) \
		--summary .preview/$(STACK).md --json .preview/$(STACK).json --graph .preview/$(STACK).mmd \
		--export .preview/$(STACK).export.json

# What this checkout changes in STACK against BASE: the merge base of BASE and HEAD is previewed
# in a git worktree, then the working tree against it (.ci/review says how). Exit 1 when a
# policy fails or a change destroys data or an identity not accepted with --allow-replace.
review: .venv/.synced
	@if [ -z "$(BASE)" ]; then echo "usage: make review BASE=<git ref> [STACK=dev]" >&2; exit 2; fi
	UV="$(UV)" .ci/review "$(BASE)" "$(STACK)"

lint: .venv/.synced
	.venv/bin/ruff format --check .
	.venv/bin/ruff check .
	PATH="$(CURDIR)/.venv/bin:$$PATH" .venv/bin/actionlint
	.venv/bin/shellcheck .ci/run .ci/review

typecheck: .venv/.synced
	.venv/bin/pyright

unit: .venv/.synced node_modules/.installed
	.venv/bin/pytest

# pyright (single-threaded) and the tests run side by side on the two cores; the tests' output
# is held back and printed last, so their closing summary line ends the run.
test: lint .venv/.synced node_modules/.installed
	@log=$$(mktemp); .venv/bin/pytest >"$$log" 2>&1 & tests=$$!; \
	echo .venv/bin/pyright; .venv/bin/pyright; typed=$$?; \
	wait $$tests; passed=$$?; echo .venv/bin/pytest; cat "$$log"; rm -f "$$log"; \
	test $$typed -eq 0 && test $$passed -eq 0

# The stack's graph as a PNG, rendered by Mermaid in Debian's chromium (apt-get install chromium).
graph: preview node_modules/.installed
	node tests/mermaid/render-png.mjs .preview/$(STACK).mmd .preview/$(STACK).png

bench: .venv/.synced
	.venv/bin/python benchmarks/offline_preview_ratio.py
	.venv/bin/python benchmarks/pack_at_scale.py
	.venv/bin/python benchmarks/unknown_sweep.py
	.venv/bin/python benchmarks/review_at_scale.py

# After a reviewed change that replaces resources on purpose: rewrite tests/pins/*.json.
pins: .venv/.synced
	.venv/bin/python tests/pins.py

clean:
	rm -rf .venv .tools .preview
