"""The grader's nbgrader runs judge cell metadata exactly as ``jsonschema.validate`` would (course.instructor.nbg),
and its parent compiles the notebook validators its forked children use."""

from __future__ import annotations

import copy

import jsonschema
import pytest
from nbformat.v4 import new_code_cell

from course.instructor import nbg

GOOD = {"grade": True, "grade_id": "test_x", "locked": True, "points": 2, "schema_version": 3, "solution": False,
        "task": False}
CASES = {
    "valid": {},
    "points not a number": {"points": "two"},
    "grade_id missing": {"grade_id": None},
    "locked not a bool": {"locked": "yes"},
    "negative points": {"points": -1},
    "two wrong fields": {"solution": 1, "task": "no"},
}


def _metadata(change: dict) -> dict:
    meta = copy.deepcopy(GOOD)
    for key, value in change.items():
        if value is None:
            meta.pop(key)
        else:
            meta[key] = value
    return meta


def _verdict(validate, cell) -> tuple | None:
    try:
        validate(cell)
    except jsonschema.ValidationError as exc:
        return type(exc), exc.message, list(exc.absolute_path), exc.validator
    return None


@pytest.fixture(scope="module")
def validator():
    nbg.preload()
    from nbgrader.nbgraderformat import common, v3

    assert isinstance(common.jsonschema, nbg._SchemasCheckedOnce), "preload() must install the once-checked schemas"
    return v3.MetadataValidatorV3()


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_cell_gets_the_verdict_stock_nbgrader_gives(validator, case, monkeypatch):
    from nbgrader.nbgraderformat import common

    cell = new_code_cell("pass")
    cell.metadata["nbgrader"] = _metadata(CASES[case])
    got = _verdict(validator.validate_cell, cell)
    monkeypatch.setattr(common, "jsonschema", jsonschema)   # nbgrader as installed
    expected = _verdict(validator.validate_cell, cell)
    assert got == expected
    assert (expected is None) == (case == "valid")


def test_a_schema_is_checked_once_and_a_new_schema_object_again(validator):
    checker = nbg._SchemasCheckedOnce()
    checker.validate(GOOD, validator.schema)
    checker.validate(GOOD, validator.schema)
    assert len(checker._validators) == 1
    broken = {"type": "object", "properties": {"points": {"type": "no-such-type"}}}
    with pytest.raises(jsonschema.SchemaError):
        checker.validate(GOOD, broken)


def test_preload_compiles_every_validator_a_current_notebook_needs() -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook
    from nbformat.validator import validators

    validators.clear()                              # as in a fresh grading parent
    nbg.preload()
    before = dict(validators)
    nb = new_notebook(cells=[new_code_cell("pass")])
    nbformat.validate(nb)                          # as nbformat.write does
    nbformat.validate(nb, relax_add_props=True)    # as nbconvert's exporters do after each preprocessor
    assert validators == before, "a forked grading child would compile its own validator"
