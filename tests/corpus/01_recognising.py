"""Graded-submission corpus for lesson 01 (recognising parallel tool calls): correct styles (``fails == []``, full marks) and the
common mistakes, each failing its test cells with the teaching message named in ``says``.

Format and how it is graded: tests/corpus/README.md.
"""

LESSON = "01-recognising"

# --- Exercise 1: extract_calls --------------------------------------------------------------------------

_EXTRACT_DICTS_MATCH = '''
def extract_calls(response):
    data = response.model_dump()
    match data:
        case {"object": "chat.completion", "choices": [{"message": message}, *_]}:
            return [{"id": tc["id"], "name": tc["function"]["name"],
                     "arguments": json.loads(tc["function"]["arguments"])}
                    for tc in message.get("tool_calls") or []]
        case {"object": "response", "output": output}:
            return [{"id": it["call_id"], "name": it["name"], "arguments": json.loads(it["arguments"])}
                    for it in output if it["type"] == "function_call"]
        case {"type": "message", "content": content}:
            return [{"id": b["id"], "name": b["name"], "arguments": b["input"]}
                    for b in content if b["type"] == "tool_use"]
    raise TypeError(f"not a response I know: {type(response)}")
'''

_EXTRACT_ISINSTANCE_OBJECTS = '''
from dataclasses import dataclass
from openai.types.chat import ChatCompletion
from openai.types.responses import Response
from anthropic.types import Message

@dataclass
class Call:
    id: str
    name: str
    arguments: dict

def extract_calls(response):
    calls = []
    if isinstance(response, ChatCompletion):
        tool_calls = response.choices[0].message.tool_calls
        if tool_calls is None:
            return calls
        for tc in tool_calls:
            calls.append(Call(tc.id, tc.function.name, json.loads(tc.function.arguments)))
    elif isinstance(response, Response):
        for item in response.output:
            if item.type == "function_call":
                calls.append(Call(item.call_id, item.name, json.loads(item.arguments)))
    elif isinstance(response, Message):
        for block in response.content:
            if block.type == "tool_use":
                calls.append(Call(block.id, block.name, dict(block.input)))
    return calls
'''

_EXTRACT_HASATTR_TUPLES = '''
from collections import namedtuple
Call = namedtuple("Call", "id name arguments")

def extract_calls(response):
    if hasattr(response, "choices"):
        msg = response.choices[0].message
        return [Call(t.id, t.function.name, json.loads(t.function.arguments)) for t in (msg.tool_calls or ())]
    if hasattr(response, "output"):
        return [Call(o.call_id, o.name, json.loads(o.arguments)) for o in response.output if o.type == "function_call"]
    return [Call(b.id, b.name, b.input) for b in response.content if b.type == "tool_use"]
'''

# mistakes: each replaces one branch of the reference solution

def _extract(chat: str, responses: str, claude: str) -> str:
    return f'''
def extract_calls(response):
    kind = getattr(response, "object", None)
    if kind == "chat.completion":
{chat}
    if kind == "response":
{responses}
{claude}
'''

_CHAT_OK = '''        return [{"id": tc.id, "name": tc.function.name, "arguments": json.loads(tc.function.arguments)}
                for tc in response.choices[0].message.tool_calls or []]'''
_RESP_OK = '''        return [{"id": item.call_id, "name": item.name, "arguments": json.loads(item.arguments)}
                for item in response.output if item.type == "function_call"]'''
_CLAUDE_OK = '''    return [{"id": b.id, "name": b.name, "arguments": b.input} for b in response.content if b.type == "tool_use"]'''

_CHAT_FIRST_ONLY = '''        tool_calls = response.choices[0].message.tool_calls
        if not tool_calls:
            return []
        tc = tool_calls[0]
        return [{"id": tc.id, "name": tc.function.name, "arguments": json.loads(tc.function.arguments)}]'''
_CHAT_NONE_CRASH = '''        return [{"id": tc.id, "name": tc.function.name, "arguments": json.loads(tc.function.arguments)}
                for tc in response.choices[0].message.tool_calls]'''
_CHAT_NO_LOADS = '''        return [{"id": tc.id, "name": tc.function.name, "arguments": tc.function.arguments}
                for tc in response.choices[0].message.tool_calls or []]'''
_RESP_OUTPUT0 = '''        item = response.output[0]
        return [{"id": item.call_id, "name": item.name, "arguments": json.loads(item.arguments)}]'''
