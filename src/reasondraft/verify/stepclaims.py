"""Test claims against the step they cite: "the suite passes [[step:12]]" must agree with
what step 12's test run printed (RD-O001).

A claim is read conservatively, one clause at a time: a subject (a ``[[test:...]]``
reference, or "the suite" / "all tests" / "every test") followed by a pass or fail verb,
with the ``[[step:N]]`` it cites in the same clause. A clause with a negation or a
conditional ("does not pass", "would fail", "if") says nothing checkable and is skipped, and
a claim is a contradiction only when every test run it cites says the opposite. The
structured Tests section (format 2) is checked from its fields: the result on the side of the
fix the run was on, against the run's verdict for that test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from reasondraft.refs import StepRef, TestRef, parse_ref
from reasondraft.trace import Trace
from reasondraft.trajectory.history import History
from reasondraft.trajectory.testrun import TestRun, same_test
from reasondraft.verify.findings import Finding, finding
from reasondraft.verify.timeline import history

if TYPE_CHECKING:  # at run time a cycle: importing evidence registers this module
    from reasondraft.verify.evidence import Draft

_REF = re.compile(r"\[\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_CLAUSE = re.compile(r";|:\s|,?\s+(?:but|while|whereas|although|though)\s+")
_HEDGE = re.compile(r"\b(?:not|no longer|never|cannot|would|should|could|might|may|if|unless|"
                    r"whether|expected|expects?|predicts?|until)\b|n't\b", re.IGNORECASE)
_FILLER = r"(?:\s+(?:now|still|then|also|again|all|both|is|are|was|were|indeed|finally))*"
_VERB = r"\s+(pass(?:es|ed|ing)?|succeed(?:s|ed)?|fail(?:s|ed|ing)?|error(?:s|ed)?)\b"
_SUITE_CLAIM = re.compile(r"\b(?:suite|all (?:the )?(?:\w+ )?tests|every test)" + _FILLER + _VERB,
                          re.IGNORECASE)
_TEST_CLAIM = re.compile(r"((?:\x00\d+\x00(?:,?\s+(?:and\s+)?)?)+)" + _FILLER + _VERB,
                         re.IGNORECASE)
_ANY_VERB = re.compile(r"\b(?:pass|succeed|fail|error)", re.IGNORECASE)
_TOKEN = re.compile(r"\x00(\d+)\x00")
SKIPPED_SECTIONS = ("Tests", "Hunks")


@dataclass(frozen=True)
class Claim:
    """A clause saying that ``subject`` (a test id, or None for the suite) passes or fails,
    citing trajectory ``steps``; ``text`` is the clause as written."""

    subject: str | None
    passes: bool
    steps: tuple[int, ...]
    text: str


@lru_cache(maxsize=4096)
def read_claims(text: str) -> tuple[Claim, ...]:
    """The pass/fail claims of a paragraph or list item (cached: hindsight and the step
    check read the same blocks, and the repair loop the same drafts)."""
    if not _ANY_VERB.search(text):
        return ()
    refs = [m.group(1) for m in _REF.finditer(text)]
    masked = _mask(text)
    found = []
    for sentence in _SENTENCE.split(masked):
        for clause in _CLAUSE.split(sentence):
            if _HEDGE.search(clause):
                continue
            steps, tests = _refs_in(clause, refs)
            shown = _TOKEN.sub(lambda m: f"[[{refs[int(m.group(1))]}]]", clause).strip()
            suite = _SUITE_CLAIM.search(clause)
            if suite:
                found.append(Claim(None, _passes(suite.group(1)), steps, shown))
            for match in _TEST_CLAIM.finditer(clause):
                for index in _TOKEN.findall(match.group(1)):
                    if int(index) in tests:
                        found.append(Claim(tests[int(index)], _passes(match.group(2)), steps,
                                           shown))
    return tuple(found)


def _mask(text: str) -> str:
    """The text with each reference replaced by a token holding its index."""
    counter = iter(range(1 << 30))
    return _REF.sub(lambda _: f"\x00{next(counter)}\x00", text)


def _refs_in(clause: str, refs: list[str]) -> tuple[tuple[int, ...], dict[int, str]]:
    steps: list[int] = []
    tests: dict[int, str] = {}
    for index in map(int, _TOKEN.findall(clause)):
        try:
            ref = parse_ref(refs[index])
        except ValueError:
            continue
        if isinstance(ref, StepRef) and 0 < ref.start <= ref.last:
            steps.extend(range(ref.start, ref.last + 1))
        elif isinstance(ref, TestRef):
            tests[index] = ref.node_id
    return tuple(steps), tests


def _passes(verb: str) -> bool:
    return verb.lower().startswith(("pass", "succeed"))


def contradicts(claim_subject: str | None, run: TestRun, hist: History, step: int, *,
                passes: bool) -> str | None:
    """What the run's output says against the claim, or None when it does not contradict."""
    if claim_subject is None:
        if run.ok is None or run.ok == passes:
            return None
        failing = f" ({', '.join(run.failing[:3])} failing)" if run.failing else ""
        return run.says() + failing
    if passes and any(same_test(claim_subject, p) for p in run.failing):
        return f"{run.says()}, and it lists {claim_subject} as failing"
    if not passes and (any(same_test(claim_subject, p) for p in run.passing)
                       or (run.ok is True and hist.ran_at(step, claim_subject))):
        return f"{run.says()}: {claim_subject} passed"
    return None


def check_step_claims(draft: Draft) -> list[Finding]:
    """RD-O001: a test claim that contradicts the test run of the step it cites."""
    hist = history(draft.ctx)
    if hist is None or not hist.runs:
        return []
    found = []
    blocks = {c.block.index: c for c in draft.citations if isinstance(c.ref, StepRef)
              and c.block.section not in SKIPPED_SECTIONS}
    for first in blocks.values():
        for claim in read_claims(first.block.text):
            cited = [n for n in claim.steps if n in hist.runs]
            against = [contradicts(claim.subject, hist.runs[n], hist, n, passes=claim.passes)
                       for n in cited]
            if cited and all(against):
                steps = ", ".join(map(str, cited))
                found.append(finding("RD-O001", first.line, f"'{claim.text[:100]}' "
                                     f"contradicts step {steps}: its output says "
                                     f"{'; '.join(a for a in against if a)}",
                                     ref=f"step:{cited[0]}"))
    return found + _test_entries(draft, hist)


def _test_entries(draft: Draft, hist: History) -> list[Finding]:
    """Tests entries (format 2) with ``source: step:N`` against step N's run."""
    trace = draft.parsed.trace
    if not isinstance(trace, Trace):
        return []
    lines = {c.raw: c.line for c in draft.citations if c.block.section == "Tests"}
    found = []
    for test in trace.tests:
        if not test.source.startswith("step:"):
            continue
        step = int(test.source.removeprefix("step:"))
        run = hist.runs.get(step)
        if run is None:
            continue
        after = any(first <= step for path, first in hist.first_edit.items()
                    if draft.ctx.touched(path))
        result = test.after if after else test.before
        if result.value not in ("pass", "fail", "error"):
            continue
        against = contradicts(test.id, run, hist, step, passes=result.value == "pass")
        if against:
            side = "after" if after else "before"
            found.append(finding("RD-O001", lines.get(f"test:{test.id}", draft.line_offset + 1),
                                 f"Tests: {test.id} {side}: {result.value} with source step "
                                 f"{step} contradicts it: its output says {against}",
                                 ref=f"test:{test.id}"))
    return found
