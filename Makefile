# Alliance Review. `make report` builds the sample review, `make test` runs every test;
# each creates the pinned environment (.venv, from uv.lock) first if it is missing.
UV_VERSION := 0.13.9
VENV := .venv
UV := $(VENV)/bin/uv
SYNCED := $(VENV)/.synced-$(shell sha256sum uv.lock | cut -c1-16)

.PHONY: env report test bench bench-render clean

env: $(SYNCED)

# The environment is made from python3, which must be Python 3.11 (uv.lock is resolved for it).
$(UV):
	@python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { echo "make: python3 is $$(python3 --version 2>&1 || echo missing); this project needs Python 3.11 as python3 (install it, e.g. apt-get install python3.11, and put it first on the PATH)." >&2; exit 1; }
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(SYNCED): uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --quiet --compile-bytecode
	rm -f $(VENV)/.synced-*
	touch $@

# The 2025 review first, so the 2026 review's "since the last review" compares with it.
report: $(SYNCED)
	$(VENV)/bin/review build --inputs inputs/2025
	$(VENV)/bin/review build
	@echo "To read the report with its search: $(VENV)/bin/review serve outputs/2026/public  (then open the address it prints)"

# The layer contract first (pyproject.toml [tool.importlinter]: each stage imports only the
# stages below it), then the test files in parallel (pytest-xdist), a file's tests in one worker so that its
# fixtures (a build of the sample, two cycles) are made once: about 11 minutes on 2 cores.
test: $(SYNCED)
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/python -m pytest --numprocesses auto --maxprocesses 4 --dist loadfile --durations 15

bench: $(SYNCED)
	$(VENV)/bin/python bench/run.py

# Each renderer's HTML and PDF render of the sample book (Quarto where it is on the PATH).
bench-render: $(SYNCED)
	$(VENV)/bin/python bench/render.py

# Removes every build (outputs/<year>/) and the cache (outputs/.cache/); keeps .venv and the inputs.
clean:
	rm -rf outputs/[0-9]* outputs/.cache
