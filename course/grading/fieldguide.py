"""Checks for lesson 7, *The field guide*: each runs the learner's fixed loop on a scenario and reads the log.

A broken loop fails in one of two ways, and the checks read both from the evidence, never from what the
learner's function says about itself:

* **loud**: the replay refused a request with an emulated 400/404 (``Exchange.rule`` in
  ``session_of(client).log``, rules in :mod:`course.protocol`); the check names the rule, its cause and the
  lesson section with the fix (:data:`RULE_HELP`);
* **silent**: every request was accepted, but a result sits under the wrong id (the replay refuses the
  mismatched content, or :func:`course.grading.answering.check_answers` finds it), a turn's tools ran one
  after another (:class:`course.clock.SimClock` says so), or a streamed call was merged with its neighbour
  (the assistant message sent back does not hold the calls the model streamed).

Every check takes the learner's function and a scenario name, builds a fresh client (and clock), runs the
whole loop, prints one ``ok ...`` line, or fails with :func:`course.grading.failures.fail` (mistake id, teaching
message, protocol rule).  Quick tour::

    import course.grading.fieldguide as check
    check.check_chat_fix(fixed_chat_agent, "field_chat_dropped")              # Exercise 1 (sync)
    check.check_reasoning_fix(fixed_reasoning_agent, "field_reasoning_stateless")   # Exercise 2 (sync)
    await check.check_claude_fix(fixed_claude_agent, "field_claude_first")      # Exercise 3 (async)
    await check.check_async_fix(fixed_async_agent, "field_async_serial")        # Exercise 4 (async, clock)
    check.check_stream_fix(fixed_stream_agent, "field_stream_merge")            # Exercise 5 (sync, streamed)
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import io
import json
import warnings
from typing import Any, Callable

from .. import evidence
from ..clients import anthropic_client, openai_client
from ..clock import SimClock, second_look
from ..errors import ReplayMismatch
from ..replay import Exchange, ReplaySession, session_of
from ..wire import calls_in, field, text_in
from . import answering
from .failures import fail, failure_of, graded
from .tasks import contained
from .unwritten import unwritten_error

# Which section of the lesson explains each emulated refusal, and the one-line fix.
RULE_HELP: dict[str, tuple[str, str]] = {
    "chat_missing": ("a call's result is missing: every tool_call_id needs a role 'tool' message, a failed call "
                     "too (send its error text as the content)", "2. A failed call's result dropped"),
    "chat_orphan": ("a tool message does not come right after the assistant message with tool_calls (was that "
                    "message appended, and appended before its results?)", "2. A failed call's result dropped"),
    "responses_previous_not_stored": ("previous_response_id names a response created with store=False; nothing "
                                      "was stored, so there is nothing to continue from. With store=False resend "
                                      "the whole history instead", "3. A reasoning model without its memory"),
    "responses_item_not_stored": ("a reasoning item from a store=False response was resent by id without its "
                                  "encrypted_content; resend the item as it came",
                                  "3. A reasoning model without its memory"),
    "responses_without_reasoning": ("a function_call was resent without the reasoning item that came before it; "
                                    "resend every output item in order, reasoning items included",
                                    "3. A reasoning model without its memory"),
    "responses_reasoning_unfollowed": ("a reasoning item was resent without the items that followed it (the "
                                       "function_call items, with their ids); resend response.output as it came",
                                       "3. A reasoning model without its memory"),
    "responses_duplicate_item": ("the same output item was resent twice (appended once per call?); add "
                                 "response.output once per turn", "3. A reasoning model without its memory"),
    "responses_missing": ("a function_call has no function_call_output", "3. A reasoning model without its memory"),
    "responses_unknown": ("a function_call_output answers a call_id the request does not hold (resend the "
                          "function_call items before their outputs)", "3. A reasoning model without its memory"),
    "anthropic_results_not_first": ("the user message after Claude's tool_use blocks must START with the "
                                    "tool_result blocks; put any text after them (or leave it out)",
                                    "4. Claude wants its results first"),
    "anthropic_duplicate_tool_use": ("the same tool_use id appears twice (Claude's message appended once per "
                                     "call?); append it once per turn", "4. Claude wants its results first"),
    "anthropic_missing": ("a tool_use id has no tool_result block in the next user message",
                          "4. Claude wants its results first"),
    "anthropic_unknown": ("a tool_result answers an id Claude's previous message did not issue",
                          "4. Claude wants its results first"),
}
SECTION = {"chat": "2. A failed call's result dropped", "responses": "3. A reasoning model without its memory",
           "anthropic": "4. Claude wants its results first", "serial": "5. The loop that waits in line",
           "stream": "6. Two streamed calls become one"}


# --------------------------------------------------------------------------- running learner code

def _quiet() -> contextlib.ExitStack:
    stack = contextlib.ExitStack()
    stack.enter_context(warnings.catch_warnings())
    warnings.simplefilter("ignore")
    stack.enter_context(contextlib.redirect_stderr(io.StringIO()))
    return stack


async def _arun(fn: Callable[..., Any], *args: Any, what: str, **kw: Any) -> tuple[Any, BaseException | None]:
    """``await fn(*args, **kw)``: (result, exception); no stray tasks, nothing on stderr."""
    async with contained():
        with _quiet():
            try:
                aw = fn(*args, **kw)
            except NotImplementedError as e:
                raise unwritten_error(e) from None
            except Exception as e:  # noqa: BLE001 - graded from the log
                return None, e
            if not inspect.isawaitable(aw):
                fail("not_async", f"{what} must be an `async def` function (its client is an async one, so the "
                                  f"loop awaits it); calling it returned {type(aw).__name__}.")
            try:
                return await asyncio.wait_for(aw, 20.0), None
            except NotImplementedError as e:
                raise unwritten_error(e) from None
            except Exception as e:  # noqa: BLE001 - graded from the log
                return None, e


def _first(client: Any) -> dict[str, Any]:
    return answering.first_request(client)


def _user_turns(req: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments the exercise's function takes, from a scenario's first request."""
    out = {"model": req["model"], "tools": req["tools"]}
    if "input" in req:
        out["input"] = req["input"]
    else:
        out["messages"] = req["messages"]
    return out


