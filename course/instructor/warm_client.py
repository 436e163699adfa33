"""The "kernel" process jupyter_client starts when grading with warm kernels (stdlib only, runs with -I -S).

It asks the fork server (``$COURSE_WARM_SOCKET``) for a kernel forked from a process that already imported
ipykernel and the SDKs, then stands in for it: SIGINT is forwarded, SIGTERM kills it, and it exits when the
kernel exits (so jupyter_client sees a dead kernel exactly as with a normal one).  If the server cannot be
reached it execs an ordinary ``python -m ipykernel_launcher``.
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
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(path)
        request = {"args": args, "cwd": os.getcwd(), "env": dict(os.environ), "client": os.getpid()}
        sock.sendall(json.dumps(request).encode() + b"\n")
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
        kernel = int(json.loads(reply)["pid"])
    except (OSError, ValueError, KeyError):
        os.execv(python, [python, "-m", "ipykernel_launcher", *args])
        return
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
