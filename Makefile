# Parallel tool calls with LLM APIs — one entry point for learners, instructors and maintainers.
# `make lab` opens the course; `make test` runs the tests. Both create .venv on first use.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export PATH := $(abspath $(BIN)):$(PATH)
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: help install lab lab-instructor browser-deps test scenarios check-scenarios bench clean-venv

help:  ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)  ## Create .venv with everything the course needs

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

test: install browser-deps  ## Run every test (offline; fails loudly if anything touches the network)
	COURSE_REPLAY_TIME_SCALE=0 COURSE_CHROMIUM="$(CHROMIUM)" $(BIN)/python -m pytest -q

scenarios: install  ## Re-author every scenario recording from course/authoring
	$(BIN)/python -m course.authoring build

check-scenarios: install  ## Fail if a recording is out of date with its authoring module
	$(BIN)/python -m course.authoring check

bench: install  ## Replay cost per request vs a bare httpx2.MockTransport (target ratio <= 1.3)
	$(BIN)/python -m course.bench

clean-venv:  ## Remove the virtual environment
	rm -rf $(VENV)

-include autograder/instructor.mk
