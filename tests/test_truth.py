"""Truth checks on the lessons' prose and the repository's citations.

* every SDK version a master's markdown names next to ``openai``, ``anthropic`` or ``openai-agents`` is the one
  ``requirements.lock`` pins (a lesson that wants to name one renders it from :mod:`course.versions`);
* no file in the repository cites the authors' local copies of the sources (the ``shared`` folder beside the
  repository): sources are cited by title and public URL (``course/authoring/citations.py``);
* every recording's ``provenance.sources`` that names a source document gives its public URL.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import nbformat
import pytest

from course import versions
from course.authoring import citations

ROOT = Path(__file__).resolve().parents[1]
MASTERS = sorted((ROOT / "autograder" / "source").glob("*/*.ipynb"))

# "openai 3.54", "openai==3.54.0", "anthropic v2.12", "openai-agents 0.24", "`openai-agents` 0.24", "(openai 3.54,"
_SDK = r"(?P<name>openai-agents|openai_agents|openai|anthropic)"
_VERSION = r"(?P<version>\d+\.\d+(?:\.\d+)?)"
VERSION_NEAR_SDK = re.compile(_SDK + r"`?\)?\s*(?:SDK\s*|Python SDK\s*)?(?:==|v|version\s*|\(|,\s*)?\s*" + _VERSION,
                              re.IGNORECASE)


def named_versions(text: str) -> list[tuple[str, str]]:
    """(package, version) for every version-looking string right after an SDK name in ``text``."""
    return [(versions.normalise(m["name"]), m["version"]) for m in VERSION_NEAR_SDK.finditer(text)]


def agrees_with_lock(name: str, version: str) -> bool:
    """A named version agrees when it is the locked one, or its leading part ("3.57" for 3.57.0)."""
    locked = versions.locked(name)
    return locked is not None and (locked == version or locked.startswith(version + "."))


def test_the_pattern_finds_what_a_lesson_could_write() -> None:
    text = ("openai 3.54 SDK source; anthropic 2.12; `openai-agents` 0.24 (installed); openai==3.57.0; "
            "Anthropic Python SDK 2.12, installed")
    assert named_versions(text) == [("openai", "3.54"), ("anthropic", "2.12"), ("openai-agents", "0.24"),
                                    ("openai", "3.57.0"), ("anthropic", "2.12")]
    assert named_versions("the openai SDK pinned in requirements.lock; gpt-4o-2024-08-06; openai 'o3'") == []


def test_agreement_is_with_the_lock_not_a_constant() -> None:
    locked = versions.locked("openai")
    assert locked and agrees_with_lock("openai", locked)
    assert agrees_with_lock("openai", ".".join(locked.split(".")[:2]))
    assert not agrees_with_lock("openai", "0.0")


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.parent.name)
def test_versions_named_in_a_lesson_are_the_locked_ones(master: Path) -> None:
    nb = nbformat.read(master, as_version=4)
    wrong = [(i, name, version) for i, cell in enumerate(nb.cells) if cell.cell_type == "markdown"
             for name, version in named_versions(cell.source) if not agrees_with_lock(name, version)]
    assert not wrong, (f"{master.relative_to(ROOT)} names SDK versions that are not in requirements.lock "
                       f"(cell, package, version): {wrong}. Render them from course.versions instead.")


def _tracked_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [ROOT / name for name in out.decode().split("\0") if name]


def test_no_file_cites_the_local_source_copies() -> None:
    needles = ("shared/" + "seeds", "../" + "shared")  # split so this file does not match itself
    hits = []
    for path in _tracked_files():
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        hits += [f"{path.relative_to(ROOT)}: {needle}" for needle in needles if needle in text]
    assert not hits, "cite sources by title and public URL, not by a local path:\n" + "\n".join(hits)


def test_recordings_cite_source_documents_by_url() -> None:
    titles = {"Responses API: Parallel Tool Calls Not Happening": citations.FORUM_URL,
              "Parallel Tool Calls": citations.TUTORIAL_URL, "CallSphere": citations.BLOG_URL}
    checked = 0
    for path in sorted((ROOT / "course" / "scenarios").glob("*.json")):
        for source in json.loads(path.read_text(encoding="utf-8"))["provenance"]["sources"]:
            for title, url in titles.items():
                if f"'{title}'" in source or (title == "CallSphere" and title in source):
                    checked += 1
                    assert url in source, f"{path.name}: source {source!r} names {title!r} without its URL {url}"
    assert checked > 0
