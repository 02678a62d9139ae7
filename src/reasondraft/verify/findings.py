"""The Finding (the JSON contract) and the table of stable finding codes.

A code never changes meaning once published: scripts and reviewers filter on it. The table
below is the single source for each code's severity and title (docs/verify.md repeats it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Severity = Literal["error", "warning", "info"]
Family = Literal["references", "hindsight", "test_claims", "f2p_coverage", "decisions",
                 "structure", "code_consistency", "hunks", "agent_path"]
FAMILIES: tuple[Family, ...] = get_args(Family)

CODES: dict[str, tuple[Severity, str]] = {
    "RD-R001": ("error", "malformed reference"),
    "RD-F001": ("error", "file not found at the revision"),
    "RD-F002": ("warning", "file exists only after the diff: the reference needs @patched"),
    "RD-F003": ("error", "path leaves the repository tree"),
    "RD-F004": ("warning", "@patched on a file the diff does not touch (@base is meant)"),
    "RD-L001": ("error", "line range outside the file"),
    "RD-L002": ("error", "line range inverted"),
    "RD-L003": ("error", "line 0 (lines count from 1)"),
    "RD-Q001": ("error", "quote does not match the referenced lines"),
    "RD-Q002": ("warning", "quote cites no lines"),
    "RD-S001": ("error", "symbol not defined in the file"),
    "RD-T001": ("error", "test not found"),
    "RD-T002": ("warning", "test said to fail before the fix is not in FAIL_TO_PASS"),
    "RD-P001": ("error", "step out of range"),
    "RD-P002": ("warning", "cited step mentions none of the paragraph's files"),
    "RD-P003": ("warning", "steps not checked: no trajectory"),
    "RD-C001": ("warning", "diff hunk not cited by any reference"),
    "RD-C002": ("warning", "diff hunk not described under ## Hunks"),
    "RD-D001": ("error", "the trace has no steps"),
    "RD-D002": ("error", "a step cites nothing"),
    "RD-D003": ("error", "the draft cites nothing"),
    "RD-D004": ("warning", "a trade-off or edge case cites nothing"),
    "RD-B001": ("error", "a line of the trace cannot be read"),
    "RD-B002": ("warning", "text outside any entry of a trace section"),
    "RD-B003": ("error", "a trace entry breaks a rule of the trace"),
    "RD-E001": ("warning", "a test claim disagrees with the harness evaluation"),
    "RD-E002": ("error", "the outcome disagrees with the harness evaluation"),
    "RD-E003": ("error", "a claim contradicts the harness evaluation"),
    "RD-T003": ("error", "a FAIL_TO_PASS test is not accounted for in Tests"),
    "RD-T004": ("error", "a PASS_TO_PASS test is said to fail before the change"),
    "RD-T005": ("error", "a test put in FAIL_TO_PASS is not in the task's FAIL_TO_PASS"),
    "RD-D005": ("error", "a decision weighs too few options"),
    "RD-D006": ("error", "the chosen option is none of the options"),
    "RD-D007": ("warning", "a decision's why rests on no evidence"),
    "RD-D008": ("error", "a required section is missing or empty"),
    "RD-D009": ("warning", "a sentence is repeated (filler)"),
    "RD-D010": ("warning", "a decision's options are copied from unrelated sentences"),
    "RD-D011": ("warning", "a section is far outside its length band"),
    "RD-D012": ("warning", "the number of steps is outside the guidelines"),
    "RD-K001": ("warning", "an identifier is in neither the diff, the cited lines nor the "
                           "repository"),
    "RD-K002": ("warning", "a hunk is not explained specifically"),
    "RD-H001": ("warning", "an observed step cites lines the agent had not seen by then"),
    "RD-H002": ("warning", "knows the fix before the evidence"),
    "RD-A001": ("warning", "a failure event of the agent path is not in the trace"),
    "RD-O001": ("error", "a test claim contradicts the output of the step it cites"),
    "RD-I001": ("error", "draft or task could not be read"),
    "RD-I002": ("warning", "the instance's test patch does not apply: tests it adds or "
                           "changes are not checked"),
}


# The family of every code, by prefix and number: a row holds from its number up to the next
# row of the same prefix. Codes reserved for checks still being written are placed already,
# so a new code lands in its family without touching this table. A code no row places (a
# prefix not known here) counts as a reference finding: it is about what a draft cites.
FAMILY_RANGES: tuple[tuple[str, int, Family], ...] = (
    ("RD-R", 1, "references"), ("RD-F", 1, "references"), ("RD-L", 1, "references"),
    ("RD-Q", 1, "references"), ("RD-S", 1, "references"), ("RD-P", 1, "references"),
    ("RD-I", 1, "references"),
    ("RD-T", 1, "references"), ("RD-T", 2, "test_claims"), ("RD-T", 3, "f2p_coverage"),
    ("RD-C", 1, "hunks"),
    ("RD-D", 1, "structure"), ("RD-D", 5, "decisions"), ("RD-D", 8, "structure"),
    ("RD-B", 1, "structure"),
    ("RD-E", 1, "test_claims"), ("RD-O", 1, "test_claims"),
    ("RD-H", 1, "hindsight"), ("RD-A", 1, "agent_path"),
    ("RD-K", 1, "code_consistency"), ("RD-K", 2, "hunks"), ("RD-K", 3, "code_consistency"),
)
DEFAULT_FAMILY: Family = "references"


def family(code: str) -> Family:
    """The check family a finding code belongs to (``checks`` in verify's JSON)."""
    prefix, number = code[:4], code[4:]
    if not number.isdigit():
        return DEFAULT_FAMILY
    n, placed = int(number), DEFAULT_FAMILY
    for row_prefix, first, name in FAMILY_RANGES:
        if row_prefix == prefix and first <= n:
            placed = name
    return placed


@dataclass
class Finding:
    """One problem with a draft, exactly the fields of the verify JSON contract (docs/verify.md):
    ``dataclasses.asdict`` is its JSON object. Not a pydantic model: verifying a draft that
    declares no trace format builds none (pydantic's model machinery is a fifth of a cold
    start) and a finding is only ever made here, never read back."""

    code: str
    severity: Severity
    ref: str | None
    line: int
    message: str
    suggestion: str | None = None
    fixable: bool = False


def finding(code: str, line: int, message: str, *, ref: str | None = None,
            suggestion: str | None = None, fixable: bool = False) -> Finding:
    """A finding with the severity its code is registered with."""
    return Finding(code=code, severity=CODES[code][0], ref=ref, line=line, message=message,
                   suggestion=suggestion, fixable=fixable and suggestion is not None)


def apply_severity(findings: list[Finding], overrides: dict[str, str]) -> list[Finding]:
    """The findings with the guidelines' severity for each overridden code (in place: the
    one place a team's guidelines decide what is an error)."""
    for f in findings:
        level = overrides.get(f.code)
        if level is not None:
            f.severity = level  # type: ignore[assignment]
    return findings


def summarize(findings: list[Finding], references: int) -> dict[str, int]:
    """The per-draft summary the review commands record: references, errors, warnings."""
    return {"references": references,
            "errors": sum(f.severity == "error" for f in findings),
            "warnings": sum(f.severity == "warning" for f in findings)}
