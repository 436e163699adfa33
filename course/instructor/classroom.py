"""GitHub Classroom: run the *visible* checks of learner notebooks and say which exercise fails.

A learner's repository holds everything the workflow runs, so it cannot hold hidden tests: the workflow
template (``autograder/classroom/classroom.yml``) calls ``python -m course.instructor classroom`` on the
learner's notebooks, which executes each one as saved (offline, ``COURSE_REPLAY_TIME_SCALE=0``, with
nbclient) and reads the checks that are already in it.

API:

- :func:`check_notebook`: execute one notebook (a copy in memory; the file is never rewritten) and return
  its :class:`Exercise` results, one per test cell, in order.
- :func:`main`: print a per-exercise summary for each notebook and the first exercise not written yet;
  return 0 if every check passes, 1 otherwise (the workflow step fails).

An exercise is named after the answer cells (``grade_id``) just above its test cell; it is *unwritten*
when its check stops on ``NotImplementedError`` (the stub) or says "is not written yet"
(:func:`course.grading.unwritten.reports_unwritten`).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import nbformat

from .paths import grade_id, repo_root


@dataclass
class Exercise:
    """One test cell of a notebook and what its visible checks said."""

    name: str
    test: str
    passed: bool
    message: str = ""

    @property
    def unwritten(self) -> bool:
        return not self.passed and ("NotImplementedError" in self.message or "is not written yet" in self.message)


def _is_test(cell: nbformat.NotebookNode) -> bool:
    m = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and bool(m.get("grade")) and not m.get("solution")


def _is_answer(cell: nbformat.NotebookNode) -> bool:
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))


def _message(out: dict) -> str:
    ename, evalue = str(out.get("ename", "Error")), str(out.get("evalue", "")).strip()
    if ename == "AssertionError":
        return evalue or "a check failed (it has no message)"
    return f"{ename}: {evalue}" if evalue else ename


def check_notebook(path: Path, timeout: int = 120) -> list[Exercise]:
    """Execute ``path`` and return one :class:`Exercise` per test cell (raises ``ValueError`` if the file
    is not a notebook or has no checks)."""
    from course.kernel_channels import SteadyNotebookClient as NotebookClient

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001 - any parse failure is reported with the file's name
        raise ValueError(f"{path}: not a readable notebook ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})")
    if not any(_is_test(c) for c in nb.cells):
        raise ValueError(f"{path}: no graded check cells (nbgrader metadata) in this notebook")
    os.environ["COURSE_REPLAY_TIME_SCALE"] = "0"      # the kernel inherits it: replays run at full speed
    kernel = nb.metadata.get("kernelspec", {}).get("name", "python3")
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel, allow_errors=True,
                            resources={"metadata": {"path": str(path.resolve().parent)}})
    client.execute()
    exercises: list[Exercise] = []
    answers: list[str] = []
    for cell in nb.cells:
        if _is_answer(cell):
            answers.append(grade_id(cell))
        elif _is_test(cell):
            err = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)
            exercises.append(Exercise(", ".join(answers) or grade_id(cell), grade_id(cell), err is None,
                                      _message(err) if err else ""))
            answers = []
    return exercises


def main(paths: list[Path], timeout: int = 120, out: TextIO | None = None) -> int:
    """Check ``paths`` (default: ``notebooks/*.ipynb``); print the summary; 0 if all pass, else 1."""
    out = out or sys.stdout
    paths = paths or sorted((repo_root() / "notebooks").glob("*.ipynb"))
    if not paths:
        print("classroom: no notebooks given and none in notebooks/", file=out)
        return 1
    failing, total, first_unwritten, broken = 0, 0, "", 0
    for path in paths:
        print(path.name, file=out, flush=True)
        try:
            exercises = check_notebook(path, timeout)
        except (ValueError, OSError) as exc:
            print(f"  ERROR {exc}", file=out)
            broken += 1
            continue
        except Exception as exc:  # noqa: BLE001 - e.g. a cell over the timeout, or the kernel died
            print(f"  ERROR {path.name} could not be run: {type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}",
                  file=out)
            broken += 1
            continue
        for ex in exercises:
            total += 1
            if ex.passed:
                print(f"  ok    {ex.name}", file=out)
                continue
            failing += 1
            tag = "TODO " if ex.unwritten else "FAIL "
            message = ex.message.replace("\n", "\n        ")
            print(f"  {tag} {ex.name} ({ex.test}): {message}", file=out)
            if ex.unwritten and not first_unwritten:
                first_unwritten = f"{path.stem}/{ex.name}"
    summary = f"classroom: {total - failing}/{total} exercise(s) pass their visible checks in {len(paths)} notebook(s)"
    if broken:
        summary += f"; {broken} notebook(s) could not be checked"
    if first_unwritten:
        summary += f"; first exercise not written yet: {first_unwritten}"
    print(summary, file=out)
    print("(hidden tests are not run here: your instructor grades them separately)", file=out)
    return 1 if failing or broken else 0
