"""Graded-submission corpus for lesson 07 (the field guide: fixing broken tool loops).

``VARIANTS`` maps a name to ``{"why", "cells", "fails", "says"}`` (the format of tests/corpus/README.md):
``cells`` replaces answer cells (by ``grade_id``; the others keep the master's solution), ``fails`` lists
the test cells that must score 0 and ``says`` the phrase each one's teaching message must contain.
Names start ``correct_`` (full marks) or ``mistake_``. Every broken loop of the lesson is handed back unfixed
once (``mistake_*_unfixed``).
"""

LESSON = "07-field-guide"

VARIANTS = {
    # ------------------------------------------------------------------ correct styles: full marks
    "correct_threads_dumps_taskgroup": {
        "why": "Tools on a thread pool; assistant turns appended as model_dump() dicts; Responses output items "
               "resent as model_dump(exclude_none=True) dicts; Claude's calls in a TaskGroup; a TaskGroup for the "
               "async turn; streamed fragments in a defaultdict keyed by index.",
        "cells": {
            "answer_fixed_chat_agent": '''
from concurrent.futures import ThreadPoolExecutor

def fixed_chat_agent(client, *, model, messages, tools):
    history = [dict(m) for m in messages]
    for _ in range(10):
        choice = client.chat.completions.create(model=model, messages=history, tools=tools).choices[0]
        if choice.finish_reason != "tool_calls":
            return choice.message.content
        history.append(choice.message.model_dump(exclude_none=True))
        with ThreadPoolExecutor() as pool:
            texts = list(pool.map(lambda tc: run_tool(tc.function.name, tc.function.arguments)[0],
                                  choice.message.tool_calls))
        history += [{"role": "tool", "tool_call_id": tc.id, "content": t}
                    for tc, t in zip(choice.message.tool_calls, texts)]
    raise RuntimeError("too many rounds")
''',
            "answer_fixed_reasoning_agent": '''
def fixed_reasoning_agent(client, *, model, input, tools):
    items = [dict(m) for m in input]
    while True:
        response = client.responses.create(model=model, input=items, tools=tools, store=False)
        if not any(item.type == "function_call" for item in response.output):
            return response.output_text
        for item in response.output:
            items.append(item.model_dump(exclude_none=True))
        for item in response.output:
            if item.type == "function_call":
                text, _ = run_tool(item.name, item.arguments)
                items.append({"type": "function_call_output", "call_id": item.call_id, "output": text})
''',
            "answer_fixed_claude_agent": '''
async def fixed_claude_agent(client, *, model, messages, tools, max_tokens=1024):
    history = list(messages)
    while True:
        reply = await client.messages.create(model=model, max_tokens=max_tokens, messages=history, tools=tools)
        uses = [b for b in reply.content if b.type == "tool_use"]
        if not uses:
            return "".join(b.text for b in reply.content if b.type == "text")
        async with asyncio.TaskGroup() as tg:
            tasks = {u.id: tg.create_task(asyncio.to_thread(run_tool, u.name, u.input)) for u in uses}
        blocks = []
        for u in uses:
            text, failed = tasks[u.id].result()
            block = {"type": "tool_result", "tool_use_id": u.id, "content": text}
            if failed:
                block["is_error"] = True
            blocks.append(block)
        history += [{"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in reply.content]},
                    {"role": "user", "content": blocks}]
''',
            "answer_fixed_async_agent": '''
async def fixed_async_agent(client, *, model, messages, tools, functions):
    history = list(messages)
    while True:
        completion = await client.chat.completions.create(model=model, messages=history, tools=tools)
        msg = completion.choices[0].message
        if not msg.tool_calls:
            return msg.content
        history.append(msg.model_dump(exclude_none=True))
        async with asyncio.TaskGroup() as tg:
            tasks = [(tc.id, tg.create_task(functions[tc.function.name](**json.loads(tc.function.arguments))))
                     for tc in msg.tool_calls]
        history += [{"role": "tool", "tool_call_id": cid, "content": json.dumps(t.result())} for cid, t in tasks]
''',
            "answer_fixed_stream_agent": '''
from collections import defaultdict

def fixed_stream_agent(client, *, model, messages, tools):
    history = list(messages)
    while True:
        parts = defaultdict(lambda: {"id": "", "name": "", "args": []})
        text = []
        for chunk in client.chat.completions.create(model=model, messages=history, tools=tools, stream=True):
            if not chunk.choices:
                continue
            delta = chunk.choices[0].delta
            if delta.content:
                text.append(delta.content)
            for tc in delta.tool_calls or []:
                slot = parts[tc.index]
                if tc.id:
                    slot["id"] = tc.id
                if tc.function and tc.function.name:
                    slot["name"] = tc.function.name
                if tc.function and tc.function.arguments:
                    slot["args"].append(tc.function.arguments)
        if not parts:
            return "".join(text)
        calls = [parts[i] for i in sorted(parts)]
        history.append({"role": "assistant", "tool_calls": [
            {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": "".join(c["args"])}}
            for c in calls]})
        for c in calls:
            history.append({"role": "tool", "tool_call_id": c["id"], "content": run_tool(c["name"], "".join(c["args"]))[0]})
''',
        },
        "fails": [],
    },
    "correct_objects_create_task_plain_gather": {
        "why": "Assistant turns appended as SDK objects; the Responses history rebuilt as a new list each round; "
               "Claude's tools called directly in a comprehension; create_task + gather for the async turn; "
               "streamed calls in a list grown to the index.",
        "cells": {
            "answer_fixed_chat_agent": '''
def fixed_chat_agent(client, *, model, messages, tools):
    convo = messages[:]
    message = client.chat.completions.create(model=model, messages=convo, tools=tools).choices[0].message
    while message.tool_calls:
        convo = convo + [message] + [{"role": "tool", "tool_call_id": tc.id,
                                      "content": run_tool(tc.function.name, tc.function.arguments)[0]}
                                     for tc in reversed(message.tool_calls)]
        message = client.chat.completions.create(model=model, messages=convo, tools=tools).choices[0].message
    return message.content
''',
            "answer_fixed_reasoning_agent": '''
def fixed_reasoning_agent(client, *, model, input, tools):
    history = list(input)
    response = client.responses.create(model=model, input=history, tools=tools, store=False)
    while (calls := [i for i in response.output if i.type == "function_call"]):
        outputs = [{"type": "function_call_output", "call_id": c.call_id, "output": run_tool(c.name, c.arguments)[0]}
                   for c in calls]
        history = [*history, *response.output, *outputs]
        response = client.responses.create(model=model, input=history, tools=tools, store=False)
    return response.output_text
''',
            "answer_fixed_claude_agent": '''
async def fixed_claude_agent(client, *, model, messages, tools, max_tokens=1024):
    messages = list(messages)
    while True:
        message = await client.messages.create(model=model, max_tokens=max_tokens, messages=messages, tools=tools)
        if message.stop_reason != "tool_use":
            return "".join(block.text for block in message.content if block.type == "text")
        results = []
        for block in message.content:
            if block.type == "tool_use":
                text, failed = run_tool(block.name, block.input)
                results.append({"type": "tool_result", "tool_use_id": block.id, "content": text, "is_error": failed})
        messages += [{"role": "assistant", "content": message.content}, {"role": "user", "content": results}]
''',
            "answer_fixed_async_agent": '''
async def fixed_async_agent(client, *, model, messages, tools, functions):
    messages = list(messages)
    while True:
        message = (await client.chat.completions.create(model=model, messages=messages, tools=tools)).choices[0].message
        if not message.tool_calls:
            return message.content

        async def one(tc):
            return tc.id, await functions[tc.function.name](**json.loads(tc.function.arguments))

        tasks = [asyncio.create_task(one(tc)) for tc in message.tool_calls]
        messages.append(message)
        for call_id, result in await asyncio.gather(*tasks):
            messages.append({"role": "tool", "tool_call_id": call_id, "content": json.dumps(result)})
''',
            "answer_fixed_stream_agent": '''
def fixed_stream_agent(client, *, model, messages, tools):
    messages = list(messages)
    while True:
        content, calls = "", []
        stream = client.chat.completions.create(model=model, messages=messages, tools=tools, stream=True)
        for chunk in stream:
            delta = chunk.choices[0].delta
            content += delta.content or ""
            for tc in delta.tool_calls or []:
                while len(calls) <= tc.index:
                    calls.append({"id": None, "type": "function", "function": {"name": None, "arguments": ""}})
                call = calls[tc.index]
                call["id"] = call["id"] or tc.id
                call["function"]["name"] = call["function"]["name"] or tc.function.name
                call["function"]["arguments"] += tc.function.arguments or ""
        if not calls:
            return content
        messages.append({"role": "assistant", "content": content or None, "tool_calls": calls})
        messages += [{"role": "tool", "tool_call_id": c["id"],
                      "content": run_tool(c["function"]["name"], c["function"]["arguments"])[0]} for c in calls]
''',
        },
        "fails": [],
    },

    # ------------------------------------------------------------------ the broken loops handed back unfixed
    "mistake_broken_loops_unfixed": {
        "why": "Every broken loop of the lesson returned as it was handed out.",
        "cells": {
            "answer_fixed_chat_agent": '''
def fixed_chat_agent(client, *, model, messages, tools):
    return skipping_agent(client, model=model, messages=messages, tools=tools)
''',
            "answer_fixed_reasoning_agent": '''
def fixed_reasoning_agent(client, *, model, input, tools):
    return chained_agent(client, model=model, input=input, tools=tools)
''',
            "answer_fixed_claude_agent": '''
async def fixed_claude_agent(client, *, model, messages, tools, max_tokens=1024):
    return await polite_claude_agent(client, model=model, messages=messages, tools=tools, max_tokens=max_tokens)
''',
            "answer_fixed_async_agent": '''
async def fixed_async_agent(client, *, model, messages, tools, functions):
    return await waiting_agent(client, model=model, messages=messages, tools=tools, functions=functions)
''',
            "answer_fixed_stream_agent": '''
def fixed_stream_agent(client, *, model, messages, tools):
    return last_call_agent(client, model=model, messages=messages, tools=tools)
''',
        },
        "fails": ["test_fixed_chat_agent", "test_fixed_reasoning_agent", "test_fixed_claude_agent",
                  "test_fixed_async_agent", "test_fixed_stream_agent"],
        "says": {"test_fixed_chat_agent": "chat_missing",
                 "test_fixed_reasoning_agent": "responses_previous_not_stored",
                 "test_fixed_claude_agent": "anthropic_results_not_first",
                 "test_fixed_async_agent": "one after another",
                 "test_fixed_stream_agent": "index"},
    },

    # ------------------------------------------------------------------ half-fixes
    "mistake_chat_tool_error_escapes": {
        "why": "The skip is gone, but a failing tool now raises out of the loop.",
        "cells": {"answer_fixed_chat_agent": '''
def fixed_chat_agent(client, *, model, messages, tools):
    messages = list(messages)
    while True:
        message = client.chat.completions.create(model=model, messages=messages, tools=tools).choices[0].message
        if not message.tool_calls:
            return message.content
        messages.append(message)
        for tc in message.tool_calls:
            result = toolbox.call(tc.function.name, json.loads(tc.function.arguments))
            messages.append({"role": "tool", "tool_call_id": tc.id, "content": json.dumps(result)})
'''},
        "fails": ["test_fixed_chat_agent"],
        "says": {"test_fixed_chat_agent": "error result"},
    },
    "mistake_reasoning_calls_without_reasoning": {
        "why": "store=False history resent, but only the function_call items, not the reasoning item.",
        "cells": {"answer_fixed_reasoning_agent": '''
def fixed_reasoning_agent(client, *, model, input, tools):
    history = list(input)
    while True:
        response = client.responses.create(model=model, input=history, tools=tools, store=False)
        calls = [item for item in response.output if item.type == "function_call"]
        if not calls:
            return response.output_text
        history += calls
        history += [{"type": "function_call_output", "call_id": c.call_id, "output": run_tool(c.name, c.arguments)[0]}
                    for c in calls]
'''},
        "fails": ["test_fixed_reasoning_agent"],
        "says": {"test_fixed_reasoning_agent": "responses_without_reasoning"},
    },
    "mistake_reasoning_store_dropped": {
        "why": "The history is resent, but store=False is only sent on the first request.",
        "cells": {"answer_fixed_reasoning_agent": '''
def fixed_reasoning_agent(client, *, model, input, tools):
    history = list(input)
    response = client.responses.create(model=model, input=history, tools=tools, store=False)
    while True:
        calls = [item for item in response.output if item.type == "function_call"]
        if not calls:
            return response.output_text
        history += response.output
        history += [{"type": "function_call_output", "call_id": c.call_id, "output": run_tool(c.name, c.arguments)[0]}
                    for c in calls]
        response = client.responses.create(model=model, input=history, tools=tools)
'''},
        "fails": ["test_fixed_reasoning_agent"],
        "says": {"test_fixed_reasoning_agent": "store=False on every request"},
    },
    "mistake_claude_assistant_once_per_call": {
        "why": "The greeting is gone, but Claude's message is appended once per tool_use block.",
        "cells": {"answer_fixed_claude_agent": '''
async def fixed_claude_agent(client, *, model, messages, tools, max_tokens=1024):
    messages = list(messages)
    while True:
        message = await client.messages.create(model=model, max_tokens=max_tokens, messages=messages, tools=tools)
        if message.stop_reason != "tool_use":
            return "".join(block.text for block in message.content if block.type == "text")
        uses = [block for block in message.content if block.type == "tool_use"]
        results = []
        for u in uses:
            messages.append({"role": "assistant", "content": message.content})
            text, failed = run_tool(u.name, u.input)
            results.append({"type": "tool_result", "tool_use_id": u.id, "content": text, "is_error": failed})
        messages.append({"role": "user", "content": results})
'''},
        "fails": ["test_fixed_claude_agent"],
        "says": {"test_fixed_claude_agent": "refused"},
    },
    "mistake_async_as_completed_wrong_ids": {
        "why": "Concurrent, but results taken in finishing order (as_completed) and zipped with tool_calls: "
               "results under the wrong ids.",
        "cells": {"answer_fixed_async_agent": '''
async def fixed_async_agent(client, *, model, messages, tools, functions):
    messages = list(messages)
    while True:
        message = (await client.chat.completions.create(model=model, messages=messages, tools=tools)).choices[0].message
        if not message.tool_calls:
            return message.content
        messages.append(message)
        pending = [functions[tc.function.name](**json.loads(tc.function.arguments)) for tc in message.tool_calls]
        finished = [await fut for fut in asyncio.as_completed(pending)]
        for tc, result in zip(message.tool_calls, finished):
            messages.append({"role": "tool", "tool_call_id": tc.id, "content": json.dumps(result)})
'''},
        "fails": ["test_fixed_async_agent"],
        "says": {"test_fixed_async_agent": "wrong id"},
    },
    "mistake_stream_keyed_by_id_only": {
        "why": "Fragments without an id are added to the call whose id came last: the same merge, written "
               "with a dict keyed by id.",
        "cells": {"answer_fixed_stream_agent": '''
def fixed_stream_agent(client, *, model, messages, tools):
    messages = list(messages)
    while True:
        text, calls, current = "", {}, None
        for chunk in client.chat.completions.create(model=model, messages=messages, tools=tools, stream=True):
            delta = chunk.choices[0].delta
            text += delta.content or ""
            for tc in delta.tool_calls or []:
                current = tc.id or current
                call = calls.setdefault(current, {"name": tc.function.name, "arguments": ""})
                call["arguments"] += tc.function.arguments or ""
        if not calls:
            return text
        messages.append({"role": "assistant", "content": text or None, "tool_calls": [
            {"id": i, "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
            for i, c in calls.items()]})
        for i, c in calls.items():
            messages.append({"role": "tool", "tool_call_id": i, "content": run_tool(c["name"], c["arguments"])[0]})
'''},
        "fails": ["test_fixed_stream_agent"],
        "says": {"test_fixed_stream_agent": "index"},
    },
}
