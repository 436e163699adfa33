"""Reading the in-kernel witness's flags (written by the grading child, outside the sandbox).

``read(path)`` returns the short reasons in the JSON file ``{"flags": [...]}`` at ``path`` ([] when it is
missing or unreadable); it never follows a symlink and reads at most 64 KB.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

MAX_BYTES = 65_536


def read(path: Path) -> list[str]:
    """The flags recorded at ``path`` (deduplicated, in order)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return []
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return ["the grader's flag file was replaced by a special file"]
        try:
            data = json.loads(f.read(MAX_BYTES))
        except ValueError:
            return ["the grader's flag file could not be read"]
    flags = data.get("flags", []) if isinstance(data, dict) else []
    return list(dict.fromkeys(str(x)[:300] for x in flags if x))
