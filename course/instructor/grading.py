"""Parallel autograde with stock nbgrader: one throwaway course copy and one OS sandbox per submission.

Design (why no submission can change another's grade, and why the parent decides every score):

1. The parent reads everything grading depends on **into memory** (:class:`Snapshot`): the course package,
   the lesson's support files, ``nbgrader_config.py``, a *template* gradebook (the real one minus all
   submissions) and its own copy of every test cell (source, checksum, points).  Nothing a child can reach
   is trusted later.
2. Each submission is graded by ``nbgrader autograde <lesson> --student <id> --force`` (nbgrader's own
   application, in a child forked from a parent that imported nbgrader once) in its **own throwaway course
   root** written from memory.  Only the kernel runs learner code, and (``sandbox=True``, the default) it
   runs inside a bubblewrap sandbox (:mod:`.sandbox`): its own mount, PID, IPC, network and UTS namespaces,
   an unprivileged uid of its own, rlimits and cgroups; it sees the system read-only, the course copy
   read-only, an empty size-capped working folder and a private ``/tmp``; nbgrader talks to it over ipc
   sockets.  Everything it started is killed when its grading ends.  At most ``jobs`` children run at once.
3. After each child the parent copies its results **safely** (:func:`safe_copy`: regular files only, no
   symlink followed, FIFOs/devices/sockets refused, size caps), then **recomputes every test cell's score**
   from the executed notebook against its own copy of the test cells.  The child's gradebook is only
   compared with that (a difference rejects the submission); it is never copied.
4. Only the parent writes the real gradebook, after all children have finished (:func:`merge`).
5. The report (``autograded/grading-report.csv``) is rewritten on every run, even one that stops early;
   each row's log is kept in ``grading-logs/``.  Rows carry flags: ``unsandboxed`` (``sandbox=False``) and
   what the in-kernel witness saw (``flagged: <why>``, :mod:`.flags`).

With ``sandbox=False`` (``make autograde SANDBOX=off``) learner code runs as the grader's user: the parent
still restores the real masters and gradebook if they change (re-grading the suspects one at a time) and
still decides the scores, but a submission can read anything the grader can.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import os
import shutil
import stat
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib._bootstrap_external import _code_to_hash_pyc  # py_compile's writer, for bytes in memory
from pathlib import Path

import nbformat

from . import flags as flagfile
from . import integrity, nbg, sandbox, warmkernel
from .paths import Layout, package_dir
from .students import slug  # noqa: F401  (re-exported: ids are made in students.py)

FAIL_REASONS = [
    ("DeadKernelError", "the kernel died (the notebook crashed or killed its own process, e.g. os._exit)"),
    ("Timeout waiting for IOPub", "a cell hung past the timeout (ignored the interrupt, or flooded its output)"),
    ("grading kernel could not start", "the grading kernel could not start (see the log)"),
    ("No submitted file", "the lesson notebook is missing from the submission"),
]
MAX_FILE = 20_000_000        # bytes per file copied out of a child's results
MAX_TOTAL = 60_000_000       # bytes per submission's results
MAX_LOG = 1_000_000          # bytes of a child's log kept


class SandboxUnavailable(RuntimeError):
    """Grading was asked to sandbox submissions but bubblewrap is missing or does not work here."""


@dataclass
class Job:
    """One submission to grade, and what happened to it."""

    student: str
    lesson: str
    status: str = "pending"          # graded | failed | rejected | not graded
    reason: str = ""
    seconds: float = 0.0
    work: Path | None = None
    solo: bool = False
    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    scores: dict[str, float | None] = field(default_factory=dict)
    log: Path | None = None
    index: int = 0
    box: "sandbox.Spec | None" = None

    @property
    def key(self) -> str:
        return f"{self.student}/{self.lesson}"


def submissions(layout: Layout, lessons: list[str] | None = None, students: list[str] | None = None) -> list[Job]:
    """Jobs for every ``submitted/<student>/<lesson>/`` folder (filtered by ``lessons``/``students``)."""
    base = layout.root / "submitted"
    jobs = []
    for sdir in sorted(base.iterdir()) if base.is_dir() else []:
        if not sdir.is_dir() or sdir.is_symlink() or (students and sdir.name not in students):
            continue
        for ldir in sorted(sdir.iterdir()):
            if ldir.is_dir() and not ldir.is_symlink() and ldir.name in layout.lessons() and (
                    not lessons or ldir.name in lessons):
                jobs.append(Job(sdir.name, ldir.name))
    return jobs


def ensure_assignments(layout: Layout, lessons: list[str]) -> None:
    """Run ``nbgrader generate_assignment`` for lessons the gradebook does not know yet."""
    from nbgrader.api import Gradebook, MissingEntry

    missing = []
    with Gradebook(layout.db_url) as gb:
        for lesson in lessons:
            try:
                if not gb.find_assignment(lesson).notebooks:
                    missing.append(lesson)
            except MissingEntry:
                missing.append(lesson)
    for lesson in missing:
        print(f"[instructor] {lesson} not in the gradebook yet: nbgrader generate_assignment {lesson}", flush=True)
        nbg.run(["generate_assignment", lesson, "--force"], layout.root, quiet=True)


@dataclass(frozen=True)
class TestCell:
    """The parent's own copy of one graded cell (from the gradebook, before any child ran)."""

    points: float
    source: str
    checksum: str
    manual: bool


