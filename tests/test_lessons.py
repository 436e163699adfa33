"""Every lesson: a clean nbgrader master, a solution notebook that runs offline with every visible check passing
and its figures and widgets drawn, a corpus that covers every exercise; then what each lesson promises.

The hidden tests are graded by tests/test_corpus.py with real ``nbgrader autograde``: the master's solution
(full marks), the released notebook (zero), and every corpus variant.
"""

from __future__ import annotations

import re

import pytest

from lessons import (LESSONS, corpus, executed, failure_text, grade_id, graded_cells, mimetypes, printed,
                     problems, read_master, scores, solution_cells)

EXPECT = {  # lesson -> (total points, at least this many PNG figures, draws a widget)
    "01-recognising": (10, 1, False),
    "02-answering": (20, 0, False),
    "03-fan-out": (20, 4, True),   # the explorer's chart lives in its widget (one copy)
    "04-disabling": (10, 1, False),
    "05-hosted-tools": (10, 1, False),
    "06-measuring": (10, 4, False),
    "07-field-guide": (10, 1, False),
}
WIDGET = "application/vnd.jupyter.widget-view+json"


def test_every_lesson_is_expected() -> None:
    assert LESSONS == sorted(EXPECT)


@pytest.mark.parametrize("lesson", LESSONS)
def test_master_is_clean_nbgrader_source(lesson: str) -> None:
    nb = read_master(lesson)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "masters carry no outputs"
    ids = [grade_id(c) for c in nb.cells if grade_id(c)]
    assert len(ids) == len(set(ids)), "grade_ids must be unique"
    tests = graded_cells(nb)
    assert 3 <= len(tests) <= 8
    assert sum(c.metadata.nbgrader["points"] for c in tests) == EXPECT[lesson][0]
    for c in tests:
        assert "### BEGIN HIDDEN TESTS" in c.source and "### END HIDDEN TESTS" in c.source, grade_id(c)
        assert c.metadata.nbgrader.get("locked"), f"{grade_id(c)} must be read-only"
    for c in solution_cells(nb):
        assert "### BEGIN SOLUTION" in c.source and "### END SOLUTION" in c.source, grade_id(c)


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_has_objectives_recap_and_sources(lesson: str) -> None:
    cells = read_master(lesson).cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith(f"# Lesson {int(lesson[:2])} · ")
    assert "By the end" in cells[0].source, "learning objectives open the lesson"
    heads = [c.source.splitlines()[0] for c in cells if c.cell_type == "markdown" and c.source]
    assert "## Recap" in heads[-3:] and heads[-1] == "## Sources", heads[-3:]
    assert re.search(r"https://\S+", cells[-1].source if cells[-1].cell_type == "markdown" else ""), \
        "the closing Sources cell cites public documentation or threads"


@pytest.mark.parametrize("lesson", LESSONS)
def test_solution_notebook_runs_clean_and_passes_its_checks(lesson: str) -> None:
    nb = executed(lesson)
    assert not problems(nb)
    wrong = {gid: got for gid, got in scores(nb).items() if got[0] != got[1]}
    assert not wrong, {gid: (got, failure_text(c)) for c in graded_cells(nb)
                       for gid, got in wrong.items() if grade_id(c) == gid}


@pytest.mark.parametrize("lesson", LESSONS)
def test_solution_notebook_draws_its_figures(lesson: str) -> None:
    _, pngs, widget = EXPECT[lesson]
    shown = mimetypes(executed(lesson))
    assert shown.count("image/png") >= pngs
    assert (WIDGET in shown) == widget


@pytest.mark.parametrize("lesson", LESSONS)
def test_corpus_covers_every_exercise(lesson: str) -> None:
    nb = read_master(lesson)
    answers = {grade_id(c) for c in solution_cells(nb)}
    tests = {grade_id(c) for c in graded_cells(nb)}
    variants = corpus(lesson).VARIANTS
    correct = {n: v for n, v in variants.items() if not v["fails"]}
    mistakes = {n: v for n, v in variants.items() if v["fails"]}
    for name, v in variants.items():
        assert v["why"], f"{name}: say why"
        assert set(v["cells"]) <= answers, f"{name} replaces cells that are not answer cells"
        assert set(v["fails"]) <= tests, f"{name} fails cells that are not test cells"
        assert set(v.get("says", {})) <= set(v["fails"]), f"{name}: 'says' names a cell it does not fail"
    for cell in answers:
        assert any(cell in v["cells"] for v in correct.values()), f"no other correct style for {cell}"
        assert any(cell in v["cells"] for v in mistakes.values()), f"no common mistake for {cell}"
    assert {f for v in mistakes.values() for f in v["fails"]} == tests, "a test cell no mistake fails"


