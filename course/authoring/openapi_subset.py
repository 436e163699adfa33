"""Vendor the part of OpenAI's OpenAPI spec that the recordings are validated against.

The tests check every OpenAI request and response body in ``course/scenarios/`` against the component
schemas of OpenAI's published spec (https://github.com/openai/openai-openapi).  The whole spec is 3 MB;
the validation needs only the schemas named in :data:`VALIDATED` and everything they reference.  This
module takes that transitive closure and writes it, unchanged, with where it came from::

    from course.authoring import openapi_subset as oas
    spec = oas.read_spec(Path("openai-openapi.json"))          # the full spec (JSON or YAML), read once
    subset = oas.extract(spec, oas.ROOTS, source=oas.SOURCE)  # {"openapi", "info", "x-vendored", "components"}
    oas.write(subset, oas.SUBSET)                              # tests/data/openai-openapi-subset.json

``make vendor-openapi SPEC=path/to/openapi.json`` (or ``python -m course.authoring.openapi_subset SPEC``)
regenerates the file; running :func:`extract` on the subset itself gives the same schemas back, which is
how the tests know the file is closed and holds nothing extra:

>>> from course.authoring import openapi_subset as oas
>>> subset = oas.load()                                         # what the tests read; never the full spec
>>> oas.extract(subset, oas.ROOTS)["components"] == subset["components"]
True

Schemas are copied verbatim: the spec's 3.0-style ``nullable`` is translated at validation time, not here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SUBSET = ROOT / "tests" / "data" / "openai-openapi-subset.json"
SOURCE = "https://github.com/openai/openai-openapi/blob/manual_spec/openapi.yaml"
PREFIX = "#/components/schemas/"

#: The schemas each OpenAI endpoint's bodies are validated against: request, whole response, stream event.
VALIDATED: dict[str, dict[str, str]] = {
    "/v1/chat/completions": {"request": "CreateChatCompletionRequest", "response": "CreateChatCompletionResponse",
                             "event": "CreateChatCompletionStreamResponse"},
    "/v1/responses": {"request": "CreateResponse", "response": "Response", "event": "ResponseStreamEvent"},
}
#: The body of a refused request (HTTP 4xx), on every endpoint.
ERROR_SCHEMA = "ErrorResponse"
ROOTS: tuple[str, ...] = tuple(sorted({n for roles in VALIDATED.values() for n in roles.values()} | {ERROR_SCHEMA}))


class SpecError(ValueError):
    """The spec (full or vendored) is not what the extractor or the tests need; the message names file and field."""


def read_spec(path: Path) -> dict[str, Any]:
    """The spec at ``path``: JSON, or YAML when the name ends in .yaml/.yml (needs PyYAML)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{path}: cannot read the OpenAPI spec ({exc.strerror})") from None
    if path.suffix in (".yaml", ".yml"):
        import yaml

        try:
            spec = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise SpecError(f"{path}: not valid YAML: {exc}") from None
    else:
        try:
            spec = json.loads(text)
        except ValueError as exc:
            raise SpecError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(spec, dict) or not isinstance(spec.get("components", {}).get("schemas"), dict):
        raise SpecError(f"{path}: no components.schemas: is this an OpenAPI spec?")
    return spec


def refs(node: Any) -> Iterator[str]:
    """Every ``$ref`` string anywhere under ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def schema_name(ref: str, where: str) -> str:
    """``#/components/schemas/Foo`` → ``Foo``; any other kind of reference is refused, naming ``where``."""
    if not ref.startswith(PREFIX) or "/" in ref[len(PREFIX):]:
        raise SpecError(f"components.schemas.{where}: $ref {ref!r} is not a component schema; the extractor "
                        "vendors component schemas only")
    return ref[len(PREFIX):].replace("~1", "/").replace("~0", "~")


def closure(schemas: Mapping[str, Any], roots: Iterable[str]) -> list[str]:
    """Names of ``roots`` and of every schema they reach through ``$ref``, sorted."""
    seen: set[str] = set()
    stack = [(name, "(root)") for name in roots]
    while stack:
        name, referrer = stack.pop()
        if name in seen:
            continue
        if name not in schemas:
            raise SpecError(f"components.schemas.{name}: missing (referenced by {referrer})")
        seen.add(name)
        stack.extend((schema_name(ref, name), name) for ref in refs(schemas[name]))
    return sorted(seen)


def extract(spec: Mapping[str, Any], roots: Iterable[str] = ROOTS, *, source: str = SOURCE,
            date: dt.date | None = None) -> dict[str, Any]:
    """The closure of ``roots`` in ``spec``, verbatim, with the spec's version, ``source`` and ``date``."""
    roots = sorted(set(roots))
    info = spec.get("info") or {}
    if not isinstance(info.get("version"), str):
        raise SpecError("info.version: missing; the vendored subset must say which version of the spec it is")
    schemas = spec["components"]["schemas"]
    names = closure(schemas, roots)
    return {
        "openapi": spec.get("openapi"),
        "info": {k: info[k] for k in ("title", "version", "license") if k in info},
        "x-vendored": {
            "source": source,
            "spec_version": info["version"],
            "extracted_on": (date or dt.date.today()).isoformat(),
            "roots": roots,
            "schemas": len(names),
            "by": "python -m course.authoring.openapi_subset (make vendor-openapi SPEC=...)",
            "note": "Component schemas copied verbatim from the spec: the roots and every schema they reference.",
        },
        "components": {"schemas": {name: schemas[name] for name in names}},
    }


def write(subset: Mapping[str, Any], path: Path = SUBSET) -> None:
    """Write ``subset`` as stable, diffable JSON (one-space indent, key order kept, trailing newline)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(subset, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def load(path: Path = SUBSET) -> dict[str, Any]:
    """The vendored subset, checked: it says where it came from and holds every root it was cut for."""
    if not path.exists():
        raise SpecError(f"{path}: missing; regenerate it with `make vendor-openapi SPEC=path/to/openapi.json`")
    spec = read_spec(path)
    meta = spec.get("x-vendored")
    if not isinstance(meta, dict) or not {"source", "spec_version", "extracted_on", "roots"} <= meta.keys():
        raise SpecError(f"{path}: x-vendored must give source, spec_version, extracted_on and roots")
    missing = sorted(set(ROOTS) - set(meta["roots"]))
    if missing:
        raise SpecError(f"{path}: x-vendored.roots lacks {missing}, which the tests validate against; "
                        "rerun `make vendor-openapi SPEC=...`")
    return spec


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course.authoring.openapi_subset", description=__doc__.splitlines()[0])
    parser.add_argument("spec", type=Path, help="OpenAI's full OpenAPI spec (JSON, or YAML with PyYAML)")
    parser.add_argument("-o", "--out", type=Path, default=SUBSET, help=f"where to write (default {SUBSET.relative_to(ROOT)})")
    parser.add_argument("--source", default=SOURCE, help="public URL of the spec, recorded in the file")
    args = parser.parse_args(argv)
    try:
        subset = extract(read_spec(args.spec), ROOTS, source=args.source)
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    write(subset, args.out)
    meta = subset["x-vendored"]
    print(f"wrote {args.out}: {meta['schemas']} schemas from spec version {meta['spec_version']} "
          f"({args.out.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
