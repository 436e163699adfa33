"""The class report, on a synthetic graded class with known mistake frequencies, and the failure tag itself.

The synthetic class: 20 students, lessons ``00-fixture`` and ``02-answering`` (real masters, so hidden-test
source exists to leak), gradebook rows written with nbgrader's API and autograded notebooks whose failing
test cells carry the tag a graded check emits plus an error whose text must not reach the page.
The tag tests run a real lesson-2 check in-process and in a Jupyter kernel.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from course.grading.failures import MIME, Failure, failure_of
from course.instructor import report
from course.instructor.paths import Layout, grade_id
from tests.hostile.fixture import LESSON as FIXTURE
from tests.hostile.fixture import build_course

LESSON2 = "02-answering"
STUDENTS = [f"s{n:02d}" for n in range(1, 21)]
SECRET = "secret-evalue-text-that-must-not-leak"

# (lesson, exercise, check, mistake, rule, students): the known mistakes of the synthetic class.
MISTAKES = [
    (LESSON2, "test_chat_agent", "answering.check_loop", "api_refused", "chat_missing", STUDENTS[0:9]),
    (LESSON2, "test_chat_tool_messages", "answering.check_chat_turn", "wrong_output", None, STUDENTS[5:12]),
    (LESSON2, "test_responses_tool_outputs", "answering.check_responses_turn", "wrong_output", None, STUDENTS[12:14]),
    (LESSON2, "test_claude_tool_results", "answering.check_claude_turn", "api_refused", "anthropic_missing",
     STUDENTS[2:6]),
    (LESSON2, "test_claude_agent", "answering.check_loop", "api_refused", "anthropic_missing", STUDENTS[3:5]),
    (LESSON2, "test_run_tool", "answering.check_run_tool", "unwritten", None, STUDENTS[0:15]),
]
PLAIN_ASSERT = (FIXTURE, "test_double", STUDENTS[16:19])          # a plain assert in the test cell
FORGED = (FIXTURE, "test_temperatures", STUDENTS[19:20])          # a tag that is not made of ids
ABSENT = STUDENTS[19]                                             # never handed in lesson 2


def _test_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    meta = lambda c: c.metadata.get("nbgrader", {})  # noqa: E731
    return [c for c in nb.cells if c.cell_type == "code" and meta(c).get("grade") and not meta(c).get("solution")]


def _failures() -> dict[tuple[str, str, str], list[dict]]:
    """(student, lesson, exercise) -> the outputs its failing test cell has."""
    out: dict[tuple[str, str, str], list[dict]] = {}
    for lesson, ex, check, mistake, rule, who in MISTAKES:
        for st in who:
            tag = {"check": check, "mistake": mistake, "rule": rule}
            out[(st, lesson, ex)] = [new_output("display_data", data={MIME: tag}),
                                     new_output("error", ename="AssertionError", evalue=SECRET, traceback=[SECRET])]
    lesson, ex, who = PLAIN_ASSERT
    for st in who:
        out[(st, lesson, ex)] = [new_output("error", ename="AssertionError", evalue=SECRET, traceback=[])]
    lesson, ex, who = FORGED
    for st in who:
        out[(st, lesson, ex)] = [new_output("display_data", data={MIME: {"check": "<script>", "mistake": "x"}}),
                                 new_output("error", ename="NameError", evalue=SECRET, traceback=[])]
    return out


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    from nbgrader.api import Gradebook

    from course.instructor.nbg import ensure_path

    ensure_path()
    root = build_course(tmp_path_factory.mktemp("class"), lessons=(LESSON2,))
    layout = Layout(root=root, notebooks=root / "n", solutions=root / "s")
    failures = _failures()
    with Gradebook(layout.db_url) as gb:
        for lesson in (FIXTURE, LESSON2):
            master = nbformat.read(layout.master(lesson), as_version=4)
            gb.add_assignment(lesson)
            gb.add_notebook(lesson, lesson)
            for c in _test_cells(master):
                gb.add_grade_cell(grade_id(c), lesson, lesson, max_score=c.metadata["nbgrader"]["points"],
                                  cell_type="code")
        for st in STUDENTS:
            gb.add_student(st)
        for lesson in (FIXTURE, LESSON2):
            master = nbformat.read(layout.master(lesson), as_version=4)
            for st in STUDENTS:
                if lesson == LESSON2 and st == ABSENT:
                    continue
                gb.add_submission(lesson, st)
                graded = nbformat.read(layout.master(lesson), as_version=4)
                for c in _test_cells(graded):
                    outs = failures.get((st, lesson, grade_id(c)))
                    c.outputs = [nbformat.from_dict(o) for o in outs] if outs else []
                    g = gb.find_grade(grade_id(c), lesson, lesson, st)
                    g.auto_score = 0.0 if outs else float(c.metadata["nbgrader"]["points"])
                gb.db.commit()
                path = root / "autograded" / st / lesson / f"{lesson}.ipynb"
                path.parent.mkdir(parents=True)
                nbformat.write(graded, path)
    return layout


@pytest.fixture(scope="module")
def page(course: Layout) -> tuple[str, report.Summary]:
    out, summary = report.write(course)
    return out.read_text(), summary


def _expected_mistakes() -> dict[tuple[str, str, str], tuple[set[str], int]]:
    """(check, mistake, rule or '') -> (students, failures), from the spec above."""
    exp: dict[tuple[str, str, str], tuple[set[str], int]] = {}
    for _, _, check, mistake, rule, who in MISTAKES:
        students, n = exp.get((check, mistake, rule or ""), (set(), 0))
        exp[(check, mistake, rule or "")] = (students | set(who), n + len(who))
    exp[(report.UNTAGGED_CHECK, "AssertionError", "")] = (set(PLAIN_ASSERT[2]), len(PLAIN_ASSERT[2]))
    exp[(report.UNTAGGED_CHECK, "NameError", "")] = (set(FORGED[2]), len(FORGED[2]))
    return exp


def _key(r: report.Row) -> tuple[str, str, str]:
    return r.extra["check"], r.extra["mistake"], r.extra["rule"]


def test_failures_grouped_by_check_and_mistake_match_the_known_frequencies(page):
    _, s = page
    exp = _expected_mistakes()
    got = {_key(r): (r.students, r.failures) for r in s.mistakes}
    assert got == {k: (len(v[0]), v[1]) for k, v in exp.items()}
    ranks = [(-r.students, -r.failures) for r in s.mistakes]
    assert ranks == sorted(ranks), "most widespread first"


def test_the_three_mistakes_to_address_are_the_most_widespread_written_ones(page):
    html, s = page
    exp = _expected_mistakes()
    ranked = sorted((k for k in exp if k[1] != "unwritten"), key=lambda k: (-len(exp[k][0]), -exp[k][1], k))
    assert [_key(r) for r in s.top] == ranked[:3]
    # by design: check_loop refused by chat_missing (9 students) > check_chat_turn wrong_output (7) >
    # check_claude_turn refused by anthropic_missing (4) = check_loop refused by it (2, distinct line)
    assert [(r.extra["mistake"], r.extra["rule"]) for r in s.top] == [
        ("api_refused", "chat_missing"), ("wrong_output", ""), ("api_refused", "anthropic_missing")]
    unwritten = next(r for r in s.mistakes if r.extra["mistake"] == "unwritten")
    assert unwritten.students > s.top[0].students, "unwritten is the most common, yet not in the three"
    top = html.split("id='top-three'>", 1)[1].split("</ol>", 1)[0]
    assert [m for m in re.findall(r"<li><b><code>([a-z_]+)</code>", top)] == [r.extra["mistake"] for r in s.top]
    assert "chat_missing" in top and "https://" in top, "a rule-backed mistake cites the rule and its source"


def test_failures_grouped_by_protocol_rule(page):
    html, s = page
    exp: dict[str, tuple[set[str], int]] = {}
    for _, _, _, _, rule, who in MISTAKES:
        if rule:
            students, n = exp.get(rule, (set(), 0))
            exp[rule] = (students | set(who), n + len(who))
    assert {r.key: (r.students, r.failures) for r in s.rules} == {k: (len(v[0]), v[1]) for k, v in exp.items()}
    assert [r.key for r in s.rules] == ["chat_missing", "anthropic_missing"]
    assert s.rules[0].extra["api"] == "Chat Completions" and s.rules[1].extra["api"] == "Messages"
    section = html.split("id='rules'>", 1)[1].split("<h2", 1)[0]
    assert section.index("chat_missing") < section.index("anthropic_missing")


def test_pass_rates_per_lesson_and_exercise(page):
    html, s = page
    failing = _failures()
    for x in s.exercises:
        handed_in = [st for st in STUDENTS if not (x["lesson"] == LESSON2 and st == ABSENT)]
        failed = [st for st in handed_in if (st, x["lesson"], x["exercise"]) in failing]
        assert (x["attempts"], x["passed"]) == (len(handed_in), len(handed_in) - len(failed)), x
        assert f"<td class='n'>{len(handed_in) - len(failed)}/{len(handed_in)}</td>" in html
    lesson2 = next(l for l in s.lessons if l["lesson"] == LESSON2)
    assert lesson2["students"] == len(STUDENTS) - 1
    master = nbformat.read(Path(report.__file__).parents[2] / "autograder" / "source" / LESSON2 / f"{LESSON2}.ipynb",
                           as_version=4)
    order = [grade_id(c) for c in _test_cells(master)]
    assert [x["exercise"] for x in s.exercises if x["lesson"] == LESSON2] == order, "columns in notebook order"


def test_the_page_is_self_contained_with_captioned_figures_and_no_hidden_data(page, course):
    html, s = page
    images = re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", html)
    assert len(images) == 2
    assert all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    assert html.count("<figcaption>") == 2
    assert "http://" not in html and "<script" not in html.lower()
    assert SECRET not in html
    for lesson in (FIXTURE, LESSON2):
        master = nbformat.read(course.master(lesson), as_version=4)
        for c in _test_cells(master):
            if "### BEGIN HIDDEN TESTS" in c.source:
                hidden = c.source.split("### BEGIN HIDDEN TESTS", 1)[1].split("### END HIDDEN TESTS", 1)[0]
                for line in filter(None, (l.strip() for l in hidden.splitlines())):
                    assert line not in html, f"hidden test line leaked: {line}"
    assert "_hidden" not in html, "hidden scenario names stay out of the page"


def test_make_report_target_and_cli(course, capsys):
    from course.instructor.__main__ import main

    assert main(["--root", str(course.root), "report", "--out", str(course.root / "r.html")]) == 0
    said = capsys.readouterr().out
    assert "top: answering.check_loop api_refused (chat_missing): 9 student(s);" in said and (course.root / "r.html").is_file()
    mk = (Path(report.__file__).parents[2] / "autograder" / "instructor.mk").read_text()
    assert re.search(r"^report: install.*\n\t\$\(INSTRUCTOR\) report$", mk, re.M)


def test_a_missing_gradebook_is_named(tmp_path):
    layout = Layout(root=tmp_path, notebooks=tmp_path, solutions=tmp_path)
    with pytest.raises(report.ReportError, match=r"gradebook\.db: no gradebook"):
        report.collect(layout)


# --------------------------------------------------------------------------- the tag a real check leaves

FIRST_CALL_ONLY = '''
import json
from course.clients import openai_client
import course.grading.answering as check

def chat_tool_messages(message):
    call = message.tool_calls[0]          # the lesson's classic bug: only the first call answered
    return [{"role": "tool", "tool_call_id": call.id, "content": json.dumps({"ok": True})}]
'''


def test_a_lesson2_check_refused_by_the_replay_carries_the_rule_in_process():
    from course.clients import openai_client
    from course.grading import answering
    from course.replay import session_of

    ns: dict = {}
    exec(FIRST_CALL_ONLY, ns)
    client = openai_client("chat_weather_parallel")
    with pytest.raises(AssertionError) as info:
        answering.check_chat_turn(ns["chat_tool_messages"], client)
    assert type(info.value) is AssertionError, "learners see a plain AssertionError"
    refused = [e for e in session_of(client).log if e.kind == "api_error"]
    assert [e.rule for e in refused] == ["chat_missing"]
    assert failure_of(info.value) == Failure("answering.check_chat_turn", "api_refused", "chat_missing")

    def chat_tool_messages(message):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="is not written yet") as info:
        answering.check_chat_turn(chat_tool_messages, openai_client("chat_weather_parallel"))
    assert failure_of(info.value) == Failure("answering.check_chat_turn", "unwritten", None), "a stub is unwritten"


def test_an_unwritten_stub_and_a_plain_assert_are_tagged_too():
    from course.grading.failures import graded

    @graded
    def check_double(fn):
        if fn(2) != 4:  # (not `assert`: pytest rewrites those in test modules)
            raise AssertionError("double(2) should be 4")

    def double(x):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="^double is not written yet") as info:
        check_double(double)
    assert failure_of(info.value).mistake == "unwritten"
    with pytest.raises(AssertionError, match="^double\\(2\\) should be 4$") as info:
        check_double(lambda x: x)
    assert failure_of(info.value) == Failure(f"{__name__}.test_an_unwritten_stub_and_a_plain_assert_are_tagged_too."
                                             "<locals>.check_double", "check_double", None)


def test_in_a_kernel_the_tag_is_an_invisible_output_and_feedback_drops_it():
    from course.kernel_channels import SteadyNotebookClient as NotebookClient

    from course.instructor.preprocessors import HideHiddenTests

    test_src = ('check.check_chat_turn(chat_tool_messages, openai_client("chat_weather_parallel"))\n'
                "### BEGIN HIDDEN TESTS\nprint('hidden scenario: answer_chat_stocks_hidden')\n### END HIDDEN TESTS")
    nb = new_notebook(cells=[new_code_cell(FIRST_CALL_ONLY), new_code_cell(test_src)])
    nb.cells[1].metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 1,
                                        "grade_id": "test_chat", "schema_version": 3}
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    outs = nb.cells[1].outputs
    tags = [o.data[MIME] for o in outs if o.output_type == "display_data"]
    assert tags == [{"check": "answering.check_chat_turn", "mistake": "api_refused", "rule": "chat_missing"}]
    assert all(set(o.data) == {MIME} for o in outs if o.output_type == "display_data"), "nothing visible added"
    (err,) = [o for o in outs if o.output_type == "error"]
    assert err.ename == "AssertionError" and "refused one of your requests" in err.evalue
    assert report._tag(nb.cells[1]) == Failure("answering.check_chat_turn", "api_refused", "chat_missing")

    hidden = nbformat.from_dict(json.loads(json.dumps(nb)))
    cell, _ = HideHiddenTests().preprocess_cell(hidden.cells[1], {}, 1)
    assert [o.output_type for o in cell.outputs] == ["error"], "feedback keeps only the teaching message"
    visible = nbformat.from_dict(json.loads(json.dumps(nb)))
    visible.cells[1].source = test_src.split("### BEGIN HIDDEN TESTS")[0]
    cell, _ = HideHiddenTests().preprocess_cell(visible.cells[1], {}, 1)
    assert [o.output_type for o in cell.outputs] == ["error"], "feedback drops the tag from visible cells too"


def test_a_class_with_nothing_graded_still_gets_a_page():
    html = report.render(report.summarise([]))
    assert "No mistakes recorded" in html and "No request was refused" in html and "<img" not in html
