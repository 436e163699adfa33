"""One OS sandbox per graded submission: bubblewrap namespaces, an unprivileged uid, rlimits and cgroups.

Stdlib only: the warm-kernel server and the kernel launcher (``python -I -S``) load this file by path.

Only the *kernel* runs inside.  nbgrader, the gradebook and the grader's copies of the tests stay outside
and talk to the kernel over ZMQ ``ipc://`` sockets in a per-job folder (TCP cannot cross ``--unshare-net``).

The tour::

    spec = Spec(uid=200001, ipc="/tmp/cgXYZ/j1", lib="/tmp/.../lib", cwd="/.../autograded/ada/01-x",
                status="/tmp/.../status.json", limits=Limits())
    os.environ["COURSE_SANDBOX"] = spec.to_env()       # the nbgrader child's env: the kernel launcher reads it
    box = start(spec)                                   # bwrap holding empty namespaces, ``box.init`` = its pid 1
    pid = os.fork()
    if pid == 0:                                        # (warm server) a forked, preloaded interpreter ...
        kernel = enter_pid_namespace(box)               # ... forks the kernel inside the PID namespace
        if kernel == 0:
            enter(box, spec)                            # join cgroups, mount/IPC/net/UTS namespaces, rlimits, uid
            ...start ipykernel...                       # only now does any learner code run

What the kernel sees (:func:`bwrap_argv`): the system folders (``/usr``, ``/etc``, ...) and the Python
installation, read-only; the course package copy read-only; its working folder as an empty, size-capped
tmpfs at the notebook's path (nbgrader writes the real results outside, where the kernel cannot reach);
the ipc folder; a private ``/tmp``.  The repository, ``solutions/``, the masters, the gradebooks, other
submissions and the home directory are not mounted at all.  Its own PID, IPC, network (loopback only)
and UTS namespaces; killing the namespace's init (:func:`stop`) kills everything the submission started.

Limits (:class:`Limits`) are rlimits set after the uid change (``RLIMIT_NPROC`` only counts for a
non-root uid, hence one uid per job) plus, where ``/sys/fs/cgroup`` is writable, a memory and a pids
cgroup per job (:func:`make_cgroups`).
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field

MiB = 1024 * 1024
CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWPID = (
    0x00020000, 0x04000000, 0x08000000, 0x40000000, 0x20000000)
PR_SET_NO_NEW_PRIVS = 38
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
INSTALL_HINT = ("bubblewrap (`bwrap`) is not installed: on Debian/Ubuntu run `sudo apt-get install bubblewrap`; "
                "on macOS grade on the course's Linux JupyterHub server or in a Linux container. "
                "`make autograde SANDBOX=off` grades without isolation (every report row then says `unsandboxed`).")


@dataclass(frozen=True)
class Limits:
    """Per-submission limits.  ``memory`` is the kernel's own budget beyond what it inherited (RLIMIT_DATA)
    and the whole sandbox's ceiling in the memory cgroup (plus the inherited baseline)."""

    memory: int = 1024 * MiB
    processes: int = 128
    file_size: int = 64 * MiB
    open_files: int = 512
    cpu_seconds: int = 240
    tmp_size: int = 256 * MiB

    @classmethod
    def parse(cls, text: str) -> "Limits":
        """``"memory=2147483648,cpu_seconds=600"`` (any fields; bytes and seconds) -> Limits."""
        fields = {}
        for item in filter(None, (t.strip() for t in text.split(","))):
            key, _, value = item.partition("=")
            if key not in cls.__dataclass_fields__:
                raise ValueError(f"SANDBOX_LIMITS: unknown limit {key!r}; known: {', '.join(cls.__dataclass_fields__)}")
            fields[key] = int(value)
        return cls(**fields)

    def describe(self) -> str:
        return (f"memory {self.memory // MiB} MiB, {self.processes} processes, files {self.file_size // MiB} MiB, "
                f"{self.open_files} open files, CPU {self.cpu_seconds} s, tmp {self.tmp_size // MiB} MiB")


@dataclass
class Spec:
    """Everything the launcher needs to build one job's sandbox (passed as JSON in ``$COURSE_SANDBOX``)."""

    uid: int
    ipc: str                      # folder of the connection file and ipc sockets (bound read-write)
    lib: str                      # folder holding the ``course`` package copy (bound read-only)
    cwd: str                      # the kernel's working folder path (an empty tmpfs there)
    status: str                   # where the supervisor writes how the kernel ended (outside the sandbox)
    limits: Limits = field(default_factory=Limits)
    cgroups: list[str] = field(default_factory=list)

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls, text: str) -> "Spec":
        raw = json.loads(text)
        raw["limits"] = Limits(**raw.get("limits", {}))
        return cls(**raw)


