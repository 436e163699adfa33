"""``make site``: the course as a static web site, built offline from the learner notebooks.

    python -m course.instructor.site                   # -> site/_build/html (index.html, one page per lesson, search)
    python -m course.instructor.site --out /tmp/site   # elsewhere (the tests build into a temporary folder)

    from course.instructor import site
    result = site.build(out=Path("/tmp/site"))         # Built(html=..., staged=..., lessons=[...], seconds=...)
    site.settings()                                    # Settings(repo_url=..., branch=..., pages_branch=...)
    site.launch_links("01-recognising", settings)      # {"Binder": url, "Colab": url} ({} until repo_url is set)

**Builder.** Sphinx with MyST-NB and the Sphinx Book Theme (``site/conf.py``): every asset they need ships in
their wheels, so the build runs offline. Jupyter Book 2 (mystmd) downloads its theme when it builds and fails
without the network.

**What the site shows, and why it is built from ``notebooks/``.** The pages are the *learner* notebooks that
``make generate`` writes, executed here: demo cells show their outputs, exercise cells show their
``raise NotImplementedError()`` stub and self-check cells are not run. Solution code never enters the build,
so no page, search index, ``_sources`` copy or download can leak it, whatever a demo prints. (Building from
the executed solutions with the stubs swapped back in would show more demo outputs, but every output of a
demo that calls a learner's function would be computed by the solution, and a traceback or a printed value
could reveal it.) A demo that calls an exercise not written yet (or uses what such a demo made) shows a note
naming the exercise to finish instead of an error; any other error fails the build. Interactive widgets need
a live kernel: their output is a note saying so.

Steps: enumerate the lessons (``autograder/source/NN-name/``), execute each learner notebook with nbclient
(``COURSE_REPLAY_TIME_SCALE=0``, no keys; two at a time; results cached under ``site/_build/cache`` by the
hash of the notebook and the course package), rewrite outputs as above, stage them with the landing page
(``site/index.md`` + the generated lesson map), then ``sphinx-build``. The launch bar on each lesson page
(Binder, Colab, the local ``make lab``) comes from one setting, ``repo_url`` in ``site/site.toml`` (or
``SITE_REPO_URL``); Colab opens ``colab/NN-name.ipynb`` from the published site's branch, a copy of the
learner notebook whose first cell installs the course.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
import tempfile
import tomllib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import nbformat

from .paths import Layout, repo_root

SITE = repo_root() / "site"
BUILD = SITE / "_build"
SKIP = "skip-execution"            # nbclient does not run a cell with this tag
MARK = "course_site"               # cell metadata the builder leaves for the tests: why a cell shows no output
WIDGET = "application/vnd.jupyter.widget-view+json"
PLACEHOLDER = "https://github.com/YOUR-ORG/YOUR-REPO"


class SiteError(RuntimeError):
    """The site cannot be built as promised (a demo cell raised an error no unwritten exercise explains, ...)."""


# -- settings ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Settings:
    """Where the course lives: ``repo_url`` (a GitHub repository, "" until the instructor sets it), the branch
    Binder builds (from ``binder/``: Python 3.11, ``requirements.lock``, the course), the branch the built
    site is published on (Colab opens its notebooks there)."""

    repo_url: str = ""
    branch: str = "main"
    pages_branch: str = "gh-pages"

    @property
    def configured(self) -> bool:
        return bool(self.repo_url) and self.repo_url.rstrip("/") != PLACEHOLDER

    @property
    def github(self) -> tuple[str, str] | None:
        """``(owner, repo)`` when ``repo_url`` is a GitHub repository, else None."""
        url = urlparse(self.repo_url)
        parts = [p for p in url.path.split("/") if p]
        if url.hostname != "github.com" or len(parts) != 2:
            return None
        return parts[0], parts[1].removesuffix(".git")

    @property
    def folder(self) -> str:
        """The folder ``git clone`` makes."""
        return (urlparse(self.repo_url).path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
                or "parallel-tool-calls")


def settings(config: Path | None = None) -> Settings:
    """``site/site.toml``, with ``SITE_REPO_URL`` / ``SITE_BRANCH`` / ``SITE_PAGES_BRANCH`` taking precedence."""
    data = tomllib.loads((config or SITE / "site.toml").read_text(encoding="utf-8"))
    pick = lambda key, env: (os.environ.get(env) or str(data.get(key) or "")).strip()  # noqa: E731
    return Settings(repo_url=pick("repo_url", "SITE_REPO_URL"),
                    branch=pick("branch", "SITE_BRANCH") or "main",
                    pages_branch=pick("pages_branch", "SITE_PAGES_BRANCH") or "gh-pages")


def launch_links(lesson: str, s: Settings) -> dict[str, str]:
    """Binder and Colab URLs for a lesson; empty until ``repo_url`` names a GitHub repository."""
    gh = s.github if s.configured else None
    if gh is None:
        return {}
    owner, repo = gh
    return {
        "Binder": f"https://mybinder.org/v2/gh/{owner}/{repo}/{s.branch}?urlpath=lab/tree/notebooks/{lesson}.ipynb",
        "Colab": f"https://colab.research.google.com/github/{owner}/{repo}/blob/{s.pages_branch}/colab/{lesson}.ipynb",
    }


def colab_notebook(nb: nbformat.NotebookNode, s: Settings) -> nbformat.NotebookNode:
    """The learner notebook for Colab: a first cell installs the course (its replay, recordings and SDKs)."""
    source = s.repo_url if s.configured else PLACEHOLDER
    install = nbformat.v4.new_code_cell(
        "# Colab only: install the course into this runtime (about a minute), then run the lesson from the top.\n"
        f'!pip install -q "parallel-tool-calls-course @ git+{source.rstrip("/")}.git@{s.branch}"')
    install.metadata["tags"] = ["colab-install"]
    out = nbformat.from_dict(json.loads(json.dumps(nb)))
    out.cells.insert(0, install)
    return out


# -- execution ---------------------------------------------------------------------------------------------

def _fingerprint(notebook: Path) -> str:
    """The learner notebook plus the course package its outputs depend on (not the instructor's and
    authoring tools, which no lesson imports)."""
    h = hashlib.sha256(notebook.read_bytes())
    course = repo_root() / "course"
    for p in sorted(course.rglob("*")):
        if p.suffix in (".py", ".json") and not {"__pycache__", "instructor", "authoring"} & set(p.relative_to(course).parts):
            h.update(p.relative_to(course).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:20]


def _is_nbgrader(cell: nbformat.NotebookNode, key: str) -> bool:
    return bool(cell.metadata.get("nbgrader", {}).get(key))


@contextmanager
def warm_kernels(needed: bool = True) -> Iterator[tuple[Path | None, dict[str, str]]]:
    """Kernels forked from a server that already imported ipykernel and the SDKs (``.warmkernel``, as grading
    uses them): about 0.1 s to start instead of several seconds of imports per notebook. Yields the
    kernelspec folder and the environment the kernels need; ``(None, {})`` with ``COURSE_WARM_KERNELS=0``
    (ordinary kernels), or when not ``needed``. The ``course`` package is imported fresh in every kernel."""
    if not needed or os.environ.get("COURSE_WARM_KERNELS", "1") == "0":
        yield None, {}
        return
    from . import warmkernel

    tmp = Path(tempfile.mkdtemp(prefix="cs", dir="/tmp"))  # short: unix socket paths are capped at 107
    sock = tmp / "warm.sock"
    server = warmkernel.start(sock, tmp / "warm.log")
    try:
        share = warmkernel.kernelspec(tmp / "share")
        warm = warmkernel.wait_ready(sock, server)
        yield (share / "kernels" if warm else None,
               {"COURSE_WARM_SOCKET": str(sock), "COURSE_WARM_PYTHON": sys.executable} if warm else {})
    finally:
        warmkernel.stop(server)
        shutil.rmtree(tmp, ignore_errors=True)


def cached(notebook: Path, cache: Path | None) -> Path | None:
    """Where ``notebook``'s executed copy is kept in ``cache`` (it may not exist yet); None without a cache."""
    return cache / f"{notebook.stem}-{_fingerprint(notebook)}.ipynb" if cache else None


