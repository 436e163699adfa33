"""Copy hand-ins into ``autograder/submitted/<student>/<lesson>/`` and add the students to the gradebook.

Accepted layouts under the ``SUBMISSIONS`` path (a folder, a zip, or a folder holding both):

- a folder per student: ``<student>/<NN-name>.ipynb`` (nested folders are searched too);
- a zip per student: ``<student>.zip`` holding ``<NN-name>.ipynb`` anywhere inside.

API::

    collect(layout, submissions) -> list[Collected]     # raises CollectError on any collision
    CollectError.lines                                  # one line per collision, naming every source

Guarantees (each has a test in ``tests/test_collect.py``):

- **Collect never merges two people.**  Student ids come from :func:`students.student_id` (Unicode kept,
  lossy names get a hash suffix).  Two hand-ins with one id (also ``Ada``/``ada``, NFC/NFD spellings, or a
  folder and a zip of one student), or two copies of one lesson in one hand-in, are collisions: collect
  lists every collision with its sources and stops **before anything is written**.
- **Zips are read, never extracted**, member by member as a stream in ``CHUNK`` pieces: a member is refused
  as soon as it yields more than ``MAX_BYTES``, whatever its header claims; a zip with more than
  ``MAX_MEMBERS`` entries is refused before any member is read; members not named after a lesson, and
  symlink members, are never read.  (``ZipFile.read`` reads a member whole, asking zlib for up to 1 GB in
  one call, ``ZipExtFile.MAX_N``; see "zipfile — Decompression pitfalls",
  https://docs.python.org/3/library/zipfile.html#decompression-pitfalls.  Overlapping entries are the shape
  of "A better zip bomb", https://www.bamsoftware.com/hacks/zipbomb/.)
- **Symbolic links are not followed** in folders (``os.walk(followlinks=False)``, ``lstat``, ``O_NOFOLLOW``):
  a symlinked file or folder is skipped with a printed note; only regular files are read.
- A refused hand-in (corrupt zip, oversized member, too many members) is reported as ``REJECTED`` and nothing
  of it is written; the other students are still collected.  Invalid JSON is still copied, so that
  ``autograde`` rejects it with a clear reason in the grading report.
"""

from __future__ import annotations

import os
import stat
import unicodedata
import zipfile
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from .paths import Layout
from .students import collision_key, student_id

MAX_BYTES = 50_000_000
MAX_MEMBERS = 500
CHUNK = 1 << 16
SKIP_DIRS = ("__MACOSX", ".ipynb_checkpoints")


class CollectError(Exception):
    """Collect refused to write anything; ``lines`` says why (one line per collision)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        super().__init__("\n".join(lines))


class Refused(Exception):
    """One hand-in cannot be read safely (the message says why)."""


@dataclass
class Collected:
    student: str
    lesson: str
    source: str
    note: str = ""


@dataclass
class Member:
    """One lesson notebook inside a hand-in (a path in a folder, or a member name in a zip)."""

    lesson: str
    name: str


@dataclass
class HandIn:
    """One student's folder or zip."""

    path: Path
    kind: str                                   # "folder" | "zip"
    student: str
    members: list[Member] = field(default_factory=list)
    refused: str = ""

    def describe(self) -> str:
        raw = self.path.name
        spelled = f" (spelled {ascii(raw)})" if unicodedata.normalize("NFC", raw) != raw else ""
        return f"{self.kind} {str(self.path)!r}{spelled}"


def _lesson_of(name: str, lessons: list[str]) -> str | None:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if not parts or any(part in SKIP_DIRS for part in parts):
        return None
    base = parts[-1]
    stem = base[:-6] if base.endswith(".ipynb") else None
    return stem if stem in lessons else None


