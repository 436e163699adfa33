"""Checks for lesson 2, *Answering every call id*: they read what the learner's code sent.

Every check works from the replay log (``session_of(client).log``), so it judges the
requests that really went out, even when the learner's code swallowed an exception.
Failures raise ``AssertionError`` with a message that says what went wrong and what to
reread; nothing here writes to stderr (learner code runs with stderr captured).

The checks, per turn in which the model asked for tools:

* the next request answers every call id exactly once, in one request;
* each answer holds the tool's return value as JSON text (compared parsed), or, when the
  tool raises, a readable error result (Anthropic: ``is_error: true``);
* the loop kept going until the model stopped (session finished, nothing ``exhausted``).
"""

from __future__ import annotations

import contextlib
import io
import json
import warnings
from dataclasses import dataclass
from typing import Any, Callable, NoReturn

from .. import evidence
from .. import tools as toolbox
from .. import wire
from ..normalise import parse_json
from ..replay import Exchange, ReplaySession, session_of
from ..wire import ToolResult, api_of, field, results_in, text_in
from . import failures
from .failures import graded
from .unwritten import unwritten_error

API_NAMES = {"chat": "Chat Completions", "responses": "Responses", "anthropic": "Anthropic Messages"}
READ = {
    "chat": "Reread 'Chat Completions: one tool message per call'",
    "responses": "Reread 'Responses: function_call_output items'",
    "anthropic": "Reread 'Anthropic: tool_result blocks in one user message'",
}


# --------------------------------------------------------------------------- running learner code

def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, BaseException | None]:
    """Call learner code; return ``(result, exception)``. Its stderr and warnings are swallowed."""
    err = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stderr(err):
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kwargs), None
        except NotImplementedError as e:  # a stub: say so, not "the API refused ..."
            raise unwritten_error(e) from None
        except Exception as e:  # graded from the log below, whatever the learner raised
            return None, e


def first_request(client: Any) -> dict[str, Any]:
    """The recorded first request of the client's scenario (model, messages/input, tools, ...)."""
    return json.loads(json.dumps(session_of(client).recording.interactions[0].request))


def final_text(client: Any) -> str:
    """The text of the scenario's last recorded answer (what a finished loop returns)."""
    rec = session_of(client).recording
    it = rec.interactions[-1]
    return text_in(it.response.final_body or {})


# --------------------------------------------------------------------------- reading bodies

@dataclass(frozen=True)
class Call:
    """One tool call the model made."""

    id: str
    name: str
    args: Any

    @property
    def label(self) -> str:
        args = self.args if isinstance(self.args, dict) else {}
        inner = ", ".join(f"{k}={v!r}" for k, v in args.items())
        return f"{self.id} ({self.name}({inner}))"



def calls_in(body: Any) -> list[Call]:
    """The tool calls a response body (or SDK object) asks for."""
    return [Call(c["id"], c["name"], c["arguments"]) for c in wire.calls_in(body)]


def text_of(content: Any) -> str | None:
    """Tool-result content as text: a string, or a list of text parts joined; else ``None``."""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and content and all(
            isinstance(p, dict) and p.get("type") in ("text", "input_text", "output_text") for p in content):
        return "".join(p.get("text", "") for p in content)
    return None


def expected(call: Call) -> tuple[Any, str | None]:
    """What the tool returns for this call, or ``(None, error text)`` when it raises."""
    try:
        return toolbox.call(call.name, dict(call.args)), None
    except Exception as e:
        return None, f"{type(e).__name__}: {e}"


# --------------------------------------------------------------------------- failing with a lesson

def fail(*lines: str, mistake: str, rule: str | None = None) -> NoReturn:
    """Fail with the lines as the teaching message, tagged with the mistake id (and protocol rule id)."""
    failures.fail(mistake, "\n".join(line for line in lines if line), rule)


def _raised(exc: BaseException, mistake: str) -> str:
    """The mistake id for learner code that raised: ``unwritten`` when it is still the stub."""
    return "unwritten" if isinstance(exc, NotImplementedError) else mistake


def _ids(ids: list[Any]) -> str:
    return ", ".join(str(i) for i in ids)


