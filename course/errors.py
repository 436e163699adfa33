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


MAX_DIFF_CHARS = 2000     # the unified diff part of a mismatch message
MAX_MESSAGE_CHARS = 3500  # a whole mismatch message, however large the request
_STR, _ITEMS, _WIDTH, _DEPTH = 80, 30, 160, 40


def key_diff(expected: Any, sent: Any, limit: int = 8) -> list[str]:
    """The paths where two bodies differ (``messages[2].content: ...``), at most ``limit`` lines, each short."""
    out: list[str] = []
    _walk(expected, sent, "", out, limit + 1, 0)
    if len(out) > limit:
        out = out[:limit] + ["... (more keys differ)"]
    return out


def _walk(a: Any, b: Any, path: str, out: list[str], cap: int, depth: int) -> None:
    if len(out) >= cap:
        return
    where = path or "<body>"
    if depth > _DEPTH:
        if a != b:
            out.append(f"{where}: differs (nested too deep to show)")
    elif isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            sub = f"{path}.{k}" if path else str(k)
            if k not in b:
                out.append(f"{_clip_text(sub)}: missing from your request")
            elif k not in a:
                out.append(f"{_clip_text(sub)}: not in the recording")
            else:
                _walk(a[k], b[k], sub, out, cap, depth + 1)
            if len(out) >= cap:
                return
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{where}: the recording has {len(a)} item(s), your request {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            _walk(x, y, f"{path}[{i}]", out, cap, depth + 1)
            if len(out) >= cap:
                return
    elif isinstance(a, str) and isinstance(b, str):
        if a != b:
            at = _first_difference(a, b)
            out.append(f"{where}: text differs at character {at} (recording {len(a)} chars, yours {len(b)})")
    elif a != b or type(a) is not type(b):
        out.append(f"{where}: the recording has {_short(a)}, your request {_short(b)}")


def _first_difference(a: str, b: str) -> int:
    """Index of the first character where ``a`` and ``b`` differ (bisection on slices: fast on 20 MB)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi) // 2
        if a[lo:mid + 1] == b[lo:mid + 1]:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _short(x: Any) -> str:
    return _clip_text(json.dumps(_clip(x), ensure_ascii=False, sort_keys=True), 60)


def _clip_text(s: str, n: int = _WIDTH) -> str:
    return s if len(s) <= n else f"{s[:n]}... [{len(s)} chars]"


def _clip(x: Any, depth: int = 0) -> Any:
    """A bounded copy for display: long strings, long lists and big dicts cut, with what was cut said."""
    if depth > _DEPTH:
        return "..."
    if isinstance(x, str):
        return x if len(x) <= _STR else f"{x[:_STR]}... [{len(x)} chars]"
    if isinstance(x, list):
        head = [_clip(v, depth + 1) for v in x[:_ITEMS]]
        return head + ([f"... [{len(x) - _ITEMS} more items]"] if len(x) > _ITEMS else [])
    if isinstance(x, dict):
        keys = sorted(x, key=str)
        out = {str(k): _clip(x[k], depth + 1) for k in keys[:_ITEMS]}
        if len(keys) > _ITEMS:
            out["..."] = f"[{len(keys) - _ITEMS} more keys]"
        return out
    return x


def body_diff(expected: Any, sent: Any, limit: int = 40) -> str:
    """A unified diff of two normalised bodies: at most ``limit`` lines and ``MAX_DIFF_CHARS`` characters,
    long strings and lists cut first (so a 20 MB request gives a short diff)."""
    a = json.dumps(_clip(expected), indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    b = json.dumps(_clip(sent), indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    lines = [_clip_text(line) for line in
             difflib.unified_diff(a, b, "recording expects", "your request", n=2, lineterm="")]
    out: list[str] = []
    size = 0
    for i, line in enumerate(lines):
        if i >= limit or size + len(line) > MAX_DIFF_CHARS:
            out.append(f"... ({len(lines) - i} more diff lines)")
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


def bounded(message: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``message`` cut to ``limit`` characters, saying so."""
    return message if len(message) <= limit else message[:limit - 40] + f"\n... [message cut, {len(message)} chars]"
