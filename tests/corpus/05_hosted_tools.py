"""Graded-submission corpus for lesson 05 (debugging the Responses API hosted-tool limitation): correct styles (``fails == []``, full marks) and the
common mistakes, each failing its test cells with the teaching message named in ``says``.

Format and how it is graded: tests/corpus/README.md.
"""

LESSON = "05-hosted-tools"

# --- Exercise 1: to_responses_tools / validate_responses_tools --------------------------------------------

_CONVERT_MATCH = '''
def to_responses_tools(tools):
    out = []
    for tool in tools:
        match tool:
            case {"function": fn}:
                out.append({"type": "function", "name": fn["name"], "description": fn.get("description", ""),
                            "parameters": fn.get("parameters", {}), "strict": fn.get("strict", False)})
            case {"type": str(kind)} if kind != "function":
                out.append(tool)
            case _:
                out.append({**tool, "type": "function", "strict": tool.get("strict", False)})
    return out


def validate_responses_tools(tools):
    problems = []
    for i, tool in enumerate(tools):
        kind = tool.get("type")
        if "function" in tool or kind is None:
            problems.append(f"tools[{i}]: not a flat Responses function tool")
        elif kind == "function":
            problems += [f"tools[{i}].{k} is required" for k in ("name", "parameters", "strict")
                         if k not in tool]
        elif kind == "file_search" and "vector_store_ids" not in tool:
            problems.append(f"tools[{i}].vector_store_ids is required")
    return problems
'''

_VALIDATE_REQUIRES_DESCRIPTION = '''
def to_responses_tools(tools):
    out = []
    for tool in tools:
        match tool:
            case {"function": fn}:
                out.append({"type": "function", "name": fn["name"], "description": fn.get("description", ""),
                            "parameters": fn.get("parameters", {}), "strict": fn.get("strict", False)})
            case {"type": str(kind)} if kind != "function":
                out.append(tool)
            case _:
                out.append({**tool, "type": "function", "strict": tool.get("strict", False)})
    return out


def validate_responses_tools(tools):
    problems = []
    for i, tool in enumerate(tools):
        kind = tool.get("type")
        if "function" in tool or kind is None:
            problems.append(f"tools[{i}]: not a flat Responses function tool")
        elif kind == "function":
            problems += [f"tools[{i}].{k} is required" for k in ("name", "description", "parameters", "strict")
                         if k not in tool]
        elif kind == "file_search" and "vector_store_ids" not in tool:
            problems.append(f"tools[{i}].vector_store_ids is required")
    return problems
'''

_CONVERT_DEEPCOPY = '''
import copy

REQUIRED = ("type", "name", "parameters", "strict")


def to_responses_tools(tools):
    converted = copy.deepcopy(tools)
    for i, tool in enumerate(converted):
        fn = tool.pop("function", None)
        if fn is not None:
            tool.update(fn)
            tool.setdefault("strict", False)
        elif "type" not in tool:
            tool["type"] = "function"
            tool.setdefault("strict", False)
    return converted


def validate_responses_tools(tools):
    problems = []
    for i, tool in enumerate(tools):
        if tool.get("type", "function") != "function":
            if tool["type"] == "file_search" and not tool.get("vector_store_ids"):
                problems.append("tools[%d]: file_search without vector_store_ids" % i)
            continue
        missing = [k for k in REQUIRED if k not in tool]
        if "function" in tool:
            missing.append("(nested 'function' key: Chat format)")
        if missing:
            problems.append("tools[%d]: %s" % (i, ", ".join(missing)))
    return problems
'''

_VALIDATE_OK = '''
def validate_responses_tools(tools):
    problems = []
    for i, tool in enumerate(tools):
        if "function" in tool:
            problems.append(f"tools[{i}] is nested")
        elif tool.get("type") is None:
            problems.append(f"tools[{i}] has no type")
        elif tool["type"] == "function":
            problems += [f"tools[{i}] lacks {k}" for k in ("name", "parameters", "strict") if k not in tool]
        elif tool["type"] == "file_search" and not tool.get("vector_store_ids"):
            problems.append(f"tools[{i}] lacks vector_store_ids")
    return problems
'''

