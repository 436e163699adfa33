"""Self-checks and hidden tests for lesson 04 (disabling parallelism).

Each ``check_*`` runs the learner's function against recorded scenarios (or on the simulated clock),
then judges what it *did*: the request bodies as sent (``session_of(client).log``), the virtual start and
finish of every tool call, the arguments it flagged.  A wrong answer raises ``AssertionError`` with a
message that says what went wrong and what to reread; a right one prints one line per case to stdout.
Nothing here writes to stderr.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterable, Mapping
from typing import Any, Callable

from .. import evidence
from .. import tools as toolbox
from ..clients import anthropic_client, openai_client
from ..clock import SimClock, second_look
from ..policy import DEPENDENT_ARGUMENTS, MUTATING, READ_ONLY
from ..replay import session_of
from .failures import graded
from .unwritten import reports_unwritten, unwritten_error

SECTION_2 = "Reread section 2, 'Turning it off: one parameter per API'."
EXERCISE_2 = ("Reread Exercise 2 (a request may already carry a tool_choice: keep its type) and section 2, "
              "'Turning it off: one parameter per API'.")
SECTION_5 = "Reread section 5, 'A per-tool policy in your own executor', and the rules of Exercise 3."
SECTION_6 = "Reread section 6, 'Detecting a guessed argument' (the three details above Exercise 4)."
PROMPT_ONLY = ("A sentence in the prompt is a request the model may ignore, not a guarantee; only the API parameter "
               "limits the model to one call per turn.")
# The Responses API's max_tool_calls, as the openai SDK documents it (openai/types/responses/response_create_params.py,
# the same text as the API reference): a cap on built-in tool calls, not a parallelism switch.
MAX_TOOL_CALLS = ("max_tool_calls is a different setting: on the Responses API it caps the total number of calls to "
                  "built-in tools (web search, file search, ...) processed in one response, across all of them, and "
                  "ignores further attempts; it does not limit the function calls one turn may hold, and Chat "
                  "Completions has no such parameter. The switch is parallel_tool_calls=False.")


# =====================================================================================================
# Exercises 1 and 2: requests with parallelism disabled
# =====================================================================================================

def _run_tool(name: str, args: Any) -> str:
    return _run_tool_flag(name, args)[0]


def _run_tool_flag(name: str, args: Any) -> tuple[str, bool]:
    try:
        return json.dumps(toolbox.call(name, json.loads(args) if isinstance(args, str) else dict(args))), False
    except Exception as e:  # an error result, as lesson 2 teaches
        return json.dumps({"error": f"{type(e).__name__}: {e}"}), True


def _returned(resp: Any, fname: str, api: str) -> Any:
    if resp is None:
        raise AssertionError(f"{fname} returned None. Return what client.{api}.create(...) returned, so the loop can "
                             "read the model's answer (its calls, or its final text). Reread Exercise 1 / 2.")
    return resp


def _loop_chat(fn: Callable[..., Any], client: Any, request: dict[str, Any]) -> None:
    messages = list(request["messages"])
    for _ in range(8):
        resp = _returned(fn(client, **{**request, "messages": list(messages)}), fn.__name__, "chat.completions")
        msg = resp.choices[0].message
        if not msg.tool_calls:
            return
        messages.append(msg.model_dump(exclude_none=True))
        messages += [{"role": "tool", "tool_call_id": tc.id, "content": _run_tool(tc.function.name, tc.function.arguments)}
                     for tc in msg.tool_calls]


def _loop_responses(fn: Callable[..., Any], client: Any, request: dict[str, Any]) -> None:
    step = dict(request)
    for _ in range(8):
        resp = _returned(fn(client, **step), fn.__name__, "responses")
        calls = [it for it in resp.output if it.type == "function_call"]
        if not calls:
            return
        step = {**request, "previous_response_id": resp.id,
                "input": [{"type": "function_call_output", "call_id": c.call_id, "output": _run_tool(c.name, c.arguments)}
                          for c in calls]}


def _loop_claude(fn: Callable[..., Any], client: Any, request: dict[str, Any], turns: int = 8) -> None:
    messages = list(request["messages"])
    for _ in range(turns):
        msg = _returned(fn(client, **{**request, "messages": list(messages)}), fn.__name__, "messages")
        uses = [b for b in msg.content if b.type == "tool_use"]
        if msg.stop_reason != "tool_use" or not uses:
            return
        messages.append({"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in msg.content]})
        results = []
        for u in uses:
            out, failed = _run_tool_flag(u.name, u.input)
            results.append({"type": "tool_result", "tool_use_id": u.id, "content": out,
                            **({"is_error": True} if failed else {})})
        messages.append({"role": "user", "content": results})


def _base_request(scenario: str) -> dict[str, Any]:
    """The first recorded request of a scenario, without the parallelism switch (what the learner is handed)."""
    from ..recording import load
    body = json.loads(json.dumps(load(scenario).interactions[0].request))
    body.pop("parallel_tool_calls", None)
    tc = body.pop("tool_choice", None)
    if isinstance(tc, dict) and tc.get("type") != "auto":
        body["tool_choice"] = {k: v for k, v in tc.items() if k != "disable_parallel_tool_use"}
    return body


def _texts(content: Any) -> list[str]:
    """The text of a message content: a string, or the text parts of a list (tool results are not prompt text)."""
    if isinstance(content, str):
        return [content]
    if isinstance(content, list):
        return [str(p.get("text")) for p in content
                if isinstance(p, Mapping) and p.get("type") in ("text", "input_text") and p.get("text")]
    return []


def _prompt_texts(body: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(where, text)`` for every piece of prompt a request carries: instructions, system, and the text of its
    system / developer / user messages (assistant turns and tool results are the loop's, not the prompt)."""
    out = [("instructions", t) for t in _texts(body.get("instructions"))]
    out += [("system", t) for t in _texts(body.get("system"))]
    items = body.get("messages") or body.get("input")
    if isinstance(items, str):
        items = [{"role": "user", "content": items}]
    for m in items if isinstance(items, list) else []:
        if isinstance(m, Mapping) and m.get("role") in ("system", "developer", "user"):
            out += [(str(m["role"]), t) for t in _texts(m.get("content"))]
    return out


