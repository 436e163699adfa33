#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu; see "Autograder
# Specifications", https://gradescope-autograders.readthedocs.io/en/latest/specs/).  It makes
# $GRADESCOPE_ROOT/venv with the exact versions in requirements.lock, then checks the bundle.
#
# Idempotent, and testable by environment:
#   GRADESCOPE_ROOT=dir   the /autograder folder (default /autograder)
#   COURSE_PYTHON=path    an interpreter that already has requirements.lock installed: skip apt and pip
#                         (the tests use the project's .venv)
#   SETUP_APT=0           skip apt-get (the image already has python3 and python3-venv)
set -euo pipefail
ROOT="${GRADESCOPE_ROOT:-/autograder}"
SRC="$ROOT/source"
UV_VERSION=0.13.9          # the Makefile's UV_VERSION
PYTHON_VERSION=3.12        # requirements.lock is resolved for >= 3.11; uv fetches this if the image lacks it

if [ -z "${COURSE_PYTHON:-}" ]; then
  if [ "${SETUP_APT:-1}" != 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv ca-certificates
  fi
  if [ ! -x "$ROOT/venv/bin/python" ]; then
    python3 -m venv "$ROOT/uv-bootstrap"
    "$ROOT/uv-bootstrap/bin/pip" install -q "uv==$UV_VERSION"
    "$ROOT/uv-bootstrap/bin/uv" venv --python "$PYTHON_VERSION" "$ROOT/venv"
    "$ROOT/uv-bootstrap/bin/uv" pip install --python "$ROOT/venv/bin/python" -r "$SRC/requirements.lock"
  fi
  COURSE_PYTHON="$ROOT/venv/bin/python"
fi

# The bundle must be complete and importable before any learner submits.
PATH="$(dirname "$COURSE_PYTHON"):$PATH" PYTHONPATH="$SRC" \
  "$COURSE_PYTHON" -m course.instructor gradescope-check --gradescope-root "$ROOT"