def _read_tree(root: Path, skip: set[str] = frozenset(), caches: bool = False) -> dict[str, bytes]:
    """Every regular file under ``root`` (symlinks not followed); ``caches``: ``__pycache__`` too."""
    out: dict[str, bytes] = {}
    for p in sorted(root.rglob("*")) if root.is_dir() else []:
        rel = str(p.relative_to(root))
        if p.is_file() and not p.is_symlink() and rel not in skip and not any(
                part in integrity.SKIP and not (caches and part == "__pycache__")
                for part in p.relative_to(root).parts):
            out[rel] = p.read_bytes()
    return out


def _bytecode(files: dict[str, bytes]) -> dict[str, bytes]:
    """Bytecode for every ``.py`` in ``files`` (``pkg/__pycache__/mod.<tag>.pyc``), compiled by the parent.

    Each grading kernel imports the course afresh from its own copy; without bytecode it compiles ~40 modules
    (about 0.1 s per submission).  The ``.pyc`` files are *unchecked-hash* ones (PEP 552): valid for exactly
    the source they were compiled from, which the parent writes beside them, and never rewritten by the
    kernel.  They are part of the copy's hash, so a changed one rejects the submission like a changed ``.py``.
    """
    out: dict[str, bytes] = {}
    for rel, data in files.items():
        if not rel.endswith(".py"):
            continue
        path = Path(rel)
        code = compile(data, str(path), "exec", dont_inherit=True)
        pyc = importlib.util.cache_from_source(str(path))
        out[pyc] = bytes(_code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False))
    return out


def _write_tree(files: dict[str, bytes], root: Path) -> None:
    for rel, data in files.items():
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)


def _hashes(files: dict[str, bytes]) -> dict[str, str]:
    return {k: hashlib.sha256(v).hexdigest() for k, v in files.items()}