def _added_prompt(body: Mapping[str, Any], handed: Mapping[str, Any]) -> str:
    """The prompt text the learner's function added to the request it was handed ("" when it added none)."""
    given = {t for _, t in _prompt_texts(handed)}
    added = [(where, t) for where, t in _prompt_texts(body) if t not in given]
    if not added:
        return ""
    where, text = added[0]
    for old in given:                      # a sentence appended to (or put before) a message it was handed
        if old and old in text:
            text = text.replace(old, "", 1).strip() or text
            break
    return f"{where}: {repr(text[:70] + '...' if len(text) > 70 else text)}"


def _claude_choice(request: Mapping[str, Any]) -> dict[str, Any]:
    """The tool_choice the request should carry: the type it was handed (``auto`` when none), plus the switch."""
    return {**(request.get("tool_choice") or {"type": "auto"}), "disable_parallel_tool_use": True}


def _sent(client: Any) -> list[Mapping[str, Any]]:
    return [e.body for e in evidence.require(session_of(client)).log if isinstance(e.body, Mapping)]


def _explain_crash(exc: BaseException, fname: str, provider: str,
                   choice: Mapping[str, Any] | None = None) -> str:
    """A crash of the learner's function, explained (``choice``: the tool_choice a Claude request should send)."""
    text = f"{type(exc).__name__}: {exc}"
    want = f"tool_choice={dict(choice or {'type': 'auto', 'disable_parallel_tool_use': True})!r}"
    if isinstance(exc, TypeError) and "parallel_tool_calls" in str(exc) and provider == "anthropic":
        return (f"{fname} raised {text}. parallel_tool_calls is OpenAI's parameter; the Anthropic SDK has no such "
                f"argument, so the call never left your code. Claude's switch lives inside tool_choice: {want}. "
                f"{EXERCISE_2}")
    if isinstance(exc, TypeError) and "disable_parallel_tool_use" in str(exc):
        return (f"{fname} raised {text}. disable_parallel_tool_use is not an argument of messages.create(); it is a "
                f"key inside tool_choice: {want}. {EXERCISE_2}")
    if isinstance(exc, TypeError) and "max_tool_calls" in str(exc):
        return f"{fname} raised {text}. {MAX_TOOL_CALLS} {SECTION_2}"
    if isinstance(exc, TypeError) and "multiple values" in str(exc):
        return (f"{fname} raised {text}. The request you were handed may already hold that key, and Python refuses "
                "a keyword given twice: build a new dict ({**request, key: value}) instead. Reread Exercise 1.")
    if isinstance(exc, NotImplementedError):
        return str(unwritten_error(exc))
    return (f"{fname} raised {text}. The check calls your function with a ready request and expects it to send "
            "that request, changed only by the parallelism switch. Reread Exercise 1 / 2.")


