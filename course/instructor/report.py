"""The class report: what a graded class got wrong, as one self-contained HTML page for the instructor.

``python -m course.instructor report`` (``make report``) reads the gradebook (scores per test cell) and
the autograded notebooks (the failure tag each failed check left in its test cell, see
:mod:`course.grading.failures`) and writes ``autograder/class-report.html``:

- pass rates per lesson and per exercise (an exercise = one autograded test cell);
- the most common failures grouped by the API protocol rule the replay enforced
  (:data:`course.protocol.RULES`) and by the check, mistake and rule (the same mistake id under two
  rules, e.g. ``api_refused`` by Chat Completions and by Messages, is two lines);
- a students × exercises heat map and a bar chart of the most-broken rules (matplotlib, embedded as
  base64 PNG, each with a caption);
- the three mistakes to address in the next class: the most widespread mistakes by students affected,
  then by failures; unwritten exercises count in the tables but not in the three.

Quick tour::

    from course.instructor import report
    from course.instructor.paths import Layout

    attempts = report.collect(Layout.default())       # one Attempt per (student, test cell)
    summary = report.summarise(attempts)              # the page's numbers (tables, top three)
    html = report.render(summary)                     # the page, figures included
    report.write(Layout.default())                    # -> autograder/class-report.html

Nothing from a test cell's source or error text is copied to the page (hidden tests stay hidden): a
failure is known by its ids only (check, mistake, rule), or by the error's class name when the test
cell failed outside a graded check (mistake ``AssertionError`` under check ``test-cell``, say).
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import nbformat

from ..grading.failures import ID_RE, MIME, Failure
from .paths import Layout, grade_id

NOT_IN_TOP = {"unwritten"}          # unfinished work, not a misconception to teach against
UNTAGGED_CHECK = "test-cell"        # failed outside a graded check (a plain assert, a NameError, ...)


@dataclass(frozen=True)
class Attempt:
    """One student's result on one exercise (an autograded test cell)."""

    student: str
    lesson: str
    exercise: str
    score: float
    max_score: float
    failure: Failure | None = None

    @property
    def passed(self) -> bool:
        return self.score >= self.max_score

    @property
    def column(self) -> str:
        return f"{self.lesson}/{self.exercise}"


@dataclass(frozen=True)
class Row:
    """One line of a table: a key, its counts, and the text columns the table shows."""

    key: str
    students: int
    failures: int
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class Summary:
    """Everything the page shows, computed from the attempts."""

    attempts: list[Attempt]
    students: list[str]
    columns: list[str]                       # lesson/exercise, in lesson then notebook order
    lessons: list[dict[str, Any]]
    exercises: list[dict[str, Any]]
    rules: list[Row]
    mistakes: list[Row]
    top: list[Row]


# --------------------------------------------------------------------------- reading the graded class

def _tag(cell: Any) -> Failure | None:
    """The failure a test cell recorded: its check's tag, else its error's class name."""
    tag = None
    ename = None
    for out in cell.get("outputs", []):
        if out.get("output_type") == "display_data" and MIME in out.get("data", {}):
            tag = Failure.parse(out["data"][MIME]) or tag
        elif out.get("output_type") == "error" and ename is None:
            ename = str(out.get("ename", ""))
    if tag is not None:
        return tag
    if ename is None:
        return Failure(UNTAGGED_CHECK, "no-error-output")
    return Failure(UNTAGGED_CHECK, ename if ID_RE.match(ename) else "error")


def _cells(path: Path) -> dict[str, Any]:
    """A graded notebook's cells by grade id ({} if it is missing or unreadable)."""
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        if path.exists():
            raise ReportError(f"{path}: not a readable notebook ({type(exc).__name__}: {exc})") from None
        return {}
    return {grade_id(c): c for c in nb.cells if grade_id(c)}


class ReportError(Exception):
    """Bad input for the report (names the file)."""


