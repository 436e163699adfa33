"""The public sources the authored recordings cite, by title and URL, in one place.

Every ``provenance.sources`` entry that names one of the course's three source documents comes from here,
so a recording never points at a local file::

    from course.authoring.citations import BLOG, FORUM, TUTORIAL, authored_with

    FORUM                       # "OpenAI Developer Community thread 'Responses API: ...' https://community..."
    authored_with("openai", "3.54", "openai/types/responses/function_tool_param.py")
    # "authored with openai 3.54: openai/types/responses/function_tool_param.py"

``authored_with`` keeps the SDK version a recording was *authored* with (not the one installed today:
that one is in ``requirements.lock``, see :mod:`course.versions`).
"""

from __future__ import annotations

FORUM_URL = "https://community.openai.com/t/responses-api-parallel-tool-calls-not-happening/1226942"
TUTORIAL_URL = "https://llm.learnwithnickk.com/Week-02/Day-02-Part-2-Function-Calling-and-Tool-Use/05-parallel-tool-calls/"
BLOG_URL = "https://callsphere.ai/blog/parallel-tool-calling-openai-agents-sdk-eval"

FORUM = f"OpenAI Developer Community thread 'Responses API: Parallel Tool Calls Not Happening' {FORUM_URL}"
TUTORIAL = f"Tutorial page 'Parallel Tool Calls' (learnwithnickk LLM course, week 2) {TUTORIAL_URL}"
BLOG = (f"Sagar Shankaran, 'Parallel Tool Calling in the OpenAI Agents SDK: When It Helps, When It Hurts (2026)', "
        f"CallSphere blog, 2026-05-06 {BLOG_URL}")


def authored_with(package: str, version: str, files: str) -> str:
    """A provenance entry naming the SDK files a recording's shapes were checked against, and that SDK's version."""
    return f"authored with {package} {version}: {files}"
