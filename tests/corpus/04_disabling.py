"""Graded-submission corpus for lesson 04 (disabling parallelism): correct styles (``fails == []``, full marks) and the
common mistakes, each failing its test cells with the teaching message named in ``says``.

Format and how it is graded: tests/corpus/README.md.
"""

LESSON = "04-disabling"

# --- Exercise 1: OpenAI requests with parallel_tool_calls=False ------------------------------------------

_OPENAI_KWARG = '''
def chat_one_call_per_turn(client, **request):
    return client.chat.completions.create(**request, parallel_tool_calls=False)


def responses_one_call_per_turn(client, **request):
    return client.responses.create(**request, parallel_tool_calls=False)
'''

_OPENAI_EXTRA_BODY = '''
def chat_one_call_per_turn(client, **request):
    # extra_body merges into the JSON the SDK sends: on the wire this is the same parameter
    return client.chat.completions.create(**request, extra_body={"parallel_tool_calls": False})


def responses_one_call_per_turn(client, **request):
    request = dict(request)
    request["parallel_tool_calls"] = False
    response = client.responses.create(**request)
    return response
'''

_OPENAI_PROMPT_ONLY = '''
def chat_one_call_per_turn(client, **request):
    rule = {"role": "system", "content": "Call one tool at a time. Never call tools in parallel."}
    return client.chat.completions.create(**{**request, "messages": [rule] + request["messages"]})


def responses_one_call_per_turn(client, **request):
    return client.responses.create(**request, instructions="Call one tool at a time, never in parallel.")
'''

_OPENAI_RESPONSES_FORGOTTEN = '''
def chat_one_call_per_turn(client, **request):
    return client.chat.completions.create(**request, parallel_tool_calls=False)


def responses_one_call_per_turn(client, **request):
    return client.responses.create(**request)
'''

_OPENAI_STRING_FALSE = '''
def chat_one_call_per_turn(client, **request):
    return client.chat.completions.create(**request, parallel_tool_calls="false")


def responses_one_call_per_turn(client, **request):
    return client.responses.create(**request, parallel_tool_calls="false")
'''

_OPENAI_NO_RETURN = '''
def chat_one_call_per_turn(client, **request):
    client.chat.completions.create(**request, parallel_tool_calls=False)


def responses_one_call_per_turn(client, **request):
    client.responses.create(**request, parallel_tool_calls=False)
'''

_OPENAI_MAX_TOOL_CALLS = '''
def chat_one_call_per_turn(client, **request):
    return client.chat.completions.create(**request, parallel_tool_calls=False)


def responses_one_call_per_turn(client, **request):
    # "at most one tool call": but max_tool_calls caps built-in (hosted) tool calls, it is not the switch
    return client.responses.create(**request, max_tool_calls=1)
'''

_OPENAI_PROMPT_IN_USER_MESSAGE = '''
def chat_one_call_per_turn(client, **request):
    messages = [dict(m) for m in request["messages"]]
    messages[0]["content"] += " Please call only one tool at a time."
    return client.chat.completions.create(**{**request, "messages": messages})


def responses_one_call_per_turn(client, **request):
    return client.responses.create(**request, parallel_tool_calls=False)
'''

# --- Exercise 2: Claude with disable_parallel_tool_use -----------------------------------------------------

_CLAUDE_POP_COPY = '''
def claude_one_call_per_turn(client, **request):
    choice = dict(request.pop("tool_choice", None) or {"type": "auto"})
    choice["disable_parallel_tool_use"] = True
    return client.messages.create(**request, tool_choice=choice)
'''

_CLAUDE_TYPED_PARAMS = '''
from anthropic.types import ToolChoiceAnyParam, ToolChoiceAutoParam

def claude_one_call_per_turn(client, **request):
    current = request.get("tool_choice") or {"type": "auto"}
    if current["type"] == "any":
        choice = ToolChoiceAnyParam(type="any", disable_parallel_tool_use=True)
    elif current["type"] == "auto":
        choice = ToolChoiceAutoParam(type="auto", disable_parallel_tool_use=True)
    else:
        choice = {**current, "disable_parallel_tool_use": True}
    request["tool_choice"] = choice
    return client.messages.create(**request)
'''

_CLAUDE_OPENAI_FLAG = '''
def claude_one_call_per_turn(client, **request):
    return client.messages.create(**request, parallel_tool_calls=False)
'''

_CLAUDE_ALWAYS_AUTO = '''
def claude_one_call_per_turn(client, **request):
    request["tool_choice"] = {"type": "auto", "disable_parallel_tool_use": True}
    return client.messages.create(**request)
'''