def _judge_openai(client: Any, fname: str, crash: BaseException | None, scenario: str,
                  handed: Mapping[str, Any]) -> None:
    bodies = _sent(client)
    if not bodies:
        raise AssertionError(_explain_crash(crash, fname, "openai") if crash else
                             f"{fname} sent no request, so the model never answered. Call the client "
                             "(client.chat.completions.create or client.responses.create) with the request you were "
                             "given. Reread Exercise 1.")
    for i, body in enumerate(bodies, 1):
        if "parallel_tool_calls" not in body:
            if "max_tool_calls" in body:
                raise AssertionError(f"[{scenario}] request #{i} sent max_tool_calls={body['max_tool_calls']!r} and no "
                                     f"parallel_tool_calls parameter. {MAX_TOOL_CALLS} {SECTION_2}")
            added = _added_prompt(body, handed)
            hint = (f"Your request adds an instruction to the prompt ({added}) but sends no parallel_tool_calls "
                    f"parameter. {PROMPT_ONLY}" if added else
                    "The request sent no parallel_tool_calls parameter, so the API default applies (true: the model "
                    "may put several calls in one turn).")
            raise AssertionError(f"[{scenario}] request #{i}: {hint} Send parallel_tool_calls=False. {SECTION_2}")
        if body["parallel_tool_calls"] is not False:
            raise AssertionError(f"[{scenario}] request #{i} sent parallel_tool_calls={body['parallel_tool_calls']!r}. "
                                 "The parameter is a boolean: to disable parallel calls send the boolean False (JSON "
                                 f"false), not {json.dumps(body['parallel_tool_calls'])}. {SECTION_2}")
    if crash is not None:
        if any("max_tool_calls" in b for b in bodies):
            raise AssertionError(f"[{scenario}] the flag is right, but the request also sent max_tool_calls, which the "
                                 f"recorded conversation does not use. {MAX_TOOL_CALLS} Send only "
                                 f"parallel_tool_calls=False. {SECTION_2}")
        raise AssertionError(f"[{scenario}] the flag is right, but: {_explain_crash(crash, fname, 'openai')}")
    if not session_of(client).finished:
        raise AssertionError(f"[{scenario}] the conversation stopped early: the replay still had model calls to play, "
                             "so your function did not answer every turn. Return each response (Exercise 1).")


@graded
def check_openai_serial(chat_fn: Callable[..., Any], responses_fn: Callable[..., Any],
                        scenarios: Iterable[tuple[str, str]] = (("chat", "chat_booking_serial"),
                                                                ("responses", "responses_booking_serial"))) -> None:
    """Run each scenario's whole loop with the learner's request functions; every request must disable parallelism."""
    for api, name in scenarios:
        fn = chat_fn if api == "chat" else responses_fn
        client, request = openai_client(name), _base_request(name)
        crash = None
        try:
            (_loop_chat if api == "chat" else _loop_responses)(fn, client, request)
        except Exception as e:  # judged from the log below
            crash = e
        _judge_openai(client, fn.__name__, crash, name, request)
        counts = [len(e.response["choices"][0]["message"].get("tool_calls") or []) if api == "chat" else
                  sum(1 for it in e.response["output"] if it["type"] == "function_call")
                  for e in session_of(client).log if e.kind == "played"]
        print(f"ok  {name}: {len(counts)} requests, each with parallel_tool_calls=false; tool calls per turn {counts}")


