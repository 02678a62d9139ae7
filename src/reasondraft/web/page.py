"""The task page's content: a verified draft turned into what the template lays out.

Everything here comes from the library as ``show`` uses it (:func:`open_draft`,
:func:`resolve`, the badges and cited code of :mod:`reasondraft.review.references`); this
module only arranges it for HTML. Untrusted text leaves it either as plain ``str`` (the
template escapes it) or as :class:`Markup` built by markdown-it with raw HTML off, by
Pygments (which escapes its input) or by :func:`markupsafe.escape`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pygments
from markupsafe import Markup, escape
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_for_filename
from pygments.util import ClassNotFound

from reasondraft.diff import Patch
from reasondraft.evaluation import describe
from reasondraft.refs import StepRef, normalize_newlines
from reasondraft.review.checked import CheckedDraft, open_draft, resolve
from reasondraft.review.record import ReviewRecord
from reasondraft.review.references import (
    ERROR,
    UNCHECKED,
    VERIFIED,
    WARNING,
    Badge,
    action_text,
    badge,
    cited_steps,
    kind,
)
from reasondraft.review.show import target_label
from reasondraft.trajectory.model import Step
from reasondraft.verify import Citation, Finding, Repos, Sources
from reasondraft.verify.coverage import hunk_ranges
from reasondraft.web.markdown import render_markdown

CONTEXT_LINES = 5  # shown around cited lines
MAX_FILE_LINES = 400  # of a whole-file reference
MAX_OUTPUT_CHARS = 20_000  # of one observation; the rest is cut with a note
BADGE_CLASSES = {VERIFIED: "ok", ERROR: "error", WARNING: "warning", UNCHECKED: "unchecked"}
FORMATTER_CLASS = "hl"


@dataclass
class Panel:
    """What one reference shows on the right."""

    index: int
    raw: str
    quote: bool
    mark: str
    css: str
    where: str
    line: int
    findings: list[Finding]
    code: Markup | None = None
    steps: list[StepView] = field(default_factory=list)


@dataclass
class StepView:
    number: int
    kind: str
    agent: str | None
    thought: str
    action: str
    output: str | None
    exit_code: int | None
    cut: int = 0  # characters of the output not shown
    cited: bool = False


@dataclass
class HunkView:
    path: str
    header: str
    lines: list[tuple[str, str]]  # (css class, text)
    refs: list[tuple[int, str, str]]  # (panel index, raw, badge class)


@dataclass
class TaskPage:
    """Everything the task page shows; ``shown_hash`` is the body hash it was built from."""

    name: str
    instance_id: str
    path: Path
    shown_hash: str
    status: str
    record: ReviewRecord | None
    summary: dict[str, int] | None
    outcome: str | None
    warnings: list[str]
    body: Markup
    panels: list[Panel]
    findings: list[tuple[Finding, int]]  # (finding, line of the block to link to)
    steps: list[StepView]
    hunks: list[HunkView]
    issue: Markup | None
    hints: Markup | None
    evaluation: dict[str, Any] | None
    errors: int = 0
    checks: dict[str, dict[str, Any]] | None = None  # per check family, as status shows it


def build_page(path: Path, sources: Sources, repos: Repos, *, name: str) -> TaskPage:
    """Read and verify the draft at ``path`` (a draft.md or task folder) for its page."""
    checked = resolve(open_draft(path), sources, repos)
    return page_of(checked, name)


def page_of(checked: CheckedDraft, name: str) -> TaskPage:
    draft, report, ctx = checked.draft, checked.report, checked.ctx
    citations = sorted(report.citations, key=lambda c: (c.line, c.occurrence.column)) \
        if report else []
    panels = [_panel(i, c, checked) for i, c in enumerate(citations)]

    def link(index: int) -> str:
        return (f'<a class="ref {panels[index].css}" id="cite-{index}" href="#ref-{index}" '
                f'title="{escape(panels[index].where.strip())}">'
                f'<span class="badge">{panels[index].mark}</span>')

    body, starts = render_markdown(normalize_newlines(draft.body), first_line=draft.body_line,
                                   raws=[(c.raw, c.quote is not None) for c in citations],
                                   link=link)
    cited = {n for c in citations if isinstance(c.ref, StepRef)
             for n in range(c.ref.start, c.ref.last + 1)}
    instance = ctx.instance if ctx else None
    trajectory = ctx.trajectory if ctx else None
    evaluation = ctx.evaluation if ctx else None
    summary = report.summary if report else None
    return TaskPage(
        name=name, instance_id=str(draft.front.get("instance_id") or name),
        path=draft.path or Path(name), shown_hash=draft.content_hash,
        status=checked.standing.status, record=checked.standing.record, summary=summary,
        outcome=describe(evaluation) if ctx else None, warnings=_warnings(checked),
        body=body, panels=panels,
        findings=[(f, _anchor(starts, f.line)) for f in (report.findings if report else [])],
        steps=[step_view(s, cited=s.number in cited) for s in trajectory.steps]
        if trajectory else [],
        hunks=_hunks(ctx.patch, citations, panels) if ctx and ctx.patch else [],
        issue=render_markdown(instance.problem_statement)[0]
        if instance and instance.problem_statement else None,
        hints=render_markdown(instance.hints_text)[0]
        if instance and instance.hints_text else None,
        evaluation=evaluation.to_json() if evaluation else None,
        errors=summary["errors"] if summary else 0,
        checks={name: score.to_json() for name, score in report.checks.items()}
        if report else None)


def _warnings(checked: CheckedDraft) -> list[str]:
    """What ``show`` warns about in its header, in the same words."""
    where = checked.standing
    found = []
    if where.status == "broken":
        found.append(f"{where.problem}; showing the body as written (fix the front matter "
                     "with `reasondraft edit`)")
    if where.modified_since_approval:
        found.append("modified since approval: the body changed after it was approved, so "
                     "it no longer counts as approved")
    elif where.note:
        found.append(f"{where.note}, so it no longer counts as approved")
    if checked.unresolved:
        found.append(f"references not expanded: {checked.unresolved}")
    return found


def _anchor(starts: list[int], line: int) -> int:
    """The first line of the block holding draft.md ``line`` (the first block if none)."""
    position = bisect_right(starts, line) - 1
    return starts[max(position, 0)] if starts else line


def badge_class(mark: Badge) -> str:
    return BADGE_CLASSES[mark]


def _panel(index: int, c: Citation, checked: CheckedDraft) -> Panel:
    mark = badge(c, checked.ctx)
    panel = Panel(index=index, raw=c.raw, quote=c.quote is not None, mark=mark.mark,
                  css=badge_class(mark), where=target_label(c) or _unresolved_label(c),
                  line=c.line, findings=list(c.findings))
    panel.code = _code(c)
    panel.steps = [step_view(step, cited=True) for step in cited_steps(c, checked.ctx)]
    return panel


def _unresolved_label(c: Citation) -> str:
    """For a reference without a target file: what it is."""
    if isinstance(c.ref, StepRef):
        return f"  trajectory {c.ref.format().replace(':', ' ')}"
    return f"  {kind(c) or 'malformed reference'}"


def _code(c: Citation) -> Markup | None:
    """The cited lines in context, highlighted, the cited ones marked; a whole file's start."""
    target = c.target
    if target is None or target.file.binary:
        return None
    lines = target.file.lines
    if target.start is None or target.end is None:
        first, last, marked = 1, min(len(lines), MAX_FILE_LINES), []
    else:
        first = max(1, target.start - CONTEXT_LINES)
        last = min(len(lines), target.end + CONTEXT_LINES)
        marked = list(range(target.start - first + 1, target.end - first + 2))
    return highlighted(target.path, list(lines[:last]), first, marked)


