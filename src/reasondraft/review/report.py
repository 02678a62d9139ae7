"""Terminal output of the review commands (``--json`` output is each result's to_json).

Every value that comes from a draft (ids, reviewer names, notes, messages, paths) goes
through :mod:`reasondraft.termtext`: rich never reads it as markup, and its control
characters are shown escaped instead of reaching the terminal.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from reasondraft.invocation import command_line
from reasondraft.review.decide import ReviewOutcome
from reasondraft.review.export import ExportResult
from reasondraft.review.record import Standing
from reasondraft.review.status import STATUSES, DraftStatus, totals
from reasondraft.termtext import safe, visible
from reasondraft.verify.findings import FAMILIES

DASH = "-"
STATUS_STYLES: dict[str, str] = {"draft": "cyan", "approved": "bold green",
                                 "rejected": "bold red", "modified": "bold yellow",
                                 "stale": "bold yellow", "unsigned": "bold yellow",
                                 "broken": "bold red"}


def render_outcome(outcome: ReviewOutcome, console: Console) -> None:
    """One line saying what was recorded, or why approval was refused."""
    s = outcome.report.summary
    found = (f"{count(s['references'], 'reference')}, {count(s['errors'], 'error')}, "
             f"{count(s['warnings'], 'warning')}")
    record = outcome.record
    if record is None:
        why = [f"verify found {found}"] if s["errors"] else []
        if outcome.blocking:
            why.append(f"scores below the guidelines' threshold: {', '.join(outcome.blocking)}")
        console.print(safe(f"{outcome.path}: not approved: {'; '.join(why)}; fix them "
                           f"({command_line('verify', str(outcome.path))}) or pass --override "
                           "'reason'", "bold red"),
                      soft_wrap=True)
        return
    line = Text.assemble(safe(f"{outcome.path}: ", "bold"),
                         (record.decision, STATUS_STYLES[record.decision]),
                         safe(f" by {record.reviewer} at {record.time.isoformat()} ({found})"))
    if record.scores:
        line.append(safe("; scores " + ", ".join(f"{k}={v}" for k, v in record.scores.items())))
    if record.codes:
        line.append(safe(f"; codes {', '.join(record.codes)}"))
    if record.override:
        what = "errors" if record.verify.errors else "blocking scores"
        line.append(safe(f"; {what} overridden: {record.override}", "yellow"))
    if record.signature:
        line.append("; signed", style="green")
    console.print(line, soft_wrap=True)
    if outcome.backup:
        console.print(safe(f"the previous file is kept in {outcome.backup}", "dim"),
                      soft_wrap=True)


def render_modified(where: Standing, console: Console) -> None:
    """A warning when the body (or an input) changed after it was approved."""
    if where.note and where.record:
        console.print(safe(f"{where.note} by {where.record.reviewer}: it no longer counts as "
                           "approved (approve it again when done)", "yellow"),
                      soft_wrap=True)


def count(n: int, word: str, plural: str | None = None) -> str:
    """``n`` and the word, plural unless one (``plural`` where adding an s is wrong)."""
    return f"{n} {word if n == 1 else plural or word + 's'}"


def age(seconds: int | None) -> str:
    if seconds is None:
        return DASH
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


def percent(rate: float | None) -> str:
    return DASH if rate is None else f"{rate:.1%}"


def _number(value: int | None) -> str:
    return DASH if value is None else str(value)


STATUS_COLUMNS = ("task", "status", "errors", "warns", "steps", "reviewer", "age",
                  "modified", "edit")
# With --verify, one column per check family: the share of its items that pass.
FAMILY_COLUMNS: dict[str, str] = {
    "references": "refs", "hindsight": "hind", "test_claims": "claims", "f2p_coverage": "f2p",
    "decisions": "decis", "structure": "struct", "code_consistency": "code", "hunks": "hunks",
    "agent_path": "path"}
NUMERIC = frozenset({"errors", "warns", "steps", "age", "edit", *FAMILY_COLUMNS.values()})
SIGNATURE_CELLS: dict[str, tuple[str, str]] = {"invalid": ("bad", "bold red"),
                                               "none": ("no", "yellow")}


def status_cells(row: DraftStatus, *, signed: bool = False,
                 checked: bool = False) -> list[tuple[str, str]]:
    """(text, style) per column of one row (``signed`` when signatures were checked, a
    share per check family when verified); ids and reviewers escaped to one line each."""
    cells = [(visible(row.label, one_line=True), ""),
             (row.status + (" (override)" if row.override else ""), STATUS_STYLES[row.status]),
             (_number(row.errors), ""), (_number(row.warnings), ""), (str(row.steps), ""),
             (visible(row.reviewer or DASH, one_line=True), ""), (age(row.age_seconds), ""),
             ("yes", "bold yellow") if row.modified_since_approval else ("", ""),
             (percent(row.edit_rate), "")]
    if checked:
        cells += [share_cell(row.checks, name) for name in FAMILIES]
    if signed:
        cells.append((visible(f"by {row.signed_by}", one_line=True), "green") if row.signed_by
                     else SIGNATURE_CELLS.get(row.signature or "", ("", "")))
    return cells


def share_cell(checks: dict[str, dict[str, Any]] | None, name: str) -> tuple[str, str]:
    """A family's share as a whole percentage, rounded down (99.7% is not shown as 100%);
    below 100% in yellow; a dash when it had nothing to check."""
    share = (checks or {}).get(name, {}).get("share")
    if share is None:
        return DASH, "dim"
    return f"{int(share * 100)}%", "" if share >= 1 else "yellow"


def render_status(rows: list[DraftStatus], console: Console) -> None:
    """The table of drafts, then the totals (``modified``/``stale`` never count as approved).

    ``modified`` is "yes" for a draft modified since approval; ``edit`` is the edit rate;
    ``signed`` (with --allowed-signers) who signed an approval, "no" or "bad"; with
    --verify, a column per check family (refs, hind, ...) gives the share of its items that
    pass (a dash: nothing of that kind to check). Why a row is
    ``stale``, ``unsigned`` or ``broken`` is printed under the table. Rows are laid out by
    hand as one Text: a rich Table measures every cell and takes about a second for 1,000
    drafts."""
    signed = any(row.signature is not None for row in rows)
    checked = any(row.checks is not None for row in rows)
    columns = STATUS_COLUMNS + (tuple(FAMILY_COLUMNS[name] for name in FAMILIES)
                                if checked else ()) + (("signed",) if signed else ())
    cells = [status_cells(row, signed=signed, checked=checked) for row in rows]
    widths = [max([len(name), *(len(row[i][0]) for row in cells)])
              for i, name in enumerate(columns)]
    table = Text()
    header = [(name, "bold") for name in columns]
    for line in [header, *cells]:
        for i, (text, style) in enumerate(line):
            pad = " " * (widths[i] - len(text))
            table.append("  " if i else "")
            if columns[i] in NUMERIC:
                table.append(pad)
            table.append(text, style=style)
            if columns[i] not in NUMERIC and i < len(line) - 1:
                table.append(pad)
        table.append("\n")
    console.print(table, soft_wrap=True, end="")
    for draft in rows:
        if draft.problem:
            why = f"{draft.status}: {draft.problem}" if draft.status in ("stale", "unsigned") \
                else draft.problem
            console.print(safe(f"{draft.label}: {why}", "red", one_line=True),
                          soft_wrap=True)
    console.print(totals_line(totals(rows)), soft_wrap=True)


def totals_line(total: dict[str, Any]) -> Text:
    counts = ", ".join(f"{total[s]} {s}" for s in STATUSES if total[s])
    line = Text(f"{count(total['drafts'], 'draft')}: {counts or 'none'}", style="bold")
    if total["errors"] is not None:
        line.append(f"; {count(total['errors'], 'error')}, "
                    f"{count(total['warnings'], 'warning')}")
    line.append(f"; mean edit rate {percent(total['mean_edit_rate'])}")
    return line


BY_MODEL_COLUMNS = ("approved", "modified", "stale", "rejected")


def render_by_model(summaries: list[dict[str, Any]], console: Console) -> None:
    """Per model and prompt hash: drafts, how they stand, edit rate."""
    table = Table("model", "prompt", "drafts", *BY_MODEL_COLUMNS, "edited", "mean edit",
                  "median", box=None, collapse_padding=True)
    for column in table.columns[:2]:
        column.overflow = "fold"
    for s in summaries:
        table.add_row(safe(s["model"] or DASH), safe(s["prompt"] or DASH), str(s["drafts"]),
                      *(str(s[status]) for status in BY_MODEL_COLUMNS), str(s["edited"]),
                      percent(s["mean_edit_rate"]), percent(s["median_edit_rate"]))
    console.print(table)


def render_export(result: ExportResult, console: Console) -> None:
    """How many lines were written (signed ones when checked), how many drafts skipped and
    why, and what failed."""
    reasons = ", ".join(f"{n} {reason}" for reason, n in result.reasons().items())
    signed = f" ({result.signed} signed)" if result.signed is not None else ""
    console.print(safe(f"exported {count(result.exported, 'trace')}{signed} to {result.out}; "
                       f"skipped {len(result.skipped)}" + (f" ({reasons})" if reasons else ""),
                       "bold"), soft_wrap=True)
    for path, error in result.failed:
        console.print(safe(f"not exported: {path}: {error}", "red", one_line=True),
                      soft_wrap=True)
    for instance_id, folders in result.several().items():
        console.print(safe(f"{instance_id}: {len(folders)} lines, one per task folder "
                           f"({', '.join(folders)}); each line's folder and run tell them apart",
                           "yellow", one_line=True), soft_wrap=True)
