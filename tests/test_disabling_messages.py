"""Lesson 4's teaching messages (course/grading/disabling.py), in process: they mention only what the
learner did, never advise what the next check rejects, name max_tool_calls as the different setting it is,
and say why and where to reread.  (The corpus proves the same messages through real nbgrader grading.)"""

from __future__ import annotations

import ast
import re
from typing import Any

import pytest

from course.grading import disabling as check

PROMPT_PARAGRAPH = "A sentence in the prompt"


def _message(run: Any) -> str:
    with pytest.raises(AssertionError) as info:
        run()
    return str(info.value)


# --- Exercise 1 ---------------------------------------------------------------------------------------------

def chat_ok(client, **request):
    return client.chat.completions.create(**request, parallel_tool_calls=False)


def responses_ok(client, **request):
    return client.responses.create(**request, parallel_tool_calls=False)


def responses_forgotten(client, **request):
    return client.responses.create(**request)


def responses_prompt_only(client, **request):
    return client.responses.create(**request, instructions="Call one tool at a time, never in parallel.")


def chat_prompt_in_user_message(client, **request):
    messages = [dict(m) for m in request["messages"]]
    if messages and messages[0]["role"] == "user":
        messages[0]["content"] += " Please call only one tool at a time."
    return client.chat.completions.create(**{**request, "messages": messages})


def responses_max_tool_calls(client, **request):
    return client.responses.create(**request, max_tool_calls=1)


def responses_flag_and_max_tool_calls(client, **request):
    return client.responses.create(**request, parallel_tool_calls=False, max_tool_calls=1)


def test_a_forgotten_flag_does_not_talk_about_a_prompt_sentence_nobody_wrote() -> None:
    text = _message(lambda: check.check_openai_serial(chat_ok, responses_forgotten))
    assert "sent no parallel_tool_calls parameter" in text and "Send parallel_tool_calls=False" in text
    assert PROMPT_PARAGRAPH not in text and "adds an instruction" not in text
    assert "Reread section 2" in text


def test_a_prompt_sentence_is_quoted_where_the_learner_wrote_it() -> None:
    text = _message(lambda: check.check_openai_serial(chat_ok, responses_prompt_only))
    assert "adds an instruction to the prompt (instructions: 'Call one tool at a time" in text
    assert PROMPT_PARAGRAPH in text and "Reread section 2" in text
    text = _message(lambda: check.check_openai_serial(chat_prompt_in_user_message, responses_ok))
    assert "adds an instruction to the prompt (user: " in text and "one tool at a time" in text


def test_max_tool_calls_is_named_as_a_different_setting() -> None:
    for fn in (responses_max_tool_calls, responses_flag_and_max_tool_calls):
        text = _message(lambda: check.check_openai_serial(chat_ok, fn))
        assert "max_tool_calls is a different setting" in text and "built-in tools" in text, text
        assert "parallel_tool_calls=False" in text and "Reread section 2" in text
        assert PROMPT_PARAGRAPH not in text

    def chat_max_tool_calls(client, **request):     # Chat Completions has no such parameter: a TypeError
        return client.chat.completions.create(**request, max_tool_calls=1)
    text = _message(lambda: check.check_openai_serial(chat_max_tool_calls, responses_ok))
    assert "max_tool_calls is a different setting" in text


# --- Exercise 2 ---------------------------------------------------------------------------------------------

def claude_flag_only_without_choice(client, **request):
    # adds the switch only when the request brings no tool_choice: a request with {"type": "any"} goes out unchanged
    choice = request.get("tool_choice") or {"type": "auto", "disable_parallel_tool_use": True}
    return client.messages.create(**{**request, "tool_choice": choice})


def claude_prompt_only(client, **request):
    return client.messages.create(**request, system="Use exactly one tool per turn; never call tools in parallel.")


def claude_forgotten(client, **request):
    return client.messages.create(**request)


ANY = ["claude_booking_any_serial"]


def test_a_tool_choice_any_is_advised_to_keep_any_and_the_advice_passes() -> None:
    text = _message(lambda: check.check_claude_serial(claude_flag_only_without_choice, ANY))
    advice = "tool_choice={'type': 'any', 'disable_parallel_tool_use': True}"
    assert advice in text and "'type': 'auto'" not in text, text
    assert "Keep the type the request asked for" in text and "Reread Exercise 2" in text
    assert PROMPT_PARAGRAPH not in text

    def follows_the_advice(client, **request):
        advised = ast.literal_eval(re.search(r"add the switch: tool_choice=(\{[^}]*\})", text).group(1))   # what it advises
        return client.messages.create(**{**request, "tool_choice": advised})
    check.check_claude_serial(follows_the_advice, ANY)                           # the next check accepts it


