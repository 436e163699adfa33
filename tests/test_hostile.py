"""Hostile and broken submissions (tests/hostile/builders.py), graded together in one parallel run with a
correct control, against the fixture lesson in a temporary course root.

Each must be graded or rejected with a clear reason in bounded time; the control keeps full marks; the
gradebook, the masters and the installed course package stay intact.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from pathlib import Path

import pytest

from course.instructor import grading, nbg
from course.instructor.paths import Layout, package_dir

from hostile import builders
from hostile.fixture import LESSON, build_course

CELL_TIMEOUT = 10
LIMIT = 90.0
WATCHED = ["tools.py", "replay.py"]


def _digest(paths: list[Path]) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = build_course(tmp_path_factory.mktemp("hostile") / "course")
    layout = Layout(root=root, notebooks=root / "nb", solutions=root / "sol")
    nbg.ensure_path()
    grading.ensure_assignments(layout, [LESSON])
    cases = {c.name: c for c in (b(layout) for b in builders.ALL)}
    for case in cases.values():
        builders.write(case, root / "submitted")
    watched = [package_dir() / w for w in WATCHED]
    before = {"package": _digest(watched), "master": _digest([layout.master(LESSON)]),
              "gradebook": _digest([layout.gradebook])}
    t = time.perf_counter()
    jobs = grading.grade(layout, grading.submissions(layout), cell_timeout=CELL_TIMEOUT, limit_s=LIMIT,
                         tmp=tmp_path_factory.mktemp("grading"))
    elapsed = time.perf_counter() - t
    after = {"package": _digest(watched), "master": _digest([layout.master(LESSON)])}
    return {"layout": layout, "cases": cases, "jobs": {j.student: j for j in jobs}, "before": before,
            "after": after, "elapsed": elapsed, "scores": grading.scores(layout)}


CASES = [b.__name__ for b in builders.ALL]


@pytest.mark.parametrize("builder", CASES)
def test_hostile_submission_is_graded_or_rejected(graded: dict, builder: str) -> None:
    case = getattr(builders, builder)(graded["layout"])
    job = graded["jobs"][case.name]
    assert job.status == case.status, f"{case.name} ({case.why}): {job.status} {job.reason}"
    assert case.reason in job.reason, f"{case.name}: reason {job.reason!r} should mention {case.reason!r}"
    assert job.seconds < LIMIT, f"{case.name} took {job.seconds:.1f} s"
    scores = graded["scores"][(case.name, LESSON)]
    if case.scores is not None:
        assert scores == case.scores, f"{case.name} ({case.why})"
    else:
        assert all(not s for s in scores.values()), f"{case.name} must score 0, got {scores}"


def test_course_files_unharmed(graded: dict) -> None:
    assert graded["after"]["package"] == graded["before"]["package"], "the installed course package changed"
    assert graded["after"]["master"] == graded["before"]["master"], "the master was not restored"


def test_gradebook_intact(graded: dict) -> None:
    layout: Layout = graded["layout"]
    with sqlite3.connect(layout.gradebook) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert layout.gradebook.read_bytes()[-7:] != b"garbage"
    assert set(s for s, _ in graded["scores"]) == set(graded["cases"])


def test_enormous_output_is_capped(graded: dict) -> None:
    nb = graded["layout"].root / "autograded" / "enormous-output" / LESSON / f"{LESSON}.ipynb"
    assert nb.stat().st_size < 5_000_000


def test_report_names_every_submission(graded: dict) -> None:
    report = (graded["layout"].root / "autograded" / "grading-report.csv").read_text()
    for name in graded["cases"]:
        assert name in report


def test_wall_clock_limit_kills_a_runaway(tmp_path: Path) -> None:
    root = build_course(tmp_path / "course")
    layout = Layout(root=root, notebooks=root / "nb", solutions=root / "sol")
    nbg.ensure_path()
    grading.ensure_assignments(layout, [LESSON])
    case = builders.Case("runaway", "", "rejected",
                         notebook=builders._nb(layout, double="while True:\n    pass"))
    builders.write(case, root / "submitted")
    t = time.perf_counter()
    [job] = grading.grade(layout, grading.submissions(layout), cell_timeout=60, limit_s=6, tmp=tmp_path)
    assert time.perf_counter() - t < 60
    assert job.status == "rejected" and "limit" in job.reason
