"""Gradescope: an autograder bundle per lesson, and the grader that runs inside it.

Gradescope's "Autograder Specifications" (https://gradescope-autograders.readthedocs.io/en/latest/specs/):
the uploaded zip holds ``setup.sh`` (run once, as root, when the image is built) and ``run_autograder``
(run for every submission, working directory ``/autograder``); the zip is unpacked into
``/autograder/source``, the learner's files arrive in ``/autograder/submission``, and ``run_autograder``
must write ``/autograder/results/results.json`` (top-level ``score``/``output``/``stdout_visibility``,
``tests`` with ``score``, ``max_score``, ``name``, ``output``, ``visibility``).  The schema we validate
against is ``autograder/gradescope/results.schema.json``.

API:

- :func:`build` (``make gradescope [LESSON=NN-name]``): ``dist/gradescope/<lesson>.zip`` with
  ``setup.sh``, ``run_autograder``, ``gradescope.json`` (the lesson), ``pyproject.toml``,
  ``requirements.lock``, the ``course`` package, and ``autograder/`` = ``nbgrader_config.py``, a gradebook
  made by ``nbgrader generate_assignment`` (test cells with their hidden parts; answer cells are stubs)
  and ``source/<lesson>/`` with the *learner* notebook in place of the master.  No solution is shipped.
- :func:`run` (what ``run_autograder`` calls, ``python -m course.instructor gradescope-run``): finds
  ``<lesson>.ipynb`` anywhere under the submission folder, grades it with :func:`grading.grade`
  (``sandboxed=False``: Gradescope runs each submission in its own container) in a throwaway copy of the
  bundle's course root, and writes ``results.json`` (:func:`results`).  ``GRADESCOPE_ROOT`` (default
  ``/autograder``) moves the whole layout, which is how the tests run it in a temporary folder.
- :func:`results`: one Gradescope test per graded cell.  A cell without hidden tests is one ``visible``
  test.  A cell with hidden tests becomes two: ``<grade_id>: visible checks`` (0 points, ``visible``,
  passed or failed by where the cell stopped: the learner already has these checks) and ``<grade_id>``
  (the cell's points, ``after_due_date``).  ``output`` is the teaching message only (the assertion's
  text, never a traceback, which would quote hidden lines).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from . import grading, nbg
from .paths import Layout, grade_id, package_dir, repo_root

TEMPLATES = Path(__file__).resolve().parents[2] / "autograder" / "gradescope"
SCHEMA_NAME = "results.schema.json"
STUDENT = "learner"
HIDDEN_BEGIN = "BEGIN HIDDEN TESTS"
SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints", "__MACOSX"}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_CELL_LINE = re.compile(r"Cell In\[\d+\], line (\d+)")


class BundleError(RuntimeError):
    """The bundle cannot be built or is incomplete (names the missing file)."""


# --------------------------------------------------------------------------------------------- build

def _zip_tree(zf: zipfile.ZipFile, src: Path, arc: str) -> None:
    for p in sorted(src.rglob("*")):
        rel = p.relative_to(src)
        if p.is_file() and not p.is_symlink() and not any(part in SKIP_PARTS for part in rel.parts) \
                and p.suffix != ".pyc":
            zf.write(p, f"{arc}/{rel.as_posix()}")


def _script(zf: zipfile.ZipFile, path: Path, arc: str) -> None:
    info = zipfile.ZipInfo(arc, date_time=time.localtime(path.stat().st_mtime)[:6])
    info.external_attr = 0o100755 << 16          # executable once unzipped
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, path.read_bytes())


def build(layout: Layout, lesson: str, out_dir: Path) -> Path:
    """Write ``out_dir/<lesson>.zip`` (see the module docstring) and return its path."""
    master = layout.master(lesson)
    if not master.is_file():
        raise BundleError(f"no master notebook {master}")
    repo = repo_root()
    for needed in (TEMPLATES / "setup.sh", TEMPLATES / "run_autograder", repo / "pyproject.toml",
                   repo / "requirements.lock", layout.config):
        if not needed.is_file():
            raise BundleError(f"cannot build the Gradescope bundle: {needed} is missing")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gradescope-build-") as tmp:
        root = Path(tmp) / "autograder"
        (root / "source").mkdir(parents=True)
        shutil.copy2(layout.config, root / "nbgrader_config.py")
        shutil.copytree(layout.source / lesson, root / "source" / lesson,
                        ignore=shutil.ignore_patterns(*SKIP_PARTS))
        nbg.run(["generate_assignment", lesson, "--force"], root, quiet=True)   # gradebook + learner notebook
        released = root / "release" / lesson / f"{lesson}.ipynb"
        shutil.copy2(released, root / "source" / lesson / f"{lesson}.ipynb")     # the master stays out
        out = out_dir / f"{lesson}.zip"
        part = out.with_suffix(".zip.part")
        with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as zf:
            _script(zf, TEMPLATES / "setup.sh", "setup.sh")
            _script(zf, TEMPLATES / "run_autograder", "run_autograder")
            zf.writestr("gradescope.json", json.dumps({"lesson": lesson}, indent=1) + "\n")
            zf.write(repo / "pyproject.toml", "pyproject.toml")
            zf.write(repo / "requirements.lock", "requirements.lock")
            _zip_tree(zf, package_dir(), "course")
            zf.write(root / "nbgrader_config.py", "autograder/nbgrader_config.py")
            zf.write(root / "gradebook.db", "autograder/gradebook.db")
            _zip_tree(zf, root / "source" / lesson, f"autograder/source/{lesson}")
        part.replace(out)
    return out


# ----------------------------------------------------------------------------------------------- run

@dataclass(frozen=True)
class TestCell:
    """A graded cell as the bundle's gradebook knows it."""

    grade_id: str
    points: float
    hidden: bool          # has a ``BEGIN HIDDEN TESTS`` region
    hidden_line: int      # 1-based line of that marker (0 if none)


