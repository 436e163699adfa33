"""The GitHub Classroom road: the workflow template has one step per lesson, and its command, run here
locally, passes a solution notebook and fails a learner notebook naming the first exercise not written yet."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from course.instructor import classroom, submissions
from course.instructor.paths import Layout, grade_id

from hostile.fixture import LESSON, build_course

REPO = Path(__file__).resolve().parents[1]
WORKFLOW = REPO / "autograder" / "classroom" / "classroom.yml"
REAL = "01-recognising"


def steps() -> list[dict]:
    return yaml.safe_load(WORKFLOW.read_text())["jobs"]["run-autograding-tests"]["steps"]


def command_for(lesson: str) -> list[str]:
    step = next(s for s in steps() if s.get("name") == lesson)
    return shlex.split(step["with"]["command"])


def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    assert argv[0] == "python"
    return subprocess.run([sys.executable, *argv[1:]], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "COURSE_REPLAY_TIME_SCALE": "0"})


def test_workflow_grades_every_lesson_with_visible_checks_only() -> None:
    graders = [s for s in steps() if str(s.get("uses", "")).startswith("classroom-resources/autograding-command-grader")]
    lessons = sorted(p.stem for p in (REPO / "notebooks").glob("*.ipynb"))
    assert [s["name"] for s in graders] == lessons
    for s in graders:
        assert command_for(s["name"])[1:] == ["-m", "course.instructor", "classroom", f"notebooks/{s['name']}.ipynb"]
    reporter = next(s for s in steps() if str(s.get("uses", "")).startswith("classroom-resources/autograding-grading-reporter"))
    assert reporter["with"]["runners"].split(",") == [s["id"] for s in graders]
    assert set(reporter["env"]) == {f"{s['id'].upper()}_RESULTS" for s in graders}
    text = WORKFLOW.read_text()
    assert "secrets." not in text and "autograder/source" not in text and "solutions/" not in text


def test_workflow_command_passes_a_solution_notebook() -> None:
    argv = command_for(REAL)
    argv[-1] = f"solutions/{REAL}.ipynb"
    proc = run(argv)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    n = sum(1 for c in nbformat.read(REPO / argv[-1], as_version=4).cells
            if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution"))
    assert f"classroom: {n}/{n} exercise(s) pass" in proc.stdout


def test_workflow_command_fails_a_learner_notebook_naming_the_first_unwritten_exercise() -> None:
    proc = run(command_for(REAL))
    assert proc.returncode == 1, proc.stdout[-3000:]
    nb = nbformat.read(REPO / "notebooks" / f"{REAL}.ipynb", as_version=4)
    first = next(grade_id(c) for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    assert f"first exercise not written yet: {REAL}/{first}" in proc.stdout
    todo = proc.stdout.split(f"  TODO  {first} (", 1)[1].split("\n  TODO", 1)[0]   # its (multi-line) message
    assert "NotImplementedError" in todo or "is not written yet" in todo     # the check's own message


def test_a_wrong_answer_fails_with_its_message_and_is_not_called_unwritten(tmp_path: Path) -> None:
    root = build_course(tmp_path / "course")
    layout = Layout(root=root, notebooks=tmp_path / "nb", solutions=tmp_path / "sol")
    wrong = submissions.write(submissions.build(layout, LESSON, {"double": "def double(x):\n    return 0"},
                                                solve=False), tmp_path / "wrong", LESSON)
    lines: list[str] = []

    class Out:  # a TextIO stand-in that keeps what main() prints
        def write(self, text: str) -> None:
            lines.append(text)

        def flush(self) -> None:
            pass

    assert classroom.main([wrong], out=Out()) == 1
    text = "".join(lines)
    assert "FAIL  double (test_double): double(2) should be 4" in text
    assert "TODO  temperatures (test_temperatures): NotImplementedError" in text
    assert "first exercise not written yet: 00-fixture/temperatures" in text


def test_a_file_that_is_not_a_course_notebook_is_named(tmp_path: Path) -> None:
    plain = tmp_path / "plain.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), plain)
    with pytest.raises(ValueError, match="plain.ipynb: no graded check cells"):
        classroom.check_notebook(plain)
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    with pytest.raises(ValueError, match="broken.ipynb: not a readable notebook"):
        classroom.check_notebook(broken)
