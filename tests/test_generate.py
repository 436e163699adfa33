"""Generated notebooks: in sync with the masters, reproducible, no leaks, identical to stock nbgrader."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.utils import is_grade, is_solution

from course.instructor import generate, nbg
from course.instructor.paths import Layout, grade_id

from hostile.fixture import LESSON as FIXTURE, build_course

LAYOUT = Layout.default()
LESSONS = LAYOUT.lessons()
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
needs_masters = pytest.mark.skipif(not LESSONS, reason="no masters in autograder/source yet")


def _region(source: str, begin: str, end: str) -> list[str]:
    """Non-trivial lines strictly between ``begin``/``end`` markers that do not also occur outside them."""
    inside_lines, outside, inside = [], set(), False
    for line in source.split("\n"):
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside and len(line.strip()) > 12 and not line.strip().startswith("#"):
            inside_lines.append(line.strip())
        elif not inside:
            outside.add(line.strip())
    return [l for l in inside_lines if l not in outside]


@needs_masters
def test_generated_files_are_in_sync_with_masters() -> None:
    problems = generate.stale(LAYOUT)
    assert not problems, "run `make generate`:\n" + "\n".join(problems)


@needs_masters
def test_generation_is_byte_reproducible() -> None:
    assert generate.outputs(LAYOUT) == generate.outputs(LAYOUT)


@needs_masters
@pytest.mark.parametrize("lesson", LESSONS)
def test_masters_carry_no_outputs(lesson: str) -> None:
    nb = nbformat.read(LAYOUT.master(lesson), as_version=4)
    dirty = [grade_id(c) or i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not dirty, f"{lesson}: clear the outputs of cells {dirty}"


@needs_masters
@pytest.mark.parametrize("lesson", LESSONS)
def test_learner_notebook_has_no_solutions_or_hidden_tests(lesson: str) -> None:
    text = generate.outputs(LAYOUT, [lesson])[LAYOUT.notebooks / f"{lesson}.ipynb"]
    assert not [m for m in MARKERS if m in text]
    master = nbformat.read(LAYOUT.master(lesson), as_version=4)
    learner = {grade_id(c): c.source for c in nbformat.reads(text, as_version=4).cells}
    for cell in master.cells:
        if cell.cell_type != "code":
            continue
        gid = grade_id(cell)
        for line in _region(cell.source, "BEGIN SOLUTION", "END SOLUTION") + \
                _region(cell.source, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert line not in learner.get(gid, ""), f"{lesson}/{gid} leaks {line!r}"


@needs_masters
@pytest.mark.parametrize("lesson", LESSONS)
def test_solution_notebook_keeps_solutions_and_drops_hidden_tests(lesson: str) -> None:
    text = generate.outputs(LAYOUT, [lesson])[LAYOUT.solutions / f"{lesson}.ipynb"]
    assert "HIDDEN TESTS" not in text
    master = nbformat.read(LAYOUT.master(lesson), as_version=4)
    sol = {grade_id(c): c for c in nbformat.reads(text, as_version=4).cells}
    for cell in master.cells:
        gid = grade_id(cell)
        if cell.cell_type == "code" and is_grade(cell) and not is_solution(cell):
            for line in _region(cell.source, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
                assert line not in sol[gid].source, f"{lesson}/{gid} keeps hidden line {line!r}"
        if cell.cell_type == "code" and is_solution(cell):
            for line in _region(cell.source, "BEGIN SOLUTION", "END SOLUTION"):
                assert line in sol[gid].source
    assert all(not c.get("outputs") for c in sol.values() if c.cell_type == "code")


def test_learner_notebook_is_what_stock_nbgrader_releases(tmp_path: Path) -> None:
    """In-process generation == ``nbgrader generate_assignment`` byte for byte (fixture + first lesson)."""
    lessons = LESSONS[:1]
    root = build_course(tmp_path / "course", tuple(lessons))
    layout = Layout(root=root, notebooks=tmp_path / "nb", solutions=tmp_path / "sol")
    config = generate.load_config(layout)
    for lesson in [FIXTURE, *lessons]:
        nbg.run(["generate_assignment", lesson, "--force"], root, quiet=True)
        stock = (root / "release" / lesson / f"{lesson}.ipynb").read_text(encoding="utf-8")
        ours = generate.render(generate.learner_notebook(layout.master(lesson), config))
        assert ours == stock, f"{lesson}: in-process generation differs from nbgrader generate_assignment"


def test_check_sync_names_stale_files(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    build_course(repo / "autograder")
    env = {**os.environ, "COURSE_REPO": str(repo)}
    cli = [sys.executable, "-m", "course.instructor"]
    subprocess.run([*cli, "generate"], env=env, check=True, capture_output=True)
    first = {p.name: p.read_bytes() for p in (repo / "notebooks").iterdir()}
    subprocess.run([*cli, "generate"], env=env, check=True, capture_output=True)
    assert first == {p.name: p.read_bytes() for p in (repo / "notebooks").iterdir()}
    assert subprocess.run([*cli, "check-sync"], env=env, capture_output=True).returncode == 0
    stale = repo / "solutions" / f"{FIXTURE}.ipynb"
    stale.write_text(stale.read_text().replace("2 * x", "3 * x"))
    (repo / "notebooks" / "99-orphan.ipynb").write_text("{}")
    proc = subprocess.run([*cli, "check-sync"], env=env, capture_output=True, text=True)
    assert proc.returncode == 1
    assert str(stale) in proc.stderr and "99-orphan.ipynb" in proc.stderr
    shutil.rmtree(repo)
