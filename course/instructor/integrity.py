"""Content hashes of folders, to notice files a submission changed."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

SKIP = {"__pycache__", ".ipynb_checkpoints"}


def manifest(root: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of every file under ``root`` (a file root is hashed as ``"."``)."""
    if root.is_file():
        return {".": hashlib.sha256(root.read_bytes()).hexdigest()}
    out: dict[str, str] = {}
    if not root.is_dir():
        return out
    for p in sorted(root.rglob("*")):
        if any(part in SKIP for part in p.relative_to(root).parts) or not p.is_file():
            continue
        out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Paths added, removed or modified between two manifests."""
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def copy_tree(src: Path, dst: Path) -> None:
    """Copy ``src`` (file or folder) to ``dst``, skipping caches."""
    if src.is_file():
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
        return
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(*SKIP), dirs_exist_ok=True)


def restore(pristine: Path, target: Path) -> None:
    """Make ``target`` identical to ``pristine`` again."""
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    elif target.exists() or target.is_symlink():
        target.unlink()
    copy_tree(pristine, target)
