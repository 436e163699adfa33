"""Scenario recordings: one JSON file per scenario, loaded and checked field by field.

A recording is a list of model calls (``interactions``).  Each holds the request the
course's reference loop sent and the response the API gave (JSON, or SSE events with
per-event pacing), plus notes for people and provenance saying whether it was captured
live or authored from documented formats.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from .folding import fold

FORMAT = "course-replay/1"
SCENARIO_DIR = Path(__file__).parent / "scenarios"
PATHS = {"/v1/chat/completions": "openai", "/v1/responses": "openai", "/v1/messages": "anthropic"}
OUTPUT_MODES = ("json", "exact", "any")
DEFAULT_IGNORE = ("metadata", "user", "stream_options", "service_tier", "prompt_cache_key", "safety_identifier")


class RecordingError(ValueError):
    """A recording file is missing, not JSON, or has a bad field: the message names both."""

    def __init__(self, file: Path | str, field: str, problem: str) -> None:
        self.file, self.field = str(file), field
        super().__init__(f"recording {self.file}: field '{field}': {problem}")


@dataclass(frozen=True)
class Response:
    """What the API answered: a JSON body or a list of SSE events ``{event?, data, dt_ms}``."""

    status: int
    headers: dict[str, str]
    json: Any = None
    sse: list[dict[str, Any]] | None = None

    @cached_property
    def final_body(self) -> dict[str, Any] | None:
        """The JSON body, or for a stream the complete object its events add up to (:mod:`course.folding`)."""
        return self.json if self.sse is None else fold(self.sse)


@dataclass(frozen=True)
class Interaction:
    """One model call: the request expected, the response to play, and how to compare."""

    index: int
    note: str
    method: str
    path: str
    request: dict[str, Any]
    response: Response
    latency_ms: float = 0.0
    tool_output: Literal["json", "exact", "any"] = "json"
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recording:
    """A whole scenario as loaded from disk."""

    name: str
    file: Path
    provider: Literal["openai", "anthropic"]
    note: str
    provenance: dict[str, Any]
    order: Literal["strict", "any"]
    interactions: tuple[Interaction, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def authored(self) -> bool:
        return self.provenance.get("kind") == "authored"


def scenario_path(name: str) -> Path:
    """The file of a scenario given by name (``chat_weather_parallel``) or by path."""
    p = Path(name)
    if p.suffix == ".json" and p.exists():
        return p
    return SCENARIO_DIR / f"{name}.json"


def list_scenarios() -> list[str]:
    """Names of every recording shipped with the course."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.json"))


def load(name: str) -> Recording:
    """Load and check a recording; every problem raises :class:`RecordingError`."""
    file = scenario_path(name)
    if not file.exists():
        known = ", ".join(list_scenarios()) or "none"
        raise RecordingError(file, "<file>", f"no such scenario. Known scenarios: {known}")
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise RecordingError(file, "<file>", f"not valid JSON ({e.msg} at line {e.lineno})") from None
    return parse(raw, file)


def parse(raw: Any, file: Path | str = "<memory>") -> Recording:
    """Check a decoded recording and build the typed view."""
    need = _Checker(file)
    need.type(raw, "<root>", dict)
    if raw.get("format") != FORMAT:
        raise RecordingError(file, "format", f"expected {FORMAT!r}, found {raw.get('format')!r}")
    name = need.type(raw.get("scenario"), "scenario", str)
    provider = raw.get("provider")
    if provider not in ("openai", "anthropic"):
        raise RecordingError(file, "provider", f"must be 'openai' or 'anthropic', found {provider!r}")
    prov = need.type(raw.get("provenance"), "provenance", dict)
    if prov.get("kind") not in ("captured", "authored"):
        raise RecordingError(file, "provenance.kind", "must be 'captured' or 'authored'")
    if prov["kind"] == "authored" and not prov.get("sources"):
        raise RecordingError(file, "provenance.sources", "an authored recording must cite its sources")
    order = raw.get("order", "strict")
    if order not in ("strict", "any"):
        raise RecordingError(file, "order", f"must be 'strict' or 'any', found {order!r}")
    defaults = need.type(raw.get("defaults", {}), "defaults", dict)
    items = need.type(raw.get("interactions"), "interactions", list)
    if not items:
        raise RecordingError(file, "interactions", "a recording needs at least one interaction")
    inters = tuple(_interaction(need, i, it, defaults) for i, it in enumerate(items))
    known = {"format", "scenario", "provider", "note", "provenance", "order", "defaults", "interactions"}
    return Recording(
        name=name, file=Path(file), provider=provider, note=str(raw.get("note", "")), provenance=prov,
        order=order, interactions=inters, extra={k: v for k, v in raw.items() if k not in known},
    )


