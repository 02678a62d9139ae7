"""Evaluation reports as an input: both harness shapes, bad reports as one line with exit 2,
a report of another patch refused, folders of reports for batch, and the task folder's copy."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from reasondraft.batch.run import batch_from_cli
from reasondraft.diff import parse_diff
from reasondraft.document import content_hash, read_draft, split_document
from reasondraft.draft.drafter import DraftRequest, draft_task
from reasondraft.errors import InputError
from reasondraft.evaluation import EvalReports, describe, load_evaluation, same_diff
from reasondraft.task import load_task
from reasondraft.verify import Repos, Sources
from reasondraft.verify.inputs import draft_context

ID = "acme__geo-1"
SOURCE = "def area(w, h):\n    return w * w\n\n\ndef perimeter(w, h):\n    return 2 * (w + h)\n"
TEST_PATCH = ("diff --git a/test_geo.py b/test_geo.py\n--- a/test_geo.py\n+++ b/test_geo.py\n"
              "@@ -1,2 +1,6 @@\n def test_perimeter():\n     pass\n+\n+\n+def test_area():\n"
              "+    assert area(2, 3) == 6\n")


def harness_report(instance_id: str = ID, *, resolved: bool = False,
                   f2p_failure: tuple[str, ...] = ("test_geo.py::test_area",),
                   p2p_failure: tuple[str, ...] = ()) -> dict:
    """A per-instance report.json as the SWE-bench harness writes it."""
    f2p = ["test_geo.py::test_area"]
    p2p = ["test_geo.py::test_perimeter"]
    return {instance_id: {
        "patch_is_None": False, "patch_exists": True, "patch_successfully_applied": True,
        "resolved": resolved,
        "tests_status": {
            "FAIL_TO_PASS": {"success": [t for t in f2p if t not in f2p_failure],
                             "failure": list(f2p_failure)},
            "PASS_TO_PASS": {"success": [t for t in p2p if t not in p2p_failure],
                             "failure": list(p2p_failure)},
            "FAIL_TO_FAIL": {"success": [], "failure": []},
            "PASS_TO_FAIL": {"success": [], "failure": []}}}}


def run_summary(**lists: list[str]) -> dict:
    """A run-level report as make_run_report writes it (counts left out)."""
    keys = ["completed_ids", "incomplete_ids", "empty_patch_ids", "submitted_ids",
            "resolved_ids", "unresolved_ids", "error_ids"]
    return {key: lists.get(key, []) for key in keys} | {"schema_version": 2}


def write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=4))
    return path


@pytest.fixture
def project(make_repo, tmp_path):
    """A task folder (task.json, patch.diff) over a real repo; returns (folder, repo, diff)."""
    repo = make_repo()
    base = repo.commit({"geo.py": SOURCE, "test_geo.py": "def test_perimeter():\n    pass\n"})
    head = repo.commit({"geo.py": SOURCE.replace("w * w", "w + h")})
    diff = repo.diff(base, head)
    folder = tmp_path / "task"
    write(folder / "task.json", {
        "instance_id": ID, "repo": "acme/geo", "base_commit": base,
        "problem_statement": "area(2, 3) returns 4", "test_patch": TEST_PATCH,
        "hints_text": "Maybe the height is ignored somewhere in area().",
        "FAIL_TO_PASS": ["test_geo.py::test_area"],
        "PASS_TO_PASS": ["test_geo.py::test_perimeter"]})
    (folder / "patch.diff").write_text(diff)
    return folder, repo.path, diff


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a new process, on a console wide enough that no line wraps."""
    return subprocess.run([sys.executable, "-m", "reasondraft", *args], capture_output=True,
                          text=True, check=False, env=os.environ | {"COLUMNS": "1000"})


# -- the two shapes ----------------------------------------------------------------------