def check_content(api: str, call: Call, result: ToolResult, where: str) -> None:
    """One answer holds the right output (or a readable error result)."""
    text = text_of(result.content)
    field = {"chat": "content", "responses": "output", "anthropic": "content"}[api]
    if text is None:
        missing = result.content is None and isinstance(result.raw, dict) and field not in result.raw
        fail(f"{where}: the answer to {call.label} has {field}={result.content!r}.",
             f"It has no {field!r} key (it has {', '.join(map(repr, result.raw))}): the API reads the tool's output "
             f"from {field!r}. {READ[api]}." if missing else
             f"The API takes the tool's output as a string: json.dumps(result), not the dict itself. {READ[api]}.",
             mistake="output_not_string")
    value, error = expected(call)
    if error is None:
        try:
            got = json.loads(text)
        except ValueError:
            got = None
        if got != value:
            fail(f"{where}: the answer to {call.label} says {text!r},",
                 f"but the tool returns {json.dumps(value)}. Did you pair each result with the wrong id? "
                 "Run the tool named in *that* call with *its* arguments and send json.dumps(result).",
                 mistake="wrong_output")
        if api == "anthropic" and result.is_error:
            fail(f"{where}: the answer to {call.label} is marked is_error=True, but the tool succeeded. "
                 "Only set is_error for calls whose tool raised.", mistake="is_error_on_success")
        return
    if not text.strip():
        fail(f"{where}: the tool for {call.label} raised ({error}), and your answer to it is empty.",
             "Send an error result the model can read, e.g. json.dumps({'error': str(exc)}).",
             mistake="empty_error_result")
    if api == "anthropic" and not result.is_error:
        fail(f"{where}: the tool for {call.label} raised ({error}); your tool_result says {text!r} "
             "but is not marked as an error.",
             "Add \"is_error\": True to that tool_result block so Claude knows the call failed "
             "(reread section 6, 'Anthropic: tool_result blocks in one user message').", mistake="is_error_missing")


def check_answers(api: str, calls: list[Call], body: dict[str, Any], where: str) -> None:
    """The request ``body`` answers each of ``calls`` exactly once with the right output."""
    ids = [c.id for c in calls]
    found = [r for r in results_in(body) if r.id in ids]
    for call in calls:
        mine = [r for r in found if r.id == call.id]
        if not mine:
            fail(f"{where}: the model made {len(calls)} call(s) ({_ids(ids)}) but your request never answered "
                 f"{call.label}.", f"Answer every id. {READ[api]}.", mistake="unanswered_call")
        if len(mine) > 1:
            fail(f"{where}: your request answers {call.label} {len(mine)} times. Send exactly one result per id.",
                 mistake="duplicate_answer")
        check_content(api, call, mine[0], where)


def _turn_before(session: ReplaySession, index: int) -> tuple[int, Exchange | None]:
    """The last played exchange before log position ``index``, and its round number (1-based)."""
    played = [(k, e) for k, e in enumerate(session.log[:index]) if e.kind == "played"]
    if not played:
        return 0, None
    return len(played), played[-1][1]


def _anthropic_result_messages(body: dict[str, Any]) -> int:
    """How many user messages after the last assistant message carry tool_result blocks."""
    msgs = body.get("messages") or []
    last = max((k for k, m in enumerate(msgs) if field(m, "role") == "assistant"), default=-1)
    return sum(1 for m in msgs[last + 1:] if any(field(b, "type") == "tool_result" for b in field(m, "content") or []
                                                   if not isinstance(field(m, "content"), str)))


