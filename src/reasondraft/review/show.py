"""``show``: a draft in the terminal with every reference expanded where it is cited.

The body is printed as written, with draft.md line numbers in the gutter (findings name
them). After each paragraph, list item or quote block come its references: a badge with
the verify verdict, the findings, and what the reference points at -- the cited lines at
the base or after the diff (syntax highlighted), a symbol's or a test's definition, or the
trajectory step's action and the start of its observation. A reference cited again later
gets only its badge, and one cited several times in a block one badge with the count.
``expand=False`` prints the draft as plain text, without verifying.

Draft text, front matter, trajectory steps and repository lines are untrusted: they only
reach rich through :mod:`reasondraft.termtext` (Text, never markup; controls escaped), so
``[bold]`` in a draft is printed as typed and an ESC is shown as ``\x1b``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from pathlib import Path

from markdown_it import MarkdownIt
from rich.console import RenderableType
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from reasondraft.evaluation import describe
from reasondraft.invocation import command_line
from reasondraft.refs import normalize_newlines
from reasondraft.review.checked import CheckedDraft, open_draft, resolve
from reasondraft.review.references import (
    action_text,
    badge,
    cited_code,
    cited_steps,
    short_observation,
)
from reasondraft.review.report import STATUS_STYLES
from reasondraft.termtext import safe, visible
from reasondraft.verify import Citation, Repos, Sources

MAX_CODE_LINES = 15
GUTTER = 6
INDENT = " " * (GUTTER + 3)
LEAF_BLOCKS = frozenset({"paragraph_open", "heading_open", "fence", "code_block",
                         "html_block", "table_open"})
_MD = MarkdownIt("commonmark").enable("table")


def show(path: Path, *, sources: Sources | None = None,
         expand: bool = True) -> list[RenderableType]:
    """What ``reasondraft show`` prints for a draft.md or task folder."""
    checked = open_draft(path)
    if not expand:
        return [*header(checked), safe(checked.draft.body)]
    with Repos() as repos:
        resolve(checked, sources or Sources(), repos)
        return [*header(checked), *expanded_body(checked)]


def header(checked: CheckedDraft) -> list[Text]:
    """Task, effective status, reviewer and verify summary, then any warning."""
    draft, where = checked.draft, checked.standing
    name = str(draft.front.get("instance_id") or draft.path)
    line = Text.assemble(safe(name, "bold", one_line=True), "  ",
                         (where.status, STATUS_STYLES[where.status]))
    record = where.record
    if record is not None:
        line.append(safe(f"  {record.decision} by {record.reviewer} at "
                         f"{record.time.isoformat()}"
                         + (", signed" if record.signature else "")
                         + ("" if where.binds_inputs else ", binding the body only"),
                         "dim", one_line=True))
    if checked.report is not None:
        s = checked.report.summary
        line.append(f"  {s['references']} references, {s['errors']} errors, "
                    f"{s['warnings']} warnings", style="red" if s["errors"] else "dim")
    lines = [line]
    if checked.ctx is not None and checked.ctx.evaluation is not None:
        lines.append(safe(f"outcome: {describe(checked.ctx.evaluation)}", "dim"))
    if where.status == "broken":
        lines.append(_warning(f"{where.problem}; showing the body as written (fix the front "
                              f"matter with `{command_line('edit', str(draft.path))}`)"))
    if where.modified_since_approval:
        lines.append(_warning("modified since approval: the body changed after it was "
                              "approved, so it no longer counts as approved"))
    elif where.note:
        lines.append(_warning(f"{where.note}, so it no longer counts as approved"))
    if checked.unresolved:
        lines.append(_warning(f"references not expanded: {checked.unresolved}"))
    return lines


def _warning(message: str) -> Text:
    return Text.assemble(("warning: ", "bold yellow"), safe(message, one_line=True))


def expanded_body(checked: CheckedDraft) -> Iterator[RenderableType]:
    """The body line by line, each block followed by its references."""
    draft, report = checked.draft, checked.report
    lines = normalize_newlines(draft.body).split("\n")
    spans = leaf_spans(draft.body)
    starts = [start for start, _, _ in spans]
    after: dict[int, dict[tuple[str, tuple[str, ...]], list[Citation]]] = {}
    for c in report.citations if report else []:
        same = (c.raw, tuple(f"{f.code} {f.message}" for f in c.findings))
        block = after.setdefault(_block_end(spans, starts, c.occurrence.line - 1), {})
        block.setdefault(same, []).append(c)
    fenced = {i for start, end, fence in spans if fence for i in range(start, end)}
    seen: set[str] = set()
    pending: list[tuple[int, str, bool]] = []
    for index, text in enumerate(lines):
        pending.append((index + draft.body_line, text, index in fenced))
        cited = after.get(index + 1, {})
        if cited:
            yield _body_lines(pending)
            pending = []
        for group in cited.values():
            c = group[0]
            yield from expand(c, checked, first=c.raw not in seen, times=len(group))
            seen.add(c.raw)
    if pending:
        yield _body_lines(pending)


def leaf_spans(body: str) -> list[tuple[int, int, bool]]:
    """[start, end) body line spans of leaf blocks, in order; True for fenced code."""
    tokens: list = []
    _MD.block.parse(normalize_newlines(body), _MD, {}, tokens)
    return [(t.map[0], t.map[1], t.type in ("fence", "code_block"))
            for t in tokens if t.type in LEAF_BLOCKS and t.map]


def _block_end(spans: list[tuple[int, int, bool]], starts: list[int], index: int) -> int:
    """The end of the leaf block holding body line ``index`` (the line itself if none);
    ``starts`` are the spans' first lines, for bisection."""
    position = bisect_right(starts, index) - 1
    if position >= 0 and spans[position][0] <= index < spans[position][1]:
        return spans[position][1]
    return index + 1


