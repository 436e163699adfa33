"""Graded-submission corpus for lesson 06 (measuring the win): correct styles (``fails == []``, full marks) and the
common mistakes, each failing its test cells with the teaching message named in ``says``.

Format and how it is graded: tests/corpus/README.md.
"""

LESSON = "06-measuring"
TESTS = {"ex_percentiles": "test_percentiles", "ex_task_cost": "test_task_cost", "ex_wasted": "test_wasted",
         "ex_recommend": "test_recommend"}

# ----------------------------------------------------------------------------------------------- percentiles
P_NUMPY = '''
import numpy as np

def latency_percentiles(latencies_ms):
    p50, p95 = np.percentile(latencies_ms, [50, 95])
    return {"p50": float(p50), "p95": float(p95)}
'''

P_STATISTICS = '''
import statistics

def latency_percentiles(latencies_ms):
    cuts = statistics.quantiles(latencies_ms, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94]}
'''

P_MEDIAN_AND_QUANTILE = '''
import statistics
import numpy

def latency_percentiles(latencies_ms):
    return {"p50": statistics.median(latencies_ms), "p95": numpy.quantile(numpy.array(latencies_ms), 0.95)}
'''

P_LOOP = '''
def latency_percentiles(latencies_ms):
    ordered = sorted(latencies_ms)
    out = {}
    for key, q in (("p50", 0.50), ("p95", 0.95)):
        rank = q * (len(ordered) - 1)
        below = int(rank)
        if below + 1 < len(ordered):
            out[key] = ordered[below] * (1 - (rank - below)) + ordered[below + 1] * (rank - below)
        else:
            out[key] = ordered[below]
    return out
'''

P_UNSORTED = '''
def latency_percentiles(latencies_ms):
    values = list(latencies_ms)                 # forgot to sort
    def pct(q):
        pos = (len(values) - 1) * q / 100
        lo = int(pos)
        hi = min(lo + 1, len(values) - 1)
        return values[lo] + (values[hi] - values[lo]) * (pos - lo)
    return {"p50": pct(50), "p95": pct(95)}
'''

P_MAX = '''
import statistics

def latency_percentiles(latencies_ms):
    return {"p50": statistics.median(latencies_ms), "p95": max(latencies_ms)}
'''

P_MEAN = '''
import numpy as np

def latency_percentiles(latencies_ms):
    return {"p50": sum(latencies_ms) / len(latencies_ms), "p95": float(np.percentile(latencies_ms, 95))}
'''

P_NEAREST_RANK = '''
import math

def latency_percentiles(latencies_ms):
    values = sorted(latencies_ms)
    def pct(q):
        return values[max(1, math.ceil(q / 100 * len(values))) - 1]
    return {"p50": pct(50), "p95": pct(95)}
'''

P_EXCLUSIVE = '''
import statistics

def latency_percentiles(latencies_ms):
    cuts = statistics.quantiles(latencies_ms, n=100)     # default method="exclusive"
    return {"p50": cuts[49], "p95": cuts[94]}
'''

P_SORT_IN_PLACE = '''
import numpy as np

def latency_percentiles(latencies_ms):
    latencies_ms.sort()
    return {"p50": float(np.percentile(latencies_ms, 50)), "p95": float(np.percentile(latencies_ms, 95))}
'''

# ----------------------------------------------------------------------------------------------- task cost
C_GET = '''
def task_cost(usages, prices):
    cost = 0.0
    for u in usages:
        tokens_in = u.get("prompt_tokens", u.get("input_tokens"))
        tokens_out = u.get("completion_tokens", u.get("output_tokens"))
        cost += (tokens_in * prices["input"] + tokens_out * prices["output"]) / 1e6
    return cost
'''

C_SUMS_FIRST = '''
IN_KEYS = ("prompt_tokens", "input_tokens")
OUT_KEYS = ("completion_tokens", "output_tokens")

def task_cost(usages, prices):
    tokens_in = sum(u[k] for u in usages for k in IN_KEYS if k in u)
    tokens_out = sum(u[k] for u in usages for k in OUT_KEYS if k in u)
    return tokens_in / 1_000_000 * prices["input"] + tokens_out / 1_000_000 * prices["output"]
'''

