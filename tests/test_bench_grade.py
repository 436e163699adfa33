"""``make bench-grade`` runs end to end on the fixture lesson and prints, per lesson, the floor, the lesson, their
ratio against the target, and the ratio without the run's one-off setup (sandboxed, as ``make autograde``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from course.instructor import bench
from course.instructor.paths import Layout

from hostile.fixture import LESSON, build_course


def test_bench_grade_prints_a_row_per_lesson(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = build_course(tmp_path / "course")
    layout = Layout(root=root, notebooks=root / "nb", solutions=root / "sol")
    assert bench.main(layout, n=1, rounds=1) == 0
    out = capsys.readouterr().out
    assert "sandboxed" in out and "setup excluded" in out
    row = re.search(rf"^{LESSON}\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(ok|ABOVE TARGET)\s+([\d.]+)$", out, re.M)
    assert row, out
    floor, per, ratio, verdict, child = row.groups()
    assert float(ratio) == pytest.approx(float(per) / float(floor), abs=0.011)
    assert verdict == ("ok" if float(ratio) <= 1.5 else "ABOVE TARGET") and float(child) > 0
    assert not list(tmp_path.glob("course/autograded")), "the bench grades in a copy, never in the course root"