_RESP_NO_LOADS = '''        return [{"id": item.call_id, "name": item.name, "arguments": item.arguments}
                for item in response.output if item.type == "function_call"]'''
_RESP_ITEM_ID = '''        return [{"id": item.id, "name": item.name, "arguments": json.loads(item.arguments)}
                for item in response.output if item.type == "function_call"]'''
_CLAUDE_FIRST_BLOCK = '''    if response.stop_reason != "tool_use":
        return []
    calls = []
    for block in response.content[:1]:
        calls.append({"id": block.id, "name": block.name, "arguments": block.input})
    return calls'''
_CLAUDE_LOADS = '''    return [{"id": b.id, "name": b.name, "arguments": json.loads(b.input)}
            for b in response.content if b.type == "tool_use"]'''
_RESP_FILTER_WRONG = '''        return [{"id": item.call_id, "name": item.name, "arguments": json.loads(item.arguments)}
                for item in response.output[1:]]'''

# --- Exercise 2: assemble_chat_stream ---------------------------------------------------------------------

_CHAT_STREAM_DEFAULTDICT = '''
from collections import defaultdict

def assemble_chat_stream(chunks):
    ids, names, parts = {}, {}, defaultdict(list)
    for chunk in chunks:
        for choice in chunk.choices:           # [] on the usage chunk: the loop simply does nothing
            for d in choice.delta.tool_calls or []:
                if d.id:
                    ids[d.index] = d.id
                if d.function is not None:
                    if d.function.name:
                        names[d.index] = d.function.name
                    parts[d.index].append(d.function.arguments or "")
    return [{"id": ids[i], "name": names[i], "arguments": json.loads("".join(parts[i]) or "{}")} for i in ids]
'''

_CHAT_STREAM_SDK_STATE = '''
from openai.lib.streaming.chat import ChatCompletionStreamState

def assemble_chat_stream(chunks):
    state = ChatCompletionStreamState()
    for chunk in chunks:
        state.handle_chunk(chunk)
    message = state.get_final_completion().choices[0].message
    return [{"id": tc.id, "name": tc.function.name, "arguments": json.loads(tc.function.arguments)}
            for tc in message.tool_calls or []]
'''

_CHAT_STREAM_DICTS = '''
def assemble_chat_stream(chunks):
    calls = []
    for chunk in chunks:
        data = chunk.model_dump()
        if not data["choices"]:
            continue
        for d in data["choices"][0]["delta"].get("tool_calls") or []:
            while len(calls) <= d["index"]:
                calls.append({"id": None, "name": None, "arguments": ""})
            call = calls[d["index"]]
            call["id"] = call["id"] or d.get("id")
            fn = d.get("function") or {}
            call["name"] = call["name"] or fn.get("name")
            call["arguments"] += fn.get("arguments") or ""
    for call in calls:
        call["arguments"] = json.loads(call["arguments"])
    return calls
'''

_CHAT_STREAM_CONCAT = '''
def assemble_chat_stream(chunks):
    ids, names, arguments = [], [], ""
    for chunk in chunks:
        if not chunk.choices:
            continue
        for d in chunk.choices[0].delta.tool_calls or []:
            if d.id:
                ids.append(d.id)
                names.append(d.function.name)
            arguments += d.function.arguments or ""
    if not ids:
        return []
    args = json.loads(arguments)
    return [{"id": i, "name": n, "arguments": args} for i, n in zip(ids, names)]
'''

_CHAT_STREAM_CURRENT = '''
def assemble_chat_stream(chunks):
    calls = []
    for chunk in chunks:
        if not chunk.choices:
            continue
        for d in chunk.choices[0].delta.tool_calls or []:
            if d.id:                               # a new call starts: append to the newest one from now on
                calls.append({"id": d.id, "name": d.function.name, "arguments": ""})
            calls[-1]["arguments"] += d.function.arguments or ""
    return [{**c, "arguments": json.loads(c["arguments"])} for c in calls]
'''

_CHAT_STREAM_USAGE_CRASH = '''
def assemble_chat_stream(chunks):
    calls = {}
    for chunk in chunks:
        for d in chunk.choices[0].delta.tool_calls or []:
            call = calls.setdefault(d.index, {"id": d.id, "name": d.function.name, "arguments": ""})
            call["arguments"] += d.function.arguments or ""
    return [{**c, "arguments": json.loads(c["arguments"])} for _, c in sorted(calls.items())]
'''

