"""A trace draft is not empty or hollow, and every line of a format-2 trace is read:
structure findings on drafts on disk, with their lines in draft.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reasondraft.verify import exit_status, verify_draft

HOLLOW = "## Outcome\n\nResolved: unknown · Source: none\n\n## Summary\n\nIt works.\n"
ONE_STEP = ("## Summary\n\nThe guard [[pkg/core.py#L42-L43@patched]].\n\n"
            "## Step 1: Read the guard\n\nIt is in [[pkg/core.py::merge_setting]].\n\n"
            "## Step 2: Think it over\n\nNothing cited here.\n")
HUNKS = ("- [[pkg/core.py#L42-L43@patched]] · necessary · purpose: return early\n"
         "- [[pkg/core.py#L4@patched]] · necessary · purpose: the timeout\n"
         "- [[pkg/new_name.py]] · incidental · purpose: the rename\n")
V2 = ("## Outcome\n\nResolved: unknown · Source: none\n\n## Summary\n\nThe guard "
      "[[pkg/core.py#L42-L43@patched]].\n\n## Root cause\n\nWhere: [[pkg/core.py::merge_setting]]"
      "\n\nIt returns too late.\n\n## Step 1: Read the guard\n\nPhase: localize · Basis: "
      "inferred\n\nIt is in [[pkg/core.py::merge_setting]].\n\n## Hunks\n\n" + HUNKS +
      "\n## Trade-offs\n\n- none worth noting\n- one more check [[pkg/core.py#L42@patched]]\n\n"
      "## Tests\n\n- [[test:tests/test_core.py::TestMerge::test_request_none]] · FAIL_TO_PASS · "
      "hidden · before: fail · after: pass · source: expected · why: the early return\n")


def line_of(folder: Path, text: str) -> int:
    lines = (folder / "draft.md").read_text().splitlines()
    return next(n for n, line in enumerate(lines, start=1) if text in line)


STRUCTURE = ("RD-D001", "RD-D002", "RD-D003", "RD-D004", "RD-B")  # the evidence checks aside


def codes(report) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in report.findings if f.code.startswith(STRUCTURE)]


def test_a_trace_without_steps_or_references_is_an_error(project, tmp_path) -> None:
    folder = project.task_folder(tmp_path / "t", HOLLOW, front={"format": 2})
    report = verify_draft(folder)
    first = line_of(folder, "## Outcome")
    assert codes(report) == [("RD-D001", first), ("RD-D003", first), ("RD-B003", first)]
    assert "root cause names no place" in next(
        f.message for f in report.findings if f.code == "RD-B003")
    missing = [f.message for f in report.findings if f.code == "RD-D008"]
    assert missing == [f"the required section '## {name}' is missing" for name in (
        "Root cause", "Hunks", "Trade-offs", "Edge cases", "Tests")]
    untold = [f.ref for f in report.findings if f.code == "RD-T003"]  # no Tests section
    assert untold == ["test:tests/test_core.py::TestMerge::test_request_none"]
    assert report.summary["errors"] == 3 + len(missing) + 1
    assert exit_status([report]) == 1


def test_a_step_that_cites_nothing_is_an_error_in_format_1_too(project, tmp_path) -> None:
    folder = project.task_folder(tmp_path / "t", ONE_STEP, front={"format": 1})
    report = verify_draft(folder)
    [hollow] = [f for f in report.findings if f.code.startswith(STRUCTURE)]
    assert (hollow.code, hollow.line) == ("RD-D002", line_of(folder, "## Step 2: Think it over"))
    assert "Step 2: Think it over cites nothing" in hollow.message


def test_markdown_without_a_declared_format_is_checked_for_references_only(project,
                                                                           tmp_path) -> None:
    for body in (HOLLOW, ONE_STEP):
        folder = project.task_folder(tmp_path / str(len(body)), body)
        assert codes(verify_draft(folder)) == []


def test_format_2_draft_is_read_line_by_line(project, tmp_path) -> None:
    body = V2.replace("Basis: inferred", "Basis: inferred - Mood: good")
    folder = project.task_folder(tmp_path / "t", body, front={"format": 2})
    report = verify_draft(folder)
    assert codes(report) == [("RD-B001", line_of(folder, "Mood: good")),
                             ("RD-D004", line_of(folder, "- none worth noting"))]
    assert "Mood: good" in report.findings[[f.code for f in report.findings].index(
        "RD-B001")].message
    uncovered = [f for f in report.findings if f.code == "RD-C002"]
    assert len(uncovered) == 3  # the CRLF file, pkg/added.py and the renamed file's lines
    assert all("not described under '## Hunks'" in f.message for f in uncovered)


def test_a_test_put_in_fail_to_pass_must_be_listed_there(project, tmp_path) -> None:
    body = V2.replace("TestMerge::test_request_none]] · FAIL_TO_PASS",
                      "TestMerge::test_both]] · FAIL_TO_PASS")
    folder = project.task_folder(tmp_path / "t", body, front={"format": 2})
    # An entry putting the test in the set is an error (RD-T005), not prose (RD-T002).
    [finding] = [f for f in verify_draft(folder).findings if f.code in ("RD-T002", "RD-T005")]
    assert (finding.code, finding.severity) == ("RD-T005", "error")
    assert finding.ref == "test:tests/test_core.py::TestMerge::test_both"


@pytest.mark.parametrize("value", ["3", "'two'", "true"])
def test_an_unknown_trace_format_is_bad_input(project, tmp_path, value: str) -> None:
    folder = project.task_folder(tmp_path / "t", ONE_STEP)
    draft = folder / "draft.md"
    draft.write_text(draft.read_text().replace("---\n", f"---\nformat: {value}\n", 1))
    result = subprocess.run([sys.executable, "-m", "reasondraft", "verify", str(folder)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "is not a trace format" in result.stderr
