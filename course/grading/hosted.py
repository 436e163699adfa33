"""Lesson 5 (hosted tools): the forum thread's HubSpot request, traces, the comparison plot, and checks.

The request is the one posted in the OpenAI community thread "Responses API: Parallel Tool Calls Not
Happening" (``THREAD``): two HubSpot function tools, ``parallel_tool_calls: true``, ``store: false``,
``tool_choice: "auto"``, model ``gpt-4o``, with ``{"type": "web_search_preview"}`` first in ``tools``.

Demos use :func:`run_responses` / :func:`run_chat` (the lesson-2 loop, returning the *trace*: every
response of the conversation) and :func:`calls_per_turn`.  The ``check_*`` functions are what the
notebook's self-check and hidden-test cells call: they run the learner's code against a replay scenario,
read the requests it sent (``session_of(client).requests()``) and the replay log, and raise
``AssertionError`` with a message that teaches.  Nothing here writes to stderr.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Callable

from .. import evidence
from .. import tools as toolbox
from ..timeline import TimelineFigure
from ..wire import calls_per_turn, field
from .unwritten import reports_unwritten

THREAD = "https://community.openai.com/t/responses-api-parallel-tool-calls-not-happening/1226942"
MODEL = "gpt-4o"
QUESTION = "Can you load up my hubspot tasks and notes?"
# The thread elides its instructions ("..."); this stand-in says nothing about parallel calls.
INSTRUCTIONS = "You are a CRM assistant for the signed-in HubSpot user. Use the tools to answer from their own data."

WEB_SEARCH_PREVIEW: dict[str, Any] = {"type": "web_search_preview"}
FILE_SEARCH: dict[str, Any] = {"type": "file_search", "vector_store_ids": ["vs_hubspot_playbooks"]}
HOSTED_TYPES = ("web_search_preview", "web_search_preview_2025_03_11", "web_search", "web_search_2025_08_26",
                "file_search", "code_interpreter", "image_generation", "computer_use_preview", "mcp")
HOSTED_ITEM_TYPES = ("web_search_call", "file_search_call", "code_interpreter_call", "image_generation_call",
                     "computer_call", "mcp_call", "mcp_list_tools")


def _hubspot_parameters(kind: str) -> dict[str, Any]:
    """The seed's parameter schema, for ``kind`` ``task`` or ``note`` (key order as posted)."""
    return {
        "properties": {
            "action_description": {"description": "A brief description of the action to be performed.", "type": "string"},
            "object_type": {"description": f"The type of object. Must be '{kind}' for this tool.", "enum": [kind],
                            "type": "string"},
            "sort_by": {"description": "Property to sort the results by.", "enum": ["hs_lastmodifieddate", "hs_createdate"],
                        "type": "string"},
        },
        "required": ["action_description", "object_type", "sort_by"],
        "type": "object",
    }


TASK_TOOL: dict[str, Any] = {
    "name": "Tool_Nango_Hubspot_OwnerTaskList", "parameters": _hubspot_parameters("task"), "strict": False,
    "description": "Retrieves the 25 most recent tasks owned by the authenticated user in HubSpot. "
                   "Use this tool to get tasks assigned to you.",
    "type": "function",
}
NOTE_TOOL: dict[str, Any] = {
    "name": "Tool_Nango_Hubspot_OwnerNoteList", "parameters": _hubspot_parameters("note"), "strict": False,
    "description": "Retrieves the 25 most recent notes owned by the authenticated user in HubSpot. "
                   "Use this tool to get notes created by you.",
    "type": "function",
}
RESPONSES_TOOLS = [TASK_TOOL, NOTE_TOOL]

