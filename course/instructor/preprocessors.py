"""nbgrader preprocessors used by ``autograder/nbgrader_config.py``.

- :class:`GuardedExecute`: nbgrader's ``Execute``, plus (1) the course package restored inside the kernel
  before every test cell (:mod:`course.instructor.kernel_guard`), (2) output capped per cell, so a
  submission that prints hundreds of megabytes cannot exhaust the grader's memory, and (3) tamper flags:
  the guard's *witness* is evaluated before and after every test cell, and a hidden-test cell that ends
  without an error and without printing is flagged too.  Flags are logged as warnings and written to the
  file named by ``$COURSE_GRADE_FLAGS`` (:mod:`course.instructor.flags`); they never change a score.
  Its waits for kernel messages are short repeated polls (:mod:`course.kernel_channels`), so a missed
  wake-up cannot stall a submission for the whole cell timeout.
- :class:`HideHiddenTests`: for feedback: removes hidden-test source from test cells, reduces their error
  outputs to ``AssertionError: <teaching message>`` (no traceback, which would quote hidden lines) and drops
  what they printed or displayed (a hidden check's output names its scenarios and data).  In *every* cell,
  output lines that quote a hidden-test line (12 or more non-space characters, teaching messages excepted)
  are replaced by :data:`SCRUBBED`, whatever learner code printed; the class report's failure tags
  (:mod:`course.grading.failures`) are dropped from every test cell.
"""

from __future__ import annotations

import ast
import html
import os
import re
from typing import Any

from jupyter_core.utils import run_sync
from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests, Execute, NbGraderPreprocessor
from traitlets import Bool, Integer

from . import flags as flagfile
from .kernel_guard import IDENTITY_EXPR, INSTALL, before_test_expr, pin_expr, witness_expr
from ..grading.failures import MIME as FAILURE_MIME
from ..kernel_channels import poll_in_steps
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


def _literal(text: str | None) -> Any:
    """A kernel's repr of a Python literal, parsed; None if absent or not a literal."""
    try:
        return ast.literal_eval(text) if text is not None else None
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def _has_hidden_tests(cell: NotebookNode) -> bool:
    return _is_test_cell(cell) and "BEGIN HIDDEN TESTS" in cell.source


def _printed(outputs: list[NotebookNode]) -> bool:
    return any(o.get("output_type") == "stream" and o.get("name") == "stdout" and str(o.get("text", "")).strip()
               for o in outputs)