_CLAUDE_FLAG_ONLY_WITHOUT_CHOICE = '''
def claude_one_call_per_turn(client, **request):
    # adds the switch only when the request brings no tool_choice: {"type": "any"} goes out without it
    choice = request.get("tool_choice") or {"type": "auto", "disable_parallel_tool_use": True}
    return client.messages.create(**{**request, "tool_choice": choice})
'''

_CLAUDE_TOP_LEVEL = '''
def claude_one_call_per_turn(client, **request):
    return client.messages.create(**request, extra_body={"disable_parallel_tool_use": True})
'''

_CLAUDE_PROMPT_ONLY = '''
def claude_one_call_per_turn(client, **request):
    return client.messages.create(**request, system="Use exactly one tool per turn; never call tools in parallel.")
'''

# --- Exercise 3: the per-tool policy executor ---------------------------------------------------------------

_POLICY_TASKGROUP = '''
async def run_turn_with_policy(calls, clock):
    async def one(call):
        try:
            return await clock.acall(call["name"], call["arguments"])
        except Exception as exc:
            return {"error": str(exc)}

    reads = [c for c in calls if c["name"] in READ_ONLY]
    writes = [c for c in calls if c["name"] in MUTATING]
    async with asyncio.TaskGroup() as tg:
        tasks = {c["id"]: tg.create_task(one(c)) for c in reads}
    results = {cid: task.result() for cid, task in tasks.items()}
    for c in writes:
        results[c["id"]] = await one(c)
    return results
'''

_POLICY_TO_THREAD = '''
async def run_turn_with_policy(calls, clock):
    def blocking(call):
        try:
            return clock.call(call["name"], call["arguments"])
        except tools.ToolError as exc:
            return {"error": str(exc)}

    reads = [c for c in calls if c["name"] in READ_ONLY]
    outputs = await asyncio.gather(*(asyncio.to_thread(blocking, c) for c in reads))
    results = dict(zip([c["id"] for c in reads], outputs))
    for c in calls:
        if c["name"] in MUTATING:
            results[c["id"]] = await asyncio.to_thread(blocking, c)
    return results
'''

_POLICY_THREAD_POOL_SYNC = '''
from concurrent.futures import ThreadPoolExecutor

def run_turn_with_policy(calls, clock):
    def blocking(call):
        try:
            return call["id"], clock.call(call["name"], call["arguments"])
        except Exception as exc:
            return call["id"], {"error": f"{type(exc).__name__}: {exc}"}

    reads = [c for c in calls if c["name"] not in MUTATING]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = dict(pool.map(blocking, reads))
    for c in calls:
        if c["name"] in MUTATING:
            cid, value = blocking(c)
            results[cid] = value
    return results
'''

_POLICY_CREATE_TASKS = '''
async def run_turn_with_policy(calls, clock):
    results = {}

    async def one(call):
        try:
            results[call["id"]] = await clock.acall(call["name"], call["arguments"])
        except tools.ToolError as exc:
            results[call["id"]] = {"error": str(exc)}

    pending = [asyncio.create_task(one(c)) for c in calls if c["name"] in READ_ONLY]
    for task in pending:
        await task
    queue = [c for c in calls if c["name"] not in READ_ONLY]
    while queue:
        await one(queue.pop(0))
    return results
'''

_POLICY_SERIAL = '''
async def run_turn_with_policy(calls, clock):
    results = {}
    for call in calls:
        try:
            results[call["id"]] = await clock.acall(call["name"], call["arguments"])
        except tools.ToolError as exc:
            results[call["id"]] = {"error": str(exc)}
    return results
'''

_POLICY_GATHER_ALL = '''
async def run_turn_with_policy(calls, clock):
    async def one(call):
        try:
            return await clock.acall(call["name"], call["arguments"])
        except tools.ToolError as exc:
            return {"error": str(exc)}
    outputs = await asyncio.gather(*(one(c) for c in calls))
    return {c["id"]: out for c, out in zip(calls, outputs)}
'''

_POLICY_WRITES_TOGETHER = '''
async def run_turn_with_policy(calls, clock):
    async def one(call):
        try:
            return await clock.acall(call["name"], call["arguments"])
        except tools.ToolError as exc:
            return {"error": str(exc)}
    results = {}
    for group in ([c for c in calls if c["name"] in READ_ONLY], [c for c in calls if c["name"] in MUTATING]):
        outputs = await asyncio.gather(*(one(c) for c in group))
        results.update({c["id"]: out for c, out in zip(group, outputs)})
    return results
'''

