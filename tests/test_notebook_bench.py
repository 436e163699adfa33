"""``make bench``'s floors: a notebook of a lesson's import lines, and one that also loads every library module the
lesson loaded; the table pairs them with the lesson, round by round."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from course.kernel_channels import SteadyNotebookClient as NotebookClient
from course.notebook_bench import (import_floor, imports_of, library_modules, loaded_modules, module_floor,
                                   paired_ratio, table)


def test_imports_of_keeps_top_level_imports_only() -> None:
    source = "import json\nfrom course.clock import SimClock\nif True:\n    import os\nx = 1\n"
    assert imports_of(source) == ["import json", "from course.clock import SimClock"]
    assert imports_of("%matplotlib inline\nimport json") == []  # a magic cell is not Python
    assert imports_of("from __future__ import annotations") == []


def test_import_floor_is_one_cell_with_each_import_once() -> None:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("import this is prose"),
        nbformat.v4.new_code_cell("import json\nprint(json.dumps({}))"),
        nbformat.v4.new_code_cell("from course import tools\nimport json"),
    ])
    floor = import_floor(nb)
    assert [c.source for c in floor.cells] == ["import json\nfrom course import tools"]


def test_table_pairs_each_notebook_with_both_floors(tmp_path: Path) -> None:
    """The printed row: medians, the median of the rounds' ratios to the module floor with their range and the
    verdict, then the ratio to the import lines."""
    path = tmp_path / "01-tiny.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import json"),
        nbformat.v4.new_code_cell("print(json.dumps(sum(range(10**6))))"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}), path)
    header, columns, row = table([path], rounds=2)
    assert "2 rounds of: import lines, every module the lesson loads, the notebook" in header
    m = re.fullmatch(r"  01-tiny\s+([\d.]+)s\s+([\d.]+)s\s+([\d.]+)s\s+([\d.]+) \(([\d.]+)-([\d.]+)\) "
                     r"(ok|OVER TARGET), target <= 1.5; ([\d.]+)", row)
    assert m, row
    ratio, low, high = (float(m[i]) for i in (4, 5, 6))
    assert low <= ratio <= high and ratio == pytest.approx((low + high) / 2, abs=0.011)
    assert m[7] == ("ok" if ratio <= 1.5 else "OVER TARGET")


def test_the_module_floor_loads_what_the_lesson_loaded_lazily(tmp_path: Path) -> None:
    """A module the lesson loads only when a cell runs (here ``fractions``, through a function's own import) is in
    the module floor, after the lesson's import lines; the import-line floor does not have it."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import json"),
        nbformat.v4.new_code_cell("def half():\n    from fractions import Fraction\n    return Fraction(1, 2)\n"
                                  "print(json.dumps(str(half())))"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    modules = loaded_modules(nb, tmp_path)
    assert "fractions" in modules and "json" not in modules  # the kernel had json before the first cell
    assert not any(m.startswith("_bench") or m == "__main__" for m in modules)
    assert library_modules(["fractions", "course", "course.tools", "coursework"]) == ["fractions", "coursework"]
    source = module_floor(nb, modules).cells[0].source
    assert source.startswith("import json\n") and "'fractions'" in source
    assert "fractions" not in import_floor(nb).cells[0].source
    run = nbformat.from_dict(module_floor(nb, ["fractions", "no_such_module_here"]))
    run.cells.append(nbformat.v4.new_code_cell("import sys\nprint('fractions' in sys.modules)"))
    NotebookClient(run, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert run.cells[-1].outputs[0]["text"] == "True\n"   # and a module that fails to import is skipped


def test_paired_ratio_is_the_median_of_the_rounds_ratios() -> None:
    assert paired_ratio([(6.0, 4.0), (9.0, 6.0), (13.0, 5.0)]) == 1.5
    assert paired_ratio([(2.0, 1.0), (3.0, 2.0)]) == pytest.approx(1.75)
