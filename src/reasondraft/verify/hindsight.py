"""Hindsight, grounded in time: a step may rest only on what the agent had seen by then.

RD-H001: a step of basis ``observed`` cites base lines that none of the trajectory steps it
rests on (or any earlier step) had shown. Lines the agent saw in its own edited copy are
counted with the slack of the file's changed length, and a copy of unknown length counts as
the whole file, so an edit that shifted the lines is never mistaken for hindsight; a test
file that one of those test runs executed counts as seen (the run printed its outcome).

RD-H002 "knows the fix before the evidence": a step before the trace reaches the implement
phase (or resting only on trajectory steps before the agent's first edit of the file) cites
``@patched`` lines, a hidden test (one the test patch adds), or says how a test turned out
that the agent had not run by then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reasondraft.refs import FileRef, TestRef
from reasondraft.repo import Rev
from reasondraft.trajectory.history import History, Window
from reasondraft.verify.citation import Citation
from reasondraft.verify.context import VerifyContext
from reasondraft.verify.findings import Finding, finding
from reasondraft.verify.stepclaims import read_claims
from reasondraft.verify.timeline import TraceStepView, history, implement_at, spans, trace_steps

if TYPE_CHECKING:  # at run time a cycle: importing evidence registers this module
    from reasondraft.verify.evidence import Draft


def check_hindsight(draft: Draft) -> list[Finding]:
    """RD-H001 and RD-H002 for every step of the draft."""
    steps = trace_steps(draft)
    hist = history(draft.ctx)
    found: list[Finding] = []
    implement = implement_at(steps)
    for step in steps:
        if hist is not None and step.basis == "observed" and step.by is not None:
            found += _unseen(step, hist, step.by)
        early = implement is not None and step.number < implement
        found += _foreknowledge(step, draft.ctx, hist, implement, early=early)
    return found


def _covered(window: Window, length: int) -> tuple[int, int]:
    """The base lines a window shows, widened where the agent's copy had changed."""
    if window.tail:
        return (1, length) if window.edited else (max(length - window.tail + 1, 1), length)
    start, end = window.start, window.end if window.end is not None else length
    if window.edited:
        if window.total is None:
            return 1, length
        slack = abs(window.total - length)
        return max(start - slack, 1), end + slack
    return start, end


def _unseen(step: TraceStepView, hist: History, by: int) -> list[Finding]:
    found = []
    for c in step.citations:
        target = c.target
        if not isinstance(c.ref, FileRef) or c.findings or target is None \
                or target.rev is not Rev.BASE or target.start is None or target.end is None:
            continue
        if hist.ran(target.path, by):
            continue  # a test file its runs executed: their output is what the step reads
        length = len(target.file.lines)
        shown = [_covered(w, length) for w in hist.seen(target.path, by)]
        cited = range(target.start, target.end + 1)
        missing = [n for n in cited if not any(a <= n <= b for a, b in shown)]
        if c.ref.symbol is not None and len(missing) < len(cited):
            continue  # a definition: seeing part of it is reading it
        if missing:
            rests = ", ".join(map(str, sorted(step.rests_on)))
            seen = "; it had seen " + spans([n for a, b in shown for n in range(a, b + 1)]) \
                if shown else "; it had not seen the file"
            found.append(finding("RD-H001", c.line, f"Step {step.number} is observed, but "
                                 f"{target.path} {spans(missing)} was not shown by its "
                                 f"trajectory steps ({rests}) or any before{seen}",
                                 ref=c.raw))
    return found


def _hidden(c: Citation, ctx: VerifyContext) -> bool:
    """A test only the test patch adds: the agent could not have seen it."""
    target = c.target
    return target is not None and target.rev is Rev.PATCHED and ctx.test_touched(target.path) \
        and not ctx.touched(target.path)


def _foreknowledge(step: TraceStepView, ctx: VerifyContext, hist: History | None,
                   implement: int | None, *, early: bool) -> list[Finding]:
    when = f"before the implement phase (step {implement})"
    found = []
    for c in step.citations:
        if c.findings or c.ref is None:
            continue
        if isinstance(c.ref, FileRef) and c.target is not None and c.target.rev is Rev.PATCHED:
            first = hist.first_edit.get(c.target.path) if hist else None
            before_edit = first is not None and step.by is not None and step.by < first
            if early or before_edit:
                why = when if early else (f"resting on trajectory steps before the agent's "
                                          f"first edit of {c.target.path} (step {first})")
                found.append(finding("RD-H002", c.line, f"knows the fix before the evidence: "
                                     f"Step {step.number} cites code the diff writes, {why}",
                                     ref=c.raw))
        elif isinstance(c.ref, TestRef) and early and _hidden(c, ctx):
            found.append(finding("RD-H002", c.line, f"knows the fix before the evidence: "
                                 f"Step {step.number} cites {c.ref.node_id}, a hidden test the "
                                 f"test patch adds, {when}", ref=c.raw))
    if early and hist is not None:
        found += _unrun_outcomes(step, hist)
    return found


def _unrun_outcomes(step: TraceStepView, hist: History) -> list[Finding]:
    """Outcomes told of tests the agent had not run by the step's trajectory steps."""
    found = []
    by = step.by if step.by is not None else 1 << 30
    blocks = {c.block.index: c for c in step.citations}
    for first in blocks.values():
        for claim in read_claims(first.block.text):
            if claim.subject is not None and not hist.ran(claim.subject, by):
                verdict = "passes" if claim.passes else "fails"
                found.append(finding("RD-H002", first.line, f"knows the fix before the "
                                     f"evidence: Step {step.number} says {claim.subject} "
                                     f"{verdict}, but the agent had not run it by then",
                                     ref=f"test:{claim.subject}"))
    return found
