"""``make bench-grade``: cost per submission of grading a real lesson against nbgrader's own floor.

In one run, in a temporary copy of the course root, grade ``n`` copies of the solution submission of every
lesson (or one, ``--lesson``), each right after ``n`` copies of an empty one-cell notebook (the floor), all
through the same pipeline (:func:`course.instructor.grading.grade`: same workers, same sandbox).  Pairing each
lesson with its own floor means a machine whose speed drifts during the run moves both; ``--rounds R`` repeats
the pair and keeps the median trial.  The ratio of the per-submission wall times is what each lesson itself
costs on top of nbgrader (target: at most 1.5).

Each of those wall times includes the run's one-off setup (the warm-kernel server's imports and rehearsal,
the gradebook snapshot: about 9 s on a 2-core machine), shared by the ``n`` submissions.  The last column
leaves it out: the ratio of the time each submission's own grading process takes (nbgrader, its sandboxed
kernel, the guard), which is what the first ratio approaches for a class of hundreds.
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


def main(layout: Layout, n: int = 8, lesson: str | None = None, jobs: int | None = None, rounds: int = 3) -> int:
    """Bench ``lesson`` (default: every lesson) against the empty notebook, all through the same pipeline
    (sandboxed unless ``SANDBOX=off``), and print one row per lesson: the median of ``rounds`` paired trials
    (the floor, then the lesson)."""
    lessons = [lesson] if lesson else layout.lessons()
    if not lessons:
        raise SystemExit("bench-grade: no lesson master in autograder/source")
    nbg.ensure_path()
    rows: list[tuple[str, float, float, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="course-bench-") as tmp:
        root = Path(tmp) / "course"
        (root / "source" / EMPTY).mkdir(parents=True)
        shutil.copy2(layout.config, root / "nbgrader_config.py")
        nbformat.write(_empty_master(), root / "source" / EMPTY / f"{EMPTY}.ipynb")
        for name in lessons:
            shutil.copytree(layout.source / name, root / "source" / name)
        bench = Layout(root=root, notebooks=root / "nb", solutions=root / "sol")
        for name in lessons:
            real_nb = submissions.build(bench, name)
            for i in range(n):
                submissions.write(real_nb, root / "submitted" / f"{name}-{i:03d}" / name, name)
        for i in range(n):
            submissions.write(_empty_master(), root / "submitted" / f"{EMPTY}-{i:03d}" / EMPTY, EMPTY)
        t = time.perf_counter()
        grading.ensure_assignments(bench, [*lessons, EMPTY])
        print(f"bench-grade: setup (gradebook + generate_assignment x{len(lessons) + 1}) {time.perf_counter() - t:.1f} s")
        bad: list[str] = []
        for name in lessons:
            trials = []
            for _ in range(rounds):   # the floor right before the lesson: a drift in machine speed moves both
                floor_s, floor_jobs = _timed(bench, EMPTY, n, jobs)
                real_s, real_jobs = _timed(bench, name, n, jobs)
                bad += [j.key for j in floor_jobs + real_jobs if j.status != "graded"]
                m_floor = sum(j.seconds for j in floor_jobs) / n
                m_real = sum(j.seconds for j in real_jobs) / n
                trials.append((real_s / floor_s, floor_s / n, real_s / n, m_real / m_floor))
            ratio, floor_per, per, child = sorted(trials)[len(trials) // 2]   # the median trial
            rows.append((name, floor_per, per, ratio, child))
    sandboxed = "sandboxed" if grading._sandbox_default() else "UNSANDBOXED"
    print(f"\nbench-grade: {n} submissions each, {sandboxed}; each lesson's floor = {n} empty one-cell notebooks "
          f"through the same pipeline, graded right before it; median of {rounds} round(s)")
    print(f"{'lesson':18} {'floor s/sub':>11} {'s/submission':>12} {'ratio':>7}  target <= 1.5  "
          f"{'setup excluded':>14}")
    for name, floor_per, per, ratio, child_ratio in rows:
        print(f"{name:18} {floor_per:11.2f} {per:12.2f} {ratio:7.2f}  {'ok' if ratio <= 1.5 else 'ABOVE TARGET':13}  "
              f"{child_ratio:14.2f}")
    print("(setup excluded: each submission's own grading process against the floor's, without the run's "
          "one-off setup; what the ratio approaches for a large class)")
    if bad:
        print(f"bench-grade: not graded normally: {bad}")
    return 0 if not bad else 1
