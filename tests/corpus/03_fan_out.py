"""Graded-submission corpus for lesson 03 (fan-out with asyncio): correct styles (``fails == []``, full marks) and the
common mistakes, each failing its test cells with the teaching message named in ``says``.

Format and how it is graded: tests/corpus/README.md.
"""

LESSON = "03-fan-out"

_TG_RUN = '''
async def run_calls(calls, tools):
    async with asyncio.TaskGroup() as tg:
        tasks = {c["id"]: tg.create_task(tools[c["name"]](**c["arguments"])) for c in calls}
    return {i: t.result() for i, t in tasks.items()}
'''
_TG_SAFE = '''
async def run_calls_safely(calls, tools, timeout=5.0):
    async def one(c):
        try:
            async with asyncio.timeout(timeout):
                return await tools[c["name"]](**c["arguments"])
        except TimeoutError:
            return {"error": "timed out"}
        except Exception as e:
            return {"error": repr(e)}
    async with asyncio.TaskGroup() as tg:
        tasks = {c["id"]: tg.create_task(one(c)) for c in calls}
    return {i: t.result() for i, t in tasks.items()}
'''
_TG_CAP = '''
async def run_calls_capped(calls, tools, limit):
    sem = asyncio.Semaphore(limit)
    async def one(c):
        async with sem:
            return await tools[c["name"]](**c["arguments"])
    async with asyncio.TaskGroup() as tg:
        tasks = {c["id"]: tg.create_task(one(c)) for c in calls}
    return {i: t.result() for i, t in tasks.items()}
'''
_AC_RUN = '''
async def run_calls(calls, tools):
    async def one(c):
        return c["id"], await tools[c["name"]](**c["arguments"])
    out = {}
    for fut in asyncio.as_completed([one(c) for c in calls]):
        call_id, result = await fut
        out[call_id] = result
    return out
'''
_RE_SAFE = '''
async def run_calls_safely(calls, tools, timeout=5.0):
    results = await asyncio.gather(*(asyncio.wait_for(tools[c["name"]](**c["arguments"]), timeout) for c in calls),
                                   return_exceptions=True)
    return {c["id"]: ({"error": f"{type(r).__name__}: {r}"} if isinstance(r, BaseException) else r)
            for c, r in zip(calls, results)}
'''
_POOL_BLOCKING = '''
import concurrent.futures

async def run_blocking_calls(calls, sync_tools):
    loop = asyncio.get_running_loop()
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        futs = [loop.run_in_executor(pool, lambda c=c: sync_tools[c["name"]](**c["arguments"])) for c in calls]
        results = await asyncio.gather(*futs)
    return {c["id"]: r for c, r in zip(calls, results)}
'''
_BATCH_CAP = '''
async def run_calls_capped(calls, tools, limit):
    out = {}
    for i in range(0, len(calls), limit):
        batch = calls[i:i + limit]
        results = await asyncio.gather(*(tools[c["name"]](**c["arguments"]) for c in batch))
        out.update({c["id"]: r for c, r in zip(batch, results)})
    return out
'''
_AGENT_DUMP = '''
async def fan_out_agent(client, question, tools):
    messages = [{"role": "user", "content": question}]
    while True:
        completion = await client.chat.completions.create(
            model="gpt-4o-mini", messages=messages, tools=[chat_tool(n) for n in tools])
        msg = completion.choices[0].message
        if not msg.tool_calls:
            return msg.content
        messages.append(msg.model_dump())
        calls = [{"id": tc.id, "name": tc.function.name, "arguments": json.loads(tc.function.arguments)}
                 for tc in msg.tool_calls]
        results = await run_calls_safely(calls, tools)
        messages += [{"role": "tool", "tool_call_id": i, "content": json.dumps(r)} for i, r in results.items()]
'''

