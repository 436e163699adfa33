"""``python -m course.authoring build|check|list|record``: make, verify and re-record scenarios."""

from __future__ import annotations

import argparse
import sys

from .build import REGISTRY, record_live, stale, write
from . import catalog  # noqa: F401  (registers every scenario)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m course.authoring", description=__doc__)
    p.add_argument("command", choices=["build", "check", "list", "record"])
    p.add_argument("names", nargs="*", help="scenario names (default: all)")
    a = p.parse_args(argv)
    unknown = [n for n in a.names if n not in REGISTRY]
    if unknown:
        p.error(f"unknown scenario(s): {', '.join(unknown)}")
    names = a.names or sorted(REGISTRY)
    if a.command == "list":
        for n in names:
            sc = REGISTRY[n]
            print(f"{n:42} {sc.provider:9} {len(sc.turns)} turn(s)  {sc.module}")
    elif a.command == "build":
        for n in names:
            print(f"wrote {write(REGISTRY[n])}")
    elif a.command == "check":
        bad = stale(names)
        for n in bad:
            print(f"stale: course/scenarios/{n}.json (run: make scenarios)", file=sys.stderr)
        print(f"{len(names) - len(bad)} of {len(names)} scenario files up to date")
        return 1 if bad else 0
    elif a.command == "record":
        if not a.names:
            p.error("name the scenario(s) to re-record")
        for n in names:
            print(f"recorded {record_live(REGISTRY[n])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
