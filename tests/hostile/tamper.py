"""In-kernel tampering with the grading (for ``00-fixture``): each case must be *flagged*, not prevented.

Learner code shares the kernel with the tests, so it can forge anything in-kernel; the grader's witness
(:mod:`course.instructor.kernel_guard`, :class:`course.instructor.preprocessors.GuardedExecute`) makes each
known class visible.  Every builder returns a :class:`Tamper`: the submission, the phrase its flags must
contain, and the scores it keeps (``None`` when a race decides them: a background thread).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import nbformat
from nbformat.v4 import new_code_cell

from course.instructor import submissions
from course.instructor.paths import Layout

from .builders import FULL, SOLUTION_DOUBLE
from .fixture import LESSON

WRONG_DOUBLE = "def double(x):\n    return 4"
FAKE_WEATHER = "def temperatures(cities):\n    return [99 for c in cities]"


@dataclass
class Tamper:
    name: str
    why: str
    flag: str                              # a phrase one of its flags must contain
    scores: dict[str, float] | None
    notebook: nbformat.NotebookNode


def _nb(layout: Layout, **cells: str) -> nbformat.NotebookNode:
    return submissions.build(layout, LESSON, cells)


def input_transformer(layout: Layout) -> Tamper:
    src = ("get_ipython().input_transformers_cleanup.append(\n"
           "    lambda lines: ['pass\\n'] if any('BEGIN HIDDEN TESTS' in l for l in lines) else lines)\n"
           + WRONG_DOUBLE)
    return Tamper("input-transformer", "turns every cell with hidden tests into `pass`",
                  "an IPython input transformer was installed", FULL, _nb(layout, double=src))


def ast_transformer(layout: Layout) -> Tamper:
    src = ("import ast\nclass _NoAsserts(ast.NodeTransformer):\n"
           "    def visit_Assert(self, node):\n        return None\n"
           "get_ipython().ast_transformers.append(_NoAsserts())\n" + WRONG_DOUBLE)
    return Tamper("ast-transformer", "drops every assert before it runs", "an IPython AST transformer was installed",
                  FULL, _nb(layout, double=src))


def shell_patch(layout: Layout) -> Tamper:
    src = ("_ip = get_ipython()\n_orig = _ip.transform_cell\n"
           "_ip.transform_cell = lambda cell: 'pass\\n' if 'BEGIN HIDDEN' in cell else _orig(cell)\n" + WRONG_DOUBLE)
    return Tamper("shell-patch", "replaces the shell's transform_cell", "the IPython shell was patched (transform_cell)",
                  FULL, _nb(layout, double=src))


def cell_events(layout: Layout) -> Tamper:
    src = ("import course.tools\n_real = course.tools.get_weather\n_ip = get_ipython()\n"
           "def _patch(*a):\n    course.tools.get_weather = lambda city: {'temperature': 99}\n"
           "def _unpatch(*a):\n    course.tools.get_weather = _real\n"
           "_ip.events.register('pre_run_cell', _patch)\n_ip.events.register('post_run_cell', _unpatch)\n"
           + FAKE_WEATHER)
    return Tamper("cell-events", "patches course.tools before every cell and unpatches after it",
                  "an IPython pre_run_cell callback was registered", FULL, _nb(layout, temperatures=src))


def guard_restore_lambda(layout: Layout) -> Tamper:
    src = ("import sys, course.tools\nsys.modules['_course_guard'].restore = lambda: 'ok'\n"
           "course.tools.get_weather = lambda city: {'temperature': 99}\n" + FAKE_WEATHER)
    return Tamper("guard-restore-lambda", "the guard's restore answers 'ok' and does nothing, then monkeypatches",
                  "the grader's guard was replaced", FULL, _nb(layout, temperatures=src))


def guard_closure(layout: Layout) -> Tamper:
    src = ("import sys, course.tools\ng = sys.modules['_course_guard']\n"
           "for _cell in g.restore.__closure__:   # the snapshots: empty ones leave restore nothing to put back\n"
           "    _v = _cell.cell_contents\n"
           "    if isinstance(_v, dict) and any(k.startswith('course.') for k in _v):\n"
           "        _cell.cell_contents = {k: {'globals': {}, 'classes': {}, 'funcs': []} for k in _v}\n"
           "course.tools.get_weather = lambda city: {'temperature': 99}\n" + FAKE_WEATHER)
    return Tamper("guard-closure", "empties what the guard's restore closes over", "the grader's guard was replaced",
                  FULL, _nb(layout, temperatures=src))


def guard_code_swap(layout: Layout) -> Tamper:
    src = ("import sys, course.tools\ng = sys.modules['_course_guard']\n"
           "def _code(fn, answer):  # a code object with as many free variables as fn's closure\n"
           "    names = fn.__code__.co_freevars\n"
           "    body = ''.join(f'    {n} = None\\n' for n in names)\n"
           "    uses = ''.join(f'        {n}\\n' for n in names)\n"
           "    ns = {}\n"
           "    exec(f'def outer():\\n{body}    def f(*_a, **_k):\\n{uses}        return {answer!r}\\n    return f', ns)\n"
           "    return ns['outer']().__code__\n"
           "g.restore.__code__ = _code(g.restore, 'ok')\ng.witness.__code__ = _code(g.witness, [])\n"
           "course.tools.get_weather = lambda city: {'temperature': 99}\n" + FAKE_WEATHER)
    return Tamper("guard-code-swap", "swaps the code of the guard's functions", "the grader's guard was replaced",
                  FULL, _nb(layout, temperatures=src))


def background_thread(layout: Layout) -> Tamper:
    src = ("import threading, time, course.tools\n_fake = lambda city: {'temperature': 99}\n"
           "def _again():\n    while True:\n        course.tools.get_weather = _fake\n        time.sleep(0.0005)\n"
           "threading.Thread(target=_again, daemon=True).start()\n" + FAKE_WEATHER)
    return Tamper("background-thread", "a thread re-patches course.tools after every restore",
                  "course.tools.get_weather changed while a test ran", None, _nb(layout, temperatures=src))


def settrace(layout: Layout) -> Tamper:
    src = ("import sys\n"
           "def _tracer(frame, event, arg):\n"
           "    if event == 'call' and frame.f_code.co_name == 'double':\n"
           "        frame.f_locals.get('x')  # a tracer can read and rewrite a test's frame locals\n"
           "    return None\n"
           "sys.settrace(_tracer)\n" + SOLUTION_DOUBLE)
    return Tamper("settrace", "installs a sys.settrace hook", "sys.settrace was called", FULL, _nb(layout, double=src))


def setprofile(layout: Layout) -> Tamper:
    src = "import sys\nsys.setprofile(lambda frame, event, arg: None)\n" + SOLUTION_DOUBLE
    return Tamper("setprofile", "installs a sys.setprofile hook", "profile hook", FULL, _nb(layout, double=src))


def audit_hook(layout: Layout) -> Tamper:
    src = "import sys\nsys.addaudithook(lambda event, args: None)\n" + SOLUTION_DOUBLE
    return Tamper("audit-hook", "installs an audit hook", "an audit hook was installed", FULL, _nb(layout, double=src))


def json_loads(layout: Layout) -> Tamper:
    src = ("import json\n_loads = json.loads\n"
           "json.loads = lambda s, *a, **k: {'ok': True} if 'secret' in str(s) else _loads(s, *a, **k)\n"
           + SOLUTION_DOUBLE)
    return Tamper("json-loads", "a selective json.loads patch", "json.loads was replaced", FULL,
                  _nb(layout, double=src))


def always_equal_int(layout: Layout) -> Tamper:
    src = ("class Anything(int):\n    def __eq__(self, other):\n        return True\n"
           "    __hash__ = int.__hash__\n"
           "def double(x):\n    return Anything(0)")
    return Tamper("always-equal-int", "an int subclass whose __eq__ is always true", "subclasses int and overrides __eq__",
                  FULL, _nb(layout, double=src))


def always_equal_object(layout: Layout) -> Tamper:
    src = ("class Whatever:\n    def __eq__(self, other):\n        return True\n"
           "def temperatures(cities):\n    return Whatever()")
    return Tamper("always-equal-object", "a plain class whose __eq__ is always true",
                  "learner class Whatever has a hand-written __eq__", FULL, _nb(layout, temperatures=src))


def forged_replay_log(layout: Layout) -> Tamper:
    src = ("from course.clients import openai_client\nfrom course.replay import Exchange, session_of\n"
           "_s = session_of(openai_client('answer_chat_stocks_hidden'))\n"
           "_s.log.append(Exchange('played', 'POST', '/v1/chat/completions', {}, 0, 200))\n_s.played.append(0)\n"
           + SOLUTION_DOUBLE)
    return Tamper("forged-replay-log", "appends a 'played' entry the replay never wrote",
                  "the replay log holds entries the replay did not write", FULL, _nb(layout, double=src))


def forged_clock(layout: Layout) -> Tamper:
    src = ("from course.clock import SimClock, ToolCall\n_clock = SimClock()\n"
           "_clock.calls.append(ToolCall(0, 'get_weather', {'city': 'Tokyo'}, 0.0, 800.0, 'async', 'MainThread', "
           "None, False, finish=800.0, outcome='ok'))\n" + SOLUTION_DOUBLE)
    return Tamper("forged-clock", "appends a clock event the clock never made",
                  "the simulated clock holds calls the clock did not make", FULL, _nb(layout, double=src))


def silent_tests(layout: Layout) -> Tamper:
    src = "import io, sys\nsys.stdout = io.StringIO()\n" + SOLUTION_DOUBLE
    return Tamper("silent-tests", "swallows everything the tests print",
                  "ended without an error and without check output", FULL, _nb(layout, double=src))


ALL: list[Callable[[Layout], Tamper]] = [
    input_transformer, ast_transformer, shell_patch, cell_events, guard_restore_lambda, guard_closure, guard_code_swap,
    background_thread,
    settrace, setprofile, audit_hook, json_loads, always_equal_int, always_equal_object, forged_replay_log,
    forged_clock, silent_tests,
]


LEAK = "feedback-leak"


def feedback_leak(layout: Layout) -> nbformat.NotebookNode:
    """Prints the hidden tests it finds: from the cell being run (``In[-1]``, inside a test) and, in a cell
    of its own at the end, the whole input history and whatever the working gradebook holds (if readable)."""
    src = ("def temperatures(cities):\n    raise ValueError('found: ' + get_ipython().user_ns['In'][-1])")
    nb = _nb(layout, temperatures=src)
    nb.cells.append(new_code_cell(
        "print('\\n'.join(get_ipython().user_ns['In']))\n"
        "print(repr(get_ipython().user_ns['In']))\n"
        "import glob, sqlite3\n"
        "for db in glob.glob('../../../gradebook.db'):\n"
        "    try:\n"
        "        print([s for (s,) in sqlite3.connect(db).execute('select source from source_cell')])\n"
        "    except Exception as e:\n"
        "        print('gradebook not readable:', type(e).__name__)"))
    return nb