_CHAT_STREAM_NO_LOADS = '''
def assemble_chat_stream(chunks):
    calls = {}
    for chunk in chunks:
        if not chunk.choices:
            continue
        for d in chunk.choices[0].delta.tool_calls or []:
            call = calls.setdefault(d.index, {"id": d.id, "name": d.function.name, "arguments": ""})
            call["arguments"] += d.function.arguments or ""
    return [c for _, c in sorted(calls.items())]
'''

# --- Exercise 3: assemble_claude_stream -------------------------------------------------------------------

_CLAUDE_STREAM_GENERATOR = '''
def assemble_claude_stream(events):
    started, buffers = {}, {}
    for event in events:
        match event.type:
            case "content_block_start" if event.content_block.type == "tool_use":
                started[event.index] = event.content_block
                buffers[event.index] = []
            case "content_block_delta" if event.index in buffers:
                buffers[event.index].append(event.delta.partial_json)
    for index in sorted(started):
        block = started[index]
        yield {"id": block.id, "name": block.name, "arguments": json.loads("".join(buffers[index]) or "{}")}
'''

_CLAUDE_STREAM_ON_STOP = '''
def assemble_claude_stream(events):
    open_blocks, done = {}, []
    for ev in events:
        if ev.type == "content_block_start" and ev.content_block.type == "tool_use":
            open_blocks[ev.index] = {"id": ev.content_block.id, "name": ev.content_block.name, "json": ""}
        elif ev.type == "content_block_delta" and ev.delta.type == "input_json_delta":
            open_blocks[ev.index]["json"] += ev.delta.partial_json
        elif ev.type == "content_block_stop" and ev.index in open_blocks:
            b = open_blocks.pop(ev.index)
            done.append({"id": b["id"], "name": b["name"], "arguments": json.loads(b["json"] or "{}")})
    return done
'''

_CLAUDE_STREAM_CONCAT = '''
def assemble_claude_stream(events):
    starts, partial = [], ""
    for ev in events:
        if ev.type == "content_block_start" and ev.content_block.type == "tool_use":
            starts.append(ev.content_block)
        elif ev.type == "content_block_delta" and ev.delta.type == "input_json_delta":
            partial += ev.delta.partial_json
    if not starts:
        return []
    args = json.loads(partial)
    return [{"id": b.id, "name": b.name, "arguments": args} for b in starts]
'''

_CLAUDE_STREAM_CURRENT = '''
def assemble_claude_stream(events):
    calls = []
    for ev in events:
        if ev.type == "content_block_start" and ev.content_block.type == "tool_use":
            calls.append({"id": ev.content_block.id, "name": ev.content_block.name, "json": ""})
        elif ev.type == "content_block_delta" and ev.delta.type == "input_json_delta":
            calls[-1]["json"] += ev.delta.partial_json    # the newest block, whatever ev.index says
    return [{"id": c["id"], "name": c["name"], "arguments": json.loads(c["json"])} for c in calls]
'''

_CLAUDE_STREAM_FIRST_ONLY = '''
def assemble_claude_stream(events):
    call, buf = None, ""
    for ev in events:
        if ev.type == "content_block_start" and ev.content_block.type == "tool_use" and call is None:
            call, index = ev.content_block, ev.index
        elif ev.type == "content_block_delta" and call is not None and ev.index == index:
            buf += ev.delta.partial_json
    return [] if call is None else [{"id": call.id, "name": call.name, "arguments": json.loads(buf)}]
'''

_CLAUDE_STREAM_INDEX0 = '''
def assemble_claude_stream(events):
    calls = {}
    for ev in events:
        if ev.type == "content_block_start":
            calls[ev.index] = {"id": getattr(ev.content_block, "id", None),
                               "name": getattr(ev.content_block, "name", None), "json": ""}
        elif ev.type == "content_block_delta" and ev.delta.type == "input_json_delta":
            calls[ev.index]["json"] += ev.delta.partial_json
    return [{"id": c["id"], "name": c["name"], "arguments": json.loads(c["json"] or "{}")} for c in calls.values()]
'''

# --- Exercise 4: calls_per_turn ---------------------------------------------------------------------------

_COUNT_REUSE_EXTRACT = '''
from openai.types.chat import ChatCompletion
from openai.types.responses import Response
from anthropic.types import Message

def calls_per_turn(trace):
    def parse(body):
        if "choices" in body:
            return ChatCompletion.model_validate(body)
        if body.get("object") == "response":
            return Response.model_validate(body)
        return Message.model_validate(body)
    return [len(extract_calls(parse(body))) for body in trace]
'''

