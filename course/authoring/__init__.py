"""Author scenarios: a reference driver plus the model turns that answer it.

>>> from course.authoring import Scenario, register, chat, responses, claude, drivers
>>> sc = Scenario(
...     name="weather_two_cities", provider="openai", note="...", sources=["..."],
...     turns=[chat.calls(("get_weather", {"city": "Tokyo"}), ("get_weather", {"city": "London"})),
...            chat.text("Tokyo is 24°C, London 15°C.")],
...     drive=lambda c: drivers.chat_loop(c, model="gpt-4o-mini", tools=["get_weather"],
...                                       messages=[{"role": "user", "content": "Weather in Tokyo and London?"}]),
... )
>>> from course.authoring.build import build
>>> [len(i["request"]["json"]["messages"]) for i in build(sc)["interactions"]]   # the driver ran on the turns
[1, 4]

A scenario module ends with ``register(sc)`` (names are unique) and is imported by :mod:`.catalog`.

Turn builders (each takes ``note=``, ``latency_ms=``, ``usage=(in, out)``, ``match={...}``,
``interleave=True`` to round-robin streamed fragments across calls):

- :mod:`.chat`: ``calls(*(name, args), content=None)``, ``text(text)``
- :mod:`.responses`: ``output(*items)`` with ``call``, ``message``, ``web_search``, ``file_search``,
  ``reasoning``; shortcuts ``calls(...)``, ``text(...)``
- :mod:`.claude`: ``calls(*(name, input), preamble=None)``, ``reply(text)``
- :func:`.errors.api_error` for a recorded HTTP error answer.

A turn is served as SSE when the driver's request says ``"stream": true``.
``python -m course.authoring build`` writes ``course/scenarios/<name>.json``; ``check`` verifies
the files are current; ``record NAME`` re-records live (``COURSE_MODE=record`` and a key).
"""

from . import chat, claude, drivers, errors, responses
from .build import REGISTRY, Scenario, register
from .turns import Turn

__all__ = ["REGISTRY", "Scenario", "Turn", "chat", "claude", "drivers", "errors", "register", "responses"]
