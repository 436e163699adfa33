"""Learner and solution notebooks, generated from the masters (the one source of truth).

The learner notebook is what ``nbgrader generate_assignment`` writes to ``release/``: we run the very
same nbgrader preprocessors in-process, in the same order, minus the one that writes to the gradebook
(``SaveCells``), so generating all lessons takes well under a second instead of ~3 s per lesson.
``tests/test_generate.py`` checks the result byte for byte against the stock command.

The solution notebook keeps the solutions (marker lines dropped), removes hidden tests and outputs.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from .paths import Layout

_MARKER = re.compile(r"^[ \t]*#+[ \t]*(BEGIN|END) SOLUTION[ \t]*$")


def load_config(layout: Layout) -> Config:
    """The course's ``nbgrader_config.py`` as a traitlets Config (empty if absent)."""
    if not layout.config.is_file():
        return Config()
    loader = PyFileConfigLoader(layout.config.name, path=str(layout.config.parent))
    return loader.load_config()


def _release_preprocessors(config: Config) -> list[Any]:
    """``GenerateAssignment.preprocessors`` without ``SaveCells`` (the gradebook writer)."""
    from nbgrader.converters.generate_assignment import GenerateAssignment
    from nbgrader.preprocessors import SaveCells

    classes = [c for c in GenerateAssignment.class_traits()["preprocessors"].default() if c is not SaveCells]
    return [cls(config=config) for cls in classes]


def learner_notebook(master: Path, config: Config) -> NotebookNode:
    """The notebook ``nbgrader generate_assignment`` would release for ``master``."""
    nb = nbformat.read(master, as_version=4)
    resources: dict[str, Any] = {"metadata": {"path": str(master.parent), "name": master.stem},
                                 "nbgrader": {"notebook": master.stem, "assignment": master.parent.name}}
    for pp in _release_preprocessors(config):
        nb, resources = pp.preprocess(nb, resources)
    return nb


def solution_notebook(master: Path, config: Config) -> NotebookNode:
    """Solutions kept (without marker lines), hidden tests removed, outputs cleared."""
    from nbgrader.preprocessors import ClearHiddenTests, ClearOutput

    nb = nbformat.read(master, as_version=4)
    resources: dict[str, Any] = {"metadata": {"path": str(master.parent)}}
    for pp in (ClearOutput(config=config), ClearHiddenTests(config=config)):
        nb, resources = pp.preprocess(nb, resources)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = "\n".join(l for l in cell.source.split("\n") if not _MARKER.match(l))
    return nb


def render(nb: NotebookNode) -> str:
    """Serialise exactly like nbconvert's ``NotebookExporter`` + ``FilesWriter`` do."""
    return nbformat.writes(copy.deepcopy(nb), version=4) + "\n"


def outputs(layout: Layout, lessons: list[str] | None = None) -> dict[Path, str]:
    """Every generated file and its expected content, for ``lessons`` (default: all)."""
    config = load_config(layout)
    result: dict[Path, str] = {}
    for lesson in lessons or layout.lessons():
        master = layout.master(lesson)
        result[layout.notebooks / f"{lesson}.ipynb"] = render(learner_notebook(master, config))
        result[layout.solutions / f"{lesson}.ipynb"] = render(solution_notebook(master, config))
    return result


def write(layout: Layout, lessons: list[str] | None = None) -> list[Path]:
    """Write generated files that differ from disk; return the paths written."""
    written = []
    for path, text in outputs(layout, lessons).items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def stale(layout: Layout, lessons: list[str] | None = None) -> list[str]:
    """Human-readable reasons why generated files are out of date (empty list = in sync)."""
    problems = []
    expected = outputs(layout, lessons)
    for path, text in expected.items():
        if not path.is_file():
            problems.append(f"{path}: missing (run `make generate`)")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{path}: stale, differs from its master (run `make generate`)")
    if lessons is None:
        known = {p.name for p in expected}
        for folder in (layout.notebooks, layout.solutions):
            for p in sorted(folder.glob("[0-9][0-9]-*.ipynb")) if folder.is_dir() else []:
                if p.name not in known:
                    problems.append(f"{p}: has no master in {layout.source}")
    return problems
