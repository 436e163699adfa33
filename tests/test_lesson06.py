"""Lesson 06 (measuring the win): the master executes offline in seconds with no outputs saved, every graded cell
scores full, figures are drawn, and every corpus variant grades as ``tests/corpus/06_measuring.py`` says."""

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
MASTER = ROOT / "autograder" / "source" / "06-measuring" / "06-measuring.ipynb"
_spec = importlib.util.spec_from_file_location("corpus_06", ROOT / "tests" / "corpus" / "06_measuring.py")
CORPUS = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(CORPUS)

SOLUTIONS = ("ex_percentiles", "ex_task_cost", "ex_wasted", "ex_recommend")
TESTS = ("test_percentiles", "test_task_cost", "test_wasted", "test_recommend")


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
    """The master's setup, solution and test cells only, with ``cells`` replacing solutions."""
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


def batches() -> list[list[str]]:
    """Variant names grouped so no batch replaces the same solution cell twice (the exercises are independent:
    each test cell reads only its own solution cell and the setup cell), so one kernel grades several."""
    out: list[list[str]] = []
    for name in sorted(CORPUS.VARIANTS):
        cells = set(CORPUS.VARIANTS[name]["cells"])
        for batch in out:
            if not cells & {c for n in batch for c in CORPUS.VARIANTS[n]["cells"]}:
                batch.append(name)
                break
        else:
            out.append([name])
    return out


@pytest.fixture(scope="module")
def executed() -> nbformat.NotebookNode:
    return execute(nbformat.read(MASTER, as_version=4))


@pytest.fixture(scope="module")
def graded_variants() -> dict[str, nbformat.NotebookNode]:
    def run(batch: list[str]):
        cells = {k: v for n in batch for k, v in CORPUS.VARIANTS[n]["cells"].items()}
        nb = execute(variant_notebook(cells))
        return [(n, nb) for n in batch]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return {n: nb for pairs in pool.map(run, batches()) for n, nb in pairs}


def test_master_has_no_outputs_and_round_points():
    nb = nbformat.read(MASTER, as_version=4)
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
    graded = [c for c in nb.cells if is_grade(c)]
    assert [grade_id(c) for c in graded] == list(TESTS)
    assert sum(c.metadata.nbgrader["points"] for c in graded) == 10
    assert [grade_id(c) for c in nb.cells if is_solution(c)] == list(SOLUTIONS)
    ids = [grade_id(c) for c in nb.cells if grade_id(c)]
    assert len(ids) == len(set(ids))
    for c in graded:
        assert "### BEGIN HIDDEN TESTS" in c.source and "### END HIDDEN TESTS" in c.source
        assert c.metadata.nbgrader["locked"] and not c.metadata.nbgrader["solution"]
    for c in nb.cells:
        if is_solution(c):
            assert "### BEGIN SOLUTION" in c.source and "### END SOLUTION" in c.source


def test_every_graded_cell_passes(executed):
    for cell in executed.cells:
        if is_grade(cell):
            score, max_score = determine_grade(cell, None)
            assert score == max_score, f"{grade_id(cell)}: {score}/{max_score}\n{failure_text(cell)}"


def test_no_errors_or_stderr(executed):
    bad = [(i, failure_text(c)) for i, c in enumerate(executed.cells) if c.cell_type == "code"
           for o in c.outputs if o.output_type == "error" or o.get("name") == "stderr"]
    assert not bad


def test_figures_are_drawn(executed):
    mimes = [m for c in executed.cells if c.cell_type == "code" for o in c.outputs for m in o.get("data", {})]
    assert mimes.count("image/png") >= 4


def test_blog_table_on_the_clock(executed):
    text = "\n".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    for row, ms in (("Serial, 3 calls", 2400), ("Parallel, 3 calls", 800), ("Mixed (1 needs the others)", 1600),
                    ("Parallel, 1 rate-limited", 3000)):
        assert any(line.startswith(row) and f" {ms} ms" in line for line in text.splitlines()), row
    assert "booking    parallel OFF" in text and "lookup     parallel ON" in text


def test_release_stubs_score_zero():
    """What nbgrader's ClearSolutions leaves (stubs raising NotImplementedError) scores 0 in every test cell."""
    from nbgrader.preprocessors import ClearSolutions

    master = nbformat.read(MASTER, as_version=4)
    released, _ = ClearSolutions().preprocess(copy.deepcopy(master), {})
    stubs = {grade_id(c): c.source for c in released.cells if is_solution(c)}
    assert all("raise NotImplementedError()" in src and "BEGIN SOLUTION" not in src for src in stubs.values())
    nb = execute(variant_notebook(stubs))
    for cell in nb.cells:
        if is_grade(cell):
            assert determine_grade(cell, None)[0] == 0
            assert any(o.output_type == "error" and o.ename == "NotImplementedError" for o in cell.outputs), \
                failure_text(cell)


def test_corpus_covers_every_exercise_and_the_briefs_mistakes():
    solved = {cell for v in CORPUS.VARIANTS.values() for cell in v["cells"]}
    assert solved == set(SOLUTIONS)
    assert {f for v in CORPUS.VARIANTS.values() for f in v["fails"]} == set(TESTS)
    for cell in SOLUTIONS:
        assert sum(1 for v in CORPUS.VARIANTS.values() if cell in v["cells"] and not v["fails"]) >= 2, cell
    says = {p for v in CORPUS.VARIANTS.values() for p in v.get("says", {}).values()}
    for phrase in ("UNSORTED", "max(latencies)", "That is the mean", "LAST turn", "NEXT model turn",
                   "Only the wasted-call check fails"):
        assert phrase in says, phrase


@pytest.mark.parametrize("name", sorted(CORPUS.VARIANTS))
def test_corpus_variant(name, graded_variants):
    variant = CORPUS.VARIANTS[name]
    own = {TESTS[SOLUTIONS.index(c)] for c in variant["cells"]} | set(variant["fails"])   # a batch holds others too
    for cell in graded_variants[name].cells:
        gid = grade_id(cell)
        if is_grade(cell) and gid in own:
            score, max_score = determine_grade(cell, None)
            if gid in variant["fails"]:
                assert score == 0, f"{name}: {gid} should score 0 but scored {score}/{max_score}"
                assert any(o.output_type == "error" and o.ename == "AssertionError" for o in cell.outputs), \
                    f"{name}: {gid} should fail with a teaching AssertionError, got:\n{failure_text(cell)}"
                phrase = variant.get("says", {}).get(gid)
                if phrase:
                    assert phrase in failure_text(cell), \
                        f"{name}: {gid}'s message should mention {phrase!r}:\n{failure_text(cell)}"
            else:
                assert score == max_score, f"{name}: {gid} scored {score}/{max_score}:\n{failure_text(cell)}"
                assert not any(o.get("name") == "stderr" for o in cell.outputs), f"{name}: {gid} wrote to stderr"