C_OBJECTS_TOO = '''
def _get(u, *names):
    for n in names:
        v = u.get(n) if isinstance(u, dict) else getattr(u, n, None)
        if v is not None:
            return v
    raise KeyError(names)

def task_cost(usages, prices):
    per_token_in, per_token_out = prices["input"] / 1e6, prices["output"] / 1e6
    return sum(_get(u, "prompt_tokens", "input_tokens") * per_token_in
               + _get(u, "completion_tokens", "output_tokens") * per_token_out for u in usages)
'''

C_LAST_TURN = '''
def task_cost(usages, prices):
    u = usages[-1]                              # only the final answer
    tokens_in = u.get("prompt_tokens", u.get("input_tokens"))
    tokens_out = u.get("completion_tokens", u.get("output_tokens"))
    return (tokens_in * prices["input"] + tokens_out * prices["output"]) / 1e6
'''

C_PER_THOUSAND = '''
def task_cost(usages, prices):
    cost = 0.0
    for u in usages:
        tokens_in = u.get("prompt_tokens", u.get("input_tokens"))
        tokens_out = u.get("completion_tokens", u.get("output_tokens"))
        cost += (tokens_in * prices["input"] + tokens_out * prices["output"]) / 1000
    return cost
'''

C_TOTAL_AT_INPUT_PRICE = '''
def task_cost(usages, prices):
    return sum(u["total_tokens"] if "total_tokens" in u else u["input_tokens"] + u["output_tokens"]
               for u in usages) * prices["input"] / 1e6
'''

C_CHAT_ONLY = '''
def task_cost(usages, prices):
    return sum(u["prompt_tokens"] * prices["input"] + u["completion_tokens"] * prices["output"] for u in usages) / 1e6
'''

# ----------------------------------------------------------------------------------------------- wasted calls
W_ZIP = '''
def _evidence(turn):
    if turn is None:
        return ""
    return " ".join([turn["text"]] + [str(v) for c in turn["calls"] for v in c["arguments"].values()])

def wasted_calls(trace):
    turns = trace["turns"]
    out = set()
    for turn, nxt in zip(turns, turns[1:] + [None]):
        seen = _evidence(nxt)
        out |= {c["id"] for c in turn["calls"] if not any(v in seen for v in metrics.result_values(c))}
    return out

def wasted_rate(traces):
    calls = wasted = 0
    for tr in traces:
        calls += sum(len(t["calls"]) for t in tr["turns"])
        wasted += len(wasted_calls(tr))
    return wasted / calls if calls else 0.0
'''

W_JSON_ARGS = '''
import json

def wasted_calls(trace):
    result = []
    for i in range(len(trace["turns"])):
        following = trace["turns"][i + 1] if i + 1 < len(trace["turns"]) else {"text": "", "calls": []}
        haystack = following["text"] + json.dumps([c["arguments"] for c in following["calls"]])
        for call in trace["turns"][i]["calls"]:
            used = False
            for value in metrics.result_values(call):
                if value in haystack:
                    used = True
                    break
            if not used:
                result.append(call["id"])
    return result

def wasted_rate(traces):
    counts = [(len(wasted_calls(t)), sum(len(x["calls"]) for x in t["turns"])) for t in traces]
    total = sum(n for _, n in counts)
    return sum(w for w, _ in counts) / total if total else 0.0
'''

W_LATER_TURNS = '''
def wasted_calls(trace):
    turns = trace["turns"]
    out = []
    for i, turn in enumerate(turns):
        later = " ".join(t["text"] + " " + " ".join(str(v) for c in t["calls"] for v in c["arguments"].values())
                         for t in turns[i + 1:])                      # every later turn, not just the next
        out += [c["id"] for c in turn["calls"] if not any(v in later for v in metrics.result_values(c))]
    return out

def wasted_rate(traces):
    total = sum(len(t["calls"]) for tr in traces for t in tr["turns"])
    return sum(len(wasted_calls(tr)) for tr in traces) / total if total else 0.0
'''

