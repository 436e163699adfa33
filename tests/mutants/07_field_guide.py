"""Lesson 07 mutants: one per rule the exercise text states, each breaking only that rule.

Each exercise hands the learner a broken loop; a mutant here is the fixed loop with one of the stated rules
broken again (often the very bug of the section, or the half-fix the lesson warns about). Format and runner:
tests/mutants/run.py.
"""

LESSON = "07-field-guide"

MUTANTS = [
    # --- Exercise 1: fixed_chat_agent (Chat, sync; a failed call's result dropped) -------------------------------
    {"rule": "answer every call id, a failed call with its error text", "name": "skip-failed-call",
     "cell": "answer_fixed_chat_agent",
     "replace": [("            text, _failed = run_tool(tc.function.name, tc.function.arguments)\n",
                  "            text, _failed = run_tool(tc.function.name, tc.function.arguments)\n"
                  "            if _failed:\n                continue\n")]},
    {"rule": "each result under its own call's id", "name": "first-id-for-all", "cell": "answer_fixed_chat_agent",
     "replace": [('"tool_call_id": tc.id', '"tool_call_id": message.tool_calls[0].id')]},

    # --- Exercise 2: fixed_reasoning_agent (Responses, reasoning model, store=False) -----------------------------
    {"rule": "resend the reasoning items with the calls", "name": "calls-without-reasoning",
     "cell": "answer_fixed_reasoning_agent", "replace": [("history += response.output\n", "history += calls\n")]},
    {"rule": "keep store=False (nothing is kept on the server)", "name": "store-dropped",
     "cell": "answer_fixed_reasoning_agent",
     "replace": [("input=history, tools=tools, store=False)", "input=history, tools=tools)")]},

    # --- Exercise 3: fixed_claude_agent (Anthropic, async; text before the results) -----------------------------
    {"rule": "the tool_result blocks come first in the user message", "name": "text-before-results",
     "cell": "answer_fixed_claude_agent",
     "replace": [('messages.append({"role": "user", "content": results})',
                  'messages.append({"role": "user", "content": [{"type": "text", "text": "Results:"}] + results})')]},
    {"rule": "all of a turn's results in one user message", "name": "one-message-per-result",
     "cell": "answer_fixed_claude_agent",
     "replace": [('messages.append({"role": "user", "content": results})',
                  'messages.extend({"role": "user", "content": [r]} for r in results)')]},

    # --- Exercise 4: fixed_async_agent (Chat, async; calls awaited one by one) -----------------------------------
    {"rule": "a turn's calls run together", "name": "serial-await", "cell": "answer_fixed_async_agent",
     "replace": [("        results = await asyncio.gather(*(functions[tc.function.name](**json.loads(tc.function.arguments))\n"
                  "                                         for tc in message.tool_calls))\n",
                  "        results = [await functions[tc.function.name](**json.loads(tc.function.arguments))\n"
                  "                   for tc in message.tool_calls]\n")]},
    {"rule": "each result under its own call's id", "name": "results-reversed", "cell": "answer_fixed_async_agent",
     "replace": [("zip(message.tool_calls, results)", "zip(message.tool_calls, reversed(results))")]},

    # --- Exercise 5: fixed_stream_agent (Chat, streamed; fragments keyed by position) ----------------------------
    {"rule": "fragments keyed by their index, not the last call seen", "name": "last-call-seen",
     "cell": "answer_fixed_stream_agent",
     "replace": [("call = calls.setdefault(tc.index,", "call = calls.setdefault(tc.id or list(calls)[-1],")]},
]
