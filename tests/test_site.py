"""The course site (``make site``): built once, then read as files and opened in headless Chromium.

- Built from every lesson under ``autograder/source`` (``course.instructor.site.build`` into a temporary folder,
  no cache); the build's wall and CPU time are printed, not asserted (performance is for ``make bench``).
- No solution and no hidden-test line of any master appears in any file of the site (pages, search index,
  ``_sources``, downloadable notebooks), once HTML tags, entities and JSON escapes are undone.
- Each lesson page shows its demos' outputs and leaves exercises and self-checks unrun; a demo that needs an
  unwritten exercise shows a note naming it, never a traceback.
- Served on 127.0.0.1 and opened in Debian's Chromium (``COURSE_CHROMIUM``; requests off 127.0.0.1 aborted):
  every page renders without console errors; each lesson page shows as many figures as the same demo cells
  draw when the solution notebook runs (``tests/lessons.py``); every internal link and anchor resolves;
  search finds lessons offline.
"""

from __future__ import annotations

import functools
import html
import http.server
import json
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import nbformat
import pytest

import lessons
from browser.lab_page import launch_chromium, offline_page
from course.instructor import site as course_site

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
MIN_LINE = 16         # shorter solution lines ("return calls", "pass") are too common to mean a leak


# -- build once ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> course_site.Built:
    os.environ.pop("SITE_REPO_URL", None)  # the default settings: no repository URL yet
    return course_site.build(out=tmp_path_factory.mktemp("site"), cache=None)


def staged(built: course_site.Built, lesson: str) -> nbformat.NotebookNode:
    return nbformat.read(built.staged / f"{lesson}.ipynb", as_version=4)


def test_the_site_is_built_from_every_lesson(built: course_site.Built,
                                                                    capsys: pytest.CaptureFixture) -> None:
    with capsys.disabled():
        print(f"\n[site] built {len(built.lessons)} lessons in {built.seconds:.1f} s wall, {built.cpu_seconds:.1f} s CPU "
              f"(executing the notebooks {built.execute_seconds:.1f} s wall)")
    assert built.lessons == lessons.LESSONS
    assert (built.html / "index.html").is_file() and (built.html / "search.html").is_file()
    for lesson in built.lessons:
        assert (built.html / f"{lesson}.html").is_file(), lesson


# -- nothing hidden in any file -------------------------------------------------------------------------

def _between(begin: str, end: str) -> dict[str, set[str]]:
    """Per lesson, every line of a master between the markers that is long enough to mean something and that
    the learner notebooks do not show anyway (a line the lesson's prose or demos also hold is public)."""
    public = "\n".join(c.source for p in (ROOT / "notebooks").glob("*.ipynb") for c in nbformat.read(p, as_version=4).cells)
    found: dict[str, set[str]] = {}
    for lesson in lessons.LESSONS:
        lines: set[str] = set()
        for cell in lessons.read_master(lesson).cells:
            inside = False
            for line in cell.source.splitlines():
                if begin in line:
                    inside = True
                elif end in line:
                    inside = False
                elif inside and len(line.strip()) >= MIN_LINE and line.strip() not in public:
                    lines.add(line.strip())
        found[lesson] = lines
    return found


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _readable(path: Path) -> str:
    """A file's text as a reader would see it: HTML without tags or entities, JSON strings unescaped."""
    raw = path.read_bytes().decode("utf-8", errors="ignore")
    texts = [raw]
    if path.suffix in (".html", ".htm", ".txt"):
        texts.append(html.unescape(re.sub(r"<[^>]+>", "", raw)))
    if path.suffix in (".ipynb", ".json"):
        try:
            texts.append("\n".join(_strings(json.loads(raw))))
        except ValueError:
            pass
    return "\n".join(texts)


def _leaks(folder: Path, needles: set[str]) -> list[str]:
    return [f"{p.relative_to(folder)}: {needle!r}" for p in sorted(folder.rglob("*")) if p.is_file()
            for text in [_readable(p)] for needle in needles if needle in text]