def collect(layout: Layout) -> list[Attempt]:
    """Every autograded test-cell result in the gradebook, with the failure read from the graded notebook."""
    from nbgrader.api import Gradebook

    from .nbg import ensure_path

    ensure_path()  # nbgrader's Gradebook shells out to `alembic`
    if not layout.gradebook.is_file():
        raise ReportError(f"{layout.gradebook}: no gradebook; run `make release` and `make autograde` first")
    attempts: list[Attempt] = []
    with Gradebook(layout.db_url) as gb:
        for assignment in gb.assignments:
            for sub in assignment.submissions:
                for nb in sub.notebooks:
                    path = layout.root / "autograded" / sub.student.id / assignment.name / f"{nb.name}.ipynb"
                    cells = None
                    for g in nb.grades:
                        if g.cell_type != "code" or g.auto_score is None or not g.max_score:
                            continue
                        if cells is None:
                            cells = _cells(path)
                        score = float(g.score)
                        failure = None
                        if score < g.max_score:
                            cell = cells.get(g.name)
                            failure = _tag(cell) if cell is not None else Failure(UNTAGGED_CHECK, "not-graded")
                        attempts.append(Attempt(sub.student.id, assignment.name, g.name, score,
                                                float(g.max_score), failure))
    return attempts


# --------------------------------------------------------------------------- the numbers

def _order(layout: Layout | None, attempts: list[Attempt]) -> list[str]:
    """Columns in lesson order, exercises in the master's cell order (else by name)."""
    seen = sorted({(a.lesson, a.exercise) for a in attempts})
    rank: dict[tuple[str, str], int] = {}
    if layout is not None:
        for lesson in {l for l, _ in seen}:
            try:
                master = nbformat.read(layout.master(lesson), as_version=4)
            except (OSError, ValueError):
                continue
            for k, c in enumerate(master.cells):
                if grade_id(c):
                    rank[(lesson, grade_id(c))] = k
    seen.sort(key=lambda le: (le[0], rank.get(le, 10**6), le[1]))
    return [f"{l}/{e}" for l, e in seen]


def _rows(groups: dict[str, list[Attempt]], extra: dict[str, dict[str, str]]) -> list[Row]:
    rows = [Row(k, len({a.student for a in v}), len(v), extra.get(k, {})) for k, v in groups.items()]
    return sorted(rows, key=lambda r: (-r.students, -r.failures, r.key))


def _rule_text(rule_id: str) -> dict[str, str]:
    from .. import protocol

    try:
        r = protocol.rule(rule_id)
    except KeyError:
        return {"api": "?", "trigger": "not a rule of this course version", "source": ""}
    return {"api": r.api, "trigger": r.trigger, "source": r.sources[0] if r.sources else ""}


def summarise(attempts: Iterable[Attempt], layout: Layout | None = None) -> Summary:
    """The page's numbers: pass rates, failures grouped by rule and by check/mistake, the top three."""
    attempts = list(attempts)
    students = sorted({a.student for a in attempts})
    columns = _order(layout, attempts)

    lessons = []
    for lesson in sorted({a.lesson for a in attempts}):
        mine = [a for a in attempts if a.lesson == lesson]
        lessons.append({"lesson": lesson, "students": len({a.student for a in mine}),
                        "score": sum(a.score for a in mine) / sum(a.max_score for a in mine),
                        "passed": sum(a.passed for a in mine) / len(mine)})
    exercises = []
    for col in columns:
        mine = [a for a in attempts if a.column == col]
        exercises.append({"lesson": mine[0].lesson, "exercise": mine[0].exercise, "points": mine[0].max_score,
                          "attempts": len(mine), "passed": sum(a.passed for a in mine),
                          "rate": sum(a.passed for a in mine) / len(mine)})

    failed = [a for a in attempts if a.failure is not None]
    by_rule: dict[str, list[Attempt]] = defaultdict(list)
    by_mistake: dict[str, list[Attempt]] = defaultdict(list)
    for a in failed:
        assert a.failure is not None
        if a.failure.rule:
            by_rule[a.failure.rule].append(a)
        by_mistake[f"{a.failure.check} · {a.failure.mistake} · {a.failure.rule or '-'}"].append(a)
    rule_extra = {k: {**_rule_text(k), "where": _where(v)} for k, v in by_rule.items()}
    mistake_extra = {}
    for k, v in by_mistake.items():
        f = v[0].failure
        assert f is not None
        mistake_extra[k] = {"check": f.check, "mistake": f.mistake, "rule": f.rule or "", "where": _where(v)}
    mistakes = _rows(by_mistake, mistake_extra)
    top = [r for r in mistakes if r.extra["mistake"] not in NOT_IN_TOP][:3]
    return Summary(attempts, students, columns, lessons, exercises, _rows(by_rule, rule_extra), mistakes, top)


