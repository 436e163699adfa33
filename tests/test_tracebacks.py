"""A failed check shows its teaching message once, in at most 12 lines: in a real kernel (as the learner sees it),
in nbgrader's autograded notebook and in its feedback HTML; ``asyncio.run`` inside the notebook is recognised.

Each lesson's case is a mistake of its corpus (``tests/corpus/``), run in the solution notebook up to the first
test cell it fails, so the failure is one a learner really meets.
"""

from __future__ import annotations

import asyncio
import gc
import html
import os
import re
import warnings
from pathlib import Path

import nbformat
import pytest
from course.kernel_channels import SteadyNotebookClient as NotebookClient

from course.grading.failures import failure_of, graded
from course.grading.running_loop import REFUSAL, SECTION

from lessons import LESSONS, SOLUTIONS, corpus, grade_id

MAX_LINES = 12
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _text(error: dict) -> str:
    return ANSI.sub("", "\n".join(error.get("traceback", [])))


def _first_mistake(lesson: str, nb: nbformat.NotebookNode) -> tuple[str, dict[str, str], str]:
    """(variant, its cells, the grade_id of the earliest test cell it fails) for the lesson's corpus."""
    order = {grade_id(c): i for i, c in enumerate(nb.cells) if grade_id(c)}
    best = None
    for name, v in corpus(lesson).VARIANTS.items():
        fails = [f for f in v.get("fails", []) if f in order]
        if not fails:
            continue
        first = min(fails, key=order.__getitem__)
        key = (order[first], name)
        if best is None or key < best[0]:
            best = (key, name, v["cells"], first)
    assert best is not None, f"{lesson}: no corpus mistake fails a test cell"
    return best[1], best[2], best[3]


def _assert_short(error: dict, where: str) -> None:
    text = _text(error)
    lines = text.splitlines()
    assert error["ename"] == "AssertionError", f"{where}: {error['ename']}: {error['evalue']}"
    assert len(lines) <= MAX_LINES, f"{where}: the traceback is {len(lines)} lines:\n{text}"
    assert text.count(error["evalue"]) == 1, f"{where}: the message is not shown exactly once:\n{text}"
    assert "During handling" not in text and "direct cause" not in text, text


@pytest.mark.parametrize("lesson", LESSONS)
def test_a_failed_check_in_a_kernel_is_short(lesson: str, tmp_path: Path) -> None:
    nb = nbformat.read(SOLUTIONS / f"{lesson}.ipynb", as_version=4)
    variant, cells, test_id = _first_mistake(lesson, nb)
    kept = []
    for cell in nb.cells:
        if grade_id(cell) in cells:
            cell.source = cells[grade_id(cell)]
        kept.append(cell)
        if grade_id(cell) == test_id:
            break
    nb.cells = kept
    os.environ["COURSE_REPLAY_TIME_SCALE"] = "0"
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(SOLUTIONS)}}).execute()
    errors = [o for o in nb.cells[-1].outputs if o.output_type == "error"]
    assert errors, f"{lesson}/{variant}: {test_id} did not fail"
    _assert_short(errors[0], f"{lesson}/{variant}/{test_id}")
    earlier = [(grade_id(c), o.get("ename")) for c in nb.cells[:-1] for o in c.get("outputs", [])
               if o.output_type == "error"]
    assert not earlier, f"{lesson}/{variant}: cells before {test_id} failed: {earlier}"


ASYNCIO_RUN_CELLS = [
    "import asyncio\nfrom course.grading.fanout import check_run_calls",
    # a learner who followed the tutorial's asyncio.run inside an async function
    "async def run_calls(calls, tools):\n"
    "    async def all_of_them():\n"
    "        return dict(zip([c['id'] for c in calls],\n"
    "                        await asyncio.gather(*(tools[c['name']](**c['arguments']) for c in calls))))\n"
    "    return asyncio.run(all_of_them())",
    "await check_run_calls(run_calls)",
    "import gc\ngc.collect()\nprint('next cell')",
]


def test_asyncio_run_in_the_notebook_points_to_section_4_and_leaks_nothing() -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in ASYNCIO_RUN_CELLS])
    os.environ["COURSE_REPLAY_TIME_SCALE"] = "0"
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    (error,) = [o for o in nb.cells[2].outputs if o.output_type == "error"]
    _assert_short(error, "asyncio.run")
    assert error["evalue"].startswith("run_calls called asyncio.run() inside the notebook"), error["evalue"]
    assert SECTION in error["evalue"]
    streams = [o for c in nb.cells for o in c.outputs if o.output_type == "stream"]
    assert [o.text for o in streams] == ["next cell\n"], f"something leaked: {streams}"


