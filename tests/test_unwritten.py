"""An unwritten exercise fails its check with a message naming the function, sync or async."""

from __future__ import annotations

import asyncio

import pytest

from course.grading.unwritten import reports_unwritten


def latency_percentiles(values):
    raise NotImplementedError()


def test_a_sync_check_names_the_unwritten_function():
    @reports_unwritten
    def check(fn):
        return fn([1.0, 2.0])

    with pytest.raises(AssertionError, match=r"^latency_percentiles is not written yet: replace `raise NotImplementedError\(\)`"):
        check(latency_percentiles)


def test_an_async_check_names_the_unwritten_function_and_passes_results_through():
    async def run_turn_with_policy(calls):
        raise NotImplementedError()

    async def written(calls):
        return {"c1": 1}

    @reports_unwritten
    async def check(fn):
        return await fn([])

    with pytest.raises(AssertionError, match="^run_turn_with_policy is not written yet"):
        asyncio.run(check(run_turn_with_policy))
    assert asyncio.run(check(written)) == {"c1": 1}


def test_other_errors_pass_through_unchanged():
    @reports_unwritten
    def check():
        raise KeyError("lookup")

    with pytest.raises(KeyError):
        check()


def test_checks_that_catch_the_learners_errors_say_not_written_yet_too():
    """Lessons 1-3's checks run the learner's code under their own try/except; a stub still reads the same."""
    from course.grading import answering, fanout, recognising

    def extract_calls(response):
        raise NotImplementedError()

    def run_tool(name, arguments):
        raise NotImplementedError()

    async def run_calls(calls, tools):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="^extract_calls is not written yet"):
        recognising.check_extract(extract_calls, "chat_weather_parallel")
    with pytest.raises(AssertionError, match="^run_tool is not written yet"):
        answering.check_run_tool(run_tool, [("get_weather", '{"city": "Tokyo"}')])
    with pytest.raises(AssertionError, match="^run_calls is not written yet"):
        asyncio.run(fanout.check_run_calls(run_calls, verbose=False))


def _learner_notebooks():
    from pathlib import Path

    return sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", _learner_notebooks(), ids=lambda p: p.stem)
def test_a_released_notebook_run_top_to_bottom_says_only_not_written_yet(path, tmp_path):
    """Every error of a released notebook run as Jupyter runs it (JPY_SESSION_NAME = the notebook) is a check's
    "X is not written yet" or a demo cell's "X is not written yet: finish Exercise N first": no KeyError or bare
    NotImplementedError from a demo cell that uses an unwritten exercise, no stderr."""
    import os
    import re

    import nbformat
    from course.kernel_channels import SteadyNotebookClient as NotebookClient

    nb = nbformat.read(path, as_version=4)
    env_before = os.environ.get("JPY_SESSION_NAME")
    os.environ["JPY_SESSION_NAME"] = str(path)
    os.environ["COURSE_REPLAY_TIME_SCALE"] = "0"
    try:
        NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        if env_before is None:
            os.environ.pop("JPY_SESSION_NAME", None)
        else:
            os.environ["JPY_SESSION_NAME"] = env_before
    said = re.compile(r"^\w+ is not written yet: (replace `raise NotImplementedError\(\)`|finish Exercise \d+)")
    wrong = [(i, o.get("ename"), o.get("evalue", o.get("text", ""))[:200]) for i, c in enumerate(nb.cells)
             if c.cell_type == "code" for o in c.get("outputs", [])
             if (o.output_type == "error" and not said.match(o.get("evalue", "")))
             or (o.output_type == "stream" and o.get("name") == "stderr")]
    assert not wrong, f"{path.name}: {wrong}"