@graded
def check_claude_serial(fn: Callable[..., Any],
                        scenarios: Iterable[str] = ("claude_booking_serial", "claude_stock_any_serial")) -> None:
    """Every request must carry tool_choice with disable_parallel_tool_use=True and keep the tool_choice type."""
    for name in scenarios:
        client, request = anthropic_client(name), _base_request(name)
        want_type = (request.get("tool_choice") or {}).get("type", "auto")
        crash = None
        try:
            _loop_claude(fn, client, request, turns=1 if want_type != "auto" else 8)
        except Exception as e:
            crash = e
        choice = _claude_choice(request)
        bodies = _sent(client)
        if not bodies:
            raise AssertionError(_explain_crash(crash, fn.__name__, "anthropic", choice) if crash else
                                 f"{fn.__name__} sent no request, so Claude never answered. Call "
                                 f"client.messages.create(**request, ...) and return the message. {EXERCISE_2}")
        for i, body in enumerate(bodies, 1):
            tc = body.get("tool_choice")
            if "disable_parallel_tool_use" in body or "parallel_tool_calls" in body:
                raise AssertionError(f"[{name}] request #{i} sent the switch as a top-level field. Anthropic reads it "
                                     f"only inside tool_choice, so a top-level field changes nothing: send "
                                     f"tool_choice={choice!r}. {EXERCISE_2}")
            if not isinstance(tc, Mapping) or tc.get("disable_parallel_tool_use") is not True:
                added = _added_prompt(body, request)
                did = (f"Your request adds an instruction to the prompt ({added}) but sent tool_choice={tc!r}, without "
                       f"disable_parallel_tool_use: true. {PROMPT_ONLY}" if added else
                       f"The request sent tool_choice={tc!r}, without disable_parallel_tool_use: true, so parallel "
                       "tool use stays on (Claude may ask for several tools in one message).")
                keep = ("Keep the type the request asked for and add the switch: " if request.get("tool_choice")
                        else "The request had no tool_choice, so start from type 'auto' and add the switch: ")
                raise AssertionError(f"[{name}] request #{i}: {did} {keep}tool_choice={choice!r}. {EXERCISE_2}")
            if tc.get("type") != want_type:
                raise AssertionError(f"[{name}] request #{i} changed tool_choice's type from {want_type!r} to "
                                     f"{tc.get('type')!r}. The request you were handed already said how Claude must "
                                     "choose tools; keep that type and add disable_parallel_tool_use: "
                                     f"tool_choice={choice!r}"
                                     + (", i.e. {**request['tool_choice'], 'disable_parallel_tool_use': True}"
                                        if request.get("tool_choice") else "") + f". {EXERCISE_2}")
        if crash is not None:
            raise AssertionError(f"[{name}] the switch is right, but: "
                                 f"{_explain_crash(crash, fn.__name__, 'anthropic', choice)}")
        played = [e for e in session_of(client).log if e.kind == "played"]
        if not session_of(client).finished:
            raise AssertionError(f"[{name}] the conversation stopped early: the replay still had model calls to play, "
                                 "so your function did not answer every turn. Return each message (Exercise 2).")
        counts = [sum(1 for b in e.response["content"] if b["type"] == "tool_use") for e in played]
        print(f"ok  {name}: {len(played)} requests, tool_choice type {want_type!r} with disable_parallel_tool_use; "
              f"tool calls per turn {counts}")


# =====================================================================================================
# Exercise 3: the per-tool policy executor, judged on the simulated clock
# =====================================================================================================

POLICY_LATENCIES: dict[str, Any] = {
    "get_doctor_calendar": 700, "get_user_payment_method": 400, "book_appointment": 500,
    "get_weather": {"Tokyo": 800, "London": 900, "*": 800}, "get_stock_price": 1200, "get_exchange_rate": 600,
}


def _c(i: int, name: str, **args: Any) -> dict[str, Any]:
    return {"id": f"call_{i:02d}", "name": name, "arguments": args}