# --- what particular lessons promise ------------------------------------------------------------------


@pytest.mark.parametrize("lesson", ["01-recognising", "02-answering", "07-field-guide"])
def test_hidden_tests_use_scenarios_the_visible_checks_do_not(lesson: str) -> None:
    from course import recording

    known = set(recording.list_scenarios())
    visible, hidden = set(), set()
    for c in graded_cells(read_master(lesson)):
        shown, _, secret = c.source.partition("### BEGIN HIDDEN TESTS")
        visible |= set(re.findall(r'"(\w+)"', shown)) & known
        hidden |= set(re.findall(r'"(\w+)"', secret)) & known
    assert visible and hidden, "the test cells name no scenario"
    assert not visible & hidden, f"hidden tests reuse visible scenarios: {visible & hidden}"


def test_lesson04_fact_checks_the_blog_against_the_installed_sdk() -> None:
    text = printed(executed("04-disabling"))
    for line in ("'parallelizable' in function_tool: False", "Runner.run has max_tool_concurrency: False",
                 "ModelSettings has parallel_tool_calls: True", "max_function_tool_concurrency=None",
                 "import name 'openai_agents' exists: False", "FAILS:  function_tool(strict=True, parallelizable=False)",
                 "same requests in both runs (the per-run prompt_cache_key aside): True"):
        assert line in text


def test_lesson05_labels_the_reproduction_and_shows_the_rerecord_command() -> None:
    text = "\n".join(c.source for c in read_master("05-hosted-tools").cells)
    assert "may differ" in text and "2025" in text
    assert "COURSE_MODE=record OPENAI_API_KEY=" in text and "python -m course.authoring record" in text
    assert "community.openai.com/t/responses-api-parallel-tool-calls-not-happening" in text


def test_lesson05_scenarios_are_labelled_reproductions() -> None:
    from course.recording import list_scenarios, load

    names = ["hubspot_responses_web_search", "hubspot_responses_file_search", "hubspot_responses_no_hosted",
             "hubspot_chat", "hubspot_responses_described", "hubspot_own_search", "hubspot_own_search_hidden",
             "hubspot_keep_hosted", "hubspot_keep_hosted_hidden"]
    assert set(names) <= set(list_scenarios())
    for name in names:
        rec = load(name)
        assert rec.authored and "reported in 2025" in rec.note, name
        assert any("community.openai.com" in s for s in rec.provenance["sources"]), name


def test_lesson06_reproduces_the_blog_table_on_the_clock() -> None:
    lines = printed(executed("06-measuring")).splitlines()
    for row, ms in (("Serial, 3 calls", 2400), ("Parallel, 3 calls", 800), ("Mixed (1 needs the others)", 1600),
                    ("Parallel, 1 rate-limited", 3000)):
        assert any(line.startswith(row) and f" {ms} ms" in line for line in lines), row
    text = "\n".join(lines)
    assert "booking    parallel OFF" in text and "lookup     parallel ON" in text


def test_lesson07_embeds_the_generated_rules_table_and_every_fix() -> None:
    from course.protocol import RULES
    from course.protocol.table import sync

    from lessons import master_path

    assert sync(master_path("07-field-guide"), check=True), \
        "lesson 07's rules table is stale: run `python -m course.protocol readme <master>`, then `make generate`"
    text = "\n".join(c.source for c in read_master("07-field-guide").cells)
    fixes = text[text.index("The fix for each, in one line"):]
    missing = [r.id for r in RULES if f"`{r.id}`" not in fixes.split("And the bugs no API reports")[0]]
    assert not missing, f"the fix table names no fix for {missing}"


def test_lesson07_broken_loops_fail_the_way_the_lesson_says() -> None:
    text = printed(executed("07-field-guide"))
    for rule in ("rule=chat_missing", "rule=responses_previous_not_stored", "'responses_without_reasoning'",
                 "rule=anthropic_results_not_first"):
        assert rule in text, rule
    assert "elapsed 5000 ms, peak concurrency 1" in text, "the waiting loop should run its three calls in line"
    assert "ReplayMismatch" in text and "{\"city{\"city\"" in text, "the merged stream should show glued fragments"
