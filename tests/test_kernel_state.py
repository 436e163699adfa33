"""The kernel after a lesson behaves like the grader's: lesson 3's `nest_asyncio` demo leaves asyncio unpatched, so a
solution that calls `asyncio.run` still fails its check afterwards (as it does under grading)."""

from __future__ import annotations

import os

import nbformat
from course.kernel_channels import SteadyNotebookClient as NotebookClient

from lessons import SOLUTIONS

PROBE = "import asyncio\nprint('patched' if hasattr(asyncio, '_nest_patched') else 'unpatched', asyncio.run.__module__)"
WRONG = ("async def run_calls(calls, tools):\n"
         "    async def go():\n"
         "        return {c['id']: await tools[c['name']](**c['arguments']) for c in calls}\n"
         "    return asyncio.run(go())\n"
         "from course.grading.fanout import check_run_calls\n"
         "await check_run_calls(run_calls)")


def test_the_nest_asyncio_demo_does_not_patch_the_kernel() -> None:
    sol = nbformat.read(SOLUTIONS / "03-fan-out.ipynb", as_version=4)
    code = [c for c in sol.cells if c.cell_type == "code"]
    demo = [c for c in code if "nest_asyncio" in c.source]
    assert len(demo) == 1, "lesson 3 has one nest_asyncio demo cell"
    nb = nbformat.v4.new_notebook(cells=[code[0], demo[0], nbformat.v4.new_code_cell(PROBE),
                                         nbformat.v4.new_code_cell(WRONG)])
    os.environ["COURSE_REPLAY_TIME_SCALE"] = "0"
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(SOLUTIONS)}}).execute()
    shown = "".join(o.get("text", "") for o in nb.cells[1].outputs if o.output_type == "stream")
    assert "without nest_asyncio: asyncio.run() cannot be called from a running event loop" in shown, shown
    assert "with nest_asyncio: answered" in shown, shown
    probe = "".join(o.get("text", "") for o in nb.cells[2].outputs)
    assert probe.split() == ["unpatched", "asyncio.runners"], probe
    errors = [o for o in nb.cells[3].outputs if o.output_type == "error"]
    assert errors and "asyncio.run() inside the notebook" in errors[0]["evalue"], nb.cells[3].outputs