@pytest.mark.parametrize("mistake", ["openai_flag", "top_level", "disable_kwarg"])
def test_every_claude_switch_advice_keeps_the_requests_type(mistake: str) -> None:
    def fn(client, **request):
        if mistake == "openai_flag":
            return client.messages.create(**request, parallel_tool_calls=False)
        if mistake == "top_level":
            return client.messages.create(**request, extra_body={"disable_parallel_tool_use": True})
        return client.messages.create(**request, disable_parallel_tool_use=True)
    text = _message(lambda: check.check_claude_serial(fn, ANY))
    assert "tool_choice={'type': 'any', 'disable_parallel_tool_use': True}" in text, text
    assert "Reread Exercise 2" in text


def test_claude_without_a_prompt_sentence_gets_no_prompt_paragraph() -> None:
    text = _message(lambda: check.check_claude_serial(claude_forgotten))
    assert "without disable_parallel_tool_use: true" in text and PROMPT_PARAGRAPH not in text
    assert "tool_choice={'type': 'auto', 'disable_parallel_tool_use': True}" in text
    text = _message(lambda: check.check_claude_serial(claude_prompt_only))
    assert "adds an instruction to the prompt (system: 'Use exactly one tool per turn" in text
    assert PROMPT_PARAGRAPH in text


# --- Exercise 4 ---------------------------------------------------------------------------------------------

def _solution_guesses(turns):
    from course.policy import DEPENDENT_ARGUMENTS

    def values(obj):
        if isinstance(obj, dict):
            return {v for item in obj.values() for v in values(item)}
        if isinstance(obj, list):
            return {v for item in obj for v in values(item)}
        return {obj}
    supplied, out = set(), []
    for turn in turns:
        out += [(c["id"], a, c["arguments"][a]) for c in turn for a in DEPENDENT_ARGUMENTS.get(c["name"], ())
                if c["arguments"][a] not in supplied]
        for c in turn:
            supplied |= values(c["result"])
    return out


def test_a_value_found_only_deep_in_a_result_is_pointed_to_where_it_sits() -> None:
    def top_level_only(turns):
        flat = [[{**c, "result": {k: v for k, v in c["result"].items() if not isinstance(v, (list, dict))}}
                 for c in t] for t in turns]
        return _solution_guesses(flat)
    for cases in (check.VISIBLE_GUESS, check.HIDDEN_GUESS):
        text = _message(lambda: check.check_guess_detector(top_level_only, cases))
        assert "false alarm on book_appointment's slot_id=" in text, text
        assert "get_doctor_calendar's result, at free_slots[" in text and "at any depth" in text
        assert "Reread section 6" in text


def test_a_flag_without_its_value_or_with_another_value_is_named() -> None:
    for cases in (check.VISIBLE_GUESS, check.HIDDEN_GUESS):
        text = _message(lambda: check.check_guess_detector(lambda t: [f[:2] for f in _solution_guesses(t)], cases))
        assert "has no value" in text and "(call_id, argument_name, value)" in text, text
        text = _message(lambda: check.check_guess_detector(
            lambda t: [(cid, arg, "slot-1500") for cid, arg, _ in _solution_guesses(t)], cases))
        assert "reports the value 'slot-1500', but call" in text and "Report the value the model wrote" in text, text
    check.check_guess_detector(_solution_guesses)
    check.check_guess_detector(_solution_guesses, check.HIDDEN_GUESS)


def test_the_self_checks_use_other_data_than_the_hidden_tests_and_reach_each_rule() -> None:
    """Parity (issue 13): a request with a tool_choice type to keep, two writes, a failing call, a lucky guess."""
    import inspect
    assert not set(check.VISIBLE_GUESS) & set(check.HIDDEN_GUESS)
    assert not set(check.VISIBLE_POLICY) & set(check.HIDDEN_POLICY)
    visible = inspect.signature(check.check_claude_serial).parameters["scenarios"].default
    assert "claude_booking_any_serial" not in visible
    assert any((check._base_request(s).get("tool_choice") or {}).get("type") == "any" for s in visible)
    writes = [[c for c in check.POLICY_CASES[k] if c["name"] in check.MUTATING] for k in check.VISIBLE_POLICY]
    assert any(len(w) > 1 for w in writes)