W_ALL_TURNS = '''
def wasted_calls(trace):
    everything = " ".join(t["text"] + " " + " ".join(str(v) for c in t["calls"] for v in c["arguments"].values())
                          for t in trace["turns"])                   # every turn, the issuing one included
    return [c["id"] for t in trace["turns"] for c in t["calls"]
            if not any(v in everything for v in metrics.result_values(c))]

def wasted_rate(traces):
    total = sum(len(t["calls"]) for tr in traces for t in tr["turns"])
    return sum(len(wasted_calls(tr)) for tr in traces) / total if total else 0.0
'''

W_TEXT_ONLY = '''
def wasted_calls(trace):
    turns = trace["turns"]
    out = []
    for i, turn in enumerate(turns):
        text = turns[i + 1]["text"] if i + 1 < len(turns) else ""     # arguments forgotten
        out += [c["id"] for c in turn["calls"] if not any(v in text for v in metrics.result_values(c))]
    return out

def wasted_rate(traces):
    total = sum(len(t["calls"]) for tr in traces for t in tr["turns"])
    return sum(len(wasted_calls(tr)) for tr in traces) / total if total else 0.0
'''

W_RAW_VALUES = '''
def _values(x):
    if isinstance(x, dict):
        for v in x.values():
            yield from _values(v)
    elif isinstance(x, list):
        for v in x:
            yield from _values(v)
    elif x is not None and not isinstance(x, bool):
        yield str(x)

def wasted_calls(trace):
    turns = trace["turns"]
    out = []
    for i, turn in enumerate(turns):
        nxt = turns[i + 1] if i + 1 < len(turns) else {"text": "", "calls": []}
        seen = nxt["text"] + " " + " ".join(str(v) for c in nxt["calls"] for v in c["arguments"].values())
        out += [c["id"] for c in turn["calls"]
                if not any(v in seen for v in _values(c["result"]) if len(v) >= 4 or v.replace(".", "").isdigit())]
    return out

def wasted_rate(traces):
    total = sum(len(t["calls"]) for tr in traces for t in tr["turns"])
    return sum(len(wasted_calls(tr)) for tr in traces) / total if total else 0.0
'''

W_SKIP_ERRORS = '''
def wasted_calls(trace):
    turns = trace["turns"]
    out = []
    for i, turn in enumerate(turns):
        nxt = turns[i + 1] if i + 1 < len(turns) else {"text": "", "calls": []}
        seen = nxt["text"] + " " + " ".join(str(v) for c in nxt["calls"] for v in c["arguments"].values())
        out += [c["id"] for c in turn["calls"]
                if not c["is_error"] and not any(v in seen for v in metrics.result_values(c))]
    return out

def wasted_rate(traces):
    total = sum(len(t["calls"]) for tr in traces for t in tr["turns"])
    return sum(len(wasted_calls(tr)) for tr in traces) / total if total else 0.0
'''

_W_RIGHT_CALLS = '''
def wasted_calls(trace):
    turns = trace["turns"]
    out = []
    for i, turn in enumerate(turns):
        nxt = turns[i + 1] if i + 1 < len(turns) else {"text": "", "calls": []}
        seen = nxt["text"] + " " + " ".join(str(v) for c in nxt["calls"] for v in c["arguments"].values())
        out += [c["id"] for c in turn["calls"] if not any(v in seen for v in metrics.result_values(c))]
    return out
'''

W_MEAN_OF_RATES = _W_RIGHT_CALLS + '''
def wasted_rate(traces):
    rates = [len(wasted_calls(tr)) / max(1, sum(len(t["calls"]) for t in tr["turns"])) for tr in traces]
    return sum(rates) / len(rates) if rates else 0.0
'''

W_PERCENT = _W_RIGHT_CALLS + '''
def wasted_rate(traces):
    total = sum(len(t["calls"]) for tr in traces for t in tr["turns"])
    return 100 * sum(len(wasted_calls(tr)) for tr in traces) / total if total else 0.0
'''

