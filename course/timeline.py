"""Timelines of tool calls on the simulated clock: one horizontal bar per call, shared virtual time axis.

>>> from course.timeline import plot_timeline, compare, simulate
>>> lat = {"weather": 800, "AAPL": 1200}
>>> bars = simulate(lat, mode="parallel")            # no clock needed
>>> [(b["label"], b["start"], b["finish"]) for b in bars]
[('weather', 0.0, 800.0), ('AAPL', 0.0, 1200.0)]
>>> fig = plot_timeline(bars)                        # or a SimClock (or its .calls), after a run
>>> fig = compare(simulate(lat, "serial"), bars)     # serial vs concurrent, side by side, same x axis

Anything with bars is accepted: a :class:`course.clock.SimClock`, a list of its ``ToolCall``\\ s, a list of
dicts ``{"label", "start", "finish"[, "outcome"]}`` (ms), or the output of :func:`simulate`.
Functions return a ``matplotlib.figure.Figure`` built without pyplot (no global state, no ``plt.show``);
the figure shows itself as a PNG when it is the last value of a notebook cell or passed to ``display``.
The slowest call is drawn with a thick edge and the *floor* (the least any schedule could take) as a
dashed line: with enough concurrency the turn can never be faster than its slowest call.  A legend below
the axes names every bar colour used (:data:`MEANING`), the floor and the total; long labels are wrapped
after the tool name (:func:`wrap_label`), never cut; :func:`compare` stacks its two timelines.
"""

from __future__ import annotations

import io
import os
import math
from typing import Any, Iterable

from matplotlib import rcParams
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

__all__ = ["plot_timeline", "compare", "simulate", "bars_of", "total_ms", "TimelineFigure", "wrap_label",
           "legend_handles", "COLOURS", "MEANING"]

COLOURS = {"ok": "#4C72B0", "error": "#C44E52", "cancelled": "#9A9A9A", "running": "#DD8452", "model": "#55A868"}
MEANING = {"ok": "tool call", "error": "tool call failed", "cancelled": "timed out (cancelled)",
           "running": "still running", "model": "model call (recorded latency)"}
"""What each bar colour means: the legend's words."""
FLOOR_COLOUR = "#C44E52"
WRAP = 26  # labels longer than this are broken after the tool name, never cut


GRADING_NOTE = "*(Figure not drawn while grading: it is the same for every learner. Run the notebook to see it.)*"


def grading() -> bool:
    """True in a kernel the grader started (``COURSE_GRADING=1``): figures are built but not rasterised."""
    return os.environ.get("COURSE_GRADING") == "1"


class TimelineFigure(Figure):
    """A matplotlib Figure that renders itself as PNG in Jupyter (no pyplot needed).

    In a grading kernel it shows :data:`GRADING_NOTE` instead: the figure is still built (its code runs and
    any error shows), but rasterising it would cost each submission up to half a second per chart, and
    ``tight_layout`` (which measures every label with a renderer) does nothing there either."""

    _laid_out = False   # tight_layout() was applied: the axes, their labels and legends fit inside the figure

    def tight_layout(self, *args: Any, **kwargs: Any) -> None:
        if not grading():
            engine = self.get_layout_engine()
            super().tight_layout(*args, **kwargs)
            self._laid_out = True
            if engine is None and not (rcParams["figure.autolayout"] or rcParams["figure.constrained_layout.use"]):
                # matplotlib leaves a placeholder engine behind, and savefig() then runs a whole extra measuring
                # draw before the real one; the layout is done, so go back to having no engine (with these two
                # settings off, set_layout_engine(None) means exactly that).
                self.set_layout_engine(None)

    def _repr_markdown_(self) -> str | None:
        return GRADING_NOTE if grading() else None

    def _repr_png_(self) -> bytes | None:
        if grading():
            return None
        buf = io.BytesIO()
        # A constrained layout, or a tight_layout() with nothing drawn outside the axes since (figure-level texts
        # and legends are not in its sums), already keeps every label inside the figure: "tight" would only cost
        # another pass that measures every text (a quarter of the PNG's time). Other figures are cropped to what
        # they draw.
        fitted = isinstance(self.get_layout_engine(), ConstrainedLayoutEngine) or (
            self._laid_out and not self.texts and not self.legends and not self.subfigs)
        self.savefig(buf, format="png", dpi=90, bbox_inches=None if fitted else "tight")
        return buf.getvalue()


def simulate(latencies: dict[str, float] | Iterable[tuple[str, float]], mode: str = "parallel",
             cap: int | None = None) -> list[dict[str, Any]]:
    """Bars for calls with these latencies run ``serial``, ``parallel`` or ``capped`` (``cap`` at a time,
    started in order as slots free up, like an ``asyncio.Semaphore``)."""
    items = list(latencies.items() if isinstance(latencies, dict) else latencies)
    if mode == "serial":
        cap = 1
    elif mode == "parallel":
        cap = max(1, len(items))
    elif mode == "capped":
        cap = max(1, int(cap or 2))
    else:
        raise ValueError("mode must be 'serial', 'parallel' or 'capped'")
    slots = [0.0] * cap
    bars = []
    for label, ms in items:
        i = min(range(cap), key=lambda k: (slots[k], k))
        start = slots[i]
        slots[i] = start + float(ms)
        bars.append({"label": str(label), "start": start, "finish": start + float(ms), "outcome": "ok"})
    return bars


