"""Client factories: the real ``openai``/``anthropic`` SDK clients, wired to a scenario.

>>> client = openai_client("chat_weather_parallel")        # OpenAI, offline, no key
>>> aclient = anthropic_client("claude_weather_parallel", async_=True)

In replay mode (the default) the client talks only to the recording.  With
``COURSE_MODE=live`` and the provider's key set, the same call returns a client for the
real API, still logging every request so the notebook's checks can read it.
Retries are off in every mode, so a mistake is one clear failure.
"""

from __future__ import annotations

from typing import Any

import anthropic
import httpx2
import openai

from . import settings
from .errors import LiveModeError
from .live import LiveSession, LiveTransport
from .recording import load
from .replay import ReplaySession, ReplayTransport

REPLAY_KEY = "replay-no-key-needed"
BASE_URLS = {"openai": "https://api.openai.com/v1", "anthropic": "https://api.anthropic.com"}


def replay_session(scenario: str, time_scale: float | None = None) -> ReplaySession:
    """A fresh session over a scenario's recording."""
    scale = settings.time_scale() if time_scale is None else time_scale
    return ReplaySession(load(scenario), time_scale=scale)


def openai_client(scenario: str, *, async_: bool = False, time_scale: float | None = None,
                  strict: bool = False) -> Any:
    """An ``OpenAI`` (or ``AsyncOpenAI``) client for a scenario: Chat Completions and Responses."""
    return _make("openai", scenario, async_, time_scale, strict)


def anthropic_client(scenario: str, *, async_: bool = False, time_scale: float | None = None,
                     strict: bool = False) -> Any:
    """An ``Anthropic`` (or ``AsyncAnthropic``) client for a scenario."""
    return _make("anthropic", scenario, async_, time_scale, strict)


def _make(provider: str, scenario: str, async_: bool, time_scale: float | None, strict: bool) -> Any:
    mode = settings.mode()
    if mode == "replay":
        session: Any = replay_session(scenario, time_scale)
        if session.recording.provider != provider:
            other = f"{session.recording.provider}_client"
            raise ValueError(f"scenario '{scenario}' is a {session.recording.provider} recording: use {other}(...)")
        transport: Any = ReplayTransport(session)
        key, base = REPLAY_KEY, BASE_URLS[provider]
    else:
        key = settings.api_key(provider)
        if not key:
            raise LiveModeError(
                f"COURSE_MODE={mode} needs {settings.KEY_ENV[provider]} in the environment. "
                "Unset COURSE_MODE to work offline against the recordings."
            )
        session = LiveSession(scenario, provider)
        transport = LiveTransport(session, async_=async_)
        base = None
    return sdk_client(provider, transport, async_, key=key, base_url=base, strict=strict)


def sdk_client(provider: str, transport: Any, async_: bool = False, *, key: str = REPLAY_KEY,
               base_url: str | None = None, strict: bool = False) -> Any:
    """The real SDK client class for ``provider`` over an ``httpx2`` transport, retries off."""
    http = (httpx2.AsyncClient if async_ else httpx2.Client)(transport=transport)
    cls = {("openai", False): openai.OpenAI, ("openai", True): openai.AsyncOpenAI,
           ("anthropic", False): anthropic.Anthropic, ("anthropic", True): anthropic.AsyncAnthropic}[(provider, async_)]
    kwargs: dict[str, Any] = {"api_key": key, "max_retries": 0, "http_client": http,
                              "_strict_response_validation": strict}
    if base_url:
        kwargs["base_url"] = base_url
    return cls(**kwargs)