class Snapshot:
    """Everything grading depends on, held in the parent's memory (no child can reach or change it)."""

    def __init__(self, layout: Layout, lessons: list[str], tmp: Path) -> None:
        from nbgrader.api import Gradebook

        self.layout = layout
        self.lessons = lessons
        source = _read_tree(package_dir())
        self.lib = {**source, **_bytecode(source)}
        self.lib_hash = _hashes(self.lib)
        self.sources = {l: _read_tree(layout.source / l) for l in lessons}
        self.config = layout.config.read_bytes()
        self.gradebook = layout.gradebook.read_bytes()
        template = tmp / "template.db"
        template.write_bytes(self.gradebook)
        self.tests: dict[str, dict[str, dict[str, TestCell]]] = {}
        with Gradebook(f"sqlite:///{template}") as gb:
            for a in gb.assignments:
                for sub in list(a.submissions):
                    gb.remove_submission(a.name, sub.student.id)
            for lesson in lessons:
                a = gb.find_assignment(lesson)
                self.tests[lesson] = {}
                for nb in a.notebooks:
                    sources = {c.name: c for c in nb.source_cells}
                    solutions = {c.name for c in nb.solution_cells}
                    self.tests[lesson][nb.name] = {
                        g.name: TestCell(float(g.max_score), sources[g.name].source if g.name in sources else "",
                                         sources[g.name].checksum if g.name in sources else "",
                                         g.name in solutions or g.cell_type != "code")
                        for g in nb.grade_cells}
        self.template = template.read_bytes()
        template.unlink()
        self.real = self._real_hashes()
        self.package_hash = integrity.manifest(package_dir())

    def _real_hashes(self) -> dict[str, dict[str, str]]:
        h = {f"source/{l}": integrity.manifest(self.layout.source / l) for l in self.lessons}
        h["gradebook.db"] = integrity.manifest(self.layout.gradebook)
        return h

    def check_real(self) -> list[str]:
        """Restore the real masters/gradebook from memory if something changed them; return what changed."""
        now = self._real_hashes()
        bad = []
        for key, before in self.real.items():
            diff = integrity.changed(before, now[key])
            if not diff:
                continue
            bad.append(f"{key} ({', '.join(diff[:3])})")
            target = self.layout.root / key
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()
            if key == "gradebook.db":
                target.write_bytes(self.gradebook)
            else:
                _write_tree(self.sources[key.split("/", 1)[1]], target)
        return bad

    def workdir(self, job: Job, tmp: Path) -> Path:
        """A throwaway course root for ``job``, written from memory (the master notebook left out)."""
        work = tmp / "work" / f"{job.index:04d}"
        if work.exists():
            shutil.rmtree(work)
        master = f"{job.lesson}.ipynb"
        _write_tree({k: v for k, v in self.sources[job.lesson].items() if k != master}, work / "source" / job.lesson)
        (work / "source" / job.lesson).mkdir(parents=True, exist_ok=True)
        _write_tree(self.lib, work / "lib" / "course")
        (work / "nbgrader_config.py").write_bytes(self.config)
        (work / "gradebook.db").write_bytes(self.template)
        dest = work / "submitted" / job.student / job.lesson
        dest.mkdir(parents=True)
        src = self.layout.root / "submitted" / job.student / job.lesson / master
        if src.exists() or src.is_symlink():  # only the notebook: a learner's sqlite3.py next to it stays behind
            (dest / master).write_bytes(read_regular(src, MAX_FILE))
        return work


class Rejected(Exception):
    """A submission that cannot be graded, with the reason for the report."""


def safe_copy(src: Path, dst: Path, max_file: int = MAX_FILE, max_total: int = MAX_TOTAL) -> list[str]:
    """Copy the regular files under ``src`` to ``dst``; never follow a symlink; refuse FIFOs, devices and
    sockets and files over the caps.  Returns the problems ([] if everything was copied)."""
    problems: list[str] = []
    total = 0
    dst.mkdir(parents=True, exist_ok=True)
    for folder, dirs, files in os.walk(src, followlinks=False):
        rel_dir = Path(folder).relative_to(src)
        for name in list(dirs):
            if (Path(folder) / name).is_symlink():
                problems.append(f"holds a symlink: {rel_dir / name}")
                dirs.remove(name)
            elif name not in integrity.SKIP:
                (dst / rel_dir / name).mkdir(parents=True, exist_ok=True)
        dirs[:] = [d for d in dirs if d not in integrity.SKIP]
        for name in files:
            path = Path(folder) / name
            rel = rel_dir / name
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                problems.append(f"holds a symlink: {rel}")
                continue
            if not stat.S_ISREG(info.st_mode):
                problems.append(f"holds a special file (FIFO, device or socket): {rel}")
                continue
            if info.st_size > max_file or total + info.st_size > max_total:
                problems.append(f"holds a file over the size cap: {rel} ({info.st_size} bytes)")
                continue
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            with os.fdopen(fd, "rb") as f:
                if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                    problems.append(f"holds a special file: {rel}")
                    continue
                data = f.read(max_file + 1)
            if len(data) > max_file:
                problems.append(f"holds a file over the size cap: {rel}")
                continue
            total += len(data)
            (dst / rel).write_bytes(data)
    return problems


