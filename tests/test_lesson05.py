"""Lesson 05 (debugging the Responses API hosted-tool limitation): the master scores full, and the submission corpus grades as intended.

The master runs top to bottom offline (nbclient, COURSE_REPLAY_TIME_SCALE=0) and every graded cell
scores full under nbgrader's own rule (``determine_grade``: an error or any stderr scores 0).
Each variant in ``tests/corpus/05_hosted_tools.py`` replaces solution cells and is graded the same way:
correct styles score full everywhere; each mistake scores 0 exactly in the cells it names, with the
teaching message it names.
"""

from __future__ import annotations

import importlib.util
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader.utils import determine_grade, is_grade, is_solution

ROOT = Path(__file__).resolve().parents[1]
MASTER = ROOT / "autograder" / "source" / "05-hosted-tools" / "05-hosted-tools.ipynb"
_spec = importlib.util.spec_from_file_location("corpus_05", ROOT / "tests" / "corpus" / "05_hosted_tools.py")
CORPUS = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(CORPUS)


def execute(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    os.environ["COURSE_REPLAY_TIME_SCALE"] = "0"
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.pop("COURSE_MODE", None)
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(MASTER.parent)}}).execute()
    return nb


def grade_id(cell: nbformat.NotebookNode) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def graded_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if is_grade(c) and not is_solution(c)]


def failure_text(cell: nbformat.NotebookNode) -> str:
    return "\n".join(f"{o.get('ename')}: {o.get('evalue')}" if o.output_type == "error" else o.get("text", "")
                     for o in cell.get("outputs", []) if o.output_type in ("error", "stream"))


def scores(nb: nbformat.NotebookNode) -> dict[str, tuple[float, float]]:
    return {grade_id(c): tuple(determine_grade(c)) for c in graded_cells(nb)}


def variant_notebook(cells: dict[str, str]) -> nbformat.NotebookNode:
    """The master reduced to what grading needs (setup, solution and test cells), with solutions replaced."""
    nb = nbformat.read(MASTER, as_version=4)
    unknown = set(cells) - {grade_id(c) for c in nb.cells if is_solution(c)}
    assert not unknown, f"corpus names cells the master has no solution cell for: {unknown}"
    keep = []
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        gid = grade_id(c)
        if gid in cells:
            c.source = cells[gid].strip("\n")
        if gid == "setup" or is_solution(c) or is_grade(c):
            keep.append(c)
    nb.cells = keep
    return nb


@pytest.fixture(scope="module")
def executed_master() -> nbformat.NotebookNode:
    return execute(nbformat.read(MASTER, as_version=4))


@pytest.fixture(scope="module")
def graded_variants() -> dict[str, nbformat.NotebookNode]:
    """Every corpus variant, executed (two kernels at a time: the machine has two cores)."""
    def run(name: str) -> tuple[str, nbformat.NotebookNode]:
        return name, execute(variant_notebook(CORPUS.VARIANTS[name]["cells"]))
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(run, sorted(CORPUS.VARIANTS)))


def test_master_is_clean_and_points_are_round():
    nb = nbformat.read(MASTER, as_version=4)
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
    graded = graded_cells(nb)
    assert 3 <= len(graded) <= 5
    assert sum(c.metadata.nbgrader["points"] for c in graded) == 10
    ids = [grade_id(c) for c in nb.cells if grade_id(c)]
    assert len(ids) == len(set(ids)), "grade_ids must be unique"
    for c in graded:
        assert "### BEGIN HIDDEN TESTS" in c.source, f"{grade_id(c)} has no hidden tests"
    for c in nb.cells:
        if is_solution(c):
            assert "### BEGIN SOLUTION" in c.source and "### END SOLUTION" in c.source


def test_master_scores_full(executed_master):
    got = scores(executed_master)
    assert got and all(s == m for s, m in got.values()), {k: (v, failure_text(c)) for c in graded_cells(executed_master)
                                                         for k, v in [(grade_id(c), got[grade_id(c)])] if v[0] != v[1]}


def test_master_has_no_errors_or_stderr(executed_master):
    bad = [(i, failure_text(c)) for i, c in enumerate(executed_master.cells) if c.cell_type == "code"
           for o in c.get("outputs", []) if o.output_type == "error" or o.get("name") == "stderr"]
    assert not bad


def test_master_draws_its_figure(executed_master):
    mimes = [m for c in executed_master.cells if c.cell_type == "code" for o in c.outputs for m in o.get("data", {})]
    assert "image/png" in mimes


def test_corpus_covers_every_exercise_and_mistake():
    solved = {cell for v in CORPUS.VARIANTS.values() for cell in v["cells"]}
    assert solved == {"to_responses_tools", "diagnose", "run_with_own_search", "run_keeping_hosted"}
    correct = [n for n, v in CORPUS.VARIANTS.items() if not v["fails"]]
    mistakes = [n for n, v in CORPUS.VARIANTS.items() if v["fails"]]
    assert len(correct) >= 8 and len(mistakes) >= 16
    for v in CORPUS.VARIANTS.values():
        assert v["why"]


@pytest.mark.parametrize("name", sorted(CORPUS.VARIANTS))
def test_corpus_variant(name, graded_variants):
    variant = CORPUS.VARIANTS[name]
    nb = graded_variants[name]
    for cell in graded_cells(nb):
        gid = grade_id(cell)
        score, max_score = determine_grade(cell)
        text = failure_text(cell)
        if gid in variant["fails"]:
            assert score == 0, f"{name}: {gid} should score 0 ({variant['why']}) but scored {score}/{max_score}"
            assert any(o.output_type == "error" and o.ename == "AssertionError" for o in cell.outputs), \
                f"{name}: {gid} should fail with a teaching AssertionError, got:\n{text}"
            phrase = variant.get("says", {}).get(gid)
            if phrase:
                assert phrase in text, f"{name}: {gid}'s message should mention {phrase!r}:\n{text}"
        else:
            assert score == max_score, f"{name}: {gid} should score full, scored {score}/{max_score}:\n{text}"


def test_master_labels_the_reproduction_and_shows_the_rerecord_command():
    text = "\n".join(c.source for c in nbformat.read(MASTER, as_version=4).cells)
    assert "may differ" in text and "2025" in text
    assert "COURSE_MODE=record OPENAI_API_KEY=" in text and "python -m course.authoring record" in text
    assert "community.openai.com/t/responses-api-parallel-tool-calls-not-happening" in text


def test_hosted_scenarios_are_labelled_reproductions():
    from course.recording import load
    names = ["hubspot_responses_web_search", "hubspot_responses_file_search", "hubspot_responses_no_hosted",
             "hubspot_chat", "hubspot_responses_described", "hubspot_own_search", "hubspot_own_search_hidden",
             "hubspot_keep_hosted", "hubspot_keep_hosted_hidden"]
    for name in names:
        rec = load(name)
        assert rec.authored and "reported in 2025" in rec.note, name
        assert any("community.openai.com" in s for s in rec.provenance["sources"]), name
