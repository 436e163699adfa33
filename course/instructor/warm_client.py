"""The "kernel" process jupyter_client starts when grading with warm kernels (stdlib only, runs with -I -S).

It asks the fork server (``$COURSE_WARM_SOCKET``) for a kernel forked from a process that already imported
ipykernel and the SDKs (inside a sandbox when ``$COURSE_SANDBOX`` is set), then stands in for it: SIGINT is
forwarded, SIGTERM kills it, and it exits when the kernel exits (so jupyter_client sees a dead kernel exactly
as with a normal one).  If the server cannot be reached it execs an ordinary ``python -m ipykernel_launcher``,
through ``sandbox.py exec`` (bubblewrap) when a sandbox was asked for: a submission never runs unsandboxed
by accident.
"""

import json
import os
import select
import signal
import socket
import sys


def main() -> None:
    args = sys.argv[1:]
    path = os.environ.get("COURSE_WARM_SOCKET", "")
    python = os.environ.get("COURSE_WARM_PYTHON", sys.executable)
    cold = [python, "-m", "ipykernel_launcher", *args]
    if os.environ.get("COURSE_SANDBOX"):  # never run a submission unsandboxed when a sandbox was asked for
        here = os.path.dirname(os.path.abspath(__file__))
        cold = [python, "-I", "-S", os.path.join(here, "sandbox.py"), "exec", "--", *cold]
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(path)
    except OSError:
        os.execv(cold[0], cold)
        return
    try:
        request = {"args": args, "cwd": os.getcwd(), "env": dict(os.environ), "client": os.getpid()}
        sock.sendall(json.dumps(request).encode() + b"\n")
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
        answer = json.loads(reply)
        if "error" in answer:
            sys.stderr.write(f"grading kernel could not start: {answer['error']}\n")
            os._exit(1)
        kernel = int(answer["pid"])
    except (OSError, ValueError, KeyError) as exc:
        sys.stderr.write(f"grading kernel could not start: {exc}\n")
        os._exit(1)
    parent = os.getppid()

    def forward(signum, frame):
        try:
            os.kill(kernel, signal.SIGINT if signum == signal.SIGINT else signal.SIGKILL)
        except ProcessLookupError:
            pass
        if signum != signal.SIGINT:
            os._exit(1)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, forward)
    fd = os.pidfd_open(kernel)
    while True:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            os._exit(0)
        if os.getppid() != parent:
            forward(signal.SIGTERM, None)


if __name__ == "__main__":
    main()
