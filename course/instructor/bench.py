"""``make bench-grade``: cost per submission of grading a real lesson against nbgrader's own floor.

In one run, in a temporary copy of the course root, grade ``n`` copies of the solution submission of a
real lesson, then ``n`` copies of an empty one-cell notebook, both through the same pipeline
(:func:`course.instructor.grading.grade`, same workers).  The ratio of the per-submission wall times is
what the lesson itself costs on top of nbgrader (target: at most 1.5).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from . import grading, nbg, submissions
from .paths import Layout

EMPTY = "00-empty"


def _empty_master() -> nbformat.NotebookNode:
    cell = new_code_cell("pass")
    cell.metadata["nbgrader"] = {"grade": False, "grade_id": "only", "locked": True, "schema_version": 3,
                                 "solution": False, "task": False}
    nb = new_notebook(cells=[cell])
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    return nb


def _timed(layout: Layout, lesson: str, n: int, jobs: int | None) -> tuple[float, list[grading.Job]]:
    t = time.perf_counter()
    done = grading.grade(layout, [grading.Job(f"{lesson}-{i:03d}", lesson) for i in range(n)], workers=jobs)
    return time.perf_counter() - t, done


def main(layout: Layout, n: int = 8, lesson: str | None = None, jobs: int | None = None) -> int:
    lesson = lesson or next(iter(layout.lessons()), None)
    if lesson is None:
        raise SystemExit("bench-grade: no lesson master in autograder/source")
    nbg.ensure_path()
    with tempfile.TemporaryDirectory(prefix="course-bench-") as tmp:
        root = Path(tmp) / "course"
        (root / "source" / EMPTY).mkdir(parents=True)
        shutil.copy2(layout.config, root / "nbgrader_config.py")
        shutil.copytree(layout.source / lesson, root / "source" / lesson)
        nbformat.write(_empty_master(), root / "source" / EMPTY / f"{EMPTY}.ipynb")
        bench = Layout(root=root, notebooks=root / "nb", solutions=root / "sol")
        real_nb = submissions.build(bench, lesson)
        for i in range(n):
            submissions.write(real_nb, root / "submitted" / f"{lesson}-{i:03d}" / lesson, lesson)
            submissions.write(_empty_master(), root / "submitted" / f"{EMPTY}-{i:03d}" / EMPTY, EMPTY)
        t = time.perf_counter()
        grading.ensure_assignments(bench, [lesson, EMPTY])
        print(f"bench-grade: setup (gradebook + generate_assignment x2) {time.perf_counter() - t:.1f} s")
        floor_s, floor_jobs = _timed(bench, EMPTY, n, jobs)
        real_s, real_jobs = _timed(bench, lesson, n, jobs)
    bad = [j.key for j in real_jobs + floor_jobs if j.status != "graded"]
    per_floor, per_real = floor_s / n, real_s / n
    ratio = per_real / per_floor
    print(f"bench-grade: {n} x {EMPTY} (nbgrader floor): {floor_s:.1f} s = {per_floor:.2f} s/submission")
    print(f"bench-grade: {n} x {lesson} (solution):      {real_s:.1f} s = {per_real:.2f} s/submission")
    print(f"bench-grade: ratio {ratio:.2f} (target <= 1.5){'' if ratio <= 1.5 else '  ABOVE TARGET'}")
    m_floor = sum(j.seconds for j in floor_jobs) / n
    m_real = sum(j.seconds for j in real_jobs) / n
    print(f"bench-grade: per-submission nbgrader time only (no per-run setup): floor {m_floor:.2f} s, "
          f"{lesson} {m_real:.2f} s, ratio {m_real / m_floor:.2f}")
    if bad:
        print(f"bench-grade: not graded normally: {bad}")
    return 0 if not bad else 1
