"""Graded-submission corpus for lesson 02 (answering every call id).

``VARIANTS`` maps a name to ``{"why", "cells", "fails", "says"}`` (the format of tests/corpus/README.md):
``cells`` replaces answer cells (by ``grade_id``; the others keep the master's solution), ``fails`` lists
the test cells that must score 0 and ``says`` the phrase each one's teaching message must contain.
Names start ``correct_`` (full marks) or ``mistake_``.
"""

LESSON = "02-answering"


RUN_TOOL_OK = '''
def run_tool(name, arguments):
    try:
        args = json.loads(arguments) if isinstance(arguments, str) else arguments
        return json.dumps(tools.call(name, args)), False
    except Exception as exc:
        return json.dumps({"error": str(exc)}), True
'''

CHAT_MSGS_OK = '''
def chat_tool_messages(message):
    return [{"role": "tool", "tool_call_id": tc.id, "content": run_tool(tc.function.name, tc.function.arguments)[0]}
            for tc in message.tool_calls]
'''

CLAUDE_RESULTS_OK = '''
def claude_tool_results(message):
    blocks = []
    for block in message.content:
        if block.type == "tool_use":
            text, failed = run_tool(block.name, block.input)
            blocks.append({"type": "tool_result", "tool_use_id": block.id, "content": text, "is_error": failed})
    return {"role": "user", "content": blocks}
'''