_CONVERT_PASSTHROUGH_NESTED = '''
def to_responses_tools(tools):
    return [dict(tool, type=tool.get("type", "function")) for tool in tools]
''' + _VALIDATE_OK

_CONVERT_NO_STRICT = '''
def to_responses_tools(tools):
    out = []
    for tool in tools:
        if "function" in tool:
            fn = tool["function"]
            out.append({"type": "function", "name": fn["name"], "description": fn.get("description", ""),
                        "parameters": fn.get("parameters", {})})
        elif tool.get("type") in (None, "function"):
            out.append({"type": "function", **tool})
        else:
            out.append(tool)
    return out
''' + _VALIDATE_OK

_CONVERT_STRICT_ALWAYS_FALSE = _CONVERT_NO_STRICT.replace(
    '"parameters": fn.get("parameters", {})})', '"parameters": fn.get("parameters", {}), "strict": False})').replace(
    'out.append({"type": "function", **tool})', 'out.append({"type": "function", "strict": False, **tool})')
assert _CONVERT_STRICT_ALWAYS_FALSE != _CONVERT_NO_STRICT

_CONVERT_HOSTED_AS_FUNCTION = '''
def to_responses_tools(tools):
    out = []
    for tool in tools:
        fn = tool.get("function", tool)
        out.append({"type": "function", "name": fn.get("name", tool.get("type")),
                    "description": fn.get("description", ""), "parameters": fn.get("parameters", {}),
                    "strict": fn.get("strict", False)})
    return out
''' + _VALIDATE_OK

_CONVERT_MUTATES = '''
def to_responses_tools(tools):
    for tool in tools:
        fn = tool.pop("function", None)
        if fn is not None:
            tool.update(fn)
        if tool.get("type", "function") == "function":
            tool.setdefault("type", "function")
            tool.setdefault("strict", False)
    return tools
''' + _VALIDATE_OK

_VALIDATE_NO_INDEX = '''
def to_responses_tools(tools):
    out = []
    for tool in tools:
        if "function" in tool:
            fn = tool["function"]
            out.append({"type": "function", "name": fn["name"], "description": fn.get("description", ""),
                        "parameters": fn.get("parameters", {}), "strict": fn.get("strict", False)})
        elif tool.get("type") in (None, "function"):
            out.append({"type": "function", "strict": False, **tool})
        else:
            out.append(tool)
    return out


def validate_responses_tools(tools):
    problems = []
    for tool in tools:
        if "function" in tool or tool.get("type") is None:
            problems.append(f"{tool.get('name') or tool.get('function', {}).get('name')}: not a flat function tool")
        elif tool["type"] == "function":
            problems += [f"{tool.get('name')} lacks {k}" for k in ("name", "parameters", "strict")
                         if k not in tool]
        elif tool["type"] == "file_search" and not tool.get("vector_store_ids"):
            problems.append("file_search lacks vector_store_ids")
    return problems
'''

# --- Exercise 2: diagnose -----------------------------------------------------------------------------------

_DIAGNOSE_DUMP = '''
def diagnose(trace):
    dumps = [r if isinstance(r, dict) else r.model_dump() for r in trace]
    per_turn = [len([i for i in d["output"] if i["type"] == "function_call"]) for d in dumps]
    calling = [n for n in per_turn if n]
    return {"round_trips": len(dumps), "calls_per_turn": per_turn,
            "serialised": len(calling) >= 2 and all(n == 1 for n in calling),
            "hosted_tool": any(t["type"] != "function" for d in dumps for t in d.get("tools") or [])}
'''

_DIAGNOSE_GETATTR = '''
from collections import Counter


def _field(obj, name):
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


def diagnose(trace):
    per_turn = []
    tool_kinds = set()
    for response in trace:
        kinds = Counter(_field(item, "type") for item in _field(response, "output"))
        per_turn.append(kinds["function_call"])
        tool_kinds |= {_field(t, "type") for t in _field(response, "tools")}
    serial = sum(1 for n in per_turn if n > 0) > 1 and max(per_turn) == 1
    return dict(calls_per_turn=per_turn, round_trips=len(per_turn), serialised=serial,
                hosted_tool=bool(tool_kinds - {"function"}))
'''