def test_no_solution_or_hidden_test_line_is_in_any_file_of_the_site(built: course_site.Built) -> None:
    solutions = _between("### BEGIN SOLUTION", "### END SOLUTION")
    hidden = _between("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
    assert all(solutions.values()) and all(hidden.values()), "every master has solution and hidden-test lines"
    needles = set().union(*solutions.values(), *hidden.values())
    assert (built.html / "_sources").is_dir() and (built.html / "searchindex.js").is_file()
    leaks = _leaks(built.html, needles)
    assert not leaks, "the site shows solution or hidden-test code:\n" + "\n".join(leaks[:20])


def test_the_leak_check_finds_a_solution_line_wherever_it_hides(tmp_path: Path) -> None:
    line = sorted(_between("### BEGIN SOLUTION", "### END SOLUTION")[lessons.LESSONS[0]])[0]
    (tmp_path / "page.html").write_text("<pre>" + "".join(f"<span>{html.escape(c)}</span>" for c in line) + "</pre>")
    (tmp_path / "nb.ipynb").write_text(json.dumps({"cells": [{"source": [line + "\n"]}]}))
    assert len(_leaks(tmp_path, {line})) == 2


# -- what each lesson page holds (from the staged notebooks) ---------------------------------------------

def _mark(cell: nbformat.NotebookNode) -> str | None:
    return cell.metadata.get(course_site.MARK)


def test_exercises_and_self_checks_are_not_run_and_demos_show_notes_not_errors(built: course_site.Built) -> None:
    marks: dict[str, int] = {}
    for lesson in built.lessons:
        nb = staged(built, lesson)
        code = [c for c in nb.cells if c.cell_type == "code"]
        for cell in code:
            marks[_mark(cell) or "demo"] = marks.get(_mark(cell) or "demo", 0) + 1
            if _mark(cell) in ("exercise", "self-check"):
                assert cell.outputs == [] and cell.execution_count is None, (lesson, cell.source[:80])
            assert not [o for o in cell.outputs if o.output_type == "error" or o.get("name") == "stderr"], \
                (lesson, cell.source[:80])
            if _mark(cell) == "needs-exercise":
                (note,) = cell.outputs
                assert re.search(r"\*\*Exercise \d+", note.data["text/markdown"]), note.data["text/markdown"]
        assert sum(c.execution_count is not None for c in code) > 0, f"{lesson}: no demo ran"
    assert marks.get("exercise") and marks.get("self-check") and marks.get("demo"), marks


def test_the_downloads_are_the_learner_notebooks_and_colab_copies_install_the_course_first(
        built: course_site.Built) -> None:
    for lesson in built.lessons:
        learner = ROOT / "notebooks" / f"{lesson}.ipynb"
        assert (built.html / "notebooks" / f"{lesson}.ipynb").read_bytes() == learner.read_bytes()
        colab = nbformat.read(built.html / "colab" / f"{lesson}.ipynb", as_version=4)
        nbformat.validate(colab)
        assert colab.cells[0].source.splitlines()[-1].startswith('!pip install -q "parallel-tool-calls-course @ git+')
        assert [c.source for c in colab.cells[1:]] == [c.source for c in nbformat.read(learner, as_version=4).cells]


def test_launch_links_come_from_the_one_repository_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "site.toml"
    config.write_text('repo_url = ""\nbranch = "main"\n')
    assert not course_site.settings(config).configured
    assert course_site.launch_links("01-recognising", course_site.settings(config)) == {}
    monkeypatch.setenv("SITE_REPO_URL", "https://github.com/acme/tool-calls")
    s = course_site.settings(config)
    assert s.configured and s.folder == "tool-calls"
    assert course_site.launch_links("01-recognising", s) == {
        "Binder": "https://mybinder.org/v2/gh/acme/tool-calls/main?urlpath=lab/tree/notebooks/01-recognising.ipynb",
        "Colab": "https://colab.research.google.com/github/acme/tool-calls/blob/gh-pages/colab/01-recognising.ipynb",
    }
    post_build = (ROOT / "binder" / "postBuild").read_text()  # what the Binder button builds
    assert "-r requirements.lock" in post_build and "--no-deps -e ." in post_build
    assert os.access(ROOT / "binder" / "postBuild", os.X_OK)
    colab = course_site.colab_notebook(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# x")]), s)
    assert "git+https://github.com/acme/tool-calls.git@main" in colab.cells[0].source


# -- in the browser --------------------------------------------------------------------------------------

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(built: course_site.Built) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(built.html)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"the site test needs Chromium at {CHROMIUM}: run `make browser-deps` (see README)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as api:
        b = launch_chromium(api, CHROMIUM)
        yield b
        b.close()


@pytest.fixture(scope="module")
def visited(browser: object, served: str, built: course_site.Built) -> dict[str, dict]:
    """Every page of the site opened once: status, console errors, links, blocked requests, what it shows."""
    blocked: list[str] = []
    page = offline_page(browser, blocked)  # type: ignore[arg-type]
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(str(e)))
    seen = {}
    for path in sorted(p.name for p in built.html.glob("*.html")):
        console.clear()
        blocked.clear()
        response = page.goto(served + path)
        page.wait_for_load_state("load")
        seen[path] = {
            "status": response.status if response else None,
            "console": list(console),
            "blocked": list(blocked),
            "article": page.locator("article.bd-article").inner_text() if page.locator("article.bd-article").count() else "",
            "links": page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)"),
            **page.evaluate("""() => ({
                cell_figures: [...document.querySelectorAll('div.cell')].map(c => c.querySelectorAll('.cell_output img').length),
                cells: document.querySelectorAll('div.cell').length,
                with_output: document.querySelectorAll('div.cell .cell_output').length,
                tracebacks: document.querySelectorAll('.cell_output .traceback, .cell_output .output.error').length,
                outputs: [...document.querySelectorAll('.cell_output')].map(o => o.innerText).join('\\n'),
                notes: document.querySelectorAll('.cell_output .admonition.note').length,
                launch: (document.querySelector('.course-launch') || {innerText: ''}).innerText,
            })"""),
        }
    page.context.close()
    return seen