def diagnose_refusal(session: ReplaySession, index: int) -> str:
    """Explain, in the lesson's words, why the API refused the request at log position ``index``."""
    e = session.log[index]
    api = api_of(e.path)
    rnd, prev = _turn_before(session, index)
    calls = calls_in(prev.response) if prev else []
    ids = [c.id for c in calls]
    body = e.body if isinstance(e.body, dict) else {}
    lines = [f"The {API_NAMES[api]} API refused one of your requests (HTTP {e.status}): {e.message}"]
    if api == "responses":
        items = body.get("input") if isinstance(body.get("input"), list) else []
        if any(field(it, "role") == "tool" for it in items):
            fail(*lines, "You sent Chat Completions messages ({'role': 'tool', 'tool_call_id': ...}) to the "
                 "Responses API. Responses takes input items {'type': 'function_call_output', 'call_id': ..., "
                 f"'output': ...}}. {READ['responses']}.", mistake="chat_messages_to_responses", rule=e.rule)
    sent = [r.id for r in results_in(body)]
    mine = [i for i in sent if i in ids]
    unknown = [i for i in sent if i not in ids and i not in _all_call_ids(session)]
    if len(sent) > 1 and len(set(sent)) == 1:
        lines.append(f"All {len(sent)} of your results carry the same id, {sent[0]}. Each result must carry the id "
                     "of *its own* call: tc.id / item.call_id / block.id of the call you ran.")
    elif unknown:
        lines.append(f"Your results answer id(s) the model never issued: {_ids(unknown)}. Copy each call's id "
                     "exactly (Chat: tool_call.id; Responses: item.call_id, not item.id; Anthropic: block.id).")
    elif api == "anthropic" and _anthropic_result_messages(body) > 1:
        lines.append("Your tool_result blocks are spread over several user messages. Claude needs all of them in "
                     f"ONE user message right after its tool_use message. {READ['anthropic']}.")
    elif calls and len(set(mine)) < len(calls):
        missing = [c.label for c in calls if c.id not in mine]
        later = [x for x in session.log[index + 1:] if isinstance(x.body, dict)
                 and {r.id for r in results_in(x.body)} & (set(ids) - set(mine))]
        lines.append(f"In round {rnd} the model made {len(calls)} calls; this request answered "
                     f"{len(set(mine))} of them. Missing: {'; '.join(missing)}.")
        if later:
            lines.append("Your code then sent another request with the other results: one request per result. "
                         "Run every call first, add ALL results, then call the model once for the whole turn.")
        else:
            lines.append("Loop over *every* call in the response (not just the first one), add one result per id, "
                         "and only then call the model again — one request for the whole turn.")
    if not lines[-1].endswith(READ[api] + "."):
        lines.append(READ[api] + " and 'What the API says when an id is missing'.")
    return "\n".join(lines)


def _all_call_ids(session: ReplaySession) -> set[Any]:
    out: set[Any] = set()
    for e in session.log:
        if e.kind == "played":
            out |= {c.id for c in calls_in(e.response)}
    return out


def check_log(client: Any, *, exc: BaseException | None = None, label: str = "") -> None:
    """Grade everything the client's session saw: every id answered, every round, stopped on time."""
    from ..errors import ReplayMismatch
    s = evidence.require(session_of(client))
    where0 = f"[{label or s.name}] "
    if exc is not None and not _is_api_error(exc) and not isinstance(exc, ReplayMismatch):
        fail(where0 + f"Your code raised {type(exc).__name__}: {exc}",
             "A failing tool must not crash the loop: catch the exception and send it back as an error result "
             "(reread 'When a tool fails')." if isinstance(exc, toolbox.ToolError) else
             where_raised(exc), mistake=_raised(exc, "loop_crashed"))
    rnd = 0
    for k, e in enumerate(s.log):
        if e.kind != "played":
            continue
        rnd += 1
        api = api_of(e.path)
        calls = calls_in(e.response)
        if not calls:
            continue
        if k + 1 >= len(s.log):
            fail(where0 + f"In round {rnd} the model asked for {len(calls)} tool call(s) "
                 f"({'; '.join(c.label for c in calls)}), but your code never sent their results back.",
                 "The loop must keep going until the model answers without tool calls (Chat: finish_reason "
                 "'stop'; Responses: no function_call items; Anthropic: stop_reason 'end_turn').",
                 mistake="stopped_early")
        nxt = s.log[k + 1]
        if nxt.kind == "api_error":
            fail(where0 + diagnose_refusal(s, k + 1), mistake="api_refused", rule=s.log[k + 1].rule)
        check_answers(api, calls, nxt.body if isinstance(nxt.body, dict) else {}, where0 + f"round {rnd}")
    for k, e in enumerate(s.log):
        if e.kind == "api_error":
            fail(where0 + diagnose_refusal(s, k), mistake="api_refused", rule=e.rule)
        if e.kind == "mismatch":
            fail(where0 + "The replay did not recognise one of your requests. Send exactly the model, tools and "
                 "conversation you were given, plus the assistant turn and your results.", e.message,
                 mistake="replay_mismatch")
    if any(e.kind == "exhausted" for e in s.log):
        fail(where0 + "Your code called the model again after it had finished (its last answer asked for no "
             "tools). Stop the loop when there are no tool calls left and return the text.",
             next(e.message for e in s.log if e.kind == "exhausted"), mistake="called_after_done")
    if not s.finished:
        fail(where0 + "The conversation is not finished: the model still expected more turns.", mistake="not_finished")


def _is_api_error(exc: BaseException) -> bool:
    import anthropic
    import openai
    return isinstance(exc, (openai.APIError, anthropic.APIError))


