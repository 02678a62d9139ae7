"""The issue's six planted defects on the example task, each caught by a finding that names
what is wrong, and the untouched drafted example giving no finding at all.

The example is drafted for real (``run_demo``: the fixture model, the repair loop, the
bundled repository and trajectory); each test copies the task folder and plants one defect
by editing draft.md as a careless annotator would, then runs ``verify`` on the file.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from reasondraft.draft.demo import run_demo
from reasondraft.verify import Finding, verify_draft
from reasondraft.verify.findings import family

F2P_DROPPED = "tests/test_merge.py::test_delete_inside_a_new_section_is_applied"
P2P = "tests/test_merge.py::test_leaf_values_are_shared_not_copied"
HINDSIGHT = ("The layout [[step:1]] shows",
             "The fix will copy the structure [[tinyconf/merge.py#L42-L43@patched]]. "
             "The layout [[step:1]] shows")
SUITE = ("The whole visible suite passes [[step:21]]", "The whole suite passes [[step:12]]")
DECISION = (
    "- Considered: store a _copy_tree of the override's section\n"
    "- Considered: create an empty dict and merge the section into it\n"
    "- Chosen: create an empty dict and merge the section into it\n",
    "- Chosen: rewrite the library in Rust\n")
REJECTED = ("- Against store a _copy_tree of the override's section: the copy would keep the "
            "DELETE markers the issue reports\n", "")
SOLUTION = ("The diff copies the mapping structure of the base (never the leaf values)",
            "The fix uses `copy.deepcopy` on the base")


@dataclass
class Planted:
    """A task folder whose draft.md carries a planted defect; ``lines`` are the draft lines
    the planted text occupies."""

    draft: Path
    lines: range

    def findings(self) -> list[Finding]:
        return verify_draft(self.draft).findings


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example task drafted as ``reasondraft demo`` drafts it: its folder."""
    _, result = run_demo(tmp_path_factory.mktemp("demo") / "work")
    return result.folder


@pytest.fixture
def plant(example: Path, tmp_path: Path) -> Callable[..., Planted]:
    """Copy the drafted task folder and replace text in its draft.md (each must occur once)."""
    def edit(*changes: tuple[str, str]) -> Planted:
        folder = shutil.copytree(example, tmp_path / example.name)
        draft = folder / "draft.md"
        text = draft.read_text(encoding="utf-8")
        lines: list[int] = []
        for old, new in changes:
            assert text.count(old) == 1, old
            at = text.index(old)
            text = text.replace(old, new)
            first = text.count("\n", 0, at) + 1
            lines += range(first, first + max(new.count("\n"), 1))
        draft.write_text(text, encoding="utf-8")
        return Planted(draft, range(min(lines), max(lines) + 1))
    return edit


def about(found: list[Finding], name: str, *words: str) -> list[Finding]:
    """The findings of one family whose message or reference names every word."""
    return [f for f in found if family(f.code) == name
            and all(w in f"{f.message} {f.ref or ''}" for w in words)]


def test_the_untouched_example_draft_gives_no_finding(example: Path) -> None:
    report = verify_draft(example / "draft.md")
    assert report.findings == []
    assert report.summary["references"] > 50
    checks = report.to_json()["checks"]
    assert all(c["share"] in (None, 1.0) for c in checks.values()), checks
    assert checks["references"]["items"] == report.summary["references"]
    assert checks["hunks"]["items"] == 2
    assert checks["f2p_coverage"]["items"] == 3


def test_patched_code_cited_in_the_first_step_is_hindsight(plant) -> None:
    planted = plant(HINDSIGHT)
    [warning] = about(planted.findings(), "hindsight", "tinyconf/merge.py#L42-L43@patched")
    assert warning.line in planted.lines


def test_a_suite_said_to_pass_where_the_step_shows_a_failure(plant) -> None:
    planted = plant(SUITE)
    [error] = about(planted.findings(), "test_claims", "12", "1 failed")
    assert error.severity == "error"
    assert error.line in planted.lines


def test_a_fail_to_pass_test_deleted_from_tests(plant, example: Path) -> None:
    text = (example / "draft.md").read_text(encoding="utf-8")
    [line] = [row for row in text.splitlines() if row.startswith(f"- [[test:{F2P_DROPPED}]]")]
    planted = plant((line + "\n", ""))
    assert about(planted.findings(), "f2p_coverage", F2P_DROPPED)


