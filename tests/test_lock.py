"""One set of versions: requirements.lock satisfies pyproject, environment.yml is generated from both,
what is installed is what is locked, and course.versions reads the lock correctly."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from course import conda_env, versions

ROOT = Path(__file__).resolve().parents[1]


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert {"test", "site"} <= set(extras), "the lock covers the test and site extras (Makefile `lock`)"
    return [Requirement(r) for r in project["dependencies"] + [r for reqs in extras.values() for r in reqs]]


def test_the_lock_pins_every_dependency_pyproject_declares_within_its_range():
    problems = []
    for req in _declared():
        pinned = [p for p in versions.pins() if p.name == versions.normalise(req.name)]
        if not pinned:
            problems.append(f"{req.name} is declared in pyproject.toml but not locked")
        problems += [f"{req} but the lock pins {p.version}" for p in pinned if p.version not in req.specifier]
    assert not problems, "requirements.lock is out of date with pyproject.toml; run `make lock`:\n" + "\n".join(problems)


def test_environment_yml_is_generated_from_the_lock_and_pyproject():
    assert conda_env.stale() == "", "environment.yml drifted from requirements.lock/pyproject.toml; run `make lock`"


def test_environment_yml_is_what_conda_needs():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["name"] == "parallel-tool-calls"
    assert f"python={conda_env.python_version()}" in env["dependencies"]
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip_section[-1] == "-e ."
    lock = [f"{p.name}=={p.version}" + (f" ; {p.marker}" if p.marker else "") for p in versions.pins()]
    assert pip_section[:-1] == lock


def test_the_environment_holds_exactly_the_locked_versions():
    wrong = []
    for pin in versions.pins():
        if not versions.applies(pin.marker):
            continue
        try:
            have = metadata.version(pin.name)
        except metadata.PackageNotFoundError:
            have = None
        if have != pin.version:
            wrong.append(f"{pin.name}: locked {pin.version}, installed {have}")
    assert not wrong, "reinstall with `make install`:\n" + "\n".join(wrong)


def test_sdk_versions_are_the_locked_ones_and_are_installed():
    sdks = versions.sdk_versions()
    assert list(sdks) == ["openai", "anthropic", "openai-agents"]
    assert sdks == {name: metadata.version(name) for name in sdks}
    assert versions.installed_drift() == []


def test_locked_follows_markers_and_normalises_names(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("# header\nOpenAI_Agents==0.1.0\n    # via x\n"
                    "numpy==1.0 ; python_full_version < '3.0'\nnumpy==2.0 ; python_full_version >= '3.0'\n"
                    "appnope==1.0 ; sys_platform == 'no-such-platform'\n")
    assert versions.locked("openai.agents", lock) == "0.1.0"
    assert versions.locked("numpy", lock) == "2.0"
    with pytest.raises(versions.LockError, match="pinned only for other platforms"):
        versions.locked("appnope", lock)
    with pytest.raises(versions.LockError, match="'openai' is not in the lock"):
        versions.locked("openai", lock)


def test_installed_drift_names_what_differs(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text(f"openai=={metadata.version('openai')}\nanthropic==0.0.1\nopenai-agents==0.0.1\n")
    drift = versions.installed_drift(path=lock)
    assert drift == [versions.Drift("anthropic", "0.0.1", metadata.version("anthropic")),
                     versions.Drift("openai-agents", "0.0.1", metadata.version("openai-agents"))]


def test_a_bad_lock_gets_an_error_naming_file_and_line(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("openai==1.0\nanthropic>=2\n")
    with pytest.raises(versions.LockError, match=r"requirements.lock:2: 'anthropic>=2' is not an exact pin"):
        versions.pins(lock)
    with pytest.raises(versions.LockError, match="missing; `make lock` writes it"):
        versions.pins(tmp_path / "nope.lock")


def test_a_stale_environment_yml_is_caught(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("openai==1.0\n")
    env = tmp_path / "environment.yml"
    env.write_text(conda_env.render(lock))
    assert conda_env.stale(env, lock) == ""
    lock.write_text("openai==1.1\n")
    versions.pins.cache_clear()
    assert '-      - "openai==1.0"' in conda_env.stale(env, lock)
