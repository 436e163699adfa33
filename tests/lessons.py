"""Shared helpers for the lesson tests: read a master, execute a solution notebook, read scores, load a corpus.

Notebooks run top to bottom with nbclient and ``COURSE_REPLAY_TIME_SCALE=0``, the way nbgrader executes
them; a graded cell's score is nbgrader's own ``determine_grade`` (an error or any stderr scores 0).
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path
from types import ModuleType

import nbformat
from course.kernel_channels import SteadyNotebookClient as NotebookClient
from nbgrader.utils import determine_grade, is_grade, is_solution

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "autograder" / "source"
SOLUTIONS = ROOT / "solutions"
LESSONS = sorted(p.name for p in SOURCE.iterdir() if (p / f"{p.name}.ipynb").is_file())


def master_path(lesson: str) -> Path:
    return SOURCE / lesson / f"{lesson}.ipynb"


def read_master(lesson: str) -> nbformat.NotebookNode:
    return nbformat.read(master_path(lesson), as_version=4)


def grade_id(cell: nbformat.NotebookNode) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def graded_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The autograded test cells (graded, not a solution cell)."""
    return [c for c in nb.cells if is_grade(c) and not is_solution(c)]


def solution_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if is_solution(c)]


def scores(nb: nbformat.NotebookNode) -> dict[str, tuple[float, float]]:
    """``grade_id -> (score, max_score)`` as nbgrader would record them."""
    return {grade_id(c): tuple(determine_grade(c)) for c in graded_cells(nb)}


def failure_text(cell: nbformat.NotebookNode) -> str:
    """A cell's errors and stream output, one line per output."""
    return "\n".join(f"{o.get('ename')}: {o.get('evalue')}" if o.output_type == "error" else str(o.get("text", ""))
                     for o in cell.get("outputs", []) if o.output_type in ("error", "stream"))


def problems(nb: nbformat.NotebookNode) -> list[tuple[int, str]]:
    """Every code cell that raised or wrote to stderr, with what it said."""
    return [(i, failure_text(c)) for i, c in enumerate(nb.cells) if c.cell_type == "code"
            if any(o.output_type == "error" or o.get("name") == "stderr" for o in c.get("outputs", []))]


def mimetypes(nb: nbformat.NotebookNode) -> list[str]:
    """The rich output types a notebook displayed, one entry per output."""
    return [m for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) for m in o.get("data", {})]


def printed(nb: nbformat.NotebookNode) -> str:
    """Everything the notebook's code cells printed."""
    return "\n".join(str(o.get("text", "")) for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


@lru_cache(maxsize=None)
def executed(lesson: str) -> nbformat.NotebookNode:
    """``solutions/<lesson>.ipynb`` (the master without its hidden tests), executed offline once per test
    session: no keys, grading time scale, in the folder a learner would open it from."""
    os.environ["COURSE_REPLAY_TIME_SCALE"] = "0"
    os.environ.pop("COURSE_MODE", None)
    path = SOLUTIONS / f"{lesson}.ipynb"
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


@lru_cache(maxsize=None)
def corpus(lesson: str) -> ModuleType:
    """``tests/corpus/NN_name.py`` for a lesson (format in tests/corpus/README.md)."""
    (path,) = [p for p in (ROOT / "tests" / "corpus").glob(f"{lesson[:2]}_*.py")]
    spec = importlib.util.spec_from_file_location(f"corpus_{path.stem}", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.LESSON == lesson, f"{path.name}: LESSON is {mod.LESSON!r}, expected {lesson!r}"
    return mod
