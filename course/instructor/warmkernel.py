"""Warm grading kernels: a fork server that has already imported ipykernel and the course's heavy
third-party dependencies (openai, anthropic, httpx2, ...), so each submission's kernel starts in
milliseconds instead of paying ~2-3 s of imports.  nbgrader is unchanged: it still launches the kernel
named in the notebook (``python3``) through jupyter_client; only that kernelspec's ``argv`` points at
:mod:`course.instructor.warm_client`, which asks this server for a forked kernel.

The ``course`` package itself is *never* preloaded: each kernel imports it fresh from its submission's
throwaway copy (``PYTHONPATH``), exactly as a cold kernel would.  Kernels whose client has gone are
killed by the server.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

if __package__:
    from . import sandbox

PRELOAD = ["ipykernel.kernelapp", "ipykernel.ipkernel", "IPython", "openai", "anthropic", "httpx2",
           "nest_asyncio", "pydantic", "numpy", "matplotlib", "matplotlib.pyplot", "ipywidgets",
           "openai.types.chat", "openai.types.responses", "anthropic.types", "jsonschema",
           "agents"]  # openai-agents (lesson 4): importing it starts no thread (its trace worker starts lazily)
# Not matplotlib_inline's backend module: importing it outside a kernel skips its IPython hooks.
# matplotlib reads MPLBACKEND once, at import: set it as ipykernel would, so plots stay inline.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def kernelspec(share: Path) -> Path:
    """Write a ``python3`` kernelspec under ``share/kernels`` that launches warm kernels."""
    client = Path(__file__).with_name("warm_client.py")
    spec = share / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-I", "-S", str(client), "-f", "{connection_file}"],
        "display_name": "Python 3 (warm, grading)", "language": "python", "interrupt_mode": "signal",
        "metadata": {"debugger": False}}, indent=1))
    return share


def start(sock: Path, log: Path) -> subprocess.Popen[bytes]:
    """Start the fork server (returns at once; kernels fall back to cold ones until it listens)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "COURSE_WARM_SOCKET")}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    out = open(log, "wb")
    return subprocess.Popen([sys.executable, str(Path(__file__)), "serve", str(sock)], env=env,
                            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)


