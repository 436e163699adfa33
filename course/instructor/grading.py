"""Parallel autograde with stock nbgrader, one throwaway course copy per submission.

Design (why the gradebook cannot be corrupted):

1. The parent process snapshots what grading depends on (the course package, the lesson's master folder,
   ``nbgrader_config.py``, and a *template* of the gradebook: the main one minus all submissions) into a
   private temporary folder, and records content hashes.
2. Each submission is graded by ``nbgrader autograde <lesson> --student <id> --force`` (nbgrader's own
   application, in a child forked from a parent that imported nbgrader once) inside its **own throwaway
   course root**: copies of the config, the lesson's masters, the template gradebook and the submission,
   plus a copy of the ``course`` package placed first on the kernel's ``PYTHONPATH``.  At most ``jobs``
   children run at once (default: one per core).  Each child is its own process group with a wall-clock
   limit; on expiry the group (nbgrader and its kernel) is killed.
3. Only the parent writes the real gradebook, after all children have finished, one submission at a time
   (:func:`merge`).  SQLite never sees two writers.
4. After each child, the parent checks: the copy of the package and masters it graded against (changed →
   rejected), the scores in its gradebook against the executed notebook (differ → rejected), and the real
   masters and gradebook (changed → restored from the snapshot; the submissions that were running are
   re-graded one at a time, so the culprit is identified and nobody else's grade moves).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import flags as flagfile
from . import integrity, nbg, warmkernel
from .paths import Layout, package_dir

FAIL_REASONS = [
    ("DeadKernelError", "the kernel died (the notebook crashed or killed its own process, e.g. os._exit)"),
    ("Timeout waiting for IOPub", "a cell hung past the timeout (ignored the interrupt, or flooded its output)"),
    ("No submitted file", "the lesson notebook is missing from the submission"),
]


@dataclass
class Job:
    """One submission to grade, and what happened to it."""

    student: str
    lesson: str
    status: str = "pending"          # graded | failed | rejected
    reason: str = ""
    seconds: float = 0.0
    work: Path | None = None
    solo: bool = False
    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)   # tamper flags from the kernel's witness (score kept)

    @property
    def key(self) -> str:
        return f"{self.student}/{self.lesson}"


def submissions(layout: Layout, lessons: list[str] | None = None, students: list[str] | None = None) -> list[Job]:
    """Jobs for every ``submitted/<student>/<lesson>/`` folder (filtered by ``lessons``/``students``)."""
    base = layout.root / "submitted"
    jobs = []
    for sdir in sorted(base.iterdir()) if base.is_dir() else []:
        if not sdir.is_dir() or (students and sdir.name not in students):
            continue
        for ldir in sorted(sdir.iterdir()):
            if ldir.is_dir() and ldir.name in layout.lessons() and (not lessons or ldir.name in lessons):
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


class Snapshot:
    """Pristine copies of everything grading depends on, with their hashes."""

    def __init__(self, layout: Layout, lessons: list[str], tmp: Path) -> None:
        from nbgrader.api import Gradebook

        self.layout = layout
        self.dir = tmp / "pristine"
        self.lib = self.dir / "lib" / "course"
        integrity.copy_tree(package_dir(), self.lib)
        for lesson in lessons:
            integrity.copy_tree(layout.source / lesson, self.dir / "source" / lesson)
        shutil.copy2(layout.config, self.dir / "nbgrader_config.py")
        shutil.copy2(layout.gradebook, self.dir / "gradebook.main.db")
        template = self.dir / "gradebook.db"
        shutil.copy2(layout.gradebook, template)
        with Gradebook(f"sqlite:///{template}") as gb:
            for a in gb.assignments:
                for sub in list(a.submissions):
                    gb.remove_submission(a.name, sub.student.id)
        self.hashes = {"lib": integrity.manifest(self.lib),
                       **{f"source/{l}": integrity.manifest(self.dir / "source" / l) for l in lessons}}
        self.real = self._real_hashes(lessons)
        self.package_hash = integrity.manifest(package_dir())
        self.lessons = lessons

    def _real_hashes(self, lessons: list[str]) -> dict[str, dict[str, str]]:
        h = {f"source/{l}": integrity.manifest(self.layout.source / l) for l in lessons}
        h["gradebook.db"] = integrity.manifest(self.layout.gradebook)
        return h

    def check_real(self) -> list[str]:
        """Restore the real masters/gradebook if something changed them; return what changed."""
        now = self._real_hashes(self.lessons)
        bad = []
        for key, before in self.real.items():
            diff = integrity.changed(before, now[key])
            if diff:
                bad.append(f"{key} ({', '.join(diff[:3])})")
                src = self.dir / ("gradebook.main.db" if key == "gradebook.db" else key)
                integrity.restore(src, self.layout.root / key)
        return bad

    def verify(self) -> None:
        """Refuse to continue if the pristine copies themselves were touched."""
        now = {"lib": integrity.manifest(self.lib),
               **{f"source/{l}": integrity.manifest(self.dir / "source" / l) for l in self.lessons}}
        if now != self.hashes:
            raise RuntimeError(f"grading snapshot in {self.dir} was modified; stop and investigate")

    def workdir(self, job: Job, tmp: Path) -> Path:
        """A throwaway course root for ``job``."""
        self.verify()
        work = tmp / "work" / f"{job.student}__{job.lesson}"
        if work.exists():
            shutil.rmtree(work)
        (work / "source").mkdir(parents=True)
        integrity.copy_tree(self.dir / "source" / job.lesson, work / "source" / job.lesson)
        # autograde never reads the master notebook (cells come from the gradebook): keep the solutions
        # out of reach of the learner code running in this copy.
        (work / "source" / job.lesson / f"{job.lesson}.ipynb").unlink()
        integrity.copy_tree(self.lib, work / "lib" / "course")
        shutil.copy2(self.dir / "nbgrader_config.py", work / "nbgrader_config.py")
        shutil.copy2(self.dir / "gradebook.db", work / "gradebook.db")
        integrity.copy_tree(self.layout.root / "submitted" / job.student / job.lesson,
                            work / "submitted" / job.student / job.lesson)
        return work


def precheck(layout: Layout, job: Job) -> str:
    """Why a submission cannot be graded at all ('' if it can)."""
    nb_path = layout.root / "submitted" / job.student / job.lesson / f"{job.lesson}.ipynb"
    if not nb_path.is_file():
        return ""  # nbgrader itself scores a missing notebook 0
    try:
        nbformat.read(nb_path, as_version=4)
    except Exception as exc:  # noqa: BLE001 - any parse failure is the learner's
        return f"not a valid notebook ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})"
    return ""


def _scores_from_notebook(path: Path) -> dict[str, float]:
    from nbgrader.utils import determine_grade, is_grade

    from .paths import grade_id as get_grade_id

    nb = nbformat.read(path, as_version=4)
    return {get_grade_id(c): float(determine_grade(c)[0] or 0) for c in nb.cells if is_grade(c)}


def _scores_from_db(db: Path, job: Job) -> dict[str, float | None]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{db}") as gb:
        sub = gb.find_submission(job.lesson, job.student)
        return {g.name: g.auto_score for nb in sub.notebooks for g in nb.grades}


def _finish(job: Job, code: int, killed: bool, snap: Snapshot, limit_s: float) -> None:
    work = job.work
    assert work is not None
    log = (work / "autograde.log").read_text(errors="replace") if (work / "autograde.log").exists() else ""
    try:
        job.flags = flagfile.read(work / "flags.json")
    except ValueError as exc:
        job.flags = [f"the grader's flags file was unreadable ({exc})"]
    if "Timeout waiting for execute reply" in log:
        job.notes.append("a cell hit the per-cell timeout and was interrupted")
    if killed:
        job.status, job.reason = "rejected", f"grading took longer than the {limit_s:.0f} s limit per submission"
        return
    lib = integrity.changed(snap.hashes["lib"], integrity.manifest(work / "lib" / "course"))
    master = f"{job.lesson}.ipynb"
    src = integrity.changed({k: v for k, v in snap.hashes[f"source/{job.lesson}"].items() if k != master},
                            integrity.manifest(work / "source" / job.lesson))
    if lib or src:
        what = ", ".join((["course/" + p for p in lib] + ["source/" + p for p in src])[:4])
        job.status, job.reason = "rejected", f"modified course files in its working copy: {what}"
        return
    if code != 0:
        job.status = "failed"
        job.reason = next((why for key, why in FAIL_REASONS if key in log),
                          f"nbgrader could not grade it (exit {code}); see {work / 'autograde.log'}")
        return
    nb_path = work / "autograded" / job.student / job.lesson / f"{job.lesson}.ipynb"
    if nb_path.is_file():
        from_nb = _scores_from_notebook(nb_path)
        from_db = _scores_from_db(work / "gradebook.db", job)
        if any(abs((from_db.get(k) or 0.0) - v) > 1e-9 for k, v in from_nb.items()):
            job.status, job.reason = "rejected", "gradebook scores differ from the executed notebook (tampering)"
            return
    job.status = "graded"


def grade(layout: Layout, jobs: list[Job], workers: int | None = None, limit_s: float = 300.0,
          cell_timeout: int | None = None, keep: bool = False, tmp: Path | None = None,
          warm: bool | None = None) -> list[Job]:
    """Grade ``jobs`` in parallel, then merge them into the real gradebook (see the module docstring).

    ``warm``: start kernels from a fork server that preloaded the SDKs (:mod:`.warmkernel`); default on,
    off with ``COURSE_WARM_KERNELS=0`` (ordinary kernels, e.g. to rule the fork server out when debugging)."""
    if warm is None:
        warm = os.environ.get("COURSE_WARM_KERNELS", "1") != "0"
    nbg.ensure_path()
    workers = workers or os.cpu_count() or 1
    lessons = sorted({j.lesson for j in jobs})
    if not jobs:
        return jobs
    tmpdir = Path(tempfile.mkdtemp(prefix="course-grade-", dir=tmp))
    kernel_env: dict[str, str] = {"COURSE_REPLAY_TIME_SCALE": "0"}
    server = None
    if warm:
        sock = tmpdir / "warm.sock"
        server = warmkernel.start(sock, tmpdir / "warm.log")
        share = warmkernel.kernelspec(tmpdir / "share")
        kernel_env.update(COURSE_WARM_SOCKET=str(sock), COURSE_WARM_PYTHON=sys.executable,
                          JUPYTER_PATH=os.pathsep.join(p for p in (str(share), os.environ.get("JUPYTER_PATH", "")) if p))
    nbg.preload()
    ensure_assignments(layout, lessons)
    snap = Snapshot(layout, lessons, tmpdir)
    if server is not None and not warmkernel.wait_ready(tmpdir / "warm.sock", server):
        print("[instructor] warm kernel server did not start; using ordinary kernels", flush=True)
    queue = list(jobs)
    running: dict[int, tuple[Job, nbg.Child]] = {}
    done: list[Job] = []
    extra = ["--force"] + ([f"--Execute.timeout={cell_timeout}"] if cell_timeout else [])
    try:
        while queue or running:
            solo_running = any(j.solo for j, _ in running.values())
            while queue and len(running) < workers and not solo_running:
                if queue[0].solo and running:
                    break
                job = queue.pop(0)
                reason = precheck(layout, job)
                if reason:
                    job.status, job.reason = "rejected", reason
                    done.append(job)
                    continue
                job.work = snap.workdir(job, tmpdir)
                child = nbg.fork_app(["autograde", job.lesson, "--student", job.student, *extra],
                                     job.work, job.work / "autograde.log",
                                     {**kernel_env, "PYTHONPATH": str(job.work / "lib"),
                                      flagfile.ENV: str(job.work / "flags.json")},
                                     limit_s)
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
                _finish(job, code, killed, snap, limit_s)
                touched = snap.check_real()
                if touched:
                    suspects = [job] + [j for j, _ in running.values()]
                    for _, c in list(running.values()):
                        c.kill()
                    running.clear()
                    if job.solo:
                        job.status, job.reason = "rejected", "changed course files outside its working copy: " + "; ".join(touched)
                        done.append(job)
                        suspects = suspects[1:]
                    for s in suspects:
                        s.solo, s.status = True, "pending"
                        queue.insert(0, s)
                    break  # `running` was cleared: the rest of this snapshot is stale
                done.append(job)
        merge(layout, done)
    finally:
        for _, c in running.values():
            c.kill()
        if server is not None:
            warmkernel.stop(server)
        if not keep:
            shutil.rmtree(tmpdir, ignore_errors=True)
    changed_pkg = integrity.changed(snap.package_hash, integrity.manifest(package_dir()))
    if changed_pkg:
        print(f"[instructor] WARNING: the course package changed during grading: {', '.join(changed_pkg[:5])}. "
              "Submissions graded against the snapshot taken at the start; check `git status`.", flush=True)
    report(layout, done)
    return done


def merge(layout: Layout, jobs: list[Job]) -> None:
    """Copy each job's results into the real gradebook and ``autograded/`` (single writer)."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Object of type <Submitted")  # nbgrader + SQLAlchemy 2.1 noise
        _merge(layout, jobs)


