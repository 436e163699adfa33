"""A tiny nbgrader master (lesson ``00-fixture``) to develop and test the grading pipeline against.

Two exercises that use the course package (so monkeypatching it is a meaningful attack):
``double`` (2 points) and ``temperatures`` (3 points, checked against ``course.tools``), plus a
1-point probe that the replay layer is the one shipped.  Total 6.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

LESSON = "00-fixture"
REPO = Path(__file__).resolve().parents[2]


def _meta(grade_id: str, *, solution: bool = False, grade: bool = False, points: int = 0,
          locked: bool = False) -> dict:
    m = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
         "solution": solution, "task": False}
    if grade:
        m["points"] = points
    return {"nbgrader": m}


CELLS = [
    ("md", "intro", "# Fixture lesson\n\nTwo tiny exercises for the grader's own tests.", {"locked": True}),
    ("code", "setup", "from course import tools\nimport course.replay", {"locked": True}),
    ("code", "double", "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
     {"solution": True}),
    ("code", "test_double",
     "assert double(2) == 4, \"double(2) should be 4\"\n### BEGIN HIDDEN TESTS\n"
     "assert double(21) == 42, \"double(21) should be 42: multiply the argument by two, do not hard-code answers\"\n"
     "print(\"ok  double: hidden cases pass\")\n### END HIDDEN TESTS", {"grade": True, "points": 2, "locked": True}),
    ("code", "temperatures",
     "def temperatures(cities):\n    ### BEGIN SOLUTION\n"
     "    return [tools.get_weather(c)[\"temperature\"] for c in cities]\n    ### END SOLUTION",
     {"solution": True}),
    ("code", "test_temperatures",
     "assert temperatures([\"Tokyo\"]) == [tools.get_weather(\"Tokyo\")[\"temperature\"]]\n"
     "### BEGIN HIDDEN TESTS\n"
     "print(\"hidden check: cities London, Paris\")\n"
     "assert temperatures([\"London\", \"Paris\"]) == [tools.get_weather(c)[\"temperature\"] for c in (\"London\", \"Paris\")], "
     "\"call tools.get_weather for every city, in order\"\n"
     "### END HIDDEN TESTS", {"grade": True, "points": 3, "locked": True}),
    ("code", "test_replay_intact",
     "import inspect\n### BEGIN HIDDEN TESTS\n"
     "assert inspect.getsourcefile(course.replay.ReplaySession.handle).endswith('replay.py'), "
     "\"the replay layer was modified\"\nprint(\"ok  the replay layer is the one shipped\")\n### END HIDDEN TESTS", {"grade": True, "points": 1, "locked": True}),
    ("md", "recap", "## Recap\n\nDone.", {"locked": True}),
]


def master() -> nbformat.NotebookNode:
    """The fixture master notebook (no outputs)."""
    cells = []
    for kind, gid, src, flags in CELLS:
        cell = new_markdown_cell(src) if kind == "md" else new_code_cell(src)
        cell.metadata.update(_meta(gid, **flags))
        cells.append(cell)
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def build_course(root: Path, lessons: tuple[str, ...] = ()) -> Path:
    """A course root at ``root``: the real ``nbgrader_config.py``, the fixture master, and copies of
    the named real masters (``lessons``).  Returns ``root``."""
    (root / "source" / LESSON).mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "autograder" / "nbgrader_config.py", root / "nbgrader_config.py")
    nbformat.write(master(), root / "source" / LESSON / f"{LESSON}.ipynb")
    for lesson in lessons:
        shutil.copytree(REPO / "autograder" / "source" / lesson, root / "source" / lesson, dirs_exist_ok=True)
    return root
