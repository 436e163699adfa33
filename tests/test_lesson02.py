"""Lesson 02 (answering every call id): the master executes and scores full marks; every corpus
variant scores exactly as the corpus says (correct styles full marks, each mistake fails its cells
with the teaching message).

Variants run without the master's ``demo_*`` cells (they grade nothing and only cost time), several
kernels at once; the full master, demos included, runs in ``test_master_scores_full_marks_without_errors``.
"""

from __future__ import annotations

import importlib.util
import os
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader.utils import determine_grade, is_grade, is_solution

ROOT = Path(__file__).resolve().parents[1]
MASTER = ROOT / "autograder" / "source" / "02-answering" / "02-answering.ipynb"
CORPUS = ROOT / "tests" / "corpus" / "02_answering.py"


def load_corpus():
    spec = importlib.util.spec_from_file_location("corpus_02_answering", CORPUS)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


VARIANTS = load_corpus().VARIANTS


def master() -> nbformat.NotebookNode:
    return nbformat.read(MASTER, as_version=4)


def execute(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    os.environ["COURSE_REPLAY_TIME_SCALE"] = "0"
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(MASTER.parent)}}).execute()
    return nb


def grades(nb: nbformat.NotebookNode) -> dict[str, tuple[float, float]]:
    return {c.metadata["nbgrader"]["grade_id"]: determine_grade(c) for c in nb.cells if is_grade(c)}


def error_text(cell: nbformat.NotebookNode) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "error":
            parts.append(f"{out.ename}: {out.evalue}")
        elif out.output_type == "stream" and out.name == "stderr":
            parts.append("stderr: " + out.text)
    return "\n".join(parts)


@lru_cache(maxsize=1)
def executed_master() -> nbformat.NotebookNode:
    return execute(master())


def test_master_is_clean_nbgrader_source():
    nb = master()
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids)), "grade_ids must be unique"
    for c in nb.cells:
        if c.cell_type == "code":
            assert not c.outputs and c.execution_count is None, "masters carry no outputs"
    points = [c.metadata["nbgrader"]["points"] for c in nb.cells if is_grade(c)]
    assert 3 <= len(points) <= 8
    assert sum(points) == 20
    for c in nb.cells:
        if is_solution(c):
            assert "### BEGIN SOLUTION" in c.source and "### END SOLUTION" in c.source
        if is_grade(c):
            assert "### BEGIN HIDDEN TESTS" in c.source, f"{c.metadata['nbgrader']['grade_id']} has no hidden tests"


def test_master_scores_full_marks_without_errors():
    nb = executed_master()
    for c in nb.cells:
        if c.cell_type == "code":
            assert not error_text(c), f"cell {c.metadata.get('nbgrader', {}).get('grade_id')}: {error_text(c)}"
    got = grades(nb)
    assert all(score == full for score, full in got.values()), got


def submission(variant: dict) -> nbformat.NotebookNode:
    """The master with the variant's answer cells swapped in and the demo cells left out."""
    nb = master()
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    for gid, src in variant["cells"].items():
        assert gid in by_id and is_solution(by_id[gid]), f"{gid} is not an answer cell of the master"
        by_id[gid].source = src
    nb.cells = [c for c in nb.cells
                if not str(c.metadata.get("nbgrader", {}).get("grade_id", "")).startswith("demo_")]
    return nb


@lru_cache(maxsize=1)
def executed_variants() -> dict[str, nbformat.NotebookNode]:
    with ThreadPoolExecutor(max_workers=3) as pool:
        done = pool.map(lambda v: execute(submission(v)), VARIANTS)
        return {v["name"]: nb for v, nb in zip(VARIANTS, done)}


@pytest.mark.parametrize("variant", VARIANTS, ids=[v["name"] for v in VARIANTS])
def test_corpus_variant(variant):
    nb = executed_variants()[variant["name"]]
    got = grades(nb)
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if is_grade(c)}
    failed = {gid for gid, (score, full) in got.items() if score != full}
    assert failed == set(variant.get("fails", {})), {gid: error_text(cells[gid]) for gid in failed}
    for gid, phrase in variant.get("fails", {}).items():
        text = error_text(cells[gid])
        assert "AssertionError" in text, f"{gid} should fail with a teaching AssertionError, got: {text}"
        assert phrase.lower() in text.lower(), f"{gid}: expected {phrase!r} in the message, got: {text}"
        assert "stderr:" not in text


def test_hidden_tests_use_scenarios_the_visible_checks_do_not():
    import re

    from course import recording

    visible, hidden = set(), set()
    for c in master().cells:
        if is_grade(c):
            shown, _, secret = c.source.partition("### BEGIN HIDDEN TESTS")
            visible |= set(re.findall(r'_client\("(\w+)"', shown))
            hidden |= set(re.findall(r'_client\("(\w+)"', secret))
    assert visible and hidden
    assert not visible & hidden, f"hidden tests reuse visible scenarios: {visible & hidden}"
    known = set(recording.list_scenarios())
    assert visible | hidden <= known, f"unknown scenarios: {(visible | hidden) - known}"
