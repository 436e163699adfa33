"""Lesson 06 mutants: one per rule the exercise text states, each breaking only that rule.

Format and runner: tests/mutants/run.py.
"""

LESSON = "06-measuring"

MUTANTS = [
    # --- Exercise 1: latency_percentiles ------------------------------------------------------------------------
    {"rule": "linear interpolation between closest ranks", "name": "nearest-rank", "cell": "ex_percentiles",
     "replace": [("return values[lo] + (values[hi] - values[lo]) * (pos - lo)", "return values[round(pos)]")]},
    {"rule": "percentiles of the sorted latencies", "name": "unsorted", "cell": "ex_percentiles",
     "replace": [("values = sorted(latencies_ms)", "values = list(latencies_ms)")]},
    {"rule": "p95 is the 95th percentile", "name": "p95-is-max", "cell": "ex_percentiles",
     "replace": [("return {\"p50\": pct(50), \"p95\": pct(95)}", "return {\"p50\": pct(50), \"p95\": values[-1]}")]},

    # --- Exercise 2: task_cost ----------------------------------------------------------------------------------
    {"rule": "every turn's tokens (sum over turns)", "name": "last-turn-only", "cell": "ex_task_cost",
     "replace": [("    for usage in usages:\n", "    for usage in usages[-1:]:\n")]},
    {"rule": "output tokens at the output price", "name": "output-at-input-price", "cell": "ex_task_cost",
     "replace": [("tokens_out * prices[\"output\"] / 1_000_000", "tokens_out * prices[\"input\"] / 1_000_000")]},
    {"rule": "prices are per million tokens", "name": "per-thousand", "cell": "ex_task_cost",
     "replace": [("total += tokens_in * prices[\"input\"] / 1_000_000 + tokens_out * prices[\"output\"] / 1_000_000",
                  "total += tokens_in * prices[\"input\"] / 1_000 + tokens_out * prices[\"output\"] / 1_000")]},
    {"rule": "Chat usage (prompt/completion) and Responses/Anthropic usage (input/output)", "name": "chat-keys-only",
     "cell": "ex_task_cost",
     "replace": [("        if \"prompt_tokens\" in usage:                        # Chat Completions\n"
                  "            tokens_in, tokens_out = usage[\"prompt_tokens\"], usage[\"completion_tokens\"]\n"
                  "        else:                                               # Responses, Anthropic\n"
                  "            tokens_in, tokens_out = usage[\"input_tokens\"], usage[\"output_tokens\"]\n",
                  "        tokens_in, tokens_out = usage.get(\"prompt_tokens\", 0), usage.get(\"completion_tokens\", 0)\n")]},

    # --- Exercise 3: wasted_calls / wasted_rate -----------------------------------------------------------------
    {"rule": "only the NEXT turn counts as evidence of use", "name": "any-later-turn", "cell": "ex_wasted",
     "replace": [("            nxt = turns[i + 1]\n            evidence = nxt[\"text\"] + \"\\n\" + \"\\n\".join("
                  "str(v) for c in nxt[\"calls\"] for v in c[\"arguments\"].values())\n",
                  "            evidence = \"\\n\".join(t[\"text\"] + \"\\n\" + \"\\n\".join(str(v) for c in t[\"calls\"] "
                  "for v in c[\"arguments\"].values()) for t in turns[i + 1:])\n")]},
    {"rule": "the next turn's call arguments count as use", "name": "text-only-evidence", "cell": "ex_wasted",
     "replace": [("evidence = nxt[\"text\"] + \"\\n\" + \"\\n\".join(str(v) for c in nxt[\"calls\"] for v in "
                  "c[\"arguments\"].values())", "evidence = nxt[\"text\"]")]},
    {"rule": "the next turn's text counts as use", "name": "arguments-only-evidence", "cell": "ex_wasted",
     "replace": [("evidence = nxt[\"text\"] + \"\\n\" + \"\\n\".join(", "evidence = \"\\n\" + \"\\n\".join(")]},
    {"rule": "use metrics.result_values (not every raw value of the result)", "name": "raw-values",
     "cell": "ex_wasted",
     "replace": [("if not any(value in evidence for value in metrics.result_values(call)):",
                  "if not any(str(value) in evidence for value in (call.get(\"result\") or {}).values()):")]},
    {"rule": "pooled fraction: all wasted / all calls", "name": "mean-of-rates", "cell": "ex_wasted",
     "replace": [("    return sum(len(wasted_calls(tr)) for tr in traces) / total\n",
                  "    rates = [len(wasted_calls(tr)) / max(1, sum(len(t[\"calls\"]) for t in tr[\"turns\"])) "
                  "for tr in traces]\n    return sum(rates) / len(rates)\n")]},
    {"rule": "0.0 when there are no calls", "name": "no-calls-crash", "cell": "ex_wasted",
     "replace": [("    if total == 0:\n        return 0.0\n", "")]},
    {"rule": "a fraction, not a percentage", "name": "percentage", "cell": "ex_wasted",
     "replace": [("    return sum(len(wasted_calls(tr)) for tr in traces) / total\n",
                  "    return 100 * sum(len(wasted_calls(tr)) for tr in traces) / total\n")]},

    # --- Exercise 4: recommend ----------------------------------------------------------------------------------
    {"rule": "p50 against its budget (<= passes)", "name": "p50-strict", "cell": "ex_recommend",
     "replace": [("if on[\"p50_ms\"] > thresholds[\"p50_ms\"]:", "if on[\"p50_ms\"] >= thresholds[\"p50_ms\"]:")]},
    {"rule": "p95 against its budget", "name": "p95-unchecked", "cell": "ex_recommend",
     "replace": [("if on[\"p95_ms\"] > thresholds[\"p95_ms\"]:", "if False:")]},
    {"rule": "cost against off's cost x (1 + max_cost_increase)", "name": "cost-absolute", "cell": "ex_recommend",
     "replace": [("limit = off[\"cost_per_task\"] * (1 + thresholds[\"max_cost_increase\"])",
                  "limit = off[\"cost_per_task\"] + thresholds[\"max_cost_increase\"]")]},
    {"rule": "wasted rate against its threshold", "name": "wasted-unchecked", "cell": "ex_recommend",
     "replace": [("if on[\"wasted_rate\"] > thresholds[\"wasted_rate\"]:", "if False:")]},
    {"rule": "reasons name every failed check", "name": "first-reason-only", "cell": "ex_recommend",
     "replace": [("        return \"off\", reasons\n", "        return \"off\", reasons[:1]\n")]},
    {"rule": "on only when every check passes", "name": "majority-vote", "cell": "ex_recommend",
     "replace": [("    if reasons:\n", "    if len(reasons) > 1:\n")]},
]
