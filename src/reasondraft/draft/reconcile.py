"""Make a drafted trace agree with what is known for certain, before it is written.

The choice: facts the evaluation report measured are set from it deterministically after the
model answers, not left to the model. The repair loop also sends the model every
disagreement (RD-E001/RD-E002, :mod:`reasondraft.verify.outcome`) so that its prose -- the
outcome's account, each test's why -- is rewritten to match, but whatever it still gets
wrong after ``--max-repairs`` is corrected here, so a draft never states a result against
the harness:

- with a report: ``outcome`` is the report's verdict with source ``harness`` (the model's
  account is kept when it has one for a failure, else one naming the failing tests); each
  test the report lists gets its set, its ``after`` and source ``harness`` (``before`` as
  its set defines it: FAIL_TO_PASS tests fail at the base, PASS_TO_PASS tests pass); every
  FAIL_TO_PASS test and failing PASS_TO_PASS test missing from the trace is added; a claim
  sourced from the harness that the report does not make becomes ``expected``;
- without one: an outcome from the harness, or a resolved one (the agent cannot run the
  hidden tests, so its runs cannot show that), becomes unknown; test claims from the
  harness become ``expected``;
- a test the instance's test patch adds is not visible to the agent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reasondraft.trace import (
    Outcome,
    OutcomeSource,
    TestClaim,
    TestResult,
    TestSet,
    Trace,
)
from reasondraft.verify.outcome import is_hidden, reported

if TYPE_CHECKING:
    from reasondraft.evaluation import Evaluation

BEFORE = {"FAIL_TO_PASS": TestResult.FAIL, "PASS_TO_PASS": TestResult.PASS}
ORDER = {TestSet.FAIL_TO_PASS: 0, TestSet.PASS_TO_PASS: 1, TestSet.OTHER: 2}


def reconcile(trace: Trace, evaluation: Evaluation | None,
              hidden: set[tuple[str, str]]) -> Trace:
    """``trace`` with its outcome and test claims made to agree with ``evaluation`` and the
    test patch's ``hidden`` tests (see the module docstring)."""
    tests = [_claim(t, evaluation) for t in trace.tests]
    if evaluation is not None:
        present = {t.id for t in tests}
        tests += [TestClaim(id=test, set=TestSet(name), visible_to_agent=True,
                            before=BEFORE[name], after=TestResult(after), source="harness")
                  for test, name, after in reported(evaluation) if test not in present]
    tests = [t.model_copy(update={"visible_to_agent": False}) if is_hidden(t, hidden) else t
             for t in tests]
    tests.sort(key=lambda t: ORDER[t.set])
    return trace.model_copy(update={"outcome": _outcome(trace.outcome, evaluation),
                                    "tests": tests})


def _outcome(outcome: Outcome, evaluation: Evaluation | None) -> Outcome:
    if evaluation is None:
        if outcome.source is OutcomeSource.HARNESS or outcome.resolved is True:
            return Outcome(resolved=None, source=OutcomeSource.NONE)
        return outcome
    account = ""
    if evaluation.resolved is False:
        account = outcome.account if outcome.resolved is False and outcome.account else \
            _account(evaluation)
    elif evaluation.resolved is None:
        account = evaluation.reason or "the evaluation report gives no verdict"
    return Outcome(resolved=evaluation.resolved, source=OutcomeSource.HARNESS, account=account)


def _account(evaluation: Evaluation) -> str:
    if evaluation.patch_applied is False:
        return "the harness could not apply the patch"
    failing = evaluation.failing()
    if not failing:
        return "the harness reports the task unresolved"
    return "the harness reports failing after the patch: " + ", ".join(
        f"[[test:{test}]]" for test in failing)


def _claim(test: TestClaim, evaluation: Evaluation | None) -> TestClaim:
    after = evaluation.after(test.id) if evaluation is not None else None
    if after is None:
        return test.model_copy(update={"source": "expected"}) if test.source == "harness" \
            else test
    name = next((n for n, results in evaluation.tests.items()  # type: ignore[union-attr]
                 if test.id in results.get("success", []) + results.get("failure", [])), None)
    update: dict[str, object] = {"after": TestResult(after), "source": "harness"}
    if name in BEFORE:
        update |= {"set": TestSet(name), "before": BEFORE[name]}
    return test.model_copy(update=update)