# --------------------------------------------------------------------------- judging the log

def _crash(exc: BaseException, what: str) -> None:
    from .. import tools as toolbox
    if isinstance(exc, toolbox.ToolError):
        fail("tool_error_crashed", f"{what} raised {type(exc).__name__}: {exc}. A failing tool must become an error "
             f"result the model reads, never a crashed loop: catch it and send its text (reread section "
             f"'{SECTION['chat']}').")
    fail("loop_crashed", f"{what} raised {type(exc).__name__}: {exc}. {answering.where_raised(exc)}")


def _refusal(s: ReplaySession, e: Exchange, what: str) -> None:
    cause, section = RULE_HELP.get(e.rule or "", ("", ""))
    lines = [f"{what}: the API refused a request (HTTP {e.status}, rule {e.rule}): {e.message}"]
    if cause:
        lines.append(f"Cause: {cause}. Reread '{section}' and the reference table at the end.")
    fail(f"refused_{e.rule or 'api'}", "\n".join(lines), rule=e.rule)


def _played_calls(s: ReplaySession) -> list[tuple[int, list[dict[str, Any]]]]:
    return [(k, calls_in(e.response)) for k, e in enumerate(s.log) if e.kind == "played"]


def judge(client: Any, got: Any, exc: BaseException | None, what: str, *, stream: bool = False) -> ReplaySession:
    """Everything the session saw: no refusal, no crash, every call answered right, finished, right text."""
    s = evidence.require(session_of(client))
    refused = [e for e in s.log if e.kind == "api_error"]
    if refused:
        _refusal(s, refused[0], what)
    if exc is not None and not isinstance(exc, ReplayMismatch) and not answering._is_api_error(exc):
        _crash(exc, what)
    if stream:
        _merged(s, what)
    for n, (k, calls) in enumerate(_played_calls(s), start=1):
        if not calls:
            continue
        if k + 1 >= len(s.log):
            fail("stopped_early", f"{what}: in round {n} the model asked for {len(calls)} call(s), but no request "
                 "with their results followed. Keep looping until a reply asks for no tools.")
        nxt = s.log[k + 1]
        api = "chat" if nxt.path.endswith("/chat/completions") else (
            "responses" if nxt.path.endswith("/responses") else "anthropic")
        try:
            answering.check_answers(api, answering.calls_in(s.log[k].response),
                                    nxt.body if isinstance(nxt.body, dict) else {}, f"[{s.name}] {what}, round {n}")
        except AssertionError as e:  # lesson 2's wording, plus where this lesson treats it
            tag = failure_of(e)
            fail(tag.mistake if tag else "wrong_answer", f"{e}\nIn this lesson: the silent-bugs table in section "
                 "'7. The field guide' lists this one and its fix.")
    bad = [e for e in s.log if e.kind == "mismatch"]
    if bad:
        fail("replay_mismatch", f"{what}: the replay did not recognise one of your requests. "
             + _setting_changed(s, bad[0]) + "Keep the model, tools and settings the broken loop sent (store=False, "
             "stream=True, ...), and send the conversation plus each turn's results.\n" + (bad[0].message or "")[:600])
    if any(e.kind == "exhausted" for e in s.log):
        fail("called_after_done", f"{what} called the model again after its last answer asked for no tools. "
             "Stop when there are no calls left and return the text.")
    if not s.finished:
        fail("not_finished", f"{what} stopped before the conversation ended: the model still expected "
             f"{len(s.recording.interactions) - len(s.requests('played'))} more turn(s).")
    final = text_in(s.recording.interactions[-1].response.final_body or {})
    if not isinstance(got, str) or got.strip() != final.strip():
        fail("wrong_return", f"{what} returned {got!r}; it should return the model's final text, {final!r}.")
    return s


