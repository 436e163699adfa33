"""Mutation run: does each check catch a submission that breaks exactly one stated rule?

A *mutant* (``tests/mutants/NN_name.py``) is the official solution of one answer cell with one small, named
change that breaks one rule the exercise text states. A *corpus mistake* (``tests/corpus/NN_name.py``, a
variant with a non-empty ``fails``) is a whole learner answer. Both are run here **in-process**: no nbgrader,
no kernel, ``COURSE_REPLAY_TIME_SCALE=0``.

For one lesson the master's non-graded code cells (setup and demos) run once, in order, with the official
solutions, into a base namespace. Each case then gets a copy of that namespace, every answer cell executed
again (the case's replacements in place of the official source, so later exercises call the mutated function),
and the test cells of the case's exercise run twice over: the visible part (the cell without its
``### BEGIN/END HIDDEN TESTS`` block) and the hidden block alone. A part *catches* the case when it raises.

    .venv/bin/python tests/mutants/run.py            # every lesson with mutants: the table
    .venv/bin/python tests/mutants/run.py 01 05      # just those lessons
    .venv/bin/python tests/mutants/run.py --corpus   # the corpus mistakes too (parity listing)

Mutant file format::

    LESSON = "01-recognising"
    MUTANTS = [
        {"rule": "what the exercise text says", "name": "short-id", "cell": "<answer grade_id>",
         "replace": [("exact text in the official solution", "its replacement"), ...],
         "tests": ["<test grade_id>", ...]},        # optional: default = the test cells after the answer cell
    ]

Every ``old`` text must occur exactly once in the official source (the change is real and where it is meant).
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import copy
import importlib.util
import io
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

os.environ["COURSE_REPLAY_TIME_SCALE"] = "0"
os.environ.pop("COURSE_MODE", None)
os.environ.setdefault("MPLBACKEND", "Agg")

import nbformat  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "autograder" / "source"
HERE = Path(__file__).resolve().parent
HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[ \t]*\n(.*?)^[ \t]*### END HIDDEN TESTS[ \t]*\n?", re.S | re.M)
SOLUTION = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", re.M)
# Demo cells that must not run in-process: they change the interpreter for everyone after them.
SKIP_DEMO = ("nest_asyncio",)


@dataclass
class Cell:
    kind: str            # "demo" | "answer" | "test"
    grade_id: str
    source: str


@dataclass
class Outcome:
    """One case's result: what each part raised (None = it passed)."""
    lesson: str
    rule: str
    name: str
    cells: tuple[str, ...]
    tests: tuple[str, ...]
    kind: str = "mutant"      # "mutant" | "corpus" | "solution"
    visible: str | None = None
    hidden: str | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    first: dict[str, str] = field(default_factory=dict)   # test cell -> the message nbgrader would show first

    @property
    def visible_caught(self) -> bool:
        return self.visible is not None

    @property
    def hidden_caught(self) -> bool:
        return self.hidden is not None


def _nb_cells(lesson: str) -> list[Cell]:
    nb = nbformat.read(SOURCE / lesson / f"{lesson}.ipynb", as_version=4)
    out = []
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        md = c.metadata.get("nbgrader", {})
        gid = md.get("grade_id", "")
        kind = "answer" if md.get("solution") else "test" if md.get("grade") else "demo"
        out.append(Cell(kind, gid, c.source))
    return out


def official(source: str) -> str:
    """An answer cell's source as the official solution runs it (marker lines removed)."""
    return SOLUTION.sub("", source)


def split_test(source: str) -> tuple[str, str]:
    """``(visible part, hidden block)`` of a test cell."""
    hidden = "\n".join(m.group(1) for m in HIDDEN.finditer(source))
    return HIDDEN.sub("", source), hidden


