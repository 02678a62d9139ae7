"""What a trace claims about the outcome and the task's tests, against the evaluation report
and the instance's test lists.

- the evaluation (format 2: :func:`~reasondraft.verify.outcome.disagreements`, RD-E001..3;
  either format: a Summary or Solution sentence saying the task is resolved, or that a test
  the report lists as failing passes, and a format-1 test said to pass after that fails,
  RD-E003). Prose is read conservatively: a sentence with a negation or a hedge is no claim;
- every FAIL_TO_PASS test of the instance is in Tests (RD-T003); a PASS_TO_PASS test is not
  said to fail before the change (RD-T004). A test put in FAIL_TO_PASS that the instance
  does not list is RD-T005 (format 2) or RD-T002 (format-1 prose), from
  :func:`reasondraft.verify.tests.check_fails_before`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from reasondraft.body.markdown import Section, split_sections
from reasondraft.refs import TestRef
from reasondraft.trace import TestResult, TestSet, Trace
from reasondraft.verify.context import VerifyContext
from reasondraft.verify.findings import Finding, finding
from reasondraft.verify.outcome import disagreements
from reasondraft.verify.tests import parse_test_id

if TYPE_CHECKING:  # at run time a cycle: importing evidence registers this module
    from reasondraft.trace_v1 import TraceV1  # only format 1 needs it
    from reasondraft.verify.evidence import Draft

PROSE = ("## Summary", "## Solution")
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z`\[])")
HEDGE = re.compile(r"\b(not|no|never|unknown|whether|would|could|might|may|if|expected|"
                   r"predict\w*|unless|cannot|can't|doesn't|does not|isn't|fails?|but|until)\b"
                   r"|n't\b", re.IGNORECASE)
RESOLVES = re.compile(r"\b(resolves|fixes|solves) the (task|issue|bug|problem)\b|"
                      r"\b(task|issue) is (resolved|fixed)\b|\ball (the )?tests pass\b|"
                      r"\bthe (whole |full )?(test )?suite passes\b", re.IGNORECASE)
PASSES = re.compile(r"\bpass(es|ed)?\b|\bnow succeeds\b", re.IGNORECASE)
TEST_REF = re.compile(r"\[\[test:([^\]]+)\]\]")


def check_claims(draft: Draft) -> list[Finding]:
    """Claims against the evaluation report, and the FAIL_TO_PASS tests accounted for."""
    ctx, trace, lines = draft.ctx, draft.parsed.trace, draft.body.split("\n")
    offset = draft.line_offset
    found = _coverage(trace, ctx, lines, offset)
    missing = frozenset((f.ref or "").removeprefix("test:") for f in found
                        if f.code == "RD-T003")
    if isinstance(trace, Trace):
        found += [replace(f, line=f.line + offset)
                  for f in disagreements(trace, ctx.evaluation, draft.body, skip=missing)]
    if ctx.evaluation is not None and ctx.evaluation.resolved is not None:
        found += _prose(draft.body, ctx, offset)
        if not isinstance(trace, Trace):  # format 1: each test says whether it passes after
            for test in trace.tests:
                if test.passes_after and ctx.evaluation.after(_node(test.test)) == "fail":
                    found.append(finding("RD-E003", _line(lines, test.test) + offset,
                                         f"{_node(test.test)} is said to pass after the fix, "
                                         "but the evaluation report lists it as failing",
                                         ref=f"test:{_node(test.test)}"))
    return found


def _coverage(trace: Trace | TraceV1, ctx: VerifyContext, lines: list[str],
              offset: int) -> list[Finding]:
    """RD-T003 for each FAIL_TO_PASS test not in Tests; RD-T004 for a PASS_TO_PASS test
    said to fail before."""
    instance = ctx.instance
    if instance is None:
        return []
    tests_line = next((n for n, line in enumerate(lines, 1) if line == "## Tests"), 0)
    # A format-2 entry that also puts the test in FAIL_TO_PASS is RD-T005 (one finding).
    claims = [(t.id, t.before in (TestResult.FAIL, TestResult.ERROR)
               and t.set is not TestSet.FAIL_TO_PASS) for t in trace.tests] \
        if isinstance(trace, Trace) else [(_node(t.test), t.fails_before) for t in trace.tests]
    # Format 1 has no entry per test: a mention anywhere in its Tests section counts.
    text = "" if isinstance(trace, Trace) or not tests_line else "\n".join(lines[tests_line:])
    text = text.split("\n## ", 1)[0]
    mentioned = TEST_REF.findall(text)
    found = []
    for test in instance.FAIL_TO_PASS:
        name = parse_test_id(test).name
        if not any(_same(test, claimed) for claimed in [c for c, _ in claims] + mentioned) \
                and not (text and name and re.search(rf"\b{re.escape(name)}\b", text)):
            found.append(finding("RD-T003", (tests_line or 1) + offset, f"{test} is a FAIL_TO_PASS "
                                 "test of the task but Tests does not account for it: give "
                                 "its result before and after, with the source",
                                 ref=f"test:{test}"))
    for claimed, fails_before in claims:
        if fails_before and any(_same(test, claimed) for test in instance.PASS_TO_PASS) and \
                not any(_same(test, claimed) for test in instance.FAIL_TO_PASS):
            found.append(finding("RD-T004", _line(lines, claimed) + offset, f"{claimed} is a "
                                 "PASS_TO_PASS test (it passes before the change), but Tests "
                                 "says it fails before", ref=f"test:{claimed}"))
    return found


def _prose(body: str, ctx: VerifyContext, offset: int) -> list[Finding]:
    """Summary (and format-1 Solution) sentences that state what the report contradicts."""
    evaluation = ctx.evaluation
    assert evaluation is not None
    found = []
    for part in split_sections(body):
        if part.heading not in PROSE:
            continue
        for line, sentence in _sentences(part):
            if HEDGE.search(TEST_REF.sub("", sentence)):
                continue
            if evaluation.resolved is False and RESOLVES.search(sentence):
                found.append(finding("RD-E003", line + offset, f"{part.title}: '"
                                     f"{sentence[:80]}' says the change works, but the "
                                     "evaluation report says resolved false"))
            elif PASSES.search(TEST_REF.sub("", sentence)):
                for test in TEST_REF.findall(sentence):
                    if evaluation.after(test) == "fail":
                        found.append(finding("RD-E003", line + offset, f"{part.title}: {test} "
                                             "is said to pass, but the evaluation report "
                                             "lists it as failing", ref=f"test:{test}"))
    return found


def _sentences(part: Section) -> list[tuple[int, str]]:
    """(body line, sentence) of a prose section."""
    found = []
    for number, text in enumerate(part.lines, start=part.start):
        found += [(number, s) for s in SENTENCE.split(text.strip()) if s]
    return found


def _node(text: str) -> str:
    match = TEST_REF.search(text)
    return (match.group(1) if match else text).strip()


def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    x, y = parse_test_id(a), parse_test_id(b)
    return bool(x.name) and x.name == y.name and not (x.path and y.path and x.path != y.path) \
        and not (x.classes and y.classes and x.classes[-1] != y.classes[-1])


def _line(lines: list[str], test: str) -> int:
    """The body line of the Tests entry for ``test`` (other sections cite tests too)."""
    ref = f"[[{TestRef(test).format()}]]"
    start = next((n for n, line in enumerate(lines) if line == "## Tests"), 0)
    return next((n for n, line in enumerate(lines[start:], start + 1) if ref in line
                 and line.lstrip().startswith("-")), start + 1)
