"""Authored HTTP error answers, for scenarios that show what an API refuses."""

from __future__ import annotations

from typing import Any

from .turns import Turn


def _no_stream(req: dict[str, Any], body: dict[str, Any], turn: Turn) -> list[dict[str, Any]]:
    raise ValueError("an error answer is never streamed")


def api_error(body: dict[str, Any], status: int = 400, **opts: Any) -> Turn:
    """A turn answered with ``status`` and a fixed JSON error ``body`` (the provider's own shape)."""
    return Turn(lambda req, ids: body, _no_stream, status=status, **opts)
