"""Find secrets in a recording before it is written: where they are and what kind, never what they are.

API::

    scan(value, where="")          -> list[Finding]   # any JSON value: every string, every key-like field
    scan_stream(events, where)     -> list[Finding]   # SSE events: the text of their deltas joined, per stream
    scan_recording(doc, known=())  -> list[Finding]   # a whole recording: headers, bodies and streams;
                                                      # known = ((kind, literal), ...) also searched for
    Finding(where, kind)                              # e.g. ("interactions[0].request.headers.authorization",
                                                      #       "Basic auth credentials")
    entropy(text) -> float                            # Shannon entropy, bits per character
    key_like(name) -> bool                            # authorization, api_key, token, secret, password, ...

Three rules, each reported as a :class:`Finding` that names the field path and the kind of secret and holds
**no character of the secret**:

1. **Known shapes**, anywhere in any string (and in dict keys): OpenAI/Anthropic ``sk-`` keys, AWS access
   key ids, GitHub tokens, Google API keys, JWTs, Slack tokens and webhooks, ``Bearer`` and ``Basic``
   credentials, credentials in a URL, private key blocks, ``api_key=...``/``password: ...`` assignments.
2. **Password fields**: a non-empty string under a key named like ``password``/``passwd``/``pwd``.
3. **High entropy under a key-like name** (``authorization``, ``api_key``, ``token``, ``secret``,
   ``credentials``, ``cookie``, ``private_key``, ...): a string of at least 16 characters with no spaces,
   letters and digits, and at least 3 bits of entropy per character.

Never flagged: ``encrypted_content`` and ``signature`` (opaque blobs the APIs hand back) and ids (``id``,
``*_id``: ``call_...``, ``fc_...``, ``toolu_...``, ``rs_...``, ``msg_...``) are exempt from rules 2 and 3,
and blobs from rule 1 too.  Strings that hold a JSON object (tool-call ``arguments``) are scanned as JSON.
A stream's deltas (``content``, ``text``, ``arguments``, ``partial_json``, ``delta``, ...) are joined per
stream (and all together) before rule 1, so a key split over two deltas is still found.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable

_B = r"(?<![A-Za-z0-9_\-])"           # not preceded by a token character: never inside an id
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("an OpenAI or Anthropic API key", re.compile(_B + r"sk-(?:proj-|ant-|svcacct-|admin-)?[A-Za-z0-9_\-]{16,}")),
    ("an AWS access key id", re.compile(_B + r"(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}")),
    ("a GitHub token", re.compile(_B + r"(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("a Google API key", re.compile(_B + r"AIza[0-9A-Za-z_\-]{35}")),
    ("a JSON Web Token", re.compile(_B + r"eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}")),
    ("a Slack token", re.compile(_B + r"xox[abposrce]-[A-Za-z0-9\-]{10,}")),
    ("a Slack webhook", re.compile(r"hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+")),
    ("a Bearer token", re.compile(r"\bBearer\s+[A-Za-z0-9._~+/\-]{16,}=*")),
    ("credentials in a URL", re.compile(r"\b[a-z][a-z0-9+.\-]*://[^/\s:@\"']{1,64}:[^/\s@\"']{1,128}@[\w.\-]+")),
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----")),
    ("an API key assignment", re.compile(
        r"(?i)\b(?:x-api-key|api[_\-]?key|access[_\-]?token|auth[_\-]?token|client[_\-]?secret|secret[_\-]?key)"
        r"[\"']?\s*[:=]\s*[\"']?[A-Za-z0-9._\-+/]{16,}")),
    ("a password assignment", re.compile(r"(?i)\b(?:password|passwd|pwd)[\"']?\s*[:=]\s*[\"'][^\"'\s]{4,}[\"']")),
]
_BASIC = re.compile(r"\bBasic\s+([A-Za-z0-9+/]{8,}={0,2})")

BLOBS = {"encryptedcontent", "signature"}
KEY_LIKE = ("authorization", "apikey", "token", "secret", "password", "passwd", "pwd", "credential",
            "credentials", "cookie", "setcookie", "privatekey", "accesskey", "secretkey", "sessionkey",
            "signingkey", "clientsecret", "auth")
PASSWORD = ("password", "passwd", "pwd")
STREAM_KEYS = {"content", "text", "arguments", "partial_json", "delta", "thinking", "refusal", "input_text"}
MIN_LEN, MIN_ENTROPY = 16, 3.0


@dataclass(frozen=True)
class Finding:
    """A secret of ``kind`` at field path ``where``.  Holds no character of the secret."""

    where: str
    kind: str

    def __str__(self) -> str:
        return f"{self.where}: {self.kind}"


def _compact(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _is_id(name: str) -> bool:
    low = name.lower()
    return low in ("id", "ids") or low.endswith(("_id", "-id", "_ids")) or bool(re.search(r"[a-z]Id$", name))


def key_like(name: str) -> bool:
    """True for names that hold credentials (``Authorization``, ``api_key``, ``x-api-key``, ``token``, ...)."""
    c = _compact(name)
    if c in BLOBS or _is_id(name):
        return False
    return c.endswith(KEY_LIKE)


def entropy(text: str) -> float:
    """Shannon entropy of ``text`` in bits per character."""
    if not text:
        return 0.0
    n = len(text)
    return -sum(k / n * math.log2(k / n) for k in Counter(text).values())


def _high_entropy(value: str) -> bool:
    v = value.strip()
    for prefix in ("Bearer ", "Basic ", "bearer ", "basic "):
        if v.startswith(prefix):
            v = v[len(prefix):]
    return (len(v) >= MIN_LEN and not re.search(r"\s", v) and re.search(r"[A-Za-z]", v) is not None
            and re.search(r"[0-9]", v) is not None and entropy(v) >= MIN_ENTROPY)


Known = tuple[tuple[str, str], ...]


def scan_text(text: str, where: str, known: Known = ()) -> list[Finding]:
    """Rule 1 (known shapes, and the ``known`` literal secrets) on one piece of text."""
    found = [Finding(where, kind) for kind, pat in PATTERNS if pat.search(text)]
    found += [Finding(where, kind) for kind, literal in known if literal and literal in text]
    for m in _BASIC.finditer(text):
        try:
            decoded = base64.b64decode(m.group(1) + "=" * (-len(m.group(1)) % 4), validate=True)
        except (binascii.Error, ValueError):
            continue
        if b":" in decoded:
            found.append(Finding(where, "Basic auth credentials"))
            break
    return found


def _json_object(text: str) -> Any:
    s = text.strip()
    if not (s.startswith("{") and s.endswith("}")):
        return None
    try:
        return json.loads(s)
    except ValueError:
        return None


def scan(value: Any, where: str = "", key: str = "", known: Known = ()) -> list[Finding]:
    """Every rule on a JSON value, recursively; ``where`` is its field path, ``key`` the name it sits under."""
    out: list[Finding] = []
    if isinstance(value, dict):
        for n, (k, v) in enumerate(value.items()):
            k = str(k)
            in_key = scan_text(k, "", known)
            if in_key:                     # the path must not show it either
                k = f"<key #{n}>"
            sub = f"{where}.{k}" if where else k
            out += [Finding(sub, f.kind + " (in a key name)") for f in in_key]
            out += scan(v, sub, k, known)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += scan(v, f"{where}[{i}]", key, known)
    elif isinstance(value, str):
        c = _compact(key)
        if c in BLOBS:
            return out
        out += scan_text(value, where, known)
        if not _is_id(key) and value.strip():
            if c.endswith(PASSWORD):
                out.append(Finding(where, "a password field"))
            elif key_like(key) and _high_entropy(value):
                out.append(Finding(where, f"a high-entropy value under '{key}'"))
        inner = _json_object(value)
        if inner is not None:
            out += scan(inner, f"{where}<json>", "", known)
    return out


def _stream_pieces(data: Any, path: str, marks: str) -> Iterable[tuple[str, str]]:
    """``(stream key, text)`` for every delta-like string in one event's data."""
    if isinstance(data, dict):
        for m in ("index", "output_index", "content_index"):
            if isinstance(data.get(m), int) and not isinstance(data.get(m), bool):
                marks += f"#{m}={data[m]}"
        for k, v in data.items():
            if _compact(str(k)) in BLOBS or _is_id(str(k)):
                continue
            if isinstance(v, str) and k in STREAM_KEYS:
                yield f"{path}.{k}{marks}", v
            elif isinstance(v, (dict, list)):
                yield from _stream_pieces(v, f"{path}.{k}", marks)
    elif isinstance(data, list):
        for v in data:
            yield from _stream_pieces(v, f"{path}[]", marks)


