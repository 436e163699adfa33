"""The exact package versions the course is locked to, read from ``requirements.lock``, for lessons to name.

Every learner installs the same versions: ``make install`` installs ``requirements.lock`` (written by
``make lock`` from ``pyproject.toml``), so a lesson that names an SDK version should take it from here
rather than write it down::

    from course import versions

    versions.locked("openai")        # '3.57.0'  (the pin in requirements.lock)
    versions.sdk_versions()          # {'openai': '3.57.0', 'anthropic': '2.15.0', 'openai-agents': '0.24.0'}
    versions.installed_drift()       # [] when what is installed matches the lock, else
                                     # [Drift(name='openai', locked='3.57.0', installed='3.54.0')]
    versions.pins()                  # every Pin(name, version, marker) in the lock, in file order
    versions.applies("sys_platform == 'darwin'")   # does a pin with this marker apply here?

The lock is universal (``uv pip compile --universal``): a package may be pinned twice under different
environment markers (say, one numpy for Python < 3.12 and another for 3.12+); :func:`locked` answers for
the running interpreter.  Names are compared PEP 503-normalised (``Openai_Agents`` is ``openai-agents``).
"""

from __future__ import annotations

import functools
import re
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
#: The SDKs the lessons teach with.
SDKS: tuple[str, ...] = ("openai", "anthropic", "openai-agents")

_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;]+)\s*(?:;\s*(?P<marker>.+?))?\s*$")


class LockError(ValueError):
    """requirements.lock is missing or holds a line that is not an exact pin; the message names file and line."""


class Pin(NamedTuple):
    name: str  # PEP 503-normalised
    version: str
    marker: str | None  # environment marker, e.g. "sys_platform == 'darwin'", or None for everywhere


class Drift(NamedTuple):
    name: str
    locked: str
    installed: str | None  # None: not installed at all


def normalise(name: str) -> str:
    """PEP 503 name normalisation: ``Openai_Agents`` → ``openai-agents``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse(text: str, source: str = "requirements.lock") -> list[Pin]:
    """The pins in a lock file's text (comments and blank lines skipped); any other line is refused."""
    found: list[Pin] = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split(" #", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if not line:
            continue
        match = _PIN.match(line)
        if not match:
            raise LockError(f"{source}:{number}: {line!r} is not an exact pin (name==version [; marker]); "
                            "regenerate the lock with `make lock`")
        found.append(Pin(normalise(match["name"]), match["version"], match["marker"]))
    return found


@functools.cache
def pins(path: Path = LOCK) -> tuple[Pin, ...]:
    """Every pin in the lock at ``path``, in file order."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LockError(f"{path}: missing; `make lock` writes it from pyproject.toml") from None
    return tuple(parse(text, str(path)))


def applies(marker: str | None) -> bool:
    """Whether a pin with this environment marker applies to the running interpreter and platform."""
    if marker is None:
        return True
    from packaging.markers import Marker

    return Marker(marker).evaluate()


def locked(name: str, path: Path = LOCK) -> str:
    """The version of ``name`` the lock pins for this interpreter and platform."""
    wanted = normalise(name)
    candidates = [p for p in pins(path) if p.name == wanted]
    if not candidates:
        raise LockError(f"{path}: {name!r} is not in the lock")
    for pin in candidates:
        if applies(pin.marker):
            return pin.version
    raise LockError(f"{path}: {name!r} is pinned only for other platforms "
                    f"({'; '.join(str(p.marker) for p in candidates)})")


def sdk_versions(path: Path = LOCK) -> dict[str, str]:
    """The locked versions of the SDKs the lessons use, by name."""
    return {name: locked(name, path) for name in SDKS}


def installed_drift(names: tuple[str, ...] = SDKS, path: Path = LOCK) -> list[Drift]:
    """The packages among ``names`` whose installed version differs from the lock (empty when in step)."""
    drift = []
    for name in names:
        want = locked(name, path)
        try:
            have: str | None = metadata.version(name)
        except metadata.PackageNotFoundError:
            have = None
        if have != want:
            drift.append(Drift(normalise(name), want, have))
    return drift