_DIAGNOSE_ALL_ITEMS = '''
def diagnose(trace):
    dumps = [r if isinstance(r, dict) else r.model_dump() for r in trace]
    per_turn = [len(d["output"]) for d in dumps]
    calling = [n for n in per_turn if n]
    return {"round_trips": len(dumps), "calls_per_turn": per_turn,
            "serialised": len(calling) >= 2 and max(calling) == 1,
            "hosted_tool": any(t["type"] != "function" for d in dumps for t in d.get("tools") or [])}
'''

_DIAGNOSE_OUTPUT_0 = '''
def diagnose(trace):
    dumps = [r if isinstance(r, dict) else r.model_dump() for r in trace]
    per_turn = [1 if d["output"] and d["output"][0]["type"] == "function_call" else 0 for d in dumps]
    calling = [n for n in per_turn if n]
    return {"round_trips": len(dumps), "calls_per_turn": per_turn,
            "serialised": len(calling) >= 2 and max(calling) == 1,
            "hosted_tool": any(t["type"] != "function" for d in dumps for t in d.get("tools") or [])}
'''

_DIAGNOSE_BY_NAME = '''
def diagnose(trace):
    dumps = [r if isinstance(r, dict) else r.model_dump() for r in trace]
    per_turn = [len([i for i in d["output"] if i["type"] == "function_call"]) for d in dumps]
    calling = [n for n in per_turn if n]
    names = [t.get("name") or t["type"] for d in dumps for t in d.get("tools") or []]
    return {"round_trips": len(dumps), "calls_per_turn": per_turn,
            "serialised": len(calling) >= 2 and max(calling) == 1,
            "hosted_tool": any("search" in n for n in names)}
'''

_DIAGNOSE_ONLY_ITEMS = '''
def diagnose(trace):
    dumps = [r if isinstance(r, dict) else r.model_dump() for r in trace]
    per_turn = [len([i for i in d["output"] if i["type"] == "function_call"]) for d in dumps]
    calling = [n for n in per_turn if n]
    return {"round_trips": len(dumps), "calls_per_turn": per_turn,
            "serialised": len(calling) >= 2 and max(calling) == 1,
            "hosted_tool": any(i["type"].endswith("_search_call") for d in dumps for i in d["output"])}
'''

# --- Exercise 3: run_with_own_search ------------------------------------------------------------------------

_OWN_THREADS_DUMPS = '''
from concurrent.futures import ThreadPoolExecutor


def run_with_own_search(client, request):
    tools = list(request["tools"])
    for i, tool in enumerate(tools):
        if tool.get("type") == "web_search_preview":
            tools[i] = course_tools.responses_tool("web_search")
    history = list(request["input"])
    trace = []
    while True:
        response = client.responses.create(**{**request, "tools": tools, "input": history})
        trace.append(response)
        items = [item.model_dump(exclude_none=True) for item in response.output]
        calls = [item for item in items if item["type"] == "function_call"]
        if not calls:
            return trace
        with ThreadPoolExecutor() as pool:
            results = list(pool.map(lambda c: course_tools.call(c["name"], json.loads(c["arguments"])), calls))
        history += items
        history += [{"type": "function_call_output", "call_id": c["call_id"], "output": json.dumps(r)}
                    for c, r in zip(calls, results)]
'''

_OWN_FOR_REVERSED = '''
def run_with_own_search(client, request):
    own = course_tools.responses_tool("web_search")
    body = dict(request)
    body["tools"] = [own if t["type"].startswith("web_search") else t for t in request["tools"]]
    body["input"] = list(request["input"])
    trace = []
    for _ in range(10):
        response = client.responses.create(**body)
        trace.append(response)
        calls = [item for item in response.output if item.type == "function_call"]
        if not calls:
            break
        outputs = [{"type": "function_call_output", "call_id": c.call_id,
                    "output": json.dumps(course_tools.call(c.name, json.loads(c.arguments)))}
                   for c in reversed(calls)]
        body["input"] = body["input"] + [c.to_dict() for c in calls] + outputs
    return trace
'''