def highlighted(path: str, lines: list[str], first: int, marked: list[int]) -> Markup:
    """Lines ``first`` to the end of ``lines`` (the file from its line 1) as Pygments HTML
    (it escapes them), numbered from ``first``; ``marked`` counts from 1 within the window.
    The lexer starts at line 1 because a window lexed alone starts in the wrong state inside
    a docstring or a multi-line string and colours the rest wrongly."""
    try:
        lexer = get_lexer_for_filename(path, stripnl=False)
    except ClassNotFound:
        lexer = TextLexer(stripnl=False)
    formatter = HtmlFormatter(cssclass=FORMATTER_CLASS, linenos="inline", linenostart=first,
                              hl_lines=marked)
    tokens = lexer.get_tokens("\n".join(lines) + "\n")
    return Markup(pygments.format(_window_tokens(tokens, first), formatter))


def _window_tokens(tokens: Iterable[tuple[Any, str]], first: int) -> Iterator[tuple[Any, str]]:
    """The tokens of lines ``first`` on (counting from 1), a token across the boundary cut."""
    line = 1
    for token, value in tokens:
        if line >= first:
            yield token, value
            continue
        parts = value.split("\n")
        start, line = line, line + len(parts) - 1
        if line >= first:
            yield token, "\n".join(parts[first - start:])


def pygments_css() -> str:
    return HtmlFormatter(cssclass=FORMATTER_CLASS).get_style_defs(f".{FORMATTER_CLASS}")


def step_view(step: Step, *, cited: bool) -> StepView:
    """A trajectory step whole (a very long output is cut at MAX_OUTPUT_CHARS)."""
    output = step.observation.text if step.observation else None
    cut = 0
    if output is not None and len(output) > MAX_OUTPUT_CHARS:
        cut = len(output) - MAX_OUTPUT_CHARS
        output = output[:MAX_OUTPUT_CHARS]
    return StepView(number=step.number, kind=step.kind.value, agent=step.agent,
                    thought=step.thought, action=action_text(step), output=output,
                    exit_code=step.observation.exit_code if step.observation else None,
                    cut=cut, cited=cited)


def _hunks(patch: Patch, citations: list[Citation], panels: list[Panel]) -> list[HunkView]:
    """Every hunk with the references whose lines overlap what it changes."""
    spans = [(i, c.target.path, c.target.rev, c.target.start, c.target.end)
             for i, c in enumerate(citations)
             if c.target is not None and c.target.start is not None
             and c.target.end is not None]
    views = []
    for diff in patch:
        for hunk in diff.hunks:
            ranges = hunk_ranges(diff, hunk)
            covering = [i for i, path, rev, start, end in spans
                        if any(path == p and rev == r and start <= last and end >= first
                               for p, r, (first, last) in ranges)]
            first_of = {panels[i].raw: i for i in reversed(covering)}  # each raw once
            refs = [(i, raw, panels[i].css) for raw, i in sorted(first_of.items(),
                                                                  key=lambda item: item[1])]
            lines = [("add" if line.kind == "+" else "del" if line.kind == "-" else "ctx",
                      line.kind + line.text.rstrip("\r\n")) for line in hunk.lines]
            views.append(HunkView(diff.path, f"{hunk.header} {hunk.section}".rstrip(), lines,
                                  refs))
    return views
