"""Drive JupyterLab in headless Chromium the way a learner does: open a notebook, Run All Cells, save, look.

>>> browser = launch_chromium(playwright, "/usr/bin/chromium")
>>> page = LabPage(offline_page(browser, blocked), lab)
>>> run = page.open_and_run("solutions/01-recognising.ipynb", root)
>>> run.notebook            # the notebook as the browser saved it (nbformat), outputs and all
>>> run.images, run.widgets # figures (<img>) and rendered widget views in the page, top-level outputs
>>> page.menus()            # the menu bar's labels

The browser is Debian's ``chromium`` (never a Playwright download), launched with the flags that keep it
off the network; every request to a non-loopback host is aborted and recorded in ``blocked``. Commands go
through the lab's own UI: the Run menu's "Run All Cells" and the notebook toolbar's Save button.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import nbformat
from playwright.sync_api import Browser, Page, Playwright, Route

from .lab_server import Lab

CHROMIUM_FLAGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-default-apps",
                  "--disable-features=Translate,OptimizationHints,MediaRouter"]
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
NEWS = ".Toastify__toast:has-text('Jupyter news')"


def launch_chromium(playwright: Playwright, executable: str) -> Browser:
    """Headless Chromium from ``executable``; Playwright gives it a fresh profile dir of its own."""
    flags = [*CHROMIUM_FLAGS, *(["--no-sandbox"] if os.geteuid() == 0 else [])]
    return playwright.chromium.launch(executable_path=executable, headless=True, args=flags)


def offline_page(browser: Browser, blocked: list[str]) -> Page:
    """A page in a new context whose requests off 127.0.0.1 are aborted and listed in ``blocked``."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})

    def guard(route: Route) -> None:
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    context.set_default_timeout(60_000)
    return context.new_page()


@dataclass
class Run:
    """One notebook after Run All Cells: what the browser saved and what the page showed."""

    path: str
    notebook: nbformat.NotebookNode
    images: int
    widgets: int
    seconds: float


class LabPage:
    """One browser page on one lab server, reused for every notebook."""

    def __init__(self, page: Page, lab: Lab) -> None:
        self.page, self.lab = page, lab
        self.current: str | None = None

    # -- the workspace -----------------------------------------------------------------------------------
    def goto(self, path: str = "", *, reset: bool = True) -> None:
        self.lab.shutdown_kernels()
        self.page.goto(self.lab.url(path, "reset" if reset else ""))
        self.page.wait_for_selector("#jp-main-statusbar")
        self.current = None

    def menus(self) -> list[str]:
        return [m.inner_text() for m in self.page.query_selector_all("#jp-menu-panel .lm-MenuBar-itemLabel")]

    def sidebar_tabs(self) -> list[str]:
        return [t.get_attribute("title") or "" for t in self.page.query_selector_all(".jp-SideBar .lm-TabBar-tab")]

    def toolbar_buttons(self) -> list[str]:
        return [b.inner_text().strip() for b in self.page.query_selector_all(f"{PANEL} .jp-NotebookPanel-toolbar "
                                                                               ".jp-Toolbar-item")]

    def news_toasts(self) -> int:
        return self.page.locator(NEWS).count()

    # -- one notebook ------------------------------------------------------------------------------------
    def open_notebook(self, path: str, root: Path) -> nbformat.NotebookNode:
        """Open ``path`` alone in a reset workspace; wait until all its cells are in the page and its
        kernel is idle. Returns the notebook as it is on disk."""
        on_disk = nbformat.read(root / path, as_version=4)
        self.goto(f"lab/tree/{path}")
        self.page.wait_for_function(
            "([sel, n]) => document.querySelectorAll(sel + ' .jp-Notebook .jp-Cell').length === n",
            arg=[PANEL, len(on_disk.cells)])
        self.page.wait_for_selector("#jp-main-statusbar :text-matches('\\\\| Idle$')")
        self._wait_kernel_idle(path)
        self.current = path
        return on_disk

    def _wait_kernel_idle(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            sessions = [s for s in self.lab.api("GET", "sessions") if s["path"] == path]  # type: ignore[union-attr]
            if sessions and sessions[0]["kernel"]["execution_state"] == "idle":
                return
            time.sleep(0.2)
        raise AssertionError(f"{path}: its kernel was not idle within {timeout:.0f} s")

    def run_all(self) -> None:
        """Run > Run All Cells, then wait until no cell is queued or running."""
        self.page.click("#jp-menu-panel .lm-MenuBar-itemLabel:text-is('Run')")
        self.page.click(".lm-Menu-content .lm-Menu-itemLabel:text-is('Run All Cells')")
        self.page.wait_for_function(
            """(sel) => {
                 const prompts = [...document.querySelectorAll(sel + ' .jp-CodeCell .jp-InputPrompt')]
                   .map(p => p.textContent);
                 return prompts.length > 0 && !prompts.some(p => p.includes('*')) && /\\d/.test(prompts[0]);
               }""", arg=PANEL, timeout=180_000)
        if self.page.locator(".jp-Dialog").count():
            raise AssertionError(f"a dialog is open after Run All Cells: {self.page.locator('.jp-Dialog').inner_text()}")

    def save(self) -> None:
        self.page.click(f"{PANEL} .jp-NotebookPanel-toolbar [data-jp-item-name='save'] button")
        self.page.wait_for_selector("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current:not(.jp-mod-dirty)")

    def outputs_shown(self) -> tuple[int, int]:
        """Top-level outputs (not inside a widget) that show an ``<img>`` figure, and rendered widget views."""
        return tuple(self.page.evaluate(  # type: ignore[return-value]
            """(sel) => {
                 const top = [...document.querySelectorAll(sel + ' .jp-OutputArea-output')]
                   .filter(o => !o.parentElement.closest('.jupyter-widgets'));
                 const figures = top.filter(o => o.dataset.mimeType === 'image/png' && o.querySelector('img[src]'));
                 const widgets = top.filter(o => o.querySelector(':scope > .jupyter-widgets'));
                 return [figures.length, widgets.length];
               }""", PANEL))

    def open_and_run(self, path: str, root: Path) -> Run:
        started = time.monotonic()
        self.open_notebook(path, root)
        self.run_all()
        images, widgets = self.outputs_shown()
        self.save()
        saved = nbformat.read(root / path, as_version=4)
        return Run(path, saved, images, widgets, time.monotonic() - started)
