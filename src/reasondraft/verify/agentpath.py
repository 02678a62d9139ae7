"""The agent path is covered: every failure event of the trajectory is cited (RD-A001).

Failure events are a failing test run, a command with a non-zero exit (``grep`` finding
nothing is not a failure), a run that ends in an uncaught traceback where the format records
no exit code, an edit the tool rejected, an edit whose new lines the final diff no longer
holds (reverted or overwritten), and a repository file the agent edited that the final diff
does not touch (abandoned). An event is covered when any ``[[step:N]]`` of the draft cites
one of its steps; the ``## Agent path`` section cites its events' steps that way too, a
skipped event with its reason included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reasondraft.body.markdown import split_sections
from reasondraft.repo import Rev, UnsafePath
from reasondraft.trajectory.history import Failure, History
from reasondraft.verify.context import VerifyContext
from reasondraft.verify.findings import Finding, finding
from reasondraft.verify.timeline import history, step_numbers

if TYPE_CHECKING:  # at run time a cycle: importing evidence registers this module
    from reasondraft.verify.evidence import Draft


def failure_events(ctx: VerifyContext) -> list[Failure]:
    """Every failure event of the context's trajectory, in step order (once per context)."""
    hist = history(ctx)
    if hist is None:
        return []
    return ctx.memo("failure-events", "", Rev.BASE, lambda: sorted(
        hist.failures + _edit_events(hist, ctx), key=lambda f: f.steps))


def _lines(ctx: VerifyContext, path: str, rev: Rev) -> set[str] | None:
    try:
        text = ctx.read(path, rev)
    except UnsafePath:
        return None
    return {line.strip() for line in text.lines} if text is not None else None


def _edit_events(hist: History, ctx: VerifyContext) -> list[Failure]:
    if ctx.patch is None:
        return []
    events = []
    for path in hist.first_edit:
        steps = tuple(e.step for e in hist.edits if e.path == path)
        if not ctx.touched(path):
            if _lines(ctx, path, Rev.BASE) is not None:
                events.append(Failure("abandoned edit", steps, f"edited {path}, which the "
                                      "final diff does not touch"))
            continue
        base = _lines(ctx, path, Rev.BASE) or set()
        final = _lines(ctx, path, Rev.PATCHED) or set()
        for edit in (e for e in hist.edits if e.path == path):
            new = [line for line in edit.added if line not in base]
            if new and not any(line in final for line in new):
                events.append(Failure("reverted edit", (edit.step,), f"edited {path}; the "
                                      "final diff holds none of its new lines"))
    return events


def check_agent_path(draft: Draft) -> list[Finding]:
    """RD-A001: one warning per failure event the draft does not cite."""
    events = failure_events(draft.ctx)
    if not events:
        return []
    cited = step_numbers(draft.citations)
    line = next((s.start - 1 + draft.line_offset for s in split_sections(draft.body)
                 if s.heading == "## Agent path"), draft.line_offset + 1)
    found = []
    for event in events:
        if not cited.intersection(event.steps):
            steps = ", ".join(map(str, event.steps))
            found.append(finding(
                "RD-A001", line, f"{event.kind} at step {steps} is not in the trace: "
                f"{event.what}", ref=f"step:{event.steps[0]}",
                suggestion=f"cite [[step:{event.steps[0]}]] where it matters, or list it "
                "under ## Agent path (skipped, with the reason)"))
    return found