_OWN_LOOP_TEMPLATE = '''
def run_with_own_search(client, request):
    tools = TOOLS_EXPR
    body = {**request, "tools": tools}
    history = list(body["input"])
    trace = []
    while True:
        response = client.responses.create(**{**body, "input": history})
        trace.append(response)
        calls = CALLS_EXPR
        if not calls:
            return trace
        history += response.output
        for call in calls:
            result = course_tools.call(call.name, json.loads(call.arguments))
            history.append({"type": "function_call_output", "call_id": call.call_id, "output": json.dumps(result)})
'''
_ALL_CALLS = '[item for item in response.output if item.type == "function_call"]'
_IN_PLACE = ('[course_tools.responses_tool("web_search") if t.get("type", "").startswith("web_search") else t '
             'for t in request["tools"]]')


def _own(tools_expr: str = _IN_PLACE, calls_expr: str = _ALL_CALLS) -> str:
    return _OWN_LOOP_TEMPLATE.replace("TOOLS_EXPR", tools_expr).replace("CALLS_EXPR", calls_expr)


_OWN_REMOVED = _own('[t for t in request["tools"] if t.get("type") != "web_search_preview"]')
_OWN_HOSTED_KEPT = _own('request["tools"] + [course_tools.responses_tool("web_search")]')
_OWN_CHAT_FORMAT = _own('[course_tools.chat_tool("web_search") if t.get("type") == "web_search_preview" else t '
                        'for t in request["tools"]]')
_OWN_APPENDED = _own('[t for t in request["tools"] if t.get("type") != "web_search_preview"] '
                     '+ [course_tools.responses_tool("web_search")]')
_OWN_HANDWRITTEN = _own('[{"type": "function", "name": "web_search", "description": "Search the web.", '
                        '"parameters": {"type": "object", "properties": {"query": {"type": "string"}}, '
                        '"required": ["query"]}, "strict": False} if t.get("type") == "web_search_preview" else t '
                        'for t in request["tools"]]')
_OWN_OUTPUT_0 = _own(calls_expr='[response.output[0]] if response.output[0].type == "function_call" else []')

_OWN_MUTATES = '''
def run_with_own_search(client, request):
    for i, tool in enumerate(request["tools"]):
        if tool.get("type") == "web_search_preview":
            request["tools"][i] = course_tools.responses_tool("web_search")
    history = list(request["input"])
    trace = []
    while True:
        response = client.responses.create(**{**request, "input": history})
        trace.append(response)
        calls = [item for item in response.output if item.type == "function_call"]
        if not calls:
            return trace
        history += response.output
        for call in calls:
            result = course_tools.call(call.name, json.loads(call.arguments))
            history.append({"type": "function_call_output", "call_id": call.call_id, "output": json.dumps(result)})
'''

# --- Exercise 4: run_keeping_hosted -------------------------------------------------------------------------

_KEEP_MATCH_DICTS = '''
def run_keeping_hosted(client, request):
    trace, extra = [], {}
    while True:
        response = client.responses.create(**{**request, **extra})
        trace.append(response)
        outputs = []
        for item in response.model_dump()["output"]:
            match item:
                case {"type": "function_call", "name": name, "arguments": args, "call_id": call_id}:
                    outputs.append({"type": "function_call_output", "call_id": call_id,
                                    "output": json.dumps(course_tools.call(name, json.loads(args)))})
                case {"type": "web_search_call"}:
                    pass  # OpenAI ran this search already
                case _:
                    pass
        if not outputs:
            return trace
        extra = {"input": outputs, "previous_response_id": response.id}
'''

