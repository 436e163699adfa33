"""The course in a browser: JupyterLab started as ``make lab`` starts it, driven in headless Chromium.

One server and one browser page for the module (the learner lab, over a throwaway copy of ``README.md``,
``notebooks/`` and ``solutions/``, so running a notebook never touches a generated file). Each notebook is
opened through the lab, run with Run > Run All Cells, saved with the toolbar's Save button, and judged from
what the browser saved and what the page shows:

- the start page is the README rendered, whose course map opens lesson 1; nbgrader's instructor UI
  and the "Jupyter news" pop-up are absent, while a stock lab (``make lab-instructor``) shows all four;
- every solution runs without an error or stderr output, and the page shows as many figures and widgets
  as the same notebook executed headless (``tests/lessons.py``'s ``executed``);
- every learner notebook stops at its first exercise's check, with "<name> is not written yet";
- lesson 3's explorer answers a button click and a slider drag (its text and its figure change).

Chromium is Debian's (``COURSE_CHROMIUM``, default ``/usr/bin/chromium``; ``make browser-deps`` installs it),
never a Playwright download; requests off 127.0.0.1 are aborted, and any attempt fails the test.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbgrader.utils import is_grade, is_solution

import lessons
from browser.lab_page import NEWS, PANEL, LabPage, Run, launch_chromium, offline_page
from browser.lab_server import running_lab

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
SOLUTIONS = sorted(f"solutions/{p.name}" for p in (ROOT / "solutions").glob("*.ipynb"))
# Lesson 3 last: the explorer test then uses the page as the last learner run left it.
LEARNER = sorted((f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb")), key=lambda p: "03-" in p)
EXPLORER_NOTEBOOK = "notebooks/03-fan-out.ipynb"

_runs: dict[str, Run] = {}


def _copy_course(root: Path) -> Path:
    shutil.copy2(ROOT / "README.md", root / "README.md")
    for folder in ("notebooks", "solutions"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return root


@pytest.fixture(scope="module")
def playwright_api() -> Iterator[object]:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"the browser test needs Chromium at {CHROMIUM}: run `make browser-deps` as root, or "
                    "`sudo apt-get install -y chromium` (elsewhere: set COURSE_CHROMIUM, see README)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as api:
        yield api


@pytest.fixture(scope="module")
def blocked() -> list[str]:
    return []


@pytest.fixture(scope="module")
def browser(playwright_api: object) -> Iterator[object]:
    b = launch_chromium(playwright_api, CHROMIUM)  # type: ignore[arg-type]
    yield b
    b.close()


@pytest.fixture(scope="module")
def course_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _copy_course(tmp_path_factory.mktemp("lab-root"))


@pytest.fixture(scope="module")
def headless() -> Iterator[dict[str, Future[nbformat.NotebookNode]]]:
    """Each solution executed headless (``lessons.executed``, cached for tests/test_lessons.py too), on a
    worker thread while the browser works: the counts the page must show."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield {Path(p).stem: pool.submit(lessons.executed, Path(p).stem) for p in SOLUTIONS}


@pytest.fixture(scope="module")
def learner(browser: object, blocked: list[str], course_root: Path, headless: dict[str, Future[object]],
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabPage]:
    with running_lab(course_root, tmp_path_factory.mktemp("learner-lab")) as lab:
        page = LabPage(offline_page(browser, blocked), lab)  # type: ignore[arg-type]
        yield page
        page.page.context.close()


@pytest.fixture(autouse=True)
def _nothing_leaves_the_machine(blocked: list[str]) -> Iterator[None]:
    yield
    assert not blocked, f"the lab tried to reach the network: {blocked}"


def _run(learner: LabPage, course_root: Path, path: str) -> Run:
    if path not in _runs:
        _runs[path] = learner.open_and_run(path, course_root)
    return _runs[path]


def _errors(cell: nbformat.NotebookNode) -> list[str]:
    return [f"{o.get('ename')}: {o.get('evalue')}" if o.output_type == "error" else str(o.get("text"))
            for o in cell.get("outputs", []) if o.output_type == "error" or o.get("name") == "stderr"]


