"""``python -m course.instructor <command>``: the instructor's workflow, one command per step.

Commands: generate, check-sync, release, collect, autograde, feedback, export, report, bench-grade,
gradescope (build the Gradescope bundles), gradescope-run / gradescope-check (inside the bundle),
classroom (the visible checks of learner notebooks, for GitHub Classroom).
Run any of them with ``--help``.  ``--root`` points at another nbgrader course root (default
``autograder/``), which the tests use to grade in a temporary copy.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .paths import Layout


def _lessons(layout: Layout, wanted: list[str] | None) -> list[str]:
    known = layout.lessons()
    bad = [w for w in wanted or [] if w not in known]
    if bad:
        sys.exit(f"unknown lesson(s) {bad}; masters found: {known}")
    return wanted or known


def cmd_generate(layout: Layout, args: argparse.Namespace) -> int:
    from . import generate

    t = time.perf_counter()
    written = generate.write(layout, _lessons(layout, args.lessons))
    for p in written:
        print(f"wrote {p}")
    print(f"generate: {len(layout.lessons())} lesson(s), {len(written)} file(s) changed, "
          f"{time.perf_counter() - t:.2f} s")
    return 0


def cmd_check_sync(layout: Layout, args: argparse.Namespace) -> int:
    from . import generate

    problems = generate.stale(layout)
    for line in problems:
        print(line, file=sys.stderr)
    if not problems:
        print(f"check-sync: {len(layout.lessons())} lesson(s) in sync")
    return 1 if problems else 0


def cmd_release(layout: Layout, args: argparse.Namespace) -> int:
    from . import nbg

    for lesson in _lessons(layout, args.lessons):
        t = time.perf_counter()
        nbg.run(["generate_assignment", lesson, "--force"], layout.root, quiet=True)
        print(f"release: {lesson} -> {layout.root / 'release' / lesson} ({time.perf_counter() - t:.1f} s)")
    return 0


def cmd_collect(layout: Layout, args: argparse.Namespace) -> int:
    from . import collect, nbg

    nbg.ensure_path()
    if not args.submissions:
        sys.exit("collect: say where the hand-ins are, e.g. make collect SUBMISSIONS=path/to/dir-or-zip")
    where = Path(args.submissions)
    if not where.exists():
        sys.exit(f"collect: {where} does not exist (give a folder of <student>/ folders and/or <student>.zip)")
    try:
        taken = collect.collect(layout, where)
    except collect.CollectError as exc:
        for line in exc.lines:
            print(line, file=sys.stderr)
        return 1
    for c in taken:
        print(f"collected {c.student}/{c.lesson} from {c.source}")
    print(f"collect: {len(taken)} notebook(s) from {len({c.student for c in taken})} student(s)")
    return 0


def cmd_autograde(layout: Layout, args: argparse.Namespace) -> int:
    from . import grading

    t = time.perf_counter()
    jobs = grading.submissions(layout, args.lessons or None, args.students or None)
    if not jobs:
        print("autograde: nothing in autograder/submitted (run `make collect SUBMISSIONS=...` first)")
        return 0
    try:
        done = grading.grade(layout, jobs, workers=args.jobs, limit_s=args.limit, cell_timeout=args.cell_timeout,
                             keep=args.keep, sandboxed=args.sandbox != "off")
    except grading.SandboxUnavailable as exc:
        print(f"autograde: {exc}", file=sys.stderr)
        return 2
    bad = [j for j in done if j.status != "graded"]
    flagged = [j for j in done if any(f != "unsandboxed" for f in j.flags)]
    print(f"autograde: {len(done)} submission(s), {len(bad)} not graded normally, {len(flagged)} flagged, "
          f"{time.perf_counter() - t:.1f} s with {args.jobs or 'all'} worker(s)"
          + ("; UNSANDBOXED (SANDBOX=off)" if args.sandbox == "off" else ""))
    return 0


def cmd_feedback(layout: Layout, args: argparse.Namespace) -> int:
    from . import nbg

    lessons = [l for l in _lessons(layout, args.lessons) if (layout.root / "autograded").is_dir()]
    for lesson in lessons:
        if not any((layout.root / "autograded").glob(f"*/{lesson}")):
            continue
        t = time.perf_counter()
        nbg.run(["generate_feedback", lesson, "--force"], layout.root, quiet=True)
        print(f"feedback: {lesson} -> {layout.root / 'feedback'}/<student>/{lesson}/ ({time.perf_counter() - t:.1f} s)")
    return 0


def cmd_export(layout: Layout, args: argparse.Namespace) -> int:
    from . import nbg

    out = Path(args.to).resolve() if args.to else layout.root / "grades.csv"
    nbg.run(["export", f"--to={out}"], layout.root, quiet=True)
    _add_flags_column(out, layout.root / "autograded" / "flags.json")
    print(f"export: {out}")
    return 0


def _add_flags_column(csv_path: Path, store: Path) -> None:
    """Append a ``flags`` column ("flagged: <why>; <why>") to nbgrader's export, from ``autograded/flags.json``."""
    import csv

    from . import flags

    by_key = flags.load(store)
    with csv_path.open(newline="") as f:
        header, *rows = list(csv.reader(f)) or [[]]
    if not header or "flags" in header:
        return
    with csv_path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow([*header, "flags"])
        for row in rows:
            rec = dict(zip(header, row))
            key = f"{rec.get('student_id', '')}/{rec.get('assignment', '')}"
            w.writerow([*row, flags.describe(by_key.get(key, []))])


