# keepwise: `make demo` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
KW := $(VENV)/bin/keepwise
LOCK := requirements/lock.txt
# Everything keepwise can use: the product's extras, Spark, the benchmark baselines and the test tools.
EXTRAS := all,spark,bench,dev
UV_VERSION := 0.13.9
comma := ,
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | sha1sum | cut -c1-12)
ARGS ?=
PYTEST_ARGS ?=

export SPARK_LOCAL_IP ?= 127.0.0.1
export PYSPARK_PYTHON ?= $(abspath $(PY))

.PHONY: help venv lock sysdeps demo test bench lint typecheck clean

help:
	@echo "make demo [ARGS=--no-serve]   build the demo company (and serve the dashboard)"
	@echo "make test                     run the test suite (CI=true: nothing may skip)"
	@echo "make bench                    run the benchmarks against their baselines"
	@echo "make lint                     ruff (lint and format) and mypy --strict"
	@echo "make lock [ARGS=...]          refresh requirements/lock.txt (see requirements/README.md)"

# Installs the exact versions pinned in $(LOCK) (pip constraints), never whatever is newest today.
$(STAMP): pyproject.toml $(LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c $(LOCK) -e '.[$(EXTRAS)]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

venv: $(STAMP)

# Re-resolve the pins: every package to its newest release allowed by pyproject.toml, unless ARGS
# says otherwise (e.g. ARGS="--upgrade-package scikit-learn"). Then run `make test`.
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet 'uv==$(UV_VERSION)'
	$(VENV)/bin/uv pip compile pyproject.toml $(foreach e,$(subst $(comma), ,$(EXTRAS)),--extra $(e)) \
	  --universal --python-version 3.11 --no-header $(or $(ARGS),--upgrade) -o $(LOCK)

# Debian packages the tests need (Java for Spark, Chromium and CJK fonts for browser tests).
sysdeps:
	@missing=""; \
	command -v java >/dev/null || missing="$$missing openjdk-17-jre-headless"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -qi 'WenQuanYi Micro Hei' || missing="$$missing fonts-wqy-microhei"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

demo: $(STAMP)
	$(KW) demo $(ARGS)

test: $(STAMP) sysdeps
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m benchmarks $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy

typecheck: $(STAMP)
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
