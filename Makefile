# ddarts_mm: `make demo` runs the whole pipeline, `make test` the test suite,
# `make lint` ruff over the whole tree (rules in pyproject.toml). All install
# what is missing first (scripts/install.sh; idempotent).
VENV ?= .venv
PY := $(VENV)/bin/python
STAGE ?= all
DEMO_ARGS ?=
PYTEST_ARGS ?=
LINT_ARGS ?=
# The tests run on every core (pytest-xdist; at most 4 workers, each test
# at one torch thread); PYTEST_WORKERS=0 runs them in one process.
# --dist loadscope keeps a module's tests, and the fixtures they share,
# on one worker.
PYTEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt 4 ] && n=4; echo $$n)
XDIST := -n $(PYTEST_WORKERS) --dist loadscope

.PHONY: install test test-fast demo lint clean-demo

install:
	@bash scripts/install.sh

test: install
	$(PY) -m pytest tests $(XDIST) $(PYTEST_ARGS)

test-fast: install
	$(PY) -m pytest tests -m "not slow" $(XDIST) $(PYTEST_ARGS)

demo: install
	$(PY) tools/demo.py --stage $(STAGE) $(DEMO_ARGS)

# ruff over every Python file (rules in pyproject.toml; .gitignore'd paths
# such as .venv and work_dirs are skipped). It reports and changes nothing;
# `make lint LINT_ARGS=--statistics` counts the violations by rule.
lint: install
	$(PY) -m ruff check $(LINT_ARGS) .

clean-demo:
	rm -rf work_dirs/demo