def test_every_page_renders_offline_without_console_errors(visited: dict[str, dict], built: course_site.Built) -> None:
    assert {"index.html", "search.html", *(f"{lesson}.html" for lesson in built.lessons)} <= set(visited)
    problems = [f"{path}: status {v['status']}" for path, v in visited.items() if v["status"] != 200]
    problems += [f"{path}: console error {e}" for path, v in visited.items() for e in v["console"]]
    problems += [f"{path}: tried to reach {u}" for path, v in visited.items() for u in v["blocked"]]
    problems += [f"{path}: empty article" for path, v in visited.items()
                 if path not in ("search.html", "genindex.html") and len(v["article"].strip()) < 200]
    assert not problems, "\n".join(problems)


def test_the_landing_page_maps_every_lesson(visited: dict[str, dict], served: str, built: course_site.Built) -> None:
    index = visited["index.html"]
    assert "offline and without API keys" in index["article"]
    for lesson in built.lessons:
        assert served + f"{lesson}.html" in index["links"], lesson


def _exercise_names(nb: nbformat.NotebookNode) -> set[str]:
    return {m for c in nb.cells if _is_solution(c) for m in re.findall(r"^\s*(?:async\s+)?def\s+(\w+)", c.source, re.M)}


def _is_solution(cell: nbformat.NotebookNode) -> bool:
    return bool(cell.metadata.get("nbgrader", {}).get("solution"))


def _figures(cell: nbformat.NotebookNode) -> int:
    return sum("image/png" in o.get("data", {}) for o in cell.get("outputs", []))


def test_each_lesson_page_shows_its_demos_figures_and_no_run_exercise(visited: dict[str, dict],
                                                                      built: course_site.Built) -> None:
    """Each code cell on the page shows the figures its executed notebook holds; and a demo that uses no
    exercise holds as many as the same cell draws in the solution notebook, executed headless
    (``lessons.executed``, already cached when test_browser/test_lessons ran in the same session)."""
    total = 0
    for lesson in built.lessons:
        page, nb, solution = visited[f"{lesson}.html"], staged(built, lesson), lessons.executed(lesson)
        assert [c.cell_type for c in nb.cells] == [c.cell_type for c in solution.cells], lesson
        exercises = _exercise_names(nb)
        assert exercises, lesson
        independent = [(i, mine, theirs) for i, (mine, theirs) in enumerate(zip(nb.cells, solution.cells))
                       if mine.cell_type == "code" and _mark(mine) in (None, "widget")
                       and not any(re.search(rf"\b{name}\b", mine.source) for name in exercises)]
        wrong = [f"cell {i}: {_figures(mine)} figure(s), {_figures(theirs)} in the solution run"
                 for i, mine, theirs in independent if _figures(mine) != _figures(theirs)]
        assert not wrong, f"{lesson}: demo cells that use no exercise drew other figures:\n" + "\n".join(wrong)
        total += sum(_figures(mine) for _, mine, _ in independent)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert page["cell_figures"] == [_figures(c) for c in code], f"{lesson}: figures per cell on the page"
        assert page["cells"] == len(code), lesson
        assert page["with_output"] == sum(bool(c.outputs) for c in code), lesson
        assert page["tracebacks"] == 0 and "Traceback" not in page["outputs"], lesson
        assert "NotImplementedError" not in page["outputs"], lesson
        assert page["notes"] == sum(_mark(c) in ("needs-exercise", "widget") for c in code), lesson
        assert "site/site.toml" in page["launch"] and "make lab" in page["launch"], page["launch"]
    assert total > 0, "no lesson page shows a figure"


def test_no_internal_link_is_broken(visited: dict[str, dict], served: str, built: course_site.Built) -> None:
    texts: dict[Path, str] = {}
    broken, checked = [], 0
    for path, v in visited.items():
        for href in v["links"]:
            if not href.startswith(served):
                continue
            url, fragment = urldefrag(href)
            rel = urlparse(url).path.lstrip("/") or "index.html"
            target = built.html / rel
            if target.is_dir():
                target = target / "index.html"
            checked += 1
            if not target.is_file():
                broken.append(f"{path} -> {href}: no such file")
            elif fragment and target.suffix == ".html":
                text = texts.setdefault(target, target.read_text(encoding="utf-8"))
                if f'id="{fragment}"' not in text:
                    broken.append(f"{path} -> {href}: no anchor #{fragment}")
    assert checked > 50, checked
    assert not broken, "\n".join(sorted(set(broken)))


def test_search_finds_the_lessons_offline(browser: object, served: str, built: course_site.Built) -> None:
    blocked: list[str] = []
    page = offline_page(browser, blocked)  # type: ignore[arg-type]
    page.goto(served + "search.html?q=parallel")
    page.wait_for_selector("#search-results ul.search li", timeout=60_000)
    hits = page.eval_on_selector_all("#search-results ul.search li a", "as => as.map(a => a.href)")
    page.context.close()
    assert not blocked, blocked
    assert {h.split("#")[0].rsplit("/", 1)[-1] for h in hits} & {f"{lesson}.html" for lesson in built.lessons}, hits
