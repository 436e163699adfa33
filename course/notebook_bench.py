"""``make bench``, second table: each solution notebook against its *import floor*.

A learner's first "Run All" costs a kernel start, loading the libraries' code and then the lesson itself.
The first two are not the course's to cut, so each solution notebook is timed against a notebook that only
loads what the lesson loads, both executed the same way a learner's kernel would (nbclient, offline, time
scale 0).  There are two such floors, and the table prints the ratio to each:

- the *module floor* (the verdict): the lesson's import lines, then every library module the lesson's kernel
  loaded, imported in the order it loaded them (the course's own modules only as the import lines load
  them).  The SDKs and matplotlib load much of their code on first use (``client.responses`` imports
  ``openai.resources.responses``, the first PNG imports the Agg backend and Pillow), so a lesson's import
  lines alone leave up to a second of library loading inside the lesson's own time.  The list is taken from
  one untimed run of the lesson (:func:`loaded_modules`).  First-use *work* that is not a module import (the
  SDKs building their pydantic validators, matplotlib opening its fonts) stays in the lesson's time.
- the *import-line floor*: the lesson's top-level ``import`` / ``from … import`` lines, in one cell.

Each round runs the import-line floor, the module floor, then the lesson, and gives one *paired* ratio per
floor; the figure is the median of the rounds' ratios (target: at most 1.5), printed with their range.  On a
shared machine the speed drifts by tens of percent within a minute (the same floor took 4.2 s in one run and
6.6 s in the next): runs back to back see nearly the same speed, so a pair's ratio cancels most of the drift,
and the median drops the odd round that a slowdown split.

Quick tour::

    from course.notebook_bench import (import_floor, library_modules, loaded_modules, measure, module_floor,
                                       paired_ratio, time_notebook)

    floor = import_floor(nb)                     # one cell: the lesson's import lines
    modules = loaded_modules(nb, folder)         # what one run of the lesson loaded, in load order
    floor = module_floor(nb, library_modules(modules))   # the import lines, then those modules but the course's
    seconds = time_notebook(nb, folder)          # one offline execution, wall seconds
    rounds = measure(path, rounds=5)             # [Round(lesson, import_lines, modules), ...] in seconds
    paired_ratio([(r.lesson, r.modules) for r in rounds])   # the median of the rounds' ratios
"""

from __future__ import annotations

import ast
import json
import os
import statistics
import time
from pathlib import Path
from typing import Iterator, NamedTuple

import nbformat
from course.kernel_channels import SteadyNotebookClient as NotebookClient

TARGET = 1.5
ROUNDS = 5
"""Rounds by default: each runs both floors and the lesson (about 15-25 s a lesson on 2 cores)."""

_PROBE_START = "import sys as _bench_sys\n_bench_before = set(_bench_sys.modules)"
_PROBE_END = ("import json as _bench_json\n"
              "print(_bench_json.dumps([m for m in list(_bench_sys.modules) if m not in _bench_before]))")


class Round(NamedTuple):
    """Wall seconds of one round: the lesson, its import-line floor and its module floor."""

    lesson: float
    import_lines: float
    modules: float


def imports_of(source: str) -> list[str]:
    """The top-level import statements of one cell's source (cells that are not Python give none)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [ast.get_source_segment(source, node) or "" for node in tree.body
            if isinstance(node, (ast.Import, ast.ImportFrom)) and getattr(node, "module", None) != "__future__"]


def _import_lines(nb: nbformat.NotebookNode) -> str:
    seen: dict[str, None] = {}
    for cell in nb.cells:
        if cell.cell_type == "code":
            seen.update(dict.fromkeys(imports_of(cell.source)))
    return "\n".join(seen)


def import_floor(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A notebook with one code cell: every import the notebook's code cells make, in order, once each."""
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(_import_lines(nb))], metadata=nb.metadata)


def module_floor(nb: nbformat.NotebookNode, modules: list[str]) -> nbformat.NotebookNode:
    """A notebook with one code cell: ``nb``'s import lines, then each of ``modules`` imported by name, in order.

    A module that cannot be imported on its own (one a library builds at run time) is skipped, which only
    makes the floor smaller."""
    loop = ("import importlib as _bench_importlib\n"
            f"for _bench_name in {modules!r}:\n"
            "    try:\n"
            "        _bench_importlib.import_module(_bench_name)\n"
            "    except Exception:\n"
            "        pass")
    source = "\n".join(part for part in (_import_lines(nb), loop) if part)
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)], metadata=nb.metadata)


