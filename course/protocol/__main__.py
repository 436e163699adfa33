"""``python -m course.protocol table`` prints the rules table; ``readme [--check] [PATH]`` syncs README.md."""

from __future__ import annotations

import argparse
import sys

from .table import SectionError, markdown, sync


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m course.protocol", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("table", help="print the markdown table of emulated rules and the not-emulated list")
    rd = sub.add_parser("readme", help="rewrite the <!-- rules:start --> section of README.md")
    rd.add_argument("path", nargs="?", default="README.md")
    rd.add_argument("--check", action="store_true", help="only report whether the section is current")
    args = ap.parse_args(argv)
    if args.cmd == "table":
        print(markdown())
        return 0
    try:
        current = sync(args.path, check=args.check)
    except (OSError, SectionError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.check and not current:
        print(f"{args.path}: the rules table is out of date; run `make rules-table`", file=sys.stderr)
        return 1
    print(f"{args.path}: rules table {'already current' if current else 'rewritten'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