def scan_stream(events: list[Any], where: str, known: Known = ()) -> list[Finding]:
    """Rule 1 (and rules 2-3 if it is JSON) on the text of a stream's deltas, joined per stream and all together."""
    streams: dict[str, list[str]] = {}
    for ev in events:
        data = ev.get("data") if isinstance(ev, dict) else None
        for key, text in _stream_pieces(data, "data", ""):
            streams.setdefault(key, []).append(text)
    joined = {k.lstrip("."): "".join(v) for k, v in streams.items()}
    joined["<all deltas>"] = "".join(t for v in streams.values() for t in v)
    out: list[Finding] = []
    for key, text in joined.items():
        at = f"{where} (the stream's {key} deltas joined)"
        found = scan_text(text, at, known)
        inner = _json_object(text)
        if inner is not None:
            found += scan(inner, f"{at}<json>", "", known)
        seen = {f.kind for f in out}
        out += [f for f in found if key != "<all deltas>" or f.kind not in seen]   # one report per secret
    return out


def scan_recording(doc: Any, known: Known = ()) -> list[Finding]:
    """Every finding in a recording document: each field, then each stream's joined deltas.

    A secret found inside one event is not reported again for the joined stream."""
    out = scan(doc, known=known)
    items = doc.get("interactions") if isinstance(doc, dict) else None
    for i, it in enumerate(items if isinstance(items, list) else []):
        resp = it.get("response") if isinstance(it, dict) else None
        sse = resp.get("sse") if isinstance(resp, dict) else None
        if isinstance(sse, list):
            at = f"interactions[{i}].response.sse"
            seen = {f.kind for f in out if f.where.startswith(at)}
            out += [f for f in scan_stream(sse, at, known) if f.kind not in seen]
    unique: list[Finding] = []
    for f in out:
        if f not in unique:
            unique.append(f)
    return unique
