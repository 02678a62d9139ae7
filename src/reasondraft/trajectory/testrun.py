"""What a test run's output says: counts, the tests that failed, the tests that passed.

Read from the text a runner prints, never by running anything: pytest's summary line
(``1 failed, 35 passed in 0.12s``) with its ``FAILED``/``ERROR`` lines and, when verbose,
``path::test PASSED``; unittest's and Django's ``Ran N tests`` then ``OK`` or
``FAILED (failures=1, errors=2)`` with ``FAIL: test_x (module.Class)`` headers and verbose
``test_x (module.Class) ... ok``; tox's ``commands succeeded``/``congratulations`` or
``commands failed``/``FAIL code N``. Only the head and tail of a long output are scanned (runners
put their verdict at the end), so one observation costs at most :data:`SCAN` characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SCAN = 48_000  # characters read from each end of an output

_PYTEST_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)\b")
_PYTEST_SUMMARY = re.compile(r"^=*\s*(?:\d+ \w+(?:, )?)+.*\bin [\d.]+\s*s", re.MULTILINE)
_PYTEST_LINE = re.compile(r"^(FAILED|ERROR) (\S+)", re.MULTILINE)
_PYTEST_VERBOSE = re.compile(r"^(\S+::\S+) (PASSED|FAILED|ERROR)\b", re.MULTILINE)
_UNITTEST_RAN = re.compile(r"^Ran (\d+) tests? in ", re.MULTILINE)
_UNITTEST_VERDICT = re.compile(r"^(OK|FAILED)\b(?: \(([^)\n]*)\))?", re.MULTILINE)
_UNITTEST_HEADER = re.compile(r"^(FAIL|ERROR): (\w+) \(([\w.]+)\)", re.MULTILINE)
_UNITTEST_VERBOSE = re.compile(r"^(\w+) \(([\w.]+)\)(?: \S.*)? \.\.\. (ok|FAIL|ERROR)$",
                               re.MULTILINE)
_DJANGO_ID = re.compile(r"^(\w+) \(([\w.]+)\)$")
_TOX_FAIL = re.compile(r"\bcommands failed\b|^\s*\S+: FAIL code \d+|^ERROR:\s+\S+: ",
                       re.MULTILINE)
_TOX_OK = re.compile(r"\bcongratulations :\)|^\s*\S+: (?:commands succeeded|OK \()",
                     re.MULTILINE)


@dataclass
class TestRun:
    """The verdict of one run. ``failing``/``passing`` hold test ids as the runner printed
    them (a pytest node id, or ``Class.test_x`` for unittest); ``ok`` is None when the output
    has no verdict a runner prints."""

    __test__ = False
    runner: str
    passed: int = 0
    failed: int = 0
    errors: int = 0
    failing: list[str] = field(default_factory=list)
    passing: list[str] = field(default_factory=list)
    ok: bool | None = None

    def says(self) -> str:
        """What the output says, in the runner's words (for a finding)."""
        if self.runner == "tox":
            return "tox reports success" if self.ok else "tox reports failed commands"
        parts = [f"{n} {word}" for n, word in ((self.failed, "failed"), (self.errors, "errors"),
                                              (self.passed, "passed")) if n]
        return ", ".join(parts) or ("all passed" if self.ok else "failed")


def bounded(text: str, limit: int = SCAN) -> str:
    """The head and tail of ``text``, at most ``2 * limit`` characters."""
    return text if len(text) <= 2 * limit else text[:limit] + "\n" + text[-limit:]


def parse_test_output(text: str) -> TestRun | None:
    """The verdict of a test run's output, or None when no runner's verdict is in it."""
    text = bounded(text).replace("\r\n", "\n")
    return _pytest(text) or _unittest(text) or _tox(text)


def _pytest(text: str) -> TestRun | None:
    summaries = _PYTEST_SUMMARY.findall(text)
    if not summaries:
        return None
    counts: dict[str, int] = {}
    for number, word in _PYTEST_COUNT.findall(summaries[-1]):
        counts[word.rstrip("s") if word.startswith("error") else word] = int(number)
    run = TestRun("pytest", counts.get("passed", 0), counts.get("failed", 0),
                  counts.get("error", 0))
    if not (run.passed or run.failed or run.errors):
        return None  # nothing ran ("2 warnings in 0.01s", all deselected): no verdict
    run.failing.extend(node for _, node in _PYTEST_LINE.findall(text))
    for node, outcome in _PYTEST_VERBOSE.findall(text):
        (run.passing if outcome == "PASSED" else run.failing).append(node)
    run.ok = run.failed == 0 and run.errors == 0
    return run


def _unittest(text: str) -> TestRun | None:
    ran = _UNITTEST_RAN.findall(text)
    verdicts = _UNITTEST_VERDICT.findall(text)
    if not ran or not verdicts:
        return None
    verdict, detail = verdicts[-1]
    numbers = dict(re.findall(r"(\w+)=(\d+)", detail))
    run = TestRun("unittest", failed=int(numbers.get("failures", 0)),
                  errors=int(numbers.get("errors", 0)))
    run.passed = max(int(ran[-1]) - run.failed - run.errors - int(numbers.get("skipped", 0)), 0)
    run.failing = [f"{where.rsplit('.', 1)[-1]}.{name}"
                   for _, name, where in _UNITTEST_HEADER.findall(text)]
    for name, where, outcome in _UNITTEST_VERBOSE.findall(text):
        if outcome == "ok":
            run.passing.append(f"{where.rsplit('.', 1)[-1]}.{name}")
    run.ok = verdict == "OK"
    return run


def _tox(text: str) -> TestRun | None:
    if _TOX_FAIL.search(text):
        return TestRun("tox", failed=1, ok=False)
    if _TOX_OK.search(text):
        return TestRun("tox", ok=True)
    return None


def same_test(claimed: str, printed: str) -> bool:
    """True if a printed test id (pytest node id or ``Class.test``) names the claimed one
    (a node id from a draft); parametrization is ignored only when the claim has none."""
    printed = printed.split(" ", 1)[0]
    if claimed == printed:
        return True
    claim_path, _, claim_rest = claimed.rpartition("::") if "::" in claimed else ("", "", claimed)
    if "[" not in claim_rest:
        printed = printed.split("[", 1)[0]
    if "::" in printed:
        path, _, rest = printed.rpartition("::")
        return rest == claim_rest and (not claim_path or path == claim_path
                                       or path.endswith("/" + claim_path)
                                       or claim_path.endswith("/" + path))
    # unittest: 'Class.test_x' against 'tests/test_a.py::Class::test_x' or 'test_x (m.Class)'
    django = _DJANGO_ID.match(claimed)
    want = f"{django.group(2)}.{django.group(1)}" if django else claimed.replace("::", ".")
    return want == printed or want.endswith("." + printed)
