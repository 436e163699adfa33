"""The vendored slice of OpenAI's OpenAPI spec: closed, minimal, sourced, and always used (never skipped)."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from course import recording
from course.authoring import openapi_subset as oas

ROOT = Path(__file__).resolve().parents[1]


def test_the_subset_is_in_the_repository_and_names_its_source():
    spec = oas.load()
    meta = spec["x-vendored"]
    assert oas.SUBSET.is_relative_to(ROOT)
    assert meta["spec_version"] == spec["info"]["version"]
    assert meta["source"].startswith("https://github.com/openai/openai-openapi/")
    dt.date.fromisoformat(meta["extracted_on"])
    assert meta["schemas"] == len(spec["components"]["schemas"])


def test_the_subset_is_closed_and_holds_nothing_extra():
    spec = oas.load()
    schemas = spec["components"]["schemas"]
    # every $ref resolves inside the file, and every schema in it is reached from a root
    assert oas.closure(schemas, oas.ROOTS) == sorted(schemas)
    # extracting again from the subset reproduces it schema for schema
    again = oas.extract(spec, oas.ROOTS, source=spec["x-vendored"]["source"],
                        date=dt.date.fromisoformat(spec["x-vendored"]["extracted_on"]))
    assert again == spec


def test_the_subset_stays_small():
    assert oas.SUBSET.stat().st_size < 1_000_000, "vendor the schemas the validation uses, not the whole spec"


def test_extract_takes_the_transitive_closure_and_refuses_what_it_cannot_vendor(tmp_path):
    spec = {"openapi": "3.1.0", "info": {"title": "t", "version": "9.9"}, "components": {"schemas": {
        "A": {"properties": {"b": {"$ref": "#/components/schemas/B"}}},
        "B": {"items": {"anyOf": [{"$ref": "#/components/schemas/C"}, {"type": "null"}]}},
        "C": {"type": "string"},
        "Unused": {"type": "integer"},
    }}}
    subset = oas.extract(spec, ["A"], source="https://example.invalid/spec", date=dt.date(2026, 1, 2))
    assert list(subset["components"]["schemas"]) == ["A", "B", "C"]
    assert subset["x-vendored"]["spec_version"] == "9.9" and subset["x-vendored"]["extracted_on"] == "2026-01-02"

    spec["components"]["schemas"]["C"] = {"$ref": "#/components/schemas/Gone"}
    with pytest.raises(oas.SpecError, match=r"components\.schemas\.Gone: missing \(referenced by C\)"):
        oas.extract(spec, ["A"])
    spec["components"]["schemas"]["C"] = {"$ref": "#/components/responses/R"}
    with pytest.raises(oas.SpecError, match=r"components\.schemas\.C: \$ref .* is not a component schema"):
        oas.extract(spec, ["A"])


def test_the_command_writes_the_subset_from_a_spec_file(tmp_path):
    full = tmp_path / "openapi.json"
    full.write_text(json.dumps({"openapi": "3.1.0", "info": {"version": "1.0"}, "components": {"schemas": {
        name: {"type": "object"} for name in oas.ROOTS} | {"Extra": {"type": "string"}}}}))
    out = tmp_path / "subset.json"
    assert oas.main([str(full), "-o", str(out)]) == 0
    assert sorted(json.loads(out.read_text())["components"]["schemas"]) == sorted(oas.ROOTS)
    assert oas.load(out)["x-vendored"]["spec_version"] == "1.0"


def test_bad_files_get_errors_naming_them(tmp_path, capsys):
    with pytest.raises(oas.SpecError, match="missing; regenerate it with `make vendor-openapi"):
        oas.load(tmp_path / "nope.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    assert oas.main([str(broken), "-o", str(tmp_path / "out.json")]) == 1
    assert f"{broken}: not valid JSON" in capsys.readouterr().err
    unsourced = tmp_path / "unsourced.json"
    unsourced.write_text(json.dumps({"components": {"schemas": {}}}))
    with pytest.raises(oas.SpecError, match=r"x-vendored must give source"):
        oas.load(unsourced)


def test_no_openapi_validation_test_is_skipped():
    """Run the validation as `make test` does, with -rs, and check that every OpenAI scenario ran and passed."""
    openai_scenarios = [n for n in recording.list_scenarios() if recording.load(n).provider == "openai"]
    assert openai_scenarios
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         "tests/test_scenarios.py::test_openai_bodies_validate_against_the_openapi_spec"],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    summary = run.stdout.strip().splitlines()[-1]
    assert run.returncode == 0, run.stdout[-3000:]
    assert "skipped" not in summary and "SKIPPED" not in run.stdout, run.stdout[-3000:]
    assert re.fullmatch(rf"{len(openai_scenarios)} passed in .*", summary), summary
