"""A format-2 trace's outcome and test claims against the harness evaluation.

The evaluation (the SWE-bench report for the diff, when one is known) is the authority on
what it measured: whether the diff resolves the task, and each listed test's result after
the diff. Without one the outcome is unknown, never assumed. What disagrees:

- RD-E002: the outcome is not the report's (resolved and source ``harness``; a report
  without a verdict may also be left as unknown, source ``none``); without a
  report, an outcome sourced from the harness, or said to be resolved (the agent could not
  run the hidden tests, so its own runs cannot show that);
- RD-E003: a test whose claimed result after the diff contradicts the report's (pass
  against fail);
- RD-E001: a test the report lists whose claim differs otherwise (set, ``after``, source
  ``harness``), a FAIL_TO_PASS test or a failing PASS_TO_PASS test of the report missing
  from the tests, a claim sourced from the harness the report does not make.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from reasondraft.trace import OutcomeSource, TestClaim, Trace
from reasondraft.verify.findings import Finding, finding
from reasondraft.verify.tests import parse_test_id

if TYPE_CHECKING:
    from reasondraft.diff import Patch
    from reasondraft.evaluation import Evaluation

SETS = ("FAIL_TO_PASS", "PASS_TO_PASS")
RESOLVED = {True: "true", False: "false", None: "null"}


def reported(evaluation: Evaluation) -> Iterator[tuple[str, str, str]]:
    """(test id, set, after) for every test of the report the trace must carry: every
    FAIL_TO_PASS test and each PASS_TO_PASS test that fails."""
    for name in SETS:
        results = evaluation.tests.get(name, {})
        for outcome, after in (("success", "pass"), ("failure", "fail")):
            for test in results.get(outcome, []):
                if name == "FAIL_TO_PASS" or after == "fail":
                    yield test, name, after


def disagreements(trace: Trace, evaluation: Evaluation | None, body: str, *,
                  skip: frozenset[str] = frozenset()) -> list[Finding]:
    """What the trace claims against the evaluation; lines are those of ``body`` (the
    trace rendered) where the outcome and each test are. A test's result that contradicts
    the report is an error (RD-E003); tests in ``skip`` are not reported missing (verify
    reports a missing FAIL_TO_PASS test once, as RD-T003)."""
    lines = body.split("\n")
    outcome_line = _line(lines, "## Outcome")
    outcome = trace.outcome
    found = []
    if evaluation is None:
        if outcome.source is OutcomeSource.HARNESS or outcome.resolved is True:
            found.append(finding("RD-E002", outcome_line, "there is no evaluation report, so "
                                 "the outcome is unknown: resolved null, source none (or "
                                 "false with source trajectory when the agent's own runs "
                                 "show it fails)"))
        found += [finding("RD-E001", _test_line(lines, t.id), f"{t.id}: source harness, but "
                          "there is no evaluation report; say 'expected' or the step that "
                          "ran it") for t in trace.tests if t.source == "harness"]
        return found
    unknown = evaluation.resolved is None and outcome.source is OutcomeSource.NONE
    if outcome.resolved != evaluation.resolved or not (
            outcome.source is OutcomeSource.HARNESS or unknown):
        found.append(finding("RD-E002", outcome_line, f"the evaluation report says resolved "
                             f"{RESOLVED[evaluation.resolved]}: the outcome must be resolved "
                             f"{RESOLVED[evaluation.resolved]} with source harness, not "
                             f"{RESOLVED[outcome.resolved]} from {outcome.source.value}"))
    claims = {t.id: t for t in trace.tests}
    listed = set()
    for test, name, after in reported(evaluation):
        listed.add(test)
        claim = claims.get(test)
        if claim is None and test not in skip:
            found.append(finding("RD-E001", outcome_line, f"{test} ({name}) is in the "
                                 f"evaluation report (after: {after}) but not in the tests"))
        elif claim is None:
            continue
        elif (claim.set.value, claim.after.value, claim.source) != (name, after, "harness"):
            found.append(finding(_code(claim.after.value, after), _test_line(lines, test),
                                 f"{test}: the report has it in {name} with after: {after} "
                                 f"(source harness); the trace says {claim.set.value}, "
                                 f"after: {claim.after.value}, source {claim.source}"))
    for claim in trace.tests:
        if claim.source == "harness" and claim.id not in listed and \
                evaluation.after(claim.id) is None:
            found.append(finding("RD-E001", _test_line(lines, claim.id), f"{claim.id}: source "
                                 "harness, but the evaluation report does not list it"))
    return found


def _code(claimed: str, after: str) -> str:
    """RD-E003 when the claimed result contradicts the report's, else RD-E001."""
    contradicts = claimed in ("pass", "fail", "error") and (claimed == "pass") != (after == "pass")
    return "RD-E003" if contradicts else "RD-E001"


def hidden_tests(test_patch: Patch | None) -> set[tuple[str, str]]:
    """(file, function) of every test function the instance's test patch adds: the agent
    could not see them."""
    hidden: set[tuple[str, str]] = set()
    for diff in test_patch or []:
        added, removed = set(), set()
        for hunk in diff.hunks:
            for line in hunk.lines:
                name = _defined(line.text)
                if name and line.kind == "+":
                    added.add(name)
                elif name and line.kind == "-":
                    removed.add(name)
        hidden |= {(diff.path, name) for name in added - removed}
    return hidden


def is_hidden(test: TestClaim | str, hidden: set[tuple[str, str]]) -> bool:
    """True if the test (a claim or a node id) is one the test patch adds."""
    parsed = parse_test_id(test.id if isinstance(test, TestClaim) else test)
    return (parsed.path or "", parsed.name) in hidden


def _defined(text: str) -> str | None:
    words = text.strip().replace("(", " ").split()
    if words[:1] == ["async"]:
        words = words[1:]
    return words[1] if len(words) > 1 and words[0] == "def" else None


def _line(lines: list[str], heading: str) -> int:
    return next((n for n, line in enumerate(lines, start=1) if line == heading), 1)


def _test_line(lines: list[str], test: str) -> int:
    head = f"- [[test:{test}]]"
    return next((n for n, line in enumerate(lines, start=1) if line.startswith(head)), 1)
