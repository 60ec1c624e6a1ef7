# ddarts_mm: `make demo` runs the whole pipeline, `make test` the test suite.
# Both install what is missing first (scripts/install.sh; idempotent).
VENV ?= .venv
PY := $(VENV)/bin/python
STAGE ?= all
DEMO_ARGS ?=
PYTEST_ARGS ?=

.PHONY: install test test-fast demo lint clean-demo

install:
	@bash scripts/install.sh

test: install
	$(PY) -m pytest tests $(PYTEST_ARGS)

test-fast: install
	$(PY) -m pytest tests -m "not slow" $(PYTEST_ARGS)

demo: install
	$(PY) tools/demo.py --stage $(STAGE) $(DEMO_ARGS)

clean-demo:
	rm -rf work_dirs/demo