def _body_lines(lines: list[tuple[int, str, bool]]) -> Table:
    """Body lines with their draft.md numbers; wrapped text stays right of the gutter."""
    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(justify="right", width=GUTTER + 2, no_wrap=True, style="dim")
    grid.add_column(overflow="fold")
    for number, text, code in lines:
        style = "bold magenta" if text.startswith("## ") else "bold" if text.startswith("#") \
            else "cyan" if code else ""
        grid.add_row(Text(f"{number} │"), safe(text, style))
    return grid


def expand(c: Citation, checked: CheckedDraft, *, first: bool,
           times: int = 1) -> Iterator[RenderableType]:
    """Badge, findings and (the first time) the cited code or steps of one reference,
    cited ``times`` times in its block."""
    mark = badge(c, checked.ctx)
    line = Text.assemble((INDENT + mark.mark + " ", mark.style),
                         safe(f"```quote {c.raw}" if c.quote is not None else f"[[{c.raw}]]",
                              "bold", one_line=True),
                         safe(target_label(c), "dim", one_line=True))
    if times > 1:
        line.append(f"  ({times} times)", style="bold")
    if not first:
        line.append("  (expanded above)", style="dim")
    yield line
    for f in c.findings:
        yield Text.assemble((f"{INDENT}  {f.code} ", mark.style), safe(f.message),
                            safe(f"  → {f.suggestion}" if f.suggestion else "", "green"))
    if not first:
        return
    code = cited_code(c)
    if code is not None and (c.quote is None or c.findings):
        start, lines = code
        yield _code(c.target.path if c.target else "", start, lines[:MAX_CODE_LINES])
        if len(lines) > MAX_CODE_LINES:
            yield Text(f"{INDENT}  … {len(lines) - MAX_CODE_LINES} more lines", style="dim")
    for step in cited_steps(c, checked.ctx):
        yield Text.assemble((f"{INDENT}  step {step.number} ", "bold"),
                            (f"{step.kind.value}: ", "dim"), safe(action_text(step)))
        observation = short_observation(step)
        if observation:
            yield safe(_indent(observation, INDENT + "    "), "dim")


def target_label(c: Citation) -> str:
    """Where a reference resolved: path, revision and lines (two leading spaces)."""
    target = c.target
    if target is None:
        return ""
    if target.start is None:
        return f"  {target.path} @{target.rev.value}, {len(target.file.lines)} lines"
    span = f"L{target.start}" + (f"-L{target.end}" if target.end != target.start else "")
    return f"  {target.path} @{target.rev.value} {span}"


def _code(path: str, start: int, lines: list[str]) -> Syntax:
    code = visible("\n".join(lines))
    return Syntax(code, Syntax.guess_lexer(path, code), line_numbers=True, start_line=start,
                  word_wrap=True, background_color="default", padding=(0, 0, 0, len(INDENT)))


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.split("\n"))