_POLICY_SORTED_WRITES = '''
async def run_turn_with_policy(calls, clock):
    results = {}

    async def one(call):
        try:
            results[call["id"]] = await clock.acall(call["name"], call["arguments"])
        except tools.ToolError as exc:
            results[call["id"]] = {"error": str(exc)}

    await asyncio.gather(*(one(c) for c in calls if c["name"] in READ_ONLY))
    writes = sorted((c for c in calls if c["name"] in MUTATING), key=lambda c: json.dumps(c["arguments"]))
    for call in writes:
        await one(call)
    return results
'''

_POLICY_WRITES_FIRST = '''
async def run_turn_with_policy(calls, clock):
    results = {}

    async def one(call):
        try:
            results[call["id"]] = await clock.acall(call["name"], call["arguments"])
        except tools.ToolError as exc:
            results[call["id"]] = {"error": str(exc)}

    for call in calls:
        if call["name"] in MUTATING:
            await one(call)
    await asyncio.gather(*(one(c) for c in calls if c["name"] in READ_ONLY))
    return results
'''

_POLICY_NO_ERROR_RESULT = '''
async def run_turn_with_policy(calls, clock):
    reads = [c for c in calls if c["name"] in READ_ONLY]
    outputs = await asyncio.gather(*(clock.acall(c["name"], c["arguments"]) for c in reads))
    results = {c["id"]: out for c, out in zip(reads, outputs)}
    for c in calls:
        if c["name"] in MUTATING:
            results[c["id"]] = await clock.acall(c["name"], c["arguments"])
    return results
'''

# --- Exercise 4: the guessed-argument detector ---------------------------------------------------------------

_GUESS_STACK_DICTS = '''
def find_guessed_arguments(turns):
    known = set()
    flagged = []
    for turn in turns:
        for call in turn:
            for name in DEPENDENT_ARGUMENTS.get(call["name"], []):
                value = call["arguments"].get(name)
                if value is not None and value not in known:
                    flagged.append({"id": call["id"], "argument": name, "value": value})
        stack = [call["result"] for call in turn]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
            elif item is not None:
                known.add(item)
    return flagged
'''

_GUESS_GENERATOR = '''
def _leaves(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _leaves(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _leaves(v)
    else:
        yield obj


def find_guessed_arguments(turns):
    out = set()
    for i, turn in enumerate(turns):
        earlier = {v for t in turns[:i] for call in t for v in _leaves(call["result"])}
        out |= {(call["id"], arg, call["arguments"][arg]) for call in turn
                for arg in DEPENDENT_ARGUMENTS.get(call["name"], ()) if call["arguments"].get(arg) not in earlier}
    return out
'''

_GUESS_FLAG_EVERYTHING = '''
def find_guessed_arguments(turns):
    supplied = set()
    flags = []
    for turn in turns:
        for call in turn:
            for arg, value in call["arguments"].items():
                if value not in supplied:
                    flags.append((call["id"], arg, value))
        for call in turn:
            if isinstance(call["result"], dict):
                supplied |= {v for v in call["result"].values() if isinstance(v, str)}
    return flags
'''

_GUESS_SAME_TURN = '''
def find_guessed_arguments(turns):
    def values(obj):
        if isinstance(obj, dict):
            return {v for item in obj.values() for v in values(item)}
        if isinstance(obj, list):
            return {v for item in obj for v in values(item)}
        return {obj}

    supplied, guesses = set(), []
    for turn in turns:
        for call in turn:
            supplied |= values(call["result"])
        for call in turn:
            for arg in DEPENDENT_ARGUMENTS.get(call["name"], ()):
                if call["arguments"][arg] not in supplied:
                    guesses.append((call["id"], arg, call["arguments"][arg]))
    return guesses
'''

_GUESS_SUBSTRING = '''
def find_guessed_arguments(turns):
    seen_text = ""
    guesses = []
    for turn in turns:
        for call in turn:
            for arg in DEPENDENT_ARGUMENTS.get(call["name"], ()):
                if str(call["arguments"][arg]) not in seen_text:
                    guesses.append((call["id"], arg, call["arguments"][arg]))
        seen_text += json.dumps([call["result"] for call in turn])
    return guesses
'''

_GUESS_NOTHING = '''
def find_guessed_arguments(turns):
    # "the booking tool validates the slot, so nothing can be guessed"
    return []
'''