def test_per_instance_report_gives_outcome_and_each_test_after(tmp_path) -> None:
    path = write(tmp_path / "report.json",
                 harness_report(p2p_failure=("test_geo.py::test_perimeter",)))
    ev = load_evaluation(path, ID)
    assert (ev.resolved, ev.patch_applied, ev.kind, ev.source) == (False, True, "instance",
                                                                   str(path))
    assert ev.after("test_geo.py::test_area") == "fail"
    assert ev.after("test_geo.py::test_perimeter") == "fail"
    assert ev.after("test_geo.py::test_other") is None
    assert ev.failing() == ["test_geo.py::test_area", "test_geo.py::test_perimeter"]
    assert describe(ev).startswith("unresolved (harness report ")
    assert "2 failing after the patch: test_geo.py::test_area" in describe(ev)
    # to_json is the harness's shape: written back and read again, the same evaluation.
    again = load_evaluation(write(tmp_path / "copy" / "report.json", ev.to_json()), ID)
    assert (again.resolved, again.patch_applied, again.tests) == (False, True, ev.tests)


def test_run_summary_gives_outcome_per_id_and_no_tests(tmp_path) -> None:
    path = write(tmp_path / "model.run1.json", run_summary(
        resolved_ids=["a__b-1"], unresolved_ids=[ID], error_ids=["a__b-3"],
        empty_patch_ids=["a__b-4"], completed_ids=["a__b-1", ID, "a__b-3"]))
    reports = EvalReports(path)
    unresolved = reports.load(ID)
    assert (unresolved.resolved, unresolved.kind, unresolved.tests) == (False, "summary", {})
    assert unresolved.after("test_geo.py::test_area") is None
    assert reports.load("a__b-1").resolved is True
    error = reports.load("a__b-3")
    assert error.resolved is None
    assert "error_ids" in error.reason
    assert describe(error).startswith("unknown: the harness could not evaluate it")
    empty = reports.load("a__b-4")
    assert (empty.resolved, empty.patch_exists) == (False, False)
    # A summary's instance written as report.json keeps what the summary said.
    copy = load_evaluation(write(tmp_path / "c" / "report.json", error.to_json()), "a__b-3")
    assert copy.resolved is None
    assert "error_ids" in copy.reason


def test_no_report_means_unknown(project) -> None:
    folder, repo, _ = project
    task = load_task(folder, repo=repo)
    assert task.evaluation is None
    assert describe(task.evaluation) == "unknown: no evaluation report"


def test_harness_error_entry_is_unknown_not_unresolved(tmp_path) -> None:
    report = harness_report()
    report[ID] |= {"patch_successfully_applied": False, "error": "container\ntimed out"}
    del report[ID]["tests_status"]
    ev = load_evaluation(write(tmp_path / "report.json", report), ID)
    assert ev.resolved is None
    assert ev.reason == "the harness run failed: container timed out"
    assert ev.tests == {}


# -- bad reports ---------------------------------------------------------------------------

def test_missing_instance_names_the_file_the_id_and_the_nearest(tmp_path) -> None:
    path = write(tmp_path / "report.json", harness_report("acme__geo-11"))
    with pytest.raises(InputError, match=r"report\.json: no instance 'acme__geo-1' in this "
                                         r"report .*nearest: acme__geo-11"):
        load_evaluation(path, ID)
    summary = write(tmp_path / "run.json", run_summary(unresolved_ids=["acme__geo-2"],
                                                       incomplete_ids=[ID]))
    with pytest.raises(InputError, match=r"run\.json: no outcome for 'acme__geo-1' in this "
                                         r"run summary \(only in incomplete_ids\)"):
        load_evaluation(summary, ID)


