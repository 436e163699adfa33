"""Self-checks and hidden tests for lesson 01 (recognising parallel tool calls).

Every ``check_*`` function replays recorded scenarios through the real SDK clients, hands
the learner's function what the SDK returned, and compares the answer with the calls the
recording holds.  A wrong answer raises ``AssertionError`` whose message says what went
wrong and what to reread; a right one prints one line per case to stdout (never stderr).

The normalised call the exercises ask for is ``{"id": ..., "name": ..., "arguments": {...}}``;
any object with those three attributes (a dataclass, a namedtuple) is accepted too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Callable

from ..clients import anthropic_client, openai_client
from ..recording import load
from ..wire import calls_in
from .failures import graded
from .unwritten import unwritten_error

API = {"/v1/chat/completions": "Chat Completions", "/v1/responses": "Responses", "/v1/messages": "Anthropic Messages"}


def load_trace(scenario: str) -> list[dict[str, Any]]:
    """What the model answered on each turn of a recorded conversation: one raw JSON body per turn.

    After a loop has played the whole scenario it is the list of ``e.response`` for the played entries of
    ``session_of(client).log``; a streamed turn is kept as the complete body its events add up to.
    """
    return [final_body(it.response) for it in load(scenario).interactions]


def final_body(response: Any) -> dict[str, Any]:
    """The complete body a recorded response describes (a copy; streams folded by :mod:`course.folding`)."""
    return json.loads(json.dumps(response.final_body))


def describe(body: Mapping[str, Any]) -> str:
    """One line: which API, and which items/blocks the response holds, in order."""
    if "choices" in body:
        msg = body["choices"][0].get("message") or {}
        parts = (["text"] if msg.get("content") else []) + [f"tool_call {tc['function']['name']}"
                                                            for tc in msg.get("tool_calls") or []]
        return "Chat Completions message with " + (", ".join(parts) or "nothing")
    if "output" in body:
        parts = [it["type"] + (f" {it['name']}" if it.get("type") == "function_call" else "") for it in body["output"]]
        return "Responses output [" + ", ".join(parts) + "]"
    parts = [b["type"] + (f" {b['name']}" if b.get("type") == "tool_use" else "") for b in body.get("content") or []]
    return "Anthropic content [" + ", ".join(parts) + "]"


# ---------------------------------------------------------------------------------------------------------------
# Replaying a recorded conversation turn by turn through the real SDKs
# ---------------------------------------------------------------------------------------------------------------

def _client(rec: Any) -> Any:
    return (openai_client if rec.provider == "openai" else anthropic_client)(rec.name, time_scale=0)


def _send(client: Any, path: str, request: dict[str, Any]) -> Any:
    if path.endswith("/chat/completions"):
        return client.chat.completions.create(**request)
    if path.endswith("/responses"):
        return client.responses.create(**request)
    return client.messages.create(**request)


def turns(scenario: str) -> Iterable[tuple[int, Any, dict[str, Any], str]]:
    """Yield ``(turn_number, what_the_SDK_returned, final_body, api_name)`` for every recorded turn.

    Each request is the one the recording holds, so the replay answers it; a streamed turn
    yields the SDK's raw event stream (``create(stream=True)``), not yet consumed.
    """
    rec = load(scenario)
    client = _client(rec)
    for it in rec.interactions:
        yield it.index + 1, _send(client, it.path, dict(it.request)), final_body(it.response), API[it.path]


# ---------------------------------------------------------------------------------------------------------------
# Comparing a learner's answer with the expected calls, with teaching messages
# ---------------------------------------------------------------------------------------------------------------

def _field(obj: Any, name: str) -> Any:
    if isinstance(obj, Mapping):
        if name not in obj:
            raise AssertionError(
                f"A call you returned has no '{name}' key: {obj!r}. Return each call as "
                "{'id': ..., 'name': ..., 'arguments': {...}} (or an object with .id, .name and .arguments).")
        return obj[name]
    if not hasattr(obj, name):
        raise AssertionError(
            f"A call you returned ({type(obj).__name__}) has no '{name}'. Return each call as "
            "{'id': ..., 'name': ..., 'arguments': {...}} (or an object with .id, .name and .arguments). "
            "Did you return the SDK objects themselves? Normalise them: id, name and the parsed arguments.")
    return getattr(obj, name)


def normalise_answer(got: Any) -> list[dict[str, Any]]:
    """A learner's list of calls as plain dicts; AssertionError (teaching) when its shape is wrong."""
    if got is None:
        raise AssertionError("Your function returned None. Did you forget the `return` (return [] when there are no calls)?")
    if isinstance(got, (str, bytes, Mapping)) or not isinstance(got, Iterable):
        raise AssertionError(f"Return a list of calls, not a {type(got).__name__}: {got!r:.200}")
    out = []
    for c in list(got):
        out.append({"id": _field(c, "id"), "name": _field(c, "name"), "arguments": _field(c, "arguments")})
    return out


