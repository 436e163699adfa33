"""Lesson 05 mutants: one per rule the exercise text states, each breaking only that rule.

Format and runner: tests/mutants/run.py.
"""

LESSON = "05-hosted-tools"

MUTANTS = [
    # --- Exercise 1: to_responses_tools / validate_responses_tools ------------------------------------------------
    {"rule": "strict from the Chat tool if set, else False", "name": "strict-always-false",
     "cell": "to_responses_tools", "replace": [("\"strict\": fn.get(\"strict\", False)})", "\"strict\": False})")]},
    {"rule": "flat: name/description/parameters at the top level", "name": "description-dropped",
     "cell": "to_responses_tools",
     "replace": [("out.append({\"type\": \"function\", \"name\": fn[\"name\"], \"description\": fn.get(\"description\", \"\"),",
                  "out.append({\"type\": \"function\", \"name\": fn[\"name\"],")]},
    {"rule": "a flat tool without type gains type function", "name": "untyped-passes-through",
     "cell": "to_responses_tools",
     "replace": [("        elif tool.get(\"type\") in (None, \"function\"):\n            out.append({\"type\": \"function\", "
                  "\"strict\": False, **tool})\n", "")]},
    {"rule": "hosted tools pass through unchanged", "name": "hosted-tool-dropped", "cell": "to_responses_tools",
     "replace": [("        else:\n            out.append(dict(tool))\n    return out", "    return out")]},
    {"rule": "do not modify the caller's dicts", "name": "mutates-caller", "cell": "to_responses_tools",
     "replace": [("            out.append({\"type\": \"function\", \"strict\": False, **tool})",
                  "            tool.setdefault(\"type\", \"function\"); tool.setdefault(\"strict\", False); out.append(tool)")]},
    {"rule": "report a tool nested under 'function'", "name": "nested-not-reported", "cell": "to_responses_tools",
     "replace": [("            problems.append(f\"{where} is nested under 'function' (Chat Completions format)\")",
                  "            pass")]},
    {"rule": "report a tool with no type", "name": "untyped-not-reported", "cell": "to_responses_tools",
     "replace": [("            problems.append(f\"{where} has no 'type'\")", "            pass")]},
    {"rule": "report a function tool lacking name, parameters or strict", "name": "strict-not-required",
     "cell": "to_responses_tools",
     "replace": [("for key in (\"name\", \"parameters\", \"strict\"):", "for key in (\"name\", \"parameters\"):")]},
    {"rule": "description is optional (a tool without one is valid)", "name": "description-required",
     "cell": "to_responses_tools",
     "replace": [("for key in (\"name\", \"parameters\", \"strict\"):",
                  "for key in (\"name\", \"parameters\", \"strict\", \"description\"):")]},
    {"rule": "report a file_search tool without vector_store_ids", "name": "file-search-not-checked",
     "cell": "to_responses_tools",
     "replace": [("            problems.append(f\"{where} (file_search) needs 'vector_store_ids'\")", "            pass")]},
    {"rule": "name the tool as the API does: tools[1]", "name": "one-based-names", "cell": "to_responses_tools",
     "replace": [("where = f\"tools[{i}]\"", "where = f\"tools[{i + 1}]\"")]},

    # --- Exercise 2: diagnose ---------------------------------------------------------------------------------------
    {"rule": "calls_per_turn counts only function_call items", "name": "counts-every-item", "cell": "diagnose",
     "replace": [("per_turn = [sum(1 for item in get(r, \"output\", []) if get(item, \"type\") == \"function_call\") "
                  "for r in trace]", "per_turn = [len(get(r, \"output\", [])) for r in trace]")]},
    {"rule": "round_trips: the number of responses", "name": "round-trips-with-calls", "cell": "diagnose",
     "replace": [("\"round_trips\": len(trace),", "\"round_trips\": len(turns_with_calls),")]},
    {"rule": "serialised needs more than one turn with calls", "name": "serialised-one-turn",
     "cell": "diagnose",
     "replace": [("\"serialised\": len(turns_with_calls) > 1 and max(turns_with_calls) == 1,",
                  "\"serialised\": bool(turns_with_calls) and max(turns_with_calls) == 1,")]},
    {"rule": "serialised: no turn asked for more than one", "name": "serialised-any-single", "cell": "diagnose",
     "replace": [("\"serialised\": len(turns_with_calls) > 1 and max(turns_with_calls) == 1,",
                  "\"serialised\": len(turns_with_calls) > 1 and min(turns_with_calls) == 1,")]},
    {"rule": "hosted_tool: a tool whose type is not function (a function named web_search is yours)",
     "name": "hosted-by-name", "cell": "diagnose",
     "replace": [("hosted = any(get(t, \"type\") != \"function\" for r in trace for t in (get(r, \"tools\") or []))",
                  "hosted = any(get(t, \"type\") != \"function\" or get(t, \"name\") == \"web_search\" "
                  "for r in trace for t in (get(r, \"tools\") or []))")]},
    {"rule": "works on SDK Response objects and on model_dump() dicts", "name": "dicts-only", "cell": "diagnose",
     "replace": [("return obj.get(key, default) if isinstance(obj, dict) else getattr(obj, key, default)",
                  "return obj.get(key, default)")]},

    # --- Exercise 3: run_with_own_search -----------------------------------------------------------------------------
    {"rule": "replace the hosted web search by your own tool, in its place", "name": "appended-not-in-place",
     "cell": "run_with_own_search",
     "replace": [("    tools = [course_tools.responses_tool(\"web_search\") if t.get(\"type\", \"\").startswith(\"web_search\") "
                  "else t\n             for t in request[\"tools\"]]",
                  "    tools = [t for t in request[\"tools\"] if not t.get(\"type\", \"\").startswith(\"web_search\")]"
                  " + [course_tools.responses_tool(\"web_search\")]")]},
    {"rule": "don't just delete the hosted search", "name": "search-deleted", "cell": "run_with_own_search",
     "replace": [("    tools = [course_tools.responses_tool(\"web_search\") if t.get(\"type\", \"\").startswith(\"web_search\") "
                  "else t\n             for t in request[\"tools\"]]",
                  "    tools = [t for t in request[\"tools\"] if not t.get(\"type\", \"\").startswith(\"web_search\")]")]},
    {"rule": "run every function_call of the response", "name": "first-call-only", "cell": "run_with_own_search",
     "replace": [("        for call in calls:\n", "        for call in calls[:1]:\n")]},
    {"rule": "append the response's output items to the history", "name": "output-not-resent",
     "cell": "run_with_own_search", "replace": [("        history += response.output\n", "")]},
    {"rule": "loop until a response has no function_call", "name": "one-round-only", "cell": "run_with_own_search",
     "replace": [("            history.append({\"type\": \"function_call_output\", \"call_id\": call.call_id, "
                  "\"output\": json.dumps(result)})\n",
                  "            history.append({\"type\": \"function_call_output\", \"call_id\": call.call_id, "
                  "\"output\": json.dumps(result)})\n"
                  "        if len(trace) == 2:\n            return trace\n")]},

    # --- Exercise 4: run_keeping_hosted --------------------------------------------------------------------------------
    {"rule": "answer every function_call item, wherever it sits", "name": "first-call-only",
     "cell": "run_keeping_hosted",
     "replace": [("                   for call in calls]", "                   for call in calls[:1]]")]},
    {"rule": "never answer the web_search_call", "name": "answers-web-search-call", "cell": "run_keeping_hosted",
     "replace": [("                   for call in calls]",
                  "                   for call in calls] + [{\"type\": \"function_call_output\", \"call_id\": item.id, "
                  "\"output\": \"{}\"} for item in response.output if item.type == \"web_search_call\"]")]},
    {"rule": "chain with previous_response_id", "name": "no-previous-response-id", "cell": "run_keeping_hosted",
     "replace": [("response = client.responses.create(**{**request, \"input\": outputs, \"previous_response_id\": response.id})",
                  "response = client.responses.create(**{**request, \"input\": outputs})")]},
    {"rule": "repeat until a response has no function_call", "name": "one-round-only", "cell": "run_keeping_hosted",
     "replace": [("            return trace\n        outputs", "            return trace\n        if len(trace) > 1:\n"
                  "            return trace\n        outputs")]},
]
