"""Lesson 03 (fan-out with asyncio): the master executes offline in seconds, every graded cell passes, figures
and widget views are drawn, and every corpus variant grades as ``tests/corpus/03_fan_out.py`` says."""

from __future__ import annotations

import copy
import importlib.util
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader.utils import determine_grade, is_grade, is_solution

ROOT = Path(__file__).resolve().parents[1]
MASTER = ROOT / "autograder" / "source" / "03-fan-out" / "03-fan-out.ipynb"
_spec = importlib.util.spec_from_file_location("corpus_03", ROOT / "tests" / "corpus" / "03_fan_out.py")
CORPUS = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(CORPUS)


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def execute(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    os.environ["COURSE_REPLAY_TIME_SCALE"] = "0"
    os.environ["MPLBACKEND"] = "Agg"
    os.environ.pop("COURSE_MODE", None)
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(MASTER.parent)}}).execute()
    return nb


def failure_text(cell) -> str:
    return "\n".join(o.get("evalue", "") or o.get("text", "") for o in cell.get("outputs", [])
                     if o.output_type == "error" or o.get("name") == "stderr")


def variant_notebook(cells: dict[str, str]) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nbformat.read(MASTER, as_version=4))
    unknown = set(cells) - {grade_id(c) for c in nb.cells if is_solution(c)}
    assert not unknown, f"corpus names cells the master has no solution cell for: {unknown}"
    keep = []
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        if grade_id(c) in cells:
            c.source = cells[grade_id(c)].strip("\n")
        if grade_id(c) == "setup" or is_solution(c) or is_grade(c):
            keep.append(c)
    nb.cells = keep
    return nb


@pytest.fixture(scope="module")
def executed() -> nbformat.NotebookNode:
    return execute(nbformat.read(MASTER, as_version=4))


@pytest.fixture(scope="module")
def graded_variants() -> dict[str, nbformat.NotebookNode]:
    def run(name: str):
        return name, execute(variant_notebook(CORPUS.VARIANTS[name]["cells"]))
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(run, sorted(CORPUS.VARIANTS)))


def test_master_has_no_outputs_and_round_points():
    nb = nbformat.read(MASTER, as_version=4)
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
    graded = [c for c in nb.cells if is_grade(c)]
    assert 3 <= len(graded) <= 5
    assert sum(c.metadata.nbgrader["points"] for c in graded) == 20
    ids = [grade_id(c) for c in nb.cells if grade_id(c)]
    assert len(ids) == len(set(ids))
    for c in graded:
        assert "### BEGIN HIDDEN TESTS" in c.source


def test_every_graded_cell_passes(executed):
    for cell in executed.cells:
        if is_grade(cell):
            score, max_score = determine_grade(cell, None)
            assert score == max_score, f"{grade_id(cell)}: {score}/{max_score}\n{failure_text(cell)}"


def test_no_errors_or_stderr(executed):
    bad = [(i, failure_text(c)) for i, c in enumerate(executed.cells) if c.cell_type == "code"
           for o in c.outputs if o.output_type == "error" or o.get("name") == "stderr"]
    assert not bad


def test_figures_and_widgets_are_drawn(executed):
    mimes = [m for c in executed.cells if c.cell_type == "code" for o in c.outputs for m in o.get("data", {})]
    assert mimes.count("image/png") >= 5
    assert "application/vnd.jupyter.widget-view+json" in mimes


def test_corpus_covers_every_exercise_and_mistake():
    solved = {cell for v in CORPUS.VARIANTS.values() for cell in v["cells"]}
    assert solved == {"run_calls", "run_calls_safely", "run_calls_capped", "run_blocking_calls", "fan_out_agent"}
    fails = {f for v in CORPUS.VARIANTS.values() for f in v["fails"]}
    assert fails == {"test_run_calls", "test_run_calls_safely", "test_run_calls_capped", "test_run_blocking_calls",
                     "test_fan_out_agent"}


@pytest.mark.parametrize("name", sorted(CORPUS.VARIANTS))
def test_corpus_variant(name, graded_variants):
    variant = CORPUS.VARIANTS[name]
    for cell in graded_variants[name].cells:
        if not is_grade(cell):
            continue
        gid = grade_id(cell)
        score, max_score = determine_grade(cell, None)
        if gid in variant["fails"]:
            assert score == 0, f"{name}: {gid} should score 0 ({variant['why']}) but scored {score}/{max_score}"
            assert any(o.output_type == "error" and o.ename == "AssertionError" for o in cell.outputs), \
                f"{name}: {gid} should fail with a teaching AssertionError, got:\n{failure_text(cell)}"
        else:
            assert score == max_score, f"{name}: {gid} scored {score}/{max_score}:\n{failure_text(cell)}"
            assert not any(o.get("name") == "stderr" for o in cell.outputs), f"{name}: {gid} wrote to stderr"
