"""Lesson 01 (recognising parallel tool calls): the master scores full, and the submission corpus grades as intended.

The master runs top to bottom offline (nbclient, COURSE_REPLAY_TIME_SCALE=0) and every graded cell
scores full under nbgrader's own rule (``determine_grade``: an error or any stderr scores 0).
Each variant in ``tests/corpus/01_recognising.py`` replaces solution cells and is graded the same way:
correct styles score full everywhere; each mistake scores 0 exactly in the cells it names, with the
teaching message it names.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader.utils import determine_grade, is_grade, is_solution

ROOT = Path(__file__).resolve().parents[1]
MASTER = ROOT / "autograder" / "source" / "01-recognising" / "01-recognising.ipynb"
_spec = importlib.util.spec_from_file_location("corpus_01", ROOT / "tests" / "corpus" / "01_recognising.py")
CORPUS = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(CORPUS)


def execute(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    os.environ["COURSE_REPLAY_TIME_SCALE"] = "0"
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


FORGET = ("for _name in [n for n in globals() if not n.startswith('_') and n not in ('In', 'Out', 'get_ipython', "
          "'exit', 'quit')]:\n    del globals()[_name]")


def variant_cells(name: str, cells: dict[str, str]) -> list[nbformat.NotebookNode]:
    """What grading runs for one variant: one cell with the setup and the solutions (its own in place of the
    reference ones), then the test cells."""
    nb = nbformat.read(MASTER, as_version=4)
    unknown = set(cells) - {grade_id(c) for c in nb.cells if is_solution(c)}
    assert not unknown, f"corpus variant {name} names cells the master has no solution cell for: {unknown}"
    prelude, tests = [FORGET], []
    for c in nb.cells:
        gid = grade_id(c)
        if c.cell_type != "code":
            continue
        if gid == "setup" or is_solution(c):
            prelude.append(cells.get(gid, c.source).strip("\n"))
        elif is_grade(c):
            tests.append(c)
    keep = [nbformat.v4.new_code_cell("\n\n".join(prelude))] + tests
    for c in keep:
        c.metadata["corpus_variant"] = name
    return keep


@pytest.fixture(scope="module")
def executed_master() -> nbformat.NotebookNode:
    return execute(nbformat.read(MASTER, as_version=4))


@pytest.fixture(scope="module")
def graded_variants() -> dict[str, list[nbformat.NotebookNode]]:
    """Every corpus variant, graded in one kernel: each variant's first cell deletes every public name the
    previous one defined (imported modules stay cached, which only saves time)."""
    nb = nbformat.read(MASTER, as_version=4)
    nb.cells = [c for name in sorted(CORPUS.VARIANTS) for c in variant_cells(name, CORPUS.VARIANTS[name]["cells"])]
    execute(nb)
    out: dict[str, list[nbformat.NotebookNode]] = {}
    for c in nb.cells:
        out.setdefault(c.metadata["corpus_variant"], []).append(c)
    return out


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
    assert solved == {"extract_calls", "assemble_chat_stream", "assemble_claude_stream", "calls_per_turn"}
    correct = [n for n, v in CORPUS.VARIANTS.items() if not v["fails"]]
    mistakes = [n for n, v in CORPUS.VARIANTS.items() if v["fails"]]
    assert len(correct) >= 8 and len(mistakes) >= 12
    for v in CORPUS.VARIANTS.values():
        assert v["why"]


@pytest.mark.parametrize("name", sorted(CORPUS.VARIANTS))
def test_corpus_variant(name, graded_variants):
    variant = CORPUS.VARIANTS[name]
    for cell in graded_variants[name]:
        if not (is_grade(cell) and not is_solution(cell)):
            continue
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
