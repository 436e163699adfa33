# Parallel tool calls with LLM APIs — one entry point for learners, instructors and maintainers.
# `make lab` opens the course; `make test` runs the tests. Both create .venv on first use.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export PATH := $(abspath $(BIN)):$(PATH)
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: help install lock lab lab-instructor test sandbox-deps browser-deps scenarios check-scenarios rules-table bench mutants \
        clean-venv vendor-openapi site

help:  ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

# Exact versions for everyone: requirements.lock (make lock) is what gets installed, with uv when it can be had
# (the one on PATH, else UV_VERSION fetched into the venv by pip), with pip otherwise (or INSTALLER=pip).
LOCK        := requirements.lock
UV_VERSION  := 0.13.9
INSTALLER   ?= auto
# uv is on PATH (PATH starts with $(BIN)), or pip can fetch the pinned one into the venv
HAVE_UV      = test "$(INSTALLER)" != pip && { command -v uv >/dev/null 2>&1 || $(BIN)/python -m pip install "uv==$(UV_VERSION)"; }

$(STAMP): $(LOCK) pyproject.toml
	@echo "==> [1/3] Creating $(VENV) with $$($(PYTHON) --version)"
	$(PYTHON) -m venv $(VENV)
	@echo "==> [2/3] Installing the locked versions from $(LOCK) (the first run downloads them all)"
	@if $(HAVE_UV); then \
	  set -x; uv pip install --compile-bytecode --python $(BIN)/python -r $(LOCK) && uv pip install --python $(BIN)/python --no-deps -e .; \
	else \
	  echo "    installing with pip (slower): uv was not available, or INSTALLER=pip"; \
	  set -x; $(BIN)/python -m pip install -r $(LOCK) && $(BIN)/python -m pip install --no-deps -e .; \
	fi
	@echo "==> [3/3] Done: $(VENV) matches $(LOCK)"
	@touch $(STAMP)

install: $(STAMP)  ## Create .venv with the exact versions in requirements.lock

lock:  ## Re-resolve requirements.lock from pyproject.toml and regenerate environment.yml (LOCK_ARGS=--upgrade to move every pin forward)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/uv --version 2>/dev/null | grep -qx "uv $(UV_VERSION).*" || $(BIN)/python -m pip install "uv==$(UV_VERSION)"
	$(BIN)/uv pip compile pyproject.toml --extra test --extra site --universal --python-version $$($(PYTHON) -m course.conda_env --python-version) \
	  --custom-compile-command "make lock" -o $(LOCK) $(LOCK_ARGS)
	$(PYTHON) -m course.conda_env

# The learner's lab: repository root, README as the start page, no nbgrader UI, no news (.jupyter-learner/).
lab: install  ## Open the course in JupyterLab (offline, no keys), on the README
	JUPYTER_CONFIG_DIR="$(abspath .jupyter-learner)" $(BIN)/jupyter lab $(ROOT_FLAG)

lab-instructor: install  ## JupyterLab in autograder/ with nbgrader's UI (Formgrader, Create Assignment, Validate)
	cd autograder && $(abspath $(BIN))/jupyter lab $(ROOT_FLAG)

# The browser test (tests/test_browser.py) drives this Chromium through Playwright; never downloaded.
CHROMIUM ?= /usr/bin/chromium
browser-deps:  ## Debian's chromium for the browser test (installed with apt-get when run as root)
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && [ "$(CHROMIUM)" = /usr/bin/chromium ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian's chromium for the browser test (apt-get)..."; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium || exit 1; \
	  test -x "$(CHROMIUM)" || { echo "apt-get installed chromium but $(CHROMIUM) is missing"; exit 1; }; \
	else \
	  echo "The browser test needs Chromium at $(CHROMIUM). Install it with:"; \
	  echo "    sudo apt-get install -y chromium"; \
	  echo "(macOS or elsewhere: see README, 'The browser test'; then make test CHROMIUM=/path/to/chromium)"; \
	  exit 1; \
	fi

sandbox-deps:  ## bubblewrap for sandboxed grading (installed with apt-get when root on Linux; else says how)
	@command -v bwrap >/dev/null 2>&1 || { \
	  if [ "$$(uname)" = Linux ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing bubblewrap (sandboxed grading) with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap; \
	  else \
	    echo "The grading sandbox tests need bubblewrap. Run:  sudo apt-get install bubblewrap"; \
	    echo "(macOS: run the tests in a Linux container or on the course's Linux JupyterHub server)"; exit 2; \
	  fi; }

# Two pytest workers (pytest-xdist; each test file whole on one of them): TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
test: install sandbox-deps browser-deps  ## Run every test (offline; fails loudly if anything touches the network)
	COURSE_REPLAY_TIME_SCALE=0 COURSE_CHROMIUM="$(CHROMIUM)" $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

scenarios: install  ## Re-author every scenario recording from course/authoring
	$(BIN)/python -m course.authoring build

check-scenarios: install  ## Fail if a recording is out of date with its authoring module
	$(BIN)/python -m course.authoring check

mutants: install  ## Mutation table: per stated rule, a mutant of the solution and whether the visible check and the hidden tests catch it (MUTANTS_ARGS=--corpus adds the corpus mistakes)
	COURSE_REPLAY_TIME_SCALE=0 $(BIN)/python tests/mutants/run.py $(MUTANTS_ARGS)

rules-table: install  ## Rewrite README's table of emulated API refusals from course/protocol
	$(BIN)/python -m course.protocol readme README.md

bench: install  ## Replay cost per request vs a bare MockTransport (<= 1.3); each solution notebook vs its import floor (<= 1.5; LESSON=one, ROUNDS=5)
	$(BIN)/python -m course.bench $(if $(LESSON),--lesson $(LESSON)) $(if $(ROUNDS),--rounds $(ROUNDS))

vendor-openapi: install  ## Re-vendor the OpenAPI schemas the tests validate against: make vendor-openapi SPEC=openapi.json
	@test -n "$(SPEC)" || { echo "usage: make vendor-openapi SPEC=path/to/openai-openapi.json (OpenAI's full spec)" >&2; exit 2; }
	$(BIN)/python -m course.authoring.openapi_subset "$(SPEC)"

# The course site: Sphinx + MyST-NB + the Sphinx Book Theme, offline (course/instructor/site.py, site/).
# SITE_REPO_URL=https://github.com/owner/repo overrides repo_url in site/site.toml (the launch buttons).
SITE_REPO_URL ?=
site: install  ## Build the course site from the learner notebooks -> site/_build/html (set repo_url in site/site.toml)
	SITE_REPO_URL="$(SITE_REPO_URL)" COURSE_REPLAY_TIME_SCALE=0 $(BIN)/python -m course.instructor.site

clean-venv:  ## Remove the virtual environment
	rm -rf $(VENV)

-include autograder/instructor.mk
