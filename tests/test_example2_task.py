"""The second bundled example (``fixtures/example2``, slugkit__slugkit-7): its submitted patch
does NOT resolve the task. The example holds together (bundle, instance, trajectory, patch,
report), the report says what really happens when the tests run, and drafting it offline
with the fixture model gives an honest trace: outcome false from the harness, tests that
agree with the report."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import git
import pytest

from reasondraft.document import read_draft
from reasondraft.draft.demo import example_repo
from reasondraft.draft.drafter import DraftRequest, draft_task
from reasondraft.evaluation import Evaluation, load_evaluation
from reasondraft.instance import load_instance
from reasondraft.resources import data_dir
from reasondraft.task import load_task
from reasondraft.trajectory import load_trajectory
from reasondraft.verify import verify_draft

EXAMPLE = data_dir("example2")
ID = "slugkit__slugkit-7"
LETTERS = "tests/test_slug.py::test_letters_without_a_decomposition_are_transliterated"
ACCENTS = "tests/test_slug.py::test_accents_are_transliterated"


@pytest.fixture(scope="module")
def task() -> dict[str, Any]:
    return json.loads((EXAMPLE / "task.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return json.loads((EXAMPLE / "report.json").read_text(encoding="utf-8"))


def checkout(dest: Path, *diffs: str) -> Path:
    """A fresh clone of the bundle at the base, with ``diffs`` applied (``git apply``)."""
    git.Repo.clone_from(str(EXAMPLE / "repo.bundle"), dest).close()
    for index, diff in enumerate(diffs):
        path = dest.parent / f"{index}.diff"
        path.write_text(diff, encoding="utf-8")
        subprocess.run(["git", "apply", str(path)], cwd=dest, check=True)
    return dest


def outcomes(checkout_dir: Path, tests: list[str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env |= {"PYTHONDONTWRITEBYTECODE": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rA", "-p",
                           "no:cacheprovider", *tests], cwd=checkout_dir, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    return {m.group(2): m.group(1) for m in
            re.finditer(r"^(PASSED|FAILED|ERROR) (\S+)", proc.stdout, re.MULTILINE)}


# --- the example holds together ----------------------------------------------------------

def test_build_script_reproduces_the_base_commit(tmp_path: Path, task: dict) -> None:
    proc = subprocess.run([sys.executable, str(EXAMPLE / "build.py"), "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == task["base_commit"]
    clone = git.Repo.clone_from(str(tmp_path / "repo.bundle"), tmp_path / "clone")
    try:
        tree = {b.path: b.data_stream.read() for b in clone.head.commit.tree.traverse()
                if b.type == "blob"}
    finally:
        clone.close()
    project = EXAMPLE / "project"
    assert tree == {p.relative_to(project).as_posix(): p.read_bytes()
                    for p in project.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def test_instance_names_hidden_tests_and_hints(task: dict) -> None:
    instance = load_instance(EXAMPLE)
    assert instance.instance_id == ID
    assert "no decomposition" in instance.hints_text
    added = set(re.findall(r"^\+def (test_\w+)\(", task["test_patch"], re.MULTILINE))
    assert {t.split("::")[1] for t in instance.FAIL_TO_PASS} == added
    assert "Straße" in instance.problem_statement


def test_the_report_is_what_the_tests_really_do(tmp_path: Path, task: dict,
                                                report: dict) -> None:
    """The submitted patch passes one FAIL_TO_PASS test and fails the other; the gold patch
    passes both: report.json is the truth about patch.diff, not an invented fixture."""
    patch = (EXAMPLE / "patch.diff").read_text(encoding="utf-8")
    tests = task["FAIL_TO_PASS"] + task["PASS_TO_PASS"]
    entry = report[ID]
    assert entry["resolved"] is False
    assert entry["patch_successfully_applied"] is True
    submitted = outcomes(checkout(tmp_path / "model" / "testbed", task["test_patch"], patch),
                         tests)
    for name in ("FAIL_TO_PASS", "PASS_TO_PASS"):
        status = entry["tests_status"][name]
        assert {t: submitted.get(t) for t in status["success"]} == \
            dict.fromkeys(status["success"], "PASSED")
        assert {t: submitted.get(t) for t in status["failure"]} == \
            dict.fromkeys(status["failure"], "FAILED")
    assert entry["tests_status"]["FAIL_TO_PASS"]["failure"] == [LETTERS]
    gold = outcomes(checkout(tmp_path / "gold" / "testbed", task["test_patch"], task["patch"]),
                    tests)
    assert gold == dict.fromkeys(tests, "PASSED")
    base = outcomes(checkout(tmp_path / "base" / "testbed", task["test_patch"]),
                    task["FAIL_TO_PASS"])
    assert base == dict.fromkeys(task["FAIL_TO_PASS"], "FAILED")


def test_trajectory_is_the_agents_real_session() -> None:
    traj = load_trajectory(EXAMPLE / "trajectory.json", ID)
    patch = (EXAMPLE / "patch.diff").read_text(encoding="utf-8")
    assert traj.format == "mini-swe-agent"
    assert len(traj.steps) == 14
    assert traj.submission == patch
    project = EXAMPLE / "project"
    for number, path in ((2, "slugkit/slug.py"), (3, "slugkit/unique.py")):
        shown = [line.split("\t", 1)[1] for line in
                 traj.step(number).observation.text.splitlines()]
        assert shown == (project / path).read_text(encoding="utf-8").splitlines()
    assert traj.step(10).observation.exit_code == 127  # the mistyped pytest
    assert "Straße" not in traj.step(4).action.text  # the reproduction left it out


# --- drafted offline: the honest trace ---------------------------------------------------

def stand_in(report: dict) -> Evaluation:
    """The report as reasondraft.evaluation holds it (built here from the dict the test
    checked, so a drafting test does not depend on the reader's file handling)."""
    entry = report[ID]
    return Evaluation(ID, entry["resolved"], entry["patch_successfully_applied"],
                      entry["tests_status"], source="report.json", kind="instance")


def assert_honest(folder: Path, report: dict) -> None:
    """The drafted trace says what the harness found, and verifies clean."""
    draft = read_draft(folder / "draft.md")
    assert draft.front["format"] == 2
    assert "Resolved: no · Source: harness" in draft.body
    from reasondraft.body import parse_body

    trace = parse_body(draft.body, 2).trace
    assert (trace.outcome.resolved, trace.outcome.source.value) == (False, "harness")
    claims = {t.id: t for t in trace.tests}
    for results in report[ID]["tests_status"].values():
        for outcome, after in (("success", "pass"), ("failure", "fail")):
            for test in results[outcome]:
                if test in claims:
                    assert (claims[test].after.value, claims[test].source) == \
                        (after, "harness"), test
    assert claims[LETTERS].after.value == "fail"
    assert not claims[LETTERS].visible_to_agent
    assert claims[ACCENTS].after.value == "pass"
    assert any(s.basis.value == "counterfactual" for s in trace.steps)
    kinds = {e.kind.value for e in trace.agent_path}
    assert {"failed run", "abandoned edit", "tool error", "detour"} <= kinds
    assert [h.necessity.value for h in trace.hunks] == ["incidental", "necessary", "necessary"]
    report_ = verify_draft(draft.path)
    assert report_.summary["errors"] == 0, report_.findings
    assert report_.summary["warnings"] == 0, report_.findings


def test_drafting_with_the_report_gives_an_honest_trace(tmp_path: Path, report: dict) -> None:
    task = load_task(EXAMPLE, repo=example_repo(tmp_path, "slugkit"))
    task.evaluation = stand_in(report)
    request = DraftRequest(model="fixture/example", log=tmp_path / "calls.jsonl")
    result = draft_task(task, request, tmp_path / "out")
    assert result.repairs == 1
    assert not result.findings
    calls = [json.loads(line) for line in (tmp_path / "calls.jsonl").read_text().splitlines()]
    repair = calls[-1]["messages"][-1]["content"]
    assert "the evaluation report says resolved false" in repair
    assert f"{LETTERS}: the report has it in FAIL_TO_PASS with after: fail" in repair
    assert_honest(result.folder, report)


def test_the_real_report_reader_and_the_command_line_agree(tmp_path: Path,
                                                           report: dict) -> None:
    task = load_task(EXAMPLE, repo=example_repo(tmp_path, "slugkit"))
    loaded = load_evaluation(EXAMPLE / "report.json", ID, patch=task.patch)
    assert (loaded.resolved, loaded.failing()) == (False, [LETTERS])
    env = {k: v for k, v in os.environ.items() if not k.startswith("REASONDRAFT_")}
    proc = subprocess.run(
        [sys.executable, "-m", "reasondraft", "draft", str(EXAMPLE), "--repo",
         str(example_repo(tmp_path, "slugkit")), "--model", "fixture/example", "--out",
         str(tmp_path / "out"), "--log", str(tmp_path / "calls.jsonl")],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "outcome: resolved false (source harness)" in proc.stdout
    assert_honest(tmp_path / "out" / ID, report)


def test_demo_shows_the_honest_outcome(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REASONDRAFT_")}
    proc = subprocess.run([sys.executable, "-m", "reasondraft", "demo", "--example", "slugkit",
                           "--out", str(tmp_path)], capture_output=True, text=True, env=env,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert "Resolved: no · Source: harness" in proc.stdout
    assert "## Agent path" in proc.stdout
    assert "1 repair(s)" in proc.stdout


def test_demo_names_the_examples_it_knows(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "reasondraft", "demo", "--example", "nope",
                           "--out", str(tmp_path)], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 2
    assert "known: tinyconf, slugkit" in proc.stderr