def _python(source: str) -> str:
    """Cell source as plain Python: IPython magics and shell lines dropped."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


class Lesson:
    """One master, its base namespace built once, and a runner for cases."""

    def __init__(self, lesson: str) -> None:
        self.lesson = lesson
        self.cells = _nb_cells(lesson)
        self.answers = {c.grade_id: official(c.source) for c in self.cells if c.kind == "answer"}
        self.loop = asyncio.new_event_loop()
        self.demo_errors: list[str] = []
        self.base = self._build_base()

    # -- executing cells --------------------------------------------------------------------------------------
    def run_source(self, source: str, ns: dict[str, Any], name: str) -> None:
        code = compile(_python(source), f"<{self.lesson}:{name}>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        coro = eval(code, ns)  # noqa: S307 - the course's own masters and mutants
        if coro is not None:
            self.loop.run_until_complete(coro)

    def _quiet(self, source: str, ns: dict[str, Any], name: str) -> str | None:
        """Run; return ``"Type: message"`` of what it raised, or None."""
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                self.run_source(source, ns, name)
        except BaseException as e:  # noqa: BLE001 - recorded, that is the point
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            return f"{type(e).__name__}: {e}"
        return None

    def _build_base(self) -> dict[str, Any]:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        ns: dict[str, Any] = {"__name__": "__main__", "display": lambda *a, **k: None}
        for c in self.cells:
            if c.kind == "test":
                continue
            src = self.answers[c.grade_id] if c.kind == "answer" else c.source
            if c.kind == "demo" and any(s in src for s in SKIP_DEMO):
                continue
            err = self._quiet(src, ns, c.grade_id or "demo")
            if err and c.kind == "answer":
                raise RuntimeError(f"{self.lesson}: the official {c.grade_id} does not run: {err}")
            if err:
                self.demo_errors.append(err)
            plt.close("all")
        return ns

    # -- cases --------------------------------------------------------------------------------------------------
    def tests_after(self, answer: str) -> list[str]:
        """The test cells between an answer cell and the next answer cell."""
        out, seen = [], False
        for c in self.cells:
            if c.kind == "answer":
                if seen and out:
                    break
                seen = seen or c.grade_id == answer
            elif c.kind == "test" and seen:
                out.append(c.grade_id)
        return out

    def run_case(self, rule: str, name: str, replaced: dict[str, str], tests: list[str],
                 kind: str = "mutant") -> Outcome:
        from course import clock
        clock.SECOND_LOOK = kind == "solution"   # a wrong answer fails the same way twice: skip the slow re-run
        try:
            return self._run_case(rule, name, replaced, tests, kind)
        finally:
            clock.SECOND_LOOK = True

    def _run_case(self, rule: str, name: str, replaced: dict[str, str], tests: list[str], kind: str) -> Outcome:
        t0 = time.perf_counter()
        # A wrong answer may mutate a check module's constants (the caller's tool dicts, say): in a kernel that dies
        # with the submission; here every check module the lesson imported is re-run in place before each case.
        for mod in {id(m): m for m in self.base.values() if isinstance(m, ModuleType)
                    and m.__name__.startswith("course.grading.")}.values():
            importlib.reload(mod)
        for mod in {sys.modules[v.__module__] for v in self.base.values()
                    if callable(v) and getattr(v, "__module__", "").startswith("course.grading.")}:
            importlib.reload(mod)
        ns = copy.copy(self.base)
        outcome = Outcome(self.lesson, rule, name, tuple(replaced), tuple(tests), kind)
        for c in self.cells:
            if c.kind == "answer":
                err = self._quiet(replaced.get(c.grade_id, self.answers[c.grade_id]), ns, c.grade_id)
                if err:
                    outcome.notes.append(f"answer cell {c.grade_id} raised {err}")
        by_id = {c.grade_id: c for c in self.cells if c.kind == "test"}
        for t in tests:
            visible, hidden = split_test(by_id[t].source)
            v = self._quiet(visible, ns, t)
            h = self._quiet(hidden, ns, t + ":hidden") if hidden.strip() else None
            outcome.first[t] = v or h or ""
            outcome.visible = outcome.visible or (v and f"{t}: {v}")
            outcome.hidden = outcome.hidden or (h and f"{t}: {h}")
        outcome.seconds = time.perf_counter() - t0
        return outcome

    def mutant(self, m: dict[str, Any]) -> Outcome:
        source = mutate(self.answers[m["cell"]], m["replace"], f"{self.lesson} mutant {m['name']}")
        return self.run_case(m["rule"], m["name"], {m["cell"]: source}, m.get("tests") or self.tests_after(m["cell"]))

    def solution(self) -> Outcome:
        """The official solution through the same harness: every test cell, visible and hidden."""
        return self.run_case("(official solution)", "solution", {},
                             [c.grade_id for c in self.cells if c.kind == "test"], "solution")

    def corpus_mistake(self, name: str, spec: dict[str, Any]) -> Outcome:
        out = self.run_case(spec.get("why", ""), name, dict(spec["cells"]), list(spec["fails"]), "corpus")
        for test, phrase in (spec.get("says") or {}).items():
            shown = out.first.get(test) or ""
            if phrase.lower() not in shown.lower():
                out.notes.append(f"says: {test}'s first message lacks {phrase!r}: {shown[:300]!r}")
        return out


def mutate(source: str, replace: list[tuple[str, str]], where: str) -> str:
    """Apply ``(old, new)`` replacements; each ``old`` must occur exactly once and ``new`` must differ."""
    for old, new in replace:
        n = source.count(old)
        if n != 1:
            raise ValueError(f"{where}: {old!r} occurs {n} times in the official solution (must be exactly once)")
        if old == new:
            raise ValueError(f"{where}: replacement {old!r} is no change")
        source = source.replace(old, new)
    return source


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"{path.parent.name}_{path.stem}", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def mutant_files() -> dict[str, ModuleType]:
    """``{lesson: module}`` for every ``tests/mutants/NN_*.py``."""
    return {(mod := _load(p)).LESSON: mod for p in sorted(HERE.glob("[0-9][0-9]_*.py"))}


def corpus_mistakes(lesson: str) -> dict[str, dict[str, Any]]:
    (path,) = (ROOT / "tests" / "corpus").glob(f"{lesson[:2]}_*.py")
    return {k: v for k, v in _load(path).VARIANTS.items() if v.get("fails")}


_LESSONS: dict[str, Lesson] = {}


def lesson(name: str) -> Lesson:
    """One :class:`Lesson` per master per process (its base namespace is the costly part)."""
    if name not in _LESSONS:
        _LESSONS[name] = Lesson(name)
    return _LESSONS[name]


def run(lessons: list[str] | None = None, corpus: bool = False) -> list[Outcome]:
    out = []
    for name, mod in mutant_files().items():
        if lessons and not any(name.startswith(p) for p in lessons):
            continue
        les = lesson(name)
        out += [les.mutant(m) for m in mod.MUTANTS]
        for m in getattr(mod, "PENDING_HIDDEN", []):
            o = les.mutant(m)
            o.kind = "pending"
            out.append(o)
        if corpus:
            out += [les.corpus_mistake(k, v) for k, v in corpus_mistakes(name).items()]
    return out


def table(outcomes: list[Outcome]) -> str:
    def mark(caught: bool) -> str:
        return "caught" if caught else "MISSED"
    w = max([len(o.rule[:70]) for o in outcomes] + [4])
    n = max([len(o.name) + 9 * (o.kind != "mutant") for o in outcomes] + [6])
    lines = [f"{'lesson':<15} {'rule':<{w}}  {'mutant':<{n}}  visible  hidden", "-" * (w + n + 36)]
    for o in outcomes:
        label = o.name if o.kind == "mutant" else f"[{o.kind}] {o.name}"
        lines.append(f"{o.lesson:<15} {o.rule[:70]:<{w}}  {label:<{n}}  {mark(o.visible_caught):<7}  "
                     f"{mark(o.hidden_caught)}")
    hidden = sum(o.hidden_caught for o in outcomes)
    visible = sum(o.visible_caught for o in outcomes)
    lines.append(f"{len(outcomes)} cases: hidden tests catch {hidden}, visible checks catch {visible}")
    pending = [o.name for o in outcomes if o.kind == "pending"]
    if pending:
        lines.append(f"pending (hidden tests known to miss them, reported): {', '.join(pending)}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    want_corpus = "--corpus" in argv
    lessons = [a for a in argv if not a.startswith("-")]
    t0 = time.perf_counter()
    outcomes = run(lessons or None, corpus=want_corpus)
    print(table(outcomes))
    if "-v" in argv:
        for o in outcomes:
            print(f"\n{o.lesson} {o.name} ({o.seconds:.1f} s)\n  visible: {o.visible}\n  hidden:  {o.hidden}\n  notes: {o.notes}")
    print(f"({time.perf_counter() - t0:.1f} s)")
    return 0 if all(o.hidden_caught for o in outcomes if o.kind == "mutant") else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
