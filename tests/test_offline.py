"""No network, ever, unless an instructor opts in with keys; live mode fails clearly without them."""

from __future__ import annotations

import socket

import pytest

from course import recording
from course.authoring import REGISTRY, catalog  # noqa: F401
from course.clients import anthropic_client, openai_client
from course.errors import LiveModeError


def test_replaying_every_scenario_never_creates_a_socket(monkeypatch):
    opened = []

    class NoSocket(socket.socket):
        def __init__(self, *a, **kw):
            opened.append(a)
            raise AssertionError("the replay opened a socket")

    monkeypatch.setattr(socket, "socket", NoSocket)
    for name in recording.list_scenarios():
        sc = REGISTRY[name]
        if sc.async_:
            continue  # asyncio's own event loop needs a socketpair; async replays are covered elsewhere
        client = (openai_client if sc.provider == "openai" else anthropic_client)(name)
        sc.drive(client)
    assert opened == []


def test_conftest_blocks_any_real_connection():
    with pytest.raises(AssertionError, match="never reach the network"):
        socket.create_connection(("api.openai.com", 443), timeout=1)


@pytest.mark.parametrize("factory, env", [(openai_client, "OPENAI_API_KEY"), (anthropic_client, "ANTHROPIC_API_KEY")])
def test_live_mode_without_a_key_says_what_is_missing(monkeypatch, factory, env):
    monkeypatch.setenv("COURSE_MODE", "live")
    with pytest.raises(LiveModeError, match=env):
        factory("chat_weather_parallel")


def test_unknown_mode_is_refused(monkeypatch):
    monkeypatch.setenv("COURSE_MODE", "online")
    with pytest.raises(ValueError, match="COURSE_MODE must be replay, live or record"):
        openai_client("chat_weather_parallel")


def test_live_client_goes_to_the_real_api_only_when_asked(monkeypatch):
    from course.replay import session_of

    monkeypatch.setenv("COURSE_MODE", "live")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-fake-not-a-real-key")
    client = openai_client("chat_weather_parallel")
    assert str(client.base_url).startswith("https://api.openai.com")
    with pytest.raises(Exception) as err:  # the conftest guard stops the connection attempt
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    assert "never reach the network" in repr(err.value) + repr(err.value.__cause__) + repr(err.value.__context__)
    assert session_of(client).kinds() == ["live"], "live requests are logged for the notebook's checks"
