"""What the grading fork server does before it forks kernels, and the bytecode each course copy carries.

- :mod:`course.instructor.rehearsal` plays the recordings through the real SDK clients over an in-memory
  transport: every endpoint and both stream modes, the response models' validators built, no thread left
  behind, no warning filter changed (a kernel still shows its own warnings).
- :func:`course.instructor.grading._bytecode`: a throwaway course copy imports from the parent's compiled
  bytecode, not by compiling its sources (a changed ``.pyc`` is a hostile case in tests/hostile).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from course.instructor import grading, rehearsal
from course.instructor.paths import package_dir
from course.recording import SCENARIO_DIR


def test_the_rehearsal_covers_every_endpoint_and_stream_mode() -> None:
    played = {(path, bool(body.get("stream"))) for path, body, _, _ in rehearsal._exchanges(SCENARIO_DIR)}
    recorded = set()
    for file in SCENARIO_DIR.glob("*.json"):
        for it in json.loads(file.read_text())["interactions"]:
            if it["response"]["status"] == 200:
                recorded.add((it["request"]["path"], bool(it["request"]["json"].get("stream"))))
    assert played == recorded and len(played) == 6


REHEARSE = """
import json, sys, threading, warnings
from anthropic.types import Message
from openai.types.chat import ChatCompletion
from openai.types.responses import Response
from pydantic._internal._mock_val_ser import MockValSer
from course.instructor import rehearsal
from course.recording import SCENARIO_DIR

def built():
    return [not isinstance(m.__dict__.get("__pydantic_validator__"), MockValSer) for m in (ChatCompletion, Response, Message)]

before, filters = built(), list(warnings.filters)
done = rehearsal.rehearse(SCENARIO_DIR)
print(json.dumps({"before": before, "after": built(), "done": done, "expected": 2 * len(rehearsal._exchanges(SCENARIO_DIR)),
                  "threads": threading.active_count(), "filters": warnings.filters == filters}))
"""


def test_the_rehearsal_builds_the_models_a_lesson_parses_and_leaves_no_trace() -> None:
    """In a fresh interpreter (as in the fork server): the response models are built lazily (defer_build) by
    their first parse, so before the rehearsal they are not, after it they are."""
    run = subprocess.run([sys.executable, "-c", REHEARSE], capture_output=True, text=True, check=True)
    got = json.loads(run.stdout.splitlines()[-1])
    assert got["before"] == [False] * 3 and got["after"] == [True] * 3, got
    assert got["done"] == got["expected"], "every exchange plays, sync and async"
    assert got["threads"] == 1 and got["filters"], got


def test_a_course_copy_imports_from_the_parents_bytecode(tmp_path: Path) -> None:
    source = grading._read_tree(package_dir())
    compiled = grading._bytecode(source)
    assert len(compiled) == sum(rel.endswith(".py") for rel in source)
    grading._write_tree({**source, **compiled}, tmp_path / "course")
    run = subprocess.run([sys.executable, "-v", "-c", "import course.grading.fanout, course.tools"], cwd=tmp_path,
                         capture_output=True, text=True, check=True)
    loaded = [line for line in run.stderr.splitlines() if line.startswith("# code object from") and str(tmp_path) in line]
    assert loaded and all("__pycache__" in line for line in loaded), run.stderr[-2000:]
    assert not grading._read_tree(tmp_path / "course", caches=True).keys() - {**source, **compiled}.keys()
