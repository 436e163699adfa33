"""``make bench``: what the replay costs per request, against a bare ``httpx2.MockTransport``.

Both sides run the same SDK call on the same response bytes; the difference is the
replay's protocol check, normalisation, matching and logging.  Prints a ratio measured
in one run (target: at most 1.3).  Then, unless ``--replay-only``, each solution notebook against a
notebook that only loads the modules it loads (``course.notebook_bench``, target: at most 1.5).

    python -m course.bench [--replay-only] [--rounds 5] [--lesson 04-disabling]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any, Callable

import httpx2

from . import sse, tools
from .clients import openai_client, sdk_client
from .replay import session_of

ROUNDS, CALLS = 7, 150


def _chat_request(client: Any) -> None:
    client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "What's the weather in Tokyo and London, and what's the USD to JPY rate?"}],
        tools=[tools.chat_tool("get_weather"), tools.chat_tool("get_exchange_rate")])


def _stream_request(client: Any) -> None:
    from .authoring.seeds import SF_Q, SF_TOOL

    with client.responses.stream(model="gpt-4o", tools=[SF_TOOL], input=[
            {"role": "system", "content": "You are weatherpal"}, {"role": "user", "content": SF_Q}]) as s:
        s.get_final_response()


def _mock_for(scenario: str) -> Any:
    """A client whose transport returns the recording's first response bytes, nothing else."""
    resp = session_of(openai_client(scenario, time_scale=0)).recording.interactions[0].response
    if resp.sse is not None:
        body = b"".join(sse.encode_event(ev) for ev in resp.sse)
        headers = {"content-type": "text/event-stream"}
    else:
        body, headers = json.dumps(resp.json).encode(), {"content-type": "application/json"}
    return sdk_client("openai", httpx2.MockTransport(lambda req: httpx2.Response(200, headers=headers, content=body)))


def _time(client: Any, call: Callable[[Any], None], rewind: bool) -> float:
    session = session_of(client) if rewind else None
    start = time.perf_counter()
    for _ in range(CALLS):
        if session is not None:
            session.cursor, session.played[:] = 0, []
        call(client)
    return (time.perf_counter() - start) / CALLS


def measure(scenario: str, call: Callable[[Any], None]) -> tuple[float, float]:
    """Median seconds per request: (replay, bare mock), rounds interleaved to share machine noise."""
    replay, mock = openai_client(scenario, time_scale=0), _mock_for(scenario)
    call(replay), call(mock)
    session_of(replay).cursor, session_of(replay).played[:] = 0, []
    r, m = [], []
    for _ in range(ROUNDS):
        r.append(_time(replay, call, rewind=True))
        m.append(_time(mock, call, rewind=False))
    return statistics.median(r), statistics.median(m)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m course.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--replay-only", action="store_true", help="skip the solution-notebook table")
    parser.add_argument("--rounds", type=int, default=None,
                        help="rounds of floors-then-notebook per lesson (default: course.notebook_bench.ROUNDS)")
    parser.add_argument("--lesson", help="one lesson, e.g. 04-disabling")
    args = parser.parse_args()
    print(f"replay vs bare httpx2.MockTransport, same SDK call and bytes ({ROUNDS} rounds x {CALLS} calls, median)")
    for label, scenario, call in [("chat.completions.create", "chat_weather_parallel", _chat_request),
                                  ("responses.stream (SSE)", "responses_sf_sanjose_stream", _stream_request)]:
        r, m = measure(scenario, call)
        verdict = "ok" if r / m <= 1.3 else "OVER TARGET"
        print(f"  {label:26} replay {r * 1e3:7.3f} ms   mock {m * 1e3:7.3f} ms   ratio {r / m:5.2f}  ({verdict}, target <= 1.3)")

    if args.replay_only:
        return
    from . import notebook_bench
    solutions = Path(__file__).resolve().parents[1] / "solutions"
    paths = sorted(p for p in solutions.glob("[0-9][0-9]-*.ipynb") if not args.lesson or p.stem == args.lesson)
    print()
    for line in notebook_bench.table(paths, args.rounds or notebook_bench.ROUNDS):
        print(line, flush=True)


if __name__ == "__main__":
    main()
