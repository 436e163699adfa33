"""collect never merges two people, never follows a link, and never trusts a zip header.

Each test is one finding of the issue "Grading an instructor can trust": Unicode and punctuation names,
NFC/NFD spellings, a folder and a zip of one student, two copies of a lesson, symlinked files and folders,
a zip member whose header understates its size, and 1000 overlapping zip entries (the shape of
"A better zip bomb", https://www.bamsoftware.com/hacks/zipbomb/).
"""

from __future__ import annotations

import io
import os
import sqlite3
import stat
import struct
import subprocess
import sys
import tracemalloc
import unicodedata
import zipfile
import zlib
from pathlib import Path

import pytest

from course.instructor import collect as C
from course.instructor import nbg
from course.instructor.grading import slug
from course.instructor.paths import Layout
from course.instructor.students import collision_key, student_id

REPO = Path(__file__).resolve().parents[1]
L1, L2 = "00-fixture", "01-second"


@pytest.fixture(scope="module")
def empty_gradebook(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """An empty gradebook, made once (creating one runs alembic, seconds each time)."""
    from nbgrader.api import Gradebook

    path = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", nbg.env()["PATH"])                 # nbgrader shells out to alembic
        with Gradebook(f"sqlite:///{path}"):
            pass
    return path.read_bytes()


@pytest.fixture
def layout(tmp_path: Path, empty_gradebook: bytes) -> Layout:
    root = tmp_path / "course"
    for lesson in (L1, L2):
        (root / "source" / lesson).mkdir(parents=True)
        (root / "source" / lesson / f"{lesson}.ipynb").write_text("{}")
    (root / "gradebook.db").write_bytes(empty_gradebook)
    return Layout(root=root, notebooks=tmp_path / "nb", solutions=tmp_path / "sol")


def nb(marker: str) -> bytes:
    return ('{"cells": [], "metadata": {"who": "%s"}, "nbformat": 4, "nbformat_minor": 5}' % marker).encode()


def hand_folder(base: Path, name: str, lesson: str = L1, marker: str | None = None) -> Path:
    d = base / name
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{lesson}.ipynb").write_bytes(nb(marker or name))
    return d


def submitted(layout: Layout) -> dict[str, bytes]:
    base = layout.root / "submitted"
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*.ipynb"))} \
        if base.is_dir() else {}


def nothing_written(layout: Layout) -> bool:
    with sqlite3.connect(layout.gradebook) as db:
        students = db.execute("select count(*) from student").fetchone()[0]
    return not (layout.root / "submitted").exists() and students == 0


# --- student ids -------------------------------------------------------------------------------------

NAMES = ["李雷", "韩梅梅", "Zoë", "Zoe", "Zo", "...", "-", "..", "", "ada lovelace", "ada-lovelace", "ada_lovelace",
         "a/b", "a-b", "student", "नमस्ते", ".hidden", "-rf", "x*y", "Ada", "x" * 100, "x" * 99]


def test_unicode_names_are_kept() -> None:
    assert student_id("李雷") == "李雷" and student_id("韩梅梅") == "韩梅梅"
    assert student_id("Zoë") == "Zoë" and student_id("नमस्ते") == "नमस्ते"
    assert student_id("ada-lovelace") == "ada-lovelace"


def test_ids_never_collide_and_lossy_ones_are_stable() -> None:
    ids = {n: student_id(n) for n in NAMES}
    keys = [collision_key(i) for i in ids.values()]
    assert len(set(keys)) == len(keys), ids
    for lossy in ("...", "-", "..", "", "ada lovelace", "a/b", ".hidden", "-rf", "x*y", "x" * 100):
        assert ids[lossy] != lossy and ids[lossy] == student_id(lossy)           # suffixed, and stable
        assert ids[lossy].rsplit("-", 1)[1].isalnum() and len(ids[lossy].rsplit("-", 1)[1]) == 8


@pytest.mark.parametrize("name", NAMES)
def test_ids_are_one_safe_path_component_and_a_literal_nbgrader_id(name: str) -> None:
    sid = student_id(name)
    assert sid and sid not in (".", "..") and len(sid) <= 64
    assert "/" not in sid and "\\" not in sid and "\0" not in sid
    assert not sid.startswith(("-", ".")) and not set(sid) & set("*?[]{} \t\n")
    assert unicodedata.normalize("NFC", sid) == sid


def test_nfc_and_nfd_spellings_give_one_id() -> None:
    assert student_id(unicodedata.normalize("NFD", "Zoë")) == student_id("Zoë")
    assert student_id(unicodedata.normalize("NFD", "Zoë Smith")) == student_id("Zoë Smith")


def test_grading_slug_still_importable() -> None:
    assert slug("李雷") == student_id("李雷")


# --- collisions stop everything before anything is written --------------------------------------------

def test_unicode_and_punctuation_students_are_all_kept(layout: Layout, tmp_path: Path) -> None:
    hand = tmp_path / "hand"
    names = ["李雷", "韩梅梅", "Zoë", "Zo", "...", "-", "ada lovelace", "ada-lovelace"]
    for n in names:
        hand_folder(hand, n)
    taken = C.collect(layout, hand)
    got = submitted(layout)
    assert len(taken) == len(names) == len(got)
    for n in names:
        assert got[f"{student_id(n)}/{L1}/{L1}.ipynb"] == nb(n)        # each person's own notebook
    assert f"李雷/{L1}/{L1}.ipynb" in got and f"Zoë/{L1}/{L1}.ipynb" in got


def test_nfc_and_nfd_folders_collide(layout: Layout, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    hand = tmp_path / "hand"
    hand_folder(hand, unicodedata.normalize("NFC", "Zoë"))
    hand_folder(hand, unicodedata.normalize("NFD", "Zoë"))
    with pytest.raises(C.CollectError) as err:
        C.collect(layout, hand)
    (line,) = [l for l in err.value.lines if l.startswith("COLLISION")]
    assert "'Zoë'" in line and line.count("folder ") == 2 and "Zoe\\u0308" in line
    assert nothing_written(layout)


def test_folder_and_zip_of_one_student_collide(layout: Layout, tmp_path: Path) -> None:
    hand = tmp_path / "hand"
    hand_folder(hand, "bob")
    with zipfile.ZipFile(hand / "bob.zip", "w") as zf:
        zf.writestr(f"{L1}.ipynb", nb("bob zip"))
    with pytest.raises(C.CollectError) as err:
        C.collect(layout, hand)
    (line,) = [l for l in err.value.lines if l.startswith("COLLISION")]
    assert str(hand / "bob") in line and str(hand / "bob.zip") in line
    assert nothing_written(layout)


def test_every_collision_is_listed_with_both_sources(layout: Layout, tmp_path: Path) -> None:
    hand = tmp_path / "hand"
    hand_folder(hand, "Ada")
    hand_folder(hand, "ada")                                   # one folder on a case-insensitive disk
    with zipfile.ZipFile(hand / "carol.zip", "w") as zf:        # two copies of one lesson in one zip
        zf.writestr(f"v1/{L1}.ipynb", nb("carol 1"))
        zf.writestr(f"v2/{L1}.ipynb", nb("carol 2"))
        zf.writestr(f"{L2}.ipynb", nb("carol"))
    hand_folder(hand, "dan")                                    # two copies of one lesson in one folder
    hand_folder(hand / "dan", "backup", marker="dan old")
    hand_folder(hand, "erin")                                   # innocent: still nothing written
    with pytest.raises(C.CollectError) as err:
        C.collect(layout, hand)
    lines = [l for l in err.value.lines if l.startswith("COLLISION")]
    assert len(lines) == 3, lines
    ada = next(l for l in lines if "'Ada'" in l)
    assert str(hand / "Ada") in ada and str(hand / "ada") in ada
    carol = next(l for l in lines if "carol.zip" in l)
    assert f"v1/{L1}.ipynb" in carol and f"v2/{L1}.ipynb" in carol and L2 not in carol.split(":", 1)[1]
    dan = next(l for l in lines if str(hand / "dan") in l)
    assert f"'{L1}.ipynb'" in dan and f"'backup/{L1}.ipynb'" in dan
    assert "nothing was written" in err.value.lines[-1]
    assert nothing_written(layout)


def test_cli_collision_exits_nonzero_and_writes_nothing(layout: Layout, tmp_path: Path) -> None:
    hand = tmp_path / "hand"
    hand_folder(hand, "bob")
    with zipfile.ZipFile(hand / "bob.zip", "w") as zf:
        zf.writestr(f"{L1}.ipynb", nb("bob zip"))
    proc = subprocess.run([sys.executable, "-m", "course.instructor", "--root", str(layout.root), "collect", str(hand)],
                          capture_output=True, text=True, cwd=REPO, env=nbg.env())
    assert proc.returncode != 0
    assert "COLLISION" in proc.stderr and str(hand / "bob.zip") in proc.stderr and "collected" not in proc.stdout
    assert nothing_written(layout)


# --- symlinks are not followed -----------------------------------------------------------------------

def test_symlinked_file_and_folder_are_not_followed(layout: Layout, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture) -> None:
    outside = tmp_path / "outside"
    hand_folder(outside, "secret", marker="OUTSIDE")
    hand = tmp_path / "hand"
    (hand / "mallory").mkdir(parents=True)
    (hand / "mallory" / f"{L1}.ipynb").symlink_to(outside / "secret" / f"{L1}.ipynb")
    (hand / "mallory" / "work").symlink_to(outside / "secret", target_is_directory=True)
    hand_folder(hand, "trent", lesson=L2)
    (hand / "trent" / "lib").symlink_to(outside, target_is_directory=True)
    (hand / "eve").symlink_to(outside / "secret", target_is_directory=True)        # a whole student linked
    taken = C.collect(layout, hand)
    out = capsys.readouterr().out
    assert [(t.student, t.lesson) for t in taken] == [("trent", L2)]
    assert all(b"OUTSIDE" not in data for data in submitted(layout).values())
    for link in (hand / "mallory" / f"{L1}.ipynb", hand / "mallory" / "work", hand / "eve"):
        assert f"SKIPPED {link}: a symbolic link" in out


def test_fifo_named_like_a_lesson_is_skipped_not_read(layout: Layout, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture) -> None:
    hand = tmp_path / "hand"
    (hand / "fred").mkdir(parents=True)
    os.mkfifo(hand / "fred" / f"{L1}.ipynb")
    assert C.collect(layout, hand) == []
    assert "not a regular file" in capsys.readouterr().out


def test_symlink_member_in_zip_is_skipped(layout: Layout, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    hand = tmp_path / "hand"
    hand.mkdir()
    info = zipfile.ZipInfo(f"{L1}.ipynb")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(hand / "gina.zip", "w") as zf:
        zf.writestr(info, "../../../etc/passwd")
        zf.writestr(f"{L2}.ipynb", nb("gina"))
    taken = C.collect(layout, hand)
    assert [(t.student, t.lesson) for t in taken] == [("gina", L2)]
    assert f"SKIPPED gina.zip:{L1}.ipynb: a symbolic link" in capsys.readouterr().out


# --- zips: streamed with a real byte cap and a member cap ------------------------------------------------

def lying_zip(path: Path, real: int, declared: int) -> None:
    """A zip with one lesson member of ``real`` zero bytes whose headers (local and central) say ``declared``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(f"{L1}.ipynb")
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w") as f:
            block = bytes(1 << 20)
            for _ in range(real >> 20):
                f.write(block)
        offset, start_dir = zf.getinfo(f"{L1}.ipynb").header_offset, zf.start_dir
    data = bytearray(path.read_bytes())
    assert data[offset:offset + 4] == b"PK\x03\x04" and data[start_dir:start_dir + 4] == b"PK\x01\x02"
    struct.pack_into("<I", data, offset + 22, declared)
    struct.pack_into("<I", data, start_dir + 24, declared)
    path.write_bytes(bytes(data))


def count_opens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    opened: list[str] = []
    real = zipfile.ZipFile.open

    def spy(self, name, *a, **k):            # noqa: ANN001
        opened.append(getattr(name, "filename", name))
        return real(self, name, *a, **k)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    return opened


def test_member_whose_header_understates_its_size_is_refused_in_bounded_memory(
        layout: Layout, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    hand = tmp_path / "hand"
    hand.mkdir()
    lying_zip(hand / "hal.zip", real=256 << 20, declared=1000)        # 256 MB of zeros in a ~250 KB zip
    assert (hand / "hal.zip").stat().st_size < 1 << 20
    assert zipfile.ZipFile(hand / "hal.zip").getinfo(f"{L1}.ipynb").file_size == 1000
    tracemalloc.start()
    try:
        taken = C.collect(layout, hand)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert taken == [] and submitted(layout) == {}
    assert peak < 16 << 20, f"peak {peak >> 20} MB while reading a member that claims 1000 bytes"
    out = capsys.readouterr().out
    assert f"REJECTED hal.zip: {L1}.ipynb cannot be read" in out


def test_declared_oversize_member_is_refused_without_reading(layout: Layout, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(C, "MAX_BYTES", 4 << 20)
    hand = tmp_path / "hand"
    hand.mkdir()
    lying_zip(hand / "ivy.zip", real=1 << 20, declared=5 << 20)
    opened = count_opens(monkeypatch)
    assert C.collect(layout, hand) == []
    assert opened == []
    assert f"REJECTED ivy.zip: {L1}.ipynb declares {5 << 20} bytes" in capsys.readouterr().out


def test_byte_cap_stops_reading_whatever_the_stream_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(C, "MAX_BYTES", 100_000)

    class Endless(io.RawIOBase):
        given = 0

        def read(self, n: int = -1) -> bytes:
            assert 0 < n <= C.CHUNK, "read without a bound"
            self.given += n
            return bytes(n)

    stream = Endless()
    with pytest.raises(C.Refused, match="larger than 100000 bytes"):
        C._read_capped(stream, "x.ipynb")
    assert C.MAX_BYTES < stream.given <= C.MAX_BYTES + C.CHUNK


def overlapping_zip(path: Path, n: int, name: str) -> None:
    """``n`` central-directory entries, all named ``name``, all pointing at one local file (a zip bomb shape)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, bytes(100_000))
        start_dir = zf.start_dir
    raw = buf.getvalue()
    end = raw.rindex(b"PK\x05\x06")
    local, central = raw[:start_dir], raw[start_dir:end]
    cd = central * n
    eocd = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, n, n, len(cd), len(local), 0)
    path.write_bytes(local + cd + eocd)


def test_thousand_overlapping_entries_refused_by_member_cap_before_any_read(
        layout: Layout, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    hand = tmp_path / "hand"
    hand.mkdir()
    overlapping_zip(hand / "olga.zip", 1000, f"{L1}.ipynb")
    assert len(zipfile.ZipFile(hand / "olga.zip").infolist()) == 1000 > C.MAX_MEMBERS
    opened = count_opens(monkeypatch)
    assert C.collect(layout, hand) == []
    assert opened == []
    assert f"REJECTED olga.zip: 1000 entries, more than the {C.MAX_MEMBERS}" in capsys.readouterr().out


def test_overlapping_entries_under_the_cap_are_a_collision_not_read(
        layout: Layout, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hand = tmp_path / "hand"
    hand.mkdir()
    overlapping_zip(hand / "pam.zip", C.MAX_MEMBERS, f"{L1}.ipynb")
    opened = count_opens(monkeypatch)
    with pytest.raises(C.CollectError) as err:
        C.collect(layout, hand)
    assert opened == [] and f"{L1} appears {C.MAX_MEMBERS} times" in err.value.lines[0]


def test_non_lesson_members_are_never_read(layout: Layout, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hand = tmp_path / "hand"
    hand.mkdir()
    with zipfile.ZipFile(hand / "quinn.zip", "w") as zf:
        for i in range(50):
            zf.writestr(f"junk/{i}.bin", bytes(1000))
        zf.writestr(f"__MACOSX/._{L1}.ipynb", "junk")
        zf.writestr(f"work/{L1}.ipynb", nb("quinn"))
    opened = count_opens(monkeypatch)
    taken = C.collect(layout, hand)
    assert opened == [f"work/{L1}.ipynb"]
    assert submitted(layout) == {f"quinn/{L1}/{L1}.ipynb": nb("quinn")} and len(taken) == 1


def test_corrupt_zip_is_rejected_and_others_still_collected(layout: Layout, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture) -> None:
    hand = tmp_path / "hand"
    hand.mkdir()
    (hand / "rob.zip").write_bytes(b"not a zip at all")
    hand_folder(hand, "sue")
    taken = C.collect(layout, hand)
    assert [t.student for t in taken] == ["sue"]
    assert "REJECTED rob.zip" in capsys.readouterr().out
