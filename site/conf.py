"""Sphinx configuration of the course site. Built by ``make site`` (``course/instructor/site.py``), which stages
the executed learner notebooks and the landing page and passes the settings of ``site/site.toml`` in the
environment; run ``sphinx-build`` through it, not directly.

Sphinx + MyST-NB + the Sphinx Book Theme: every asset ships in the wheels, so the build needs no network.
The notebooks arrive executed (``nb_execution_mode = "off"``): the builder runs them, caches the results and
rewrites what a page may show (no solutions, self-checks not run).
"""

from __future__ import annotations

import html
import os

from course.instructor.site import Settings, launch_links

settings = Settings(repo_url=os.environ.get("SITE_REPO_URL", ""), branch=os.environ.get("SITE_BRANCH", "main"),
                    pages_branch=os.environ.get("SITE_PAGES_BRANCH", "gh-pages"))
LESSONS = [x for x in os.environ.get("COURSE_SITE_LESSONS", "").split(",") if x]

project = "Parallel tool calls with LLM APIs"
author = "the course team"
copyright = "the course team"
extensions = ["myst_nb"]
exclude_patterns = ["extra", "**/.ipynb_checkpoints"]
# the builder's staged notebooks/, colab/ and .nojekyll, served as they are
html_extra_path = [os.environ["COURSE_SITE_EXTRA"]] if os.environ.get("COURSE_SITE_EXTRA") else []

nb_execution_mode = "off"
nb_merge_streams = True
nb_render_markdown_format = "myst"  # the builder's notes are MyST admonitions
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]  # lessons start sections at ### for exercises under ##

html_theme = "sphinx_book_theme"
html_title = project
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_show_sourcelink = False
html_theme_options = {
    "repository_url": settings.repo_url if settings.configured else "",
    "repository_branch": settings.branch,
    "path_to_docs": "notebooks",
    "use_repository_button": settings.configured,
    "use_download_button": False,     # the launch bar offers the learner notebook itself
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
    "show_toc_level": 2,
}
html_context = {"default_mode": "light"}  # the theme's switcher otherwise logs "invalid theme mode" on a first visit
html_sidebars = {"**": ["navbar-logo.html", "search-button-field.html", "sbt-sidebar-nav.html"]}


def _launch_bar(lesson: str) -> str:
    """The buttons above a lesson: Binder, Colab, the notebook itself, and how to run it with ``make lab``."""
    links = launch_links(lesson, settings)
    buttons = [f'<a class="course-launch-button" href="{html.escape(url)}">{name}</a>' for name, url in links.items()]
    buttons.append(f'<a class="course-launch-button" href="notebooks/{lesson}.ipynb" download>Download the notebook</a>')
    if links:
        clone = f"git clone {html.escape(settings.repo_url)} &amp;&amp; cd {html.escape(settings.folder)} &amp;&amp; make lab"
        where = (f'Colab opens <a href="colab/{lesson}.ipynb">a copy</a> whose first cell installs the course; '
                 "Binder builds the course's environment.")
    else:
        clone = "git clone &lt;the course repository&gt; &amp;&amp; cd &lt;its folder&gt; &amp;&amp; make lab"
        where = ("<strong>Binder and Colab buttons appear here once the instructor sets the course repository's "
                 "URL</strong>: <code>repo_url</code> in <code>site/site.toml</code> (README, "
                 "&ldquo;The course site&rdquo;).")
    return (f'<div class="course-launch" data-lesson="{lesson}"><div class="course-launch-buttons">'
            f'<span class="course-launch-label">Run this lesson:</span> {" ".join(buttons)}</div>'
            f'<p>On your machine: <code>{clone}</code>, then open <code>notebooks/{lesson}.ipynb</code>. '
            f"Offline, no API key. {where}</p></div>")


def _add_launch_bar(app, pagename, templatename, context, doctree):  # noqa: ANN001
    if pagename in LESSONS and "body" in context:
        context["body"] = _launch_bar(pagename) + context["body"]


def setup(app):  # noqa: ANN001
    app.connect("html-page-context", _add_launch_bar)
