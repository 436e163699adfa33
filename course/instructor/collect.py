"""Copy hand-ins into ``autograder/submitted/<student>/<lesson>/`` and add the students to the gradebook.

Accepted layouts under the ``SUBMISSIONS`` path (a folder, a zip, or a folder holding both):

- a folder per student: ``<student>/<NN-name>.ipynb`` (nested folders are searched too);
- a zip per student: ``<student>.zip`` holding ``<NN-name>.ipynb`` anywhere inside.

Only files named after a known lesson are taken.  Zip members are read, never extracted (no path
traversal), and notebooks over ``MAX_BYTES`` are refused.  Invalid JSON is still copied, so that
``autograde`` rejects it with a clear reason in the grading report.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from .grading import slug
from .paths import Layout

MAX_BYTES = 50_000_000


@dataclass
class Collected:
    student: str
    lesson: str
    source: str
    note: str = ""


def _lesson_of(name: str, lessons: list[str]) -> str | None:
    base = Path(name).name
    if any(part in ("__MACOSX", ".ipynb_checkpoints") for part in Path(name).parts):
        return None
    stem = base[:-6] if base.endswith(".ipynb") else None
    return stem if stem in lessons else None


def _from_zip(zpath: Path, lessons: list[str]) -> dict[str, tuple[bytes, str]]:
    found: dict[str, tuple[bytes, str]] = {}
    with zipfile.ZipFile(zpath) as zf:
        for info in zf.infolist():
            lesson = _lesson_of(info.filename, lessons)
            if lesson is None or info.is_dir():
                continue
            if info.file_size > MAX_BYTES:
                raise ValueError(f"{zpath.name}:{info.filename} is larger than {MAX_BYTES} bytes")
            found[lesson] = (zf.read(info), f"{zpath}:{info.filename}")
    return found


def _from_dir(sdir: Path, lessons: list[str]) -> dict[str, tuple[bytes, str]]:
    found: dict[str, tuple[bytes, str]] = {}
    for p in sorted(sdir.rglob("*.ipynb")):
        lesson = _lesson_of(str(p.relative_to(sdir)), lessons)
        if lesson is None:
            continue
        if p.stat().st_size > MAX_BYTES:
            raise ValueError(f"{p} is larger than {MAX_BYTES} bytes")
        found[lesson] = (p.read_bytes(), str(p))
    return found


def collect(layout: Layout, submissions: Path) -> list[Collected]:
    """Copy every hand-in under ``submissions`` into the course; return what was taken."""
    from nbgrader.api import Gradebook

    lessons = layout.lessons()
    entries: list[tuple[str, dict[str, tuple[bytes, str]]]] = []
    problems: list[str] = []
    paths = [submissions] if submissions.is_file() else sorted(submissions.iterdir())
    for p in paths:
        try:
            if p.is_file() and p.suffix == ".zip":
                entries.append((slug(p.stem), _from_zip(p, lessons)))
            elif p.is_dir():
                entries.append((slug(p.name), _from_dir(p, lessons)))
        except (ValueError, zipfile.BadZipFile) as exc:
            problems.append(f"REJECTED {p.name}: {exc}")
    taken: list[Collected] = []
    with Gradebook(layout.db_url) as gb:
        for student, found in entries:
            if not found:
                problems.append(f"SKIPPED {student}: no notebook named after a lesson ({', '.join(lessons)})")
                continue
            gb.update_or_create_student(student)
            for lesson, (data, origin) in sorted(found.items()):
                dest = layout.root / "submitted" / student / lesson
                dest.mkdir(parents=True, exist_ok=True)
                (dest / f"{lesson}.ipynb").write_bytes(data)
                taken.append(Collected(student, lesson, origin))
    for line in problems:
        print(line, flush=True)
    return taken
