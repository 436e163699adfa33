"""The Gradescope bundle end to end on the fixture lesson: `gradescope` builds the zip, which is unpacked into
a temporary Gradescope-like layout (source/, submission/, results/); setup.sh (with the project's venv, so no
apt or pip) and run_autograder run there against a correct, a wrong and a misnamed submission, and every
results.json is validated against the schema written from Gradescope's "Autograder Specifications"."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import nbformat
import pytest

from course.instructor import gradescope, submissions
from course.instructor.paths import Layout, package_dir

from hostile.fixture import CELLS, LESSON, build_course

REPO = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((REPO / "autograder" / "gradescope" / "results.schema.json").read_text())
# double fails its visible check; temperatures passes its visible check and fails a hidden one
WRONG = {"double": "def double(x):\n    return 0",
         "temperatures": "def temperatures(cities):\n    return [tools.get_weather(c)[\"temperature\"] for c in cities[:1]]"}
POINTS = {gid: flags["points"] for _, gid, _, flags in CELLS if flags.get("grade")}
HIDDEN = {gid for _, gid, src, flags in CELLS if flags.get("grade") and "BEGIN HIDDEN TESTS" in src}


def solution_bodies() -> list[str]:
    """The text between each fixture answer cell's solution markers."""
    out = []
    for _, _, src, flags in CELLS:
        if flags.get("solution"):
            body = src.split("### BEGIN SOLUTION\n", 1)[1].split("### END SOLUTION", 1)[0]
            out.append(body.strip())
    return out


def unpack(bundle: Path, where: Path) -> Path:
    """A Gradescope-like /autograder: the zip in source/ (scripts executable, as zip modes say), empty results/."""
    (where / "source").mkdir(parents=True)
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(where / "source")
        for info in zf.infolist():
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(where / "source" / info.filename, mode)
    (where / "results").mkdir()
    (where / "submission").mkdir()
    return where


def script(gs: Path, name: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GRADESCOPE_ROOT": str(gs), "COURSE_PYTHON": sys.executable}
    return subprocess.run([str(gs / "source" / name)], env=env, capture_output=True, text=True, cwd=gs)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("gradescope")
    root = build_course(base / "course")
    layout = Layout(root=root, notebooks=base / "nb", solutions=base / "sol")
    proc = subprocess.run([sys.executable, "-m", "course.instructor", "--root", str(root), "gradescope",
                           "--out", str(base / "dist")], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "COURSE_REPLAY_TIME_SCALE": "0"})
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    bundle = base / "dist" / f"{LESSON}.zip"
    runs = {}
    for name, cells, filename in [("correct", None, f"{LESSON}.ipynb"), ("wrong", WRONG, f"{LESSON}.ipynb"),
                                  ("misnamed", None, "my-homework.ipynb")]:
        gs = unpack(bundle, base / name)
        nb = submissions.build(layout, LESSON, cells)
        folder = gs / "submission" / "work" / "nested"          # any depth, as a zip upload unpacks
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / filename)
        proc = script(gs, "run_autograder")
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        runs[name] = {"results": json.loads((gs / "results" / "results.json").read_text()), "proc": proc}
    return {"bundle": bundle, "runs": runs, "base": base}


def by_name(results: dict) -> dict[str, dict]:
    return {t["name"]: t for t in results["tests"]}


def test_bundle_holds_the_lesson_subset_and_no_solution(built: dict) -> None:
    with zipfile.ZipFile(built["bundle"]) as zf:
        names = zf.namelist()
        blobs = {n: zf.read(n) for n in names}
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in zf.infolist()}
    assert {"setup.sh", "run_autograder", "gradescope.json", "pyproject.toml", "requirements.lock",
            "autograder/nbgrader_config.py", "autograder/gradebook.db",
            f"autograder/source/{LESSON}/{LESSON}.ipynb", "course/__init__.py"} <= set(names)
    assert {n.split("/")[0] for n in names} == {"setup.sh", "run_autograder", "gradescope.json", "pyproject.toml",
                                                "requirements.lock", "course", "autograder"}
    assert {n.split("/")[2] for n in names if n.startswith("autograder/source/")} == {LESSON}
    assert not [n for n in names if "solutions/" in n or "__pycache__" in n or n.endswith(".pyc")]
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    for name, data in blobs.items():
        assert b"BEGIN SOLUTION" not in data, name
        for body in solution_bodies():
            assert body.encode() not in data, f"{name} holds solution code {body!r}"
    # the grader's copy of the hidden tests is in the bundle's gradebook (the bundle is the instructor's)
    assert b"double(21) == 42" in blobs["autograder/gradebook.db"]


def test_setup_checks_the_bundle_and_names_what_is_missing(built: dict, tmp_path: Path) -> None:
    gs = unpack(built["bundle"], tmp_path / "ok")
    proc = script(gs, "setup.sh")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"{LESSON}: {len(POINTS)} graded cell(s), {sum(POINTS.values())} point(s)" in proc.stdout
    assert script(gs, "setup.sh").returncode == 0                       # idempotent
    broken = unpack(built["bundle"], tmp_path / "broken")
    (broken / "source" / "autograder" / "gradebook.db").unlink()
    proc = script(broken, "setup.sh")
    assert proc.returncode != 0 and "autograder/gradebook.db is missing" in proc.stderr


