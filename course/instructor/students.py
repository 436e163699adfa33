"""Student ids from hand-in names: one person, one id; two people, never one id.

API::

    student_id("李雷")          -> "李雷"            # Unicode letters and digits are kept
    student_id("Zoe\\u0308")     -> "Zoë"             # NFKC-normalised: NFD and NFC spellings agree
    student_id("ada-lovelace")  -> "ada-lovelace"
    student_id("ada lovelace")  -> "ada-lovelace-177f85df"   # lossy -> stable hash suffix
    student_id("...")           -> "student-ab5df625"        # empty -> stable hash suffix
    collision_key(sid)          -> sid.casefold()             # ids that would share a folder somewhere

An id keeps Unicode letters, marks and digits and ``._-`` of the NFKC-normalised name; anything else
becomes ``-``, leading/trailing ``.``/``-`` are stripped and the id is cut to ``MAX_LEN``.  If that
changed the (normalised) name at all, or left nothing, ``-`` and the first 8 hex digits of the SHA-256
of the normalised name are appended, so ``ada lovelace``, ``ada_lovelace`` and ``ada-lovelace`` stay three
ids, and ``...`` and ``-`` are not both ``student``.  Ids are not guaranteed unique (two spellings of one
name normalise alike, and a folder could be literally named like a suffixed id): collect checks every id
for collisions and refuses to merge.  Every id is a safe single path component (no separator, not ``.``/``..``,
no leading ``-`` or ``.``) and a literal nbgrader ``--student`` value (no glob characters ``*?[]``).

:func:`collision_key` is what two ids are compared by: ``Ada`` and ``ada`` are different ids, but they
would be one folder on a case-insensitive file system, so collect treats them as a collision.
"""

from __future__ import annotations

import hashlib
import unicodedata

MAX_LEN = 64
_SUFFIX_LEN = 8
_KEPT_PUNCT = "._-"


def _normal(name: str) -> str:
    return unicodedata.normalize("NFKC", name)


def _kept(ch: str) -> bool:
    return ch in _KEPT_PUNCT or unicodedata.category(ch)[0] in "LNM"


def _suffix(normal: str) -> str:
    return hashlib.sha256(normal.encode("utf-8", "surrogatepass")).hexdigest()[:_SUFFIX_LEN]


def student_id(name: str) -> str:
    """The student id for a hand-in named ``name`` (a folder name or a zip's stem)."""
    normal = _normal(name)
    out: list[str] = []
    for ch in normal:
        if _kept(ch):
            out.append(ch)
        elif not out or out[-1] != "-":
            out.append("-")
    base = "".join(out).strip(".-")
    # A combining mark cannot start a component sensibly; drop leading marks.
    while base and unicodedata.category(base[0])[0] == "M":
        base = base[1:].lstrip(".-")
    room = MAX_LEN - _SUFFIX_LEN - 1
    if base and base == normal and len(base) <= MAX_LEN:
        return base
    base = base[:room].rstrip(".-") or "student"
    return f"{base}-{_suffix(normal)}"


def collision_key(sid: str) -> str:
    """Two ids with the same key would land in one folder on some file system: a collision."""
    return unicodedata.normalize("NFKC", sid.casefold())


def slug(text: str) -> str:
    """Deprecated name of :func:`student_id` (kept for ``grading.slug`` callers)."""
    return student_id(text)
