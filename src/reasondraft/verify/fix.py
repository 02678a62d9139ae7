"""``--fix``: apply only the safe suggestions, editing nothing but the references themselves.

Fixable findings are line ranges proven by a quote that occurs exactly once, and absolute or
container paths whose repo-relative rest exists. Each edit replaces the reference text at its
exact line and column (checked before replacing), so every other byte of the file stays as
it was. Fixing repeats until no fixable finding is left (a repaired path may reveal a shifted
quote), so a second ``--fix`` run has nothing to do.
"""

from __future__ import annotations

from dataclasses import dataclass

from reasondraft.document import split_document
from reasondraft.verify.check import BodyReport, check_body
from reasondraft.verify.context import VerifyContext

MAX_ROUNDS = 4


@dataclass(frozen=True)
class Edit:
    """Replace ``old`` with ``new`` at a 1-based line and column of the document."""

    line: int
    column: int
    old: str
    new: str


def planned_edits(report: BodyReport) -> list[Edit]:
    """One edit per reference that has a fixable finding."""
    edits = []
    for c in report.citations:
        fix = next((f for f in c.findings if f.fixable and f.suggestion), None)
        if fix is not None and fix.suggestion != c.raw:
            edits.append(Edit(c.line, c.occurrence.column, c.raw, fix.suggestion or ""))
    return edits


def apply_edits(text: str, edits: list[Edit]) -> tuple[str, list[Edit]]:
    """The text with each edit made where its old text really is, and the edits made (the
    others are skipped)."""
    lines = text.split("\n")
    made = []
    for edit in sorted(edits, key=lambda e: (e.line, e.column), reverse=True):
        row, col = edit.line - 1, edit.column - 1
        if 0 <= row < len(lines) and lines[row][col:col + len(edit.old)] == edit.old:
            lines[row] = lines[row][:col] + edit.new + lines[row][col + len(edit.old):]
            made.append(edit)
    return "\n".join(lines), made[::-1]


def fix_document(text: str, ctx: VerifyContext, where: str = "draft") -> tuple[str, list[Edit]]:
    """The whole draft.md text with every fixable reference fixed (front matter untouched),
    and the edits made: what ``--fix`` reports (a reference, not a whole Markdown paragraph
    that is one long line)."""
    current, made = text, []
    for _ in range(MAX_ROUNDS):
        draft = split_document(current, where)
        edits = planned_edits(check_body(draft.body, ctx, line_offset=draft.body_line - 1))
        updated, applied = apply_edits(current, edits)
        if updated == current:
            break
        made += applied
        current = updated
    return current, made