def _interaction(need: "_Checker", i: int, it: Any, defaults: dict[str, Any]) -> Interaction:
    at = f"interactions[{i}]"
    need.type(it, at, dict)
    req = need.type(it.get("request"), f"{at}.request", dict)
    path = need.type(req.get("path"), f"{at}.request.path", str)
    if path not in PATHS:
        raise RecordingError(need.file, f"{at}.request.path", f"unknown endpoint {path!r}; known: {sorted(PATHS)}")
    body = need.type(req.get("json"), f"{at}.request.json", dict)
    resp = need.type(it.get("response"), f"{at}.response", dict)
    status = need.type(resp.get("status"), f"{at}.response.status", int)
    headers = need.type(resp.get("headers", {}), f"{at}.response.headers", dict)
    has_json, has_sse = "json" in resp, "sse" in resp
    if has_json == has_sse:
        raise RecordingError(need.file, f"{at}.response", "needs exactly one of 'json' or 'sse'")
    sse = None
    if has_json:
        _body(need, resp["json"], f"{at}.response.json")
    if has_sse:
        sse = need.type(resp["sse"], f"{at}.response.sse", list)
        if not sse:
            raise RecordingError(need.file, f"{at}.response.sse", "is empty: a stream needs at least one event")
        for k, ev in enumerate(sse):
            need.type(ev, f"{at}.response.sse[{k}]", dict)
            if "data" not in ev:
                raise RecordingError(need.file, f"{at}.response.sse[{k}].data", "missing")
            if not isinstance(ev["data"], (dict, str)):
                raise RecordingError(need.file, f"{at}.response.sse[{k}].data",
                                     f"expected object or string, found {type(ev['data']).__name__}")
            need.number(ev.get("dt_ms", 0), f"{at}.response.sse[{k}].dt_ms")
        try:
            folded = fold(sse)
        except (AttributeError, TypeError, KeyError, IndexError, ValueError) as e:
            raise RecordingError(need.file, f"{at}.response.sse",
                                 f"its events do not add up to a response ({type(e).__name__}: {e})") from None
        if not isinstance(folded, dict) or not folded:
            raise RecordingError(need.file, f"{at}.response.sse",
                                 "its events add up to no response object (no event carries the response)")
    match = {**defaults, **need.type(it.get("match", {}), f"{at}.match", dict)}
    mode = match.get("tool_output", "json")
    if mode not in OUTPUT_MODES:
        raise RecordingError(need.file, f"{at}.match.tool_output", f"must be one of {OUTPUT_MODES}, found {mode!r}")
    ignore = need.type(match.get("ignore", []), f"{at}.match.ignore", list)
    return Interaction(
        index=i, note=str(it.get("note", "")), method=str(req.get("method", "POST")).upper(), path=path,
        request=body, response=Response(status=status, headers=headers, json=resp.get("json"), sse=sse),
        latency_ms=need.number(it.get("latency_ms", 0), f"{at}.latency_ms"), tool_output=mode,
        ignore=tuple(DEFAULT_IGNORE) + tuple(ignore),
    )


def _body(need: "_Checker", body: Any, where: str) -> dict[str, Any]:
    """A response body must be a non-empty JSON object (every endpoint here answers with one)."""
    if not isinstance(body, dict):
        raise RecordingError(need.file, where, f"expected a JSON object, found {_kind(body)}")
    if not body:
        raise RecordingError(need.file, where, "is empty: a response body holds at least one field")
    return body


def _kind(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null",
            int: "number", float: "number"}.get(type(value), type(value).__name__)


@dataclass
class _Checker:
    file: Path | str

    def type(self, value: Any, where: str, kind: type) -> Any:
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise RecordingError(self.file, where, f"expected {kind.__name__}, found {type(value).__name__}")
        return value

    def number(self, value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise RecordingError(self.file, where, f"expected a non-negative number, found {value!r}")
        return float(value)