def execute(notebook: Path, cache: Path | None = None, timeout: int = 120, kernels: Path | None = None,
            kernel_env: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """``notebook`` executed as a learner first runs it: every cell but the self-checks, offline, time scale 0.

    Exercise stubs run (they only define the function), so a demo that calls one says which exercise to
    finish first (``course.grading.finish_first``, which finds the notebook through ``JPY_SESSION_NAME``).
    ``kernels``: a folder of kernelspecs to start ``python3`` from (``warm_kernels``)."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from course.kernel_channels import SteadyNotebookClient as NotebookClient

    key = cached(notebook, cache)
    if key and key.is_file():
        return nbformat.read(key, as_version=4)
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and _is_nbgrader(cell, "grade") and not _is_nbgrader(cell, "solution"):
            cell.metadata.setdefault("tags", []).append(SKIP)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and k != "COURSE_MODE"}
    env.update(COURSE_REPLAY_TIME_SCALE="0", JPY_SESSION_NAME=str(notebook.resolve()), **(kernel_env or {}))
    km = (AsyncKernelManager(kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))
          if kernels else None)
    client = NotebookClient(nb, km=km, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(notebook.parent)}})
    client.execute(env=env)
    if key:
        key.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, key)
    return nb


# -- what a page shows -------------------------------------------------------------------------------------

_FINISH = re.compile(r"^(?P<name>\w+) is not written yet: finish (?P<exercise>.+?) first \(")


def _note(text: str) -> dict:
    return nbformat.v4.new_output("display_data", data={"text/markdown": f"```{{note}}\n{text}\n```",
                                                        "text/plain": text})


def for_the_site(nb: nbformat.NotebookNode, lesson: str) -> nbformat.NotebookNode:
    """Rewrite an executed learner notebook for its page (in place; returned).

    Exercise and self-check cells: no output, no execution count. A demo whose first error is an unwritten
    exercise's "finish ... first", and any later demo that fails after it: a note naming that exercise.
    Widgets: a note (they need a live kernel). Raises ``SiteError`` for any other error or stderr output."""
    pending: tuple[str, str] | None = None  # (function, exercise) of the last demo that needed an exercise
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        if SKIP in tags:
            tags.remove(SKIP)
            if not tags:
                cell.metadata.pop("tags")
        if _is_nbgrader(cell, "solution") or _is_nbgrader(cell, "grade"):
            cell.outputs, cell.execution_count = [], None
            cell.metadata[MARK] = "exercise" if _is_nbgrader(cell, "solution") else "self-check"
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        stderr = [o for o in cell.outputs if o.get("name") == "stderr"]
        if errors:
            found = _FINISH.match(str(errors[0].get("evalue", "")))
            if found:
                pending = found["name"], found["exercise"]
                text = (f"This demo calls `{pending[0]}`, which you write in **{pending[1]}**. Its output "
                        "appears when you run the lesson (launch it from the top of this page) with that exercise done.")
            elif pending:
                text = (f"This demo uses what an earlier demo made with `{pending[0]}` (**{pending[1]}**). Its output "
                        "appears when you run the lesson with that exercise done.")
            else:
                raise SiteError(f"{lesson}: code cell {i} raised {errors[0].get('ename')}: {errors[0].get('evalue')}"
                                " (no unwritten exercise explains it); fix the master and run `make generate`")
            cell.outputs = [_note(text)]
            cell.metadata[MARK] = "needs-exercise"
            continue
        if stderr:
            raise SiteError(f"{lesson}: code cell {i} wrote to stderr: {''.join(o.text for o in stderr)[:300]}")
        if any(WIDGET in o.get("data", {}) for o in cell.outputs):
            cell.outputs = [o for o in cell.outputs if WIDGET not in o.get("data", {})]
            cell.outputs.append(_note("This cell draws an interactive explorer when you run the lesson (launch it "
                                      "from the top of this page): its controls need a running Python kernel."))
            cell.metadata[MARK] = "widget"
    nb.metadata.pop("widgets", None)
    return nb


# -- the landing page --------------------------------------------------------------------------------------

def _title(nb: nbformat.NotebookNode) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""


def _readme_summaries() -> dict[str, str]:
    """``lesson -> "you learn to ..."`` from README's course map, where it has a row for the lesson."""
    rows = {}
    for line in (repo_root() / "README.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\|\s*\d+\s*\|\s*\[`(\d\d-[a-z0-9-]+)`\]\([^)]*\)\s*\|\s*(.+?)\s*\|\s*$", line)
        if m:
            rows[m[1]] = m[2]
    return rows


def lesson_map(lessons: list[str], notebooks: dict[str, nbformat.NotebookNode]) -> str:
    """The landing page's table of lessons (MyST links to the lesson pages) and the site's toctree."""
    summaries = _readme_summaries()
    lines = ["| # | lesson | you learn to |", "|---|---|---|"]
    for n, lesson in enumerate(lessons, 1):
        title = re.sub(r"^Lesson\s+\d+\s*[·:.-]\s*", "", _title(notebooks[lesson])) or lesson
        lines.append(f"| {n} | [{title}]({lesson}.ipynb) | {summaries.get(lesson, '')} |")
    toc = ["```{toctree}", ":hidden:", ":caption: Lessons", "", *lessons, "```"]
    return "\n".join(lines + [""] + toc) + "\n"


# -- the build ---------------------------------------------------------------------------------------------

@dataclass
class Built:
    html: Path
    staged: Path
    lessons: list[str]
    seconds: float
    execute_seconds: float
    cpu_seconds: float  # user + system, this process and the children it waited for (kernels, sphinx-build)


def stage(out: Path, lessons: list[str], executed: dict[str, nbformat.NotebookNode], learner: dict[str, Path],
          s: Settings) -> Path:
    """Write Sphinx's source folder: the landing page, one notebook per lesson, and the files the site serves
    as they are (``extra/notebooks/`` the untouched learner notebooks, ``extra/colab/`` their Colab copies)."""
    src = out / "src"
    shutil.rmtree(src, ignore_errors=True)
    (src / "extra" / "notebooks").mkdir(parents=True)
    (src / "extra" / "colab").mkdir()
    index = (SITE / "index.md").read_text(encoding="utf-8")
    raw = {lesson: nbformat.read(learner[lesson], as_version=4) for lesson in lessons}
    index = index.replace("<!-- lesson-map -->", lesson_map(lessons, raw))
    (src / "index.md").write_text(index, encoding="utf-8")
    for lesson in lessons:
        nbformat.write(executed[lesson], src / f"{lesson}.ipynb")
        shutil.copy2(learner[lesson], src / "extra" / "notebooks" / f"{lesson}.ipynb")
        nbformat.write(colab_notebook(raw[lesson], s), src / "extra" / "colab" / f"{lesson}.ipynb")
    (src / "extra" / ".nojekyll").write_text("")  # GitHub Pages: serve _static/ and _sources/ as they are
    return src


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def build(out: Path | None = None, cache: Path | None = BUILD / "cache", jobs: int = 2,
          layout: Layout | None = None, quiet: bool = True) -> Built:
    """Build the site into ``out/html`` (default ``site/_build``). Raises ``SiteError`` naming what failed."""
    started, cpu = time.perf_counter(), _cpu()
    out = (out or BUILD).resolve()
    layout = layout or Layout.default()
    lessons = layout.lessons()
    if not lessons:
        raise SiteError(f"no lesson masters under {layout.source}")
    learner = {lesson: layout.notebooks / f"{lesson}.ipynb" for lesson in lessons}
    missing = [str(p) for p in learner.values() if not p.is_file()]
    if missing:
        raise SiteError(f"learner notebooks missing (run `make generate`): {missing}")
    s = settings()
    to_run = [lesson for lesson in lessons if not (cached(learner[lesson], cache) or Path("/nonexistent")).is_file()]
    with warm_kernels(needed=bool(to_run)) as (kernels, kernel_env), ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        runs = {lesson: pool.submit(execute, learner[lesson], cache, kernels=kernels, kernel_env=kernel_env)
                for lesson in lessons}
        executed = {lesson: for_the_site(f.result(), lesson) for lesson, f in runs.items()}
    executed_at = time.perf_counter()
    src = stage(out, lessons, executed, learner, s)
    html = out / "html"
    shutil.rmtree(html, ignore_errors=True)
    env = {**os.environ, "SITE_REPO_URL": s.repo_url, "SITE_BRANCH": s.branch,
           "SITE_PAGES_BRANCH": s.pages_branch, "COURSE_SITE_LESSONS": ",".join(lessons),
           "COURSE_SITE_EXTRA": str(src / "extra")}
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-c", str(SITE), "-d", str(out / "doctrees"), "-j", str(max(1, jobs)),
           "-W", "--keep-going", *(["-q"] if quiet else []), str(src), str(html)]
    done = subprocess.run(cmd, env=env, capture_output=quiet, text=True)
    if done.returncode:
        raise SiteError(f"sphinx-build failed ({done.returncode}):\n{(done.stdout or '')[-3000:]}{(done.stderr or '')[-3000:]}")
    return Built(html=html, staged=src, lessons=lessons, seconds=time.perf_counter() - started,
                 execute_seconds=executed_at - started, cpu_seconds=_cpu() - cpu)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course.instructor.site", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=None, help="build folder (default site/_build); the site is OUT/html")
    parser.add_argument("--no-cache", action="store_true", help="execute every notebook again")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed at once (default 2)")
    args = parser.parse_args(argv)
    try:
        built = build(args.out, cache=None if args.no_cache else BUILD / "cache", jobs=args.jobs, quiet=False)
    except SiteError as exc:
        print(f"site: {exc}", file=sys.stderr)
        return 1
    s = settings()
    print(f"site: {len(built.lessons)} lesson(s) -> {built.html / 'index.html'} in {built.seconds:.1f} s "
          f"(executing the notebooks {built.execute_seconds:.1f} s; {built.cpu_seconds:.0f} s of CPU)")
    if not s.configured:
        print("site: no repository URL yet, so the lesson pages have no Binder/Colab buttons: set repo_url in "
              "site/site.toml (or make site SITE_REPO_URL=https://github.com/owner/repo)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