def cmd_report(layout: Layout, args: argparse.Namespace) -> int:
    from . import report

    try:
        out, summary = report.write(layout, Path(args.out).resolve() if args.out else None)
    except report.ReportError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 1
    top = "; ".join(f"{r.extra['check']} {r.extra['mistake']}{' (' + r.extra['rule'] + ')' if r.extra['rule'] else ''}"
                    f": {r.students} student(s)" for r in summary.top) or "none"
    print(f"report: {out} ({len(summary.students)} student(s), {len(summary.columns)} exercise(s)); top: {top}")
    return 0


def cmd_bench(layout: Layout, args: argparse.Namespace) -> int:
    from . import bench

    return bench.main(layout, n=args.n, lesson=args.lesson, jobs=args.jobs, rounds=max(1, args.rounds))


def cmd_gradescope(layout: Layout, args: argparse.Namespace) -> int:
    from . import gradescope

    from .paths import repo_root

    out = Path(args.out).resolve() if args.out else repo_root() / "dist" / "gradescope"
    for lesson in _lessons(layout, args.lessons):
        t = time.perf_counter()
        path = gradescope.build(layout, lesson, out)
        print(f"gradescope: {lesson} -> {path} ({path.stat().st_size // 1024} KiB, {time.perf_counter() - t:.1f} s)")
    return 0


def cmd_gradescope_run(layout: Layout, args: argparse.Namespace) -> int:
    from . import gradescope

    return gradescope.main(Path(args.gradescope_root) if args.gradescope_root else None)


def cmd_gradescope_check(layout: Layout, args: argparse.Namespace) -> int:
    from . import gradescope

    root = Path(args.gradescope_root or "/autograder")
    try:
        print(f"gradescope-check: {gradescope.check(root)}")
    except gradescope.BundleError as exc:
        print(f"gradescope-check: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_classroom(layout: Layout, args: argparse.Namespace) -> int:
    from . import classroom

    return classroom.main([Path(p) for p in args.notebooks], timeout=args.timeout)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m course.instructor", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", help="nbgrader course root (default: autograder/)")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("generate", help="write notebooks/ and solutions/ from the masters")
    s.add_argument("lessons", nargs="*")
    s.set_defaults(fn=cmd_generate)
    s = sub.add_parser("check-sync", help="exit 1 naming generated files that differ from their masters")
    s.set_defaults(fn=cmd_check_sync)
    s = sub.add_parser("release", help="nbgrader generate_assignment for every lesson (fills the gradebook)")
    s.add_argument("lessons", nargs="*")
    s.set_defaults(fn=cmd_release)
    s = sub.add_parser("collect", help="copy hand-ins (folders or zips) into autograder/submitted")
    s.add_argument("submissions", nargs="?")
    s.set_defaults(fn=cmd_collect)
    s = sub.add_parser("autograde", help="grade every submission in parallel into the gradebook")
    s.add_argument("--lesson", dest="lessons", action="append", default=[])
    s.add_argument("--student", dest="students", action="append", default=[])
    s.add_argument("--jobs", type=int, default=None, help="parallel workers (default: one per core)")
    s.add_argument("--limit", type=float, default=300.0, help="wall-clock seconds per submission")
    s.add_argument("--cell-timeout", type=int, default=None, help="override Execute.timeout (s)")
    s.add_argument("--keep", action="store_true", help="keep the throwaway course copies (debugging)")
    s.add_argument("--sandbox", choices=["on", "off"], default="on",
                   help="run each kernel in a bubblewrap sandbox (default on; off grades without isolation)")
    s.set_defaults(fn=cmd_autograde)
    s = sub.add_parser("feedback", help="nbgrader generate_feedback (hidden tests hidden)")
    s.add_argument("lessons", nargs="*")
    s.set_defaults(fn=cmd_feedback)
    s = sub.add_parser("export", help="nbgrader export to grades.csv")
    s.add_argument("--to")
    s.set_defaults(fn=cmd_export)
    s = sub.add_parser("report", help="class report: pass rates, common failures, heat map -> class-report.html")
    s.add_argument("--out", help="where to write the page (default: <root>/class-report.html)")
    s.set_defaults(fn=cmd_report)
    s = sub.add_parser("bench-grade", help="cost per submission vs nbgrader's own floor")
    s.add_argument("--n", type=int, default=8)
    s.add_argument("--lesson")
    s.add_argument("--jobs", type=int, default=None)
    s.add_argument("--rounds", type=int, default=3, help="paired floor/lesson trials per lesson (median kept)")
    s.set_defaults(fn=cmd_bench)
    s = sub.add_parser("gradescope", help="build dist/gradescope/<lesson>.zip, a Gradescope autograder per lesson")
    s.add_argument("lessons", nargs="*")
    s.add_argument("--out", help="folder for the zips (default: dist/gradescope)")
    s.set_defaults(fn=cmd_gradescope)
    s = sub.add_parser("gradescope-run", help="inside the bundle: grade the submission, write results.json")
    s.add_argument("--gradescope-root", help="the /autograder folder (default: $GRADESCOPE_ROOT or /autograder)")
    s.set_defaults(fn=cmd_gradescope_run)
    s = sub.add_parser("gradescope-check", help="inside the bundle: check it is complete (setup.sh runs it)")
    s.add_argument("--gradescope-root")
    s.set_defaults(fn=cmd_gradescope_check)
    s = sub.add_parser("classroom", help="run the visible checks of learner notebooks; exit 1 if any fails")
    s.add_argument("notebooks", nargs="*", help="default: notebooks/*.ipynb")
    s.add_argument("--timeout", type=int, default=120, help="seconds per cell")
    s.set_defaults(fn=cmd_classroom)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    layout = Layout.default(args.root)
    return int(args.fn(layout, args) or 0)


if __name__ == "__main__":
    sys.exit(main())
