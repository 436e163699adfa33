"""The graded-submission corpus (tests/corpus/NN_name.py), autograded with real nbgrader.

Every variant becomes a learner submission (the generated learner notebook with its answer cells filled
from the master's solution, or from the variant), plus two implicit ones per lesson: the solution (full
marks) and the untouched learner notebook (zero).  The whole corpus is graded in one parallel run of
``course.instructor.grading`` (``nbgrader autograde`` per submission, both cores) in a temporary course
root; then every test cell's score is compared with the expectation derived from the master's points.

No variant is flagged as tampering (they are all honest learner code, right or wrong), and the run's
``autograded/flags.json`` stays empty.

Fast path: ``COURSE_CORPUS=01-recognising[,03-fan-out]`` grades only those lessons.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import time
from pathlib import Path
from types import ModuleType

import nbformat
import pytest
from nbgrader.utils import is_grade, is_solution

from course.instructor import grading, nbg, submissions
from course.instructor.paths import Layout, grade_id

REPO = Path(__file__).resolve().parents[1]
REAL = Layout.default()
ONLY = [s for s in os.environ.get("COURSE_CORPUS", "").split(",") if s]


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"corpus_{path.stem}", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def corpus() -> dict[str, dict[str, dict]]:
    """``{lesson: {variant: spec}}`` including the implicit ``solution`` and ``untouched`` variants."""
    out: dict[str, dict[str, dict]] = {}
    for path in sorted((REPO / "tests" / "corpus").glob("[0-9][0-9]_*.py")):
        mod = _load(path)
        lesson = getattr(mod, "LESSON", None)
        if lesson not in REAL.lessons() or (ONLY and lesson not in ONLY):
            continue
        variants = {"solution": {"why": "the master's solution", "cells": {}, "fails": []},
                    "untouched": {"why": "the learner notebook as released", "untouched": True}}
        variants.update(getattr(mod, "VARIANTS", {}))
        out[lesson] = variants
    return out


CORPUS = corpus()
CASES = [(lesson, name) for lesson, vs in CORPUS.items() for name in vs]


def student(lesson: str, variant: str) -> str:
    return grading.slug(f"{lesson[:2]}-{variant}")


def test_corpus_covers_every_lesson() -> None:
    if ONLY:
        pytest.skip("COURSE_CORPUS limits the lessons")
    missing = [l for l in REAL.lessons() if l not in CORPUS]
    assert not missing, f"no tests/corpus file (or no LESSON) for {missing}"


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    if not CORPUS:
        pytest.skip("no corpus")
    base = tmp_path_factory.mktemp("corpus")
    root = base / "course"
    (root / "source").mkdir(parents=True)
    shutil.copy2(REAL.config, root / "nbgrader_config.py")
    for lesson in CORPUS:
        shutil.copytree(REAL.source / lesson, root / "source" / lesson)
    layout = Layout(root=root, notebooks=base / "nb", solutions=base / "sol")
    nbg.ensure_path()
    points: dict[str, dict[str, float]] = {}
    jobs = []
    for lesson, variants in CORPUS.items():
        master = nbformat.read(layout.master(lesson), as_version=4)
        points[lesson] = {grade_id(c): float(c.metadata["nbgrader"]["points"]) for c in master.cells
                          if c.cell_type == "code" and is_grade(c) and not is_solution(c)}
        seen = set()
        for name, spec in variants.items():
            sid = student(lesson, name)
            assert sid not in seen, f"{lesson}: two variants map to student id {sid}"
            seen.add(sid)
            nb = submissions.build(layout, lesson, spec.get("cells"), solve=not spec.get("untouched"))
            submissions.write(nb, root / "submitted" / sid / lesson, lesson)
            jobs.append(grading.Job(sid, lesson))
    grading.ensure_assignments(layout, list(CORPUS))
    t = time.perf_counter()
    done = grading.grade(layout, jobs, tmp=base)
    elapsed = time.perf_counter() - t
    print(f"\ncorpus: {len(done)} submissions graded in {elapsed:.1f} s")
    return {"layout": layout, "points": points, "jobs": {(j.student, j.lesson): j for j in done},
            "scores": grading.scores(layout)}


def _error_text(layout: Layout, sid: str, lesson: str, cell_id: str) -> str:
    path = layout.root / "autograded" / sid / lesson / f"{lesson}.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if grade_id(cell) == cell_id:
            return "\n".join(f"{o.get('ename', '')}: {o.get('evalue', '')}" if o.output_type == "error"
                             else str(o.get("text", "")) for o in cell.get("outputs", []))
    return ""


@pytest.mark.parametrize(("lesson", "variant"), CASES, ids=[f"{l}:{v}" for l, v in CASES])
def test_variant_scores_as_expected(graded: dict, lesson: str, variant: str) -> None:
    spec = CORPUS[lesson][variant]
    sid = student(lesson, variant)
    job = graded["jobs"][(sid, lesson)]
    assert job.status == "graded", f"{lesson}/{variant}: {job.status}: {job.reason}"
    assert job.flags == [], f"{lesson}/{variant}: an honest submission was flagged as tampering: {job.flags}"
    points = graded["points"][lesson]
    fails = set(points) if spec.get("untouched") else set(spec["fails"])
    unknown = fails - set(points)
    assert not unknown, f"{lesson}/{variant}: 'fails' names unknown test cells {sorted(unknown)}"
    expected = {cid: (0.0 if cid in fails else pts) for cid, pts in points.items()}
    got = {cid: graded["scores"][(sid, lesson)].get(cid) for cid in points}
    wrong = {cid: (got[cid], expected[cid]) for cid in points if got[cid] != expected[cid]}
    assert not wrong, (f"{lesson}/{variant} ({spec.get('why', '')}): cell -> (got, expected) {wrong}; "
                       + "; ".join(f"{c}: {_error_text(graded['layout'], sid, lesson, c)[-300:]}" for c in wrong))
    if spec.get("untouched"):
        return
    for cid in fails:  # a mistake is met by a message that teaches, not a crash or a bare assert
        text = _error_text(graded["layout"], sid, lesson, cid)
        assert re.search(r"^AssertionError: \S", text, re.M), \
            f"{lesson}/{variant}: {cid} should fail with a teaching AssertionError; it said {text[-400:]!r}"
    for cid, phrase in spec.get("says", {}).items():
        text = _error_text(graded["layout"], sid, lesson, cid)
        assert phrase.lower() in text.lower(), f"{lesson}/{variant}: {cid} should say {phrase!r}; it said {text[-400:]!r}"


@pytest.mark.parametrize("lesson", CORPUS)
def test_grading_kernels_build_the_lesson_charts_without_drawing_them(graded: dict, lesson: str) -> None:
    """The grader starts kernels with COURSE_GRADING=1 (through the sandbox's environment allow-list): every
    chart of the solution shows the note instead of a PNG in the autograded notebook, and the demos still ran
    (lesson 2's chart is drawn after its last exercise, lessons 1 and 5 build theirs without pyplot)."""
    from course.timeline import GRADING_NOTE

    path = graded["layout"].root / "autograded" / student(lesson, "solution") / lesson / f"{lesson}.ipynb"
    outputs = [o for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code" for o in c.get("outputs", [])]
    notes = [o for o in outputs if o.get("data", {}).get("text/markdown") == GRADING_NOTE]
    assert len(notes) >= (2 if lesson == "03-fan-out" else 1), f"{lesson}'s charts should be replaced by the grading note"
    assert not [o for o in outputs if "image/png" in o.get("data", {})], f"a chart of {lesson} was drawn while grading"


def test_a_chart_draws_itself_outside_grading(monkeypatch: pytest.MonkeyPatch) -> None:
    from course.timeline import GRADING_NOTE, plot_timeline, simulate

    fig = plot_timeline(simulate({"a": 100, "b": 200}))
    monkeypatch.delenv("COURSE_GRADING", raising=False)
    assert fig._repr_png_()[:4] == b"\x89PNG" and fig._repr_markdown_() is None
    monkeypatch.setenv("COURSE_GRADING", "1")
    assert fig._repr_png_() is None and fig._repr_markdown_() == GRADING_NOTE


def test_no_honest_submission_is_flagged(graded: dict) -> None:
    flagged = {key: job.flags for key, job in graded["jobs"].items() if job.flags}
    assert not flagged, f"honest submissions flagged as tampering: {flagged}"
    stored = graded["layout"].root / "autograded" / "flags.json"
    assert not stored.exists() or not stored.read_text().strip("{} \n"), stored.read_text()