def _where(attempts: list[Attempt]) -> str:
    """The exercises a failure was seen in, most frequent first."""
    counts = Counter(a.column for a in attempts)
    return ", ".join(f"{c} ({n})" for c, n in sorted(counts.items(), key=lambda cn: (-cn[1], cn[0])))


# --------------------------------------------------------------------------- the figures

def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode()


def heatmap_png(s: Summary) -> str:
    """Students × exercises, colour = share of the exercise's points (grey: not submitted); base64 PNG."""
    import numpy as np
    from matplotlib.figure import Figure

    grid = np.full((len(s.students), len(s.columns)), np.nan)
    row = {st: i for i, st in enumerate(s.students)}
    col = {c: j for j, c in enumerate(s.columns)}
    for a in s.attempts:
        grid[row[a.student], col[a.column]] = a.score / a.max_score
    fig = Figure(figsize=(max(6.0, 0.55 * len(s.columns) + 3), max(3.0, 0.28 * len(s.students) + 2)))
    ax = fig.subplots()
    cmap = _cmap()
    im = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    ax.set_xticks(range(len(s.columns)), labels=s.columns, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(s.students)), labels=s.students, fontsize=7 if len(s.students) > 30 else 8)
    ax.set_xlabel("exercise (lesson/test cell)")
    ax.set_ylabel("student")
    ax.set_title("Score per student and exercise")
    bar = fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
    bar.set_label("share of the exercise's points (grey: not submitted)")
    return _png(fig)


def _cmap() -> Any:
    import matplotlib

    return matplotlib.colormaps["RdYlGn"].with_extremes(bad="#d0d0d0")


def rules_png(s: Summary, limit: int = 10) -> str | None:
    """Horizontal bars: students who broke each protocol rule (most first); base64 PNG, None if none."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    rows = s.rules[:limit]
    if not rows:
        return None
    fig = Figure(figsize=(7.5, 0.45 * len(rows) + 1.6))
    ax = fig.subplots()
    labels = [f"{r.key} ({r.extra['api']})" for r in rows][::-1]
    bars = ax.barh(labels, [r.students for r in rows][::-1], color="#c0504d")
    ax.bar_label(bars, labels=[f"{r.students} students, {r.failures} failures" for r in rows][::-1],
                 padding=3, fontsize=8)
    ax.set_xlabel("students whose requests the API would refuse for this rule")
    ax.set_xlim(0, max(r.students for r in rows) * 1.6)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Most-broken API protocol rules")
    ax.tick_params(axis="y", labelsize=8)
    return _png(fig)


# --------------------------------------------------------------------------- the page

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}
th{background:#f2f2f2}td.n{text-align:right}figure{margin:1em 0}figcaption{font-size:.9em;color:#444;max-width:60em}
img{max-width:100%}ol.top li{margin-bottom:.6em}code{background:#f6f6f6;padding:0 .2em}
"""


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _table(head: list[str], rows: list[list[Any]], numeric: frozenset[int] | set[int] = frozenset()) -> str:
    out = ["<table><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>"]
    for r in rows:
        out.append("<tr>" + "".join(f"<td class='n'>{_e(v)}</td>" if i in numeric else f"<td>{_e(v)}</td>"
                                     for i, v in enumerate(r)) + "</tr>")
    return "\n".join(out) + "</table>"


