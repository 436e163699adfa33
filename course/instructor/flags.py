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
import stat
from pathlib import Path

ENV = "COURSE_GRADE_FLAGS"
UNSANDBOXED = "unsandboxed"  # not a tamper flag: the submission was graded with SANDBOX=off


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(str(i) for i in items))


def read(path: Path | str) -> list[str]:
    """The flags written at ``path`` (``[]`` if the file does not exist).  Never follows a symlink and
    reads at most 64 KB; raises ValueError naming the file when it is not such a JSON object."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise ValueError(f"{path}: cannot be read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise ValueError(f"{path}: not a regular file")
        raw = f.read(65_536)
    try:
        data = json.loads(raw)
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
    """The reports' wording: ``unsandboxed`` and/or ``flagged: <why>; <why>`` (``""`` when neither)."""
    plain = [f for f in flags if f == UNSANDBOXED]
    seen = _unique([f for f in flags if f != UNSANDBOXED])
    return "; ".join(plain + (["flagged: " + "; ".join(seen)] if seen else []))


def tampered(flags: list[str]) -> bool:
    """Whether anything beyond ``unsandboxed`` was flagged."""
    return any(f != UNSANDBOXED for f in flags)


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