# ----------------------------------------------------------------------------------------------- recommend
R_STRING = '''
def recommend(on, off, thresholds):
    failed = []
    if not on["p50_ms"] <= thresholds["p50_ms"]:
        failed.append("p50")
    if not on["p95_ms"] <= thresholds["p95_ms"]:
        failed.append("p95")
    if not on["cost_per_task"] <= off["cost_per_task"] * (1 + thresholds["max_cost_increase"]):
        failed.append("cost")
    if not on["wasted_rate"] <= thresholds["wasted_rate"]:
        failed.append("wasted")
    if failed:
        return "off", "failed: " + ", ".join(failed)
    return "on", "passes every check"
'''

R_TABLE = '''
def recommend(on, off, thresholds):
    checks = {
        "p50 latency": (on["p50_ms"], thresholds["p50_ms"]),
        "p95 latency": (on["p95_ms"], thresholds["p95_ms"]),
        "cost per task": ((on["cost_per_task"] - off["cost_per_task"]) / off["cost_per_task"],
                          thresholds["max_cost_increase"]),
        "wasted-call rate": (on["wasted_rate"], thresholds["wasted_rate"]),
    }
    reasons = [f"{name}: {value:.4g} > {limit:.4g}" for name, (value, limit) in checks.items() if value > limit]
    return ("off" if reasons else "on"), reasons
'''

R_NO_WASTED = '''
def recommend(on, off, thresholds):
    reasons = []
    if on["p50_ms"] > thresholds["p50_ms"]:
        reasons.append("p50")
    if on["p95_ms"] > thresholds["p95_ms"]:
        reasons.append("p95")
    if on["cost_per_task"] > off["cost_per_task"] * (1 + thresholds["max_cost_increase"]):
        reasons.append("cost")
    return ("off", reasons) if reasons else ("on", ["latency and cost pass"])
'''

R_ABSOLUTE_COST = '''
def recommend(on, off, thresholds):
    reasons = []
    if on["p50_ms"] > thresholds["p50_ms"]:
        reasons.append("p50")
    if on["p95_ms"] > thresholds["p95_ms"]:
        reasons.append("p95")
    if on["cost_per_task"] > off["cost_per_task"] + thresholds["max_cost_increase"]:
        reasons.append("cost")
    if on["wasted_rate"] > thresholds["wasted_rate"]:
        reasons.append("wasted")
    return ("off", reasons) if reasons else ("on", ["all pass"])
'''

R_STRICT = '''
def recommend(on, off, thresholds):
    reasons = []
    if on["p50_ms"] >= thresholds["p50_ms"]:
        reasons.append("p50")
    if on["p95_ms"] >= thresholds["p95_ms"]:
        reasons.append("p95")
    if on["cost_per_task"] > off["cost_per_task"] * (1 + thresholds["max_cost_increase"]):
        reasons.append("cost")
    if on["wasted_rate"] >= thresholds["wasted_rate"]:
        reasons.append("wasted")
    return ("off", reasons) if reasons else ("on", ["all pass"])
'''

R_HARDCODED = '''
def recommend(on, off, thresholds):
    reasons = []
    if on["p50_ms"] > 1400:
        reasons.append("p50")
    if on["p95_ms"] > 4000:
        reasons.append("p95")
    if on["cost_per_task"] > off["cost_per_task"] * 1.05:
        reasons.append("cost")
    if on["wasted_rate"] > 0.01:
        reasons.append("wasted")
    return ("off", reasons) if reasons else ("on", ["all pass"])
'''

R_FIRST_REASON_ONLY = '''
def recommend(on, off, thresholds):
    if on["p50_ms"] > thresholds["p50_ms"]:
        return "off", "p50 too slow"
    if on["p95_ms"] > thresholds["p95_ms"]:
        return "off", "p95 too slow"
    if on["cost_per_task"] > off["cost_per_task"] * (1 + thresholds["max_cost_increase"]):
        return "off", "cost too high"
    if on["wasted_rate"] > thresholds["wasted_rate"]:
        return "off", "too many wasted calls"
    return "on", "all good"
'''


def _v(name, cell, source, expect, message=""):
    test = TESTS[cell]
    entry = {"why": name, "cells": {cell: source.strip("\n")}, "fails": [test] if expect == "fail" else []}
    if message:
        entry["says"] = {test: message}
    return name, entry