def test_a_sync_check_recognises_asyncio_run_and_closes_the_coroutine() -> None:
    async def answer() -> int:
        return 1

    def run_tool(name: str) -> int:
        return asyncio.run(answer())

    @graded
    def check_run_tool(fn):  # noqa: ANN001
        return fn("get_weather")

    async def in_a_running_loop() -> AssertionError:
        with pytest.raises(AssertionError) as info:
            check_run_tool(run_tool)
        return info.value

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exc = asyncio.run(in_a_running_loop())
        gc.collect()
    assert str(exc).startswith("run_tool called asyncio.run() inside the notebook") and SECTION in str(exc)
    assert failure_of(exc) is not None and failure_of(exc).mistake == "asyncio_run_in_loop"
    assert exc.__traceback__ is None or exc.__suppress_context__
    assert not [w for w in caught if "never awaited" in str(w.message)], [str(w.message) for w in caught]

    @graded
    def check_other(fn):  # noqa: ANN001
        raise RuntimeError("something else")

    with pytest.raises(RuntimeError, match="something else"):       # other errors pass through unchanged
        check_other(run_tool)
    assert REFUSAL not in "something else"


# --------------------------------------------------------------------------------------------- nbgrader feedback
FEEDBACK_LESSON = "03-fan-out"


def test_feedback_and_the_autograded_notebook_show_the_message_once(tmp_path: Path) -> None:
    import subprocess
    import sys

    from course.instructor import submissions
    from course.instructor.paths import Layout

    from hostile.fixture import build_course

    repo = Path(__file__).resolve().parents[1]
    root = build_course(tmp_path / "course", lessons=(FEEDBACK_LESSON,))
    layout = Layout(root=root, notebooks=tmp_path / "nb", solutions=tmp_path / "sol")

    def cli(*args: str) -> str:
        proc = subprocess.run([sys.executable, "-m", "course.instructor", "--root", str(root), *args],
                              env={**os.environ, "COURSE_REPLAY_TIME_SCALE": "0"}, capture_output=True, text=True,
                              cwd=repo)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        return proc.stdout

    cli("release", FEEDBACK_LESSON)
    sol = nbformat.read(SOLUTIONS / f"{FEEDBACK_LESSON}.ipynb", as_version=4)
    variant, cells, test_id = _first_mistake(FEEDBACK_LESSON, sol)
    submissions.write(submissions.build(layout, FEEDBACK_LESSON, cells), tmp_path / "handins" / "dana", FEEDBACK_LESSON)
    cli("collect", str(tmp_path / "handins"))
    cli("autograde", "--lesson", FEEDBACK_LESSON, "--sandbox", "off")
    cli("feedback", FEEDBACK_LESSON)

    graded_nb = nbformat.read(root / "autograded" / "dana" / FEEDBACK_LESSON / f"{FEEDBACK_LESSON}.ipynb",
                              as_version=4)
    (cell,) = [c for c in graded_nb.cells if grade_id(c) == test_id]
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert errors, f"{variant}: {test_id} did not fail under nbgrader"
    _assert_short(errors[0], f"autograded {test_id}")

    page = (root / "feedback" / "dana" / FEEDBACK_LESSON / f"{FEEDBACK_LESSON}.html").read_text()
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    message = errors[0]["evalue"]
    assert text.count(message) == 1, f"the feedback shows the message {text.count(message)} times"
    start = text.index(message)
    block = text[max(0, text.rfind("AssertionError", 0, start) - 400):start + len(message)]
    assert "During handling" not in block and "Traceback (most recent call last)" not in block


def test_only_the_course_s_own_messages_lose_their_traceback() -> None:
    """A check's message drops the check's frames; an ``assert`` in the learner's own code keeps its traceback."""
    from course.grading.recognising import check_extract

    def extract_calls(response):  # noqa: ANN001, ANN202
        assert False, "my own assert"

    with pytest.raises(AssertionError, match="my own assert") as mine:
        check_extract(extract_calls, "chat_weather_parallel")
    assert mine.value.__traceback__ is not None and not getattr(mine.value, "course_message", False)
    frames = []
    tb = mine.value.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    assert frames[-1] == "extract_calls", frames

    with pytest.raises(AssertionError) as theirs:
        check_extract(lambda response: [], "chat_weather_parallel")
    assert getattr(theirs.value, "course_message", False)
    assert theirs.value.__suppress_context__ and theirs.value.__cause__ is None and theirs.value.__context__ is None
