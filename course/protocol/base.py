"""The record every emulated rule is, and the error bodies the providers send.

A :class:`Rule` is data (id, API, HTTP status, error type/code/param, the exact message template, the
trigger in words, the public sources) plus one ``check(body, history) -> Hit | None``.  A :class:`Hit`
carries the values the templates need and a position, so that when several rules are broken at once the
one the API reports first wins (see :func:`course.protocol.check`).  :meth:`Rule.error` turns a hit into
the :class:`ApiError` the replay sends: OpenAI's ``{"error": {message, type, param, code}}`` or
Anthropic's ``{"type": "error", "error": {type, message}, "request_id"}``, which the SDKs parse into their
real ``BadRequestError`` / ``NotFoundError`` (``.status_code``, ``.body``, ``.code``, ``.param``).

A :class:`Caveat` is a behaviour the course teaches but does *not* emulate, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Literal

if TYPE_CHECKING:
    from .history import History

Provider = Literal["openai", "anthropic"]
REQUEST_ID = "req_replay"


@dataclass(frozen=True)
class ApiError:
    """An HTTP error answer as the provider would send it."""

    status: int
    body: dict[str, Any]
    rule: str

    @property
    def message(self) -> str:
        return str(self.body.get("error", {}).get("message", ""))


@dataclass(frozen=True)
class Hit:
    """One broken rule: the template values, and where in the request it was found (sort key)."""

    values: dict[str, Any]
    at: tuple[int, ...] = ()


Check = Callable[[dict[str, Any], "History"], "Hit | None"]


@dataclass(frozen=True)
class Rule:
    """One refusal the real API makes, emulated exactly as its public sources show it."""

    id: str
    api: str                     # "Chat Completions", "Responses", "Messages"
    path: str                    # the endpoint suffix the rule applies to
    status: int
    error_type: str
    message: str                 # template, e.g. "No tool output found for function call {call_id}."
    trigger: str                 # what the learner's request did, in words
    sources: tuple[str, ...]
    check: Check = field(compare=False, repr=False)
    param: str | None = None     # template too, e.g. "messages.[{index}].role"
    code: str | None = None
    stage: int = 0               # earlier stages are reported first (parameters before messages)

    @property
    def provider(self) -> Provider:
        return "anthropic" if self.path == "/messages" else "openai"

    def render(self, values: dict[str, Any]) -> str:
        return self.message.format(**values)

    def error(self, values: dict[str, Any]) -> ApiError:
        """The status and JSON body the provider sends for this rule, filled with ``values``."""
        message = self.render(values)
        if self.provider == "anthropic":
            body: dict[str, Any] = {"type": "error", "error": {"type": self.error_type, "message": message},
                                    "request_id": REQUEST_ID}
        else:
            param = self.param.format(**values) if self.param else None
            body = {"error": {"message": message, "type": self.error_type, "param": param, "code": self.code}}
        return ApiError(self.status, body, self.id)


@dataclass(frozen=True)
class Caveat:
    """A behaviour taught in the course but not emulated by the replay, and why."""

    api: str
    behaviour: str
    why: str
    sources: tuple[str, ...] = ()


def get(obj: Any, key: str) -> Any:
    """``obj[key]`` for dicts, ``None`` for anything else (request bodies are untrusted JSON)."""
    return obj.get(key) if isinstance(obj, dict) else None


def items(obj: Any) -> list[Any]:
    return obj if isinstance(obj, list) else []
