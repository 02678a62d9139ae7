"""Honest drafts: no empty or hollow trace passes, warnings the drafting cannot leave go back
to the model, and the outcome and test claims agree with the harness evaluation (or say
unknown without one). Through the real litellm -> instructor path (fixture provider), real
git repos and real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reasondraft.document import read_draft
from reasondraft.draft.drafter import DraftRequest, draft_task
from reasondraft.draft.llm import RetryPolicy
from reasondraft.draft.reconcile import reconcile
from reasondraft.evaluation import Evaluation
from reasondraft.task import load_task
from reasondraft.trace import Trace
from reasondraft.verify import verify_draft
from reasondraft.verify.outcome import hidden_tests

FAST = RetryPolicy(attempts=2, initial=0.01, max_wait=0.02)
SOURCE = "def area(w, h):\n    return w * w\n"
TESTS = "from geo import area\n\n\ndef test_area():\n    assert area(2, 3) == 6\n"
TEST_PATCH_TEST = "test_geo.py::test_area_of_a_square"
TEST_PATCH = ("diff --git a/test_geo.py b/test_geo.py\n--- a/test_geo.py\n+++ b/test_geo.py\n"
              "@@ -3,3 +3,7 @@ from geo import area\n \n def test_area():\n"
              "     assert area(2, 3) == 6\n+\n+\n+def test_area_of_a_square():\n"
              "+    assert area(2, 2) == 4\n")


def harness_report(instance_id: str, *, resolved: bool | None, patch_applied: bool | None = True,
                   tests: dict[str, dict[str, list[str]]] | None = None) -> Evaluation:
    """A per-instance harness report for the geo task, as reasondraft.evaluation reads it."""
    return Evaluation(instance_id, resolved, patch_applied, tests or {}, source="report.json",
                      kind="instance")


def answer(**changes: object) -> dict:
    """A valid format-2 answer for the geo task (no trajectory: steps are inferred)."""
    base = {
        "outcome": {"resolved": None, "source": "none", "steps": [], "account": ""},
        "summary": "area() squares the width [[geo.py#L2]].",
        "root_cause": {"where": ["geo.py::area"],
                       "mechanism": "It multiplies the width by itself [[geo.py#L2]]."},
        "steps": [{"title": "Find the formula", "phase": "localize", "basis": "inferred",
                   "trajectory_steps": [], "reasoning": "The bug is in [[geo.py::area]].",
                   "quotes": [], "hypotheses": [], "decision": None}],
        "agent_path": [],
        "hunks": [{"ref": "geo.py#L2@patched", "necessity": "necessary",
                   "purpose": "multiply by the height", "tests": ["test_geo.py::test_area"]}],
        "trade_offs": [], "edge_cases": [],
        "tests": [{"id": "test_geo.py::test_area", "set": "FAIL_TO_PASS",
                   "visible_to_agent": True, "before": "fail", "after": "pass",
                   "source": "expected", "why": "it checks a non-square"},
                  {"id": TEST_PATCH_TEST, "set": "FAIL_TO_PASS", "visible_to_agent": False,
                   "before": "pass", "after": "pass", "source": "expected",
                   "why": "a square's area is right either way"}],
    }
    return base | changes


HOLLOW = answer(summary="It works.", root_cause={"where": [], "mechanism": "A bug."},
                steps=[{"title": "Look", "phase": None, "basis": "inferred",
                        "trajectory_steps": [], "reasoning": "I looked at it.", "quotes": [],
                        "hypotheses": [], "decision": None}],
                hunks=[], tests=[])
NO_STEPS = answer(steps=[])


@pytest.fixture
def folder(make_repo, tmp_path) -> tuple[Path, Path]:
    repo = make_repo()
    base = repo.commit({"geo.py": SOURCE, "test_geo.py": TESTS})
    head = repo.commit({"geo.py": SOURCE.replace("w * w", "w * h")})
    task = tmp_path / "task"
    task.mkdir()
    (task / "task.json").write_text(json.dumps({
        "instance_id": "acme__geo-1", "repo": "acme/geo", "base_commit": base,
        "problem_statement": "area(2, 3) returns 4", "test_patch": TEST_PATCH,
        "FAIL_TO_PASS": ["test_geo.py::test_area", TEST_PATCH_TEST]}))
    (task / "patch.diff").write_text(repo.diff(base, head))
    return task, repo.path


def model(tmp_path: Path, *answers: object) -> str:
    path = tmp_path / "rec.json"
    path.write_text(json.dumps({"recordings": [{"match": "acme__geo-1", "answers": answers}]}))
    return f"fixture/{path}"


def draft(folder, tmp_path, *answers, evaluation=None, max_repairs: int = 2):
    task = load_task(folder[0], repo=folder[1])
    task.evaluation = evaluation
    request = DraftRequest(model=model(tmp_path, *answers), retry=FAST, max_repairs=max_repairs,
                           log=tmp_path / "calls.jsonl")
    return draft_task(task, request, tmp_path / "out")


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REASONDRAFT_")}
    return subprocess.run([sys.executable, "-m", "reasondraft", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, check=False)


def sent_back(tmp_path: Path) -> list[str]:
    """The repair messages the model received, one per re-ask."""
    calls = [json.loads(line) for line in (tmp_path / "calls.jsonl").read_text().splitlines()]
    return [m["content"] for m in calls[-1]["messages"][2:] if m["role"] != "assistant"]


def test_an_unresolved_report_makes_the_outcome_false_from_the_harness(folder,
                                                                       tmp_path) -> None:
    report = harness_report("acme__geo-1", resolved=False, tests={"FAIL_TO_PASS": {
        "success": ["test_geo.py::test_area"], "failure": [TEST_PATCH_TEST]}})
    visible = answer(tests=answer()["tests"][:1])  # the hidden test left out
    result = draft(folder, tmp_path, visible, visible, visible, evaluation=report)
    outcome = result.trace.outcome
    assert (outcome.resolved, outcome.source.value) == (False, "harness")
    assert f"[[test:{TEST_PATCH_TEST}]]" in outcome.account
    tests = {t.id: t for t in result.trace.tests}
    assert tests[TEST_PATCH_TEST].after.value == "fail"
    assert tests[TEST_PATCH_TEST].source == "harness"
    assert tests[TEST_PATCH_TEST].visible_to_agent is False  # the test patch adds it
    assert (tests["test_geo.py::test_area"].after.value,
            tests["test_geo.py::test_area"].visible_to_agent) == ("pass", True)
    repairs = sent_back(tmp_path)
    assert len(repairs) == 2
    assert "RD-E" not in repairs[0]
    assert "the evaluation report says resolved false" in repairs[0]
    assert f"{TEST_PATCH_TEST} (FAIL_TO_PASS) is in the evaluation report" in repairs[0]
    written = read_draft(result.folder / "draft.md")
    assert "Resolved: no · Source: harness" in written.body
    assert written.front["provenance"]["unresolved"]["errors"] == 0
    assert verify_draft(written.path).summary["errors"] == 0


def test_a_resolved_report_makes_the_outcome_true(folder, tmp_path) -> None:
    report = harness_report("acme__geo-1", resolved=True, tests={"FAIL_TO_PASS": {
        "success": ["test_geo.py::test_area", TEST_PATCH_TEST], "failure": []}})
    outcome = draft(folder, tmp_path, answer(), answer(), answer(),
                    evaluation=report).trace.outcome
    assert (outcome.resolved, outcome.source.value, outcome.account) == (True, "harness", "")


def test_without_a_report_success_is_never_assumed(folder, tmp_path) -> None:
    claimed = answer(outcome={"resolved": True, "source": "trajectory", "steps": [1],
                              "account": ""},
                     tests=[answer()["tests"][0] | {"source": "harness"}])
    result = draft(folder, tmp_path, claimed, claimed, max_repairs=1)
    assert (result.trace.outcome.resolved, result.trace.outcome.source.value) == (None, "none")
    assert result.trace.tests[0].source == "expected"
    [repair] = sent_back(tmp_path)
    assert "there is no evaluation report, so the outcome is unknown" in repair
    assert "source harness, but there is no evaluation report" in repair


def test_a_hollow_answer_goes_back_and_is_repaired(folder, tmp_path) -> None:
    result = draft(folder, tmp_path, HOLLOW, answer())
    assert result.repairs == 1
    assert not result.findings
    [repair] = sent_back(tmp_path)
    assert "Step 1: Look cites nothing" in repair
    assert "the root cause names no place" in repair


def test_an_uncited_hunk_goes_back_within_max_repairs(folder, tmp_path) -> None:
    uncited = answer(hunks=[])
    result = draft(folder, tmp_path, uncited, uncited, max_repairs=1)
    assert result.repairs == 1
    assert [f.code for f in result.findings] == ["RD-C002"]
    [repair] = sent_back(tmp_path)
    assert "is not described under '## Hunks'" in repair
    left = read_draft(result.folder / "draft.md").front["provenance"]["unresolved"]
    assert (left["errors"], left["warnings"]) == (0, 1)
    assert left["findings"][0]["code"] == "RD-C002"


@pytest.mark.parametrize("hollow", [NO_STEPS, HOLLOW], ids=["no steps", "no references"])
def test_a_hollow_draft_never_verifies_clean_nor_exits_0(folder, tmp_path, hollow) -> None:
    task, repo = folder
    result = run_cli("draft", str(task), "--repo", str(repo), "--model",
                     model(tmp_path, hollow, hollow, hollow), "--out", str(tmp_path / "out"),
                     "--log", str(tmp_path / "calls.jsonl"), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "verifies clean" not in result.stdout
    assert "error(s)" in result.stdout
    written = read_draft(tmp_path / "out" / "acme__geo-1" / "draft.md")
    left = written.front["provenance"]["unresolved"]
    codes = {f["code"] for f in left["findings"]}
    assert left["errors"] >= 1
    assert codes & {"RD-D001", "RD-D002", "RD-D003"}
    verify = run_cli("verify", str(written.path), cwd=tmp_path)
    assert verify.returncode == 1


def test_reconcile_adds_the_reported_tests_and_hides_the_test_patchs(folder) -> None:
    task = load_task(folder[0], repo=folder[1])
    from reasondraft.verify import VerifyContext

    hidden = hidden_tests(VerifyContext.from_task(task).test_view.patch)
    assert hidden == {("test_geo.py", "test_area_of_a_square")}
    report = harness_report("acme__geo-1", resolved=False, tests={
        "FAIL_TO_PASS": {"success": [], "failure": [TEST_PATCH_TEST]},
        "PASS_TO_PASS": {"success": ["test_geo.py::test_other"], "failure": ["t.py::test_x"]}})
    trace = Trace.model_validate(answer(tests=[]))
    tests = reconcile(trace, report, hidden).tests
    assert [(t.id, t.set.value, t.visible_to_agent, t.before.value, t.after.value, t.source)
            for t in tests] == [
        (TEST_PATCH_TEST, "FAIL_TO_PASS", False, "fail", "fail", "harness"),
        ("t.py::test_x", "PASS_TO_PASS", True, "pass", "fail", "harness")]


def test_a_report_without_a_verdict_leaves_the_outcome_unknown(folder, tmp_path) -> None:
    report = harness_report("acme__geo-1", resolved=None, patch_applied=None)
    # One recorded answer: had anything been sent back, the replay would have no second.
    result = draft(folder, tmp_path, answer(), evaluation=report)
    outcome = result.trace.outcome
    assert result.repairs == 0
    assert (outcome.resolved, outcome.source.value) == (None, "harness")
    assert outcome.account == "the evaluation report gives no verdict"
