"""Hostile and broken submissions (tests/hostile/builders.py), graded together through ``make autograde`` on
the fixture lesson in a temporary course root: once sandboxed (the default) and once with ``SANDBOX=off``.

Each must be graded or rejected with a clear reason in bounded time; the control keeps full marks and the
blank submission graded beside the attacks keeps 0; the gradebook, the masters and the installed course
package stay intact; sandboxed, each limit holds (the limit cases score only if they were stopped), nothing
of the instructor is visible, and no process of a submission outlives its grading.
"""

from __future__ import annotations

import csv
import hashlib
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from course.instructor import grading, nbg, sandbox
from course.instructor.paths import Layout, package_dir

from hostile import builders
from hostile.fixture import LESSON, build_course

REPO = Path(__file__).resolve().parents[1]
CELL_TIMEOUT = 10
LIMIT = 90.0
WATCHED = ["tools.py", "replay.py"]
MODES = ["on", "off"]


def _digest(paths: list[Path]) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}


def make_autograde(root: Path, mode: str, env: dict[str, str] | None = None,
                   **variables: str) -> subprocess.CompletedProcess[str]:
    """``make autograde`` on the course root ``root``, as an instructor would run it."""
    args = [f"COURSE_ROOT={root}", f"SANDBOX={mode}", "JOBS=2", f"CELL_TIMEOUT={CELL_TIMEOUT}", f"LIMIT={LIMIT:.0f}",
            *[f"{k}={v}" for k, v in variables.items()]]
    return subprocess.run(["make", "-s", "autograde", *args], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=900)