_CAL = dict(doctor_id="dr-patel", date="2025-06-10")
POLICY_CASES: dict[str, list[dict[str, Any]]] = {
    # visible: the blog's turn, with real values
    "booking_turn": [_c(1, "get_doctor_calendar", **_CAL), _c(2, "get_user_payment_method", user_id="user-42"),
                     _c(3, "book_appointment", slot_id="slot-1500", user_id="user-42", payment_method_id="pm-visa-4242")],
    # visible: two bookings the model listed 15:00 first, and a payment lookup that fails
    "two_bookings": [_c(1, "get_user_payment_method", user_id="user-43"), _c(2, "get_doctor_calendar", **_CAL),
                     _c(3, "book_appointment", slot_id="slot-1500", user_id="user-42", payment_method_id="pm-visa-4242"),
                     _c(4, "book_appointment", slot_id="slot-0930", user_id="user-43", payment_method_id="pm-visa-4242")],
    # hidden
    "write_listed_first": [_c(1, "book_appointment", slot_id="slot-1500", user_id="user-42", payment_method_id="pm-visa-4242"),
                           _c(2, "get_doctor_calendar", **_CAL), _c(3, "get_weather", city="Tokyo"),
                           _c(4, "book_appointment", slot_id="slot-0930", user_id="user-42", payment_method_id="pm-visa-4242")],
    "reads_only": [_c(1, "get_weather", city="Tokyo"), _c(2, "get_weather", city="London"),
                   _c(3, "get_stock_price", ticker="AAPL")],
    "writes_only": [_c(1, "book_appointment", slot_id="slot-1500", user_id="user-42", payment_method_id="pm-visa-4242"),
                    _c(2, "book_appointment", slot_id="slot-0930", user_id="user-42", payment_method_id="pm-visa-4242")],
    "failing_write": [_c(1, "get_doctor_calendar", **_CAL), _c(2, "get_user_payment_method", user_id="user-42"),
                      _c(3, "book_appointment", slot_id="slot-1500-guess", user_id="user-42",
                         payment_method_id="pm-card-on-file")],
}
VISIBLE_POLICY = ("booking_turn", "two_bookings")
HIDDEN_POLICY = ("write_listed_first", "reads_only", "writes_only", "failing_write")


def _expected(call: Mapping[str, Any]) -> tuple[bool, Any]:
    try:
        return True, toolbox.call(call["name"], dict(call["arguments"]))
    except toolbox.ToolError as e:
        return False, str(e)


def _label(c: Any) -> str:
    args = getattr(c, "args", None) or c.get("arguments", {})
    return f"{c.name if hasattr(c, 'name') else c['name']}({', '.join(str(v) for v in args.values())})"


async def _call(fn: Callable[..., Any], calls: list[dict[str, Any]], clock: SimClock) -> Any:
    out = fn(calls, clock)
    if inspect.isawaitable(out):
        out = await out
    return out


