"""The table of emulated rules and the list of what is not emulated, generated from the rule records.

README.md (and lesson 07) embed :func:`markdown` between ``<!-- rules:start -->`` and ``<!-- rules:end -->``;
``make rules-table`` (``python -m course.protocol readme``) rewrites README's section and a test fails when it
differs from the code; ``python -m course.protocol readme path/to/lesson.ipynb`` does the same for a
notebook's markdown cell.

>>> from course.protocol.table import markdown, sync
>>> print(markdown())            # the markdown block
| Rule | API | Status | Message | Trigger | Source |
|---|---|---|---|---|---|
...
Not emulated (taught as caveats; the replay lets these requests through):
...

:func:`sync` rewrites a file in place and returns True if it was already current::

    sync("README.md")            # rewrite the section; sync(..., check=True) only compares
    sync("lesson.ipynb")         # the same in the one markdown cell holding the markers
"""

from __future__ import annotations

from pathlib import Path

from .base import Caveat, Rule
from .titles import cite

START, END = "<!-- rules:start -->", "<!-- rules:end -->"


class SectionError(ValueError):
    """The file has no (or a broken) ``rules`` section."""


def _code(text: str) -> str:
    """A code span that may itself contain backticks."""
    text = text.replace("|", "\\|")
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _status(rule: Rule) -> str:
    parts = [str(rule.status), f"`{rule.error_type}`"]
    if rule.code:
        parts.append(f"code `{rule.code}`")
    if rule.param:
        parts.append(f"param `{rule.param}`")
    return "<br>".join(parts)


def _sources(urls: tuple[str, ...]) -> str:
    """Each source by label, title, date and URL (:mod:`.titles`), separated by semicolons."""
    return "; ".join(_cell(cite(u)) for u in urls)


def rules_table(rules: tuple[Rule, ...]) -> str:
    lines = ["| Rule | API | Status | Message | Trigger | Source |", "|---|---|---|---|---|---|"]
    for r in rules:
        lines.append(f"| `{r.id}` | {r.api} | {_status(r)} | {_code(r.message)} | {_cell(r.trigger)} | "
                     f"{_sources(r.sources)} |")
    return "\n".join(lines)


def caveat_list(caveats: tuple[Caveat, ...]) -> str:
    out = []
    for c in caveats:
        src = f" ({_sources(c.sources)})" if c.sources else ""
        out.append(f"- **{c.api}**: {_cell(c.behaviour)}. Not emulated: {_cell(c.why)}{src}.")
    return "\n".join(out)


def markdown() -> str:
    """The generated block: the table of emulated rules, then what is not emulated."""
    from . import NOT_EMULATED, RULES
    return (f"{rules_table(RULES)}\n\nNot emulated (taught as caveats; the replay lets these requests "
            f"through):\n\n{caveat_list(NOT_EMULATED)}")


def replace_section(text: str, block: str, *, name: str = "README.md") -> str:
    """``text`` with everything between the markers replaced by ``block``."""
    if text.count(START) != 1 or text.count(END) != 1 or text.index(START) > text.index(END):
        raise SectionError(f"{name}: expected one '{START}' followed by one '{END}'")
    head, rest = text.split(START)
    _, tail = rest.split(END)
    return f"{head}{START}\n{block}\n{END}{tail}"


def sync(path: str | Path, *, check: bool = False) -> bool:
    """Rewrite the section of ``path`` (or, with ``check``, only compare). True if it was already current.

    ``path`` is a markdown file, or a notebook (``.ipynb``) with the markers in one markdown cell.
    """
    p = Path(path)
    if p.suffix == ".ipynb":
        return _sync_notebook(p, check)
    text = p.read_text(encoding="utf-8")
    new = replace_section(text, markdown(), name=str(p))
    if new != text and not check:
        p.write_text(new, encoding="utf-8")
    return new == text


def _sync_notebook(p: Path, check: bool) -> bool:
    import nbformat

    nb = nbformat.read(p, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "markdown" and START in c.source]
    if len(cells) != 1:
        raise SectionError(f"{p}: expected one markdown cell holding '{START}', found {len(cells)}")
    new = replace_section(cells[0].source, markdown(), name=str(p))
    current = new == cells[0].source
    if not current and not check:
        cells[0].source = new
        nbformat.write(nb, p)
    return current