# The same two tools in Chat Completions' nested format (Chat's default is non-strict: no "strict" key).
CHAT_TOOLS: list[dict[str, Any]] = [
    {"type": "function", "function": {"name": t["name"], "description": t["description"], "parameters": t["parameters"]}}
    for t in RESPONSES_TOOLS
]
# The first post's tools: flat, but without "type" (and without "strict").
FIRST_POST_TOOLS: list[dict[str, Any]] = [
    {"type": "web_search_preview"},
    {"name": TASK_TOOL["name"], "description": "Get my HubSpot tasks", "parameters": _hubspot_parameters("task")},
    {"name": NOTE_TOOL["name"], "description": "Get my HubSpot notes", "parameters": _hubspot_parameters("note")},
]
# The thread's suggestion: say in each description that the call may be sent in parallel.
DESCRIBED_TOOLS = [
    {**TASK_TOOL, "description": "Retrieves the user's tasks. Send in parallel with any other non-dependent HubSpot "
                                 "function call."},
    {**NOTE_TOOL, "description": "Retrieves the user's notes. Send in parallel with any other non-dependent HubSpot "
                                 "function call."},
]
PARALLEL_INSTRUCTIONS = (INSTRUCTIONS + " When several tools are needed and do not depend on each other, call them "
                                        "all at once, in parallel, in the same response.")


def user_input(question: str) -> list[dict[str, Any]]:
    """One user message.  The thread wrote its content as ``[{"type": "input_text", "text": ...}]``; the plain
    string is the same message (the replay compares both spellings as equal) and validates against OpenAI's
    OpenAPI spec without ambiguity."""
    return [{"role": "user", "content": question}]


def seed_request(*hosted: dict[str, Any], question: str = QUESTION, tools: list[dict[str, Any]] | None = None,
                 instructions: str = INSTRUCTIONS, store: bool | None = False) -> dict[str, Any]:
    """The thread's full Responses payload, with ``hosted`` tools placed first (as posted)."""
    body: dict[str, Any] = {
        "input": user_input(question), "model": MODEL, "instructions": instructions, "parallel_tool_calls": True,
        "tool_choice": "auto", "tools": [*copy.deepcopy(list(hosted)), *copy.deepcopy(tools or RESPONSES_TOOLS)],
    }
    if store is not None:
        body["store"] = store
    return body