_VARIANTS = [
    _v("percentiles: numpy.percentile", "ex_percentiles", P_NUMPY, "pass"),
    _v("percentiles: statistics.quantiles inclusive", "ex_percentiles", P_STATISTICS, "pass"),
    _v("percentiles: statistics.median + numpy.quantile (numpy floats)", "ex_percentiles", P_MEDIAN_AND_QUANTILE,
       "pass"),
    _v("percentiles: own interpolation loop", "ex_percentiles", P_LOOP, "pass"),
    _v("percentiles: unsorted data", "ex_percentiles", P_UNSORTED, "fail", "UNSORTED"),
    _v("percentiles: p95 = max", "ex_percentiles", P_MAX, "fail", "max(latencies)"),
    _v("percentiles: mean instead of median", "ex_percentiles", P_MEAN, "fail", "That is the mean"),
    _v("percentiles: nearest rank", "ex_percentiles", P_NEAREST_RANK, "fail", "nearest-rank"),
    _v("percentiles: statistics.quantiles default (exclusive)", "ex_percentiles", P_EXCLUSIVE, "fail",
       "method='exclusive'"),
    _v("percentiles: sorts the caller's list in place", "ex_percentiles", P_SORT_IN_PLACE, "fail", "in place"),

    _v("cost: dict.get per turn", "ex_task_cost", C_GET, "pass"),
    _v("cost: sum tokens first", "ex_task_cost", C_SUMS_FIRST, "pass"),
    _v("cost: dicts or SDK objects", "ex_task_cost", C_OBJECTS_TOO, "pass"),
    _v("cost: last turn only", "ex_task_cost", C_LAST_TURN, "fail", "LAST turn"),
    _v("cost: prices per thousand", "ex_task_cost", C_PER_THOUSAND, "fail", "1000x too much"),
    _v("cost: every token at the input price", "ex_task_cost", C_TOTAL_AT_INPUT_PRICE, "fail", "input price"),
    _v("cost: Chat field names only", "ex_task_cost", C_CHAT_ONLY, "fail", "handle both shapes"),

    _v("wasted: zip with the next turn, sets", "ex_wasted", W_ZIP, "pass"),
    _v("wasted: json.dumps of arguments, explicit loops", "ex_wasted", W_JSON_ARGS, "pass"),
    _v("wasted: every later turn", "ex_wasted", W_LATER_TURNS, "fail", "NEXT model turn"),
    _v("wasted: every turn", "ex_wasted", W_ALL_TURNS, "fail", "NEXT model turn"),
    _v("wasted: next turn's text only", "ex_wasted", W_TEXT_ONLY, "fail", "is used: its result value"),
    _v("wasted: raw result values, echoes included", "ex_wasted", W_RAW_VALUES, "fail", "echoes"),
    _v("wasted: error results skipped", "ex_wasted", W_SKIP_ERRORS, "fail", "A failed call"),
    _v("wasted: mean of per-trace rates", "ex_wasted", W_MEAN_OF_RATES, "fail", "mean of each trace's rate"),
    _v("wasted: a percentage", "ex_wasted", W_PERCENT, "fail", "percentage"),

    _v("recommend: one reason string", "ex_recommend", R_STRING, "pass"),
    _v("recommend: table of checks, relative cost", "ex_recommend", R_TABLE, "pass"),
    _v("recommend: ignores the wasted-call threshold", "ex_recommend", R_NO_WASTED, "fail",
       "Only the wasted-call check fails"),
    _v("recommend: cost + 0.05 dollars", "ex_recommend", R_ABSOLUTE_COST, "fail", "relative"),
    _v("recommend: strict comparisons", "ex_recommend", R_STRICT, "fail", "inclusive"),
    _v("recommend: blog thresholds hard-coded", "ex_recommend", R_HARDCODED, "fail", "thresholds passed in"),
    _v("recommend: stops at the first failed check", "ex_recommend", R_FIRST_REASON_ONLY, "fail",
       "do not name every failed check"),
]
VARIANTS = dict(_VARIANTS)
assert len(VARIANTS) == len(_VARIANTS), "variant names must be unique"