def read_regular(path: Path, cap: int) -> bytes:
    """The bytes of a regular file, never through a symlink, at most ``cap`` (else :class:`Rejected`)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise Rejected(f"{path.name} could not be read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise Rejected(f"{path.name} is not a regular file")
        data = f.read(cap + 1)
    if len(data) > cap:
        raise Rejected(f"{path.name} is larger than {cap} bytes")
    return data


def precheck(layout: Layout, job: Job) -> str:
    """Why a submission cannot be graded at all ('' if it can)."""
    nb_path = layout.root / "submitted" / job.student / job.lesson / f"{job.lesson}.ipynb"
    if nb_path.is_symlink():
        return "the submitted notebook is a symlink"
    if not nb_path.is_file():
        return ""  # nbgrader itself scores a missing notebook 0
    if nb_path.stat().st_size > MAX_FILE:
        return f"the notebook is larger than {MAX_FILE} bytes"
    try:
        nbformat.read(nb_path, as_version=4)
    except Exception as exc:  # noqa: BLE001 - any parse failure is the learner's
        return f"not a valid notebook ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})"
    return ""


def rescore(nb: nbformat.NotebookNode, tests: dict[str, TestCell]) -> tuple[dict[str, float | None], list[str]]:
    """Each graded cell's score from the executed notebook, judged against the parent's own test cells:
    a test cell scores its points unless it has an error output; a changed or missing one is a problem."""
    from .paths import grade_id as get_grade_id

    cells = {get_grade_id(c): c for c in nb.cells if get_grade_id(c)}
    scores: dict[str, float | None] = {}
    problems: list[str] = []
    for gid, test in tests.items():
        cell = cells.get(gid)
        if test.manual:
            scores[gid] = None
            continue
        if cell is None:
            problems.append(f"test cell {gid} is missing from the executed notebook")
            scores[gid] = 0.0
            continue
        if cell.get("source", "") != test.source:
            problems.append(f"test cell {gid} ran with different code than the grader's copy")
        failed = any(o.get("output_type") == "error" for o in cell.get("outputs", []))
        scores[gid] = 0.0 if failed else test.points
    return scores, problems


def _scores_from_notebook(path: Path) -> dict[str, float]:
    """nbgrader's own reading of an executed notebook's scores (for tests and comparisons)."""
    from nbgrader.utils import determine_grade, is_grade

    from .paths import grade_id as get_grade_id

    nb = nbformat.read(path, as_version=4)
    return {get_grade_id(c): float(determine_grade(c)[0] or 0) for c in nb.cells if is_grade(c)}


def _scores_from_db(db: Path, job: Job) -> dict[str, float | None]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{db}") as gb:
        sub = gb.find_submission(job.lesson, job.student)
        return {g.name: g.auto_score for nb in sub.notebooks for g in nb.grades}


def _read_capped(path: Path, cap: int) -> str:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return ""
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return ""
        size = os.fstat(f.fileno()).st_size
        if size > cap:
            f.seek(size - cap)
        return f.read(cap).decode(errors="replace")


def _keep_log(layout: Layout, job: Job) -> str:
    """Copy the child's log to ``grading-logs/`` (kept after the run) and return its text."""
    assert job.work is not None
    text = _read_capped(job.work / "autograde.log", MAX_LOG)
    kernel = _read_capped(job.work / "kernel-stderr.log", MAX_LOG // 4)
    if kernel.strip():
        text += "\n---- the kernel's own stderr (outside nbgrader) ----\n" + kernel
    logs = layout.root / "grading-logs"
    logs.mkdir(exist_ok=True)
    job.log = logs / f"{job.student}__{job.lesson}.log"
    job.log.write_text(text)
    return text


def _finish(layout: Layout, job: Job, code: int, killed: bool, snap: Snapshot, limit_s: float) -> None:
    work = job.work
    assert work is not None
    log = _keep_log(layout, job)
    try:
        job.flags += flagfile.read(work / "flags.json")
    except ValueError as exc:
        job.flags.append(f"the grader's flags file was unreadable ({exc})")
    if "Timeout waiting for execute reply" in log:
        job.notes.append("a cell hit the per-cell timeout and was interrupted")
    if killed:
        job.status, job.reason = "rejected", f"grading took longer than the {limit_s:.0f} s limit per submission"
        return
    lib = integrity.changed(snap.lib_hash, _hashes(_read_tree(work / "lib" / "course", caches=True)))
    if lib:
        job.status, job.reason = "rejected", f"modified course files in its working copy: {', '.join(lib[:4])}"
        return
    if code != 0:
        job.status = "failed"
        why = next((why for key, why in FAIL_REASONS if key in log), f"nbgrader could not grade it (exit {code})")
        if job.box is not None and "kernel died" in why:
            why = sandbox.explain(job.box.status, job.box.cgroups, job.box.limits) or why
        job.reason = f"{why}; see {job.log}"
        return
    staged = work / "staged"
    problems = safe_copy(work / "autograded" / job.student / job.lesson, staged)
    if problems:
        job.status, job.reason = "rejected", "its results folder " + problems[0]
        return
    nb_path = staged / f"{job.lesson}.ipynb"
    if not nb_path.is_file():
        job.status, job.reason = "failed", f"nbgrader wrote no graded notebook; see {job.log}"
        return
    try:
        nb = nbformat.read(nb_path, as_version=4)
    except Exception as exc:  # noqa: BLE001
        job.status, job.reason = "rejected", f"the executed notebook could not be read ({type(exc).__name__})"
        return
    tests = snap.tests[job.lesson].get(job.lesson, {})
    job.scores, problems = rescore(nb, tests)
    if problems:
        job.status, job.reason = "rejected", problems[0]
        return
    from_db = _scores_from_db(work / "gradebook.db", job)
    if any(v is not None and abs((from_db.get(k) or 0.0) - v) > 1e-9 for k, v in job.scores.items()):
        job.status, job.reason = "rejected", "gradebook scores differ from the executed notebook (tampering)"
        return
    job.status = "graded"


def _sandbox_spec(job: Job, ipc_root: Path, limits: sandbox.Limits, uid_base: int) -> sandbox.Spec:
    assert job.work is not None
    ipc = ipc_root / f"j{job.index}"
    ipc.mkdir(mode=0o700)
    uid = uid_base + job.index % sandbox.UIDS_PER_RUN
    spec = sandbox.Spec(uid=uid, ipc=str(ipc), lib=str(job.work / "lib"),
                        cwd=str(job.work / "autograded" / job.student / job.lesson),
                        status=str(job.work / "kernel-status.json"), limits=limits)
    spec.cgroups = sandbox.make_cgroups(f"course-grade-{os.getpid()}-{job.index}", limits)
    return spec


def _reap(job: Job) -> None:
    """Kill anything left of a job's sandbox (its cgroups, and any process still running as its uid)."""
    if job.box is None:
        return
    for group in job.box.cgroups:
        sandbox.remove_cgroup(group)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == job.box.uid:
                    os.kill(int(entry), 9)
            except OSError:
                pass


def _sandbox_default() -> bool:
    return os.environ.get("SANDBOX", "on").lower() not in ("off", "0", "no", "false")


def grade(layout: Layout, jobs: list[Job], workers: int | None = None, limit_s: float = 300.0,
          cell_timeout: int | None = None, keep: bool = False, tmp: Path | None = None,
          warm: bool | None = None, sandboxed: bool | None = None,
          limits: sandbox.Limits | None = None) -> list[Job]:
    """Grade ``jobs`` in parallel, then merge them into the real gradebook (see the module docstring).

    ``warm``: start kernels from a fork server that preloaded the SDKs (:mod:`.warmkernel`); default on,
    off with ``COURSE_WARM_KERNELS=0``.  ``sandboxed``: default on, off with ``SANDBOX=off``; on without a
    working ``bwrap`` raises :class:`SandboxUnavailable`.  The report is written even if grading stops."""
    if warm is None:
        warm = os.environ.get("COURSE_WARM_KERNELS", "1") != "0"
    if sandboxed is None:
        sandboxed = _sandbox_default()
    if sandboxed and sandbox.available() is None:
        raise SandboxUnavailable(sandbox.INSTALL_HINT)
    limits = limits or sandbox.Limits.parse(os.environ.get("SANDBOX_LIMITS", ""))
    nbg.ensure_path()
    workers = workers or os.cpu_count() or 1
    lessons = sorted({j.lesson for j in jobs})
    if not jobs:
        return jobs
    for i, job in enumerate(jobs):
        job.index = i + 1
    tmpdir = Path(tempfile.mkdtemp(prefix="course-grade-", dir=tmp))
    ipc_root = Path(tempfile.mkdtemp(prefix="cg", dir="/tmp"))  # short: unix socket paths are capped at 107
    kernel_env: dict[str, str] = {"COURSE_REPLAY_TIME_SCALE": "0", "COURSE_GRADING": "1"}
    server = None
    if warm or sandboxed:
        share = warmkernel.kernelspec(tmpdir / "share")
        kernel_env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(share), os.environ.get("JUPYTER_PATH", "")) if p)
        kernel_env["COURSE_WARM_PYTHON"] = sys.executable
    if warm:
        sock = tmpdir / "warm.sock"
        server = warmkernel.start(sock, tmpdir / "warm.log")
        kernel_env["COURSE_WARM_SOCKET"] = str(sock)
    uid_base, uid_lock = sandbox.claim_uids() if sandboxed else (0, -1)
    done: list[Job] = []
    running: dict[int, tuple[Job, nbg.Child]] = {}
    queue = list(jobs)
    stopped = ""
    merged = False
    try:
        nbg.preload()
        ensure_assignments(layout, lessons)
        snap = Snapshot(layout, lessons, tmpdir)
        if server is not None and not warmkernel.wait_ready(tmpdir / "warm.sock", server):
            print("[instructor] warm kernel server did not start; using ordinary kernels", flush=True)
        print(f"[instructor] grading {len(jobs)} submission(s), {workers} at a time, "
              + (f"sandboxed ({limits.describe()}; cgroups: "
                 f"{'yes' if sandbox.cgroups_writable() else 'not writable here, rlimits only'}; "
                 f"uids {uid_base}-{uid_base + sandbox.UIDS_PER_RUN - 1})"
                 if sandboxed else "UNSANDBOXED (SANDBOX=off)"), flush=True)
        extra = ["--force"] + ([f"--Execute.timeout={cell_timeout}"] if cell_timeout else [])
        while queue or running:
            solo_running = any(j.solo for j, _ in running.values())
            while queue and len(running) < workers and not solo_running:
                if queue[0].solo and running:
                    break
                job = queue.pop(0)
                job.flags = [] if sandboxed else [flagfile.UNSANDBOXED]
                reason = precheck(layout, job)
                try:
                    if reason:
                        raise Rejected(reason)
                    job.work = snap.workdir(job, tmpdir)
                except Rejected as exc:
                    job.status, job.reason = "rejected", str(exc)
                    done.append(job)
                    continue
                env = {**kernel_env, "PYTHONPATH": str(job.work / "lib"),
                       flagfile.ENV: str(job.work / "flags.json")}
                if sandboxed:
                    job.box = _sandbox_spec(job, ipc_root, limits, uid_base)
                    env.update(COURSE_SANDBOX=job.box.to_env(), JUPYTER_RUNTIME_DIR=job.box.ipc,
                               TMPDIR=job.box.ipc)  # jupyter_client puts the connection file in TMPDIR
                child = nbg.fork_app(["autograde", job.lesson, "--student", job.student, *extra],
                                     job.work, job.work / "autograde.log", env, limit_s)
                running[child.pid] = (job, child)
                solo_running = job.solo
            time.sleep(0.05)
            for pid, (job, child) in list(running.items()):
                if pid not in running:
                    continue
                code = child.poll()
                killed = False
                if code is None and time.monotonic() > child.deadline:
                    code, killed = child.kill(), True
                if code is None:
                    continue
                del running[pid]
                job.seconds = time.monotonic() - child.started
                _reap(job)
                _finish(layout, job, code, killed, snap, limit_s)
                touched = [] if sandboxed else snap.check_real()
                if touched:
                    suspects = [job] + [j for j, _ in running.values()]
                    for j, c in list(running.values()):
                        c.kill()
                        _reap(j)
                    running.clear()
                    if job.solo:
                        job.status, job.reason = "rejected", "changed course files outside its working copy: " + "; ".join(touched)
                        done.append(job)
                        suspects = suspects[1:]
                    for s in suspects:
                        s.solo, s.status, s.flags = True, "pending", []
                        queue.insert(0, s)
                    break  # `running` was cleared: the rest of this snapshot is stale
                done.append(job)
        merge(layout, done)
        merged = True
    except BaseException as exc:
        stopped = f"{type(exc).__name__}: {exc}".strip()
        raise
    finally:
        for j, c in running.values():
            c.kill()
            _reap(j)
        if server is not None:
            warmkernel.stop(server)
        for job in jobs:
            _reap(job)
        if not keep:
            shutil.rmtree(tmpdir, ignore_errors=True)
        shutil.rmtree(ipc_root, ignore_errors=True)
        if uid_lock >= 0:
            os.close(uid_lock)
        graded = {id(j) for j in done} if merged else set()
        for job in jobs:
            if id(job) not in graded:
                job.status = "not graded"
                job.reason = f"the grading run stopped before this submission was merged ({stopped or 'interrupted'})"
        report(layout, jobs)
    changed_pkg = integrity.changed(snap.package_hash, integrity.manifest(package_dir()))
    if changed_pkg:
        print(f"[instructor] WARNING: the course package changed during grading: {', '.join(changed_pkg[:5])}. "
              "Submissions graded against the snapshot taken at the start; check `git status`.", flush=True)
    return done


