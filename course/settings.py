"""Where the course reads its switches: replay, live or record mode, and the time scale."""

from __future__ import annotations

import os
from typing import Literal

Mode = Literal["replay", "live", "record"]
KEY_ENV = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}


def mode() -> Mode:
    """``COURSE_MODE``: ``replay`` (default, offline), ``live`` or ``record`` (both need keys and opt-in)."""
    value = os.environ.get("COURSE_MODE", "replay").strip().lower() or "replay"
    if value not in ("replay", "live", "record"):
        raise ValueError(f"COURSE_MODE must be replay, live or record, not {value!r}")
    return value  # type: ignore[return-value]


def time_scale() -> float:
    """How fast recorded latencies replay: ``COURSE_REPLAY_TIME_SCALE``; 0 under nbgrader, else 1."""
    raw = os.environ.get("COURSE_REPLAY_TIME_SCALE")
    if raw is not None:
        return max(0.0, float(raw))
    return 0.0 if os.environ.get("NBGRADER_EXECUTION") else 1.0


def api_key(provider: str) -> str | None:
    return os.environ.get(KEY_ENV[provider]) or None
