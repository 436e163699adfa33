"""Hostile and broken submissions for the fixture lesson ``00-fixture`` (see :mod:`fixture`).

Each builder returns a :class:`Case`: the submission (a notebook or raw bytes), and what the grader
must do with it: ``status`` (graded / failed / rejected), the expected per-cell scores when graded,
and a phrase the grading report's reason must contain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat

from course.instructor import submissions
from course.instructor.paths import Layout, grade_id

from .fixture import LESSON

FULL = {"test_double": 2.0, "test_temperatures": 3.0, "test_replay_intact": 1.0}
NO_DOUBLE = {**FULL, "test_double": 0.0}
BLANK = {"test_double": 0.0, "test_temperatures": 0.0, "test_replay_intact": 1.0}  # the last needs no answer


# Cases whose defence is the same with and without the sandbox (the in-kernel guard, nbgrader's cell timeout)
# run sandboxed only (IN_KERNEL); SANDBOX=off runs the cases whose defence is the grader's, outside the kernel.
IN_KERNEL = ("on",)


@dataclass
class Case:
    name: str
    why: str
    status: str
    scores: dict[str, float] | None = None
    reason: str = ""
    notebook: nbformat.NotebookNode | None = None
    raw: bytes | None = None
    extra: dict[str, bytes] = field(default_factory=dict)   # other files put beside the notebook
    on: tuple[str, dict[str, float] | None, str] | None = None   # (status, scores, reason) when sandboxed
    modes: tuple[str, ...] = ("on", "off")                      # grading modes the case runs in

    def expect(self, mode: str) -> tuple[str, dict[str, float] | None, str]:
        """What the grader must do with this case in ``mode`` ("on": sandboxed, "off": SANDBOX=off)."""
        if mode == "on" and self.on is not None:
            return self.on
        return self.status, self.scores, self.reason


def _nb(layout: Layout, **cells: str) -> nbformat.NotebookNode:
    return submissions.build(layout, LESSON, cells)


SOLUTION_DOUBLE = "def double(x):\n    return 2 * x"
WRONG_TEMPERATURES = "def temperatures(cities):\n    return [99 for c in cities]"  # what a forged check would accept


def correct(layout: Layout) -> Case:
    return Case("control", "a correct submission graded in the same run", "graded", FULL, notebook=_nb(layout))


def infinite_loop(layout: Layout) -> Case:
    return Case("infinite-loop", "`while True: pass` in an answer cell: interrupted at the cell timeout",
                "graded", NO_DOUBLE, notebook=_nb(layout, double="while True:\n    pass\n" + SOLUTION_DOUBLE),
                modes=IN_KERNEL)


def loop_ignoring_sigint(layout: Layout) -> Case:
    src = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
    return Case("loop-ignores-interrupt", "an infinite loop that ignores SIGINT: nbgrader gives up on it",
                "failed", reason="hung past the timeout", notebook=_nb(layout, double=src), modes=IN_KERNEL)


def sys_exit(layout: Layout) -> Case:
    return Case("sys-exit", "`sys.exit()` in an answer cell: IPython catches SystemExit, grading goes on",
                "graded", NO_DOUBLE, notebook=_nb(layout, double="import sys\nsys.exit()\n" + SOLUTION_DOUBLE))


def kernel_crash(layout: Layout) -> Case:
    return Case("kernel-crash", "`os._exit(1)` kills the kernel: not gradable, reported",
                "failed", reason="kernel died", notebook=_nb(layout, double="import os\nos._exit(1)"))


def enormous_output(layout: Layout) -> Case:
    src = "for _ in range(200):\n    print('x' * 1_000_000)\n" + SOLUTION_DOUBLE
    return Case("enormous-output", "200 MB printed: output dropped past the cap, graded normally", "graded", FULL,
                notebook=_nb(layout, double=src))


def delete_course_files(layout: Layout) -> Case:
    src = ("import os, shutil, course.tools\n"
           "shutil.rmtree(os.path.dirname(course.tools.__file__), ignore_errors=True)\n"
           "for p in ('../../../gradebook.db', '../../../source'):\n"
           "    shutil.rmtree(p, ignore_errors=True) if os.path.isdir(p) else (os.remove(p) if os.path.exists(p) else None)\n"
           + SOLUTION_DOUBLE)
    return Case("delete-course-files", "deletes the course package, masters and gradebook it can find",
                "rejected", reason="modified course files", notebook=_nb(layout, double=src),
                on=("graded", FULL, ""))  # sandboxed: nothing of the course is writable or visible


def overwrite_package(layout: Layout) -> Case:
    src = ("import course.tools, pathlib\n"
           "p = pathlib.Path(course.tools.__file__)\n"
           "p.write_text(p.read_text().replace('return {\"city\": city, \"temperature\": WEATHER[city]', "
           "'return {\"city\": city, \"temperature\": 99'))\n"
           + WRONG_TEMPERATURES)
    return Case("overwrite-package", "rewrites course/tools.py on disk so the tests agree with a wrong answer",
                "rejected", reason="modified course files", notebook=_nb(layout, temperatures=src),
                on=("graded", {**FULL, "test_temperatures": 0.0}, ""))  # read-only: the cell fails


def overwrite_bytecode(layout: Layout) -> Case:
    src = ("import course.tools, importlib.util, pathlib\n"
           "p = pathlib.Path(importlib.util.cache_from_source(course.tools.__file__))\n"
           "p.write_bytes(p.read_bytes()[:16] + b'not the code the grader compiled')\n"
           + WRONG_TEMPERATURES)
    return Case("overwrite-bytecode", "rewrites the grader's compiled course/tools.pyc beside the source",
                "rejected", reason="modified course files", notebook=_nb(layout, temperatures=src),
                on=("graded", {**FULL, "test_temperatures": 0.0}, ""))  # read-only: the cell fails


def absolute_path_tamper(layout: Layout) -> Case:
    master = layout.master(LESSON)
    src = (f"import pathlib\np = pathlib.Path({str(master)!r})\n"
           "p.write_text(p.read_text().replace('double(21) == 42', 'True'))\n"
           f"open({str(layout.gradebook)!r}, 'ab').write(b'garbage')\n" + SOLUTION_DOUBLE)
    return Case("absolute-path-tamper", "edits the real masters and gradebook by absolute path",
                "rejected", reason="outside its working copy", notebook=_nb(layout, double=src),
                on=("graded", NO_DOUBLE, ""))  # the paths do not exist inside the sandbox


def monkeypatch_course(layout: Layout) -> Case:
    src = ("import course.tools, course.replay\n"
           "course.tools.get_weather = lambda city: {'temperature': 99}\n"
           "course.replay.ReplaySession.handle = lambda self, *a, **k: None\n"
           + WRONG_TEMPERATURES)
    return Case("monkeypatch-course", "rebinds course.tools.get_weather and ReplaySession.handle so tests pass",
                "graded", {**FULL, "test_temperatures": 0.0, "test_replay_intact": 1.0},
                notebook=_nb(layout, temperatures=src), modes=IN_KERNEL)


def patch_function_code(layout: Layout) -> Case:
    src = ("import course.tools\n"
           "def _fake(city):\n    return {'temperature': 99}\n"
           "course.tools.get_weather.__code__ = _fake.__code__\n"
           + WRONG_TEMPERATURES)
    return Case("patch-function-code", "swaps the __code__ of a course function", "graded",
                {**FULL, "test_temperatures": 0.0}, notebook=_nb(layout, temperatures=src), modes=IN_KERNEL)


def shadow_setup_name(layout: Layout) -> Case:
    src = ("import types\n"
           "tools = types.SimpleNamespace(get_weather=lambda city: {'temperature': 99})\n"
           + WRONG_TEMPERATURES)
    return Case("shadow-setup-name", "rebinds the setup cell's `tools`, which the tests read, to a fake",
                "graded", {**FULL, "test_temperatures": 0.0}, notebook=_nb(layout, temperatures=src),
                modes=IN_KERNEL)


def remove_guard(layout: Layout) -> Case:
    src = "import sys\nsys.modules.pop('_course_guard', None)\n" + SOLUTION_DOUBLE
    return Case("remove-guard", "removes the grader's in-kernel guard: every test refused",
                "graded", {k: 0.0 for k in FULL}, notebook=_nb(layout, double=src), modes=IN_KERNEL)


def edit_test_cells(layout: Layout) -> Case:
    nb = _nb(layout, double="def double(x):\n    return 4")
    for cell in nb.cells:
        if grade_id(cell) == "test_double":
            cell.source = "pass"
    return Case("edit-test-cells", "replaces a read-only test cell with `pass` (restored by nbgrader)",
                "graded", NO_DOUBLE, notebook=nb)


def invalid_json(layout: Layout) -> Case:
    return Case("invalid-json", "a notebook that is not valid JSON", "rejected", reason="not a valid notebook",
                raw=b'{"cells": [ this is not json')


def blank(layout: Layout) -> Case:
    return Case("blank", "the untouched learner notebook, graded beside the attacks: must score 0",
                "graded", BLANK, notebook=submissions.build(layout, LESSON, solve=False))


def rewrite_any_gradebook(layout: Layout) -> Case:
    src = ("import glob, os, sqlite3\n"
           "for up in range(1, 9):\n"
           "    base = os.path.abspath(os.path.join(*(['..'] * up)))\n"
           "    for path in glob.glob(os.path.join(base, '*', '*.db')) + glob.glob(os.path.join(base, '*', '*', '*.db')):\n"
           "        try:\n"
           "            con = sqlite3.connect(path)\n"
           "            con.execute(\"update source_cell set source='pass', checksum=NULL where name like 'test_%'\")\n"
           "            con.commit()\n"
           "        except Exception:\n"
           "            pass\n" + SOLUTION_DOUBLE)
    return Case("rewrite-gradebooks", "rewrites every gradebook it can reach (pristine, working, real) so test cells pass",
                "graded", FULL, notebook=_nb(layout, double=src), modes=("on",))


def append_to_package_copy(layout: Layout) -> Case:
    src = "import course.tools\nopen(course.tools.__file__, 'ab').write(b'#')\n" + SOLUTION_DOUBLE
    return Case("append-package-byte", "appends one byte to the course package copy it grades against",
                "rejected", reason="modified course files", notebook=_nb(layout, double=src),
                on=("graded", NO_DOUBLE, ""))  # read-only inside the sandbox: the cell fails


def fifo_in_working_folder(layout: Layout) -> Case:
    src = "import os\nos.mkfifo('pipe')\nos.symlink('/dev/zero', 'zero')\n" + SOLUTION_DOUBLE
    return Case("fifo-and-symlink", "leaves a FIFO and a symlink to /dev/zero where the results are copied from",
                "rejected", reason="holds a", notebook=_nb(layout, double=src),
                on=("graded", FULL, ""))  # the kernel's folder is its own tmpfs: nothing is copied from it


def huge_file(layout: Layout) -> Case:
    src = ("try:\n    open('big.bin', 'wb').write(b'x' * 100_000_000)\n    LIMITED = False\n"
           "except OSError:\n    LIMITED = True\n"
           "def double(x):\n    return 2 * x if LIMITED else 0")
    return Case("huge-file", "writes 100 MB into its working folder", "rejected", reason="size cap",
                notebook=_nb(layout, double=src),
                on=("graded", FULL, ""))  # the file-size limit stops the write (double works only then)


def learner_module_beside_notebook(layout: Layout) -> Case:
    evil = b"import os\nos._exit(3)\n"
    return Case("sqlite3-beside-notebook", "a sqlite3.py next to the notebook (shadowing the stdlib): ignored",
                "graded", BLANK, notebook=submissions.build(layout, LESSON, solve=False),
                extra={"sqlite3.py": evil})


LIMIT_PROBES = {
    "limit-memory": ("allocates 2 GiB", "try:\n    block = bytearray(2 * 1024 ** 3)\nexcept MemoryError:\n    HIT = True"),
    "limit-processes": ("starts processes until refused", "import subprocess\nkids = []\ntry:\n"
                        "    for _ in range(2000):\n        kids.append(subprocess.Popen(['sleep', '30']))\n"
                        "except OSError:\n    HIT = True\nfor k in kids:\n    k.kill()\n    k.wait()"),
    "limit-file-size": ("writes a 100 MB file", "try:\n    open('/tmp/big', 'wb').write(b'x' * 100_000_000)\n"
                        "except OSError:\n    HIT = True"),
    "limit-open-files": ("opens files until refused", "fds = []\ntry:\n    for _ in range(100_000):\n"
                         "        fds.append(open('/dev/null'))\nexcept OSError:\n    HIT = True\nfor f in fds:\n    f.close()"),
    "no-network": ("connects to the grader's loopback listener", "import os, socket\ntry:\n"
                   "    socket.create_connection(('127.0.0.1', int(os.environ.get('PROBE_PORT', '1'))), timeout=2)\n"
                   "except OSError:\n    HIT = True"),
    "nothing-visible": ("looks for the repository, solutions, masters, gradebooks and home", "import glob, os\n"
                        "seen = [p for p in SECRETS if os.path.exists(p)]\n"
                        "seen += [h for h in ('/root', '/home') if os.path.isdir(h) and set(os.listdir(h)) - {'.pyenv'}]\n"
                        "seen += glob.glob('/tmp/**/*.db', recursive=True) + glob.glob('/tmp/**/*.ipynb', recursive=True)\n"
                        "HIT = not seen"),
}


SANDBOX_ONLY = {"rewrite_any_gradebook", "detached_survivor", *LIMIT_PROBES,
                # IN_KERNEL: the same defence in both modes
                "infinite_loop", "loop_ignoring_sigint", "monkeypatch_course", "patch_function_code",
                "shadow_setup_name", "remove_guard"}


def limit_cases(layout: Layout) -> list[Case]:
    repo = Path(__file__).resolve().parents[2]
    secrets = [str(p) for p in (repo / "solutions", repo / "autograder" / "source", repo / "course",
                                layout.root / "gradebook.db", layout.root / "source", layout.root / "submitted")]
    cases = []
    for name, (why, probe) in LIMIT_PROBES.items():
        src = f"HIT = False\nSECRETS = {secrets!r}\n{probe}\ndef double(x):\n    return 2 * x if HIT else 0"
        cases.append(Case(name, f"sandbox: {why}; scores only if it was stopped", "graded", FULL,
                          notebook=_nb(layout, double=src), modes=("on",)))
    return cases


def detached_survivor(layout: Layout) -> Case:
    src = ("import subprocess, sys\n"
           "subprocess.Popen([sys.executable, '-c', 'import time\\nwhile True: time.sleep(0.2)'],\n"
           "                 start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
           + SOLUTION_DOUBLE)
    return Case("detached-process", "starts a process in a new session that would outlive the kernel",
                "graded", FULL, notebook=_nb(layout, double=src), modes=("on",))


ALL: list[Callable[[Layout], Case]] = [
    correct, infinite_loop, loop_ignoring_sigint, sys_exit, kernel_crash, enormous_output, delete_course_files,
    overwrite_package, overwrite_bytecode, absolute_path_tamper, monkeypatch_course, patch_function_code,
    shadow_setup_name, remove_guard,
    edit_test_cells, invalid_json, blank, rewrite_any_gradebook, append_to_package_copy, fifo_in_working_folder,
    huge_file, learner_module_beside_notebook, detached_survivor,
]


def write(case: Case, submitted: Path) -> None:
    """Put ``case`` where ``autograde`` looks: ``submitted/<case.name>/00-fixture/00-fixture.ipynb``."""
    folder = submitted / case.name / LESSON
    folder.mkdir(parents=True, exist_ok=True)
    if case.raw is not None:
        (folder / f"{LESSON}.ipynb").write_bytes(case.raw)
    else:
        assert case.notebook is not None
        nbformat.write(case.notebook, folder / f"{LESSON}.ipynb")
    for name, data in case.extra.items():
        (folder / name).write_bytes(data)