class GuardedExecute(Execute):
    """``Execute`` that restores the course package before test cells, caps each cell's output and flags
    tampering (see the module docstring)."""

    guard = Bool(True, help="Restore course.* modules in the kernel before every test cell.").tag(config=True)
    max_output_bytes = Integer(2_000_000, help="Drop a cell's outputs beyond this many characters.").tag(config=True)

    async def async_start_new_kernel_client(self) -> Any:
        kc = poll_in_steps(await super().async_start_new_kernel_client())  # see course.kernel_channels
        execute = kc.execute

        def execute_asking(code: str, *args: Any, **kwargs: Any) -> Any:
            # A cell's own execute_request also asks what the guard needs right after it (see preprocess_cell):
            # ipykernel evaluates those user_expressions once the code succeeded, in one round trip with it.
            ask, self._ask = self._ask, None
            if ask and not kwargs.get("silent") and "user_expressions" not in kwargs:
                kwargs["user_expressions"] = ask
            return execute(code, *args, **kwargs)

        kc.execute = execute_asking
        return kc

    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> Any:
        self._guard_installed = False
        self._guard_ids: list[int] | None = None
        self.flags: list[str] = []
        self._output_sizes: dict[int, int] = {}
        self._test_names = sorted({n for c in nb.cells if _is_test_cell(c) for n in _names_read(c.source)})
        self._tests = {i for i, c in enumerate(nb.cells) if _is_test_cell(c)}
        self._last_test = max(self._tests, default=-1)
        code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        self._next_code = dict(zip(code, code[1:]))   # code cell -> the next code cell
        self._before: Any = None                      # a before-test answer the previous code cell's request brought
        self._pin_due = False   # a cell ran since the last pin: pin before the next cell that may hold learner code
        self._ask: dict[str, str] | None = None       # user_expressions for the next cell's execute_request
        self._reply: dict[str, Any] = {}              # the last cell's execute_reply (nbclient's on_cell_executed)
        self.on_cell_executed = self._executed
        try:
            return super().preprocess(nb, resources, km)
        finally:
            self._emit_flags()

    def _flag(self, reason: str) -> None:
        reason = " ".join(str(reason).split())[:240]   # reasons may carry learner text (class names): bounded
        if reason and reason not in self.flags and len(self.flags) < 20:
            self.flags.append(reason)
            self.log.warning("flagged: %s", reason)

    def _emit_flags(self) -> None:
        path = os.environ.get(flagfile.ENV)
        if path:
            try:
                flagfile.write(path, self.flags)
            except OSError as exc:
                self.log.warning("could not write the flags file %s: %s", path, exc)

    def _value(self, code: str, expr: str) -> Any:
        """Run ``code`` silently, evaluate ``expr``; its value (a Python literal) or None on failure."""
        return _literal(self._silent(code, expr, raw=True))

    def _executed(self, cell: NotebookNode, cell_index: int, execute_reply: dict[str, Any]) -> None:
        self._reply = execute_reply or {}

    def _asked(self, key: str) -> Any:
        """The value of user expression ``key`` in the last cell's reply (None if not evaluated)."""
        value = (self._reply.get("content", {}).get("user_expressions") or {}).get(key) or {}
        if value.get("status") != "ok":
            return None
        return _literal(value.get("data", {}).get("text/plain"))

    def _witness(self, after: bool, classes: bool = False) -> None:
        """Evaluate the guard's witness; turn what is off-baseline into flags."""
        self._judge(self._value("", witness_expr(after, classes)))

    def _judge(self, value: Any) -> None:
        """Flags from a witness answer (``[identities..., [reasons...]]``, or None if it failed)."""
        ids = self._guard_ids or []
        if not isinstance(value, list) or not value or not isinstance(value[-1], list):
            self._flag("the grader's guard was removed or disabled")
            return
        if value[:-1] != ids:
            self._flag("the grader's guard was replaced")
        for reason in value[-1]:
            self._flag(str(reason))

    def _silent(self, code: str, expr: str | None = None, raw: bool = False) -> str | None:
        """Run ``code`` silently in the kernel; return the repr of ``expr`` (or None on failure);
        quotes stripped unless ``raw``."""
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
        return text if raw else text.strip("'\"")

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> Any:
        before, self._before = self._before, None   # the answer the previous code cell's request brought, if any
        if self.guard and cell.cell_type == "code":
            if not self._guard_installed:
                ids = self._value(INSTALL, IDENTITY_EXPR)
                self._guard_installed = isinstance(ids, list) and all(isinstance(i, int) for i in ids)
                self._guard_ids = ids if self._guard_installed else None
                if not self._guard_installed:
                    self.log.warning("could not install the course guard in the kernel")
            if _is_test_cell(cell):
                answer = before if before is not None else self._value(
                    "", before_test_expr(self._test_names if self._pin_due else None))
                self._pin_due = False
                status = answer[1] if isinstance(answer, list) and len(answer) == 3 else None
                if status != "ok":
                    reason = (str(status) if status else "") or "the grader's guard was removed or broken by learner code"
                    self.log.warning("cell %s not run: %s", grade_id(cell), reason)
                    self._flag("the grader's guard was removed or disabled" if status is None
                               else f"the grader's guard refused a test: {reason}")
                    cell.outputs = [_error("GradingIntegrityError",
                                           f"this test was not run: {reason}. Do not modify the course package.")]
                    cell.execution_count = None
                    return cell, self.resources
                if self._guard_installed:
                    self._judge(answer[2])
            elif self._pin_due and not utils.is_locked(cell):   # a solution or an added cell: learner code
                self._silent("", pin_expr(self._test_names))
                self._pin_due = False
        guarded = self.guard and self._guard_installed and cell.cell_type == "code"
        testing = guarded and _is_test_cell(cell)
        pins = guarded and bool(self._test_names) and not testing and not utils.is_solution(cell)
        # What this cell's own request also asks once its code succeeded (ipykernel skips user expressions after
        # an error, and then each is asked in a round trip of its own): "w", a test's after-witness; "p", the
        # pins this cell made due; "b", the next code cell's before-test answer (pins included if still due).
        ask: dict[str, str] = {}
        if testing:
            ask["w"] = witness_expr(True, index == self._last_test)
        if guarded and self._next_is_test(index):
            ask["b"] = before_test_expr(self._test_names if pins or self._pin_due else None)
        elif pins:
            ask["p"] = pin_expr(self._test_names)
        self._reply = {}
        self._ask = ask or None
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        finally:
            self._ask = None
        if testing:
            answer = self._asked("w")
            if answer is None:   # the test failed (or was interrupted): ask in a round trip of its own
                self._witness(after=True, classes=index == self._last_test)
            else:
                self._judge(answer)
            outs = cell.get("outputs", [])
            if (_has_hidden_tests(cell) and not any(o.get("output_type") == "error" for o in outs)
                    and not _printed(outs)):
                self._flag(f"hidden test cell {grade_id(cell)} ended without an error and without check output")
        if "b" in ask:
            answer = self._asked("b")
            if isinstance(answer, list) and len(answer) == 3:
                self._before, self._pin_due = answer, False
            elif pins:
                self._pin_due = True
        elif pins:
            self._pin_due = self._asked("p") != "ok"
        return cell, resources

    def _next_is_test(self, index: int) -> bool:
        """Whether the next code cell after ``index`` is a test cell."""
        return self._next_code.get(index, -1) in self._tests

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


