"""The errors a learner meets when a request leaves the recorded path, worded to teach.

:class:`ReplayMismatch` is an ``AssertionError`` so it reads as "your request is not the
one expected".  Under the Anthropic SDK it must also be an ``AnthropicError``, or the SDK
would wrap it as "Connection error." and retry it; :func:`mismatch_class` picks the class.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

import anthropic


class ReplayMismatch(AssertionError):
    """The request does not match the next recorded model call."""


class ReplayExhausted(ReplayMismatch):
    """Every recorded model call was already played: the loop should have stopped."""


class AnthropicReplayMismatch(ReplayMismatch, anthropic.AnthropicError):
    """A mismatch raised under the Anthropic SDK (not wrapped, not retried)."""


class AnthropicReplayExhausted(ReplayExhausted, anthropic.AnthropicError):
    """An exhausted recording under the Anthropic SDK."""


class LiveModeError(RuntimeError):
    """Live or record mode was asked for without what it needs."""


def mismatch_class(provider: str, exhausted: bool = False) -> type[ReplayMismatch]:
    if provider == "anthropic":
        return AnthropicReplayExhausted if exhausted else AnthropicReplayMismatch
    return ReplayExhausted if exhausted else ReplayMismatch


def body_diff(expected: Any, sent: Any, limit: int = 40) -> str:
    """A unified diff of two normalised bodies, at most ``limit`` lines."""
    a = json.dumps(expected, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    b = json.dumps(sent, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    lines = list(difflib.unified_diff(a, b, "recording expects", "your request", n=2, lineterm=""))
    if len(lines) > limit:
        lines = lines[:limit] + [f"... ({len(lines) - limit} more diff lines)"]
    return "\n".join(lines)