def _setting_changed(s: ReplaySession, e: Exchange) -> str:
    """Which request setting (``store``, ``stream``, ``model``) differs from what the recording expected."""
    k = len([x for x in s.log[:s.log.index(e)] if x.kind == "played"])
    inters = s.recording.interactions
    if not isinstance(e.body, dict) or k >= len(inters):
        return ""
    want = inters[k].request
    for key in ("model", "store", "stream"):
        if want.get(key) != e.body.get(key):
            sent = f"sent {key}={e.body[key]!r}" if key in e.body else f"left {key} out"
            return f"Request {k + 1} {sent}, but this conversation needs {key}={want.get(key)!r} on every request. "
    return ""


def _merged(s: ReplaySession, what: str) -> None:
    """A streamed turn's calls, as sent back in the next request's assistant message, against what was streamed."""
    for k, calls in _played_calls(s):
        if not calls or k + 1 >= len(s.log) or not isinstance(s.log[k + 1].body, dict):
            continue
        msgs = s.log[k + 1].body.get("messages") or []
        sent = next((m for m in reversed(msgs) if field(m, "role") == "assistant" and field(m, "tool_calls")), None)
        if sent is None:
            continue
        got = [(field(tc, "id"), field(field(tc, "function"), "name"), field(field(tc, "function"), "arguments"))
               for tc in field(sent, "tool_calls")]
        want = {c["id"]: c for c in calls}
        wrong = []
        for cid, name, args in got:
            c = want.get(cid)
            try:
                parsed = json.loads(args) if isinstance(args, str) else args
            except ValueError:
                parsed = None
            if c is None or c["name"] != name or parsed != c["arguments"]:
                wrong.append(f"{cid} {name}({args!r})")
        if wrong or len(got) != len(calls):
            streamed = "; ".join(f"{c['id']} {c['name']}({json.dumps(c['arguments'])})" for c in calls)
            fail("stream_merged",
                 f"{what}: the model streamed {len(calls)} call(s): {streamed}. The assistant message you sent back "
                 f"holds {len(got)}, and these do not match: {'; '.join(wrong) or 'calls missing'}.\n"
                 "Fragments of different calls arrive mixed in this recording; adding each fragment to the last "
                 "call you saw merges one call into its neighbour. Key each fragment by `tool_call.index`, "
                 f"not by position (reread '{SECTION['stream']}').")


# --------------------------------------------------------------------------- the exercises

