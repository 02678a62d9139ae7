"""Run every check over a Markdown body: the entry points that need no file.

The drafter calls :func:`verify_body` inside its validation loop on an in-memory body;
review tools call :func:`check_body` for the references with what they resolved to, and
:func:`check_draft` for a draft read from disk (its front matter says whether it is a
trace, and of which format).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from reasondraft.body import ParsedBody, trace_format
from reasondraft.document import DraftFile
from reasondraft.refs import (
    Block,
    FileRef,
    Occurrence,
    RefError,
    StepRef,
    TestRef,
    cited_paths,
    find_references,
    parse_ref,
)
from reasondraft.verify.citation import Citation
from reasondraft.verify.context import VerifyContext
from reasondraft.verify.coverage import check_coverage
from reasondraft.verify.files import check_file, check_patched_untouched
from reasondraft.verify.findings import Family, Finding, apply_severity, summarize
from reasondraft.verify.lines import check_lines
from reasondraft.verify.quotes import check_quote
from reasondraft.verify.scores import Items, Score, derive_items, scores
from reasondraft.verify.steps import check_step, check_step_files
from reasondraft.verify.symbols import check_symbol
from reasondraft.verify.tests import check_fails_before, check_test, check_test_patch

# Draft-wide findings whose suggestion is a reference to cite (others suggest in words).
CITE_SUGGESTED = frozenset({"RD-C001", "RD-C002"})
_NOWHERE = Block(index=-1, line=0, text="", section="")


@dataclass
class BodyReport:
    """The references of a body, each with its target and findings, plus draft-wide ones,
    and how many items each check family looked at (:mod:`reasondraft.verify.scores`)."""

    citations: list[Citation]
    general: list[Finding]
    items: Items = field(default_factory=Items)

    @property
    def findings(self) -> list[Finding]:
        """Every finding, ordered by draft line (draft-wide findings first)."""
        found = [f for c in self.citations for f in c.findings]
        return sorted(self.general + found, key=lambda f: f.line)

    @property
    def summary(self) -> dict[str, int]:
        """{references, errors, warnings} — what approval records."""
        return summarize(self.findings, len(self.citations))

    @property
    def checks(self) -> dict[Family, Score]:
        """Per check family: items, passed, share — the ``checks`` object of the JSON."""
        return scores(self.items, self.citations, self.general)


def check_body(body: str, ctx: VerifyContext, *, line_offset: int = 0,
               trace: int | None = None) -> BodyReport:
    """Verify every reference in ``body``; lines are reported as ``body line + offset``.
    With ``trace`` (the body's trace format), the trace's structure is checked too."""
    ctx.prefetch(cited_paths(body))  # git reads the blobs while the body is parsed
    citations = [Citation(o, o.line + line_offset) for o in find_references(body)]
    steps_unchecked = True
    for c in citations:
        check_citation(c, ctx, first_step=steps_unchecked)
        steps_unchecked = steps_unchecked and not isinstance(c.ref, StepRef)
    check_step_files(citations, ctx)
    check_fails_before(citations, ctx)
    general = check_coverage(citations, ctx, line_offset + 1)
    items = Items()
    parsed = None
    if trace is not None:
        parsed, found = _check_trace(body, trace, citations, ctx, line_offset, items)
        general += found
    if trace == 2:
        general += check_coverage(citations, ctx, line_offset + 1, section="Hunks")
    derive_items(items, body, parsed, citations, ctx)
    general += check_test_patch(ctx, line_offset + 1)  # last: after every check that read it
    drop_unverified_suggestions(citations, general, ctx)
    overrides = ctx.guidelines.severity
    if overrides:
        apply_severity(general + [f for c in citations for f in c.findings], overrides)
    return BodyReport(citations, general, items)


def _check_trace(body: str, trace: int, citations: list[Citation], ctx: VerifyContext,
                 line_offset: int, items: Items) -> tuple[ParsedBody, list[Finding]]:
    """The body read as a trace, and the structure and evidence findings about it."""
    # Imported here: the trace models, their parsers and the evidence checks cost ~0.1 s of
    # CPU at start-up, which a draft declaring no trace format does without.
    from reasondraft.body import parse_body
    from reasondraft.verify.evidence import Draft, check_evidence
    from reasondraft.verify.structure import check_structure

    parsed = parse_body(body, trace)
    found = check_structure(body, parsed, citations, line_offset)
    found += check_evidence(Draft(body, parsed, citations, ctx, line_offset, items))
    return parsed, found


def check_draft(draft: DraftFile, ctx: VerifyContext) -> BodyReport:
    """Verify a draft read from disk: references, and the trace its front matter declares."""
    return check_body(draft.body, ctx, line_offset=draft.body_line - 1,
                      trace=trace_format(draft.front, str(draft.path or "draft")))


def check_citation(c: Citation, ctx: VerifyContext, *, first_step: bool = False) -> None:
    """Every check of one reference on its own (``first_step``: the draft's first step
    reference, which says once that steps are not checked without a trajectory)."""
    ref = c.ref
    if ref is None:
        error = c.occurrence.error
        c.add("RD-R001", error.message if error else "malformed reference",
              error.suggestion if error else None)
    elif isinstance(ref, FileRef):
        _check_file_ref(c, ctx)
    elif isinstance(ref, TestRef):
        check_test(c, ctx)
    elif isinstance(ref, StepRef):
        check_step(c, ctx, first_unchecked=first_step)
    if c.quote is not None and ref is not None and not isinstance(ref, FileRef):
        c.add("RD-R001", "a quote block must cite a file's lines: ```quote path#L1-L3")


def drop_unverified_suggestions(citations: list[Citation], general: list[Finding],
                                ctx: VerifyContext) -> None:
    """A suggested reference is offered (to a person, to --fix, to the model in the repair
    loop) only if it passes the same checks as a citation: a nearest path with lines past
    its end, a reversed range that does not fit, a test the nearest file does not define
    are dropped, and the finding says what is wrong without a fix."""
    for c in citations:
        for f in c.findings:
            if f.suggestion is not None and not _verifies(f.suggestion, c.occurrence, ctx):
                f.suggestion, f.fixable = None, False
    for f in general:
        if f.code in CITE_SUGGESTED and f.suggestion is not None and not _verifies(
                f.suggestion, Occurrence("", None, f.line, 1, _NOWHERE), ctx):
            f.suggestion = None


def _verifies(suggestion: str, written: Occurrence, ctx: VerifyContext) -> bool:
    """The suggestion in place of the reference as written has no error or warning: its
    file, lines, symbol, test or steps are there. (A quote block's text is not held
    against it: a repaired path that leaves the quote at other lines is a step --fix takes
    next, and the quote's own finding says so.)"""
    try:
        ref = parse_ref(suggestion)
    except RefError:
        return False
    probe = Citation(dataclasses.replace(written, raw=suggestion, ref=ref, error=None,
                                         quote=None), written.line)
    check_citation(probe, ctx)
    return not any(f.severity in ("error", "warning") for f in probe.findings)


def _check_file_ref(c: Citation, ctx: VerifyContext) -> None:
    """File, then lines or symbol, then quote: each runs only if the one before held."""
    if not check_file(c, ctx):
        return
    check_patched_untouched(c, ctx)
    if check_lines(c, ctx) and check_symbol(c, ctx):
        check_quote(c, ctx)


def verify_body(body: str, ctx: VerifyContext, *, line_offset: int = 0,
                trace: int | None = None) -> list[Finding]:
    """The findings for an in-memory Markdown body (no file needed)."""
    return check_body(body, ctx, line_offset=line_offset, trace=trace).findings