SCRUBBED = "[removed by the grader: this output quoted hidden tests]"
_NOISE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|[\s\\'\"`]")


def _norm(text: str) -> str:
    """Text compared for quoting: HTML entities decoded; ANSI codes, whitespace, quotes, backslashes dropped."""
    return _NOISE.sub("", html.unescape(text))


def _is_message(line: str) -> bool:
    """A line that is only a string literal (an assertion's teaching message, meant to be shown)."""
    try:
        return isinstance(ast.literal_eval(line.strip().rstrip(",").strip()), str)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return False


def hidden_lines(nb: NotebookNode, min_chars: int = 12) -> list[str]:
    """Normalised hidden-test lines (markers included) of ``min_chars`` or more non-space characters."""
    found: set[str] = set()
    for cell in nb.cells:
        if not _is_test_cell(cell):
            continue
        inside = False
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            if inside and len("".join(line.split())) >= min_chars and not _is_message(line):
                found.add(_norm(line))
            if "END HIDDEN TESTS" in line:
                inside = False
    return sorted(found, key=len, reverse=True)


def scrub_text(text: str, hidden: list[str]) -> str:
    """``text`` with every line that quotes one of ``hidden`` replaced by :data:`SCRUBBED` (once per run)."""
    if not hidden:
        return text
    out: list[str] = []
    for line in text.splitlines(keepends=True):
        norm = _norm(line)
        if any(h in norm for h in hidden):
            if not out or not out[-1].startswith(SCRUBBED):
                out.append(SCRUBBED + "\n")
        else:
            out.append(line)
    return "".join(out)


def scrub_outputs(outputs: list[NotebookNode], hidden: list[str]) -> list[NotebookNode]:
    """Outputs with quoted hidden-test lines removed from streams, rich data and errors (in place)."""
    import json

    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream":
            out["text"] = scrub_text(str(out.get("text", "")), hidden)
        elif kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            for mime in list(data):
                value = data[mime]
                if isinstance(value, list):
                    value = "".join(map(str, value))
                if isinstance(value, str):
                    data[mime] = scrub_text(value, hidden)
                elif any(h in _norm(json.dumps(value)) for h in hidden):
                    del data[mime]
                    data["text/plain"] = SCRUBBED
        elif kind == "error":
            out["ename"] = scrub_text(str(out.get("ename", "")), hidden)
            out["evalue"] = scrub_text(str(out.get("evalue", "")), hidden)
            out["traceback"] = [scrub_text(str(t), hidden) for t in out.get("traceback", [])]
    return outputs


class HideHiddenTests(NbGraderPreprocessor):
    """Feedback without hidden-test source: teaching messages stay, code and tracebacks go, and no output of
    any cell quotes a hidden-test line."""

    def preprocess(self, nb: NotebookNode, resources: Any) -> Any:
        self._hidden = hidden_lines(nb)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> Any:
        if cell.cell_type == "code":
            scrub_outputs(cell.get("outputs", []), getattr(self, "_hidden", []))
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
