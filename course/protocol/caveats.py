"""What the replay does *not* emulate, and why: taught as caveats, never answered with invented errors.

The rule is the same for every entry: without an exact public error text (status, message, param, code)
and a clear trigger, the replay lets the request through to the recording, so it never refuses a request
the real API would accept.
"""

from __future__ import annotations

from .base import Caveat

NOT_EMULATED = (
    Caveat(
        "Chat Completions",
        "a `role: \"tool\"` message in the run right after an assistant `tool_calls` message that names an id "
        "this message did not call (e.g. the results of an earlier turn sent again)",
        "reported in June 2025 with the text \"Invalid parameter: 'tool_call_id' of '<id>' not found in "
        "'tool_calls' of previous message.\", but no public report found shows its full body (status, type, "
        "param, code); `chat_orphan` does not answer it, and the replay's mismatch message names the stray id",
        ("https://github.com/dapr/dapr-agents/issues/145",)),
    Caveat(
        "Messages",
        "the older wording of the missing-result 400, \"Did not find 1 `tool_result` block(s) at the beginning "
        "of this message\"",
        "reported in 2024 and early 2025; for the same mistakes the API now answers \"`tool_use` ids were found "
        "without `tool_result` blocks immediately after\" (live-verified in qwen-code #8161), which is emulated",
        ("https://github.com/anthropics/claude-code/issues/37", "https://github.com/apify/tester-mcp-client/issues/12")),
    Caveat(
        "Messages",
        "two `tool_result` blocks for the same `tool_use_id`",
        "no public error text found for it",
    ),
    Caveat(
        "Chat Completions",
        "`parallel_tool_calls` with `tools: []` (an empty list rather than no tools)",
        "no public error text found for an empty list; only a missing or null `tools` is emulated",
    ),
    Caveat(
        "Responses",
        "`parallel_tool_calls` sent to o-series models on the Responses API",
        "the public reports are all Chat Completions; the rule is emulated there only",
    ),
    Caveat(
        "Responses",
        "non-reasoning items (`fc_`, `msg_`) or `item_reference` items resent by id after `store: false`",
        "the public texts for those concern Zero Data Retention organisations, not `store: false`; only "
        "reasoning items resent without `encrypted_content` are emulated (the 404)",
        ("https://github.com/runvendo/vendo/pull/1071",)),
    Caveat(
        "Responses",
        "a `previous_response_id` that never existed, expired, or belongs to another project",
        "the replay only knows the responses of its scenario; such a request leaves the recording instead",
    ),
    Caveat(
        "Responses",
        "items resent in `input` that the `previous_response_id` chain already holds",
        "no public error text found for the overlap; only duplicates within one `input` are emulated",
    ),
    Caveat(
        "Responses",
        "the reasoning-item 400s when the request itself is well formed (server-side state after "
        "`previous_response_id`, as in openai-agents-python #1611)",
        "the cause lies in the API's stored state, which a replay cannot know; the rules fire only for items "
        "the learner's own request leaves out",
        ("https://github.com/openai/openai-agents-python/issues/1611",)),
)