def _execute(nb: nbformat.NotebookNode, folder: Path) -> nbformat.NotebookNode:
    os.environ["COURSE_REPLAY_TIME_SCALE"] = "0"
    os.environ.pop("COURSE_MODE", None)
    copy = nbformat.from_dict(nb)
    NotebookClient(copy, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return copy


def time_notebook(nb: nbformat.NotebookNode, folder: Path) -> float:
    """Wall seconds to execute ``nb`` in a fresh kernel in ``folder`` (kernel start included)."""
    start = time.perf_counter()
    _execute(nb, folder)
    return time.perf_counter() - start


def loaded_modules(nb: nbformat.NotebookNode, folder: Path) -> list[str]:
    """The modules one run of ``nb`` loads, in load order (those the kernel had before its first cell aside)."""
    probe = nbformat.from_dict(nb)
    probe.cells = [nbformat.v4.new_code_cell(_PROBE_START), *probe.cells, nbformat.v4.new_code_cell(_PROBE_END)]
    last = _execute(probe, folder).cells[-1]
    text = "".join(o.get("text", "") for o in last.get("outputs", []) if o.get("name") == "stdout")
    if not text:
        raise RuntimeError(f"the module probe printed nothing: {last.get('outputs')}")
    return [m for m in json.loads(text) if m != "__main__" and not m.startswith("_bench")]


def library_modules(modules: list[str]) -> list[str]:
    """``modules`` without the course's own: loading those stays in the lesson's time, unless an import line
    of the lesson loads them (both floors have those lines)."""
    return [m for m in modules if m != "course" and not m.startswith("course.")]


def measure(path: Path, rounds: int = ROUNDS) -> list[Round]:
    """One untimed run of the solution notebook to list what it loads, then ``rounds`` rounds, each the
    import-line floor, the module floor, then the lesson."""
    nb = nbformat.read(path, as_version=4)
    lines, modules = import_floor(nb), module_floor(nb, library_modules(loaded_modules(nb, path.parent)))
    out = []
    for _ in range(rounds):
        import_lines_s = time_notebook(lines, path.parent)
        modules_s = time_notebook(modules, path.parent)
        out.append(Round(time_notebook(nb, path.parent), import_lines_s, modules_s))
    return out


def paired_ratio(pairs: list[tuple[float, float]]) -> float:
    """The median of the pairs' lesson / floor ratios.

    >>> paired_ratio([(6.0, 4.0), (9.0, 6.0), (13.0, 5.0)])     # a slowdown split the last round
    1.5
    """
    return statistics.median(lesson / floor for lesson, floor in pairs)


def table(paths: list[Path], rounds: int = ROUNDS) -> Iterator[str]:
    """The printed table's lines: a header, then one line per notebook as soon as it is measured (medians in
    seconds, then the ratios)."""
    yield (f"solution notebook vs its import floors (offline, time scale 0; {rounds} rounds of: import lines, "
           "every module the lesson loads, the notebook)")
    yield (f"  {'':20} {'notebook':>8} {'import lines':>12} {'all modules':>11}   ratio to all modules "
           "(rounds' range), verdict; ratio to import lines")
    for path in paths:
        got = measure(path, rounds)
        by_modules = [(r.lesson, r.modules) for r in got]
        ratio, spread = paired_ratio(by_modules), [lesson / floor for lesson, floor in by_modules]
        verdict = "ok" if ratio <= TARGET else "OVER TARGET"
        lesson_s, lines_s, modules_s = (statistics.median(column) for column in zip(*got))
        yield (f"  {path.stem:20} {lesson_s:7.2f}s {lines_s:11.2f}s {modules_s:10.2f}s   {ratio:5.2f} "
               f"({min(spread):.2f}-{max(spread):.2f}) {verdict}, target <= {TARGET}; "
               f"{paired_ratio([(r.lesson, r.import_lines) for r in got]):.2f}")
