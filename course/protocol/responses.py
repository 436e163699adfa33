"""Responses (``POST /v1/responses``): the refusals a parallel tool loop runs into.

In the order the replay reports them: a ``previous_response_id`` naming an unstored response; a reasoning
item echoed by id from an unstored response (the one 404); duplicate item ids; a reasoning model's items
resent without their ``reasoning`` item, or a ``reasoning`` item without the item that followed it; then
the call/output pairing (every ``function_call_output`` needs its ``function_call``, every call its output).

The reasoning rules only fire for items the session itself returned (:class:`~course.protocol.history.History`
knows which reasoning item each came with), so they apply to reasoning models' turns only.
"""

from __future__ import annotations

from typing import Any

from .base import Hit, Rule, get, items
from .history import History

API, PATH = "Responses", "/responses"


def _input(body: dict[str, Any]) -> list[Any]:
    return items(body.get("input"))


def previous_not_stored(body: dict[str, Any], history: History) -> Hit | None:
    prev = body.get("previous_response_id")
    resp = history.responses.get(prev) if isinstance(prev, str) else None
    if resp is not None and not resp.store:
        return Hit({"id": prev})
    return None


def item_not_stored(body: dict[str, Any], history: History) -> Hit | None:
    for k, it in enumerate(_input(body)):
        if get(it, "type") != "reasoning" or get(it, "encrypted_content"):
            continue
        origin = history.origin(get(it, "id"))
        if origin is not None and not origin.store:
            return Hit({"id": it["id"]}, (k,))
    return None


def duplicate_item(body: dict[str, Any], history: History) -> Hit | None:
    seen: set[str] = set()
    for k, it in enumerate(_input(body)):
        iid = get(it, "id")
        if isinstance(iid, str):
            if iid in seen:
                return Hit({"id": iid}, (k,))
            seen.add(iid)
    return None


def without_reasoning(body: dict[str, Any], history: History) -> Hit | None:
    inp = _input(body)
    chained = {o.get("id") for r in history.chain(body.get("previous_response_id")) for o in r.output}
    for k, it in enumerate(inp):
        iid = get(it, "id")
        if get(it, "type") == "reasoning":
            continue
        rs = history.reasoning_for(iid)
        if rs is None or rs in chained or any(get(x, "id") == rs for x in inp[:k]):
            continue
        return Hit({"id": iid, "type": history.item_type(iid), "reasoning": rs}, (k,))
    return None


def reasoning_unfollowed(body: dict[str, Any], history: History) -> Hit | None:
    inp = _input(body)
    for k, it in enumerate(inp):
        if get(it, "type") != "reasoning":
            continue
        followers = history.followers_of(get(it, "id"))
        if followers and (k + 1 >= len(inp) or get(inp[k + 1], "id") not in followers):
            return Hit({"id": it["id"]}, (k,))
    return None


def _calls(body: dict[str, Any], history: History) -> list[Any]:
    calls: list[Any] = []
    prev = body.get("previous_response_id")
    if isinstance(prev, str):
        calls.extend(history.calls_of(prev) or [])
    calls.extend(get(it, "call_id") for it in _input(body) if get(it, "type") == "function_call")
    return calls


def unknown_output(body: dict[str, Any], history: History) -> Hit | None:
    if isinstance(body.get("input"), str):
        return None
    calls = _calls(body, history)
    for k, it in enumerate(_input(body)):
        if get(it, "type") == "function_call_output" and get(it, "call_id") not in calls:
            return Hit({"call_id": get(it, "call_id")}, (k,))
    return None


def missing_output(body: dict[str, Any], history: History) -> Hit | None:
    if isinstance(body.get("input"), str):
        return None
    outputs = {get(it, "call_id") for it in _input(body) if get(it, "type") == "function_call_output"}
    for k, cid in enumerate(_calls(body, history)):
        if cid not in outputs:
            return Hit({"call_id": cid}, (k,))
    return None


STORE_FALSE = "https://github.com/bigduu/Bamboo-agent/pull/513"
RULES = (
    Rule(
        id="responses_previous_not_stored", api=API, path=PATH, status=400, error_type="invalid_request_error",
        code="previous_response_not_found", param="previous_response_id", stage=0,
        message="Previous response with id '{id}' not found.",
        trigger="`previous_response_id` names a response created with `store: false`",
        sources=(STORE_FALSE, "https://github.com/maximhq/bifrost/issues/2441"),
        check=previous_not_stored),
    Rule(
        id="responses_item_not_stored", api=API, path=PATH, status=404, error_type="invalid_request_error",
        param="input", stage=1,
        message="Item with id '{id}' not found. Items are not persisted when `store` is set to false. Try again "
                "with `store` set to true, or remove this item from your input.",
        trigger="a `reasoning` item from a `store: false` response resent by id, without its `encrypted_content`",
        sources=("https://github.com/vercel/ai/issues/7543", "https://github.com/continuedev/continue/issues/9101",
                 "https://github.com/can1357/oh-my-pi/issues/41"),
        check=item_not_stored),
    Rule(
        id="responses_duplicate_item", api=API, path=PATH, status=400, error_type="invalid_request_error",
        param="input", stage=2,
        message="Duplicate item found with id {id}. Remove duplicate items from your input and try again.",
        trigger="two `input` items with the same `id` (e.g. the model's output appended once per call)",
        sources=("https://github.com/continuedev/continue/issues/10200",),
        check=duplicate_item),
    Rule(
        id="responses_without_reasoning", api=API, path=PATH, status=400, error_type="invalid_request_error",
        param="input", stage=3,
        message="Item '{id}' of type '{type}' was provided without its required 'reasoning' item: '{reasoning}'.",
        trigger="a reasoning model's output item (e.g. a `function_call` with its `fc_` id) resent without the "
                "`reasoning` item it came with",
        sources=("https://github.com/cline/cline/issues/12242", "https://github.com/continuedev/continue/issues/10018"),
        check=without_reasoning),
    Rule(
        id="responses_reasoning_unfollowed", api=API, path=PATH, status=400, error_type="invalid_request_error",
        param="input", stage=3,
        message="Item '{id}' of type 'reasoning' was provided without its required following item.",
        trigger="a `reasoning` item resent without the item that followed it in the output right after it "
                "(e.g. the calls rebuilt by hand, without their ids)",
        sources=("https://github.com/vercel/ai/issues/7099", "https://github.com/vercel/ai/issues/8379",
                 "https://github.com/continuedev/continue/issues/8933",
                 "https://github.com/openai/openai-agents-python/issues/1611"),
        check=reasoning_unfollowed),
    Rule(
        id="responses_unknown", api=API, path=PATH, status=400, error_type="invalid_request_error",
        param="input", stage=4,
        message="No tool call found for function call output with call_id {call_id}.",
        trigger="a `function_call_output` whose `call_id` is neither in `input` nor in the "
                "`previous_response_id` response",
        sources=("https://github.com/continuedev/continue/issues/10092",),
        check=unknown_output),
    Rule(
        id="responses_missing", api=API, path=PATH, status=400, error_type="invalid_request_error",
        param="input", stage=5,
        message="No tool output found for function call {call_id}.",
        trigger="a `function_call` (in `input` or in the `previous_response_id` response) with no "
                "`function_call_output` for its `call_id`",
        sources=("https://github.com/tjardoo/openai-client/pull/124", "https://github.com/openai/codex/issues/394"),
        check=missing_output),
)