@dataclass
class Box:
    """A started sandbox: the bwrap process and the pid (outside) of its namespaces' init."""

    proc: subprocess.Popen
    init: int


UID_BASE = 400_000
UIDS_PER_RUN = 10_000


def claim_uids(lock_dir: str = "/tmp") -> tuple[int, int]:
    """A block of ``UIDS_PER_RUN`` uids no other grading run on this machine holds: (first uid, lock fd).
    Hold the fd for the run (closing it frees the block); killing "every process of a job's uid" is then
    safe even with several runs at once."""
    import fcntl

    for block in range(1000):
        fd = os.open(os.path.join(lock_dir, f"course-grade-uids-{block}.lock"), os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        return UID_BASE + block * UIDS_PER_RUN, fd
    raise RuntimeError("no free block of grading uids (1000 grading runs at once?)")


def available() -> str | None:
    """Path of ``bwrap`` if it is installed and works here, else None."""
    path = shutil.which("bwrap")
    if not path:
        return None
    probe = subprocess.run([path, "--ro-bind", "/", "/", "--unshare-pid", "--unshare-net", "--", "true"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return path if probe.returncode == 0 else None


def _python_roots() -> list[str]:
    roots = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    roots |= {os.path.realpath(os.path.dirname(os.path.dirname(sys.executable)))}
    return sorted(r for r in roots if os.path.isdir(r) and not any(r == s or r.startswith(s + "/") for s in SYSTEM_DIRS))


def _parents(paths: list[str], made: set[str]) -> list[str]:
    """``--dir`` stand-ins (empty, mode 0755) for the parent folders of ``paths`` that nothing else mounts,
    so an unprivileged uid can reach the paths (bubblewrap would make them 0700)."""
    out: list[str] = []
    for path in paths:
        parts = path.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            anc = "/" + "/".join(parts[:i])
            if anc in made or anc in ("/tmp", "/dev", "/proc") or any(
                    anc == d or anc.startswith(d + "/") for d in SYSTEM_DIRS):
                continue
            out += ["--perms", "0755", "--dir", anc]
            made.add(anc)
    return out


def bwrap_argv(spec: Spec, info_fd: int, command: list[str], caps: tuple[str, ...] = ()) -> list[str]:
    """The bubblewrap command line for ``spec`` (an allow-list: nothing else of the host is mounted)."""
    argv = ["bwrap", "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc", "--unshare-net",
            "--unshare-uts", "--hostname", "grading", "--info-fd", str(info_fd)]
    for d in SYSTEM_DIRS:
        if os.path.islink(d):
            argv += ["--symlink", os.readlink(d), d]
        elif os.path.isdir(d):
            argv += ["--ro-bind", d, d]
    argv += ["--dev", "/dev", "--proc", "/proc",
             "--perms", "1777", "--size", str(spec.limits.tmp_size), "--tmpfs", "/tmp"]
    made: set[str] = set()
    roots = _python_roots()  # after /tmp: a checkout (and its .venv) may live under /tmp
    argv += _parents(roots, made)
    for root in roots:
        argv += ["--ro-bind", root, root]
    argv += _parents([spec.lib, spec.ipc, spec.cwd], made)
    argv += ["--ro-bind", spec.lib, spec.lib,
             "--perms", "0777", "--size", str(spec.limits.tmp_size), "--tmpfs", spec.cwd,
             "--bind", spec.ipc, spec.ipc,
             "--chdir", spec.cwd, "--setenv", "HOME", "/tmp"]
    for cap in caps:
        argv += ["--cap-add", cap]
    return argv + ["--", *command]


READY = b"sandbox-ready\n"


def start(spec: Spec, timeout: float = 30.0) -> Box:
    """Start a sandbox that holds its namespaces open until :func:`stop`, and return once it is *complete*.

    bubblewrap reports its init's pid (``--info-fd``) before it has finished mounting; the command inside
    only runs after every mount and the ``pivot_root``, so its first line is the signal that joining the
    namespaces now gives exactly the sandbox's view (never the host's)."""
    import select

    r, w = os.pipe()
    try:
        proc = subprocess.Popen(bwrap_argv(spec, w, ["/bin/sh", "-c", f"printf '{READY.decode().strip()}\\n'; "
                                                                     "exec sleep infinity"]),
                                pass_fds=(w,), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
    finally:
        os.close(w)
    with os.fdopen(r, "rb") as info:
        data = info.read()
    assert proc.stdout is not None
    ready = select.select([proc.stdout], [], [], timeout)[0] and proc.stdout.readline() == READY
    try:
        init = int(json.loads(data)["child-pid"])
    except (ValueError, KeyError):
        ready = False
    if not ready:
        proc.kill()
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        raise RuntimeError(f"bubblewrap did not start the sandbox: {err.strip() or 'no ready signal'}")
    return Box(proc, init)


def stop(box: Box) -> None:
    """Kill the sandbox: its PID namespace's init dies, and with it every process inside."""
    for pid in (box.init, box.proc.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    box.proc.wait()
    for pipe in (box.proc.stdout, box.proc.stderr):
        if pipe is not None:
            pipe.close()


_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd: int, kind: int) -> None:
    if _libc.setns(fd, kind) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns({kind:#x}): {os.strerror(err)}")


def open_namespaces(box: Box) -> dict[str, int]:
    """File descriptors of the sandbox's namespaces (open them before entering any)."""
    return {name: os.open(f"/proc/{box.init}/ns/{name}", os.O_RDONLY) for name in ("pid", "mnt", "ipc", "net", "uts")}


def enter_pid_namespace(fds: dict[str, int]) -> int:
    """Join the PID namespace (only children land in it) and fork: 0 in the child, its pid in the parent."""
    _setns(fds["pid"], CLONE_NEWPID)
    return os.fork()


def join_cgroups(spec: Spec) -> None:
    for group in spec.cgroups:
        with open(os.path.join(group, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))


def enter(fds: dict[str, int], spec: Spec) -> None:
    """In the kernel process: cgroups, then the mount/IPC/net/UTS namespaces, then the limits and uid."""
    join_cgroups(spec)
    for name, kind in (("mnt", CLONE_NEWNS), ("ipc", CLONE_NEWIPC), ("net", CLONE_NEWNET), ("uts", CLONE_NEWUTS)):
        _setns(fds[name], kind)
    for fd in fds.values():
        os.close(fd)
    if not (os.path.isdir(spec.cwd) and os.path.isdir(spec.ipc) and os.uname().nodename == "grading"):
        raise RuntimeError("joined namespaces that are not a complete sandbox")
    os.chdir(spec.cwd)
    drop(spec)


def _vm_data() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def drop(spec: Spec) -> None:
    """Own the ipc folder's files, set the rlimits, become ``spec.uid`` for good, allow no new privileges."""
    for name in os.listdir(spec.ipc):
        os.chown(os.path.join(spec.ipc, name), spec.uid, spec.uid)
    os.chown(spec.ipc, spec.uid, spec.uid)
    lim = spec.limits
    for res, value in ((resource.RLIMIT_DATA, _vm_data() + lim.memory), (resource.RLIMIT_NPROC, lim.processes),
                       (resource.RLIMIT_FSIZE, lim.file_size), (resource.RLIMIT_NOFILE, lim.open_files),
                       (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(res, (value, value))
    resource.setrlimit(resource.RLIMIT_CPU, cpu_rlimit(lim))
    os.setgroups([])
    os.setresgid(spec.uid, spec.uid, spec.uid)
    os.setresuid(spec.uid, spec.uid, spec.uid)
    if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")


def cpu_rlimit(limits: Limits) -> tuple[int, int]:
    """(soft, hard) CPU seconds: SIGXCPU at the soft limit names the cause; SIGKILL 5 s later if ignored."""
    return limits.cpu_seconds, limits.cpu_seconds + 5


def kernel_env(env: dict[str, str], spec: Spec) -> dict[str, str]:
    """The kernel's environment: an allow-list (no keys, no instructor paths), ``course`` from the copy."""
    keep = ("PATH", "LANG", "LC_ALL", "TZ", "COURSE_REPLAY_TIME_SCALE", "COURSE_GRADING", "MPLBACKEND", "JPY_PARENT_PID",
            "PYDEVD_DISABLE_FILE_VALIDATION", "COURSE_WARM_PYTHON")
    out = {k: v for k, v in env.items() if k in keep}
    out.update(HOME="/tmp", IPYTHONDIR="/tmp/.ipython", MPLCONFIGDIR="/tmp/.matplotlib", PYTHONPATH=spec.lib,
               JUPYTER_RUNTIME_DIR=spec.ipc, PYTHONDONTWRITEBYTECODE="1", COURSE_SANDBOXED="1")
    return out


# -- cgroups ---------------------------------------------------------------------------------------------

def make_cgroups(name: str, limits: Limits) -> list[str]:
    """A memory and a pids cgroup for one job, where ``/sys/fs/cgroup`` is writable; [] where it is not."""
    base = "/sys/fs/cgroup"
    made: list[str] = []
    v2 = os.path.exists(os.path.join(base, "cgroup.controllers"))
    plans = ([(base, {"memory.max": limits.memory * 2, "pids.max": limits.processes * 2})] if v2 else
             [(os.path.join(base, "memory"), {"memory.limit_in_bytes": limits.memory * 2}),
              (os.path.join(base, "pids"), {"pids.max": limits.processes * 2})])
    for root, settings in plans:
        path = os.path.join(root, name)
        try:
            os.mkdir(path)
            for key, value in settings.items():
                with open(os.path.join(path, key), "w") as f:
                    f.write(str(value))
            made.append(path)
        except OSError:
            remove_cgroup(path)
    return made


def cgroups_writable() -> bool:
    """Whether this process can make the per-job cgroups."""
    made = make_cgroups(f"course-probe-{os.getpid()}", Limits())
    for group in made:
        remove_cgroup(group)
    return bool(made)


def cgroup_note(groups: list[str]) -> str:
    """What a cgroup saw (``''`` if nothing): used to explain a killed kernel."""
    for group in groups:
        for key in ("memory.failcnt", "memory.events"):
            try:
                with open(os.path.join(group, key)) as f:
                    text = f.read()
            except OSError:
                continue
            if key == "memory.failcnt" and text.strip() not in ("", "0"):
                return "it hit the memory limit"
            if key == "memory.events" and any(l.split()[0] in ("oom_kill", "max") and l.split()[1] != "0"
                                              for l in text.splitlines() if l.strip()):
                return "it hit the memory limit"
    return ""


def remove_cgroup(path: str) -> None:
    """Kill what is left in a job's cgroup and remove it."""
    for _ in range(50):
        try:
            with open(os.path.join(path, "cgroup.procs")) as f:
                pids = [int(p) for p in f.read().split()]
        except OSError:
            pids = []
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)


def write_status(path: str, status: int) -> None:
    """Record how the kernel ended (waitpid status) for the grader's report."""
    info: dict[str, object] = {"exit": os.waitstatus_to_exitcode(status)}
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    info["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 2)
    if os.WIFSIGNALED(status):
        info["signal"] = signal.Signals(os.WTERMSIG(status)).name
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(info, f)
    os.replace(tmp, path)


def explain(status_path: str, groups: list[str], limits: Limits) -> str:
    """A reason for a kernel that died, from its recorded status and cgroups ('' when nothing is known)."""
    try:
        with open(status_path) as f:
            info = json.load(f)
    except (OSError, ValueError):
        info = {}
    sig = info.get("signal")
    if sig == "SIGXCPU" or (sig == "SIGKILL" and info.get("cpu_seconds", 0) >= limits.cpu_seconds):
        return f"the kernel used more than its {limits.cpu_seconds} s of CPU time and was stopped"
    note = cgroup_note(groups)
    if sig == "SIGKILL" and note:
        return f"the kernel was killed: {note} ({limits.memory * 2 // MiB} MiB for the whole sandbox)"
    if sig:
        return f"the kernel was killed by {sig}"
    return ""


# -- the cold path: ``python -I -S sandbox.py exec -- <kernel argv>`` -------------------------------------

def _exec(command: list[str]) -> None:
    spec = Spec.from_env(os.environ["COURSE_SANDBOX"])
    join_cgroups(spec)
    env = kernel_env(dict(os.environ), spec)
    env["COURSE_SANDBOX"] = os.environ["COURSE_SANDBOX"]
    # The launcher's pid means nothing inside the new PID namespace: ipykernel would see a different parent
    # and exit at once ("Parent appears to have exited"). --die-with-parent ties the kernel to it instead.
    env.pop("JPY_PARENT_PID", None)
    here = os.path.abspath(__file__)
    inner = [sys.executable, "-I", "-S", here, "drop", "--", *command]
    argv = bwrap_argv(spec, 3, inner, caps=("CAP_SETUID", "CAP_SETGID", "CAP_CHOWN"))
    i = argv.index("--info-fd")
    del argv[i:i + 2]
    # This launcher must be visible inside (the file alone). Bound last, after the 0755 stand-ins for its
    # folders: a file bound first would make bubblewrap create those folders 0700, and the unprivileged uid
    # could then reach neither it nor a Python installed beside it.
    end = argv.index("--")
    argv[end:end] = [*_parents([here], set()), "--ro-bind", here, here]
    os.execvpe(argv[0], argv, env)


def _drop(command: list[str]) -> None:
    spec = Spec.from_env(os.environ.pop("COURSE_SANDBOX", "{}")) if "COURSE_SANDBOX" in os.environ else None
    if spec is None:
        raise SystemExit("sandbox drop: no COURSE_SANDBOX")
    drop(spec)
    os.execvp(command[0], command)


if __name__ == "__main__":
    verb, rest = sys.argv[1], sys.argv[sys.argv.index("--") + 1:]
    {"exec": _exec, "drop": _drop}[verb](rest)
