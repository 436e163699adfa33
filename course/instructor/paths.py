"""Where things live: the repository, the nbgrader course root and the lessons."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

LESSON_RE = re.compile(r"^\d\d-[a-z0-9][a-z0-9-]*$")


def repo_root() -> Path:
    """The repository root: ``$COURSE_REPO`` or two levels above this package."""
    env = os.environ.get("COURSE_REPO")
    return Path(env).resolve() if env else Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Layout:
    """Paths of one course checkout; ``root`` is the nbgrader course root (``autograder/``)."""

    root: Path
    notebooks: Path
    solutions: Path

    @classmethod
    def default(cls, root: Path | str | None = None) -> "Layout":
        repo = repo_root()
        r = Path(root).resolve() if root else repo / "autograder"
        return cls(root=r, notebooks=repo / "notebooks", solutions=repo / "solutions")

    @property
    def source(self) -> Path:
        return self.root / "source"

    @property
    def config(self) -> Path:
        return self.root / "nbgrader_config.py"

    @property
    def gradebook(self) -> Path:
        return self.root / "gradebook.db"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.gradebook}"

    def master(self, lesson: str) -> Path:
        return self.source / lesson / f"{lesson}.ipynb"

    def lessons(self) -> list[str]:
        """Lesson ids (``NN-name``) that have a master notebook, sorted."""
        if not self.source.is_dir():
            return []
        return sorted(p.name for p in self.source.iterdir()
                      if LESSON_RE.match(p.name) and (p / f"{p.name}.ipynb").is_file())


def package_dir() -> Path:
    """The ``course`` package directory the grader itself imports."""
    return Path(__file__).resolve().parents[1]


def grade_id(cell: dict) -> str:
    """A cell's nbgrader ``grade_id`` ('' if it has none)."""
    return str(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", ""))
