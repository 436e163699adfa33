"""Lesson 01 mutants: one per rule the exercise text states, each breaking only that rule.

Format and runner: tests/mutants/run.py.
"""

LESSON = "01-recognising"

MUTANTS = [
    # --- Exercise 1: extract_calls ------------------------------------------------------------------------
    {"rule": "every call, not tool_calls[0] (Chat)", "name": "chat-first-call-only", "cell": "extract_calls",
     "replace": [("for tc in response.choices[0].message.tool_calls or []]",
                  "for tc in (response.choices[0].message.tool_calls or [])[:1]]")]},
    {"rule": "every call: iterate output, keep type function_call (Responses)", "name": "responses-output-0",
     "cell": "extract_calls",
     "replace": [("for item in response.output if item.type == \"function_call\"]",
                  "for item in response.output[:1]]")]},
    {"rule": "every call: keep blocks of type tool_use (Anthropic)", "name": "claude-first-block-only",
     "cell": "extract_calls",
     "replace": [("for block in response.content if block.type == \"tool_use\"]",
                  "for block in [b for b in response.content if b.type == \"tool_use\"][:1]]")]},
    {"rule": "id is the one you answer: Responses item.call_id", "name": "responses-item-id",
     "cell": "extract_calls", "replace": [("{\"id\": item.call_id,", "{\"id\": item.id,")]},
    {"rule": "arguments: a dict (parse the JSON strings)", "name": "chat-arguments-string",
     "cell": "extract_calls", "replace": [("\"arguments\": json.loads(tc.function.arguments)}",
                                           "\"arguments\": tc.function.arguments}")]},
    {"rule": "return [] when the model answered in text only (tool_calls is None)", "name": "chat-none-crash",
     "cell": "extract_calls", "replace": [("message.tool_calls or []]", "message.tool_calls]")]},
    {"rule": "every call, in order", "name": "reversed-order", "cell": "extract_calls",
     "replace": [("for block in response.content if block.type == \"tool_use\"]",
                  "for block in reversed(response.content) if block.type == \"tool_use\"]")]},

    # --- Exercise 2: assemble_chat_stream -------------------------------------------------------------------
    {"rule": "key by index (fragments of different calls may interleave)", "name": "append-to-latest-call",
     "cell": "assemble_chat_stream",
     "replace": [("call = calls.setdefault(delta.index, {\"id\": None, \"name\": None, \"arguments\": \"\"})",
                  "call = (calls.setdefault(len(calls), {\"id\": None, \"name\": None, \"arguments\": \"\"})\n"
                  "                    if delta.id else calls[max(calls)])")]},
    {"rule": "the include_usage chunk has choices == []", "name": "usage-chunk-crash",
     "cell": "assemble_chat_stream", "replace": [("        if not chunk.choices:\n            continue\n", "")]},
    {"rule": "a chunk may have no tool_calls; [] for a text-only turn", "name": "delta-none-crash",
     "cell": "assemble_chat_stream",
     "replace": [("chunk.choices[0].delta.tool_calls or []:", "chunk.choices[0].delta.tool_calls:")]},
    {"rule": "every call, in index order", "name": "reversed-index-order", "cell": "assemble_chat_stream",
     "replace": [("for _, c in sorted(calls.items())]", "for _, c in sorted(calls.items(), reverse=True)]")]},
    {"rule": "arguments: a dict (parse the assembled JSON)", "name": "arguments-unparsed",
     "cell": "assemble_chat_stream",
     "replace": [("\"arguments\": json.loads(c[\"arguments\"] or \"{}\")}", "\"arguments\": c[\"arguments\"]}")]},

    # --- Exercise 3: assemble_claude_stream -----------------------------------------------------------------
    {"rule": "key by index (fragments of different blocks may interleave)", "name": "append-to-latest-block",
     "cell": "assemble_claude_stream",
     "replace": [("blocks[ev.index][\"json\"] += ev.delta.partial_json",
                  "blocks[max(blocks)][\"json\"] += ev.delta.partial_json")]},
    {"rule": "text blocks may come before or between: only tool_use blocks", "name": "every-block-is-a-call",
     "cell": "assemble_claude_stream",
     "replace": [("if ev.type == \"content_block_start\" and ev.content_block.type == \"tool_use\":",
                  "if ev.type == \"content_block_start\":")]},
    {"rule": "every tool_use block, in index order", "name": "reversed-block-order", "cell": "assemble_claude_stream",
     "replace": [("for _, b in sorted(blocks.items())]", "for _, b in sorted(blocks.items(), reverse=True)]")]},
    {"rule": "arguments: a dict (parse the partial_json)", "name": "partial-json-unparsed",
     "cell": "assemble_claude_stream",
     "replace": [("\"arguments\": json.loads(b[\"json\"] or \"{}\")}", "\"arguments\": b[\"json\"]}")]},

    # --- Exercise 4: calls_per_turn -------------------------------------------------------------------------
    {"rule": "a Chat text turn may carry tool_calls: null", "name": "chat-null-crash", "cell": "calls_per_turn",
     "replace": [(".get(\"tool_calls\") or [])", ".get(\"tool_calls\", []))")]},
    {"rule": "count only function_call items (Responses)", "name": "count-every-item", "cell": "calls_per_turn",
     "replace": [("sum(1 for item in body[\"output\"] if item[\"type\"] == \"function_call\")",
                  "len(body[\"output\"])")]},
    {"rule": "count only tool_use blocks; text-only turns count 0 (Anthropic)", "name": "count-every-block",
     "cell": "calls_per_turn",
     "replace": [("sum(1 for block in body[\"content\"] if block[\"type\"] == \"tool_use\")",
                  "len(body[\"content\"])")]},
    {"rule": "one count per turn", "name": "skip-text-turns", "cell": "calls_per_turn",
     "replace": [("    return counts\n", "    return [n for n in counts if n]\n")]},
]