def _judge_policy(case: str, calls: list[dict[str, Any]], clock: SimClock, results: Any) -> str:
    summary = "\n" + evidence.require(clock).summary()
    # every call ran exactly once
    want = sorted(json.dumps([c["name"], c["arguments"]], sort_keys=True) for c in calls)
    ran = sorted(json.dumps([c.name, c.args], sort_keys=True) for c in clock.calls)
    if ran != want:
        raise AssertionError(f"[{case}] your executor ran {len(ran)} tool call(s) on the clock for {len(calls)} calls in "
                             "the turn. Run each call exactly once, through clock.acall(name, arguments) (or "
                             "clock.call from a thread): a call run twice repeats its side effect, a call never run "
                             f"leaves its id unanswered. {SECTION_5}{summary}")
    by_key: dict[str, list[Any]] = {}
    for tc in clock.calls:
        by_key.setdefault(json.dumps([tc.name, tc.args], sort_keys=True), []).append(tc)
    timed = {c["id"]: by_key[json.dumps([c["name"], c["arguments"]], sort_keys=True)].pop(0) for c in calls}
    reads = [c for c in calls if c["name"] in READ_ONLY]
    writes = [c for c in calls if c["name"] in MUTATING]
    # reads together
    if len(reads) > 1:
        starts = {timed[c["id"]].start for c in reads}
        if len(starts) > 1:
            peak = max(sum(1 for r in reads if timed[r["id"]].start <= timed[c["id"]].start < timed[r["id"]].finish)
                       for c in reads)
            what = ("one after another (peak concurrency 1 among them)" if peak == 1 else
                    f"in groups (peak concurrency {peak} of {len(reads)})")
            raise AssertionError(f"[{case}] the read-only calls ran {what}. Reads cannot change anything, so they are "
                                 "safe to run together: start them all at once (asyncio.gather, a TaskGroup, or a thread "
                                 f"pool). Serialising everything throws away the latency win. {SECTION_5}{summary}")
    # each write alone, after the reads, in the model's order
    last_read = max((timed[c["id"]].finish for c in reads), default=0.0)
    for w in writes:
        t = timed[w["id"]]
        others = [c for c in calls if c is not w and timed[c["id"]].start < t.finish and t.start < timed[c["id"]].finish]
        if others:
            raise AssertionError(f"[{case}] {_label(w)} ran at the same time as {', '.join(_label(o) for o in others)}. "
                                 "A mutating call must run alone: wait for every other call to finish before you start "
                                 "it, and start nothing while it runs, so no lookup or other write can interleave with "
                                 f"its side effect. {SECTION_5}{summary}")
        if t.start < last_read:
            raise AssertionError(f"[{case}] {_label(w)} started at {t.start:.0f} ms, before the reads finished "
                                 f"({last_read:.0f} ms). Run the reads first, then the mutating calls: a write may depend "
                                 f"on what the reads return. {SECTION_5}{summary}")
    order = sorted(writes, key=lambda w: timed[w["id"]].start)
    if [w["id"] for w in order] != [w["id"] for w in writes]:
        raise AssertionError(f"[{case}] the mutating calls ran in the order {[_label(w) for w in order]}, but the model "
                             f"listed them as {[_label(w) for w in writes]}. Side effects must happen in the order the "
                             f"model asked for them (keep the list order; do not sort or group by name). {SECTION_5}{summary}")
    # results keyed by id
    if not isinstance(results, Mapping):
        raise AssertionError(f"[{case}] your executor returned {type(results).__name__}; return a dict "
                             "{call_id: result} so each result can be matched back to its call id. " + SECTION_5)
    missing = [c["id"] for c in calls if c["id"] not in results]
    if missing:
        raise AssertionError(f"[{case}] no result for call id(s) {missing}: every call id needs an answer (lesson 2). "
                             f"Your keys: {list(results)}. {SECTION_5}")
    for c in calls:
        ok, value = _expected(c)
        got = results[c["id"]]
        if isinstance(got, str):
            try:
                got = json.loads(got)
            except ValueError:
                pass
        if ok and got != value:
            raise AssertionError(f"[{case}] the result for {c['id']} ({_label(c)}) is {got!r}, expected the tool's "
                                 f"return value {value!r}. Did the results get matched to the wrong ids? The model reads each "
                                 f"result by its call id (lesson 2). {SECTION_5}")
        if not ok and not ((isinstance(got, Mapping) and "error" in got) or "does not exist" in str(got)):
            raise AssertionError(f"[{case}] {_label(c)} raised ToolError('{value}'), and your result for it is {got!r}. "
                                 "Turn a tool failure into an error result such as {'error': str(exc)}, so the model can "
                                 "read what went wrong (lesson 2). " + SECTION_5)
    return f"ok  {case}: elapsed {clock.elapsed:.0f} ms, peak concurrency {clock.peak_concurrency}"


@reports_unwritten
@second_look
async def check_policy_executor(fn: Callable[..., Any], cases: Iterable[str] = VISIBLE_POLICY) -> None:
    """Run the learner's executor on each case's calls and judge the virtual timeline."""
    for case in cases:
        calls = json.loads(json.dumps(POLICY_CASES[case]))
        clock = SimClock(POLICY_LATENCIES)
        try:
            results = await _call(fn, [dict(c) for c in calls], clock)
        except toolbox.ToolError as e:
            raise AssertionError(f"[{case}] a ToolError escaped your executor: {e}. Catch a failing call and return "
                                 "{'error': str(exc)} as its result, so the model can read what went wrong (lesson 2). "
                                 f"{SECTION_5}\n{clock.summary()}") from None
        print(_judge_policy(case, calls, clock, results))


# =====================================================================================================
# Exercise 4: the guessed-argument detector
# =====================================================================================================