def _merge(layout: Layout, jobs: list[Job]) -> None:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(layout.db_url) as gb:
        for job in jobs:
            gb.update_or_create_student(job.student)
            dest = layout.root / "autograded" / job.student / job.lesson
            if dest.exists():
                for p in [dest, *dest.rglob("*")]:
                    os.chmod(p, 0o755 if p.is_dir() else 0o644)
                shutil.rmtree(dest)
            src_db = job.work / "gradebook.db" if job.work else None
            ssub = None
            if job.status in ("graded", "failed") and src_db is not None:
                with Gradebook(f"sqlite:///{src_db}") as sgb:
                    try:
                        ssub = sgb.find_submission(job.lesson, job.student)
                        data = {nb.name: ({g.name: (g.auto_score, g.needs_manual_grade) for g in nb.grades},
                                          {c.name: c.auto_comment for c in nb.comments}, nb.flagged)
                                for nb in ssub.notebooks}
                        timestamp = ssub.timestamp
                    except MissingEntry:
                        ssub = None
            if ssub is not None:
                dsub = gb.update_or_create_submission(job.lesson, job.student, timestamp=timestamp)
            else:
                dsub = gb.update_or_create_submission(job.lesson, job.student)
                data = {nb.name: ({g.name: (0.0, True) for g in nb.grades}, {}, True) for nb in dsub.notebooks}
            for nb in dsub.notebooks:
                grades, comments, flagged = data.get(nb.name, ({}, {}, False))
                nb.flagged = flagged
                for g in nb.grades:
                    if g.name in grades:
                        g.auto_score, g.needs_manual_grade = grades[g.name]
                for cm in nb.comments:
                    if cm.name in comments:
                        cm.auto_comment = comments[cm.name]
            gb.db.commit()
            src_dir = job.work / "autograded" / job.student / job.lesson if job.work else None
            if job.status == "graded" and src_dir is not None and src_dir.is_dir():
                shutil.copytree(src_dir, dest)
            with Gradebook(layout.db_url) as check:
                job.notes.insert(0, f"score {check.find_submission(job.lesson, job.student).score:g}")


def report(layout: Layout, jobs: list[Job]) -> Path:
    """Print one line per submission and write ``autograded/grading-report.csv``."""
    out = layout.root / "autograded" / "grading-report.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", "lesson", "status", "seconds", "reason", "notes", "flags"])
        for j in sorted(jobs, key=lambda j: (j.lesson, j.student)):
            w.writerow([j.student, j.lesson, j.status, f"{j.seconds:.2f}", j.reason, "; ".join(j.notes),
                        flagfile.describe(j.flags)])
            print(f"{j.status:9} {j.key:40} {j.seconds:6.1f}s  {'; '.join(j.notes)}"
                  + (f"  <- {j.reason}" if j.reason else "")
                  + (f"  [{flagfile.describe(j.flags)}]" if j.flags else ""), flush=True)
    flagfile.save(out.parent / "flags.json", {j.key: j.flags for j in jobs})
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


def slug(text: str) -> str:
    """A safe student id: letters, digits, ``._-``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip(".-")[:64] or "student"


def dumps(jobs: list[Job]) -> str:
    return json.dumps([{k: str(v) for k, v in j.__dict__.items()} for j in jobs], indent=1)
