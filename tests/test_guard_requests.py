"""The guard's questions ride on the cells' own requests (:class:`GuardedExecute`): when every cell succeeds, a
notebook is graded with one request of the guard's own (its install); when a cell fails, what it should have
asked is asked in requests of their own.  Either way each test cell sees the course restored and the notebook's
pinned names put back, and a learner's rebinding in the cell right before a test does not reach the test."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from course.instructor.preprocessors import GuardedExecute

GENUINE = ("import course.tools as _t\n"
           "assert tools is _t and tools.get_weather is _t.__dict__['get_weather'], 'course.tools was not restored'\n"
           "print('genuine')")


def _cell(source: str, **meta: bool) -> nbformat.NotebookNode:
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": meta.get("grade", False), "grade_id": f"c{abs(hash(source))}",
                                 "locked": meta.get("locked", False), "schema_version": 3,
                                 "solution": meta.get("solution", False), "task": False, "points": 1}
    return cell


def _notebook(answer: str) -> nbformat.NotebookNode:
    return new_notebook(cells=[
        _cell("from course import tools", locked=True),                       # a demo cell: pins `tools`
        _cell(answer, solution=True),                                          # learner code, right before a test
        _cell(GENUINE, grade=True, locked=True),
        _cell("weather = tools.get_weather('Tokyo')", locked=True),
        _cell(GENUINE, grade=True, locked=True),                               # a test right after a test
        _cell(GENUINE, grade=True, locked=True),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


class _Counting(GuardedExecute):
    def _silent(self, code: str, expr: str | None = None, raw: bool = False) -> str | None:
        self.own_requests = getattr(self, "own_requests", 0) + 1
        return super()._silent(code, expr, raw)


def _grade(answer: str, tmp_path: Path) -> tuple[nbformat.NotebookNode, _Counting]:
    ex = _Counting(timeout=60, kernel_name="python3")
    nb, _ = ex.preprocess(_notebook(answer), {"metadata": {"path": str(tmp_path)}})
    return nb, ex


def _test_outputs(nb: nbformat.NotebookNode) -> list[str]:
    return ["".join(o.get("text", "") or o.get("evalue", "") for o in c.outputs) for c in nb.cells
            if c.metadata["nbgrader"]["grade"]]


def test_a_notebook_that_succeeds_costs_one_request_of_the_guards_own(tmp_path: Path) -> None:
    nb, ex = _grade("x = 1", tmp_path)
    assert _test_outputs(nb) == ["genuine\n"] * 3
    assert ex.own_requests == 1 and ex.flags == []


def test_a_rebinding_in_the_cell_before_a_test_is_undone_before_the_test(tmp_path: Path) -> None:
    answer = ("import types, course.tools\n"
              "course.tools.get_weather = lambda city: {'temperature': 99}\n"
              "tools = types.SimpleNamespace(get_weather=lambda city: {'temperature': 99})")
    nb, ex = _grade(answer, tmp_path)
    assert _test_outputs(nb) == ["genuine\n"] * 3
    assert ex.own_requests == 1


def test_a_failing_cell_falls_back_to_requests_of_their_own(tmp_path: Path) -> None:
    answer = ("import types, course.tools\n"
              "course.tools.get_weather = lambda city: {'temperature': 99}\n"
              "tools = types.SimpleNamespace()\n"
              "raise NotImplementedError()")
    nb, ex = _grade(answer, tmp_path)
    assert _test_outputs(nb) == ["genuine\n"] * 3
    assert ex.own_requests == 2   # the install, then the first test's restore and witness
