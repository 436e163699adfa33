"""Lesson 04 (disabling parallelism): the master scores full, and the submission corpus grades as intended.

The master runs top to bottom offline (nbclient, COURSE_REPLAY_TIME_SCALE=0) and every graded cell
scores full under nbgrader's own rule (``determine_grade``: an error or any stderr scores 0).
Each variant in ``tests/corpus/04_disabling.py`` replaces solution cells and is graded the same way:
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
MASTER = ROOT / "autograder" / "source" / "04-disabling" / "04-disabling.ipynb"
_spec = importlib.util.spec_from_file_location("corpus_04", ROOT / "tests" / "corpus" / "04_disabling.py")
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


def bundles() -> list[list[str]]:
    """Variants packed so that no two in a bundle replace the same solution cell (one kernel per bundle).

    Every variant here replaces exactly one solution cell, so a bundle's notebook grades each variant's own test
    cell independently; cells no variant of the bundle touches keep the reference solution and must score full.
    """
    out: list[list[str]] = []
    for name in sorted(CORPUS.VARIANTS):
        cells = set(CORPUS.VARIANTS[name]["cells"])
        for bundle in out:
            if not cells & {c for n in bundle for c in CORPUS.VARIANTS[n]["cells"]}:
                bundle.append(name)
                break
        else:
            out.append([name])
    return out


@pytest.fixture(scope="module")
def graded_variants() -> dict[str, nbformat.NotebookNode]:
    """Every corpus variant, executed in bundles (two kernels at a time: the machine has two cores)."""
    def run(bundle: list[str]) -> list[tuple[str, nbformat.NotebookNode]]:
        cells = {gid: src for n in bundle for gid, src in CORPUS.VARIANTS[n]["cells"].items()}
        nb = execute(variant_notebook(cells))
        return [(n, nb) for n in bundle]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return {n: nb for pairs in pool.map(run, bundles()) for n, nb in pairs}


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


def test_master_teaches_the_fact_check(executed_master):
    """The fact-check cells ran against the installed openai-agents and found what the lesson says."""
    text = "\n".join(o.get("text", "") for c in executed_master.cells if c.cell_type == "code" for o in c.outputs)
    assert "'parallelizable' in function_tool: False" in text
    assert "Runner.run has max_tool_concurrency: False" in text
    assert "ModelSettings has parallel_tool_calls: True" in text
    assert "max_function_tool_concurrency=None" in text
    assert "import name 'openai_agents' exists: False" in text
    assert "FAILS:  function_tool(strict=True, parallelizable=False)" in text


def test_master_draws_its_figure(executed_master):
    mimes = [m for c in executed_master.cells if c.cell_type == "code" for o in c.outputs for m in o.get("data", {})]
    assert "image/png" in mimes


TEST_OF = {"answer_openai_serial": "test_openai_serial", "answer_claude_serial": "test_claude_serial",
           "answer_policy": "test_policy", "answer_guesses": "test_guesses"}


def test_bundled_notebooks_keep_reference_cells_full(graded_variants):
    """In each bundle, test cells of exercises no variant replaced still score full (nothing leaks across cells)."""
    for bundle in bundles():
        nb = graded_variants[bundle[0]]
        touched = {TEST_OF[c] for n in bundle for c in CORPUS.VARIANTS[n]["cells"]}
        for cell in graded_cells(nb):
            if grade_id(cell) not in touched:
                score, max_score = determine_grade(cell)
                assert score == max_score, f"bundle {bundle}: {grade_id(cell)} scored {score}/{max_score}"


def test_corpus_covers_every_exercise_and_mistake():
    assert all(len(v["cells"]) == 1 for v in CORPUS.VARIANTS.values()), "bundling assumes one cell per variant"
    for name, v in CORPUS.VARIANTS.items():
        assert set(v["fails"]) <= {TEST_OF[c] for c in v["cells"]}, f"{name} fails a cell it does not replace"
    solved = {cell for v in CORPUS.VARIANTS.values() for cell in v["cells"]}
    assert solved == {"answer_openai_serial", "answer_claude_serial", "answer_policy", "answer_guesses"}
    correct = [n for n, v in CORPUS.VARIANTS.items() if not v["fails"]]
    mistakes = [n for n, v in CORPUS.VARIANTS.items() if v["fails"]]
    assert len(correct) >= 8 and len(mistakes) >= 12
    for cell in solved:  # every exercise has at least one extra correct style and one mistake
        assert any(cell in CORPUS.VARIANTS[n]["cells"] for n in correct)
        assert any(cell in CORPUS.VARIANTS[n]["cells"] for n in mistakes)
    for v in CORPUS.VARIANTS.values():
        assert v["why"]


@pytest.mark.parametrize("name", sorted(CORPUS.VARIANTS))
def test_corpus_variant(name, graded_variants):
    variant = CORPUS.VARIANTS[name]
    nb = graded_variants[name]
    own = TEST_OF[next(iter(variant["cells"]))]
    for cell in graded_cells(nb):
        gid = grade_id(cell)
        if gid != own and gid not in variant["fails"]:
            continue  # another variant of the bundle owns that cell (or it keeps the reference solution)
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