_COUNT_MATCH = '''
def calls_per_turn(trace):
    def count(body):
        match body:
            case {"choices": [{"message": msg}, *_]}:
                return len(msg.get("tool_calls") or [])
            case {"output": items}:
                return len([i for i in items if i.get("type") == "function_call"])
            case {"content": blocks}:
                return len([b for b in blocks if b.get("type") == "tool_use"])
        return 0
    return list(map(count, trace))
'''

_COUNT_ALL_ITEMS = '''
def calls_per_turn(trace):
    counts = []
    for body in trace:
        if "choices" in body:
            counts.append(len(body["choices"][0]["message"].get("tool_calls") or []))
        elif "output" in body:
            counts.append(len(body["output"]))
        else:
            counts.append(len(body["content"]))
    return counts
'''

_COUNT_KEYERROR = '''
def calls_per_turn(trace):
    counts = []
    for body in trace:
        if "choices" in body:
            counts.append(len(body["choices"][0]["message"]["tool_calls"]))
        elif "output" in body:
            counts.append(sum(1 for item in body["output"] if item["type"] == "function_call"))
        else:
            counts.append(sum(1 for block in body["content"] if block["type"] == "tool_use"))
    return counts
'''

_COUNT_TURNS_NOT_CALLS = '''
def calls_per_turn(trace):
    counts = []
    for body in trace:
        if "choices" in body:
            counts.append(1 if body["choices"][0]["finish_reason"] == "tool_calls" else 0)
        elif "output" in body:
            counts.append(1 if any(i["type"] == "function_call" for i in body["output"]) else 0)
        else:
            counts.append(1 if body.get("stop_reason") == "tool_use" else 0)
    return counts
'''

_COUNT_SKIP_TEXT_TURNS = '''
def calls_per_turn(trace):
    counts = []
    for body in trace:
        if "choices" in body:
            n = len(body["choices"][0]["message"].get("tool_calls") or [])
        elif "output" in body:
            n = sum(1 for item in body["output"] if item["type"] == "function_call")
        else:
            n = sum(1 for block in body["content"] if block["type"] == "tool_use")
        if n:
            counts.append(n)
    return counts
'''

_EXTRACT_PLAIN_OBJECT = '''
def extract_calls(response):
    if response.object == "chat.completion":
        return [{"id": tc.id, "name": tc.function.name, "arguments": json.loads(tc.function.arguments)}
                for tc in response.choices[0].message.tool_calls or []]
    if response.object == "response":
        return [{"id": item.call_id, "name": item.name, "arguments": json.loads(item.arguments)}
                for item in response.output if item.type == "function_call"]
    return [{"id": block.id, "name": block.name, "arguments": block.input}
            for block in response.content if block.type == "tool_use"]
'''

_COUNT_NULL_CRASH = '''
def calls_per_turn(trace):
    counts = []
    for body in trace:
        if "choices" in body:
            counts.append(len(body["choices"][0]["message"].get("tool_calls", [])))
        elif "output" in body:
            counts.append(sum(1 for item in body["output"] if item["type"] == "function_call"))
        else:
            counts.append(sum(1 for block in body["content"] if block["type"] == "tool_use"))
    return counts
'''