# --------------------------------------------------------------------------- exercise checks

@graded
def check_run_tool(run_tool: Callable[..., Any], cases: list[tuple[str, Any]]) -> None:
    """``run_tool(name, arguments) -> (text, is_error)`` for successes, tool errors and bad input."""
    for name, arguments in cases:
        got, exc = run(run_tool, name, arguments)
        shown = f"run_tool({name!r}, {arguments!r})"
        args = parse_json(arguments)
        try:
            value, error = toolbox.call(name, dict(args)), None
        except Exception as e:
            value, error = None, e
        if exc is not None:
            fail(f"{shown} raised {type(exc).__name__}: {exc}.",
                 "run_tool must never raise: catch the exception and return (error text, True) so the model "
                 "reads what failed (reread 'When a tool fails').", mistake=_raised(exc, "run_tool_raised"))
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            fail(f"{shown} returned {got!r}; return a pair (text, is_error).", mistake="run_tool_not_pair")
        text, is_error = got
        if not isinstance(text, str):
            fail(f"{shown} returned text={text!r}: the API wants a string, e.g. json.dumps(result).",
                 mistake="run_tool_not_string")
        if error is None:
            if is_error:
                fail(f"{shown} says is_error=True, but this tool call succeeds.", mistake="is_error_on_success")
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
            if parsed != value:
                fail(f"{shown} returned {text!r}; expected the tool's result as JSON: {json.dumps(value)}.",
                     "Arguments arrive as a JSON string (Chat, Responses) or a dict (Anthropic): accept both.",
                     mistake="wrong_output")
            continue
        if is_error is not True:
            fail(f"{shown}: the tool raises {type(error).__name__}: {error}, but run_tool returned "
                 f"is_error={is_error!r}. Return True as the second item when the tool fails.",
                 mistake="is_error_missing")
        if not text.strip():
            fail(f"{shown}: the error text is empty. Say what went wrong, e.g. json.dumps({{'error': str(exc)}}).",
                 mistake="empty_error_result")
        if isinstance(error, toolbox.ToolError) and str(error) not in text:
            fail(f"{shown} returned {text!r}; it should include the tool's own message ({str(error)!r}) so the "
                 "model can tell the user what failed.", mistake="error_text_lost")
    print(f"ok  run_tool: {len(cases)} calls")


def _crash_hint(exc: BaseException, what: str = "an error result") -> str:
    if isinstance(exc, toolbox.ToolError):
        return (f"A tool that raises must become {what}, not a crash: call run_tool, which catches the exception "
                "(reread 'When a tool fails').")
    return where_raised(exc)


def where_raised(exc: BaseException) -> str:
    """Where in the learner's code an exception was raised (their last frame outside libraries)."""
    import traceback
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if "site-packages" not in f.filename and "/course/" not in f.filename]
    if not frames:
        return "Fix the cause of that exception in your code."
    f = frames[-1]
    return f"It was raised in {f.name}, at the line: {(f.line or '').strip()}"


def _as_dict(x: Any) -> Any:
    return x.model_dump(exclude_none=True) if hasattr(x, "model_dump") else x


@graded
def check_chat_turn(build: Callable[[Any], Any], client: Any, *, append: str = "object") -> None:
    """Ask once, answer with ``build(message)``, send; ``append`` is how the assistant turn is added."""
    req = first_request(client)
    completion = client.chat.completions.create(**req)
    msg = completion.choices[0].message
    results, exc = run(build, msg)
    if exc is not None:
        fail(f"chat_tool_messages(message) raised {type(exc).__name__}: {exc}", _crash_hint(exc),
             mistake=_raised(exc, "builder_raised"))
    if not isinstance(results, list):
        fail(f"chat_tool_messages returned {type(results).__name__}; return a list with one tool message per call.",
             mistake="builder_not_list")
    for r in results:
        r = _as_dict(r)
        if field(r, "role") != "tool":
            fail(f"chat_tool_messages returned {r!r}: every item must be {{'role': 'tool', 'tool_call_id': ..., "
                 f"'content': ...}}. {READ['chat']}.", mistake="not_tool_message")
    assistant = {"object": msg, "dump": msg.model_dump(exclude_none=True)}[append]
    _, sent_exc = run(client.chat.completions.create, **{**req, "messages": req["messages"] + [assistant, *results]})
    check_log(client, exc=sent_exc)
    print(f"ok  [{session_of(client).name}] every call answered")


