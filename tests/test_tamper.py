"""In-kernel tampering is *flagged* (tests/hostile/tamper.py): every known class, each by a case, graded
together in one run with a correct control and ordinary hostile submissions against the fixture lesson.

A flagged submission keeps its score, its report row says ``flagged: <why>``, ``export`` adds a ``flags``
column; the control and ordinary hostile cases are not flagged; feedback never shows hidden tests, whatever
the learner's code printed. (That no honest submission of a real lesson is flagged, solutions and every
corpus variant, is asserted by tests/test_corpus.py, which grades them all.)
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat
import pytest

from course.instructor import grading, nbg, submissions
from course.instructor.__main__ import main as instructor
from course.instructor.paths import Layout
from course.instructor.preprocessors import SCRUBBED

from hostile import builders, tamper
from hostile.fixture import LESSON, build_course

CELL_TIMEOUT = 15
LIMIT = 120.0
ORDINARY = [builders.correct, builders.sys_exit, builders.monkeypatch_course, builders.patch_function_code,
            builders.shadow_setup_name, builders.edit_test_cells]
HIDDEN = ["double(21) == 42", "getsourcefile(course.replay", "tools.get_weather(c)[", "BEGIN HIDDEN TESTS"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = build_course(tmp_path_factory.mktemp("tamper") / "course")
    layout = Layout(root=root, notebooks=root / "nb", solutions=root / "sol")
    nbg.ensure_path()
    grading.ensure_assignments(layout, [LESSON])
    tampers = {t.name: t for t in (b(layout) for b in tamper.ALL)}
    ordinary = {c.name: c for c in (b(layout) for b in [*ORDINARY, builders.remove_guard])}
    for t in tampers.values():
        submissions.write(t.notebook, root / "submitted" / t.name / LESSON, LESSON)
    for c in ordinary.values():
        builders.write(c, root / "submitted")
    submissions.write(tamper.feedback_leak(layout), root / "submitted" / tamper.LEAK / LESSON, LESSON)
    jobs = grading.grade(layout, grading.submissions(layout), cell_timeout=CELL_TIMEOUT, limit_s=LIMIT,
                         tmp=tmp_path_factory.mktemp("grading"))
    nbg.run(["generate_feedback", LESSON, "--student", tamper.LEAK, "--force"], root, quiet=True)
    assert instructor(["--root", str(root), "export"]) == 0
    report = {r["student"]: r for r in csv.DictReader((root / "autograded" / "grading-report.csv").open())}
    exported = {r["student_id"]: r for r in csv.DictReader((root / "grades.csv").open())}
    return {"layout": layout, "tampers": tampers, "ordinary": ordinary, "jobs": {j.student: j for j in jobs},
            "scores": grading.scores(layout), "report": report, "export": exported}


def _notebook_scores(layout: Layout, student: str) -> dict[str, float]:
    return grading._scores_from_notebook(layout.root / "autograded" / student / LESSON / f"{LESSON}.ipynb")


@pytest.mark.parametrize("builder", [b.__name__ for b in tamper.ALL])
def test_tampering_is_flagged_and_keeps_its_score(graded: dict, builder: str) -> None:
    t = getattr(tamper, builder)(graded["layout"])
    job = graded["jobs"][t.name]
    assert job.status == "graded", f"{t.name}: {job.status} {job.reason}"
    assert any(t.flag in f for f in job.flags), f"{t.name} ({t.why}): flags {job.flags} lack {t.flag!r}"
    row = graded["report"][t.name]["flags"]
    assert row.startswith("flagged: ") and t.flag in row, row
    assert t.flag in graded["export"][t.name]["flags"]
    scores = graded["scores"][(t.name, LESSON)]
    assert scores == _notebook_scores(graded["layout"], t.name), f"{t.name}: the flag changed its score"
    if t.scores is not None:
        assert scores == t.scores, f"{t.name} ({t.why})"


def test_control_and_ordinary_hostile_cases_are_not_flagged(graded: dict) -> None:
    for builder in ORDINARY:
        name = builder(graded["layout"]).name
        job = graded["jobs"][name]
        assert job.flags == [], f"{name}: {job.flags}"
        assert graded["report"][name]["flags"] == "" and graded["export"][name]["flags"] == ""
    assert graded["scores"][("control", LESSON)] == builders.FULL


def test_removed_guard_is_flagged(graded: dict) -> None:
    assert any("guard was removed" in f for f in graded["jobs"]["remove-guard"].flags)


def test_flags_are_stored_per_submission(graded: dict) -> None:
    store = json.loads((graded["layout"].root / "autograded" / "flags.json").read_text())
    assert set(store) == {f"{name}/{LESSON}" for name, j in graded["jobs"].items() if j.flags}
    assert f"input-transformer/{LESSON}" in store and f"control/{LESSON}" not in store


def test_feedback_never_shows_hidden_tests(graded: dict) -> None:
    root = graded["layout"].root
    executed = nbformat.read(root / "autograded" / tamper.LEAK / LESSON / f"{LESSON}.ipynb", as_version=4)
    printed = json.dumps([c.get("outputs", []) for c in executed.cells])
    assert "double(21) == 42" in printed, "the leak case should have printed the hidden tests it found"
    html = (root / "feedback" / tamper.LEAK / LESSON / f"{LESSON}.html").read_text()
    for leak in HIDDEN:
        assert leak not in html, f"feedback leaks {leak!r}"
    assert SCRUBBED in html


def test_flags_file_round_trip_and_bad_input(tmp_path: Path) -> None:
    from course.instructor import flags

    path = tmp_path / "flags.json"
    assert flags.read(path) == []
    flags.write(path, ["a", "b", "a"])
    assert flags.read(path) == ["a", "b"] and flags.describe(["a", "b"]) == "flagged: a; b"
    path.write_text('{"flags": 3}')
    with pytest.raises(ValueError, match="flags.json"):
        flags.read(path)
    store = tmp_path / "store.json"
    flags.save(store, {"ada/01": ["x"], "bob/01": ["y"]})
    flags.save(store, {"ada/01": [], "cy/01": ["z"]})          # a clean re-grade clears its entry
    assert flags.load(store) == {"bob/01": ["y"], "cy/01": ["z"]}


def test_scrub_removes_quoted_hidden_lines_but_keeps_teaching_messages() -> None:
    from course.instructor.preprocessors import hidden_lines, scrub_text

    from hostile.fixture import master

    hidden = hidden_lines(master())
    source = next(c.source for c in master().cells if "double(21)" in c.source)
    for printed in (source, repr(source), json.dumps(source), source.replace('"', "&quot;")):
        assert "double(21) == 42" not in scrub_text("before\n" + printed + "\nafter\n", hidden).replace("&quot;", '"')
    message = "AssertionError: call tools.get_weather for every city, in order"
    assert scrub_text(message, hidden) == message
    assert scrub_text("ok  double: all good\n", hidden) == "ok  double: all good\n"