def read_report(root: Path) -> dict[str, dict[str, str]]:
    with (root / "autograded" / "grading-report.csv").open(newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def _alive_after(stdout: str) -> list[int] | None:
    """Processes still running as one of the uids this run's sandboxes used (named on its first line)."""
    import re

    found = re.search(r"uids (\d+)-(\d+)", stdout)
    return _uids_alive(int(found.group(1)), int(found.group(2)) + 1) if found else None


def _uids_alive(lo: int, hi: int) -> list[int]:
    alive = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if lo <= os.stat(f"/proc/{entry}").st_uid < hi:
                    alive.append(int(entry))
            except OSError:
                pass
    return alive


@pytest.fixture(scope="module")
def graded_runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One ``make autograde`` run per mode, made on first use and shared by the module's tests."""
    cache: dict[str, dict] = {}

    def run(mode: str) -> dict:
        if mode not in cache:
            cache[mode] = _grade_all(mode, tmp_path_factory)
        return cache[mode]

    return {mode: (lambda m=mode: run(m)) for mode in MODES}


def _grade_all(mode: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = build_course(tmp_path_factory.mktemp(f"hostile-{mode}") / "course")
    layout = Layout(root=root, notebooks=root / "nb", solutions=root / "sol")
    nbg.ensure_path()
    grading.ensure_assignments(layout, [LESSON])
    cases = [b(layout) for b in builders.ALL] + builders.limit_cases(layout)
    cases = {c.name: c for c in cases if mode in c.modes}
    for case in cases.values():
        builders.write(case, root / "submitted")
    watched = [package_dir() / w for w in WATCHED]
    before = {"package": _digest(watched), "master": _digest([layout.master(LESSON)])}
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    t = time.perf_counter()
    proc = make_autograde(root, mode, env={"PROBE_PORT": str(listener.getsockname()[1])})
    elapsed = time.perf_counter() - t
    listener.close()
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    after = {"package": _digest(watched), "master": _digest([layout.master(LESSON)])}
    return {"mode": mode, "layout": layout, "cases": cases, "report": read_report(root), "before": before,
            "after": after, "elapsed": elapsed, "scores": grading.scores(layout), "stdout": proc.stdout,
            "alive": _alive_after(proc.stdout)}


ALL_CASES = [b.__name__ for b in builders.ALL] + list(builders.LIMIT_PROBES)
SANDBOXED_CASES = ALL_CASES
UNSANDBOXED_CASES = [c for c in ALL_CASES if c not in builders.SANDBOX_ONLY]


def _by_builder(graded: dict, builder: str) -> builders.Case:
    name = builder if builder in builders.LIMIT_PROBES else getattr(builders, builder)(graded["layout"]).name
    return graded["cases"][name]


@pytest.mark.parametrize("builder", SANDBOXED_CASES)
def test_sandboxed_submission_is_graded_or_rejected(graded_on: dict, builder: str) -> None:
    _check_case(graded_on, builder)


@pytest.mark.parametrize("builder", UNSANDBOXED_CASES)
def test_unsandboxed_submission_is_graded_or_rejected(graded_off: dict, builder: str) -> None:
    _check_case(graded_off, builder)


@pytest.fixture(scope="module")
def graded_on(graded_runs: dict) -> dict:
    return graded_runs["on"]()


@pytest.fixture(scope="module")
def graded_off(graded_runs: dict) -> dict:
    return graded_runs["off"]()


@pytest.fixture(params=MODES)
def graded(request: pytest.FixtureRequest, graded_runs: dict) -> dict:
    return graded_runs[request.param]()


def _check_case(graded: dict, builder: str) -> None:
    case = _by_builder(graded, builder)
    status, expected, reason = case.expect(graded["mode"])
    row = graded["report"][case.name]
    assert row["status"] == status, f"{case.name} ({case.why}): {row['status']} {row['reason']}"
    assert reason in row["reason"], f"{case.name}: reason {row['reason']!r} should mention {reason!r}"
    assert float(row["seconds"]) < LIMIT, f"{case.name} took {row['seconds']} s"
    scores = graded["scores"][(case.name, LESSON)]
    if expected is not None and status == "graded":
        assert scores == expected, f"{case.name} ({case.why})"
    elif status != "graded":
        assert all(not s for s in scores.values()), f"{case.name} must score 0, got {scores}"
    if row["log"]:
        assert Path(row["log"]).is_file(), f"{case.name}: the report cites a log that does not exist"


def test_every_row_says_whether_it_was_sandboxed(graded: dict) -> None:
    for name, row in graded["report"].items():
        assert ("unsandboxed" in row["flags"]) == (graded["mode"] == "off"), f"{name}: flags {row['flags']!r}"


def test_course_files_unharmed(graded: dict) -> None:
    assert graded["after"]["package"] == graded["before"]["package"], "the installed course package changed"
    assert graded["after"]["master"] == graded["before"]["master"], "the master was not restored"


def test_gradebook_intact(graded: dict) -> None:
    layout: Layout = graded["layout"]
    with sqlite3.connect(layout.gradebook) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        sources = dict(db.execute("select name, source from source_cell where name like 'test_%'").fetchall())
    assert layout.gradebook.read_bytes()[-7:] != b"garbage"
    assert all(src.strip() != "pass" for src in sources.values()), "a test cell was rewritten in the real gradebook"
    assert set(s for s, _ in graded["scores"]) == set(graded["cases"])


def test_enormous_output_is_capped(graded: dict) -> None:
    nb = graded["layout"].root / "autograded" / "enormous-output" / LESSON / f"{LESSON}.ipynb"
    assert nb.stat().st_size < 5_000_000


def test_report_names_every_submission(graded: dict) -> None:
    assert set(graded["report"]) == set(graded["cases"])


def test_no_process_outlives_its_grading(graded_on: dict) -> None:
    assert graded_on["alive"] is not None, "the run did not name the uids its sandboxes used"
    assert graded_on["alive"] == [], f"processes of graded submissions still running: {graded_on['alive']}"


def test_wall_clock_limit_kills_a_runaway(tmp_path: Path) -> None:
    root = build_course(tmp_path / "course")
    layout = Layout(root=root, notebooks=root / "nb", solutions=root / "sol")
    nbg.ensure_path()
    grading.ensure_assignments(layout, [LESSON])
    case = builders.Case("runaway", "", "rejected",
                         notebook=builders._nb(layout, double="while True:\n    pass"))
    builders.write(case, root / "submitted")
    t = time.perf_counter()
    [job] = grading.grade(layout, grading.submissions(layout), cell_timeout=60, limit_s=6, tmp=tmp_path)
    assert time.perf_counter() - t < 60
    assert job.status == "rejected" and "limit" in job.reason


def test_cpu_time_limit_stops_a_busy_kernel(tmp_path: Path) -> None:
    root = build_course(tmp_path / "course")
    layout = Layout(root=root, notebooks=root / "nb", solutions=root / "sol")
    nbg.ensure_path()
    grading.ensure_assignments(layout, [LESSON])
    src = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
    builders.write(builders.Case("busy", "", "failed", notebook=builders._nb(layout, double=src)), root / "submitted")
    proc = make_autograde(root, "on", SANDBOX_LIMITS="cpu_seconds=3", CELL_TIMEOUT="120")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    row = read_report(root)["busy"]
    assert row["status"] == "failed" and "CPU time" in row["reason"], row


def test_autograde_without_bwrap_stops_and_says_how(tmp_path: Path) -> None:
    root = build_course(tmp_path / "course")
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    venv_bin = REPO / ".venv" / "bin"
    env = {"PATH": f"{venv_bin}:{fake_bin}:/usr/local/bin:/nonexistent"}
    for tool in ("make", "sh", "env", "python3", "id", "grep", "sed", "test", "touch", "mkdir"):
        real = subprocess.run(["which", tool], capture_output=True, text=True).stdout.strip()
        if real:
            (fake_bin / tool).symlink_to(real)
    grading.ensure_assignments(Layout(root=root, notebooks=root, solutions=root), [LESSON])
    nb = builders._nb(Layout(root=root, notebooks=root, solutions=root))
    builders.write(builders.Case("ada", "", "graded", notebook=nb), root / "submitted")
    proc = subprocess.run(["make", "-s", "autograde", f"COURSE_ROOT={root}"], cwd=REPO, capture_output=True,
                          text=True, env={**os.environ, **env})
    assert proc.returncode != 0
    assert "apt-get install bubblewrap" in proc.stderr and "SANDBOX=off" in proc.stderr, proc.stderr[-2000:]


def test_cpu_limit_leaves_room_for_the_signal() -> None:
    """SIGXCPU at the soft limit (reported as "CPU time"), SIGKILL only later at the hard one."""
    assert sandbox.cpu_rlimit(sandbox.Limits(cpu_seconds=3)) == (3, 8)


def test_sandbox_argv_mounts_nothing_of_the_instructor(tmp_path: Path) -> None:
    spec = sandbox.Spec(uid=sandbox.UID_BASE, ipc=str(tmp_path / "ipc"), lib=str(tmp_path / "lib"),
                        cwd=str(tmp_path / "cwd"), status=str(tmp_path / "s.json"))
    argv = sandbox.bwrap_argv(spec, 3, ["true"])
    sources = [argv[i + 1] for i, a in enumerate(argv) if a in ("--bind", "--ro-bind")]
    for secret in (REPO / "solutions", REPO / "autograder", REPO / "course", Path.home()):
        assert not any(str(secret) == s or str(secret).startswith(s + "/") for s in sources
                       if not s.startswith(str(REPO / ".venv"))), f"{secret} is mounted: {sources}"


def test_report_is_rewritten_when_a_run_stops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = build_course(tmp_path / "course")
    layout = Layout(root=root, notebooks=root / "nb", solutions=root / "sol")
    nbg.ensure_path()
    grading.ensure_assignments(layout, [LESSON])
    builders.write(builders.correct(layout), root / "submitted")
    report = root / "autograded" / "grading-report.csv"
    report.parent.mkdir(parents=True)
    report.write_text("student,lesson,status\nstale,00-fixture,graded\n")

    def broken_merge(layout: Layout, jobs: list) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(grading, "merge", broken_merge)
    with pytest.raises(OSError):
        grading.grade(layout, grading.submissions(layout), cell_timeout=CELL_TIMEOUT, tmp=tmp_path)
    rows = read_report(root)
    assert set(rows) == {"control"}, "the stale report was not rewritten"
    assert rows["control"]["status"] == "not graded"
    assert "No space left on device" in rows["control"]["reason"]


def test_a_started_sandbox_is_complete_before_anyone_joins_it(tmp_path: Path) -> None:
    """bubblewrap names its init before it has mounted anything: `start` must wait for the sandbox itself."""
    for i in range(20):
        spec = sandbox.Spec(uid=sandbox.UID_BASE, ipc=str(tmp_path / f"ipc{i}"), lib=str(tmp_path / "lib"),
                            cwd=str(tmp_path / f"w{i}" / "cwd"), status=str(tmp_path / "s.json"))
        Path(spec.ipc).mkdir()
        Path(spec.lib).mkdir(exist_ok=True)
        box = sandbox.start(spec)
        try:
            fds = sandbox.open_namespaces(box)
            pid = os.fork()
            if pid == 0:
                sandbox._setns(fds["mnt"], sandbox.CLONE_NEWNS)
                ok = os.path.isdir(spec.cwd) and not os.path.exists(str(REPO / "solutions"))
                os._exit(0 if ok else 1)
            for fd in fds.values():
                os.close(fd)
            assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0, f"joined an incomplete sandbox (try {i})"
        finally:
            sandbox.stop(box)


def test_the_python_installation_is_mounted_after_the_private_tmp() -> None:
    """A checkout under /tmp (CI clones there) keeps its .venv visible inside the sandbox."""
    spec = sandbox.Spec(uid=sandbox.UID_BASE, ipc="/tmp/i", lib="/tmp/l", cwd="/tmp/c", status="/tmp/s")
    argv = sandbox.bwrap_argv(spec, 3, ["true"])
    tmp_at = argv.index("/tmp", argv.index("--tmpfs") - 0)
    for root in sandbox._python_roots():
        assert argv.index(root) > tmp_at, f"{root} is mounted before /tmp's tmpfs, which would hide it"


def test_the_cold_path_runs_the_kernel_command_as_the_unprivileged_uid(tmp_path: Path) -> None:
    """Without the warm fork server, ``sandbox.py exec`` starts the kernel: it must reach the Python
    installation as the sandbox's uid (a launcher bound before its folders' 0755 stand-ins made them 0700)."""
    tmp_path.chmod(0o755)
    spec = sandbox.Spec(uid=sandbox.UID_BASE + 9_999, ipc=str(tmp_path / "ipc"), lib=str(tmp_path / "lib"),
                        cwd=str(tmp_path / "w" / "cwd"), status=str(tmp_path / "s.json"))
    Path(spec.ipc).mkdir()
    Path(spec.lib).mkdir()
    probe = "import os; print(os.getuid(), os.path.exists(%r))" % str(REPO / "solutions")
    out = subprocess.run([sys.executable, "-I", "-S", sandbox.__file__, "exec", "--", sys.executable, "-c", probe],
                         env={**os.environ, "COURSE_SANDBOX": spec.to_env()}, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, f"the cold path could not start the kernel command:\n{out.stderr[-800:]}"
    assert out.stdout.split() == [str(spec.uid), "False"]


def test_without_warm_kernels_a_sandboxed_submission_is_graded(tmp_path: Path) -> None:
    """``COURSE_WARM_KERNELS=0``: each kernel starts cold through ``sandbox.py exec``, in its own PID namespace,
    where the launcher's pid (JPY_PARENT_PID) means nothing; the kernel must not take it for a dead parent."""
    root = build_course(tmp_path / "course")
    layout = Layout(root=root, notebooks=root / "nb", solutions=root / "sol")
    nbg.ensure_path()
    grading.ensure_assignments(layout, [LESSON])
    builders.write(builders.correct(layout), root / "submitted")
    [job] = grading.grade(layout, grading.submissions(layout), warm=False, sandboxed=True, tmp=tmp_path)
    assert job.status == "graded", f"{job.status}: {job.reason}"
    assert sum(v or 0 for v in grading.scores(layout)[(job.student, LESSON)].values()) == 6


def test_cases_left_out_of_the_unsandboxed_run_are_exactly_the_sandbox_only_ones(tmp_path: Path) -> None:
    layout = Layout(root=tmp_path, notebooks=tmp_path / "nb", solutions=tmp_path / "sol")
    build_course(tmp_path)
    skipped = {b.__name__ for b in builders.ALL if "off" not in b(layout).modes}
    assert skipped == builders.SANDBOX_ONLY - set(builders.LIMIT_PROBES)