def merge(layout: Layout, jobs: list[Job]) -> None:
    """Write each job's scores (the parent's, from :func:`rescore`) into the real gradebook, and its safely
    staged results into ``autograded/`` (single writer)."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Object of type <Submitted")  # nbgrader + SQLAlchemy 2.1 noise
        _merge(layout, jobs)


def _merge(layout: Layout, jobs: list[Job]) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(layout.db_url) as gb:
        for job in jobs:
            gb.update_or_create_student(job.student)
            dest = layout.root / "autograded" / job.student / job.lesson
            if dest.is_symlink():
                dest.unlink()
            elif dest.exists():
                for p in [dest, *dest.rglob("*")]:
                    if not p.is_symlink():
                        os.chmod(p, 0o755 if p.is_dir() else 0o644)
                shutil.rmtree(dest)
            dsub = gb.update_or_create_submission(job.lesson, job.student)
            graded = job.status == "graded"
            tampered = flagfile.tampered(job.flags)
            for nb in dsub.notebooks:
                nb.flagged = not graded or tampered
                for g in nb.grades:
                    score = job.scores.get(g.name) if graded else 0.0
                    g.auto_score = score
                    g.needs_manual_grade = score is None or not graded
                for cm in nb.comments:
                    cm.auto_comment = None
            gb.db.commit()
            staged = job.work / "staged" if job.work else None
            if graded and staged is not None and staged.is_dir():
                shutil.copytree(staged, dest, symlinks=True)
            job.notes.insert(0, f"score {gb.find_submission(job.lesson, job.student).score:g}")


def report(layout: Layout, jobs: list[Job]) -> Path:
    """Print one line per submission, write ``autograded/grading-report.csv`` (rewritten on every run) and
    merge the flags into ``autograded/flags.json`` (read by ``make export``)."""
    out = layout.root / "autograded" / "grading-report.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", "lesson", "status", "score", "seconds", "reason", "flags", "log", "notes"])
        for j in sorted(jobs, key=lambda j: (j.lesson, j.student)):
            score = next((n.split(" ", 1)[1] for n in j.notes if n.startswith("score ")), "")
            notes = [n for n in j.notes if not n.startswith("score ")]
            w.writerow([j.student, j.lesson, j.status, score, f"{j.seconds:.2f}", j.reason, flagfile.describe(j.flags),
                        str(j.log or ""), "; ".join(notes)])
            print(f"{j.status:10} {j.key:40} {j.seconds:6.1f}s  {'; '.join(j.notes)}"
                  + (f"  [{flagfile.describe(j.flags)}]" if j.flags else "")
                  + (f"  <- {j.reason}" if j.reason else ""), flush=True)
    flagfile.save(out.parent / "flags.json", {j.key: j.flags for j in jobs if j.status != "not graded"})
    return out


def scores(layout: Layout) -> dict[tuple[str, str], dict[str, float | None]]:
    """``{(student, lesson): {grade_id: auto_score}}`` from the real gradebook."""
    from nbgrader.api import Gradebook

    out: dict[tuple[str, str], dict[str, float | None]] = {}
    with Gradebook(layout.db_url) as gb:
        for a in gb.assignments:
            for sub in a.submissions:
                out[(sub.student.id, a.name)] = {g.name: g.auto_score for nb in sub.notebooks for g in nb.grades}
    return out


def dumps(jobs: list[Job]) -> str:
    return json.dumps([{k: str(v) for k, v in j.__dict__.items()} for j in jobs], indent=1)