VARIANTS = {
    # ------------------------------------------------------------------ correct styles: full marks
    "correct_model_dump_for_range_reversed": {
        "why": "Results built in reverse order; assistant turn appended as .model_dump(); for-range loops; "
                "run_tool catches only the exceptions it expects; is_error always present as a bool.",
        "cells": {
            "answer_run_tool": '''
def run_tool(name, arguments):
    try:
        args = json.loads(arguments) if isinstance(arguments, str) else dict(arguments)
        result = tools.call(name, args)
    except (tools.ToolError, KeyError, TypeError, ValueError) as exc:
        return f"Error: {exc}", True
    return json.dumps(result), False
''',
            "answer_chat_tool_messages": '''
def chat_tool_messages(message):
    out = []
    for tc in reversed(message.tool_calls):
        text, _ = run_tool(tc.function.name, tc.function.arguments)
        out.append({"role": "tool", "tool_call_id": tc.id, "content": text})
    return out
''',
            "answer_responses_tool_outputs": '''
def responses_tool_outputs(response):
    calls = [item for item in response.output if item.type == "function_call"]
    return [{"type": "function_call_output", "call_id": c.call_id, "output": run_tool(c.name, c.arguments)[0]}
            for c in calls[::-1]]
''',
            "answer_claude_tool_results": CLAUDE_RESULTS_OK,
            "answer_chat_agent": '''
def chat_agent(client, *, model, messages, tools):
    history = list(messages)
    for _ in range(20):
        completion = client.chat.completions.create(model=model, messages=history, tools=tools)
        choice = completion.choices[0]
        if choice.finish_reason == "stop":
            return choice.message.content
        history.append(choice.message.model_dump())
        history += chat_tool_messages(choice.message)
    raise RuntimeError("too many rounds")
''',
            "answer_claude_agent": '''
def claude_agent(client, *, model, messages, tools, max_tokens=1024):
    history = list(messages)
    for _ in range(20):
        message = client.messages.create(model=model, max_tokens=max_tokens, messages=history, tools=tools)
        if not any(block.type == "tool_use" for block in message.content):
            return "".join(block.text for block in message.content if block.type == "text")
        history.append({"role": "assistant", "content": [block.model_dump() for block in message.content]})
        history.append(claude_tool_results(message))
    raise RuntimeError("too many rounds")
''',
        },
        "fails": [],
    },
    "correct_recursion_handbuilt_dicts": {
        "why": "Hand-built assistant dicts, recursion instead of a loop, text-part lists as content, the "
                "caller's list extended in place, and a run_tool that logs failures to stderr.",
        "cells": {
            "answer_run_tool": '''
import sys
import traceback

def run_tool(name, arguments):
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError as exc:
            return json.dumps({"error": f"bad arguments: {exc}"}), True
    try:
        return json.dumps(tools.call(name, arguments)), False
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        return json.dumps({"error": repr(exc)}), True
''',
            "answer_chat_tool_messages": '''
def chat_tool_messages(message):
    results = []
    for tc in message.tool_calls:
        text, failed = run_tool(tc.function.name, tc.function.arguments)
        results.append({"role": "tool", "tool_call_id": tc.id, "content": [{"type": "text", "text": text}]})
    return results
''',
            "answer_claude_tool_results": '''
def claude_tool_results(message):
    content = []
    for block in message.content:
        if block.type != "tool_use":
            continue
        text, failed = run_tool(block.name, block.input)
        result = {"type": "tool_result", "tool_use_id": block.id, "content": [{"type": "text", "text": text}]}
        if failed:
            result["is_error"] = True
        content.append(result)
    return {"role": "user", "content": content}
''',
            "answer_chat_agent": '''
def chat_agent(client, *, model, messages, tools):
    completion = client.chat.completions.create(model=model, messages=messages, tools=tools)
    msg = completion.choices[0].message
    if not msg.tool_calls:
        return msg.content
    assistant = {"role": "assistant", "content": msg.content,
                 "tool_calls": [{"id": tc.id, "type": "function",
                                 "function": {"name": tc.function.name, "arguments": tc.function.arguments}}
                                for tc in msg.tool_calls]}
    return chat_agent(client, model=model, messages=messages + [assistant] + chat_tool_messages(msg), tools=tools)
''',
            "answer_claude_agent": '''
def claude_agent(client, *, model, messages, tools, max_tokens=1024):
    message = client.messages.create(model=model, max_tokens=max_tokens, messages=messages, tools=tools)
    if message.stop_reason != "tool_use":
        return "".join(b.text for b in message.content if b.type == "text")
    blocks = []
    for b in message.content:
        if b.type == "text":
            blocks.append({"type": "text", "text": b.text})
        elif b.type == "tool_use":
            blocks.append({"type": "tool_use", "id": b.id, "name": b.name, "input": b.input})
    messages.extend([{"role": "assistant", "content": blocks}, claude_tool_results(message)])
    return claude_agent(client, model=model, max_tokens=max_tokens, messages=messages, tools=tools)
''',
        },
        "fails": [],
    },
    "correct_choice_message_appended_no_copy": {
        "why": "The seed tutorial's style: choice.message appended as is, finish_reason branches, while True.",
        "cells": {
            "answer_run_tool": RUN_TOOL_OK,
            "answer_chat_tool_messages": CHAT_MSGS_OK,
            "answer_chat_agent": '''
def chat_agent(client, *, model, messages, tools):
    while True:
        response = client.chat.completions.create(model=model, messages=messages, tools=tools)
        choice = response.choices[0]
        if choice.finish_reason == "stop":
            return choice.message.content
        if choice.finish_reason == "tool_calls":
            messages.append(choice.message)
            tool_results = []
            for tool_call in choice.message.tool_calls:
                content, _ = run_tool(tool_call.function.name, tool_call.function.arguments)
                tool_results.append({"role": "tool", "tool_call_id": tool_call.id, "content": content})
            messages.extend(tool_results)
''',
        },
        "fails": [],
    },
    # ------------------------------------------------------------------ common mistakes
    "mistake_only_first_call": {
        "why": "Answers only the first call of each turn (tool_calls[0], the first function_call, the first tool_use).",
        "cells": {
            "answer_chat_tool_messages": '''
def chat_tool_messages(message):
    tc = message.tool_calls[0]
    return [{"role": "tool", "tool_call_id": tc.id, "content": run_tool(tc.function.name, tc.function.arguments)[0]}]
''',
            "answer_responses_tool_outputs": '''
def responses_tool_outputs(response):
    item = next(i for i in response.output if i.type == "function_call")
    return [{"type": "function_call_output", "call_id": item.call_id, "output": run_tool(item.name, item.arguments)[0]}]
''',
            "answer_claude_tool_results": '''
def claude_tool_results(message):
    block = next(b for b in message.content if b.type == "tool_use")
    text, failed = run_tool(block.name, block.input)
    return {"role": "user", "content": [{"type": "tool_result", "tool_use_id": block.id, "content": text,
                                         "is_error": failed}]}
''',
        },
        "fails": ['test_chat_agent', 'test_chat_tool_messages', 'test_claude_agent', 'test_claude_tool_results', 'test_responses_tool_outputs'],
        "says": {
            "test_chat_tool_messages": "not just the first one",
            "test_responses_tool_outputs": "not just the first one",
            "test_claude_tool_results": "not just the first one",
            "test_chat_agent": "not just the first one",
            "test_claude_agent": "not just the first one",
        },
    },
    "mistake_reuse_one_id": {
        "why": "Every result carries the first call's id.",
        "cells": {
            "answer_chat_tool_messages": '''
def chat_tool_messages(message):
    first_id = message.tool_calls[0].id
    return [{"role": "tool", "tool_call_id": first_id, "content": run_tool(tc.function.name, tc.function.arguments)[0]}
            for tc in message.tool_calls]
''',
            "answer_responses_tool_outputs": '''
def responses_tool_outputs(response):
    calls = [i for i in response.output if i.type == "function_call"]
    return [{"type": "function_call_output", "call_id": calls[0].call_id, "output": run_tool(c.name, c.arguments)[0]}
            for c in calls]
''',
            "answer_claude_tool_results": '''
def claude_tool_results(message):
    uses = [b for b in message.content if b.type == "tool_use"]
    blocks = []
    for b in uses:
        text, failed = run_tool(b.name, b.input)
        blocks.append({"type": "tool_result", "tool_use_id": uses[0].id, "content": text, "is_error": failed})
    return {"role": "user", "content": blocks}
''',
        },
        "fails": ['test_chat_agent', 'test_chat_tool_messages', 'test_claude_agent', 'test_claude_tool_results', 'test_responses_tool_outputs'],
        "says": {
            "test_chat_tool_messages": "same id",
            "test_responses_tool_outputs": "same id",
            "test_claude_tool_results": "same id",
            "test_chat_agent": "same id",
            "test_claude_agent": "same id",
        },
    },
    "mistake_request_per_result": {
        "why": "Calls the model after each single result (the 400 propagates).",
        "cells": {
            "answer_chat_agent": '''
def chat_agent(client, *, model, messages, tools):
    messages = list(messages)
    completion = client.chat.completions.create(model=model, messages=messages, tools=tools)
    while completion.choices[0].message.tool_calls:
        message = completion.choices[0].message
        messages.append(message)
        for result in chat_tool_messages(message):
            messages.append(result)
            completion = client.chat.completions.create(model=model, messages=messages, tools=tools)
    return completion.choices[0].message.content
''',
        },
        "fails": ['test_chat_agent'],
        "says": {"test_chat_agent": "one request for the whole turn"},
    },
    "mistake_request_per_result_swallowed": {
        "why": "One request per result, with the API's 400 swallowed by a bare except.",
        "cells": {
            "answer_claude_agent": '''
def claude_agent(client, *, model, messages, tools, max_tokens=1024):
    messages = list(messages)
    message = client.messages.create(model=model, max_tokens=max_tokens, messages=messages, tools=tools)
    while message.stop_reason == "tool_use":
        messages.append({"role": "assistant", "content": message.content})
        blocks = []
        for block in claude_tool_results(message)["content"]:
            blocks.append(block)
            try:
                message = client.messages.create(model=model, max_tokens=max_tokens, tools=tools,
                                                 messages=messages + [{"role": "user", "content": list(blocks)}])
            except Exception:
                pass
        messages.append({"role": "user", "content": blocks})
    return "".join(b.text for b in message.content if b.type == "text")
''',
        },
        "fails": ['test_claude_agent'],
        "says": {"test_claude_agent": "one request per result"},
    },
    "mistake_stop_after_one_round": {
        "why": "Answers one round of calls, then returns whatever comes back.",
        "cells": {
            "answer_chat_agent": '''
def chat_agent(client, *, model, messages, tools):
    messages = list(messages)
    completion = client.chat.completions.create(model=model, messages=messages, tools=tools)
    message = completion.choices[0].message
    if message.tool_calls:
        messages.append(message)
        messages.extend(chat_tool_messages(message))
        completion = client.chat.completions.create(model=model, messages=messages, tools=tools)
    return completion.choices[0].message.content
''',
            "answer_claude_agent": '''
def claude_agent(client, *, model, messages, tools, max_tokens=1024):
    messages = list(messages)
    message = client.messages.create(model=model, max_tokens=max_tokens, messages=messages, tools=tools)
    if message.stop_reason == "tool_use":
        messages.append({"role": "assistant", "content": message.content})
        messages.append(claude_tool_results(message))
        message = client.messages.create(model=model, max_tokens=max_tokens, messages=messages, tools=tools)
    return "".join(b.text for b in message.content if b.type == "text")
''',
        },
        "fails": ['test_chat_agent', 'test_claude_agent'],
        "says": {"test_chat_agent": "never sent their results back",
                  "test_claude_agent": "never sent their results back"},
    },
    "mistake_crash_on_tool_error": {
        "why": "run_tool lets the tool's exception escape.",
        "cells": {
            "answer_run_tool": '''
def run_tool(name, arguments):
    args = json.loads(arguments) if isinstance(arguments, str) else arguments
    return json.dumps(tools.call(name, args)), False
''',
        },
        "fails": ['test_chat_agent', 'test_chat_tool_messages', 'test_claude_agent', 'test_claude_tool_results', 'test_run_tool'],
        "says": {
            "test_run_tool": "must never raise",
            "test_chat_tool_messages": "not a crash",
            "test_claude_tool_results": "not a crash",
            "test_chat_agent": "must not crash the loop",
            "test_claude_agent": "must not crash the loop",
        },
    },
    "mistake_chat_format_to_responses": {
        "why": "Sends Chat Completions tool messages to the Responses API.",
        "cells": {
            "answer_responses_tool_outputs": '''
def responses_tool_outputs(response):
    return [{"role": "tool", "tool_call_id": item.call_id, "content": run_tool(item.name, item.arguments)[0]}
            for item in response.output if item.type == "function_call"]
''',
        },
        "fails": ['test_responses_tool_outputs'],
        "says": {"test_responses_tool_outputs": "Chat Completions format"},
    },
    "mistake_error_not_flagged": {
        "why": "Anthropic error results without is_error (and run_tool reporting failures as successes).",
        "cells": {
            "answer_run_tool": '''
def run_tool(name, arguments):
    try:
        args = json.loads(arguments) if isinstance(arguments, str) else arguments
        return json.dumps(tools.call(name, args)), False
    except Exception as exc:
        return json.dumps({"error": str(exc)}), False
''',
        },
        "fails": ['test_claude_agent', 'test_claude_tool_results', 'test_run_tool'],
        "says": {"test_run_tool": "is_error", "test_claude_tool_results": "is_error",
                  "test_claude_agent": "is_error"},
    },
    "mistake_results_in_separate_user_messages": {
        "why": "Each tool_result in its own user message.",
        "cells": {
            "answer_claude_agent": '''
def claude_agent(client, *, model, messages, tools, max_tokens=1024):
    messages = list(messages)
    while True:
        message = client.messages.create(model=model, max_tokens=max_tokens, messages=messages, tools=tools)
        if message.stop_reason != "tool_use":
            return "".join(b.text for b in message.content if b.type == "text")
        messages.append({"role": "assistant", "content": message.content})
        for block in claude_tool_results(message)["content"]:
            messages.append({"role": "user", "content": [block]})
''',
        },
        "fails": ['test_claude_agent'],
        "says": {"test_claude_agent": "several user messages"},
    },
    "mistake_dict_not_json_text": {
        "why": "The tool's dict sent as content instead of json.dumps(result).",
        "cells": {
            "answer_run_tool": '''
def run_tool(name, arguments):
    try:
        args = json.loads(arguments) if isinstance(arguments, str) else arguments
        return tools.call(name, args), False
    except Exception as exc:
        return str(exc), True
''',
        },
        "fails": ['test_chat_agent', 'test_chat_tool_messages', 'test_claude_agent', 'test_claude_tool_results', 'test_responses_tool_outputs', 'test_run_tool'],
        "says": {"test_run_tool": "wants a string", "test_chat_tool_messages": "as a string",
                  "test_responses_tool_outputs": "as a string", "test_claude_tool_results": "as a string",
                  "test_chat_agent": "as a string", "test_claude_agent": "as a string"},
    },
    "mistake_never_stops": {
        "why": "Keeps calling the model a fixed number of times, swallowing the errors.",
        "cells": {
            "answer_chat_agent": '''
def chat_agent(client, *, model, messages, tools):
    messages = list(messages)
    text = None
    for _ in range(4):
        try:
            completion = client.chat.completions.create(model=model, messages=messages, tools=tools)
        except Exception:
            continue
        message = completion.choices[0].message
        text = message.content
        messages.append(message)
        if message.tool_calls:
            messages.extend(chat_tool_messages(message))
    return text
''',
        },
        "fails": ['test_chat_agent'],
        "says": {"test_chat_agent": "after it had finished"},
    },
    "mistake_responses_item_id_not_call_id": {
        "why": "Answers Responses calls with item.id (fc_...) instead of item.call_id (call_...).",
        "cells": {
            "answer_responses_tool_outputs": '''
def responses_tool_outputs(response):
    return [{"type": "function_call_output", "call_id": item.id, "output": run_tool(item.name, item.arguments)[0]}
            for item in response.output if item.type == "function_call"]
''',
        },
        "fails": ['test_responses_tool_outputs'],
        "says": {"test_responses_tool_outputs": "not item.id"},
    },
    "mistake_results_paired_with_wrong_ids": {
        "why": "Every id is answered once, but the outputs are shifted onto the wrong ids.",
        "cells": {
            "answer_chat_tool_messages": '''
def chat_tool_messages(message):
    calls = message.tool_calls
    outputs = [run_tool(tc.function.name, tc.function.arguments)[0] for tc in calls]
    outputs = outputs[1:] + outputs[:1]
    return [{"role": "tool", "tool_call_id": tc.id, "content": out} for tc, out in zip(calls, outputs)]
''',
        },
        "fails": ['test_chat_agent', 'test_chat_tool_messages'],
        "says": {"test_chat_tool_messages": "wrong id", "test_chat_agent": "wrong id"},
    },
}