_KEEP_ISINSTANCE_THREADS = '''
from concurrent.futures import ThreadPoolExecutor
from openai.types.responses import ResponseFunctionToolCall


def _answer(call):
    return {"type": "function_call_output", "call_id": call.call_id,
            "output": json.dumps(course_tools.call(call.name, json.loads(call.arguments)))}


def run_keeping_hosted(client, request):
    response = client.responses.create(**request)
    trace = [response]
    calls = [item for item in response.output if isinstance(item, ResponseFunctionToolCall)]
    while calls:
        with ThreadPoolExecutor(max_workers=4) as pool:
            outputs = list(pool.map(_answer, calls))
        response = client.responses.create(**{**request, "input": outputs, "previous_response_id": response.id})
        trace.append(response)
        calls = [item for item in response.output if isinstance(item, ResponseFunctionToolCall)]
    return trace
'''

_KEEP_OUTPUT_0 = '''
def run_keeping_hosted(client, request):
    trace = []
    response = client.responses.create(**request)
    while True:
        trace.append(response)
        first = response.output[0]
        if first.type != "function_call":
            return trace
        output = {"type": "function_call_output", "call_id": first.call_id,
                  "output": json.dumps(course_tools.call(first.name, json.loads(first.arguments)))}
        response = client.responses.create(**{**request, "input": [output], "previous_response_id": response.id})
'''

_KEEP_OUTPUT_0_CRASH = '''
def run_keeping_hosted(client, request):
    trace = []
    response = client.responses.create(**request)
    while True:
        trace.append(response)
        call = response.output[0]
        if call.type == "message":
            return trace
        output = {"type": "function_call_output", "call_id": call.call_id,
                  "output": json.dumps(course_tools.call(call.name, json.loads(call.arguments)))}
        response = client.responses.create(**{**request, "input": [output], "previous_response_id": response.id})
'''

_KEEP_BREAK = '''
def run_keeping_hosted(client, request):
    trace = []
    response = client.responses.create(**request)
    while True:
        trace.append(response)
        outputs = []
        for item in response.output:
            if item.type != "function_call":
                break
            outputs.append({"type": "function_call_output", "call_id": item.call_id,
                            "output": json.dumps(course_tools.call(item.name, json.loads(item.arguments)))})
        if not outputs:
            return trace
        response = client.responses.create(**{**request, "input": outputs, "previous_response_id": response.id})
'''

_KEEP_ANSWERS_HOSTED = '''
def run_keeping_hosted(client, request):
    trace = []
    response = client.responses.create(**request)
    while True:
        trace.append(response)
        outputs = []
        for item in response.output:
            if item.type == "function_call":
                result = course_tools.call(item.name, json.loads(item.arguments))
                outputs.append({"type": "function_call_output", "call_id": item.call_id, "output": json.dumps(result)})
            elif item.type == "web_search_call":
                outputs.append({"type": "function_call_output", "call_id": item.id, "output": "ok"})
        if not any(item.type == "function_call" for item in response.output):
            return trace
        response = client.responses.create(**{**request, "input": outputs, "previous_response_id": response.id})
'''

_KEEP_REMOVES_HOSTED = '''
def run_keeping_hosted(client, request):
    body = {**request, "tools": [t for t in request["tools"] if t["type"] == "function"]}
    trace = []
    response = client.responses.create(**body)
    while True:
        trace.append(response)
        calls = [item for item in response.output if item.type == "function_call"]
        if not calls:
            return trace
        outputs = [{"type": "function_call_output", "call_id": c.call_id,
                    "output": json.dumps(course_tools.call(c.name, json.loads(c.arguments)))} for c in calls]
        response = client.responses.create(**{**body, "input": outputs, "previous_response_id": response.id})
'''

T1, T2, T3, T4 = "test_to_responses_tools", "test_diagnose", "test_run_with_own_search", "test_run_keeping_hosted"

