"""What the Responses API remembers between requests, as far as one replayed scenario can know it.

The Responses rules depend on earlier turns: which response an id names, whether it was created with
``store`` (default ``true``), which output items came back with which ``reasoning`` item, and which
``function_call`` ids a ``previous_response_id`` carries.  :class:`History` keeps that, fed by the replay
after every played request (:meth:`History.record`).  For a ``previous_response_id`` the session never
played, :meth:`History.calls_of` asks the recording (``recorded_calls``), as the replay always did.

>>> h = History()
>>> h.record("/v1/responses", {"input": "hi"}, {"id": "resp_1", "output": [
...     {"type": "reasoning", "id": "rs_1"}, {"type": "function_call", "id": "fc_1", "call_id": "call_1"}]})
>>> h.calls_of("resp_1"), h.reasoning_for("fc_1"), h.followers_of("rs_1")
(['call_1'], 'rs_1', ['fc_1'])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .base import get, items


@dataclass(frozen=True)
class StoredResponse:
    """One played Responses turn: its id, whether it was stored, what it returned."""

    id: str
    store: bool
    previous_response_id: str | None
    output: tuple[dict[str, Any], ...]


@dataclass
class History:
    """Responses state of one replay session (empty for Chat and Anthropic scenarios)."""

    recorded_calls: Callable[[str], list[str] | None] | None = None
    responses: dict[str, StoredResponse] = field(default_factory=dict)
    _where: dict[str, tuple[str, int]] = field(default_factory=dict, repr=False)  # item id -> (response, index)

    def record(self, path: str, request: dict[str, Any], response: Any) -> None:
        """Remember a played Responses turn (other endpoints are ignored)."""
        if not path.endswith("/responses") or not isinstance(get(response, "id"), str):
            return
        store = request.get("store")
        out = tuple(o for o in items(get(response, "output")) if isinstance(o, dict))
        prev = request.get("previous_response_id")
        resp = StoredResponse(response["id"], store is not False, prev if isinstance(prev, str) else None, out)
        self.responses[resp.id] = resp
        for k, o in enumerate(out):
            if isinstance(o.get("id"), str):
                self._where[o["id"]] = (resp.id, k)

    def calls_of(self, response_id: str) -> list[str] | None:
        """The ``call_id`` of every function_call a response returned, or ``None`` if unknown."""
        resp = self.responses.get(response_id)
        if resp is not None:
            return [o.get("call_id") for o in resp.output if o.get("type") == "function_call"]
        return self.recorded_calls(response_id) if self.recorded_calls else None

    def origin(self, item_id: Any) -> StoredResponse | None:
        """The played response an output item id came from."""
        where = self._where.get(item_id) if isinstance(item_id, str) else None
        return self.responses[where[0]] if where else None

    def item_type(self, item_id: str) -> str:
        resp_id, k = self._where[item_id]
        return str(self.responses[resp_id].output[k].get("type"))

    def reasoning_for(self, item_id: Any) -> str | None:
        """The reasoning item id that came right before ``item_id``'s run of output items, if any."""
        where = self._where.get(item_id) if isinstance(item_id, str) else None
        if where is None:
            return None
        out = self.responses[where[0]].output
        for o in reversed(out[:where[1]]):
            if o.get("type") == "reasoning":
                return o.get("id")
        return None

    def followers_of(self, reasoning_id: Any) -> list[str]:
        """Ids of the output items that followed a reasoning item (up to the next reasoning item)."""
        where = self._where.get(reasoning_id) if isinstance(reasoning_id, str) else None
        if where is None:
            return []
        found: list[str] = []
        for o in self.responses[where[0]].output[where[1] + 1:]:
            if o.get("type") == "reasoning":
                break
            if isinstance(o.get("id"), str):
                found.append(o["id"])
        return found

    def chain(self, response_id: Any) -> list[StoredResponse]:
        """The played responses a ``previous_response_id`` continues, newest first."""
        seen: list[StoredResponse] = []
        while isinstance(response_id, str) and response_id in self.responses and len(seen) < 1000:
            resp = self.responses[response_id]
            if resp in seen:
                break
            seen.append(resp)
            response_id = resp.previous_response_id
        return seen
