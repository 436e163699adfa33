"""``python -m course.protocol table`` prints the rules table; ``readme [--check] [PATH ...]`` syncs the
``<!-- rules:start -->`` section of README.md (default) or of each markdown file / notebook named."""

from __future__ import annotations

import argparse
import sys

from .table import markdown, sync


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m course.protocol", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("table", help="print the markdown table of emulated rules and the not-emulated list")
    rd = sub.add_parser("readme", help="rewrite the <!-- rules:start --> section of README.md (or of each PATH)")
    rd.add_argument("paths", nargs="*", default=["README.md"], metavar="PATH")
    rd.add_argument("--check", action="store_true", help="only report whether the section is current")
    args = ap.parse_args(argv)
    if args.cmd == "table":
        print(markdown())
        return 0
    status = 0
    for path in args.paths:
        try:
            current = sync(path, check=args.check)
        except (OSError, ValueError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        if args.check and not current:
            print(f"{path}: the rules table is out of date; run `make rules-table`", file=sys.stderr)
            status = 1
        else:
            print(f"{path}: rules table {'already current' if current else 'rewritten'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