@pytest.mark.parametrize("name", ["correct", "wrong", "misnamed"])
def test_results_validate_against_the_schema(built: dict, name: str) -> None:
    results = built["runs"][name]["results"]
    jsonschema.validate(results, SCHEMA)
    assert results["stdout_visibility"] == "hidden"
    for t in results["tests"]:
        assert 0 <= t["score"] <= t["max_score"]


def test_schema_refuses_what_gradescope_would_not_read() -> None:
    good = {"score": 1.0, "tests": [{"name": "a", "score": 1.0, "max_score": 1.0, "visibility": "visible"}]}
    jsonschema.validate(good, SCHEMA)
    for bad in ({**good, "tests": [{**good["tests"][0], "visibility": "after_due"}]},
                {"tests": [{"name": "a", "max_score": 1.0}]},                      # no score anywhere
                {**good, "stdout_visible": "hidden"},
                {**good, "score": "1"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, SCHEMA)


def test_correct_submission_scores_full_marks(built: dict) -> None:
    results = built["runs"]["correct"]["results"]
    tests = by_name(results)
    assert results["score"] == sum(POINTS.values())
    for gid, points in POINTS.items():
        assert tests[gid]["score"] == tests[gid]["max_score"] == points
        assert tests[gid]["visibility"] == ("after_due_date" if gid in HIDDEN else "visible")
    assert all(t["status"] == "passed" for t in results["tests"])


def test_wrong_submission_scores_and_teaches_without_leaking_hidden_code(built: dict) -> None:
    results = built["runs"]["wrong"]["results"]
    tests = by_name(results)
    assert results["score"] == POINTS["test_replay_intact"]
    assert tests["test_double"]["score"] == 0 and tests["test_temperatures"]["score"] == 0
    # double fails in its visible part: the learner sees that now, with the check's message
    assert tests["test_double: visible checks"] == {
        "name": "test_double: visible checks", "score": 0.0, "max_score": 0.0, "status": "failed",
        "visibility": "visible", "output": "double(2) should be 4"}
    # temperatures passes what the learner can see and fails a hidden check: shown after the due date only
    assert tests["test_temperatures: visible checks"]["status"] == "passed"
    hidden = tests["test_temperatures"]
    assert hidden["visibility"] == "after_due_date"
    assert hidden["output"] == "call tools.get_weather for every city, in order"
    visible_text = results["output"] + "".join(t["output"] for t in results["tests"] if t["visibility"] == "visible")
    assert "call tools.get_weather for every city" not in visible_text
    for t in results["tests"]:
        assert "Traceback" not in t["output"] and "assert " not in t["output"] and "London" not in t["output"]


def test_misnamed_notebook_gets_a_clear_zero(built: dict) -> None:
    results = built["runs"]["misnamed"]["results"]
    assert results["score"] == 0
    assert f"no notebook named {LESSON}.ipynb" in results["output"]
    assert "work/nested/my-homework.ipynb" in results["output"]          # says what it found instead
    assert {t["name"] for t in results["tests"]} >= set(POINTS)


def test_find_notebook_prefers_the_shallowest_and_skips_junk(tmp_path: Path) -> None:
    for rel in (f"a/b/{LESSON}.ipynb", f"{LESSON}.ipynb", f"__MACOSX/{LESSON}.ipynb"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("{}")
    assert gradescope.find_notebook(tmp_path, LESSON) == tmp_path / f"{LESSON}.ipynb"
    (tmp_path / f"{LESSON}.ipynb").unlink()
    assert gradescope.find_notebook(tmp_path, LESSON) == tmp_path / "a" / "b" / f"{LESSON}.ipynb"
    shutil.rmtree(tmp_path / "a")
    with pytest.raises(FileNotFoundError, match=f"no notebook named {LESSON}.ipynb"):
        gradescope.find_notebook(tmp_path, LESSON)


def test_a_real_lesson_bundle_holds_no_line_of_its_solutions(tmp_path: Path) -> None:
    """Once on a real master (solutions with markers, support code in the course package)."""
    from nbgrader.utils import is_solution

    from course.instructor.generate import load_config, solution_notebook

    lesson = "01-recognising"
    layout = Layout.default()
    bundle = gradescope.build(layout, lesson, tmp_path)
    solved = solution_notebook(layout.master(lesson), load_config(layout))
    shipped = b"".join(p.read_bytes() for p in [*package_dir().rglob("*"), REPO / "notebooks" / f"{lesson}.ipynb"]
                       if p.is_file())        # what learners are given anyway
    lines = {line.strip() for c in solved.cells if is_solution(c)
             for line in c.source.splitlines()[1:] if len(line.strip()) > 20 and line.strip().encode() not in shipped}
    assert len(lines) >= 4
    with zipfile.ZipFile(bundle) as zf:
        assert {n.split("/")[2] for n in zf.namelist() if n.startswith("autograder/source/")} == {lesson}
        for name in zf.namelist():
            data = zf.read(name)
            assert b"BEGIN SOLUTION" not in data, name
            leaked = [line for line in lines if line.encode() in data]
            assert not leaked, f"{name} holds solution lines {leaked[:3]}"
