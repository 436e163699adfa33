# Parallel tool calls with LLM APIs — one entry point for learners, instructors and maintainers.
# `make lab` opens the course; `make test` runs the tests. Both create .venv on first use.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export PATH := $(abspath $(BIN)):$(PATH)
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: help install lab test sandbox-deps scenarios check-scenarios rules-table bench clean-venv

help:  ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)  ## Create .venv with everything the course needs

lab: install  ## Open the course in JupyterLab (offline, no keys)
	$(BIN)/jupyter lab $(ROOT_FLAG) notebooks/

sandbox-deps:  ## bubblewrap for sandboxed grading (installed with apt-get when root on Linux; else says how)
	@command -v bwrap >/dev/null 2>&1 || { \
	  if [ "$$(uname)" = Linux ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing bubblewrap (sandboxed grading) with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap; \
	  else \
	    echo "The grading sandbox tests need bubblewrap. Run:  sudo apt-get install bubblewrap"; \
	    echo "(macOS: run the tests in a Linux container or on the course's Linux JupyterHub server)"; exit 2; \
	  fi; }

test: install sandbox-deps  ## Run every test (offline; fails loudly if anything touches the network)
	COURSE_REPLAY_TIME_SCALE=0 $(BIN)/python -m pytest -q

scenarios: install  ## Re-author every scenario recording from course/authoring
	$(BIN)/python -m course.authoring build

check-scenarios: install  ## Fail if a recording is out of date with its authoring module
	$(BIN)/python -m course.authoring check

rules-table: install  ## Rewrite README's table of emulated API refusals from course/protocol
	$(BIN)/python -m course.protocol readme README.md

bench: install  ## Replay cost per request vs a bare httpx2.MockTransport (target ratio <= 1.3)
	$(BIN)/python -m course.bench

clean-venv:  ## Remove the virtual environment
	rm -rf $(VENV)

-include autograder/instructor.mk