@graded
def check_responses_turn(build: Callable[[Any], Any], client: Any, *, chain: str = "previous_response_id") -> None:
    """Ask once, answer with ``build(response)``, send with ``previous_response_id`` or by resending items."""
    req = first_request(client)
    response = client.responses.create(**req)
    items, exc = run(build, response)
    if exc is not None:
        fail(f"responses_tool_outputs(response) raised {type(exc).__name__}: {exc}", _crash_hint(exc),
             mistake=_raised(exc, "builder_raised"))
    if not isinstance(items, list):
        fail(f"responses_tool_outputs returned {type(items).__name__}; return a list of function_call_output items.",
             mistake="builder_not_list")
    for it in map(_as_dict, items):
        if field(it, "role") == "tool" or "tool_call_id" in (it if isinstance(it, dict) else {}):
            fail(f"responses_tool_outputs returned {it!r}: that is the Chat Completions format. The Responses API "
                 "takes {'type': 'function_call_output', 'call_id': ..., 'output': ...} input items. "
                 f"{READ['responses']}.", mistake="chat_format_for_responses")
        if field(it, "type") != "function_call_output":
            fail(f"responses_tool_outputs returned {it!r}: every item must have type 'function_call_output'.",
                 mistake="not_function_call_output")
    if chain == "previous_response_id":
        nxt = {**{k: v for k, v in req.items() if k != "input"}, "previous_response_id": response.id, "input": items}
    else:
        history = req["input"] if isinstance(req["input"], list) else [{"role": "user", "content": req["input"]}]
        nxt = {**req, "input": history + [o.model_dump(exclude_none=True) for o in response.output] + items}
    _, sent_exc = run(client.responses.create, **nxt)
    check_log(client, exc=sent_exc)
    print(f"ok  [{session_of(client).name}] every call answered")


@graded
def check_claude_turn(build: Callable[[Any], Any], client: Any) -> None:
    """Ask once, answer with ``build(message)`` (one user message of tool_result blocks), send."""
    req = first_request(client)
    message = client.messages.create(**req)
    reply, exc = run(build, message)
    if exc is not None:
        fail(f"claude_tool_results(message) raised {type(exc).__name__}: {exc}", _crash_hint(exc, "a tool_result with is_error=True"),
             mistake=_raised(exc, "builder_raised"))
    if isinstance(reply, list):
        fail("claude_tool_results returned a list. Return ONE user message: "
             "{'role': 'user', 'content': [tool_result blocks...]}. " + READ["anthropic"] + ".",
             mistake="results_as_list")
    if field(reply, "role") != "user" or not isinstance(field(reply, "content"), list):
        fail(f"claude_tool_results returned {reply!r}; expected {{'role': 'user', 'content': [...tool_result "
             "blocks...]}.", mistake="not_user_message")
    assistant = {"role": "assistant", "content": message.content}
    _, sent_exc = run(client.messages.create, **{**req, "messages": req["messages"] + [assistant, reply]})
    check_log(client, exc=sent_exc)
    print(f"ok  [{session_of(client).name}] every call answered")


@graded
def check_loop(agent: Callable[..., Any], client: Any, **kwargs: Any) -> None:
    """Run a whole agent loop on the scenario's first request; grade the log and the returned text."""
    req = first_request(client)
    conv = "messages" if "messages" in req else "input"
    args = {"model": req["model"], conv: req[conv], "tools": req["tools"]}
    if "max_tokens" in req:
        args["max_tokens"] = req["max_tokens"]
    args.update(kwargs)
    result, exc = run(agent, client, **args)
    check_log(client, exc=exc)
    want = final_text(client)
    if result != want:
        fail(f"[{session_of(client).name}] Your loop answered every call and stopped at the right time, but "
             f"returned {result!r}.", f"Return the model's final text: {want!r}.", mistake="wrong_return")
    print(f"ok  [{session_of(client).name}] the loop finished and returned the final text")


def request_rows(client: Any) -> list[dict[str, Any]]:
    """Per request sent: its kind, how many calls the previous answer made, how many results it carried."""
    s = session_of(client)
    rows, calls = [], []
    for k, e in enumerate(s.log):
        ids = {c.id for c in calls}
        body = e.body if isinstance(e.body, dict) else {}
        answered = len([r for r in results_in(body) if r.id in ids])
        rows.append({"n": k + 1, "kind": e.kind, "calls": len(calls), "answered": answered})
        if e.kind == "played":
            calls = calls_in(e.response)
    return rows