def bars_of(source: Any) -> list[dict[str, Any]]:
    """Normalise a clock, ToolCalls or dicts to ``[{"label", "start", "finish", "outcome"}]`` (ms)."""
    calls = getattr(source, "calls", source)
    out = []
    for c in calls:
        if isinstance(c, dict):
            out.append({"label": str(c.get("label", c.get("name", "?"))), "start": float(c["start"]),
                        "finish": float(c["finish"]), "outcome": c.get("outcome", "ok")})
        else:
            finish = c.finish
            if finish is None:
                finish = c.start if math.isinf(c.latency) else c.start + c.latency
            out.append({"label": c.label, "start": float(c.start), "finish": float(finish), "outcome": c.outcome})
    return out


def total_ms(source: Any) -> float:
    bars = bars_of(source)
    return max((b["finish"] for b in bars), default=0.0) - min((b["start"] for b in bars), default=0.0)


def wrap_label(label: str, width: int = WRAP) -> str:
    """``"get_doctor_calendar(dr-patel, 2025-06-10)"`` -> name and arguments on two lines, never cut."""
    if len(label) <= width or "(" not in label:
        return label
    name, rest = label.split("(", 1)
    return f"{name}\n({rest}"


def legend_handles(bars: list[dict[str, Any]], floor: float | None = None,
                   total: float | str | None = None) -> list[Any]:
    """One legend entry per bar colour used (in ``MEANING``'s words), the floor line and the total line (its
    value in s, or the words to show)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    used = [o for o in COLOURS if any(b["outcome"] == o for b in bars)]
    handles: list[Any] = [Patch(facecolor=COLOURS[o], edgecolor="black", linewidth=0.5,
                                hatch="//" if o == "cancelled" else None, label=MEANING[o]) for o in used]
    if floor is not None:
        handles.append(Line2D([], [], color=FLOOR_COLOUR, linestyle="--", linewidth=1,
                              label=f"floor {floor:.1f} s: the slowest call (thick edge)"))
    if total is not None:
        label = total if isinstance(total, str) else f"total {total:.1f} s"
        handles.append(Line2D([], [], color="black", linestyle=":", linewidth=1, label=label))
    return handles


def _draw(ax: Any, bars: list[dict[str, Any]], title: str | None, floor: bool) -> tuple[float | None, float]:
    """Draw the bars on ``ax``; returns (floor in s or None, total in s) for the legend."""
    n = len(bars)
    slowest = max(range(n), key=lambda i: bars[i]["finish"] - bars[i]["start"]) if n else None
    for y, b in enumerate(bars):
        width = (b["finish"] - b["start"]) / 1000
        colour = COLOURS.get(b["outcome"], COLOURS["ok"])
        ax.barh(y, width, left=b["start"] / 1000, height=0.6, color=colour,
                edgecolor="black", linewidth=2.0 if y == slowest else 0.5,
                hatch="//" if b["outcome"] == "cancelled" else None)
        note = {"error": " error", "cancelled": " timed out"}.get(b["outcome"], "")
        ax.text(b["finish"] / 1000, y, f" {width:.1f}s{note}", va="center", fontsize=8)
    ax.set_yticks(range(n), [wrap_label(b["label"]) for b in bars], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("virtual time (s)")
    total = total_ms(bars) / 1000
    lo = None
    if n and floor:
        lo = (bars[slowest]["finish"] - bars[slowest]["start"]) / 1000  # type: ignore[index]
        ax.axvline(lo, color=FLOOR_COLOUR, linestyle="--", linewidth=1)
    if n:
        ax.axvline(total, color="black", linestyle=":", linewidth=1)
        right = max(b["finish"] for b in bars) / 1000
        ax.set_xlim(0, right * 1.22 + 0.05)  # room for the duration written after the longest bar
    ax.set_title(f"{title + ': ' if title else ''}total {total:.1f} s", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return lo, total


def _rows_height(bars: list[dict[str, Any]]) -> float:
    return sum(0.62 if "\n" in wrap_label(b["label"]) else 0.42 for b in bars)


def plot_timeline(source: Any, *, title: str | None = None, floor: bool = True,
                  width: float = 7.5) -> Figure:
    """One bar per call on the virtual time axis, a legend below it (colours, floor, total); returns the Figure."""
    bars = bars_of(source)
    fig = TimelineFigure(figsize=(width, max(_rows_height(bars), 0.9) + 1.6), layout="constrained")
    lo, total = _draw(fig.add_subplot(), bars, title, floor)
    handles = legend_handles(bars, lo, total if bars else None)
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=min(3, len(handles)), fontsize=8, frameon=False)
    return fig


def compare(serial: Any, concurrent: Any, *, titles: tuple[str, str] = ("Serial", "Concurrent"),
            floor: bool = True) -> Figure:
    """Two timelines, one above the other, on one shared time axis (top: serial, bottom: concurrent), with one
    legend below both."""
    left, right = bars_of(serial), bars_of(concurrent)
    heights = [max(_rows_height(left), 0.9) + 0.7, max(_rows_height(right), 0.9) + 0.7]
    fig = TimelineFigure(figsize=(8.5, sum(heights) + 1.0), layout="constrained")
    ax1, ax2 = fig.subplots(2, 1, sharex=True, height_ratios=heights)
    lo1, total1 = _draw(ax1, left, titles[0], floor)
    lo2, total2 = _draw(ax2, right, titles[1], floor)
    hi = max(total_ms(left), total_ms(right), max((b["finish"] for b in left + right), default=0)) / 1000
    ax1.set_xlim(0, hi * 1.22 + 0.05)
    ax1.tick_params(labelbottom=True)
    handles = legend_handles(left + right, lo2 if lo2 is not None else lo1,
                             "total: when the last call ends (each title)" if left or right else None)
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=min(4, len(handles)), fontsize=8, frameon=False)
    return fig