def compare(got_raw: Any, body: Mapping[str, Any], where: str, streamed: bool = False) -> None:
    """Assert that a learner's calls equal the calls in ``body``, explaining the usual mistakes."""
    expected = calls_in(body)
    got = normalise_answer(got_raw)
    shape = describe(body)
    head = f"{where}\n  The response was: {shape}.\n  "
    for c in got:
        if isinstance(c["arguments"], (str, bytes)):
            raise AssertionError(
                head + f"The arguments of call {c['name']!r} are still a string: {c['arguments']!r:.120}. "
                "Chat Completions' function.arguments and Responses' arguments are JSON *text*: parse them with "
                "json.loads(...) so arguments is a dict (Anthropic's tool_use input already is one).")
        if not isinstance(c["arguments"], Mapping):
            raise AssertionError(head + f"The arguments of call {c['name']!r} should be a dict, got "
                                 f"{type(c['arguments']).__name__}: {c['arguments']!r:.120}.")
    if not expected and got:
        raise AssertionError(
            head + f"This turn has no tool calls (the model answered in text), but you returned {len(got)}: "
            f"{got!r:.200}. Only function_call items / tool_use blocks / tool_calls entries are calls.")
    if len(got) < len(expected):
        if len(got) == 1 and len(expected) > 1:
            hint = ("You returned only one call. Did you take tool_calls[0], output[0] or content[0]? Loop over "
                    "the whole list: parallel tool calls arrive together in one response.")
        elif not got:
            hint = ("You returned no calls. Check that you read the right place: choices[0].message.tool_calls, "
                    "the function_call items of output, or the tool_use blocks of content; and select calls by "
                    "their type, not their position (output[1:] or content[1:] assume a layout no API promises).")
        else:
            hint = "Loop over every item/block, and keep every one that is a tool call."
        if streamed:
            hint += (" In a stream, each call starts with its own first fragment (Chat: a delta with an id; Responses:"
                     " response.output_item.added; Anthropic: content_block_start of type tool_use) at its own index.")
        raise AssertionError(head + f"Expected {len(expected)} call(s) but you returned {len(got)}. {hint}")
    if len(got) > len(expected):
        raise AssertionError(
            head + f"Expected {len(expected)} call(s) but you returned {len(got)}: {[c['name'] for c in got]}. "
            "Keep only the tool calls: a Responses output can hold message, reasoning or web_search_call items "
            "and Anthropic content holds text blocks beside the calls; filter on the type. "
            + ("In a stream, count each index once (Chat sends several deltas per call)." if streamed else ""))
    by_id = {c["id"]: c for c in got}
    if [c["id"] for c in got] != [e["id"] for e in expected] and set(by_id) == {e["id"] for e in expected}:
        raise AssertionError(
            head + f"Every call is there, but in another order: expected ids {[e['id'] for e in expected]}, you "
            f"returned {[c['id'] for c in got]}. Return the calls in the order the response holds them "
            + ("(sorted by index: the order of the first fragments is not promised). " if streamed else
               "(the order of tool_calls / output / content). ")
            + "Code that pairs calls with results by position depends on it; reread the exercise's prompt.")
    for exp in expected:
        mine = by_id.get(exp["id"])
        if mine is None:
            extra = ""
            if any(str(c["id"]).startswith("fc_") for c in got):
                extra = (" For Responses, the id to keep is the item's call_id (call_...): it is the id a "
                         "function_call_output answers. The item's own id (fc_...) is not.")
            raise AssertionError(
                head + f"No call with id {exp['id']!r} in your answer (your ids: {[c['id'] for c in got]})." + extra)
        if mine["name"] != exp["name"]:
            raise AssertionError(head + f"Call {exp['id']}: name should be {exp['name']!r}, you have {mine['name']!r}.")
        if dict(mine["arguments"]) != exp["arguments"]:
            hint = ((" In a stream, append each fragment to the call at *its* index (Chat: tool_calls[i].index; "
                    "Responses: output_index or item_id; Anthropic: the event's index). Neither provider documents "
                    "whether fragments of different calls can interleave, so the course's rule is never to rely on "
                    "arrival order; some graded streams are authored with the calls' fragments interleaved.")
                    if streamed else "")
            raise AssertionError(head + f"Call {exp['id']} ({exp['name']}): arguments should be {exp['arguments']}, "
                                 f"you have {dict(mine['arguments'])}.{hint}")


