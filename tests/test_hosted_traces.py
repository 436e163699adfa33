"""Lesson 5's traces (``course.grading.hosted.trace_of``) are read straight from the recordings; this checks
that they are exactly what the reference loop gets when it replays each scenario through the real SDK."""

from __future__ import annotations

import pytest

from course.clients import openai_client
from course.grading import hosted as h

SCENARIOS = [s for s in h.REQUESTS if not s.endswith("_400")]   # the 400 scenario ends in an error, not a trace


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_a_trace_is_what_the_reference_loop_replays(scenario: str) -> None:
    body = h.request(scenario)
    if scenario.startswith("hubspot_own_search"):   # authored with the course's own web_search function
        body = h._replace_hosted_search(body)
    replayed = h.run_responses(openai_client(scenario, time_scale=0), body)
    assert [r.model_dump() for r in h.trace_of(scenario)] == [r.model_dump() for r in replayed]
