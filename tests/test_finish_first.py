"""A demo cell that calls an unwritten exercise says which exercise to finish first (course/grading/finish_first.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel
from nbgrader.utils import is_solution

from course.grading.finish_first import exercise_defining, finish_first_message

ROOT = Path(__file__).resolve().parents[1]
LEARNER = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _solution_functions(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [m.group(1) for c in nb.cells if c.cell_type == "code" and is_solution(c)
            for m in [re.search(r"^(?:async\s+)?def\s+(\w+)", c.source, re.M)] if m]


def _notebook(tmp_path: Path, *cells: tuple[str, str, bool]) -> Path:
    nb = nbformat.v4.new_notebook()
    for kind, source, solution in cells:
        cell = nbformat.v4.new_markdown_cell(source) if kind == "md" else nbformat.v4.new_code_cell(source)
        if solution:
            cell.metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "x", "locked": False}
        nb.cells.append(cell)
    path = tmp_path / "lesson.ipynb"
    nbformat.write(nb, path)
    return path


def test_the_exercise_is_the_heading_above_the_solution_cell_without_number_and_points(tmp_path: Path) -> None:
    path = _notebook(tmp_path,
                     ("md", "## 6. Exercise 2: failures (4 points)", False),
                     ("code", "async def run_calls_safely(calls):\n    raise NotImplementedError()", True),
                     ("md", "Some prose\n\n## 7. Exercise 3: a concurrency cap (4 points)\n\nWrite it.", False),
                     ("code", "def helper():\n    pass\n\nasync def run_calls_capped(calls, limit):\n    raise NotImplementedError()", True),
                     ("code", "await run_calls_capped(five, 2)", False))
    assert exercise_defining("run_calls_safely", path) == "Exercise 2: failures"
    assert exercise_defining("run_calls_capped", path) == "Exercise 3: a concurrency cap"
    assert exercise_defining("helper", path) == "Exercise 3: a concurrency cap"
    assert exercise_defining("plot_timeline", path) is None          # not a solution cell's function
    assert exercise_defining("run_calls_capped", tmp_path / "missing.ipynb") is None


@pytest.mark.parametrize("path", LEARNER, ids=lambda p: p.stem)
def test_every_exercise_function_of_every_lesson_has_its_exercise(path: Path) -> None:
    names = _solution_functions(path)
    assert names, f"{path.name}: no exercise functions found"
    missing = [n for n in names if not (exercise_defining(n, path) or "").startswith("Exercise")]
    assert not missing, f"{path.name}: no exercise heading above the cells defining {missing}"


def test_a_demo_cell_in_a_kernel_names_the_exercise_to_finish_first(tmp_path: Path) -> None:
    """A real kernel started as Jupyter Server starts it (JPY_SESSION_NAME = the notebook)."""
    notebook = LEARNER[0]
    name = _solution_functions(notebook)[0]
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(notebook.parent),
                              env={**os.environ, "JPY_SESSION_NAME": str(notebook),
                                   "IPYTHONDIR": str(tmp_path / "ipython")})
    errors: list[dict] = []

    def run(code: str) -> None:
        kc.execute_interactive(code, timeout=60, output_hook=lambda m: errors.append(m["content"])
                               if m["msg_type"] == "error" else None)

    try:
        run(f"import course.grading.recognising\ndef {name}(*args):\n    raise NotImplementedError()")
        assert not errors, errors
        run(f"{name}(None)")                                   # a demo cell using the stub
        run("raise NotImplementedError('a library said so')")   # not a stub of this notebook: unchanged
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    demo, other = errors
    assert demo["ename"] == "NotImplementedError"
    assert demo["evalue"] == finish_first_message(name, exercise_defining(name, notebook) or "?")
    assert demo["evalue"].startswith(f"{name} is not written yet: finish Exercise")
    assert other["evalue"] == "a library said so" and len(other["traceback"]) > 1


def test_a_demo_cell_that_needs_several_exercises_names_the_first_unwritten(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Lesson 6's report figure needs four exercises: `needs(...)` stops it with the sentence, not a KeyError."""
    from course.grading.finish_first import is_stub, needs

    path = _notebook(tmp_path,
                     ("md", "## 3. Exercise 1: percentiles (2 points)", False),
                     ("code", "def latency_percentiles(values):\n    raise NotImplementedError()", True),
                     ("md", "## 4. Exercise 2: cost (2 points)", False),
                     ("code", "def task_cost(usages, prices):\n    raise NotImplementedError()", True))
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))

    def latency_percentiles(values):  # noqa: ANN001, ANN202 - written
        return {"p50": sorted(values)[len(values) // 2]}

    def task_cost(usages, prices):  # noqa: ANN001, ANN202 - the released stub
        # YOUR CODE HERE
        raise NotImplementedError()

    assert is_stub(task_cost) and not is_stub(latency_percentiles)
    needs(latency_percentiles)                                            # written: nothing happens
    with pytest.raises(NotImplementedError) as info:
        needs(latency_percentiles, task_cost)
    assert str(info.value) == finish_first_message("task_cost", "Exercise 2: cost")
    assert getattr(info.value, "finish_first", False)
    monkeypatch.delenv("JPY_SESSION_NAME")
    with pytest.raises(NotImplementedError, match="^task_cost is not written yet: finish the exercise that defines"):
        needs(task_cost)