def _turn(*calls: tuple[str, str, dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for cid, name, args in calls:
        try:
            result = toolbox.call(name, args)
        except toolbox.ToolError as e:
            result = {"error": f"ToolError: {e}"}
        out.append({"id": cid, "name": name, "arguments": args, "result": result})
    return out


_PAY = {"user_id": "user-42"}
_GUESS = {"slot_id": "slot-1500-guess", "user_id": "user-42", "payment_method_id": "pm-card-on-file"}
_BOOK = {"slot_id": "slot-1500", "user_id": "user-42", "payment_method_id": "pm-visa-4242"}
GUESS_CASES: dict[str, tuple[list[list[dict[str, Any]]], set[tuple[str, str]], str]] = {
    "blog_parallel": (
        [_turn(("c1", "get_doctor_calendar", _CAL), ("c2", "get_user_payment_method", _PAY), ("c3", "book_appointment", _GUESS)),
         _turn(("c4", "book_appointment", _BOOK))],
        {("c3", "slot_id"), ("c3", "payment_method_id")},
        "the blog's turn: book_appointment sent with the calendar and payment lookups"),
    "serial": (
        [_turn(("d1", "get_doctor_calendar", _CAL)), _turn(("d2", "get_user_payment_method", _PAY)),
         _turn(("d3", "book_appointment", _BOOK))],
        set(),
        "one call per turn: every booking argument came from an earlier result"),
    "pay_lookup_beside_booking": (
        [_turn(("h1", "get_doctor_calendar", _CAL)),
         _turn(("h2", "get_user_payment_method", _PAY), ("h3", "book_appointment", {**_BOOK, "slot_id": "slot-0930"}))],
        {("h3", "payment_method_id")},
        "the slot came from the calendar a turn earlier; the card was written beside its own lookup"),
    "guess_retried": (
        [_turn(("k1", "get_user_payment_method", _PAY)),
         _turn(("k2", "book_appointment", {**_BOOK, "slot_id": "slot-3pm"})),
         _turn(("k3", "book_appointment", {**_BOOK, "slot_id": "slot-3pm"}))],
        {("k2", "slot_id"), ("k3", "slot_id")},
        "the model sends its made-up slot again after the error result that quotes it"),
    "lucky_guess": (
        [_turn(("e1", "get_doctor_calendar", _CAL), ("e2", "get_user_payment_method", _PAY),
               ("e3", "book_appointment", _BOOK))],
        {("e3", "slot_id"), ("e3", "payment_method_id")},
        "a guess that happens to name a real slot, written in the same turn as the lookup"),
    "guess_repeated": (
        [_turn(("f1", "get_doctor_calendar", _CAL), ("f2", "get_user_payment_method", _PAY),
               ("f3", "book_appointment", _GUESS)),
         _turn(("f4", "book_appointment", {**_GUESS, "payment_method_id": "pm-visa-4242"}))],
        {("f3", "slot_id"), ("f3", "payment_method_id"), ("f4", "slot_id")},
        "the model repeats the guessed slot after the error result that quotes it"),
    "lookups_then_book": (
        [_turn(("m1", "get_doctor_calendar", _CAL), ("m2", "get_user_payment_method", _PAY)),
         _turn(("m3", "book_appointment", {**_BOOK, "slot_id": "slot-0930"}))],
        set(),
        "both lookups in turn 1, the booking in turn 2 with the slot from inside the calendar's free_slots list"),
    "no_dependent_tools": (
        [_turn(("g1", "get_weather", {"city": "Tokyo"}), ("g2", "get_stock_price", {"ticker": "AAPL"}))],
        set(),
        "independent lookups whose arguments come from the user"),
}
VISIBLE_GUESS = ("blog_parallel", "serial", "pay_lookup_beside_booking", "guess_retried")
HIDDEN_GUESS = ("lucky_guess", "guess_repeated", "lookups_then_book", "no_dependent_tools")


_NO_VALUE = object()


def _flags(got: Any, case: str) -> dict[tuple[str, str], Any]:
    """``{(call_id, argument): value}`` of the learner's flags (tuples, lists, or dicts with id/argument/value)."""
    if got is None:
        raise AssertionError(f"[{case}] find_guessed_arguments returned None; return a list of "
                             "(call_id, argument, value) tuples (an empty list when nothing was guessed), so the guard "
                             f"in section 7 can refuse the flagged calls. {SECTION_6}")
    out: dict[tuple[str, str], Any] = {}
    for f in got:
        flag = f
        if isinstance(f, Mapping):
            flag = (f.get("id") or f.get("call_id"), f.get("argument") or f.get("name"), f.get("value", _NO_VALUE))
        if isinstance(flag, str) or not isinstance(flag, (tuple, list)) or len(flag) < 2:
            raise AssertionError(f"[{case}] each flag should be a tuple (call_id, argument, value), so the guard can tell "
                                 f"which call to refuse; got {f!r}. {SECTION_6}")
        if len(flag) != 3 or flag[2] is _NO_VALUE:
            raise AssertionError(f"[{case}] the flag {f!r} has {'no value' if len(flag) < 3 else 'more than three items'}. "
                                 "Each flag is (call_id, argument_name, value): the value the model sent shows what it "
                                 f"guessed. {SECTION_6}")
        out[(flag[0], flag[1])] = flag[2]
    return out


def _path(obj: Any, value: Any, at: str = "") -> str | None:
    """Where ``value`` sits inside a tool result, as ``free_slots[1].slot_id`` (None when it does not)."""
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            found = _path(v, value, f"{at}.{k}" if at else str(k))
            if found is not None:
                return found
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            found = _path(v, value, f"{at}[{i}]")
            if found is not None:
                return found
    elif obj == value and type(obj) is type(value):
        return at
    return None


@reports_unwritten
def check_guess_detector(fn: Callable[..., Any], cases: Iterable[str] = VISIBLE_GUESS) -> None:
    """Compare the learner's flags with the arguments no earlier turn's result supplied."""
    for case in cases:
        turns, want, what = GUESS_CASES[case]
        calls = {c["id"]: c for t in turns for c in t}
        flags = _flags(fn(json.loads(json.dumps(turns))), case)
        got = set(flags)
        extra, missed = got - want, want - got
        for cid, arg in sorted(extra):
            c = calls.get(cid)
            if c is None or arg not in c["arguments"]:
                raise AssertionError(f"[{case}] you flagged ({cid!r}, {arg!r}), which is not a call argument in this "
                                     "trace. Flag (call id, argument name, value), taken from the calls of the turns you "
                                     f"were given. {SECTION_6}")
            if arg not in DEPENDENT_ARGUMENTS.get(c["name"], ()):
                raise AssertionError(f"[{case}: {what}] false alarm on {c['name']}'s {arg}={c['arguments'][arg]!r}. Only "
                                     "the arguments listed in DEPENDENT_ARGUMENTS must come from an earlier tool result; "
                                     "the others come from the user. A detector that flags every call is as useless "
                                     f"as one that flags none. {SECTION_6}")
            value = c["arguments"][arg]
            turn_no = next(i for i, t in enumerate(turns) if any(x["id"] == cid for x in t))
            where = next(((x, p) for t in turns[:turn_no] for x in t
                          if (p := _path(x["result"], value)) is not None), None)
            deep = ""
            if where and ("." in where[1] or "[" in where[1]):
                deep = (f" It sits inside {where[0]['name']}'s result, at {where[1]}: collect the values at any depth "
                        "(inside lists and dicts), not only the top-level keys.")
            raise AssertionError(f"[{case}: {what}] false alarm on {c['name']}'s {arg}={value!r}: an earlier turn's "
                                 f"result holds exactly that value, so the model did not guess it.{deep} " + SECTION_6)
        for cid, arg in sorted(missed):
            c = calls[cid]
            value = c["arguments"][arg]
            turn_no = next(i for i, t in enumerate(turns) if any(x["id"] == cid for x in t))
            same_turn = any(value in json.dumps(x["result"]) for x in turns[turn_no] if x["id"] != cid)
            earlier_text = any(value in json.dumps(x["result"]) for t in turns[:turn_no] for x in t)
            if same_turn and not earlier_text:
                why = ("The value does appear in a result of the SAME turn, but the model wrote its arguments before "
                       "any result of that turn existed: it guessed, and guessed lucky. Only results of EARLIER turns "
                       "count.")
            elif earlier_text:
                why = ("The value appears only as part of a longer string in an earlier result (an error message "
                       "quoting the guess). Compare whole values (every string/number inside the results), not "
                       "substrings of their JSON text.")
            else:
                why = "No earlier tool result holds that value: the model made it up from the user's words."
            raise AssertionError(f"[{case}: {what}] missed {c['name']}'s {arg}={value!r} (call {cid}). {why} "
                                 + SECTION_6)
        for (cid, arg), value in sorted(flags.items()):
            sent = calls[cid]["arguments"][arg]
            if value != sent:
                raise AssertionError(f"[{case}] your flag ({cid!r}, {arg!r}, {value!r}) reports the value {value!r}, but "
                                     f"call {cid} sent {arg}={sent!r}. Report the value the model wrote in that call's "
                                     f"arguments. {SECTION_6}")
        print(f"ok  {case}: flagged {sorted(got) or 'nothing'}")
