"""A JupyterLab server for the browser test, started the way ``make lab`` starts it, in throwaway folders.

>>> with running_lab(root, workdir, config=LEARNER_CONFIG) as lab:
...     lab.url("lab/tree/README.md")          # 'http://127.0.0.1:<port>/lab/tree/README.md?token=...'
...     lab.shutdown_kernels()                 # end every kernel the page started

``config=LEARNER_CONFIG`` copies the repository's ``.jupyter-learner/`` (what ``make lab`` passes as
``JUPYTER_CONFIG_DIR``); ``config=None`` starts an empty config dir, i.e. stock JupyterLab with nbgrader's
extensions, as ``make lab-instructor`` gets them. Config, data, runtime, IPython and matplotlib dirs all
live under ``workdir``, so nothing touches the user's own. The server listens on 127.0.0.1 only, with a
random token; ``root`` is served instead of the repository so that running a notebook never changes a
generated file.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LEARNER_CONFIG = REPO / ".jupyter-learner"


@dataclass(frozen=True)
class Lab:
    """A running server: its base URL, token and log file."""

    base: str
    token: str
    log: Path

    def url(self, path: str = "", query: str = "") -> str:
        sep = "&" if query else ""
        return f"{self.base}/{path.lstrip('/')}?{query}{sep}token={self.token}"

    def api(self, method: str, path: str) -> object:
        req = urllib.request.Request(self.url(f"api/{path}"), method=method)
        with urllib.request.urlopen(req, timeout=30) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        for session in self.api("GET", "sessions"):  # type: ignore[union-attr]
            self.api("DELETE", f"sessions/{session['id']}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(lab: Lab, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {proc.returncode}:\n{lab.log.read_text()[-3000:]}")
        try:
            lab.api("GET", "status")
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    raise RuntimeError(f"JupyterLab did not answer within {timeout:.0f} s:\n{lab.log.read_text()[-3000:]}")


@contextmanager
def running_lab(root: Path, workdir: Path, *, config: Path | None = LEARNER_CONFIG,
                startup_timeout: float = 90) -> Iterator[Lab]:
    """Serve ``root`` with ``config`` (copied) as ``JUPYTER_CONFIG_DIR``; stop the server on exit."""
    config_dir = workdir / "config"
    if config is not None:
        shutil.copytree(config, config_dir, ignore=shutil.ignore_patterns("lab"))  # not a user's settings
    else:
        config_dir.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items()
           if k not in ("COURSE_MODE", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL")}
    env.update(JUPYTER_CONFIG_DIR=str(config_dir), JUPYTER_DATA_DIR=str(workdir / "data"),
               JUPYTER_RUNTIME_DIR=str(workdir / "runtime"), IPYTHONDIR=str(workdir / "ipython"),
               MPLCONFIGDIR=str(workdir / "matplotlib"), COURSE_REPLAY_TIME_SCALE="0")
    port, token = _free_port(), secrets.token_hex(16)
    log = workdir / "jupyterlab.log"
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    lab = Lab(f"http://127.0.0.1:{port}", token, log)
    try:
        _wait_ready(lab, proc, startup_timeout)
        yield lab
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: the server and the kernels it started
            proc.wait()