def test_cells(course_root: Path, lesson: str) -> list[TestCell]:
    """The lesson's auto-graded test cells, in notebook order, from the gradebook in ``course_root``."""
    from nbgrader.api import Gradebook

    order = [grade_id(c) for c in nbformat.read(course_root / "source" / lesson / f"{lesson}.ipynb",
                                                 as_version=4).cells if grade_id(c)]
    with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}") as gb:
        nb = gb.find_notebook(lesson, lesson)
        sources = {c.name: c.source for c in nb.source_cells}
        solutions = {c.name for c in nb.solution_cells}
        cells = []
        for g in nb.grade_cells:
            if g.name in solutions or g.cell_type != "code":
                continue
            lines = sources.get(g.name, "").splitlines()
            mark = next((i + 1 for i, line in enumerate(lines) if HIDDEN_BEGIN in line), 0)
            cells.append(TestCell(g.name, float(g.max_score), mark > 0, mark))
    return sorted(cells, key=lambda c: order.index(c.grade_id) if c.grade_id in order else len(order))


def teaching_message(error: dict[str, Any]) -> str:
    """What a learner is told about a failed check: the assertion's text, or ``<Error>: <text>``."""
    ename, evalue = str(error.get("ename", "Error")), str(error.get("evalue", "")).strip()
    if ename == "AssertionError":
        return evalue or "a check failed (it has no message)"
    return f"{ename}: {evalue}" if evalue else ename


def failed_line(error: dict[str, Any]) -> int | None:
    """The line of the test cell where it stopped (from IPython's ``Cell In[n], line N``), if shown."""
    for entry in error.get("traceback", []):
        m = _CELL_LINE.search(_ANSI.sub("", str(entry)))
        if m:
            return int(m.group(1))
    return None


def _errors(nb: nbformat.NotebookNode) -> dict[str, dict[str, Any]]:
    return {grade_id(c): o for c in nb.cells if grade_id(c)
            for o in c.get("outputs", []) if o.get("output_type") == "error"}


def results(cells: list[TestCell], scores: dict[str, float | None], executed: nbformat.NotebookNode | None,
            problem: str = "") -> dict[str, Any]:
    """``results.json`` for one submission.  ``problem`` (not graded: why) scores every test 0."""
    errors = _errors(executed) if executed is not None else {}
    tests: list[dict[str, Any]] = []
    total = 0.0
    lines = []
    for cell in cells:
        score = 0.0 if problem else float(scores.get(cell.grade_id) or 0.0)
        total += score
        err = errors.get(cell.grade_id)
        message = problem or (teaching_message(err) if err else "")
        passed = not problem and err is None and score >= cell.points
        if cell.hidden:
            where = failed_line(err) if err else None
            if problem:
                vis_ok, vis_msg = False, problem
            elif err is None:
                vis_ok, vis_msg = True, ""
            elif where is not None and where > cell.hidden_line:
                vis_ok, vis_msg = True, ""           # stopped in the hidden part: the visible checks passed
            elif where is not None:
                vis_ok, vis_msg = False, message
            else:
                vis_ok, vis_msg = False, f"the checks did not run to the end ({err.get('ename', 'Error')})"
            tests.append({"name": f"{cell.grade_id}: visible checks", "score": 0.0, "max_score": 0.0,
                          "status": "passed" if vis_ok else "failed", "visibility": "visible",
                          "output": vis_msg or "the checks you can see in your notebook pass"})
            lines.append(f"{cell.grade_id}: visible checks {'pass' if vis_ok else 'FAIL'}"
                         + (f" ({vis_msg})" if vis_msg else "") + "; hidden tests: after the due date")
        tests.append({"name": cell.grade_id, "score": score, "max_score": cell.points,
                      "status": "passed" if passed else "failed",
                      "visibility": "after_due_date" if cell.hidden else "visible",
                      "output": message or "passed"})
        if not cell.hidden:
            lines.append(f"{cell.grade_id}: {'pass' if passed else 'FAIL'}" + (f" ({message})" if message else ""))
    head = f"Not graded: {problem}" if problem else "Graded with the course's nbgrader pipeline."
    return {"score": total, "output": "\n".join([head, *lines]), "stdout_visibility": "hidden", "tests": tests}