def test_a_pass_to_pass_test_marked_as_failing(plant) -> None:
    planted = plant((f"[[test:{P2P}]] · PASS_TO_PASS · visible · before: pass",
                     f"[[test:{P2P}]] · PASS_TO_PASS · visible · before: fail"))
    found = [f for f in planted.findings() if P2P in f"{f.message} {f.ref}"
             and f.severity == "error" and f.line in planted.lines]
    assert found
    assert {family(f.code) for f in found} <= {"test_claims", "f2p_coverage"}


def in_decision(planted: Planted) -> list[Finding]:
    """Findings on the planted decision (its bold head is two lines above the Chosen)."""
    return [f for f in planted.findings()
            if f.line in range(planted.lines.start - 3, planted.lines.stop)]


def test_a_decision_without_options_is_an_error(plant) -> None:
    found = in_decision(plant(DECISION, REJECTED))
    assert any("two options" in f.message and f.severity == "error" for f in found), found


def test_a_decision_choosing_rust_names_the_chosen_option(plant) -> None:
    found = in_decision(plant(DECISION, REJECTED))
    # In format 2 the broken decision is one entry against the trace's rules (RD-B003,
    # structure); its message names both problems.
    assert any("Rust" in f.message and family(f.code) in ("decisions", "structure")
               for f in found), found


def test_sections_deleted_and_a_solution_that_names_code_the_fix_does_not_use(
        plant, example: Path) -> None:
    text = (example / "draft.md").read_text(encoding="utf-8")
    trade_offs = text[text.index("## Trade-offs"):text.index("## Tests")]
    planted = plant((trade_offs, ""), SOLUTION)
    found = planted.findings()
    assert about(found, "structure", "Trade-offs")
    assert about(found, "structure", "Edge cases")
    assert about(found, "code_consistency", "copy.deepcopy")


def six_defects(plant: Callable[..., Planted], example: Path) -> Planted:
    text = (example / "draft.md").read_text(encoding="utf-8")
    [f2p] = [row for row in text.splitlines() if row.startswith(f"- [[test:{F2P_DROPPED}]]")]
    return plant(HINDSIGHT, SUITE, (f2p + "\n", ""),
                 (f"[[test:{P2P}]] · PASS_TO_PASS · visible · before: pass",
                  f"[[test:{P2P}]] · PASS_TO_PASS · visible · before: fail"),
                 DECISION, REJECTED,
                 (text[text.index("## Trade-offs"):text.index("## Tests")], ""), SOLUTION)


def approve(draft: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reasondraft", "approve", str(draft),
                           "--reviewer", "qa", *extra], capture_output=True, text=True,
                          check=False)


def test_the_six_defect_draft_is_not_approved_without_override(plant, example: Path) -> None:
    planted = six_defects(plant, example)
    before = planted.draft.read_bytes()
    refused = approve(planted.draft)
    assert refused.returncode == 1
    assert "not approved" in refused.stdout
    assert planted.draft.read_bytes() == before  # nothing recorded
    overridden = approve(planted.draft, "--override", "planted defects, for the test")
    assert overridden.returncode == 0, overridden.stderr
    assert "errors overridden" in overridden.stdout


def test_the_six_defects_are_counted_in_the_checks(plant, example: Path) -> None:
    """Whatever finds them, the planted draft no longer scores as the untouched one."""
    clean = verify_draft(example / "draft.md").to_json()["checks"]
    report = verify_draft(six_defects(plant, example).draft)
    checks = report.to_json()["checks"]
    assert checks["hunks"] == clean["hunks"]
    assert report.summary["references"] > 40
    assert checks["test_claims"]["items"] == clean["test_claims"]["items"] - 1
    assert checks["decisions"]["items"] == clean["decisions"]["items"]


def test_a_format_2_draft_loads_neither_format_1_nor_the_review_records(
        example: Path, heavy_modules_after: Callable[..., list[str]]) -> None:
    """What a trace in format 2 that nobody decided on does not need, verify does not load
    (~5% of its cold start)."""
    watch = ("reasondraft.trace_v1", "reasondraft.body.v1", "reasondraft.review.record")
    assert heavy_modules_after(["verify", str(example)], watch=watch) == []
