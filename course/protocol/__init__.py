"""The refusals the real APIs make when a tool loop is broken, emulated with their own error bodies.

Each rule is a :class:`Rule` record (id, API, HTTP status, error type/code/param, the exact message
template, the trigger, its public sources) with a check function; they live per API in
:mod:`.chat`, :mod:`.responses` and :mod:`.anthropic`.  What is *not* emulated, and why, is
:data:`NOT_EMULATED` (:mod:`.caveats`).  Only behaviour with an exact public error text is emulated, so
the replay never refuses a request the real API accepts.

Quick tour::

    from course import protocol

    err = protocol.check("/v1/chat/completions", body, history)    # None, or an ApiError
    err.status, err.body, err.rule                                  # 400, {"error": {...}}, "chat_missing"
    protocol.RULES                                                  # every emulated rule, in report order
    protocol.rule("responses_missing").sources                      # where its text was seen
    protocol.History()                                              # Responses state: stored ids, reasoning items

``course.replay.ReplaySession`` calls :func:`check` before matching each request (an error is answered
with ``err.status`` and ``err.body``, so the SDK raises its real ``BadRequestError``/``NotFoundError``)
and :meth:`History.record` after playing one.  ``python -m course.protocol table`` prints the markdown
table of rules and caveats; ``python -m course.protocol readme [--check]`` syncs README.md's section.

When several rules are broken at once, the one reported is the first by (rule stage, position in the
request, order in :data:`RULES`): parameters before items, earlier messages before later ones.
"""

from __future__ import annotations

from typing import Any

from . import anthropic, chat, responses
from .base import ApiError, Caveat, Hit, Rule
from .caveats import NOT_EMULATED
from .history import History, StoredResponse

RULES: tuple[Rule, ...] = chat.RULES + responses.RULES + anthropic.RULES
SOURCES: dict[str, tuple[str, ...]] = {r.id: r.sources for r in RULES}

__all__ = ["ApiError", "Caveat", "Hit", "History", "NOT_EMULATED", "RULES", "Rule", "SOURCES", "StoredResponse",
           "check", "rule", "unemulated"]


def rule(rule_id: str) -> Rule:
    """The rule record with this id."""
    for r in RULES:
        if r.id == rule_id:
            return r
    raise KeyError(f"no protocol rule {rule_id!r}; known: {', '.join(r.id for r in RULES)}")


def check(path: str, body: dict[str, Any], history: History | None = None) -> ApiError | None:
    """The error the real API answers ``body`` with at ``path``, or ``None`` if it accepts it."""
    history = history if history is not None else History()
    hits = []
    for n, r in enumerate(RULES):
        if path.endswith(r.path):
            hit = r.check(body, history)
            if hit is not None:
                hits.append(((r.stage, hit.at, n), r, hit))
    if not hits:
        return None
    _, r, hit = min(hits, key=lambda h: h[0])
    return r.error(hit.values)


def unemulated(path: str, body: dict[str, Any]) -> str | None:
    """A sentence naming a refusal the real API is reported to make for ``body`` but the replay does not emulate
    (see :data:`NOT_EMULATED`), or ``None``.  The replay adds it to the message of a request that leaves the
    recording, so such a request is never silently accepted and never answered with another rule's text."""
    if path.endswith(chat.PATH):
        return chat.unemulated(body)
    return None