_NO_ATTRIBUTE = re.compile(r"'(\w+)' object has no attribute '(\w+)'")


def _missing_attribute(e: AttributeError) -> str:
    m = _NO_ATTRIBUTE.search(str(e))
    return getattr(e, "name", None) or (m.group(2) if m else "?")


def _on_the_response(e: AttributeError, arg: Any) -> bool:
    """The AttributeError was raised reading the response object itself (not one of its items or blocks)."""
    if arg is None or isinstance(arg, (list, tuple)) or hasattr(arg, "__next__"):
        return False
    if getattr(e, "obj", None) is arg:
        return True
    m = _NO_ATTRIBUTE.search(str(e))
    return bool(m) and m.group(1) == type(arg).__name__


def _explain(e: Exception, where: str, streamed: bool, arg: Any = None) -> AssertionError:
    msg = f"{type(e).__name__}: {e}"
    hint = ""
    if isinstance(e, TypeError) and "NoneType" in str(e):
        hint = ("When the model answers in text only, message.tool_calls is None (not []). Treat it as no calls: "
                "`for tc in message.tool_calls or []:` and return [].")
    elif isinstance(e, TypeError) and "must be str, bytes or bytearray" in str(e):
        hint = "Anthropic's tool_use input is already a dict: only Chat and Responses arguments need json.loads."
    elif isinstance(e, AttributeError) and _on_the_response(e, arg):
        hint = (f"{type(arg).__name__} itself has no {_missing_attribute(e)!r}: each API's response has its own "
                "shape, so tell them apart before reading from one. An Anthropic Message has no .object (it has "
                "type == 'message'): use getattr(response, 'object', None), or isinstance with ChatCompletion, "
                "Response and Message. Reread Exercise 1's prompt and section 4 (the side-by-side table).")
    elif isinstance(e, AttributeError):
        hint = ("Not every item is a tool call: Responses output also holds message/reasoning/web_search_call "
                "items, Anthropic content holds text blocks (often first), and a Chat delta may carry no "
                "tool_calls. Check the type before reading .name/.input/.arguments (sections 2 and 3).")
    elif isinstance(e, IndexError) and streamed:
        hint = ("A list was indexed past its end. An event's index counts every block or item of the turn, not "
                "just tool calls (an Anthropic text block is often index 0; Responses' output_index counts message "
                "items too), so a list of calls indexed by it runs short: key a dict by the index instead "
                "(sections 5 to 7). And a Chat stream with include_usage ends with a chunk whose choices is [].")
    elif isinstance(e, IndexError):
        hint = ("You indexed an empty list: a turn can have no calls (and a Chat stream with include_usage ends "
                "with a chunk whose choices is []). Never assume [0] exists.")
    elif isinstance(e, json.JSONDecodeError):
        hint = ("json.loads failed on the arguments. " + (
            "Keep one buffer per index: gluing the fragments of different calls together gives text like "
            "'{\"city\": \"Tok{\"city\"...' that is not JSON. Never append to 'the latest call' either: no "
            "provider documents whether fragments of different calls can interleave (some graded streams are "
            "authored interleaved), so use the fragment's own index (Chat "
            "tool_calls[i].index, Responses output_index, Anthropic event.index). Parse each buffer once, at the end."
            if streamed else "Parse exactly the arguments string of each call."))
    elif isinstance(e, KeyError):
        hint = "A key you read is not there on every item; check the type of each item/event first."
    return AssertionError(f"{where}\n  Your function raised {msg}\n  {hint}".rstrip())


