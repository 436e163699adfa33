"""The instructor workflow end to end on the fixture lesson, through the CLI the make targets call:
release -> collect (folders and zips) -> autograde (parallel) -> feedback -> export."""

from __future__ import annotations

import csv
import os
import re
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from course.instructor import submissions
from course.instructor.paths import Layout

from hostile.fixture import LESSON, build_course

REPO = Path(__file__).resolve().parents[1]
MK = REPO / "autograder" / "instructor.mk"
WRONG = "def temperatures(cities):\n    return [tools.get_weather(c)[\"temperature\"] for c in cities[:1]]"


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COURSE_REPLAY_TIME_SCALE": "0"}
    proc = subprocess.run([sys.executable, "-m", "course.instructor", "--root", str(root), *args],
                          env=env, capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("instructor")
    root = build_course(base / "course")
    layout = Layout(root=root, notebooks=base / "nb", solutions=base / "sol")
    cli(root, "release")
    hand = base / "handins"
    submissions.write(submissions.build(layout, LESSON), hand / "alice", LESSON)            # folder
    nb = submissions.build(layout, LESSON, {"temperatures": WRONG})
    with zipfile.ZipFile(hand / "bob.zip", "w") as zf:                                       # zip, nested
        zf.writestr(f"bob-work/{LESSON}.ipynb", nbformat.writes(nb))
        zf.writestr(f"__MACOSX/bob-work/._{LESSON}.ipynb", "junk")
    submissions.write(submissions.build(layout, LESSON), hand / "李雷", LESSON)             # Unicode id, kept
    (hand / "carol").mkdir()
    (hand / "carol" / "notes.txt").write_text("no notebook here")
    out = {"collect": cli(root, "collect", str(hand)).stdout}
    out["autograde"] = cli(root, "autograde").stdout
    out["feedback"] = cli(root, "feedback").stdout
    out["export"] = cli(root, "export").stdout
    return {"root": root, "layout": layout, **out}


def test_collect_takes_folders_and_zips(course: dict) -> None:
    root = course["root"]
    assert (root / "submitted" / "alice" / LESSON / f"{LESSON}.ipynb").is_file()
    assert (root / "submitted" / "bob" / LESSON / f"{LESSON}.ipynb").is_file()
    assert "SKIPPED carol" in course["collect"]
    with sqlite3.connect(root / "gradebook.db") as db:
        students = {r[0] for r in db.execute("select id from student")}
    assert {"alice", "bob", "李雷"} <= students
    assert (root / "submitted" / "李雷" / LESSON / f"{LESSON}.ipynb").is_file()


def test_autograde_scores(course: dict) -> None:
    rows = {r["student_id"]: r for r in csv.DictReader((course["root"] / "grades.csv").open())}
    assert float(rows["alice"]["score"]) == 6.0
    assert float(rows["bob"]["score"]) == 3.0       # double 2 + replay probe 1; temperatures wrong
    assert float(rows["alice"]["max_score"]) == 6.0
    assert float(rows["李雷"]["score"]) == 6.0      # nbgrader autograde accepts a Unicode student id


def test_gradebook_intact_after_parallel_grading(course: dict) -> None:
    with sqlite3.connect(course["root"] / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("select count(*) from alembic_version").fetchone()[0] == 1


def test_feedback_shows_teaching_message_not_hidden_tests(course: dict) -> None:
    html = (course["root"] / "feedback" / "bob" / LESSON / f"{LESSON}.html").read_text()
    assert "call tools.get_weather for every city, in order" in html      # the hidden test's message
    alice = (course["root"] / "feedback" / "alice" / LESSON / f"{LESSON}.html").read_text()
    for leak in ("BEGIN HIDDEN TESTS", "hidden check: cities", "double(21) == 42", "getsourcefile"):
        assert leak not in html and leak not in alice, f"feedback leaks {leak!r}"
    assert re.search(r"6(\.0)?\s*/\s*6", alice)


def test_make_fragment_declares_every_target() -> None:
    text = MK.read_text()
    for target in ("generate", "check-sync", "release", "collect", "autograde", "feedback", "export",
                   "bench-grade"):
        assert re.search(rf"^{target}:", text, re.M), target
    proc = subprocess.run(["make", "-n", "autograde", "collect", "SUBMISSIONS=x"],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0 and "course.instructor autograde" in proc.stdout