MALFORMED = {
    "resolved not a bool": ({ID: {"resolved": "yes"}}, f"key '{ID}.resolved': expected true"),
    "resolved missing": ({ID: {"patch_exists": True}}, f"key '{ID}.resolved' is missing"),
    "entry not an object": ({ID: [True]}, f"key '{ID}': expected an object, got list"),
    "tests_status a list": ({ID: {"resolved": False, "tests_status": []}},
                            f"key '{ID}.tests_status': expected an object"),
    "failure not a list": ({ID: {"resolved": False, "tests_status": {
        "FAIL_TO_PASS": {"success": [], "failure": "test_geo.py::test_area"}}}},
        f"key '{ID}.tests_status.FAIL_TO_PASS.failure': expected a list of test ids"),
    "id list not a list": (run_summary() | {"resolved_ids": ID},
                           "key 'resolved_ids': expected a list of instance ids"),
    "id in two lists": (run_summary(resolved_ids=[ID], unresolved_ids=[ID]),
                        f"'{ID}' is in both resolved_ids and unresolved_ids"),
    "not an object": ([ID], "expected a SWE-bench report (a JSON object), got list"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_report_is_one_line_exit_2(case, project, tmp_path) -> None:
    folder, repo, _ = project
    data, message = MALFORMED[case]
    path = write(tmp_path / "bad.json", data)
    result = run("task", str(folder), "--repo", str(repo), "--eval-report", str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert str(path) in line
    assert message in line


def test_unreadable_report_in_task_folder_is_one_line_exit_2(project) -> None:
    folder, repo, _ = project
    (folder / "report.json").write_text('{"acme__geo-1": ')
    result = run("task", str(folder), "--repo", str(repo))
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert f"{folder / 'report.json'}: invalid JSON at line 1" in line


# -- another patch -------------------------------------------------------------------------

def test_report_of_another_patch_is_refused_naming_both_files(project, tmp_path) -> None:
    folder, repo, diff = project
    logs = tmp_path / "logs" / ID
    report = write(logs / "report.json", harness_report())
    (logs / "patch.diff").write_text(diff.replace("w + h", "w * h"))
    result = run("task", str(folder), "--repo", str(repo), "--eval-report", str(report))
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.endswith(f"{report}: the report evaluated another patch: {logs / 'patch.diff'} "
                         f"differs from the diff the task explains ({folder / 'patch.diff'})")
    # The same patch with CRLF line endings and trailing blanks is the same patch.
    (logs / "patch.diff").write_bytes(diff.replace("\n", "  \r\n").encode() + b"\r\n")
    assert load_task(folder, repo=repo, eval_report=report).evaluation.resolved is False


def test_report_of_an_empty_patch_is_refused(project, tmp_path) -> None:
    folder, repo, _ = project
    report = harness_report()
    report[ID] |= {"patch_is_None": True, "patch_exists": False}
    with pytest.raises(InputError, match="evaluated an empty patch, not the diff the task "
                                         "explains"):
        load_task(folder, repo=repo, eval_report=write(tmp_path / "r.json", report))
    summary = write(tmp_path / "run.json", run_summary(empty_patch_ids=[ID]))
    with pytest.raises(InputError, match="evaluated an empty patch"):
        load_task(folder, repo=repo, eval_report=summary)


def test_same_diff_ignores_line_endings_and_trailing_whitespace_only() -> None:
    assert same_diff("a\n b\n", "a\r\n b  \r\n\n")
    assert not same_diff("a\n-b\n", "a\n+b\n")


# -- folders of reports --------------------------------------------------------------------

def test_folder_in_the_harness_layout_finds_each_instance(project, tmp_path) -> None:
    _, _, diff = project
    model = tmp_path / "logs" / "run_evaluation" / "run1" / "gpt"
    write(model / ID / "report.json", harness_report())
    (model / ID / "patch.diff").write_text(diff)
    write(model / "acme__geo-2" / "report.json", harness_report("acme__geo-2", resolved=True,
                                                                f2p_failure=()))
    reports = EvalReports(tmp_path / "logs")
    assert reports.load(ID, patch=parse_diff(diff)).resolved is False
    assert reports.load("acme__geo-2").resolved is True
    with pytest.raises(InputError, match=r"logs: no report for 'acme__geo-3' \(looked for "
                                         r"acme__geo-3/report.json at any depth\); nearest"):
        reports.load("acme__geo-3")
    # A second run of another patch: the one whose patch.diff is the task's is taken.
    other = tmp_path / "logs" / "run_evaluation" / "run2" / "gpt" / ID
    write(other / "report.json", harness_report(resolved=True, f2p_failure=()))
    (other / "patch.diff").write_text(diff.replace("w + h", "w * h"))
    assert EvalReports(tmp_path / "logs").load(ID, patch=parse_diff(diff)).resolved is False
    (other / "patch.diff").write_text(diff)
    with pytest.raises(InputError, match=f"2 reports for '{ID}'"):
        EvalReports(tmp_path / "logs").load(ID, patch=parse_diff(diff))


def geo_answer(**changes: object) -> dict:
    """A format-2 answer for the geo task that verifies clean (no trajectory: inferred)."""
    return {"outcome": {"resolved": None, "source": "none"},
            "summary": "area() squares the width [[geo.py#L2]].",
            "root_cause": {"where": ["geo.py::area"],
                           "mechanism": "It multiplies w by itself [[geo.py#L2]]."},
            "steps": [{"title": "Read area", "phase": "localize", "basis": "inferred",
                       "reasoning": "See [[geo.py::area]]."}],
            "hunks": [{"ref": "geo.py#L2@patched", "necessity": "necessary",
                       "purpose": "multiplies by h"}],
            "tests": [{"id": "test_geo.py::test_area", "set": "FAIL_TO_PASS",
                       "visible_to_agent": True, "before": "fail", "after": "unknown",
                       "source": "expected", "why": "area(2, 3) must be 6"}]} | changes


def test_batch_takes_each_instance_from_a_report_folder_or_file(make_repo, tmp_path) -> None:
    (tmp_path / "repos").mkdir()
    repo = make_repo("repos/acme__geo")
    base = repo.commit({"geo.py": SOURCE})
    diff = repo.diff(base, repo.commit({"geo.py": SOURCE.replace("w * w", "w * h")}))
    ids = ["acme__geo-1", "acme__geo-2", "acme__geo-3"]
    (tmp_path / "instances.jsonl").write_text("".join(json.dumps(
        {"instance_id": i, "repo": "acme/geo", "base_commit": base,
         "problem_statement": "area"}) + "\n" for i in ids))
    for instance_id in ids:
        write(tmp_path / "trajectories" / f"{instance_id}.traj.json", {
            "environment": "swe_main", "history": [],
            "trajectory": [{"action": "submit", "observation": diff, "response": "",
                            "thought": "Done.", "state": "{}"}],
            "info": {"exit_status": "submitted", "submission": diff}})
    logs = tmp_path / "logs" / "run_evaluation" / "r" / "m"
    write(logs / ids[0] / "report.json", harness_report(ids[0]))
    write(logs / ids[1] / "report.json", harness_report(ids[1], resolved=True, f2p_failure=()))
    write(tmp_path / "rec.json", {"recordings": [{"match": i, "answers": [geo_answer()]}
                                                 for i in ids]})
    flags = {"model": f"fixture/{tmp_path / 'rec.json'}", "api_base": None,
             "out": tmp_path / "out", "log": tmp_path / "calls.jsonl",
             "max_input_tokens": None, "max_repairs": 0}
    options = {"instances": tmp_path / "instances.jsonl", "jobs": 2, "max_cost": None,
               "trajectories": tmp_path / "trajectories", "repos": tmp_path / "repos",
               "shard": None, "only": None, "retry_failed": False, "patch": None,
               "console": Console(file=io.StringIO())}
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    for bad, message in ((tmp_path / "nowhere", "evaluation report not found"),
                         (broken, "invalid JSON at line 1")):
        with pytest.raises(InputError, match=message):  # before any task runs
            batch_from_cli(flags, eval_report=bad, **options)
        assert not (tmp_path / "out").exists()
    batch = batch_from_cli(flags, eval_report=tmp_path / "logs", **options)
    records = batch.records
    assert records[ids[0]].status == records[ids[1]].status == "done"
    assert records[ids[2]].status == "failed"
    assert f"no report for '{ids[2]}'" in records[ids[2]].reason
    copied = json.loads((tmp_path / "out" / ids[0] / "report.json").read_text())
    assert copied == harness_report(ids[0])
    front = read_draft(tmp_path / "out" / ids[1] / "draft.md").front
    assert front["provenance"]["inputs"]["report"].startswith("sha256:")


# -- draft, task, verify and show ----------------------------------------------------------

def test_draft_copies_the_instance_report_into_the_folder(project, tmp_path) -> None:
    folder, repo, _ = project
    summary = write(tmp_path / "run.json", run_summary(unresolved_ids=[ID, "x__y-1"]))
    task = load_task(folder, repo=repo, eval_report=summary)
    answer = geo_answer(outcome={"resolved": False, "source": "harness",
                                 "account": "the harness lists the change as unresolved"})
    write(tmp_path / "rec.json", {"recordings": [{"match": ID, "answers": [answer]}]})
    result = draft_task(task, DraftRequest(model=f"fixture/{tmp_path / 'rec.json'}"),
                        tmp_path / "out")
    written = result.folder / "report.json"
    assert json.loads(written.read_text()) == {ID: {
        "patch_is_None": None, "patch_exists": None, "patch_successfully_applied": None,
        "resolved": False}}
    front = read_draft(result.folder / "draft.md").front
    assert front["provenance"]["inputs"]["report"] == content_hash(written.read_bytes())
    # verify (and show) find it in the folder and expose it on the context.
    draft = split_document((result.folder / "draft.md").read_text(), "draft.md")
    draft.path = result.folder / "draft.md"
    with Repos() as repos:
        ctx = draft_context(draft, Sources(), repos)
    assert ctx.evaluation is not None
    assert ctx.evaluation.resolved is False
    assert ctx.evaluation.source == str(written)


def test_task_command_shows_the_outcome_in_text_and_json(project, tmp_path) -> None:
    folder, repo, _ = project
    report = write(tmp_path / "report.json", harness_report())
    text = run("task", str(folder), "--repo", str(repo), "--eval-report", str(report))
    assert text.returncode == 0, text.stderr
    assert f"outcome: unresolved (harness report {report}); 1 failing after the patch: " \
           "test_geo.py::test_area" in text.stdout
    data = json.loads(run("task", str(folder), "--repo", str(repo), "--eval-report",
                          str(report), "--json").stdout)
    assert data["evaluation"]["resolved"] is False
    assert data["evaluation"]["failing"] == ["test_geo.py::test_area"]
    bare = json.loads(run("task", str(folder), "--repo", str(repo), "--json").stdout)
    assert bare["evaluation"] is None
    assert bare["outcome"] == "unknown: no evaluation report"


def test_verify_and_show_take_eval_report_without_llm_libraries(
        project, tmp_path, heavy_modules_after) -> None:
    folder, repo, diff = project
    body = ("## Summary\n\narea() adds [[geo.py#L2@patched]].\n\n## Step 1: Read area\n\n"
            "Phase: localize\n\nSee [[geo.py::area]].\n\n## Solution\n\nAdd the width and "
            "the height [[geo.py#L2@patched]].\n\n## Trade-offs\n\n- None.\n\n## Edge cases\n\n"
            "- None.\n\n## Tests\n\n- test_area is expected to pass after the change.\n")
    front = f"---\nformat: 1\ninstance_id: {ID}\nrepo_path: {repo}\n---\n"
    (folder / "draft.md").write_text(front + body)
    report = write(tmp_path / "r" / "report.json", harness_report(resolved=True, f2p_failure=()))
    (report.parent / "patch.diff").write_text(diff)
    assert heavy_modules_after(["verify", str(folder), "--eval-report", str(report)],
                               ["show", str(folder), "--no-pager", "--eval-report",
                                str(report)]) == []
    shown = run("show", str(folder), "--no-pager", "--eval-report", str(report))
    assert f"outcome: resolved (harness report {report})" in shown.stdout
    (report.parent / "patch.diff").write_text(diff.replace("w + h", "w * h"))
    refused = run("verify", str(folder), "--eval-report", str(report))
    assert refused.returncode == 2
    assert "evaluated another patch" in refused.stderr