def _run(fn: Callable[[Any], Any], arg: Any, where: str, streamed: bool) -> Any:
    try:
        return fn(arg)
    except AssertionError:
        raise
    except NotImplementedError as e:
        raise unwritten_error(e) from None
    except Exception as e:  # noqa: BLE001 - turned into a teaching message
        raise _explain(e, where, streamed, arg) from None


# ---------------------------------------------------------------------------------------------------------------
# Checks called by the notebook's self-check and hidden-test cells
# ---------------------------------------------------------------------------------------------------------------

@graded
def check_extract(fn: Callable[[Any], Any], *scenarios: str) -> None:
    """Exercise 1: ``fn(response)`` on every non-streamed turn of the scenarios."""
    for name in scenarios:
        for n, response, body, api in turns(name):
            where = f"Scenario '{name}', turn {n} ({api}):"
            compare(_run(fn, response, where, False), body, where)
            print(f"ok  {name} turn {n}: {len(calls_in(body))} call(s) — {describe(body)}")


@graded
def check_stream(fn: Callable[[Any], Any], *scenarios: str) -> None:
    """Exercises 2 and 3: ``fn(raw_event_stream)`` on every streamed turn of the scenarios."""
    for name in scenarios:
        for n, stream, body, api in turns(name):
            where = f"Scenario '{name}', turn {n} ({api}, streamed):"
            got = _run(fn, stream, where, True)
            if hasattr(got, "__next__"):
                got = _run(list, got, where, True)
            compare(got, body, where, streamed=True)
            print(f"ok  {name} turn {n}: {len(calls_in(body))} call(s) assembled — {describe(body)}")


def sdk_dumped(body: dict[str, Any]) -> dict[str, Any]:
    """A Chat body as the SDK's ``model_dump()`` writes it: every optional field present, so a text-only message
    carries ``"tool_calls": null`` (the way traces saved from SDK objects hold it)."""
    from openai.types.chat import ChatCompletion
    return json.loads(ChatCompletion.model_validate(body).model_dump_json())


def _traces(scenarios: Iterable[str]) -> Iterable[tuple[str, list[dict[str, Any]], str]]:
    """Each scenario's trace as recorded; a Chat trace a second time as SDK-dumped (text turns' tool_calls null)."""
    for name in scenarios:
        trace = load_trace(name)
        yield name, trace, ""
        if trace and all("choices" in b for b in trace):
            yield name, [sdk_dumped(b) for b in trace], " saved with model_dump() (a text turn's tool_calls is null)"


@graded
def check_counts(fn: Callable[[Any], Any], *scenarios: str) -> None:
    """Exercise 4: ``fn(trace)`` returns the number of tool calls on each turn."""
    for name, trace, how in _traces(scenarios):
        expected = [len(calls_in(b)) for b in trace]
        where = f"Scenario '{name}'{how} ({len(trace)} turns):"
        got = _run(fn, [json.loads(json.dumps(b)) for b in trace], where, False)
        if got is None:
            raise AssertionError(f"{where} your function returned None; return a list with one count per turn.")
        try:
            got = list(got)
        except TypeError:
            raise AssertionError(f"{where} return a list of counts (one int per turn), not {type(got).__name__}.") from None
        if got != expected:
            lines = [f"{where} expected calls per turn {expected}, you returned {got}."]
            if len(got) != len(expected):
                lines.append(f"  The trace has {len(trace)} turns: return exactly one count for each, text-only turns count 0.")
            for i, (b, e) in enumerate(zip(trace, expected)):
                g = got[i] if i < len(got) else None
                if g != e:
                    lines.append(f"  Turn {i + 1}: {describe(b)} -> {e} call(s), you said {g}.")
            lines.append("  Count only tool calls: Chat tool_calls entries (absent or null on text turns), Responses "
                         "items of type function_call, Anthropic blocks of type tool_use.")
            raise AssertionError("\n".join(lines))
        print(f"ok  {name}{' (model_dump)' if how else ''}: calls per turn {got}")
