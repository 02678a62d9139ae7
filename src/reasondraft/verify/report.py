"""Showing verify results: rich terminal output grouped by draft, or the JSON contract.

For line and quote findings the terminal shows the lines really in the repository at that
place (syntax highlighted), so the reviewer can compare without opening the file. Paths,
references, messages and code come from drafts and repositories: they reach the terminal
through :mod:`reasondraft.termtext`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from reasondraft.termtext import safe, visible
from reasondraft.verify.citation import Citation
from reasondraft.verify.findings import Finding
from reasondraft.verify.fix import Edit
from reasondraft.verify.run import DraftReport

if TYPE_CHECKING:  # rich.syntax loads pygments: imported when a snippet is shown
    from rich.syntax import Syntax

SHOW_LINES = frozenset({"RD-L001", "RD-L002", "RD-L003", "RD-Q001"})
MAX_SHOWN = 12
STYLES = {"error": "bold red", "warning": "yellow", "info": "blue"}


def to_json(reports: list[DraftReport]) -> Any:
    """One draft: its object; several: a list of them (the verify JSON contract)."""
    data = [r.to_json() for r in reports]
    return data[0] if len(data) == 1 else data


def render(reports: list[DraftReport], console: Console) -> None:
    """Every draft's findings, then its one-line summary."""
    for report in reports:
        render_draft(report, console)
    if len(reports) > 1:
        totals = [r.summary for r in reports]
        console.print(Text(
            f"{len(reports)} drafts: {sum(t['references'] for t in totals)} references, "
            f"{_count(sum(t['errors'] for t in totals), 'error')}, "
            f"{_count(sum(t['warnings'] for t in totals), 'warning')}", style="bold"),
            soft_wrap=True)


def render_draft(report: DraftReport, console: Console) -> None:
    console.print(safe(report.path, "bold underline"))
    if report.fixes:
        console.print(Text("--fix changed:", style="green"))
        for edit in report.fixes:
            console.print(fix_line(edit), soft_wrap=True)
    entries: list[tuple[Finding, Citation | None]] = [
        (f, c) for c in report.citations for f in c.findings]
    entries = [(f, None) for f in report.findings if not any(f is e for e, _ in entries)] + \
        sorted(entries, key=lambda e: (e[0].line, e[1].occurrence.column if e[1] else 0))
    for f, c in entries:
        render_finding(f, c, console)
    console.print(summary_line(report), soft_wrap=True)
    console.print()


def fix_line(edit: Edit) -> Text:
    """One reference --fix replaced: where, the old and the new text, whole (a paragraph is
    one long line, so a diff of lines cut at the terminal width hid what changed)."""
    return Text.assemble((f"{edit.line}:{edit.column}".rjust(7) + " ", "dim"),
                         safe(edit.old, "red", one_line=True), " → ",
                         safe(edit.new, "green", one_line=True))


def summary_line(report: DraftReport) -> Text:
    s = report.summary
    if report.body is None:
        return safe(f"{report.path}: could not be read", "bold red")
    style = "bold red" if s["errors"] else "yellow" if s["warnings"] else "green"
    line = safe(f"{report.path}: {_count(s['references'], 'reference')}, "
                f"{_count(s['errors'], 'error')}, {_count(s['warnings'], 'warning')}", style)
    if report.note:
        line.append(safe(f" · {report.note}", "bold yellow", one_line=True))
    return line


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def render_finding(f: Finding, c: Citation | None, console: Console) -> None:
    """Print one finding (:func:`finding_lines`); text lines are never wrapped or cut."""
    for item in finding_lines(f, c):
        console.print(item, soft_wrap=isinstance(item, Text))


def finding_lines(f: Finding, c: Citation | None = None) -> list[Text | Syntax]:
    """A finding as every command shows it (verify, draft, show): its draft.md line (and
    column), severity, code, reference, message and suggestion, then the lines really at
    the cited place."""
    where = f"{f.line}:{c.occurrence.column}" if c else str(f.line)
    head = Text.assemble((f"{where:>7} ", "dim"), (f"{f.severity:<7} ", STYLES[f.severity]),
                         (f"{f.code}  ", "cyan"))
    if f.ref is not None:
        head.append(safe(f"```quote {f.ref}" if c and c.quote is not None else f"[[{f.ref}]]",
                         "bold", one_line=True))
    lines: list[Text | Syntax] = [head, safe(f"        {f.message}")]
    if f.suggestion:
        lines.append(Text.assemble("        → ", safe(f.suggestion, "green"),
                                   ("  (--fix applies it)" if f.fixable else "", "dim")))
    snippet = _snippet(c) if c is not None and f.code in SHOW_LINES else None
    if snippet is not None:
        lines.append(snippet)
    return lines


def _snippet(c: Citation) -> Syntax | None:
    """The lines really at the cited place (the end of the file for a range past it)."""
    from rich.syntax import Syntax

    target, ref = c.target, c.ref
    if target is None or target.file.binary or not target.file.lines:
        return None
    count = len(target.file.lines)
    if target.start is not None and target.end is not None:
        first, last = target.start, target.end
    else:
        numbers = [n for n in (getattr(ref, "start", None), getattr(ref, "last", None)) if n]
        first = max(1, min(min(numbers, default=1), count - 2))
        last = min(count, max(numbers, default=first))
    last = min(last, first + MAX_SHOWN - 1)
    code = visible("\n".join(target.file.lines[first - 1:last]))
    return Syntax(code, Syntax.guess_lexer(target.path, code), line_numbers=True,
                  start_line=first, background_color="default", word_wrap=True,
                  padding=(0, 0, 0, 8))