def wait_ready(sock: Path, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> bool:
    """Block until the server listens (or died/timed out)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        if sock.exists():
            return True
        time.sleep(0.05)
    return False


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server and every kernel it forked."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _kernel(request: dict, base_path: list[str], here: str, sandboxed: bool = False) -> None:
    """In the forked child: become a fresh IPython kernel for ``request`` (already inside its sandbox when
    ``sandboxed``: then the working folder is *not* put on ``sys.path``, so a learner's ``sqlite3.py``
    shadows nothing)."""
    code = 0
    try:
        if not sandboxed:
            os.setpgid(0, 0)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1) if sandboxed else (0, 1, 2):
            os.dup2(null, fd)
        if sandboxed:
            os.closerange(3, 4096)  # fd 2 is the kernel's log, outside the sandbox (see _launch)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        for name in [m for m in sys.modules if m == "course" or m.startswith("course.")]:
            del sys.modules[name]
        extra = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        first = [] if sandboxed else [request["cwd"]]
        sys.path[:] = [*first, *extra, *[p for p in base_path if p != here]]
        sys.path_importer_cache.clear()
        importlib.invalidate_caches()
        sys.argv = ["ipykernel_launcher", *request["args"]]
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        app.initialize(request["args"])
        app.start()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:  # noqa: BLE001
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        os._exit(code)


def _agents_tracing() -> None:
    """Build the Agents SDK's default trace provider now, once, instead of in every lesson-4 kernel (~80 ms:
    its exporter's ``httpx2.Client`` loads the CA bundle).  It is the state any kernel reaches at its first
    ``set_tracing_disabled``: the provider reads ``OPENAI_AGENTS_DISABLE_TRACING`` and the exporter its key only
    when first used (``agents/tracing/provider.py``, ``processors.py``), and the batch processor starts its
    worker thread only when a trace is queued, so nothing runs across the fork."""
    try:
        from agents.tracing.setup import get_trace_provider
    except ImportError:  # the Agents SDK is optional for grading: only lesson 4 runs it
        return
    get_trace_provider()


def serve(sock_path: str) -> None:
    """Accept requests on a Unix socket; fork a kernel for each."""
    here = str(Path(__file__).parent)
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a missing optional module only costs speed
            pass
    _agents_tracing()
    if os.environ.get("COURSE_REHEARSE", "1") != "0":
        try:
            _load("rehearsal").rehearse(Path(__file__).parents[1] / "scenarios")
        except Exception:  # noqa: BLE001 - the rehearsal only saves time: kernels work without it
            import traceback

            traceback.print_exc()
    for name in [m for m in sys.modules if m == "course" or m.startswith("course.")]:
        del sys.modules[name]
    # The preloaded heap (~0.5 M objects) never dies: without this, each kernel's first full collection walks it
    # all (~0.25 s of every submission). Frozen objects are left out of collections (the fork-server recipe in
    # https://docs.python.org/3/library/gc.html#gc.freeze).
    gc.collect()
    gc.freeze()
    base_path = [p for p in sys.path if p not in ("", here)]
    kernels: dict[int, tuple[int, int, sandbox.Box | None]] = {}  # child -> (kernel, client, sandbox)
    running = True

    def _stop(signum: int, frame: object) -> None:
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, _stop)
    tmp = sock_path + ".tmp"
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(tmp)
    srv.listen(16)
    os.rename(tmp, sock_path)
    srv.settimeout(0.25)
    while running:
        try:
            conn, _ = srv.accept()
        except (socket.timeout, InterruptedError):
            conn = None
        except OSError:
            break
        if conn is not None:
            with conn:
                conn.settimeout(5)
                data = b""
                while not data.endswith(b"\n"):
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                try:
                    request = json.loads(data)
                except ValueError:
                    continue
                try:
                    child, kernel, box = _launch(request, base_path, here, srv, conn)
                except Exception as exc:  # noqa: BLE001 - tell the client; it reports the kernel as dead
                    conn.sendall(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode() + b"\n")
                    continue
                kernels[child] = (kernel, int(request["client"]), box)
                conn.sendall(json.dumps({"pid": kernel}).encode() + b"\n")
        for child, (kernel, client, box) in list(kernels.items()):
            try:
                done = os.waitpid(child, os.WNOHANG)[0] == child
            except ChildProcessError:
                done = True
            if done:
                del kernels[child]
                if box is not None:
                    sandbox.stop(box)
                continue
            try:
                os.kill(client, 0)
            except ProcessLookupError:
                _kill(kernel)
    for child, (kernel, _, box) in kernels.items():
        _kill(kernel)
        if box is not None:
            sandbox.stop(box)
    for child in kernels:
        try:
            os.waitpid(child, 0)
        except ChildProcessError:
            pass


def _launch(request: dict, base_path: list[str], here: str, srv: socket.socket,
            conn: socket.socket) -> tuple[int, int, "sandbox.Box | None"]:
    """Fork a kernel for ``request``: (server's child, kernel pid, sandbox or None).

    Unsandboxed, the child is the kernel.  With ``COURSE_SANDBOX`` in the request, a bubblewrap sandbox is
    started first; the child (a supervisor, outside) joins its PID namespace and forks the kernel, which
    enters the rest of the sandbox (:func:`sandbox.enter`) before running anything of the learner's.  The
    supervisor records how the kernel ended, for the report."""
    spec_text = request["env"].get("COURSE_SANDBOX")
    if not spec_text:
        pid = os.fork()
        if pid == 0:
            srv.close()
            conn.close()
            _kernel(request, base_path, here)
        return pid, pid, None
    spec = sandbox.Spec.from_env(spec_text)
    box = sandbox.start(spec)
    fds = sandbox.open_namespaces(box)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the supervisor
        code = 1
        try:
            srv.close()
            conn.close()
            os.close(r)
            log = os.open(os.path.join(os.path.dirname(spec.status), "kernel-stderr.log"),
                          os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            kernel = sandbox.enter_pid_namespace(fds)
            if kernel == 0:
                os.close(w)
                os.dup2(log, 2)
                try:
                    sandbox.enter(fds, spec)
                except BaseException:  # noqa: BLE001 - never run learner code half-sandboxed
                    import traceback

                    traceback.print_exc()
                    os._exit(70)
                req = dict(request, cwd=spec.cwd, env=sandbox.kernel_env(request["env"], spec))
                _kernel(req, base_path, here, sandboxed=True)
            for fd in fds.values():
                os.close(fd)
            os.write(w, str(kernel).encode())
            os.close(w)
            _, status = os.waitpid(kernel, 0)
            sandbox.write_status(spec.status, status)
            code = 0
        finally:
            os._exit(code)
    for fd in fds.values():
        os.close(fd)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        data = f.read()
    if not data:
        sandbox.stop(box)
        raise RuntimeError("the sandboxed kernel could not be started")
    return pid, int(data), box


def _load(name: str):  # noqa: ANN202 - the server runs as a script: load a module of this folder by path
    """``sandbox`` or ``rehearsal``, loaded from this folder without importing the ``course`` package."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"_course_{name}", Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _kill(pid: int) -> None:
    for fn in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            fn()
        except (ProcessLookupError, PermissionError):
            pass


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "serve":
    sys.path[:] = [p for p in sys.path if p != str(Path(__file__).parent)]
    sandbox = _load("sandbox")
    serve(sys.argv[2])