VARIANTS = {
    # ---- correct styles: every test cell scores full
    "openai_kwarg": {
        "why": "Passes parallel_tool_calls=False as a keyword next to **request.",
        "cells": {"answer_openai_serial": _OPENAI_KWARG}, "fails": []},
    "openai_extra_body_and_copy": {
        "why": "Chat through extra_body (the same JSON on the wire); Responses by copying the dict and setting the key.",
        "cells": {"answer_openai_serial": _OPENAI_EXTRA_BODY}, "fails": []},
    "claude_pop_copy": {
        "why": "Pops tool_choice, copies it (or starts from auto) and adds the switch.",
        "cells": {"answer_claude_serial": _CLAUDE_POP_COPY}, "fails": []},
    "claude_typed_params": {
        "why": "Builds the SDK's own TypedDicts (ToolChoiceAutoParam / ToolChoiceAnyParam) per type.",
        "cells": {"answer_claude_serial": _CLAUDE_TYPED_PARAMS}, "fails": []},
    "policy_taskgroup": {
        "why": "Reads in an asyncio.TaskGroup, writes awaited one by one; split into two lists first.",
        "cells": {"answer_policy": _POLICY_TASKGROUP}, "fails": []},
    "policy_to_thread": {
        "why": "Blocking clock.call in asyncio.to_thread: reads gathered, writes one thread at a time.",
        "cells": {"answer_policy": _POLICY_TO_THREAD}, "fails": []},
    "policy_thread_pool_sync": {
        "why": "A plain def with a ThreadPoolExecutor for the reads (no asyncio at all).",
        "cells": {"answer_policy": _POLICY_THREAD_POOL_SYNC}, "fails": []},
    "policy_create_tasks": {
        "why": "create_task for every read (awaited in order after all started), then a queue of writes.",
        "cells": {"answer_policy": _POLICY_CREATE_TASKS}, "fails": []},
    "guess_stack_dicts": {
        "why": "Iterative walk with a stack; returns dicts {id, argument, value} instead of tuples.",
        "cells": {"answer_guesses": _GUESS_STACK_DICTS}, "fails": []},
    "guess_generator_set": {
        "why": "A recursive generator of leaves, recomputed per turn from turns[:i]; returns a set.",
        "cells": {"answer_guesses": _GUESS_GENERATOR}, "fails": []},

    # ---- mistakes: the named cells score 0 with a teaching message
    "mistake_openai_prompt_only": {
        "why": "Asks for one call at a time in the prompt and sends no parameter.",
        "cells": {"answer_openai_serial": _OPENAI_PROMPT_ONLY}, "fails": ["test_openai_serial"],
        "says": {"test_openai_serial": "sends no parallel_tool_calls parameter"}},
    "mistake_openai_responses_forgotten": {
        "why": "Disables parallelism on Chat Completions only; the Responses request keeps the default.",
        "cells": {"answer_openai_serial": _OPENAI_RESPONSES_FORGOTTEN}, "fails": ["test_openai_serial"],
        "says": {"test_openai_serial": "sent no parallel_tool_calls parameter"}},
    "mistake_openai_string_false": {
        "why": "Sends the string 'false' instead of the boolean.",
        "cells": {"answer_openai_serial": _OPENAI_STRING_FALSE}, "fails": ["test_openai_serial"],
        "says": {"test_openai_serial": "send the boolean False"}},
    "mistake_openai_no_return": {
        "why": "Sends the request but forgets to return the response.",
        "cells": {"answer_openai_serial": _OPENAI_NO_RETURN}, "fails": ["test_openai_serial"],
        "says": {"test_openai_serial": "returned None"}},
    "mistake_openai_max_tool_calls": {
        "why": "Takes the Responses API's max_tool_calls=1 for the switch (it caps built-in tool calls).",
        "cells": {"answer_openai_serial": _OPENAI_MAX_TOOL_CALLS}, "fails": ["test_openai_serial"],
        "says": {"test_openai_serial": "max_tool_calls is a different setting"}},
    "mistake_openai_prompt_in_user_message": {
        "why": "Appends 'one tool at a time' to the user's message on Chat; the message quotes only that sentence.",
        "cells": {"answer_openai_serial": _OPENAI_PROMPT_IN_USER_MESSAGE}, "fails": ["test_openai_serial"],
        "says": {"test_openai_serial": "adds an instruction to the prompt (user: 'Please call only one tool"}},
    "mistake_claude_openai_flag": {
        "why": "Uses OpenAI's parallel_tool_calls with the Anthropic SDK.",
        "cells": {"answer_claude_serial": _CLAUDE_OPENAI_FLAG}, "fails": ["test_claude_serial"],
        "says": {"test_claude_serial": "parallel_tool_calls is OpenAI's parameter"}},
    "mistake_claude_always_auto": {
        "why": "Overwrites tool_choice with type auto, dropping the request's type 'any'.",
        "cells": {"answer_claude_serial": _CLAUDE_ALWAYS_AUTO}, "fails": ["test_claude_serial"],
        "says": {"test_claude_serial": "changed tool_choice's type from 'any' to 'auto'"}},
    "mistake_claude_any_kept_without_switch": {
        "why": "Adds the switch only when there is no tool_choice: {'type': 'any'} goes out without it; "
               "the advice keeps type 'any', so following it passes the next check.",
        "cells": {"answer_claude_serial": _CLAUDE_FLAG_ONLY_WITHOUT_CHOICE}, "fails": ["test_claude_serial"],
        "says": {"test_claude_serial": "add the switch: tool_choice={'type': 'any', 'disable_parallel_tool_use': True}"}},
    "mistake_claude_top_level": {
        "why": "Sends disable_parallel_tool_use as a top-level field (extra_body) instead of inside tool_choice.",
        "cells": {"answer_claude_serial": _CLAUDE_TOP_LEVEL}, "fails": ["test_claude_serial"],
        "says": {"test_claude_serial": "top-level field"}},
    "mistake_claude_prompt_only": {
        "why": "A system prompt rule instead of the tool_choice switch.",
        "cells": {"answer_claude_serial": _CLAUDE_PROMPT_ONLY}, "fails": ["test_claude_serial"],
        "says": {"test_claude_serial": "adds an instruction to the prompt"}},
    "mistake_policy_serial": {
        "why": "Serialises everything: safe, but the reads lose their overlap.",
        "cells": {"answer_policy": _POLICY_SERIAL}, "fails": ["test_policy"],
        "says": {"test_policy": "one after another (peak concurrency 1"}},
    "mistake_policy_gather_all": {
        "why": "Gathers every call: the booking runs beside the lookups.",
        "cells": {"answer_policy": _POLICY_GATHER_ALL}, "fails": ["test_policy"],
        "says": {"test_policy": "A mutating call must run alone"}},
    "mistake_policy_writes_together": {
        "why": "Reads first, then all writes gathered together: two bookings run at once.",
        "cells": {"answer_policy": _POLICY_WRITES_TOGETHER}, "fails": ["test_policy"],
        "says": {"test_policy": "A mutating call must run alone"}},
    "mistake_policy_sorted_writes": {
        "why": "Runs the writes sorted by their arguments instead of in the model's order.",
        "cells": {"answer_policy": _POLICY_SORTED_WRITES}, "fails": ["test_policy"],
        "says": {"test_policy": "in the order the model asked for them"}},
    "mistake_policy_writes_first": {
        "why": "Runs the writes (in order, alone) before the reads.",
        "cells": {"answer_policy": _POLICY_WRITES_FIRST}, "fails": ["test_policy"],
        "says": {"test_policy": "before the reads finished"}},
    "mistake_policy_no_error_result": {
        "why": "Lets a ToolError escape instead of returning an error result.",
        "cells": {"answer_policy": _POLICY_NO_ERROR_RESULT}, "fails": ["test_policy"],
        "says": {"test_policy": "a ToolError escaped your executor"}},
    "mistake_guess_flag_everything": {
        "why": "Checks every argument of every call, not just the dependent ones.",
        "cells": {"answer_guesses": _GUESS_FLAG_EVERYTHING}, "fails": ["test_guesses"],
        "says": {"test_guesses": "Only the arguments listed in DEPENDENT_ARGUMENTS"}},
    "mistake_guess_same_turn": {
        "why": "Counts results of the same turn as supplied: misses the lucky guess.",
        "cells": {"answer_guesses": _GUESS_SAME_TURN}, "fails": ["test_guesses"],
        "says": {"test_guesses": "Only results of EARLIER turns count"}},
    "mistake_guess_substring": {
        "why": "Searches the JSON text of earlier results: the guess quoted in an error message hides it.",
        "cells": {"answer_guesses": _GUESS_SUBSTRING}, "fails": ["test_guesses"],
        "says": {"test_guesses": "Compare whole values"}},
    "mistake_guess_nothing": {
        "why": "Never flags anything: misses the blog's guessed slot.",
        "cells": {"answer_guesses": _GUESS_NOTHING}, "fails": ["test_guesses"],
        "says": {"test_guesses": "missed book_appointment's"}},
}
