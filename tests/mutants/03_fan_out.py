"""Lesson 03 mutants: one per rule the exercise text states, each breaking only that rule.

Format and runner: tests/mutants/run.py.
"""

LESSON = "03-fan-out"

_GATHER = "results = await asyncio.gather(*(tools[c[\"name\"]](**c[\"arguments\"]) for c in calls))"

MUTANTS = [
    # --- Exercise 1: run_calls ------------------------------------------------------------------------------
    {"rule": "run every call concurrently", "name": "one-after-another", "cell": "run_calls",
     "replace": [(_GATHER, "results = [await tools[c[\"name\"]](**c[\"arguments\"]) for c in calls]")]},
    {"rule": "return {call_id: result}", "name": "keyed-by-name", "cell": "run_calls",
     "replace": [("return {c[\"id\"]: r for c, r in zip(calls, results)}",
                  "return {c[\"name\"]: r for c, r in zip(calls, results)}")]},
    {"rule": "every call gets its result", "name": "last-call-dropped", "cell": "run_calls",
     "replace": [("return {c[\"id\"]: r for c, r in zip(calls, results)}",
                  "return {c[\"id\"]: r for c, r in zip(calls[:-1], results)}")]},

    # --- Exercise 2: run_calls_safely ---------------------------------------------------------------------------
    {"rule": "a call that raises gets an error result", "name": "exception-escapes", "cell": "run_calls_safely",
     "replace": [("        except Exception as e:\n            return {\"error\": f\"{type(e).__name__}: {e}\"}\n", "")]},
    {"rule": "a call that exceeds timeout is cancelled and gets an error result", "name": "no-timeout",
     "cell": "run_calls_safely",
     "replace": [("return await asyncio.wait_for(tools[c[\"name\"]](**c[\"arguments\"]), timeout)",
                  "return await tools[c[\"name\"]](**c[\"arguments\"])")]},
    {"rule": "every other call keeps its real result", "name": "one-error-sinks-all", "cell": "run_calls_safely",
     "replace": [("    results = await asyncio.gather(*(one(c) for c in calls))\n",
                  "    results = await asyncio.gather(*(one(c) for c in calls))\n"
                  "    errors = [r for r in results if isinstance(r, dict) and \"error\" in r]\n"
                  "    results = [errors[0] if errors else r for r in results]\n")]},
    {"rule": "every other call keeps its real result: the timeout is per call, not one for the batch",
     "name": "one-timeout-for-the-batch", "cell": "run_calls_safely",
     "replace": [("return await asyncio.wait_for(tools[c[\"name\"]](**c[\"arguments\"]), timeout)",
                  "return await tools[c[\"name\"]](**c[\"arguments\"])"),
                 ("    results = await asyncio.gather(*(one(c) for c in calls))\n",
                  "    try:\n"
                  "        results = await asyncio.wait_for(asyncio.gather(*(one(c) for c in calls)), timeout)\n"
                  "    except TimeoutError:\n"
                  "        results = [{\"error\": f\"timed out after {timeout} s\"} for c in calls]\n")]},
    {"rule": "concurrent, like run_calls", "name": "one-after-another", "cell": "run_calls_safely",
     "replace": [("    results = await asyncio.gather(*(one(c) for c in calls))\n",
                  "    results = [await one(c) for c in calls]\n")]},

    # --- Exercise 3: run_calls_capped ---------------------------------------------------------------------------
    {"rule": "never more than limit calls in flight (one semaphore, shared)", "name": "semaphore-per-call",
     "cell": "run_calls_capped",
     "replace": [("    async def one(c):\n        async with sem:",
                  "    async def one(c):\n        async with asyncio.Semaphore(limit):")]},
    {"rule": "concurrent up to the limit", "name": "limit-ignored-serial", "cell": "run_calls_capped",
     "replace": [("sem = asyncio.Semaphore(limit)", "sem = asyncio.Semaphore(1)")]},
    {"rule": "results by id", "name": "results-by-position", "cell": "run_calls_capped",
     "replace": [("return {c[\"id\"]: r for c, r in zip(calls, results)}",
                  "return {c[\"id\"]: r for c, r in zip(calls, reversed(results))}")]},

    # --- Exercise 4: run_blocking_calls -------------------------------------------------------------------------
    {"rule": "blocking tools run on threads, never on the event loop", "name": "blocks-the-loop",
     "cell": "run_blocking_calls",
     "replace": [("results = await asyncio.gather(*(asyncio.to_thread(sync_tools[c[\"name\"]], **c[\"arguments\"]) "
                  "for c in calls))",
                  "results = [sync_tools[c[\"name\"]](**c[\"arguments\"]) for c in calls]")]},
    {"rule": "concurrently", "name": "threads-one-after-another", "cell": "run_blocking_calls",
     "replace": [("results = await asyncio.gather(*(asyncio.to_thread(sync_tools[c[\"name\"]], **c[\"arguments\"]) "
                  "for c in calls))",
                  "results = [await asyncio.to_thread(sync_tools[c[\"name\"]], **c[\"arguments\"]) for c in calls]")]},

    # --- Exercise 5: fan_out_agent ------------------------------------------------------------------------------
    {"rule": "run all the turn's calls concurrently", "name": "calls-one-after-another", "cell": "fan_out_agent",
     "replace": [("for call_id, result in await asyncio.gather(*(one(c) for c in calls)):",
                  "for call_id, result in [await one(c) for c in calls]:")]},
    {"rule": "go round again until the message has no tool_calls", "name": "one-round-only",
     "cell": "fan_out_agent",
     "replace": [("            messages.append({\"role\": \"tool\", \"tool_call_id\": call_id, \"content\": json.dumps(result)})\n",
                  "            messages.append({\"role\": \"tool\", \"tool_call_id\": call_id, \"content\": json.dumps(result)})\n"
                  "        completion = await client.chat.completions.create(model=\"gpt-4o-mini\", messages=messages, "
                  "tools=specs)\n"
                  "        return completion.choices[0].message.content\n")]},
    {"rule": "one tool message per call", "name": "first-call-only", "cell": "fan_out_agent",
     "replace": [("                 for tc in msg.tool_calls]", "                 for tc in msg.tool_calls[:1]]")]},
    {"rule": "append the assistant message", "name": "assistant-not-appended", "cell": "fan_out_agent",
     "replace": [("        messages.append(msg)\n", "")]},
    {"rule": "return the final message's content", "name": "returns-message", "cell": "fan_out_agent",
     "replace": [("            return msg.content\n", "            return msg\n")]},
]