VARIANTS = {
    "reference": {"why": "the master's solutions (gather everywhere)", "cells": {}, "fails": []},
    "taskgroup": {"why": "TaskGroup with tasks keyed by id, asyncio.timeout per call",
                  "cells": {"run_calls": _TG_RUN, "run_calls_safely": _TG_SAFE, "run_calls_capped": _TG_CAP},
                  "fails": []},
    "as-completed-and-return-exceptions": {
        "why": "as_completed with (id, result) pairs; gather(return_exceptions=True) around wait_for",
        "cells": {"run_calls": _AC_RUN, "run_calls_safely": _RE_SAFE}, "fails": []},
    "thread-pool-and-batches": {
        "why": "ThreadPoolExecutor + run_in_executor for blocking tools; a cap done as batches of `limit`",
        "cells": {"run_blocking_calls": _POOL_BLOCKING, "run_calls_capped": _BATCH_CAP}, "fails": []},
    "agent-model-dump-reusing-executor": {
        "why": "agent appends msg.model_dump() (nulls included) and reuses run_calls_safely",
        "cells": {"fan_out_agent": _AGENT_DUMP}, "fails": []},

    "serial-await": {
        "why": "awaits each call in turn: correct results, serial timeline",
        "cells": {"run_calls": '''
async def run_calls(calls, tools):
    out = {}
    for c in calls:
        out[c["id"]] = await tools[c["name"]](**c["arguments"])
    return out
'''}, "fails": ["test_run_calls"]},
    "completion-order-mismatch": {
        "why": "as_completed results zipped with the ids in call order",
        "cells": {"run_calls": '''
async def run_calls(calls, tools):
    results = [await f for f in asyncio.as_completed([tools[c["name"]](**c["arguments"]) for c in calls])]
    return {c["id"]: r for c, r in zip(calls, results)}
'''}, "fails": ["test_run_calls"]},
    "gather-without-exception-handling": {
        "why": "plain gather: the first failure raises and every other result is lost",
        "cells": {"run_calls_safely": '''
async def run_calls_safely(calls, tools, timeout=5.0):
    results = await asyncio.gather(*(asyncio.wait_for(tools[c["name"]](**c["arguments"]), timeout) for c in calls))
    return {c["id"]: r for c, r in zip(calls, results)}
'''}, "fails": ["test_run_calls_safely"],
        # the first run's accurate message survives the second look (which once replaced it with "Missing: ...")
        "says": {"test_run_calls_safely": "One failing call must not sink the others"}},
    "no-timeout": {
        "why": "catches exceptions but never times out the hanging call",
        "cells": {"run_calls_safely": '''
async def run_calls_safely(calls, tools, timeout=5.0):
    async def one(c):
        try:
            return await tools[c["name"]](**c["arguments"])
        except Exception as e:
            return {"error": str(e)}
    results = await asyncio.gather(*(one(c) for c in calls))
    return {c["id"]: r for c, r in zip(calls, results)}
'''}, "fails": ["test_run_calls_safely"], "says": {"test_run_calls_safely": "was never cancelled"}},
    "cap-ignored": {
        "why": "a new semaphore per call limits nothing",
        "cells": {"run_calls_capped": '''
async def run_calls_capped(calls, tools, limit):
    async def one(c):
        async with asyncio.Semaphore(limit):
            return await tools[c["name"]](**c["arguments"])
    results = await asyncio.gather(*(one(c) for c in calls))
    return {c["id"]: r for c, r in zip(calls, results)}
'''}, "fails": ["test_run_calls_capped"]},
    "cap-of-one": {
        "why": "Semaphore(1): safe but serial, ignoring the allowed limit",
        "cells": {"run_calls_capped": '''
async def run_calls_capped(calls, tools, limit):
    sem = asyncio.Semaphore(1)
    async def one(c):
        async with sem:
            return await tools[c["name"]](**c["arguments"])
    results = await asyncio.gather(*(one(c) for c in calls))
    return {c["id"]: r for c, r in zip(calls, results)}
'''}, "fails": ["test_run_calls_capped"]},
    "blocking-call-in-coroutine": {
        "why": "calls the blocking tool directly inside async def: gather is serial again",
        "cells": {"run_blocking_calls": '''
async def run_blocking_calls(calls, sync_tools):
    async def one(c):
        return sync_tools[c["name"]](**c["arguments"])
    results = await asyncio.gather(*(one(c) for c in calls))
    return {c["id"]: r for c, r in zip(calls, results)}
'''}, "fails": ["test_run_blocking_calls"]},
    "agent-serial-tools": {
        "why": "the async agent awaits each tool in turn",
        "cells": {"fan_out_agent": '''
async def fan_out_agent(client, question, tools):
    messages = [{"role": "user", "content": question}]
    while True:
        completion = await client.chat.completions.create(
            model="gpt-4o-mini", messages=messages, tools=[chat_tool(n) for n in tools])
        msg = completion.choices[0].message
        if not msg.tool_calls:
            return msg.content
        messages.append(msg)
        for tc in msg.tool_calls:
            result = await tools[tc.function.name](**json.loads(tc.function.arguments))
            messages.append({"role": "tool", "tool_call_id": tc.id, "content": json.dumps(result)})
'''}, "fails": ["test_fan_out_agent"]},
    "agent-one-round": {
        "why": "answers the first round of calls, then returns the next reply's text without looking for more calls",
        "cells": {"fan_out_agent": '''
async def fan_out_agent(client, question, tools):
    messages = [{"role": "user", "content": question}]
    specs = [chat_tool(n) for n in tools]
    completion = await client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=specs)
    msg = completion.choices[0].message
    if msg.tool_calls:
        messages.append(msg)
        calls = [(tc.id, tools[tc.function.name](**json.loads(tc.function.arguments))) for tc in msg.tool_calls]
        results = await asyncio.gather(*(aw for _, aw in calls))
        messages += [{"role": "tool", "tool_call_id": i, "content": json.dumps(r)} for (i, _), r in zip(calls, results)]
        completion = await client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=specs)
        msg = completion.choices[0].message
    return msg.content
'''}, "fails": ["test_fan_out_agent"], "says": {"test_fan_out_agent": "go round again"}},
}
