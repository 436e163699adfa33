"""``make bench``, second table: each solution notebook against its *import floor*.

A learner's first "Run All" costs a kernel start, the lesson's imports and then the lesson itself.  The
first two are not the course's to cut, so each solution notebook is timed against a notebook that only
imports what that lesson imports (every top-level ``import`` / ``from … import`` of its code cells, in one
cell), both executed the same way a learner's kernel would (nbclient, offline, time scale 0).  Runs are
interleaved so machine noise falls on both; the ratio of medians is the figure (target: at most 1.5).

Quick tour::

    from course.notebook_bench import import_floor, time_notebook, measure

    floor = import_floor(nb)               # a one-cell notebook with the lesson's imports
    seconds = time_notebook(nb, folder)    # one offline execution, wall seconds
    lesson, floor_s = measure(path, rounds=3)   # medians over interleaved runs
"""

from __future__ import annotations

import ast
import os
import statistics
import time
from pathlib import Path

import nbformat
from course.kernel_channels import SteadyNotebookClient as NotebookClient

TARGET = 1.5


def imports_of(source: str) -> list[str]:
    """The top-level import statements of one cell's source (cells that are not Python give none)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [ast.get_source_segment(source, node) or "" for node in tree.body
            if isinstance(node, (ast.Import, ast.ImportFrom)) and getattr(node, "module", None) != "__future__"]


def import_floor(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A notebook with one code cell: every import the notebook's code cells make, in order, once each."""
    seen: dict[str, None] = {}
    for cell in nb.cells:
        if cell.cell_type == "code":
            seen.update(dict.fromkeys(imports_of(cell.source)))
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("\n".join(seen))], metadata=nb.metadata)


def time_notebook(nb: nbformat.NotebookNode, folder: Path) -> float:
    """Wall seconds to execute ``nb`` in a fresh kernel in ``folder`` (kernel start included)."""
    os.environ["COURSE_REPLAY_TIME_SCALE"] = "0"
    os.environ.pop("COURSE_MODE", None)
    copy = nbformat.from_dict(nb)
    start = time.perf_counter()
    NotebookClient(copy, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return time.perf_counter() - start


def measure(path: Path, rounds: int = 3) -> tuple[float, float]:
    """Median seconds (solution notebook, its import floor) over ``rounds`` interleaved runs."""
    nb = nbformat.read(path, as_version=4)
    floor = import_floor(nb)
    lesson_s, floor_s = [], []
    for _ in range(rounds):
        floor_s.append(time_notebook(floor, path.parent))
        lesson_s.append(time_notebook(nb, path.parent))
    return statistics.median(lesson_s), statistics.median(floor_s)


def table(paths: list[Path], rounds: int = 3) -> list[str]:
    """The printed table, one line per notebook."""
    lines = [f"solution notebook vs its import floor (offline, time scale 0, {rounds} interleaved runs, median)"]
    for path in paths:
        lesson_s, floor_s = measure(path, rounds)
        ratio = lesson_s / floor_s
        verdict = "ok" if ratio <= TARGET else "OVER TARGET"
        lines.append(f"  {path.stem:20} notebook {lesson_s:6.2f} s   floor {floor_s:6.2f} s   "
                     f"ratio {ratio:5.2f}  ({verdict}, target <= {TARGET})")
    return lines