def find_notebook(submission: Path, lesson: str) -> Path:
    """The shallowest ``<lesson>.ipynb`` under ``submission`` (checkpoints and ``__MACOSX`` skipped)."""
    name = f"{lesson}.ipynb"
    found = sorted((p for p in submission.rglob(name)
                    if not any(part in SKIP_PARTS for part in p.relative_to(submission).parts)),
                   key=lambda p: (len(p.parts), str(p)))
    if not found:
        others = sorted(p.relative_to(submission).as_posix() for p in submission.rglob("*.ipynb"))[:5]
        raise FileNotFoundError(f"no notebook named {name} in your submission"
                                + (f" (found: {', '.join(others)}); rename yours to {name}" if others
                                   else f"; upload {name}"))
    return found[0]


def _write(out: Path, data: dict[str, Any]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def run(gs_root: Path) -> dict[str, Any]:
    """Grade ``gs_root/submission`` against the bundle in ``gs_root/source``; write and return the results."""
    source, out = gs_root / "source", gs_root / "results" / "results.json"
    meta = source / "gradescope.json"
    if not meta.is_file():
        raise BundleError(f"{meta} is missing: the autograder zip was not built by `make gradescope`")
    lesson = json.loads(meta.read_text())["lesson"]
    cells = test_cells(source / "autograder", lesson)
    try:
        found = find_notebook(gs_root / "submission", lesson)
    except FileNotFoundError as exc:
        data = results(cells, {}, None, problem=str(exc))
        _write(out, data)
        return data
    with tempfile.TemporaryDirectory(prefix="gradescope-run-") as tmp:
        root = Path(tmp) / "course"
        shutil.copytree(source / "autograder", root)
        dest = root / "submitted" / STUDENT / lesson / f"{lesson}.ipynb"
        dest.parent.mkdir(parents=True)
        try:
            dest.write_bytes(grading.read_regular(found, grading.MAX_FILE))
        except grading.Rejected as exc:
            data = results(cells, {}, None, problem=str(exc))
            _write(out, data)
            return data
        layout = Layout(root=root, notebooks=Path(tmp) / "nb", solutions=Path(tmp) / "sol")
        job = grading.Job(STUDENT, lesson)
        grading.grade(layout, [job], workers=1, sandboxed=False, warm=False,   # one kernel: a warm server costs more
                      limit_s=float(os.environ.get("GRADESCOPE_LIMIT", "600")))
        executed_path = root / "autograded" / STUDENT / lesson / f"{lesson}.ipynb"
        if job.status == "graded" and executed_path.is_file():
            data = results(cells, job.scores, nbformat.read(executed_path, as_version=4))
        else:
            reason = job.reason.split("; see ")[0] or job.status
            data = results(cells, {}, None, problem=f"{job.status}: {reason}")
    _write(out, data)
    return data


def check(gs_root: Path) -> str:
    """What ``setup.sh`` verifies once the image is built: the bundle is complete and its lesson's test
    cells load from the gradebook (raises :class:`BundleError` naming what is missing)."""
    source = gs_root / "source"
    for rel in ("gradescope.json", "autograder/nbgrader_config.py", "autograder/gradebook.db", "course/__init__.py"):
        if not (source / rel).is_file():
            raise BundleError(f"{source / rel} is missing: rebuild the zip with `make gradescope`")
    lesson = json.loads((source / "gradescope.json").read_text())["lesson"]
    if not (source / "autograder" / "source" / lesson / f"{lesson}.ipynb").is_file():
        raise BundleError(f"the bundle has no autograder/source/{lesson}/{lesson}.ipynb")
    cells = test_cells(source / "autograder", lesson)
    if not cells:
        raise BundleError(f"the bundle's gradebook has no test cells for {lesson}")
    return f"{lesson}: {len(cells)} graded cell(s), {sum(c.points for c in cells):g} point(s)"


def main(gs_root: Path | None = None) -> int:
    """``run_autograder``'s entry point: always leaves a ``results.json`` (an internal error scores 0)."""
    root = gs_root or Path(os.environ.get("GRADESCOPE_ROOT", "/autograder"))
    try:
        data = run(root)
    except Exception as exc:  # noqa: BLE001 - Gradescope needs a results.json whatever happened
        traceback.print_exc()
        data = {"score": 0.0, "stdout_visibility": "hidden", "tests": [],
                "output": f"The autograder itself failed ({type(exc).__name__}); your instructor can see why "
                          "in the autograder output. This is not a judgement of your work."}
        _write(root / "results" / "results.json", data)
        return 1
    print(json.dumps({"score": data["score"], "tests": [(t["name"], t["score"], t["max_score"])
                                                        for t in data["tests"]]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