VARIANTS = {
    # ---- correct styles: every test cell scores full
    "extract_dicts_match": {
        "why": "Works on response.model_dump() dicts with a match statement (the prompt allows dicts).",
        "cells": {"extract_calls": _EXTRACT_DICTS_MATCH}, "fails": []},
    "extract_isinstance_dataclass": {
        "why": "isinstance dispatch, explicit loops, returns dataclass objects instead of dicts.",
        "cells": {"extract_calls": _EXTRACT_ISINSTANCE_OBJECTS}, "fails": []},
    "extract_hasattr_namedtuple": {
        "why": "Duck-typed dispatch (hasattr) and namedtuples.",
        "cells": {"extract_calls": _EXTRACT_HASATTR_TUPLES}, "fails": []},
    "chat_stream_defaultdict": {
        "why": "Fragments kept as lists per index (joined at the end); loops over choices instead of [0].",
        "cells": {"assemble_chat_stream": _CHAT_STREAM_DEFAULTDICT}, "fails": []},
    "chat_stream_sdk_state": {
        "why": "Lets the SDK's own accumulator (ChatCompletionStreamState) fold the raw chunks.",
        "cells": {"assemble_chat_stream": _CHAT_STREAM_SDK_STATE}, "fails": []},
    "chat_stream_dicts": {
        "why": "Works on chunk.model_dump() dicts, a list indexed by index.",
        "cells": {"assemble_chat_stream": _CHAT_STREAM_DICTS}, "fails": []},
    "claude_stream_generator_match": {
        "why": "A generator (yield) with a match statement on event.type.",
        "cells": {"assemble_claude_stream": _CLAUDE_STREAM_GENERATOR}, "fails": []},
    "claude_stream_parse_on_stop": {
        "why": "Parses each block's JSON at its content_block_stop (order of completion).",
        "cells": {"assemble_claude_stream": _CLAUDE_STREAM_ON_STOP}, "fails": []},
    "count_reuse_extract": {
        "why": "Validates each body back into the SDK type and reuses extract_calls.",
        "cells": {"calls_per_turn": _COUNT_REUSE_EXTRACT}, "fails": []},
    "count_match": {
        "why": "match statement on the dicts, map over the trace.",
        "cells": {"calls_per_turn": _COUNT_MATCH}, "fails": []},

    # ---- common mistakes: the named test cells score 0 with a teaching message
    "mistake_chat_tool_calls_0": {
        "why": "Takes only tool_calls[0]: drops two of the tutorial's three calls.",
        "cells": {"extract_calls": _extract(_CHAT_FIRST_ONLY, _RESP_OK, _CLAUDE_OK)},
        "fails": ["test_extract_calls"], "says": {"test_extract_calls": "tool_calls[0]"}},
    "mistake_chat_tool_calls_none": {
        "why": "Iterates message.tool_calls without `or []`: crashes on a text-only turn (tool_calls is None).",
        "cells": {"extract_calls": _extract(_CHAT_NONE_CRASH, _RESP_OK, _CLAUDE_OK)},
        "fails": ["test_extract_calls"], "says": {"test_extract_calls": "tool_calls is None"}},
    "mistake_plain_response_object": {
        "why": "Reads response.object on every response: an Anthropic Message has no such attribute.",
        "cells": {"extract_calls": _EXTRACT_PLAIN_OBJECT},
        "fails": ["test_extract_calls"], "says": {"test_extract_calls": "getattr(response, 'object', None)"}},
    "mistake_chat_arguments_string": {
        "why": "Returns Chat's function.arguments without json.loads.",
        "cells": {"extract_calls": _extract(_CHAT_NO_LOADS, _RESP_OK, _CLAUDE_OK)},
        "fails": ["test_extract_calls"], "says": {"test_extract_calls": "json.loads"}},
    "mistake_responses_output_0": {
        "why": "Takes output[0]: a message item, not a function_call (the forum thread's advice).",
        "cells": {"extract_calls": _extract(_CHAT_OK, _RESP_OUTPUT0, _CLAUDE_OK)},
        "fails": ["test_extract_calls"], "says": {"test_extract_calls": "Not every item is a tool call"}},
    "mistake_responses_skip_first": {
        "why": "Assumes exactly one non-call item first (output[1:]): wrong on a text-only or call-first turn.",
        "cells": {"extract_calls": _extract(_CHAT_OK, _RESP_FILTER_WRONG, _CLAUDE_OK)},
        "fails": ["test_extract_calls"], "says": {"test_extract_calls": "Responses"}},
    "mistake_responses_arguments_string": {
        "why": "Returns Responses' arguments without json.loads.",
        "cells": {"extract_calls": _extract(_CHAT_OK, _RESP_NO_LOADS, _CLAUDE_OK)},
        "fails": ["test_extract_calls"], "says": {"test_extract_calls": "json.loads"}},
    "mistake_responses_item_id": {
        "why": "Keeps the item id (fc_...) instead of call_id.",
        "cells": {"extract_calls": _extract(_CHAT_OK, _RESP_ITEM_ID, _CLAUDE_OK)},
        "fails": ["test_extract_calls"], "says": {"test_extract_calls": "call_id"}},
    "mistake_claude_tool_use_first": {
        "why": "Assumes the tool_use is the first content block: it is a text block.",
        "cells": {"extract_calls": _extract(_CHAT_OK, _RESP_OK, _CLAUDE_FIRST_BLOCK)},
        "fails": ["test_extract_calls"], "says": {"test_extract_calls": "Anthropic content holds text blocks"}},
    "mistake_claude_json_loads_input": {
        "why": "json.loads on Anthropic's input, which is already a dict.",
        "cells": {"extract_calls": _extract(_CHAT_OK, _RESP_OK, _CLAUDE_LOADS)},
        "fails": ["test_extract_calls"], "says": {"test_extract_calls": "already a dict"}},
    "mistake_chat_stream_concatenate": {
        "why": "One buffer for every call's fragments: the glued text is not JSON.",
        "cells": {"assemble_chat_stream": _CHAT_STREAM_CONCAT},
        "fails": ["test_assemble_chat_stream"], "says": {"test_assemble_chat_stream": "one buffer per index"}},
    "mistake_chat_stream_current_call": {
        "why": "Appends fragments to the newest call instead of keying by index: passes the sequential stream, "
               "fails the interleaved ones (the self-check's and the grader's).",
        "cells": {"assemble_chat_stream": _CHAT_STREAM_CURRENT},
        "fails": ["test_assemble_chat_stream"], "says": {"test_assemble_chat_stream": "interleaved"}},
    "mistake_chat_stream_usage_chunk": {
        "why": "chunk.choices[0] on the include_usage chunk, whose choices is [].",
        "cells": {"assemble_chat_stream": _CHAT_STREAM_USAGE_CRASH},
        "fails": ["test_assemble_chat_stream"], "says": {"test_assemble_chat_stream": "include_usage"}},
    "mistake_chat_stream_arguments_string": {
        "why": "Assembles the fragments but never parses them.",
        "cells": {"assemble_chat_stream": _CHAT_STREAM_NO_LOADS},
        "fails": ["test_assemble_chat_stream"], "says": {"test_assemble_chat_stream": "json.loads"}},
    "mistake_claude_stream_concatenate": {
        "why": "One partial_json buffer for all blocks.",
        "cells": {"assemble_claude_stream": _CLAUDE_STREAM_CONCAT},
        "fails": ["test_assemble_claude_stream"], "says": {"test_assemble_claude_stream": "one buffer per index"}},
    "mistake_claude_stream_current_block": {
        "why": "Appends partial_json to the newest tool_use block instead of the event's index: fails on the "
               "interleaved streams (the self-check's and the grader's).",
        "cells": {"assemble_claude_stream": _CLAUDE_STREAM_CURRENT},
        "fails": ["test_assemble_claude_stream"], "says": {"test_assemble_claude_stream": "interleaved"}},
    "mistake_claude_stream_first_tool_use": {
        "why": "Keeps only the first tool_use block.",
        "cells": {"assemble_claude_stream": _CLAUDE_STREAM_FIRST_ONLY},
        "fails": ["test_assemble_claude_stream"], "says": {"test_assemble_claude_stream": "only one call"}},
    "mistake_claude_stream_text_blocks": {
        "why": "Treats every content block as a call (text block at index 0 included).",
        "cells": {"assemble_claude_stream": _CLAUDE_STREAM_INDEX0},
        "fails": ["test_assemble_claude_stream"], "says": {"test_assemble_claude_stream": "filter on the type"}},
    "mistake_count_all_items": {
        "why": "Counts every output item / content block, not only the calls.",
        "cells": {"calls_per_turn": _COUNT_ALL_ITEMS},
        "fails": ["test_calls_per_turn"], "says": {"test_calls_per_turn": "Count only tool calls"}},
    "mistake_count_tool_calls_missing": {
        "why": "Reads message['tool_calls'] on a text-only turn, where the key is absent.",
        "cells": {"calls_per_turn": _COUNT_KEYERROR},
        "fails": ["test_calls_per_turn"], "says": {"test_calls_per_turn": "KeyError"}},
    "mistake_count_tool_calls_null": {
        "why": ".get('tool_calls', []) is None when the key is present as null (a trace saved with model_dump()).",
        "cells": {"calls_per_turn": _COUNT_NULL_CRASH},
        "fails": ["test_calls_per_turn"], "says": {"test_calls_per_turn": "tool_calls is null"}},
    "mistake_count_turns_not_calls": {
        "why": "Counts 1 per turn that has calls, instead of the number of calls.",
        "cells": {"calls_per_turn": _COUNT_TURNS_NOT_CALLS},
        "fails": ["test_calls_per_turn"], "says": {"test_calls_per_turn": "expected calls per turn"}},
    "mistake_count_skip_text_turns": {
        "why": "Leaves text-only turns out instead of counting them 0.",
        "cells": {"calls_per_turn": _COUNT_SKIP_TEXT_TURNS},
        "fails": ["test_calls_per_turn"], "says": {"test_calls_per_turn": "text-only turns count 0"}},
}