def _count(nb: nbformat.NotebookNode, mime: str) -> int:
    return sum(mime in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


# -- the start page and what learners do not see -------------------------------------------------------------

def test_make_lab_opens_on_the_readme_whose_course_map_opens_lesson_one(learner: LabPage) -> None:
    learner.goto("", reset=False)  # the bare server URL, as `make lab` opens it
    title = (ROOT / "README.md").read_text().splitlines()[0].lstrip("# ").strip()
    heading = learner.page.wait_for_selector(".jp-MarkdownViewer .jp-RenderedMarkdown h1")
    assert heading.inner_text().strip() == title
    assert learner.page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current").inner_text().strip() == "README.md"
    listing = learner.page.locator(".jp-DirListing-itemText").all_inner_texts()
    assert {"notebooks", "solutions", "README.md"} <= {t.strip() for t in listing}, listing

    rendered = learner.page.locator(".jp-MarkdownViewer .jp-RenderedMarkdown")
    assert "self-check" in rendered.inner_text()
    first = sorted(LEARNER)[0]  # lesson 1
    rendered.locator(f"a[href*='/{first}']").first.click()
    learner.page.wait_for_selector(f"#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current:has-text('{Path(first).name}')")
    learner.page.wait_for_selector(f"{PANEL} .jp-Notebook .jp-Cell")


def test_the_instructor_lab_shows_what_the_learner_lab_hides(browser: object, blocked: list[str],
                                                              learner: LabPage, course_root: Path,
                                                              tmp_path_factory: pytest.TempPathFactory) -> None:
    notebook = SOLUTIONS[0]
    with running_lab(course_root, tmp_path_factory.mktemp("instructor-lab"), config=None) as lab:
        stock = LabPage(offline_page(browser, blocked), lab)  # type: ignore[arg-type]
        stock.open_notebook(notebook, course_root)
        stock.page.wait_for_selector(NEWS, timeout=30_000)
        instructor = (stock.menus(), stock.sidebar_tabs(), stock.toolbar_buttons())
        stock.page.context.close()
    assert "Nbgrader" in instructor[0]
    assert any("Create Assignment" in t for t in instructor[1]), instructor[1]
    assert "Validate" in instructor[2], instructor[2]

    learner.open_notebook(notebook, course_root)
    assert "Nbgrader" not in learner.menus()
    assert not any("Create Assignment" in t for t in learner.sidebar_tabs())
    assert "Validate" not in learner.toolbar_buttons()
    assert learner.news_toasts() == 0


# -- every notebook, run in the browser --------------------------------------------------------------------

@pytest.mark.parametrize("path", SOLUTIONS)
def test_solution_runs_clean_and_shows_its_figures_and_widgets(
        learner: LabPage, course_root: Path, headless: dict[str, Future[nbformat.NotebookNode]], path: str) -> None:
    run = _run(learner, course_root, path)
    problems = {i: _errors(c) for i, c in enumerate(run.notebook.cells) if c.cell_type == "code" and _errors(c)}
    assert not problems, f"{path}: cells with errors or stderr in the browser: {problems}"
    unrun = [i for i, c in enumerate(run.notebook.cells) if c.cell_type == "code" and c.execution_count is None]
    assert not unrun, f"{path}: Run All Cells left cells {unrun} unrun"

    executed = headless[Path(path).stem].result()
    figures, widgets = _count(executed, "image/png"), _count(executed, "application/vnd.jupyter.widget-view+json")
    assert (run.images, run.widgets) == (figures, widgets), (
        f"{path}: the page shows {run.images} figures and {run.widgets} widgets; "
        f"executed headless it makes {figures} and {widgets}")
    assert _count(run.notebook, "image/png") == figures
    assert learner.news_toasts() == 0


@pytest.mark.parametrize("path", LEARNER)
def test_learner_notebook_stops_at_the_first_exercise_saying_it_is_not_written_yet(
        learner: LabPage, course_root: Path, path: str) -> None:
    run = _run(learner, course_root, path)
    cells = run.notebook.cells
    first_solution = next(i for i, c in enumerate(cells) if is_solution(c) and c.cell_type == "code")
    name = re.search(r"^(?:async\s+)?def\s+(\w+)", cells[first_solution].source, re.M).group(1)  # type: ignore[union-attr]
    check = next(i for i, c in enumerate(cells) if i > first_solution and is_grade(c) and not is_solution(c))

    failing = [i for i, c in enumerate(cells) if c.cell_type == "code" and _errors(c)]
    assert failing[:1] == [check], (f"{path}: the first error should be the check of `{name}` (cell {check}); "
                                    f"errors in cells {failing}: {[_errors(cells[i]) for i in failing]}")
    error = next(o for o in cells[check].outputs if o.output_type == "error")
    assert error.evalue.startswith(f"{name} is not written yet"), f"{path}: {error.ename}: {error.evalue}"
    before = [i for i, c in enumerate(cells[:check]) if c.cell_type == "code" and c.execution_count is None]
    after = [i for i, c in enumerate(cells) if i > check and c.cell_type == "code" and c.execution_count is not None]
    assert not before and not after, f"{path}: unrun before the check {before}; run after it {after}"


def test_lesson3_explorer_answers_a_click_and_a_slider_drag(learner: LabPage, course_root: Path) -> None:
    if learner.current != EXPLORER_NOTEBOOK:
        _runs.pop(EXPLORER_NOTEBOOK, None)
        _run(learner, course_root, EXPLORER_NOTEBOOK)
    page = learner.page
    explorer = page.locator(f"{PANEL} .jp-OutputArea-output:has(> .jupyter-widgets .widget-toggle-buttons)").first
    explorer.scroll_into_view_if_needed()
    total = explorer.locator(".widget-html-content").first
    figure = explorer.locator(".widget-output img").first

    def state() -> tuple[str, str]:
        return total.text_content() or "", figure.get_attribute("src") or ""

    def changed_from(before: tuple[str, str]) -> tuple[str, str]:
        page.wait_for_function(
            """([box, text, src]) => {
                 const img = box.querySelector('.widget-output img'), html = box.querySelector('.widget-html-content');
                 return img && html && html.textContent !== text && img.getAttribute('src') !== src;
               }""",
            arg=[explorer.element_handle(), *before], timeout=30_000)
        return state()

    start = state()
    assert "total" in start[0] and start[1], start
    idle = explorer.locator(".widget-toggle-buttons button:not(.mod-active)").first
    mode = idle.inner_text().strip()
    idle.click()
    clicked = changed_from(start)
    assert clicked[0].startswith(mode), f"after clicking {mode!r} the explorer says {clicked[0]!r}"

    handle = explorer.locator(".widget-hslider .noUi-handle").nth(1)  # [0] is the cap, [1] the first latency
    box = handle.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 120, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    changed_from(clicked)


def test_browser_deps_stops_naming_the_command_when_it_cannot_install(tmp_path: Path) -> None:
    """`make test` depends on `make browser-deps`: a missing Chromium it cannot install stops it, never a skip."""
    import subprocess

    missing = tmp_path / "no-chromium"
    done = subprocess.run(["make", "-s", "--no-print-directory", "browser-deps", f"CHROMIUM={missing}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert f"needs Chromium at {missing}" in done.stdout and "apt-get install -y chromium" in done.stdout, done.stdout
