"""The prompt does not pre-judge the diff: it names what the diff is, states the outcome with
its source (or unknown), shows the maintainers' hints and marks the tests the agent never
saw. Checked on a copy of the bundled example task with a hand-written report.json."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reasondraft.draft.demo import example_repo
from reasondraft.draft.drafter import DraftRequest, prepare
from reasondraft.draft.prompts import render_messages
from reasondraft.guidelines import DEFAULT, render_guidelines
from reasondraft.resources import data_dir
from reasondraft.task import load_task

F2P = ["tests/test_merge.py::test_delete_inside_a_new_section_is_applied",
       "tests/test_merge.py::test_nested_sections_of_base_are_not_modified",
       "tests/test_merge.py::test_result_shares_no_section_with_override"]
HINTS = "Maintainer: the shallow dict(base) copy in deep_merge looks like the culprit."
# What the old prompt said of every diff, true of a reference patch only.
PRE_JUDGING = re.compile(r"\bthe fix\b|\bfail before\b.*\bpass after\b|pass before and "
                         r"after|the diff that resolves", re.IGNORECASE)
UNTRUSTED = ("problem", "hints", "diff", "code_before", "code_after", "test_patch",
             "trajectory")


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    return example_repo(tmp_path_factory.mktemp("example"))


def example_copy(tmp_path: Path, report: dict | None) -> Path:
    """The example task folder with hints in task.json and, if given, a report.json."""
    folder = tmp_path / "example"
    shutil.copytree(data_dir("example"), folder, ignore=shutil.ignore_patterns("project",
                                                                                "history"))
    task = json.loads((folder / "task.json").read_text())
    (folder / "task.json").write_text(json.dumps(task | {"hints_text": HINTS}))
    if report is not None:
        (folder / "report.json").write_text(json.dumps(report))
    return folder


def report(failing: list[str], *, resolved: bool) -> dict:
    instance = json.loads((data_dir("example") / "task.json").read_text())
    p2p = instance["PASS_TO_PASS"]
    return {instance["instance_id"]: {
        "patch_is_None": False, "patch_exists": True, "patch_successfully_applied": True,
        "resolved": resolved, "tests_status": {
            "FAIL_TO_PASS": {"success": [t for t in F2P if t not in failing],
                             "failure": failing},
            "PASS_TO_PASS": {"success": p2p, "failure": []},
            "FAIL_TO_FAIL": {"success": [], "failure": []},
            "PASS_TO_FAIL": {"success": [], "failure": []}}}}


def user_prompt(folder: Path, clone: Path, **options: object) -> tuple[str, dict[str, str]]:
    prepared = prepare(load_task(folder, repo=clone, **options),
                       DraftRequest(model="fixture/example"))
    return prepared.messages[1]["content"], prepared.packed.sections


def test_dry_run_of_an_unresolved_task_shows_outcome_failing_tests_and_hints(
        tmp_path, clone) -> None:
    folder = example_copy(tmp_path, report(F2P[:1], resolved=False))
    result = subprocess.run(
        [sys.executable, "-m", "reasondraft", "draft", str(folder), "--repo", str(clone),
         "--model", "fixture/example", "--dry-run", "--out", str(tmp_path / "out")],
        capture_output=True, text=True, check=False, env=os.environ | {"COLUMNS": "1000"})
    assert result.returncode == 0, result.stderr
    shown = result.stdout
    assert "NOT resolved, per the SWE-bench harness report (report.json). FAIL_TO_PASS: 2 " \
           "pass, 1 fail after the diff; PASS_TO_PASS: 11 pass, 0 fail after the diff." in shown
    assert f"Tests that fail after the diff:\n- {F2P[0]} (FAIL_TO_PASS)\n" in shown
    assert f"- {F2P[0]} — hidden from the agent: added by the test patch; after this diff: " \
           "fail (harness)\n" in shown
    assert "PASS_TO_PASS (11 tests, pass at the base commit and must keep passing; after " \
           "this diff: 11 pass (harness)):" in shown
    assert "## Maintainers' comments on the issue (written before the upstream change)\n\n" \
           f"{HINTS}\n" in shown
    assert "## The diff to explain: the solution submitted" in shown
    assert not (tmp_path / "out").exists()


def test_nothing_we_write_in_the_prompt_calls_the_diff_a_fix(tmp_path, clone) -> None:
    for given in (None, report(F2P[:1], resolved=False), report([], resolved=True)):
        folder = example_copy(tmp_path / str(id(given)), given)
        task = load_task(folder, repo=clone)
        prepared = prepare(task, DraftRequest(model="fixture/example"))
        ours = {name: "" if name in UNTRUSTED else text
                for name, text in prepared.packed.sections.items()}
        fields = {"instance_id": task.instance_id, "repo": "r", "base_commit": "b",
                  "solution": "the solution submitted", "guidelines": render_guidelines(DEFAULT)}
        for message in render_messages(prepared.templates, fields, ours, []).messages:
            assert not PRE_JUDGING.search(message["content"]), message["content"]
    assert "fail before the fix" not in (data_dir("prompts") / "user.md").read_text()


def test_without_a_report_the_outcome_is_unknown(tmp_path, clone) -> None:
    prompt, sections = user_prompt(example_copy(tmp_path, None), clone)
    assert sections["outcome"].startswith(
        "Unknown — no evaluation report; do not claim the patch works.")
    assert "whether they pass after this diff is unknown" in sections["tests"]
    assert "after this diff: pass" not in prompt


def test_a_resolved_report_says_so_with_each_test_after(tmp_path, clone) -> None:
    _, sections = user_prompt(example_copy(tmp_path, report([], resolved=True)), clone)
    assert sections["outcome"].startswith("Resolved, per the SWE-bench harness report "
                                          "(report.json). FAIL_TO_PASS: 3 pass, 0 fail")
    assert all(f"- {t} — hidden from the agent: added by the test patch; after this diff: "
               "pass (harness)" in sections["tests"] for t in F2P)


def test_the_gold_patch_is_the_reference_solution(tmp_path, clone) -> None:
    folder = example_copy(tmp_path, None)
    prompt, _ = user_prompt(folder, clone, patch="gold")
    assert "## The diff to explain: the reference solution\n" in prompt
    assert "## The diff to explain: the solution submitted\n" in user_prompt(folder, clone)[0]


def test_a_step_may_rest_only_on_what_was_known_by_then(tmp_path, clone) -> None:
    prepared = prepare(load_task(example_copy(tmp_path, None), repo=clone),
                       DraftRequest(model="fixture/example"))
    system = " ".join(prepared.messages[0]["content"].split())
    assert "The diff is where the reasoning arrives, not where it starts." in system
    assert "Claim a test result (passes, fails) only with its source" in system
    assert "Tests added by the test patch are hidden from the agent: it never saw them." \
        in system
