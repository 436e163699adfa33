"""``make bench``'s import floor: a notebook that imports exactly what a lesson imports, and nothing else."""

from __future__ import annotations

import nbformat

from course.notebook_bench import import_floor, imports_of


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