def _words(text: str) -> str:
    """Escaped text with its `code spans` as <code> (rule triggers are written in markdown)."""
    return re.sub(r"`([^`<>]+)`", r"<code>\1</code>", _e(text))


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _top_item(r: Row, n_students: int) -> str:
    rule = r.extra["rule"]
    text = (f"<b><code>{_e(r.extra['mistake'])}</code></b>, caught by <code>{_e(r.extra['check'])}</code>: "
            f"{r.students} of {n_students} students, {r.failures} failure(s); seen in {_e(r.extra['where'])}.")
    if rule:
        info = _rule_text(rule)
        text += (f" The API refuses it under rule <code>{_e(rule)}</code> ({_e(info['api'])}): "
                 f"{_words(info['trigger'])}.")
        if info["source"]:
            text += f" Source: <a href='{_e(info['source'])}'>{_e(info['source'])}</a>."
    return f"<li>{text}</li>"


def render(s: Summary) -> str:
    """The whole page as a string (figures inline as base64 PNG)."""
    n = len(s.students)
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>Class report</title><style>{CSS}</style>"
             "</head><body><h1>Class report</h1>",
             f"<p>{n} student(s), {len(s.columns)} exercise(s), {len(s.attempts)} graded result(s), "
             f"{sum(1 for a in s.attempts if not a.passed)} failed.</p>"]
    parts.append("<h2 id='top-three'>Three mistakes to address next class</h2>")
    if s.top:
        parts.append("<ol class='top'>" + "".join(_top_item(r, n) for r in s.top) + "</ol>")
    else:
        parts.append("<p>No mistakes recorded.</p>")
    parts.append("<p>Ranked by students affected, then failures; unwritten exercises are in the tables below, "
                 "not in the three.</p>")

    parts.append("<h2 id='lessons'>Pass rates per lesson</h2>")
    parts.append(_table(["lesson", "students", "mean score", "exercises passed"],
                        [[l["lesson"], l["students"], _pct(l["score"]), _pct(l["passed"])] for l in s.lessons],
                        {1, 2, 3}))
    parts.append("<h2 id='exercises'>Pass rates per exercise</h2>")
    parts.append(_table(["lesson", "exercise", "points", "passed", "pass rate"],
                        [[x["lesson"], x["exercise"], f"{x['points']:g}", f"{x['passed']}/{x['attempts']}",
                          _pct(x["rate"])] for x in s.exercises], {2, 3, 4}))

    parts.append("<h2 id='rules'>Failures by API protocol rule</h2>")
    if s.rules:
        parts.append(_table(["rule", "API", "what the request did", "students", "failures", "exercises"],
                            [[r.key, r.extra["api"], r.extra["trigger"], r.students, r.failures, r.extra["where"]]
                             for r in s.rules], {3, 4}))
        png = rules_png(s)
        parts.append(f"<figure><img alt='bar chart of the most-broken protocol rules' src='data:image/png;base64,"
                     f"{png}'><figcaption>Figure 1. The protocol rules the replay enforced most often: for each rule, "
                     "how many students sent at least one request the real API would refuse with that error "
                     "(and how many failed checks it caused).</figcaption></figure>")
    else:
        parts.append("<p>No request was refused by the replay.</p>")

    parts.append("<h2 id='mistakes'>Failures by check and mistake</h2>")
    parts.append(_table(["check", "mistake", "rule", "students", "failures", "exercises"],
                        [[r.extra["check"], r.extra["mistake"], r.extra["rule"] or "-", r.students, r.failures,
                          r.extra["where"]] for r in s.mistakes], {3, 4}))

    parts.append("<h2 id='heatmap'>Students × exercises</h2>")
    if s.attempts:
        parts.append(f"<figure><img alt='heat map of scores per student and exercise' src='data:image/png;base64,"
                     f"{heatmap_png(s)}'><figcaption>Figure 2. One row per student, one column per exercise "
                     "(lesson/test cell). Green: full points; red: none; grey: no graded submission. A red column "
                     "is a class-wide problem; a red row is a student to reach out to.</figcaption></figure>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write(layout: Layout, out: Path | None = None) -> tuple[Path, Summary]:
    """Collect, summarise and write the page (default ``<course root>/class-report.html``)."""
    summary = summarise(collect(layout), layout)
    out = out or layout.root / "class-report.html"
    out.write_text(render(summary), encoding="utf-8")
    return out, summary
