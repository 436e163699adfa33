"""Test-wide guards: offline replay mode, zero time scale, and no network beyond loopback.

Any attempt to connect to a non-loopback address fails the test loudly; nothing here may
reach a real API.  Tests that need a stand-in server use 127.0.0.1 explicitly.
"""

from __future__ import annotations

import ipaddress
import os
import socket

import pytest

os.environ["COURSE_REPLAY_TIME_SCALE"] = "0"
for var in ("COURSE_MODE", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL"):
    os.environ.pop(var, None)


class NetworkBlocked(AssertionError):
    """A test tried to open a connection off this machine."""


def _loopback(address: object) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if not isinstance(host, str):
        return True  # unix sockets and the like
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_getaddrinfo = socket.getaddrinfo


def _guard_connect(self: socket.socket, address: object) -> object:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
        raise NetworkBlocked(f"test tried to connect to {address!r}: the course must never reach the network")
    return _connect(self, address)


def _guard_connect_ex(self: socket.socket, address: object) -> object:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
        raise NetworkBlocked(f"test tried to connect to {address!r}: the course must never reach the network")
    return _connect_ex(self, address)


def _guard_getaddrinfo(host: object, *args: object, **kw: object) -> object:
    if isinstance(host, (str, bytes)) and not _loopback(host.decode() if isinstance(host, bytes) else host):
        raise NetworkBlocked(f"test tried to resolve {host!r}: the course must never reach the network")
    return _getaddrinfo(host, *args, **kw)


socket.socket.connect = _guard_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guard_connect_ex  # type: ignore[method-assign]
socket.getaddrinfo = _guard_getaddrinfo  # type: ignore[assignment]


@pytest.fixture(scope="session")
def openapi_spec() -> dict:
    """The part of OpenAI's OpenAPI spec the recordings are validated against, vendored in tests/data/.

    It never skips: a missing or broken file fails every test that needs it, naming the file and the fix.
    """
    from course.authoring import openapi_subset

    try:
        return openapi_subset.load()
    except openapi_subset.SpecError as exc:
        pytest.fail(str(exc), pytrace=False)