@graded
def check_chat_fix(fn: Callable[..., Any], scenario: str) -> None:
    """Exercise 1: the Chat loop answers every call, failed ones with an error result."""
    client = openai_client(scenario)
    got, exc = answering.run(fn, client, **_user_turns(_first(client)))
    s = judge(client, got, exc, getattr(fn, "__name__", "your loop"))
    print(f"ok  [{scenario}] {len(s.log)} requests, every call answered (failures as error results)")


@graded
def check_reasoning_fix(fn: Callable[..., Any], scenario: str) -> None:
    """Exercise 2: the reasoning model's store=False loop resends the history, reasoning items included."""
    client = openai_client(scenario)
    got, exc = answering.run(fn, client, **_user_turns(_first(client)))
    what = getattr(fn, "__name__", "your loop")
    s = judge(client, got, exc, what)
    print(f"ok  [{scenario}] {len(s.log)} requests, store=False history resent with its reasoning items")


@graded
async def check_claude_fix(fn: Callable[..., Any], scenario: str) -> None:
    """Exercise 3: the async Anthropic loop sends tool_result blocks first in one user message."""
    client = anthropic_client(scenario, async_=True)
    what = getattr(fn, "__name__", "your loop")
    got, exc = await _arun(fn, client, what=what, **_user_turns(_first(client)))
    s = judge(client, got, exc, what)
    print(f"ok  [{scenario}] {len(s.log)} requests, tool_result blocks first in every results message")


def _turns(clock: SimClock, s: ReplaySession) -> list[tuple[int, list[Any]]]:
    """The clock's calls cut into the model's turns (each turn's calls start after the previous turn's)."""
    out, rest = [], list(clock.calls)
    for n, (_, calls) in enumerate(_played_calls(s), start=1):
        if calls:
            out.append((n, rest[:len(calls)]))
            rest = rest[len(calls):]
    return out


@graded
@second_look
async def check_async_fix(fn: Callable[..., Any], scenario: str) -> None:
    """Exercise 4: every turn's tools run concurrently on the clock (a turn costs its slowest call)."""
    from .fanout import make_clock
    client = openai_client(scenario, async_=True)
    clock = make_clock()
    what = getattr(fn, "__name__", "your loop")
    got, exc = await _arun(fn, client, what=what, functions=clock.async_tools(), **_user_turns(_first(client)))
    s = judge(client, got, exc, what)
    evidence.require(clock)
    expected = sum(len(c) for _, c in _played_calls(s))
    if len(clock.calls) != expected:
        fail("wrong_call_count", f"{what} ran {len(clock.calls)} tool call(s) on the clock; the model asked for "
             f"{expected}. Run each call once, with the functions you were given.")
    for n, calls in _turns(clock, s):
        starts = {c.start for c in calls}
        slowest = max(c.latency for c in calls)
        took = max(c.finish or 0 for c in calls) - min(c.start for c in calls)
        if len(calls) > 1 and (len(starts) > 1 or took > slowest):
            labels = ", ".join(f"{c.label} {c.start:.0f}-{(c.finish or 0):.0f} ms" for c in calls)
            fail("serial_tools", f"{what}: in round {n} the {len(calls)} calls ran one after another ({labels}): "
                 f"{took:.0f} ms of virtual time, where the slowest call alone takes {slowest:.0f} ms. Every "
                 "request was accepted; only the clock shows it. Start all of a turn's calls, then await them "
                 f"together (asyncio.gather or a TaskGroup), keeping each result with its id (reread "
                 f"'{SECTION['serial']}').")
    print(f"ok  [{scenario}] {len(s.log)} requests; every turn took its slowest call "
          f"({clock.elapsed:.0f} ms virtual in all, peak {clock.peak_concurrency} at once)")


@graded
def check_stream_fix(fn: Callable[..., Any], scenario: str) -> None:
    """Exercise 5: a streamed Chat loop rebuilds each call from fragments keyed by ``index``."""
    client = openai_client(scenario)
    req = _first(client)
    what = getattr(fn, "__name__", "your loop")
    got, exc = answering.run(fn, client, **_user_turns(req))
    s = judge(client, got, exc, what, stream=True)
    if not all(body.get("stream") for body in s.requests("played")):
        fail("not_streamed", f"{what} must stream every request (stream=True), like the loop it fixes.")
    print(f"ok  [{scenario}] {len(s.log)} streamed requests, every call rebuilt whole from its fragments")
