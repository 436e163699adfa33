"""Lesson 02 mutants: one per rule the exercise text states, each breaking only that rule.

Format and runner: tests/mutants/run.py.
"""

LESSON = "02-answering"

MUTANTS = [
    # --- Exercise 1: run_tool -------------------------------------------------------------------------------
    {"rule": "arguments may be a JSON string or a dict: accept both", "name": "string-only",
     "cell": "answer_run_tool",
     "replace": [("args = json.loads(arguments) if isinstance(arguments, str) else arguments",
                  "args = json.loads(arguments)")]},
    {"rule": "on success: (json.dumps(result), False)", "name": "success-not-json",
     "cell": "answer_run_tool",
     "replace": [("return json.dumps(tools.call(name, args)), False", "return str(tools.call(name, args)), False")]},
    {"rule": "never raises: any failure becomes (error text, True)", "name": "raises-tool-error",
     "cell": "answer_run_tool",
     "replace": [("    except Exception as exc:\n", "    except json.JSONDecodeError as exc:\n")]},
    {"rule": "never raises: an unknown tool or arguments that are not JSON become (error text, True)",
     "name": "catches-tool-errors-only", "cell": "answer_run_tool",
     "replace": [("    except Exception as exc:\n", "    except tools.ToolError as exc:\n")]},
    {"rule": "a failure is flagged: is_error True", "name": "failure-not-flagged",
     "cell": "answer_run_tool",
     "replace": [("return json.dumps({\"error\": f\"{type(exc).__name__}: {exc}\"}), True",
                  "return json.dumps({\"error\": f\"{type(exc).__name__}: {exc}\"}), False")]},
    {"rule": "the error text holds the exception's message", "name": "error-without-message",
     "cell": "answer_run_tool",
     "replace": [("return json.dumps({\"error\": f\"{type(exc).__name__}: {exc}\"}), True",
                  "return json.dumps({\"error\": \"the tool failed\"}), True")]},

    # --- Exercise 2a: chat_tool_messages ---------------------------------------------------------------------
    {"rule": "answer every call in the message (not just the first)", "name": "first-call-only",
     "cell": "answer_chat_tool_messages",
     "replace": [("for tc in message.tool_calls:", "for tc in message.tool_calls[:1]:")]},
    {"rule": "each tool message answers its own tool_call_id", "name": "ids-shifted",
     "cell": "answer_chat_tool_messages",
     "replace": [("results.append({\"role\": \"tool\", \"tool_call_id\": tc.id, \"content\": content})",
                  "results.append({\"role\": \"tool\", \"tool_call_id\": message.tool_calls[0].id, "
                  "\"content\": content})")]},
    {"rule": "a failed tool's content is the error text", "name": "error-content-dropped",
     "cell": "answer_chat_tool_messages",
     "replace": [("\"content\": content})", "\"content\": content if not _failed else \"\"})")]},

    # --- Exercise 2b: responses_tool_outputs -----------------------------------------------------------------
    {"rule": "one function_call_output per function_call item", "name": "first-function-call-only",
     "cell": "answer_responses_tool_outputs",
     "replace": [("    return outputs\n", "    return outputs[:1]\n")]},
    {"rule": "answer with the call_id (not the item id)", "name": "item-id",
     "cell": "answer_responses_tool_outputs",
     "replace": [("\"call_id\": item.call_id,", "\"call_id\": item.id,")]},
    {"rule": "function_call_output items, not Chat-style tool messages", "name": "chat-style-messages",
     "cell": "answer_responses_tool_outputs",
     "replace": [("outputs.append({\"type\": \"function_call_output\", \"call_id\": item.call_id, \"output\": output})",
                  "outputs.append({\"role\": \"tool\", \"tool_call_id\": item.call_id, \"content\": output})")]},

    # --- Exercise 2c: claude_tool_results --------------------------------------------------------------------
    {"rule": "a tool_result block for every tool_use block", "name": "first-tool-use-only",
     "cell": "answer_claude_tool_results",
     "replace": [("    return {\"role\": \"user\", \"content\": blocks}\n",
                  "    return {\"role\": \"user\", \"content\": blocks[:1]}\n")]},
    {"rule": "a failed tool's block says is_error: True", "name": "no-is-error",
     "cell": "answer_claude_tool_results",
     "replace": [("            if failed:\n                result[\"is_error\"] = True\n", "")]},
    {"rule": "one user message holding every block", "name": "message-per-block",
     "cell": "answer_claude_tool_results",
     "replace": [("    return {\"role\": \"user\", \"content\": blocks}\n",
                  "    return {\"role\": \"user\", \"content\": blocks[:1]} if len(blocks) == 1 else "
                  "{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"results\"}] + blocks}\n")],
     },
    {"rule": "block.input is already a dict (the tool gets the real arguments)", "name": "input-dropped",
     "cell": "answer_claude_tool_results",
     "replace": [("content, failed = run_tool(block.name, block.input)", "content, failed = run_tool(block.name, {})")]},

    # --- Exercise 3: chat_agent ------------------------------------------------------------------------------
    {"rule": "loop until the model stops calling tools (every round)", "name": "one-round-only",
     "cell": "answer_chat_agent",
     "replace": [("        messages.extend(chat_tool_messages(message))\n",
                  "        messages.extend(chat_tool_messages(message))\n"
                  "        return client.chat.completions.create(model=model, messages=messages, tools=tools)"
                  ".choices[0].message.content\n")]},
    {"rule": "append the assistant message before its tool results", "name": "assistant-not-appended",
     "cell": "answer_chat_agent", "replace": [("        messages.append(message)\n", "")]},
    {"rule": "send exactly model, messages, tools", "name": "extra-parameter",
     "cell": "answer_chat_agent",
     "replace": [("client.chat.completions.create(model=model, messages=messages, tools=tools)",
                  "client.chat.completions.create(model=model, messages=messages, tools=tools, temperature=0)")]},
    {"rule": "return the model's final text", "name": "returns-message-object",
     "cell": "answer_chat_agent", "replace": [("            return message.content\n", "            return message\n")]},

    # --- Exercise 4: claude_agent ----------------------------------------------------------------------------
    {"rule": "loop until stop_reason is not tool_use (every round)", "name": "one-round-only",
     "cell": "answer_claude_agent",
     "replace": [("        messages.append(claude_tool_results(message))\n",
                  "        messages.append(claude_tool_results(message))\n"
                  "        message = client.messages.create(model=model, max_tokens=max_tokens, messages=messages, "
                  "tools=tools)\n"
                  "        return \"\".join(block.text for block in message.content if block.type == \"text\")\n")]},
    {"rule": "append Claude's message as the assistant turn", "name": "assistant-not-appended",
     "cell": "answer_claude_agent",
     "replace": [("        messages.append({\"role\": \"assistant\", \"content\": message.content})\n", "")]},
    {"rule": "return the text of the final message (join its text blocks)", "name": "first-block-only",
     "cell": "answer_claude_agent",
     "replace": [("return \"\".join(block.text for block in message.content if block.type == \"text\")",
                  "return message.content[0].text")]},
    {"rule": "send max_tokens=max_tokens", "name": "max-tokens-fixed",
     "cell": "answer_claude_agent",
     "replace": [("client.messages.create(model=model, max_tokens=max_tokens,",
                  "client.messages.create(model=model, max_tokens=4096,")]},
]

# Exercise 3 used to say "don't modify the caller's messages list"; the seed tutorial's loop appends to it and
# the corpus keeps that style as correct, so the prompt now says either is fine and there is no rule to mutate.
PENDING_HIDDEN: list[dict] = []
