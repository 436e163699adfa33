"""Build learner submissions: the learner notebook with its answer cells filled in, as saved by a learner."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbgrader.utils import is_solution

from .paths import grade_id as get_grade_id

from .generate import learner_notebook, load_config, solution_notebook
from .paths import Layout


def build(layout: Layout, lesson: str, cells: dict[str, str] | None = None, solve: bool = True) -> NotebookNode:
    """The learner notebook of ``lesson`` with each answer cell set to ``cells[grade_id]`` if given,
    else to the master's solution (``solve=True``) or left as the stub (``solve=False``)."""
    config = load_config(layout)
    master = layout.master(lesson)
    learner = learner_notebook(master, config)
    solved = {get_grade_id(c): c.source for c in solution_notebook(master, config).cells if is_solution(c)}
    cells = cells or {}
    unknown = set(cells) - set(solved)
    if unknown:
        raise KeyError(f"{lesson}: no answer cell with grade_id {sorted(unknown)}")
    for cell in learner.cells:
        if is_solution(cell):
            gid = get_grade_id(cell)
            if gid in cells:
                cell.source = cells[gid]
            elif solve:
                cell.source = solved[gid]
    return learner


def write(nb: NotebookNode, folder: Path, lesson: str) -> Path:
    """Save ``nb`` as ``folder/<lesson>.ipynb``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{lesson}.ipynb"
    nbformat.write(nb, path)
    return path
