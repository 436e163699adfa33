"""Tamper flags: what the grader's in-kernel witness saw, carried from the nbgrader child to the reports.

A *flag* is a short human reason ("an IPython input transformer was installed").  A flagged submission
keeps its score; the flags are shown next to it for an instructor to look at.

- :data:`ENV`: the environment variable naming the file the nbgrader child writes (``GuardedExecute``).
- :func:`write(path, flags) <write>`: write the JSON file ``{"flags": [...]}`` at ``path`` (replacing it).
- :func:`read(path) <read>` -> ``list[str]``: the flags in that file (``[]`` if it does not exist);
  raises ``ValueError`` naming the file when it is not such a JSON object.
- :func:`describe(flags) <describe>` -> ``"flagged: <why>; <why>"`` (``""`` when there are none).
- :func:`save(path, by_key) <save>` / :func:`load(path) <load>`: the per-submission store
  ``autograded/flags.json`` (``{"student/lesson": [flags...]}``); a re-graded submission replaces its entry,
  the others are kept, so the store is merged across runs.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

ENV = "COURSE_GRADE_FLAGS"


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(str(i) for i in items))


def read(path: Path | str) -> list[str]:
    """The flags written at ``path`` (``[]`` if the file does not exist)."""
    path = Path(path)
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("flags"), list):
        raise ValueError(f"{path}: expected a JSON object with a 'flags' list")
    return _unique(data["flags"])


def write(path: Path | str, flags: list[str]) -> None:
    """Write ``flags`` (deduplicated, order kept) to ``path``, replacing whatever was there."""
    path = Path(path)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"flags": _unique(list(flags))}, indent=1))
    os.replace(tmp, path)


def describe(flags: list[str]) -> str:
    """``"flagged: a; b"`` for the reports, ``""`` when nothing was flagged."""
    return "flagged: " + "; ".join(flags) if flags else ""


def load(path: Path | str) -> dict[str, list[str]]:
    """The per-submission store at ``path`` (``{}`` if absent); ValueError naming the file if malformed."""
    path = Path(path)
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise ValueError(f"{path}: expected a JSON object mapping 'student/lesson' to a list of flags")
    return {str(k): _unique(v) for k, v in data.items()}


def save(path: Path | str, by_key: dict[str, list[str]]) -> None:
    """Merge ``by_key`` (``{"student/lesson": flags}``) into the store at ``path``; empty lists clear a key."""
    path = Path(path)
    store = load(path)
    for key, flags in by_key.items():
        if flags:
            store[key] = _unique(flags)
        else:
            store.pop(key, None)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dict(sorted(store.items())), indent=1))
