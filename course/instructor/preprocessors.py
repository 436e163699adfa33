"""nbgrader preprocessors used by ``autograder/nbgrader_config.py``.

- :class:`GuardedExecute`: nbgrader's ``Execute``, plus (1) the course package restored inside the kernel
  before every test cell (:mod:`course.instructor.kernel_guard`), and (2) output capped per cell, so a
  submission that prints hundreds of megabytes cannot exhaust the grader's memory.
- :class:`HideHiddenTests`: for feedback: removes hidden-test source from test cells, reduces their error
  outputs to ``AssertionError: <teaching message>`` (no traceback, which would quote hidden lines) and drops
  what they printed or displayed (a hidden check's output names its scenarios and data); the class
  report's failure tags (:mod:`course.grading.failures`) are dropped from every test cell.
"""

from __future__ import annotations

import ast
from typing import Any

from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests, Execute, NbGraderPreprocessor
from traitlets import Bool, Integer

from ..grading.failures import MIME as FAILURE_MIME
from .kernel_guard import INSTALL, RESTORE_EXPR, pin_expr
from .paths import grade_id


def _is_test_cell(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


def _names_read(source: str) -> set[str]:
    """Global names a cell reads (top-level ``await`` allowed); empty if it does not parse."""
    try:
        tree = compile(source, "<cell>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"{ename}: {evalue}"])


class GuardedExecute(Execute):
    """``Execute`` that restores the course package before test cells and caps each cell's output."""

    guard = Bool(True, help="Restore course.* modules in the kernel before every test cell.").tag(config=True)
    max_output_bytes = Integer(2_000_000, help="Drop a cell's outputs beyond this many characters.").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> Any:
        self._guard_installed = False
        self._output_sizes: dict[int, int] = {}
        self._test_names = sorted({n for c in nb.cells if _is_test_cell(c) for n in _names_read(c.source)})
        return super().preprocess(nb, resources, km)

    def _silent(self, code: str, expr: str | None = None) -> str | None:
        """Run ``code`` silently in the kernel; return the repr of ``expr`` (or None on failure)."""
        assert self.kc is not None
        exprs = {"r": expr} if expr else {}
        msg_id = self.kc.execute(code, silent=True, store_history=False,
                                 user_expressions=exprs, allow_stdin=False)
        reply = self.wait_for_reply(msg_id)
        if not reply or reply["content"].get("status") != "ok":
            return None
        if not expr:
            return "ok"
        value = reply["content"].get("user_expressions", {}).get("r", {})
        if value.get("status") != "ok":
            return None
        text = value.get("data", {}).get("text/plain", "")
        return text.strip("'\"")

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> Any:
        if self.guard and cell.cell_type == "code":
            if not self._guard_installed:
                self._guard_installed = self._silent(INSTALL) == "ok"
                if not self._guard_installed:
                    self.log.warning("could not install the course guard in the kernel")
            if _is_test_cell(cell):
                status = self._silent("", RESTORE_EXPR)
                if status != "ok":
                    reason = status or "the grader's guard was removed or broken by learner code"
                    self.log.warning("cell %s not run: %s", grade_id(cell), reason)
                    cell.outputs = [_error("GradingIntegrityError",
                                           f"this test was not run: {reason}. Do not modify the course package.")]
                    cell.execution_count = None
                    return cell, self.resources
        cell, resources = super().preprocess_cell(cell, resources, index)
        if (self.guard and self._guard_installed and cell.cell_type == "code" and self._test_names
                and not _is_test_cell(cell) and not utils.is_solution(cell)):
            self._silent("", pin_expr(self._test_names))
        return cell, resources

    def output(self, outs: list[NotebookNode], msg: dict[str, Any], display_id: str | None,
               cell_index: int) -> NotebookNode | None:
        size = len(str(msg.get("content", {}).get("text", ""))) + len(str(msg.get("content", {}).get("data", "")))
        before = self._output_sizes.get(cell_index, 0)
        self._output_sizes[cell_index] = before + size
        if before + size > self.max_output_bytes:
            if before <= self.max_output_bytes:
                self._interrupt()
                note = NotebookNode(output_type="stream", name="stdout",
                                    text=f"\n[output stopped by the grader: over {self.max_output_bytes} characters; the cell was interrupted]\n")
                outs.append(note)
            return None
        return super().output(outs, msg, display_id, cell_index)


    def _interrupt(self) -> None:
        """Stop the cell that floods the output (the cap bounds time as well as memory)."""
        import asyncio

        try:
            asyncio.get_running_loop().create_task(self.km.interrupt_kernel())
        except Exception as exc:  # noqa: BLE001 - no loop or no kernel: the cap still drops output
            self.log.warning("could not interrupt a flooding cell: %s", exc)


class HideHiddenTests(NbGraderPreprocessor):
    """Feedback without hidden-test source: teaching messages stay, code and tracebacks go."""

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> Any:
        if not _is_test_cell(cell):
            return cell, resources
        cell.outputs = [o for o in cell.get("outputs", []) if FAILURE_MIME not in o.get("data", {})]  # report tags
        clear = ClearHiddenTests(enforce_metadata=False)
        if not clear._remove_hidden_test_region(cell):
            return cell, resources
        outputs = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":  # what a hidden check prints or displays would name its data
                ename, evalue = out.get("ename", "Error"), str(out.get("evalue", ""))
                if ename == "AssertionError" and not evalue:
                    evalue = "a check failed (it has no message)"
                outputs.append(_error(ename, evalue))
        cell.outputs = outputs
        cell.source = cell.source.rstrip() + "\n# (hidden tests, and what the tests printed, are not shown)"
        return cell, resources