def _is_symlink_member(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _scan_zip(hand: HandIn, lessons: list[str], notes: list[str]) -> None:
    with zipfile.ZipFile(hand.path) as zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise Refused(f"{len(infos)} entries, more than the {MAX_MEMBERS} a hand-in may hold "
                          f"(no member was read)")
        for info in infos:
            lesson = _lesson_of(info.filename, lessons)
            if lesson is None or info.is_dir():
                continue
            if _is_symlink_member(info):
                notes.append(f"SKIPPED {hand.path.name}:{info.filename}: a symbolic link (not followed)")
                continue
            if info.file_size > MAX_BYTES:
                raise Refused(f"{info.filename} declares {info.file_size} bytes, more than {MAX_BYTES}")
            hand.members.append(Member(lesson, info.filename))


def _scan_dir(hand: HandIn, lessons: list[str], notes: list[str]) -> None:
    def fail(exc: OSError) -> None:
        raise Refused(f"cannot list {exc.filename}: {exc.strerror}")

    for dirpath, dirnames, filenames in os.walk(hand.path, followlinks=False, onerror=fail):
        here = Path(dirpath)
        for d in sorted(dirnames):
            if (here / d).is_symlink():
                notes.append(f"SKIPPED {here / d}: a symbolic link to a folder (not followed)")
                dirnames.remove(d)
            elif d in SKIP_DIRS:
                dirnames.remove(d)
        dirnames.sort()
        for f in sorted(filenames):
            rel = (here / f).relative_to(hand.path).as_posix()
            lesson = _lesson_of(rel, lessons)
            if lesson is None:
                continue
            mode = os.lstat(here / f).st_mode
            if stat.S_ISLNK(mode):
                notes.append(f"SKIPPED {here / f}: a symbolic link (not followed)")
            elif not stat.S_ISREG(mode):
                notes.append(f"SKIPPED {here / f}: not a regular file")
            else:
                hand.members.append(Member(lesson, rel))


def _read_capped(stream: IO[bytes], what: str) -> bytes:
    """Read ``stream`` in ``CHUNK`` pieces; refuse as soon as it yields more than ``MAX_BYTES``."""
    buf = bytearray()
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            return bytes(buf)
        buf += chunk
        if len(buf) > MAX_BYTES:
            raise Refused(f"{what} is larger than {MAX_BYTES} bytes (stopped reading at {len(buf)})")


def _read_zip(hand: HandIn) -> dict[str, tuple[bytes, str]]:
    out: dict[str, tuple[bytes, str]] = {}
    with zipfile.ZipFile(hand.path) as zf:
        for m in hand.members:
            try:
                with zf.open(m.name) as f:
                    out[m.lesson] = (_read_capped(f, m.name), f"{hand.path}:{m.name}")
            except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as exc:
                raise Refused(f"{m.name} cannot be read: {exc}") from None
    return out


def _read_dir(hand: HandIn) -> dict[str, tuple[bytes, str]]:
    out: dict[str, tuple[bytes, str]] = {}
    for m in hand.members:
        path = hand.path / m.name
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(path, flags)
        except OSError as exc:
            raise Refused(f"{m.name} cannot be opened: {exc.strerror}") from None
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise Refused(f"{m.name} is not a regular file")
            out[m.lesson] = (_read_capped(f, m.name), str(path))
    return out


def _hand_ins(submissions: Path, notes: list[str]) -> list[HandIn]:
    if submissions.is_file():
        entries = [submissions]
    else:
        entries = sorted(submissions.iterdir())
    hands = []
    for p in entries:
        if p.is_symlink() and p != submissions:
            notes.append(f"SKIPPED {p}: a symbolic link (not followed)")
        elif p.is_dir():
            hands.append(HandIn(p, "folder", student_id(p.name)))
        elif p.is_file() and p.suffix.lower() == ".zip":
            hands.append(HandIn(p, "zip", student_id(p.stem)))
        elif not p.name.startswith("."):
            notes.append(f"SKIPPED {p}: not a folder or a .zip (hand-ins are <student>/ or <student>.zip)")
    return hands


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def collisions(hands: list[HandIn]) -> list[str]:
    """One line per collision: hand-ins sharing a student id, or a lesson twice in one hand-in."""
    lines = []
    by_key: dict[str, list[HandIn]] = defaultdict(list)
    for h in hands:
        by_key[collision_key(h.student)].append(h)
    for group in by_key.values():
        if len(group) > 1:
            ids = sorted({h.student for h in group})
            lines.append(f"COLLISION student id {' / '.join(repr(i) for i in ids)} from {len(group)} hand-ins: "
                         f"{_join([h.describe() for h in group])}")
    for h in hands:
        by_lesson: dict[str, list[str]] = defaultdict(list)
        for m in h.members:
            by_lesson[m.lesson].append(m.name)
        for lesson, names in sorted(by_lesson.items()):
            if len(names) > 1:
                lines.append(f"COLLISION {lesson} appears {len(names)} times in {h.describe()}: "
                             f"{_join([repr(n) for n in names])}")
    return lines


def collect(layout: Layout, submissions: Path) -> list[Collected]:
    """Copy every hand-in under ``submissions`` into the course; return what was taken.

    Raises :class:`CollectError` (nothing written) if any two hand-ins, or two notebooks in one hand-in,
    would land in the same place."""
    from nbgrader.api import Gradebook

    lessons = layout.lessons()
    notes: list[str] = []
    hands = _hand_ins(submissions, notes)
    for h in hands:
        try:
            (_scan_zip if h.kind == "zip" else _scan_dir)(h, lessons, notes)
        except (Refused, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            h.refused, h.members = str(exc) or type(exc).__name__, []
    problems = collisions(hands)
    if problems:
        raise CollectError([*problems, f"collect: refused, nothing was written: {len(problems)} collision(s); "
                                       f"rename or remove one of each pair and run collect again"])
    taken: list[Collected] = []
    with Gradebook(layout.db_url) as gb:
        for h in hands:
            if h.refused:
                notes.append(f"REJECTED {h.path.name}: {h.refused}")
                continue
            if not h.members:
                notes.append(f"SKIPPED {h.student}: no notebook named after a lesson ({', '.join(lessons)})")
                continue
            try:
                found = _read_zip(h) if h.kind == "zip" else _read_dir(h)
            except (Refused, zipfile.BadZipFile, OSError) as exc:
                notes.append(f"REJECTED {h.path.name}: {exc}")
                continue
            gb.update_or_create_student(h.student)
            for lesson, (data, origin) in sorted(found.items()):
                dest = layout.root / "submitted" / h.student / lesson
                dest.mkdir(parents=True, exist_ok=True)
                (dest / f"{lesson}.ipynb").write_bytes(data)
                taken.append(Collected(h.student, lesson, origin))
    for line in notes:
        print(line, flush=True)
    return taken