VARIANTS = {
    # ---- correct styles: every test cell scores full
    "convert_match_statement": {
        "why": "match/case dispatch; problems worded differently, index as tools[i].name-style text.",
        "cells": {"to_responses_tools": _CONVERT_MATCH}, "fails": []},
    "convert_deepcopy_update": {
        "why": "Deep-copies the list, then pops 'function' and merges it into the copy.",
        "cells": {"to_responses_tools": _CONVERT_DEEPCOPY}, "fails": []},
    "diagnose_model_dump": {
        "why": "Turns every response into a dict first, then works on dicts only.",
        "cells": {"diagnose": _DIAGNOSE_DUMP}, "fails": []},
    "diagnose_counter_getattr": {
        "why": "Counter of item types, getattr/[] access, set difference for hosted tools.",
        "cells": {"diagnose": _DIAGNOSE_GETATTR}, "fails": []},
    "own_search_threads_dumps": {
        "why": "Replaces by index on a copied list, resends model_dump() dicts, runs calls in a thread pool.",
        "cells": {"run_with_own_search": _OWN_THREADS_DUMPS}, "fails": []},
    "own_search_for_loop_reversed": {
        "why": "for-loop with a turn cap, outputs in reverse order, only the calls echoed (item.to_dict()).",
        "cells": {"run_with_own_search": _OWN_FOR_REVERSED}, "fails": []},
    "keep_hosted_match_dicts": {
        "why": "match/case over model_dump() items, an explicit web_search_call case that does nothing.",
        "cells": {"run_keeping_hosted": _KEEP_MATCH_DICTS}, "fails": []},
    "keep_hosted_isinstance_threads": {
        "why": "isinstance(item, ResponseFunctionToolCall), calls run in a thread pool.",
        "cells": {"run_keeping_hosted": _KEEP_ISINSTANCE_THREADS}, "fails": []},

    # ---- mistakes: the named cells score 0 with a teaching message
    "mistake_chat_format_passed_through": {
        "why": "Chat-format tools sent to Responses unchanged (only a type added).",
        "cells": {"to_responses_tools": _CONVERT_PASSTHROUGH_NESTED}, "fails": [T1],
        "says": {T1: "nested format"}},
    "mistake_strict_dropped": {
        "why": "Flattens the tool but drops 'strict' (FunctionToolParam requires it).",
        "cells": {"to_responses_tools": _CONVERT_NO_STRICT}, "fails": [T1], "says": {T1: "'strict'"}},
    "mistake_strict_always_false": {
        "why": "Writes strict: False even when the Chat tool set strict: true; the diff names 'strict' first.",
        "cells": {"to_responses_tools": _CONVERT_STRICT_ALWAYS_FALSE}, "fails": [T1],
        "says": {T1: "differs from the expected tool in 'strict' (expected true, got false)"}},
    "mistake_hosted_tool_made_a_function": {
        "why": "Treats {'type': 'web_search_preview'} as a function tool.",
        "cells": {"to_responses_tools": _CONVERT_HOSTED_AS_FUNCTION}, "fails": [T1],
        "says": {T1: "pass it through unchanged"}},
    "mistake_convert_mutates_input": {
        "why": "Pops 'function' out of the caller's own dicts.",
        "cells": {"to_responses_tools": _CONVERT_MUTATES}, "fails": [T1], "says": {T1: "changed the list"}},
    "mistake_validate_requires_description": {
        "why": "Reports a function tool without 'description' (FunctionToolParam marks it optional).",
        "cells": {"to_responses_tools": _VALIDATE_REQUIRES_DESCRIPTION}, "fails": [T1], "says": {T1: "optional"}},
    "mistake_validate_without_index": {
        "why": "Problems name the tool but not its position tools[i].",
        "cells": {"to_responses_tools": _VALIDATE_NO_INDEX}, "fails": [T1], "says": {T1: "tools[1]"}},
    "mistake_diagnose_counts_every_item": {
        "why": "Counts every output item (message, web_search_call) as a call.",
        "cells": {"diagnose": _DIAGNOSE_ALL_ITEMS}, "fails": [T2], "says": {T2: "calls_per_turn"}},
    "mistake_diagnose_output_0": {
        "why": "Looks only at output[0], so two calls in one turn count as one.",
        "cells": {"diagnose": _DIAGNOSE_OUTPUT_0}, "fails": [T2], "says": {T2: "not output[0]"}},
    "mistake_diagnose_hosted_by_name": {
        "why": "Calls any tool with 'search' in its name hosted, including the learner's own web_search function.",
        "cells": {"diagnose": _DIAGNOSE_BY_NAME}, "fails": [T2], "says": {T2: "is yours, not hosted"}},
    "mistake_diagnose_hosted_only_if_it_ran": {
        "why": "Detects the hosted tool only from *_search_call items: a hosted tool that never ran is missed.",
        "cells": {"diagnose": _DIAGNOSE_ONLY_ITEMS}, "fails": [T2], "says": {T2: "response.tools"}},
    "mistake_search_removed_not_replaced": {
        "why": "The 'workaround' deletes the hosted search and adds nothing: the model can no longer search.",
        "cells": {"run_with_own_search": _OWN_REMOVED}, "fails": [T3], "says": {T3: "without replacing it"}},
    "mistake_hosted_kept_beside_own_search": {
        "why": "Adds web_search but leaves web_search_preview in the list.",
        "cells": {"run_with_own_search": _OWN_HOSTED_KEPT}, "fails": [T3], "says": {T3: "still carries the hosted tool"}},
    "mistake_own_search_in_chat_format": {
        "why": "Uses course_tools.chat_tool (Chat's nested format) for the Responses API.",
        "cells": {"run_with_own_search": _OWN_CHAT_FORMAT}, "fails": [T3], "says": {T3: "nested format"}},
    "mistake_own_search_appended_at_end": {
        "why": "Removes the hosted tool and appends web_search at the end instead of in its place.",
        "cells": {"run_with_own_search": _OWN_APPENDED}, "fails": [T3], "says": {T3: "hosted tool's place"}},
    "mistake_own_search_handwritten_tool": {
        "why": "Writes its own web_search definition instead of course_tools.responses_tool('web_search').",
        "cells": {"run_with_own_search": _OWN_HANDWRITTEN}, "fails": [T3], "says": {T3: "as it is"}},
    "mistake_own_search_answers_output_0": {
        "why": "Answers only output[0] of a turn that carried three parallel calls.",
        "cells": {"run_with_own_search": _OWN_OUTPUT_0}, "fails": [T3], "says": {T3: "left a function call unanswered"}},
    "mistake_own_search_mutates_request": {
        "why": "Replaces the hosted tool inside the caller's request dict.",
        "cells": {"run_with_own_search": _OWN_MUTATES}, "fails": [T3], "says": {T3: "changed the request dict"}},
    "mistake_keep_hosted_output_0_stops": {
        "why": "Reads output[0]; it is a web_search_call, so the loop stops with a call unanswered.",
        "cells": {"run_keeping_hosted": _KEEP_OUTPUT_0}, "fails": [T4], "says": {T4: "output[0]"}},
    "mistake_keep_hosted_output_0_crashes": {
        "why": "Treats output[0] as the call: web_search_call has no call_id, AttributeError.",
        "cells": {"run_keeping_hosted": _KEEP_OUTPUT_0_CRASH}, "fails": [T4], "says": {T4: "web_search_call item"}},
    "mistake_keep_hosted_break_on_hosted_item": {
        "why": "Stops reading output at the first non-function item, dropping the calls after a web_search_call.",
        "cells": {"run_keeping_hosted": _KEEP_BREAK}, "fails": [T4], "says": {T4: "web_search_call"}},
    "mistake_keep_hosted_answers_web_search_call": {
        "why": "Sends a function_call_output for the web_search_call item.",
        "cells": {"run_keeping_hosted": _KEEP_ANSWERS_HOSTED}, "fails": [T4], "says": {T4: "nothing to answer"}},
    "mistake_keep_hosted_removes_hosted": {
        "why": "Silently drops the hosted tool the exercise keeps.",
        "cells": {"run_keeping_hosted": _KEEP_REMOVES_HOSTED}, "fails": [T4], "says": {T4: "keeps the hosted web search"}},
}
