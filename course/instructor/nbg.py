"""Running nbgrader with the right environment: as a subprocess, or in a forked child.

nbgrader shells out to ``alembic`` when it creates a gradebook, so the environment's ``bin/`` must be on
``PATH``; it also reads ``nbgrader_config.py`` from the working directory only, so every call runs with
``cwd`` = the course root.  Importing nbgrader costs ~2.4 s, so the grader imports it once and *forks* a
child per job (:func:`fork_app`): each job still runs nbgrader's own application code, unchanged.

One cost is removed on the way (:func:`check_schemas_once`): nbgrader checks every cell's ``nbgrader``
metadata with ``jsonschema.validate``, which first re-validates the *schema* against its meta-schema on
every call, about 4 ms a cell, twice per notebook.  The grader checks each schema once and reuses its
validator, so every cell is judged by the same validator class and fails with the same best-matching error.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import jsonschema


def env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """``os.environ`` with this interpreter's ``bin/`` first on PATH and grading-time replay speed."""
    e = dict(os.environ)
    bindir = str(Path(sys.executable).parent)
    if e.get("PATH", "").split(os.pathsep)[0] != bindir:
        e["PATH"] = bindir + os.pathsep + e.get("PATH", "")
    e.setdefault("COURSE_REPLAY_TIME_SCALE", "0")
    e.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    if extra:
        e.update(extra)
    return e


def ensure_path() -> None:
    """Make this process's own environment nbgrader-ready (PATH for alembic, replay speed)."""
    os.environ.update(env())


def run(args: Sequence[str], root: Path, check: bool = True, quiet: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the ``nbgrader`` CLI of this environment in course root ``root``."""
    cmd = [sys.executable, "-m", "nbgrader", *args]
    proc = subprocess.run(cmd, cwd=root, env=env(), text=True,
                          stdout=subprocess.PIPE if quiet else None, stderr=subprocess.STDOUT if quiet else None)
    if check and proc.returncode != 0:
        tail = (proc.stdout or "")[-3000:] if quiet else ""
        raise RuntimeError(f"nbgrader {' '.join(args)} failed (exit {proc.returncode})\n{tail}")
    return proc


@dataclass
class Child:
    """A forked nbgrader job."""

    pid: int
    log: Path
    started: float
    deadline: float

    def poll(self) -> int | None:
        """Exit status if the child finished (negative: killed by that signal), else None."""
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        if pid == 0:
            return None
        return os.waitstatus_to_exitcode(status)

    def kill(self) -> int:
        """Kill the child and everything it started (the kernel too), and reap it."""
        for sig in (signal.SIGKILL,):
            try:
                os.killpg(self.pid, sig)
            except ProcessLookupError:
                pass
        _, status = os.waitpid(self.pid, 0)
        return os.waitstatus_to_exitcode(status)


class _SchemasCheckedOnce(types.ModuleType):
    """Stands in for the ``jsonschema`` module inside ``nbgrader.nbgraderformat.common``: ``validate`` as
    jsonschema defines it, with the schema check and the validator made once per schema object."""

    def __init__(self) -> None:
        super().__init__("jsonschema")
        self._validators: dict[int, tuple[Any, Any]] = {}   # id(schema) -> (schema, validator): holds the schema

    def __getattr__(self, name: str) -> Any:
        return getattr(jsonschema, name)

    def validate(self, instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any) -> None:
        if cls is not None or args or kwargs:
            return jsonschema.validate(instance, schema, cls, *args, **kwargs)
        held = self._validators.get(id(schema))
        if held is None or held[0] is not schema:
            kind = jsonschema.validators.validator_for(schema)
            kind.check_schema(schema)
            held = self._validators[id(schema)] = (schema, kind(schema))
        error = jsonschema.exceptions.best_match(held[1].iter_errors(instance))
        if error is not None:
            raise error


def check_schemas_once() -> None:
    """Make nbgrader's metadata checks validate each schema once (see the module docstring)."""
    from nbgrader.nbgraderformat import common

    if not isinstance(common.jsonschema, _SchemasCheckedOnce):
        common.jsonschema = _SchemasCheckedOnce()


def preload() -> None:
    """Import nbgrader's applications once, in the parent, so forked children start in milliseconds."""
    import nbgrader.apps.nbgraderapp  # noqa: F401
    import nbgrader.apps.autogradeapp  # noqa: F401
    from . import preprocessors  # noqa: F401

    check_schemas_once()
    _notebook_validators()


def _notebook_validators() -> None:
    """Compile nbformat's validators for current notebooks (strict, and relaxed as nbconvert's exporters ask)
    once, here: nbformat caches them per process, so each forked child would otherwise compile its own
    (~70 ms a submission).  An older notebook's validator is still compiled in the child that needs it."""
    import nbformat
    from nbformat.validator import get_validator

    for relax in (False, True):
        get_validator(4, nbformat.v4.nbformat_minor, relax_add_props=relax)


def fork_app(argv: Sequence[str], root: Path, log: Path, env_extra: dict[str, str], limit_s: float) -> Child:
    """Fork a child (own process group) that runs ``nbgrader <argv>`` in ``root``; output to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # child
        code = 1
        try:
            os.setsid()
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__  # fds 1/2 now point at the log
            import logging
            logging.root.handlers.clear()  # inherited handlers (e.g. a test runner's) mean nothing here
            os.chdir(root)
            os.environ.update(env(env_extra))
            import tempfile
            tempfile.tempdir = None  # the parent cached its TMPDIR; this job may have its own
            from nbgrader.apps.nbgraderapp import NbGraderApp
            try:
                NbGraderApp.launch_instance(argv=list(argv))
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # noqa: BLE001 - report anything, then die without running parent's atexit
            import traceback
            try:
                os.write(2, traceback.format_exc().encode())
            except BaseException:  # noqa: BLE001
                pass
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            except BaseException:  # noqa: BLE001 - the child must never return into the parent's code
                pass
            os._exit(code)
    now = time.monotonic()
    return Child(pid=pid, log=log, started=now, deadline=now + limit_s)