def chat_request(question: str = QUESTION) -> dict[str, Any]:
    """The Chat Completions equivalent: same instructions, question and tools (nested format)."""
    return {"model": MODEL, "messages": [{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": question}],
            "tools": copy.deepcopy(CHAT_TOOLS), "parallel_tool_calls": True, "tool_choice": "auto"}


OWN_SEARCH_QUESTION = "Load my HubSpot tasks and notes, and search the web for recent news about Acme."
OWN_SEARCH_HIDDEN_QUESTION = ("Before my Globex call: load my HubSpot tasks and notes, and search the web for Globex's "
                              "latest SSO announcement and for Globex's latest funding news.")
KEEP_HOSTED_QUESTION = "Check my HubSpot tasks and notes, and look up recent news about Acme on the web."
KEEP_HOSTED_HIDDEN_QUESTION = "Search the web for Globex and Acme news, then load my HubSpot tasks and notes."
KEEP_HOSTED_TWO_QUESTION = "Look up Initech in the news, and load my HubSpot tasks and notes."
TASKS_ONLY_QUESTION = "Load my HubSpot tasks."
NOTES_ONLY_QUESTION = "Load my HubSpot notes."

# The request each scenario was authored from (the demos, the exercises and the checks share them).
REQUESTS: dict[str, dict[str, Any]] = {
    "hubspot_responses_web_search": seed_request(WEB_SEARCH_PREVIEW),
    "hubspot_responses_no_hosted": seed_request(),
    "hubspot_responses_file_search": seed_request(FILE_SEARCH),
    "hubspot_responses_described": seed_request(WEB_SEARCH_PREVIEW, tools=DESCRIBED_TOOLS,
                                                instructions=PARALLEL_INSTRUCTIONS),
    "hubspot_responses_chat_format_400": {**seed_request(), "tools": copy.deepcopy(CHAT_TOOLS)},
    "hubspot_own_search": seed_request(WEB_SEARCH_PREVIEW, question=OWN_SEARCH_QUESTION),
    "hubspot_own_search_hidden": seed_request(WEB_SEARCH_PREVIEW, question=OWN_SEARCH_HIDDEN_QUESTION),
    "hubspot_keep_hosted": seed_request(WEB_SEARCH_PREVIEW, question=KEEP_HOSTED_QUESTION, store=None),
    "hubspot_keep_hosted_hidden": seed_request(WEB_SEARCH_PREVIEW, question=KEEP_HOSTED_HIDDEN_QUESTION, store=None),
    "hubspot_keep_hosted_two_calls_hidden": seed_request(WEB_SEARCH_PREVIEW, question=KEEP_HOSTED_TWO_QUESTION,
                                                         store=None),
    "hubspot_tasks_only": seed_request(WEB_SEARCH_PREVIEW, question=TASKS_ONLY_QUESTION),
    "hubspot_notes_only_hidden": seed_request(FILE_SEARCH, question=NOTES_ONLY_QUESTION),
}
CHAT_REQUESTS = {"hubspot_chat": chat_request()}

# Workaround 2, separate requests: the web question with only the hosted tool, the HubSpot part with only functions.
SPLIT_WEB_QUESTION = "Search the web for recent news about Acme."
SPLIT_HUBSPOT_QUESTION = "Load my HubSpot tasks and notes."
SPLIT_REQUESTS = [
    {**seed_request(question=SPLIT_WEB_QUESTION), "tools": [dict(WEB_SEARCH_PREVIEW)]},
    seed_request(question=SPLIT_HUBSPOT_QUESTION),
]


def split_requests() -> list[dict[str, Any]]:
    """Fresh copies of the two requests of the separate-requests workaround."""
    return copy.deepcopy(SPLIT_REQUESTS)


def request(scenario: str) -> dict[str, Any]:
    """A fresh copy of the request a scenario answers."""
    if scenario in CHAT_REQUESTS:
        return copy.deepcopy(CHAT_REQUESTS[scenario])
    return copy.deepcopy(REQUESTS[scenario])


def rerecord_command(scenario: str) -> str:
    """The shell command that re-records a scenario against the live API (needs a key; costs tokens)."""
    return f"COURSE_MODE=record OPENAI_API_KEY=sk-... .venv/bin/python -m course.authoring record {scenario}"


# ----------------------------------------------------------------------------------------------------------
# Reading responses (SDK objects or plain dicts)


def function_calls(response: Any) -> list[Any]:
    """The ``function_call`` items of a Responses object, or the ``tool_calls`` of a chat completion."""
    output = field(response, "output")
    if output is not None:
        return [it for it in output if field(it, "type") == "function_call"]
    choices = field(response, "choices") or []
    if choices:
        return list(field(field(choices[0], "message"), "tool_calls") or [])
    return []


def item_types(response: Any) -> list[str]:
    """The ``type`` of every output item, in order."""
    return [field(it, "type") for it in (field(response, "output") or [])]


def tool_types(response_or_request: Any) -> list[str]:
    """The ``type`` of every tool a request sent or a response echoes."""
    return [field(t, "type") for t in (field(response_or_request, "tools") or [])]


# ----------------------------------------------------------------------------------------------------------
# Reference loops for the demos (and the scenarios' drivers)


def _run(name: str, arguments: Any) -> str:
    try:
        args = json.loads(arguments) if isinstance(arguments, str) else dict(arguments or {})
        return json.dumps(toolbox.call(name, args))
    except Exception as e:  # a failing tool becomes an error result the model can read
        return json.dumps({"error": f"{type(e).__name__}: {e}"})


def run_responses(client: Any, body: dict[str, Any], *, chain: str = "auto", max_turns: int = 8) -> list[Any]:
    """Run the Responses loop for ``body`` until no ``function_call`` is left; return every response.

    ``chain="resend"`` (the default when ``store`` is false) sends the whole history again each turn;
    ``"previous_response_id"`` sends only the new ``function_call_output`` items.
    """
    if chain == "auto":
        chain = "resend" if body.get("store") is False else "previous_response_id"
    history = list(copy.deepcopy(body["input"]))
    step = dict(body)
    trace: list[Any] = []
    for _ in range(max_turns):
        resp = client.responses.create(**step)
        trace.append(resp)
        calls = function_calls(resp)
        if not calls:
            return trace
        outputs = [{"type": "function_call_output", "call_id": c.call_id, "output": _run(c.name, c.arguments)}
                   for c in calls]
        if chain == "resend":
            history += [it.model_dump(exclude_none=True) for it in resp.output] + outputs
            step = {**body, "input": list(history)}
        else:
            step = {**body, "input": outputs, "previous_response_id": resp.id}
    raise RuntimeError("the model kept asking for tools")


def run_chat(client: Any, body: dict[str, Any], *, max_turns: int = 8) -> list[Any]:
    """The Chat Completions loop for ``body``; return every completion."""
    messages = list(copy.deepcopy(body["messages"]))
    trace: list[Any] = []
    for _ in range(max_turns):
        completion = client.chat.completions.create(**{**body, "messages": messages})
        trace.append(completion)
        msg = completion.choices[0].message
        if not msg.tool_calls:
            return trace
        messages.append(msg.model_dump(exclude_none=True))
        messages += [{"role": "tool", "tool_call_id": tc.id, "content": _run(tc.function.name, tc.function.arguments)}
                     for tc in msg.tool_calls]
    raise RuntimeError("the model kept asking for tools")


def final_text(response: Any) -> str:
    """The text of a Responses object's message items (or a completion's message content)."""
    if field(response, "output") is not None:
        parts = [field(p, "text", "") for it in field(response, "output") if field(it, "type") == "message"
                 for p in (field(it, "content") or [])]
        return "".join(p for p in parts if p)
    choices = field(response, "choices") or []
    return (field(field(choices[0], "message"), "content") or "") if choices else ""


# ----------------------------------------------------------------------------------------------------------
# The comparison plot


def plot_comparison(traces: dict[str, list[int]], title: str = "Function calls per model turn") -> Any:
    """Two panels: calls per turn (one bar group per turn), and round trips per setup. Returns the figure
    (a :class:`course.timeline.TimelineFigure`: it shows itself in Jupyter, no pyplot)."""
    labels = list(traces)
    fig = TimelineFigure(figsize=(11, 3.6))
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    longest = max((len(v) for v in traces.values()), default=0)
    width = 0.8 / max(1, len(labels))
    for k, label in enumerate(labels):
        counts = traces[label]
        xs = [t + k * width for t in range(len(counts))]
        ax1.bar(xs, counts, width=width, label=label)
    ax1.set_xticks([t + width * (len(labels) - 1) / 2 for t in range(longest)])
    ax1.set_xticklabels([f"turn {t + 1}" for t in range(longest)])
    ax1.set_ylabel("function calls in the response")
    ax1.set_yticks(range(0, max((max(v, default=0) for v in traces.values()), default=0) + 2))
    ax1.set_title(title)
    ax1.legend(fontsize=8)
    ax2.barh(labels, [len(v) for v in traces.values()], color=[f"C{k}" for k in range(len(labels))])
    ax2.set_xlabel("model round trips (requests)")
    ax2.set_title("Round trips to finish")
    ax2.invert_yaxis()
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------------------
# Checks for the graded exercises


def _session(client: Any) -> Any:
    from ..replay import session_of
    return evidence.require(session_of(client))


def _client(scenario: str) -> Any:
    from ..clients import openai_client
    return openai_client(scenario, time_scale=0)


def _first_problem_tool(tools: list[Any]) -> str | None:
    for i, t in enumerate(tools):
        if not isinstance(t, dict):
            return f"tools[{i}] is a {type(t).__name__}, not a dict"
        if "function" in t:
            return (f"tools[{i}] is still in Chat Completions' nested format ({{'type': 'function', 'function': "
                    "{...}}). The Responses API wants name, parameters and strict (and description, if any) "
                    "at the top level of "
                    "the tool; sent nested, the real API answers 400 \"Missing required parameter: 'tools[0].name'.\"")
        if t.get("type") is None:
            return f"tools[{i}] has no 'type': Responses needs \"type\": \"function\" on every function tool."
        if t.get("type") == "function":
            # FunctionToolParam (openai/types/responses/function_tool_param.py): name, parameters, strict and
            # type are Required; description is optional.
            missing = [k for k in ("name", "parameters", "strict") if k not in t]
            if missing:
                return f"tools[{i}] ({t.get('name')}) is missing {missing}."
    return None


def _key_diff(want: dict[str, Any], got: Any) -> str:
    """The keys that differ, first: ``'strict' (expected True, got False)``; missing and extra keys named."""
    if not isinstance(got, dict):
        return f"type (expected a dict, got {type(got).__name__})"
    missing = object()
    parts = []
    for k in [*want, *(k for k in got if k not in want)]:
        w, g = want.get(k, missing), got.get(k, missing)
        if w != g:
            parts.append(f"'{k}' (" + ("missing" if g is missing else "not expected" if w is missing else
                                       f"expected {json.dumps(w)[:80]}, got {json.dumps(g)[:80]}") + ")")
    return ", ".join(parts) or "key order only"


@reports_unwritten
def check_conversion(to_responses_tools: Callable[[list], list], validate_responses_tools: Callable[[list], list],
                     hidden: bool = False) -> None:
    """Exercise 1: convert Chat-format tools to Responses' flat format, and validate a tools list."""
    cases = [([*CHAT_TOOLS], RESPONSES_TOOLS, "the seed's two HubSpot tools in Chat format"),
             ([WEB_SEARCH_PREVIEW, *CHAT_TOOLS], [WEB_SEARCH_PREVIEW, *RESPONSES_TOOLS],
              "the hosted web search plus the two Chat-format tools")]
    if not hidden:  # every rule the grader checks, on other tools than the grader's
        untyped = {k: v for k, v in NOTE_TOOL.items() if k not in ("type", "strict")}
        cases += [
            ([untyped], [{**NOTE_TOOL, "strict": False}], "a flat tool without 'type' (the first post's slip)"),
            ([{"type": "function", "function": {**CHAT_TOOLS[1]["function"], "strict": True}}],
             [{**NOTE_TOOL, "strict": True}], "a Chat tool that set strict: true"),
        ]
    if hidden:
        first = [{**t, "type": "function", "strict": False} if "name" in t else t for t in FIRST_POST_TOOLS]
        cases += [
            (copy.deepcopy(FIRST_POST_TOOLS), first, "the first post's tools (flat, but without 'type')"),
            ([FILE_SEARCH, *RESPONSES_TOOLS], [FILE_SEARCH, *RESPONSES_TOOLS], "tools already in Responses format"),
            ([{"type": "function", "function": {**CHAT_TOOLS[0]["function"], "strict": True}}],
             [{**TASK_TOOL, "strict": True}], "a Chat tool that set strict: true"),
        ]
    for given, want, what in cases:
        snapshot = copy.deepcopy(given)
        got = to_responses_tools(given)
        assert given == snapshot, ("to_responses_tools changed the list it was given. Build new dicts "
                                   "(e.g. {**tool, ...}) so the caller's Chat tools stay usable for Chat Completions.")
        assert isinstance(got, list) and len(got) == len(want), (
            f"For {what}, to_responses_tools should return a list of {len(want)} tools (one per input tool, hosted "
            f"tools included), got {got!r:.300}")
        for i, (g, w) in enumerate(zip(got, want)):
            if w.get("type") != "function":
                assert g == w, (f"For {what}, tools[{i}] is a hosted tool ({w}): pass it through unchanged, got {g!r}. "
                                "Hosted tools run on OpenAI's side and have no name or parameters.")
                continue
            problem = _first_problem_tool([g])
            assert problem is None, f"For {what}: " + problem.replace("tools[0]", f"tools[{i}]")
            assert g == w, (f"For {what}, tools[{i}] differs from the expected tool in "
                            f"{_key_diff(w, g)}.\nExpected {json.dumps(w)[:300]}\nbut got  {json.dumps(g)[:300]}\n"
                            "Keep name, description and parameters as they were; take strict from the Chat tool when it "
                            "sets it, else write strict: False (Chat's default): the SDK's FunctionToolParam marks "
                            "'strict' as required. Reread Exercise 1's first bullet.")
    # validation
    good = validate_responses_tools([WEB_SEARCH_PREVIEW, *RESPONSES_TOOLS])
    assert isinstance(good, list) and good == [], (
        f"validate_responses_tools should return [] for a valid tools list (hosted web search + two flat function "
        f"tools), got {good!r:.300}")
    bad_cases = [([WEB_SEARCH_PREVIEW, *CHAT_TOOLS], 1, "Chat's nested format"),
                 (copy.deepcopy(FIRST_POST_TOOLS), 1, "a function tool without 'type'")]
    if not hidden:  # the grader's rules on other tools
        bad_cases += [([{k: v for k, v in TASK_TOOL.items() if k != "strict"}, NOTE_TOOL], 0,
                       "a function tool without 'strict'"),
                      ([WEB_SEARCH_PREVIEW, {"type": "file_search"}], 1, "a file_search tool without vector_store_ids")]
        ok = validate_responses_tools([{k: v for k, v in TASK_TOOL.items() if k != "description"}, NOTE_TOOL])
        assert isinstance(ok, list) and ok == [], (
            "validate_responses_tools should accept a function tool without 'description' (tools[0] here): the SDK's "
            "FunctionToolParam marks it optional (only name, parameters, strict and type are required); "
            f"got {ok!r:.300}")
    if hidden:
        no_strict = {k: v for k, v in NOTE_TOOL.items() if k != "strict"}
        bad_cases += [([TASK_TOOL, no_strict], 1, "a function tool without 'strict'"),
                      ([{"type": "file_search"}, TASK_TOOL], 0, "a file_search tool without vector_store_ids"),
                      ([TASK_TOOL, {k: v for k, v in NOTE_TOOL.items() if k != "parameters"}], 1,
                       "a function tool without 'parameters'")]
        no_description = [WEB_SEARCH_PREVIEW, TASK_TOOL, {k: v for k, v in NOTE_TOOL.items() if k != "description"}]
        ok = validate_responses_tools(no_description)
        assert isinstance(ok, list) and ok == [], (
            "validate_responses_tools should accept a function tool without 'description': the SDK's "
            "FunctionToolParam marks it optional (only name, parameters, strict and type are required); "
            f"got {ok!r:.300}")
    for tools, index, what in bad_cases:
        problems = validate_responses_tools(tools)
        assert isinstance(problems, list) and problems, (
            f"validate_responses_tools returned {problems!r} for a list with {what} at tools[{index}]: it should "
            "return a non-empty list of problems.")
        assert any(f"tools[{index}]" in str(p) for p in problems), (
            f"For {what}, name the offending tool as 'tools[{index}]' in the problem text (as the API's own error "
            f"does: \"Missing required parameter: 'tools[0].name'.\"); got {problems!r:.300}")
    print(f"ok  to_responses_tools: {len(cases)} tool lists; validate_responses_tools: {len(bad_cases) + 1} lists")


@reports_unwritten
def check_conversion_live(to_responses_tools: Callable[[list], list]) -> None:
    """Exercise 1, hidden: send the converted tools to the file_search recording and read what was sent."""
    client = _client("hubspot_responses_file_search")
    body = request("hubspot_responses_file_search")
    body["tools"] = to_responses_tools([FILE_SEARCH, *CHAT_TOOLS])
    try:
        resp = client.responses.create(**body)
    except Exception as e:
        sent = (_session(client).log[-1].body if _session(client).log else {}) or {}
        problem = _first_problem_tool(sent.get("tools") or [])
        raise AssertionError("Sending your converted tools to the Responses API failed: "
                             + (problem or f"{type(e).__name__}: {str(e)[:600]}")) from None
    sent_tools = _session(client).requests()[0]["tools"]
    assert sent_tools[0] == FILE_SEARCH, "The file_search tool (with its vector_store_ids) must be sent unchanged."
    assert len(function_calls(resp)) == 1, "Unexpected replay answer."
    print("ok  the converted tools were accepted (file_search sent unchanged)")


def diagnosis_reference(trace: list[Any]) -> dict[str, Any]:
    """What exercise 2's ``diagnose`` should return for a trace (the checks compare against it)."""
    cpt = calls_per_turn(trace)
    with_calls = [n for n in cpt if n > 0]
    hosted: list[str] = []
    for r in trace:
        for t in tool_types(r):
            if t != "function" and t not in hosted:
                hosted.append(t)
        for it in item_types(r):
            if it in HOSTED_ITEM_TYPES and it not in hosted and not any(h.split("_")[0] in it for h in hosted):
                hosted.append(it)
    return {"calls_per_turn": cpt, "round_trips": len(cpt),
            "serialised": len(with_calls) >= 2 and max(with_calls) == 1, "hosted_tool": bool(hosted)}


def _replace_hosted_search(body: dict[str, Any]) -> dict[str, Any]:
    """The hosted web search replaced, in place, by the course's own ``web_search`` function tool."""
    tools = [toolbox.responses_tool("web_search") if str(t.get("type", "")).startswith("web_search") else t
             for t in body["tools"]]
    return {**body, "tools": tools}


def trace_of(scenario: str) -> list[Any]:
    """A scenario's trace: the responses its recording gives the reference loop (:func:`run_responses` on
    :func:`request`), in order, as SDK ``Response`` objects.  Read straight from the recording: replaying the
    loop through the SDK returns exactly these (tests/test_hosted_traces.py), at a cost of ~15 ms per request
    that every graded notebook would pay."""
    from openai.types.responses import Response

    from ..recording import load
    return [Response.model_validate(it.response.final_body) for it in load(scenario).interactions]


@reports_unwritten
def check_diagnose(diagnose: Callable[[list], dict], hidden: bool = False) -> None:
    """Exercise 2: ``diagnose(trace)`` -> calls_per_turn, round_trips, serialised, hosted_tool."""
    # One trace per shape: serialised [1, 1, 0], parallel [2, 0], a single call [1, 0] (not serialised: nothing
    # could have come together), and a mix [3, 1, 0] / [2, 1, 1, 0] (not serialised: one turn did ask for several).
    # hubspot_own_search: [3, 1, 0] with a *function* named web_search (not hosted, not serialised).
    scenarios = ["hubspot_responses_web_search", "hubspot_responses_no_hosted", "hubspot_tasks_only",
                 "hubspot_own_search"]
    if hidden:
        scenarios = ["hubspot_responses_file_search", "hubspot_keep_hosted", "hubspot_own_search_hidden",
                     "hubspot_notes_only_hidden", "rec_responses_turns"]
    hints = {
        "calls_per_turn": ("count only the items whose type is 'function_call' in each response's output (not "
                           "output[0], not every item: web_search_call and message items are not your calls)"),
        "round_trips": "one round trip per response in the trace",
        "serialised": ("serialised means: more than one turn asked for function calls, and no turn asked for more "
                       "than one"),
        "hosted_tool": ("look at the tools each response echoes (response.tools): any tool whose type is not "
                        "'function' is hosted. A *function* named web_search is yours, not hosted"),
    }
    for sc in scenarios:
        trace = trace_of(sc)
        for as_dicts in (False, True):
            given = [r.model_dump() for r in trace] if as_dicts else trace
            got = diagnose(given)
            want = diagnosis_reference(trace)
            assert isinstance(got, dict), f"diagnose should return a dict, got {type(got).__name__}"
            kind = "plain dicts (response.model_dump())" if as_dicts else "SDK Response objects"
            for key, value in want.items():
                assert key in got, f"diagnose's result has no '{key}' key (wanted keys: {list(want)})"
                assert got[key] == value, (
                    f"For the trace of '{sc}' (item types per turn: {[item_types(r) for r in trace]}; given as {kind}), "
                    f"{key} should be {value!r}, got {got[key]!r}: {hints[key]}.")
    print(f"ok  diagnose: {len(scenarios)} traces, as SDK objects and as dicts")


def _kinds(client: Any) -> list[str]:
    return [e.kind for e in _session(client).log]


def _explain_replay(client: Any) -> str | None:
    """Teaching text for api_error / mismatch entries in the log, if any."""
    s = _session(client)
    for e in s.log:
        if e.kind == "api_error":
            msg = e.message
            if "No tool call found for function call output with call_id ws_" in msg or "call_id None" in msg:
                return ("Your loop sent a function_call_output for a web_search_call item. Hosted tools run on "
                        f"OpenAI's side: there is nothing to answer. The API said: {msg}")
            if "No tool output found" in msg:
                return ("Your loop left a function call unanswered. Answer every item of type 'function_call' in "
                        "response.output (iterate the whole list; output[0] may be a web_search_call or just the "
                        f"first of several calls). The API said: {msg}")
            return f"The API refused one of your requests: {msg}"
        if e.kind in ("mismatch", "exhausted"):
            return e.message
    return None


def _call(fn: Callable[..., Any], *args: Any) -> tuple[Any, BaseException | None]:
    try:
        return fn(*args), None
    except NotImplementedError:  # the unanswered stub: let it show as such
        raise
    except Exception as e:  # graded code may fail in any way; the log tells us what it did
        return None, e


@reports_unwritten
def check_own_search(run_with_own_search: Callable[[Any, dict], list], scenario: str = "hubspot_own_search") -> None:
    """Exercise 3: replace the hosted search by your own ``web_search`` function; the calls come back together."""
    client = _client(scenario)
    body = request(scenario)
    snapshot = copy.deepcopy(body)
    trace, err = _call(run_with_own_search, client, body)
    s = _session(client)
    assert s.log, f"run_with_own_search sent no request at all ({err!r:.300})."
    first = s.log[0].body or {}
    tools = first.get("tools") or []
    names = [t.get("name") for t in tools if isinstance(t, dict)]
    types = [t.get("type") for t in tools if isinstance(t, dict)]
    hosted_left = [t for t in types if t and t.startswith("web_search")]
    assert not hosted_left, (f"Your first request still carries the hosted tool {hosted_left}: while it is in the "
                             "list, the reported behaviour is one function call per turn. Replace it by your own "
                             "web_search function tool.")
    problem = _first_problem_tool(tools)
    assert problem is None, "In your first request, " + problem
    assert "web_search" in names, (
        "Your workaround removed the hosted web search without replacing it: the model can no longer search the web "
        "at all, so questions that need the web now get answers from memory. Put your own function tool "
        "course.tools.responses_tool('web_search') where the hosted tool was, and run it when the model calls it.")
    own = toolbox.responses_tool("web_search")
    mine = next(t for t in tools if isinstance(t, dict) and t.get("name") == "web_search")
    assert mine == own, (
        f"Your web_search tool is {json.dumps(mine)[:300]}; use course_tools.responses_tool('web_search') as it is "
        f"({json.dumps(own)[:300]}): the recording (and the tool you run) expect exactly that definition.")
    place = [t.get("type") for t in snapshot["tools"]].index("web_search_preview")
    want_tools = [own if i == place else t for i, t in enumerate(snapshot["tools"])]
    assert tools == want_tools, (
        f"Keep every other tool as it was and put web_search in the hosted tool's place (tools[{place}]). "
        f"Tools you sent: {names}; expected: {[t.get('name', t.get('type')) for t in want_tools]}.")
    assert body == snapshot, "run_with_own_search changed the request dict it was given: build a new one."
    text = _explain_replay(client)
    assert text is None, text
    assert err is None, f"run_with_own_search raised {type(err).__name__}: {str(err)[:500]}"
    assert s.finished, ("Your loop stopped before the model's final answer. Keep going until a response has no "
                        "function_call items.")
    assert isinstance(trace, list) and len(trace) == len(s.recording.interactions), (
        "Return the trace: the list of every response of the conversation, in order "
        f"(expected {len(s.recording.interactions)}, got {trace!r:.200}).")
    print(f"ok  {scenario}: {len(trace)} responses")


@reports_unwritten
def check_keep_hosted(run_keeping_hosted: Callable[[Any, dict], list], scenario: str = "hubspot_keep_hosted") -> None:
    """Exercise 4: keep the hosted search; handle web_search_call items beside function calls."""
    client = _client(scenario)
    body = request(scenario)
    snapshot = copy.deepcopy(body)
    trace, err = _call(run_keeping_hosted, client, body)
    s = _session(client)
    assert s.log, f"run_keeping_hosted sent no request at all ({err!r:.300})."
    tools = (s.log[0].body or {}).get("tools") or []
    assert {"type": "web_search_preview"} in tools, (
        "This exercise keeps the hosted web search: send request['tools'] as given.")
    text = _explain_replay(client)
    assert text is None, text
    if err is not None:
        raise AssertionError(f"run_keeping_hosted raised {type(err).__name__}: {err}. A response's output can start "
                             "with a web_search_call item, which has no name, arguments or call_id: iterate over "
                             "response.output and handle only the items whose type is 'function_call'.")
    if not s.finished:
        last = s.log[-1].response or {}
        raise AssertionError(
            f"Your loop stopped after {len([e for e in s.log if e.kind == 'played'])} request(s), but the last "
            f"response's output was {[o.get('type') for o in last.get('output', [])]}: it still held function "
            "call(s). Don't read only output[0] and don't stop at the first item that is not a function_call: "
            "a web_search_call item (a search OpenAI already ran) can come before your calls.")
    assert body == snapshot, "run_keeping_hosted changed the request dict it was given: build a new one."
    assert isinstance(trace, list) and len(trace) == len(s.recording.interactions), (
        "Return the trace: the list of every response of the conversation, in order "
        f"(expected {len(s.recording.interactions)}, got {trace!r:.200}).")
    print(f"ok  {scenario}: {len(trace)} responses")
