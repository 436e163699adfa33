"""The ``>>>`` examples in ``course/`` docstrings run, offline, and print what they say they print.

Every module whose source holds ``>>> `` is collected (no list to keep up to date): a tour written with
``>>>`` is a doctest.  Usage that cannot run here (a shell command, a notebook-only widget, a file outside
the repository, a call that rewrites a tracked file) belongs in a plain ``::`` literal block instead.
"""

from __future__ import annotations

import doctest
import importlib
import io
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "course"
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = sorted(_module_name(p) for p in PACKAGE.rglob("*.py") if ">>> " in p.read_text(encoding="utf-8"))


def test_the_examples_are_found():
    assert "course.clients" in MODULES and "course.timeline" in MODULES, MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    tests = doctest.DocTestFinder().find(module, name)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report = io.StringIO()
    failed = attempted = 0
    for test in tests:
        result = runner.run(test, out=report.write)
        failed, attempted = failed + result.failed, attempted + result.attempted
    if attempted == 0:
        pytest.fail(f"{name}: its source holds '>>> ' but doctest finds no example in it; write the usage as a "
                    "'::' literal block or make the example a docstring doctest can reach", pytrace=False)
    if failed:
        pytest.fail(f"{name}: {failed} of {attempted} examples failed\n{report.getvalue()}",
                    pytrace=False)
