# Parallel tool calls with LLM APIs — one entry point for learners, instructors and maintainers.
# `make lab` opens the course; `make test` runs the tests. Both create .venv on first use.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export PATH := $(abspath $(BIN)):$(PATH)
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: help install lab test scenarios check-scenarios bench clean-venv vendor-openapi

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

test: install  ## Run every test (offline; fails loudly if anything touches the network)
	COURSE_REPLAY_TIME_SCALE=0 $(BIN)/python -m pytest -q

scenarios: install  ## Re-author every scenario recording from course/authoring
	$(BIN)/python -m course.authoring build

check-scenarios: install  ## Fail if a recording is out of date with its authoring module
	$(BIN)/python -m course.authoring check

bench: install  ## Replay cost per request vs a bare httpx2.MockTransport (target ratio <= 1.3)
	$(BIN)/python -m course.bench

vendor-openapi: install  ## Re-vendor the OpenAPI schemas the tests validate against: make vendor-openapi SPEC=openapi.json
	@test -n "$(SPEC)" || { echo "usage: make vendor-openapi SPEC=path/to/openai-openapi.json (OpenAI's full spec)" >&2; exit 2; }
	$(BIN)/python -m course.authoring.openapi_subset "$(SPEC)"

clean-venv:  ## Remove the virtual environment
	rm -rf $(VENV)

-include autograder/instructor.mk
