"""An ipywidgets explorer: drag each call's latency, switch serial / parallel / capped, watch the total.

In a notebook cell (the widget needs a front end to show itself)::

    from course.explorer import show_explorer
    show_explorer({"weather Tokyo": 800, "AAPL": 1200, "rate-limited": 3000})

``build_explorer(latencies, mode="parallel", cap=2)`` returns the widget (an ``ipywidgets.VBox`` with a
``.redraw()`` method and ``.state()``) without displaying it.  ``show_explorer(...)`` displays the widget, whose
``Output`` holds the one chart (a saved or headless-executed notebook keeps it in the widget state);
``static=True`` adds a plain copy of the starting state.  The cap slider is shown only in ``capped`` mode,
the one mode it acts on.
Timelines come from :func:`course.timeline.simulate` (pure arithmetic, no clock needed).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w
from IPython.display import display

from .timeline import plot_timeline, simulate, total_ms

__all__ = ["build_explorer", "show_explorer", "DEFAULT_LATENCIES"]

DEFAULT_LATENCIES = {"get_weather(Tokyo)": 800, "get_stock_price(AAPL)": 1200, "get_weather(London)": 900,
                     "rate-limited call": 3000, "get_weather(Paris)": 700}


def _describe(lat: dict[str, float], mode: str, cap: int) -> str:
    serial = sum(lat.values())
    total = total_ms(simulate(lat, mode, cap))
    floor = max(lat.values(), default=0)
    speed = serial / total if total else 1.0
    return (f"<b>{mode}</b>{f' (cap {cap})' if mode == 'capped' else ''}: total <b>{total / 1000:.2f} s</b> "
            f"&nbsp;|&nbsp; serial would be {serial / 1000:.2f} s &nbsp;|&nbsp; floor (slowest call) "
            f"{floor / 1000:.2f} s &nbsp;|&nbsp; speed-up ×{speed:.1f}")


def build_explorer(latencies: dict[str, float] | None = None, *, mode: str = "parallel", cap: int = 2,
                   max_ms: int = 4000) -> w.VBox:
    """The explorer widget (not displayed)."""
    lat = dict(latencies or DEFAULT_LATENCIES)
    sliders = {name: w.IntSlider(value=int(ms), min=0, max=max_ms, step=100, description=name,
                                 style={"description_width": "160px"}, layout=w.Layout(width="460px"),
                                 continuous_update=False)
               for name, ms in lat.items()}
    toggle = w.ToggleButtons(options=["serial", "parallel", "capped"], value=mode, description="run")
    cap_w = w.IntSlider(value=cap, min=1, max=max(1, len(lat)), description="cap")
    total = w.HTML()
    out = w.Output()

    def current() -> dict[str, Any]:
        return {"latencies": {n: s.value for n, s in sliders.items()}, "mode": toggle.value, "cap": cap_w.value}

    def redraw(*_: Any) -> None:
        st = current()
        cap_w.layout.display = None if st["mode"] == "capped" else "none"  # the cap acts only in capped mode
        total.value = _describe(st["latencies"], st["mode"], st["cap"])
        fig = plot_timeline(simulate(st["latencies"], st["mode"], st["cap"]), title=st["mode"])
        out.clear_output(wait=True)
        with out:
            display(fig)

    for s in [*sliders.values(), toggle, cap_w]:
        s.observe(redraw, names="value")
    box = w.VBox([w.HBox([toggle, cap_w]), *sliders.values(), total, out])
    box.redraw = redraw  # type: ignore[attr-defined]
    box.state = current  # type: ignore[attr-defined]
    box.sliders, box.toggle, box.cap, box.total, box.out = sliders, toggle, cap_w, total, out  # type: ignore[attr-defined]
    redraw()
    return box


def show_explorer(latencies: dict[str, float] | None = None, *, mode: str = "parallel", cap: int = 2,
                  static: bool = False) -> None:
    """Display the explorer, whose chart is the only copy (returns nothing, so the widget is not shown twice);
    ``static=True`` also displays a plain figure of its starting state, for a page that cannot run widgets."""
    box = build_explorer(latencies, mode=mode, cap=cap)
    display(box)
    if static:
        st = box.state()  # type: ignore[attr-defined]
        display(plot_timeline(simulate(st["latencies"], st["mode"], st["cap"]),
                              title=f"{st['mode']} (static copy)"))
