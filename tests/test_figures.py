"""Figures a reader can read: every colour in a legend, no label over a bar, labels never cut, titles in words, one
chart per explorer with the cap slider only where it acts, and a one-line text caption after every figure.

Legends and overlaps are checked in-process on the course's plotting functions (matplotlib text bounding boxes
against bar patches after ``fig.canvas.draw()``); captions on the executed solution notebooks.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest
from matplotlib.colors import to_hex
from matplotlib.patches import Rectangle

from course import metrics
from course.clock import HANG, Fail
from course.grading import disabling
from course.grading.fanout import make_clock, make_calls
from course.policy import conversation_bars
from course.timeline import compare, plot_timeline, simulate, wrap_label

from lessons import LESSONS, executed

LAT = {"get_stock_price(AAPL)": 1200, "get_weather(Tokyo)": 800, "get_weather(London)": 900}


def _clock_with_every_outcome() -> Any:
    import asyncio

    clock = make_clock({"get_weather": {"Tokyo": 800, "Atlantis": Fail(400, "unknown city")},
                        "get_stock_price": {"AAPL": 1200, "SLOW": HANG}})
    calls = make_calls(("get_weather", {"city": "Tokyo"}), ("get_weather", {"city": "Atlantis"}),
                       ("get_stock_price", {"ticker": "AAPL"}), ("get_stock_price", {"ticker": "SLOW"}))
    tools = clock.async_tools()

    async def one(c: dict) -> Any:
        try:
            return await asyncio.wait_for(tools[c["name"]](**c["arguments"]), 0.05)
        except Exception as exc:  # noqa: BLE001
            return exc

    async def run() -> None:
        await asyncio.gather(*(one(c) for c in calls))

    asyncio.run(run())
    return clock


def _traces() -> list[dict]:
    return [tr for tr in metrics.load_traces() if tr["agent"] == "booking"]


def figures() -> dict[str, Any]:
    """Every figure the course's plotting functions draw in the lessons, on the lessons' data."""
    out = {
        "timeline: every outcome": plot_timeline(_clock_with_every_outcome(), title="every outcome"),
        "timeline: capped": plot_timeline(simulate(LAT, "capped", 2), title="capped"),
        "compare: serial vs parallel": compare(simulate(LAT, "serial"), simulate(LAT, "parallel")),
        "compare: booking (lesson 4)": compare(conversation_bars("chat_booking_parallel", disabling.POLICY_LATENCIES),
                                               conversation_bars("chat_booking_serial", disabling.POLICY_LATENCIES),
                                               titles=("parallel calls on", "parallel_tool_calls=False"),
                                               floor=False),
    }
    for tr in _traces():
        out[f"trace: {tr['name']}"] = metrics.plot_timeline(tr)
    return out


FIGURES = figures()


def _bars(ax: Any) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle) and p.get_width() > 0 and p.get_height() > 0]


def _renderer(fig: Any) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)  # the course's figures carry no canvas until shown: draw them as the PNG is drawn
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def _legend_colours(fig: Any) -> set[str]:
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend() is not None)]
    return {to_hex(h.get_facecolor()) for lg in legends for h in lg.legend_handles if hasattr(h, "get_facecolor")}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_bar_colour_is_in_a_legend(name: str) -> None:
    fig = FIGURES[name]
    used = {to_hex(p.get_facecolor()) for ax in fig.axes for p in _bars(ax)}
    assert used, "no bars drawn"
    missing = used - _legend_colours(fig)
    assert not missing, f"{name}: colours {sorted(missing)} have no legend entry"


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_no_text_or_legend_is_drawn_over_a_bar(name: str) -> None:
    fig = FIGURES[name]
    renderer = _renderer(fig)
    boxes = [(p, p.get_window_extent(renderer)) for ax in fig.axes for p in _bars(ax)]
    covers = []
    for ax in fig.axes:
        texts = [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts if t.get_text().strip()]
        if ax.get_legend() is not None:
            texts.append(("legend", ax.get_legend().get_window_extent(renderer)))
        texts += [("figure legend", lg.get_window_extent(renderer)) for lg in fig.legends]
        for label, box in texts:
            for _, bar in boxes:
                inter = box.intersection(box, bar)
                if inter is not None and inter.width > 1 and inter.height > 1:
                    covers.append(label)
    assert not covers, f"{name}: drawn over a bar: {sorted(set(covers))}"


def _constrained(fig: Any) -> bool:
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    return isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)


def _texts(fig: Any) -> list[Any]:
    """Every label, title and legend of ``fig`` that shows something."""
    out: list[Any] = list(fig.legends)
    for ax in fig.axes:
        (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
        ticks = [t for t in ax.get_xticklabels() if x0 <= t.get_position()[0] <= x1]  # the others are not drawn
        ticks += [t for t in ax.get_yticklabels() if y0 <= t.get_position()[1] <= y1]
        out += [t for t in [*ax.texts, ax.title, ax.xaxis.label, ax.yaxis.label, *ticks]
                if t.get_visible() and t.get_text().strip()]
        if ax.get_legend() is not None:
            out.append(ax.get_legend())
    return out


@pytest.mark.parametrize("name", sorted(n for n, f in FIGURES.items() if _constrained(f)))
def test_nothing_is_drawn_outside_a_constrained_figure(name: str) -> None:
    """A figure with constrained layout is saved as it is, not cropped (TimelineFigure._repr_png_): every
    label, title and legend must lie inside it."""
    fig = FIGURES[name]
    renderer = _renderer(fig)
    inside = fig.bbox.padded(1)
    out = [a for a in _texts(fig) if not (inside.contains(*a.get_window_extent(renderer).min)
                                          and inside.contains(*a.get_window_extent(renderer).max))]
    assert not out, f"{name}: drawn outside the figure: {[getattr(a, 'get_text', lambda: 'a legend')() for a in out]}"


def test_timelines_are_laid_out_with_constrained_layout() -> None:
    assert [n for n, f in FIGURES.items() if _constrained(f)] == [n for n in FIGURES if n.startswith(("timeline", "compare"))]


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_tick_labels_are_whole_and_do_not_collide(name: str) -> None:
    fig = FIGURES[name]
    renderer = _renderer(fig)
    for ax in fig.axes:
        labels = [t for t in ax.get_yticklabels() if t.get_text()]
        for t in labels:
            assert not t.get_text().endswith(("-", "…", ",")), f"{name}: a cut label {t.get_text()!r}"
        extents = sorted((t.get_window_extent(renderer) for t in labels), key=lambda b: b.y0)
        for a, b in zip(extents, extents[1:]):
            assert a.y1 <= b.y0 + 1, f"{name}: y labels overlap"


def test_long_call_labels_are_wrapped_never_cut() -> None:
    label = "get_doctor_calendar(dr-patel, 2025-06-10)"
    assert wrap_label(label) == "get_doctor_calendar\n(dr-patel, 2025-06-10)"
    bars = conversation_bars("chat_booking_parallel", disabling.POLICY_LATENCIES)
    assert any(b["label"] == label for b in bars), [b["label"] for b in bars]
    ticks = [t.get_text() for t in FIGURES["compare: booking (lesson 4)"].axes[0].get_yticklabels()]
    assert wrap_label(label) in ticks


def test_trace_titles_are_in_words() -> None:
    for tr in _traces():
        title = metrics.plot_timeline(tr).axes[0].get_title()
        assert tr["name"] not in title and title.startswith("booking agent, parallel calls "), title


def test_the_explorer_shows_one_chart_and_the_cap_only_when_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    from course import explorer

    shown: list[Any] = []
    monkeypatch.setattr(explorer, "display", lambda obj: shown.append(obj))
    explorer.show_explorer({"a": 800, "b": 1200})
    charts = [o for o in shown if hasattr(o, "savefig")]
    boxes = [o for o in shown if hasattr(o, "toggle")]
    assert len(charts) == 1 and len(boxes) == 1, f"the explorer displayed {shown}"  # the chart in its Output only
    box = boxes[0]
    assert box.cap.layout.display == "none"
    box.toggle.value = "capped"
    assert box.cap.layout.display in (None, "", "flex", "inline-flex")
    box.toggle.value = "serial"
    assert box.cap.layout.display == "none"


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_figure_is_followed_by_a_one_line_caption(lesson: str) -> None:
    nb = executed(lesson)
    missing = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])):
            continue
        nxt = nb.cells[i + 1] if i + 1 < len(nb.cells) else None
        ok = (nxt is not None and nxt.cell_type == "markdown" and nxt.source.startswith("*Figure:* ")
              and len(nxt.source.strip().splitlines()) == 1)
        if not ok:
            missing.append((i, cell.source.splitlines()[0]))
    assert not missing, f"{lesson}: figures without a '*Figure:* ...' caption line after them: {missing}"


def _png_size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_a_tight_laid_out_figure_is_saved_as_it_is_unless_something_lies_outside() -> None:
    """After ``tight_layout()`` the axes' labels lie inside the figure, so its PNG is the figure as it is (one
    measuring pass fewer); a figure-level text added afterwards brings back the crop to what is drawn."""
    from course.timeline import TimelineFigure

    fig = TimelineFigure(figsize=(6, 2))
    ax = fig.add_subplot()
    ax.barh([0, 1], [1200, 800])
    ax.set_yticks([0, 1], ["get_weather(Tokyo)", "get_stock_price(AAPL)"])
    ax.set_xlabel("virtual ms")
    fig.tight_layout()
    assert _png_size(fig._repr_png_()) == (540, 180)
    renderer, inside = _renderer(fig), fig.bbox.padded(1)
    assert all(inside.contains(*t.get_window_extent(renderer).min) and inside.contains(*t.get_window_extent(renderer).max)
               for t in _texts(fig))
    fig.text(1.02, 0.5, "beyond the right edge")
    assert _png_size(fig._repr_png_())[0] > 540


def test_a_tight_laid_out_figure_is_drawn_once_when_saved() -> None:
    """matplotlib's ``tight_layout()`` leaves a placeholder layout engine on the figure, and ``savefig`` then runs
    a whole measuring draw before the real one.  The course's figure drops the placeholder (the layout is done),
    so its PNG costs one draw, and is byte for byte the PNG that the extra draw gave."""
    from matplotlib.figure import Figure

    from course.timeline import TimelineFigure

    def build(layout: Callable[[Figure], None]) -> TimelineFigure:
        fig = TimelineFigure(figsize=(6, 2))
        ax = fig.add_subplot()
        ax.barh([0, 1], [1200, 800])
        ax.set_yticks([0, 1], ["get_weather(Tokyo)", "get_stock_price(AAPL)"])
        layout(fig)
        return fig

    fig = build(TimelineFigure.tight_layout)
    assert fig.get_layout_engine() is None
    draws = []
    original = TimelineFigure.draw

    def counted(self: Figure, renderer: object) -> None:
        draws.append(renderer)
        original(self, renderer)

    TimelineFigure.draw = counted  # type: ignore[method-assign]
    try:
        png = fig._repr_png_()
    finally:
        TimelineFigure.draw = original  # type: ignore[method-assign]
    assert len(draws) == 1, f"saving the figure drew it {len(draws)} times"
    placeholder = build(Figure.tight_layout)    # matplotlib's own: the placeholder engine stays
    placeholder._laid_out = True
    assert placeholder.get_layout_engine() is not None
    assert placeholder._repr_png_() == png
