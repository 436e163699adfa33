"""Lesson 04 mutants: one per rule the exercise text states, each breaking only that rule.

Format and runner: tests/mutants/run.py. Every mutant here fails the hidden tests and the visible self-check
(tests/test_mutants.py: lesson 4 has no documented exception).
"""

LESSON = "04-disabling"

MUTANTS = [
    # --- Exercise 1: parallel_tool_calls=False on OpenAI ---------------------------------------------------------
    {"rule": "Chat Completions: send parallel_tool_calls=False", "name": "chat-parameter-missing",
     "cell": "answer_openai_serial",
     "replace": [("return client.chat.completions.create(**{**request, \"parallel_tool_calls\": False})",
                  "return client.chat.completions.create(**request)")]},
    {"rule": "Responses: send parallel_tool_calls=False", "name": "responses-parameter-missing",
     "cell": "answer_openai_serial",
     "replace": [("return client.responses.create(**{**request, \"parallel_tool_calls\": False})",
                  "return client.responses.create(**request)")]},
    {"rule": "the parameter, not a prompt sentence", "name": "prompt-sentence",
     "cell": "answer_openai_serial",
     "replace": [("return client.chat.completions.create(**{**request, \"parallel_tool_calls\": False})",
                  "return client.chat.completions.create(**{**request, \"messages\": [{\"role\": \"system\", "
                  "\"content\": \"Call one tool at a time.\"}, *request[\"messages\"]]})")]},

    # --- Exercise 2: disable_parallel_tool_use on Anthropic --------------------------------------------------------
    {"rule": "the switch lives inside tool_choice", "name": "top-level-switch", "cell": "answer_claude_serial",
     "replace": [("return client.messages.create(**{**request, \"tool_choice\": choice})",
                  "return client.messages.create(**request, extra_body={\"disable_parallel_tool_use\": True})")]},
    {"rule": "keep the tool_choice type the request asked for", "name": "type-always-auto",
     "cell": "answer_claude_serial",
     "replace": [("choice = {**request.get(\"tool_choice\", {\"type\": \"auto\"}), \"disable_parallel_tool_use\": True}",
                  "choice = {\"type\": \"auto\", \"disable_parallel_tool_use\": True}")]},
    {"rule": "no tool_choice: use auto", "name": "default-any", "cell": "answer_claude_serial",
     "replace": [("request.get(\"tool_choice\", {\"type\": \"auto\"})", "request.get(\"tool_choice\", {\"type\": \"any\"})")]},

    # --- Exercise 3: run_turn_with_policy ---------------------------------------------------------------------------
    {"rule": "read-only calls run together", "name": "reads-one-by-one", "cell": "answer_policy",
     "replace": [("    await asyncio.gather(*(run(c) for c in calls if c[\"name\"] in READ_ONLY))\n",
                  "    for c in calls:\n        if c[\"name\"] in READ_ONLY:\n            await run(c)\n")]},
    {"rule": "mutating calls run alone, after the reads", "name": "everything-together", "cell": "answer_policy",
     "replace": [("await asyncio.gather(*(run(c) for c in calls if c[\"name\"] in READ_ONLY))",
                  "await asyncio.gather(*(run(c) for c in calls))")]},
    {"rule": "mutating calls in the model's order", "name": "writes-reversed", "cell": "answer_policy",
     "replace": [("    for call in calls:\n        if call[\"name\"] not in READ_ONLY:",
                  "    for call in reversed(calls):\n        if call[\"name\"] not in READ_ONLY:")]},
    {"rule": "a ToolError becomes {'error': str(exc)}", "name": "tool-error-escapes", "cell": "answer_policy",
     "replace": [("        except tools.ToolError as exc:\n            results[call[\"id\"]] = {\"error\": str(exc)}\n",
                  "        finally:\n            pass\n")]},

    # --- Exercise 4: find_guessed_arguments -------------------------------------------------------------------------
    {"rule": "a dependent argument no earlier result supplied is a guess", "name": "same-turn-results-count",
     "cell": "answer_guesses",
     "replace": [("        for call in turn:\n            for arg in DEPENDENT_ARGUMENTS.get(call[\"name\"], ()):",
                  "        for call in turn:\n            supplied |= values(call[\"result\"])\n"
                  "        for call in turn:\n            for arg in DEPENDENT_ARGUMENTS.get(call[\"name\"], ()):")]},
    {"rule": "values nested in results count as supplied (at any depth)", "name": "top-level-values-only",
     "cell": "answer_guesses",
     "replace": [("            return {v for item in obj.values() for v in values(item)}",
                  "            return {v for v in obj.values() if isinstance(v, (str, int, float))}")]},
    {"rule": "report (call id, argument, value)", "name": "value-missing", "cell": "answer_guesses",
     "replace": [("guesses.append((call[\"id\"], arg, call[\"arguments\"][arg]))", "guesses.append((call[\"id\"], arg))")]},
]
