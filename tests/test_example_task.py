"""The bundled example task (``fixtures/example``, what ``reasondraft demo`` drafts) holds
together: the bundle, the project source, the instance, both diffs and the trajectory agree
with each other, the tests fail and pass where SWE-bench says they do, and every file view
in the trajectory shows the real lines of the real files.
"""

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

from reasondraft.instance import load_instance
from reasondraft.resources import data_dir

EXAMPLE = data_dir("example")
WORKDIR = "/testbed"
SKIP_PARTS = {"__pycache__", ".pytest_cache", ".ruff_cache"}


@pytest.fixture(scope="module")
def task() -> dict[str, Any]:
    return json.loads((EXAMPLE / "task.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def traj() -> dict[str, Any]:
    return json.loads((EXAMPLE / "trajectory.traj").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def patch_diff() -> str:
    return (EXAMPLE / "patch.diff").read_bytes().decode("utf-8")


def clone(dest: Path, commit: str) -> git.Repo:
    """A fresh clone of the bundle with ``commit`` checked out (no network involved)."""
    repo = git.Repo.clone_from(str(EXAMPLE / "repo.bundle"), dest)
    repo.git.checkout("-q", commit)
    return repo


def apply(repo: git.Repo, diff: str, name: str) -> None:
    """``git apply`` a diff in the clone's work tree (fails loudly if a hunk does not fit)."""
    path = Path(repo.working_dir).parent / f"{name}.diff"
    path.write_bytes(diff.encode("utf-8"))
    repo.git.apply("--check", str(path))
    repo.git.apply(str(path))


def run_pytest(checkout: Path, *args: str) -> tuple[int, dict[str, str], str]:
    """Run the project's tests in a subprocess: exit code, outcome per node id, output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env |= {"PYTHONDONTWRITEBYTECODE": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", *args],
        cwd=checkout, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    outcomes = {m.group(2): m.group(1) for m in
                re.finditer(r"^(PASSED|FAILED|ERROR) (\S+)", proc.stdout, re.MULTILINE)}
    return proc.returncode, outcomes, proc.stdout + proc.stderr


# --- repository --------------------------------------------------------------------------

def test_bundle_clones_offline_and_holds_the_base_commit(tmp_path: Path, task: dict) -> None:
    repo = git.Repo.clone_from(str(EXAMPLE / "repo.bundle"), tmp_path / "clone")
    try:
        base = task["base_commit"]
        assert re.fullmatch(r"[0-9a-f]{40}", base)
        assert repo.head.commit.hexsha == base
        assert repo.commit("v0.3.0").hexsha == base
        assert repo.git.cat_file("-t", base) == "commit"
        assert len(list(repo.iter_commits(base))) == 2
    finally:
        repo.close()


def test_project_folder_is_the_base_tree(tmp_path: Path, task: dict) -> None:
    repo = clone(tmp_path / "clone", task["base_commit"])
    try:
        tree = repo.commit(task["base_commit"]).tree
        in_git = {blob.path: blob.data_stream.read() for blob in tree.traverse()
                  if blob.type == "blob"}
    finally:
        repo.close()
    project = EXAMPLE / "project"
    on_disk = {p.relative_to(project).as_posix(): p.read_bytes().replace(b"\r\n", b"\n")
               for p in project.rglob("*")
               if p.is_file() and not SKIP_PARTS & set(p.relative_to(project).parts)
               and p.suffix != ".pyc"}
    assert on_disk == in_git


def test_build_script_reproduces_the_base_commit(tmp_path: Path, task: dict) -> None:
    proc = subprocess.run([sys.executable, str(EXAMPLE / "build.py"), "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == task["base_commit"]
    assert (tmp_path / "repo.bundle").is_file()


# --- instance and tests ------------------------------------------------------------------

def test_task_json_is_a_complete_instance(task: dict) -> None:
    instance = load_instance(EXAMPLE)
    assert instance.instance_id == task["instance_id"] == "tinyconf__tinyconf-42"
    assert instance.repo == "tinyconf/tinyconf"
    assert instance.version == "0.3"
    assert instance.hints_text == ""
    assert instance.FAIL_TO_PASS
    assert instance.PASS_TO_PASS
    assert not set(instance.FAIL_TO_PASS) & set(instance.PASS_TO_PASS)
    assert "Expected output" in instance.problem_statement
    for diff in (task["patch"], task["test_patch"]):
        assert diff.startswith("diff --git a/")


def test_fail_to_pass_tests_are_added_by_the_test_patch(task: dict) -> None:
    added = {}
    current = None
    for line in task["test_patch"].splitlines():
        if line.startswith("+++ b/"):
            current = line[len("+++ b/"):]
        elif m := re.match(r"\+def (test_\w+)\(", line):
            added[f"{current}::{m.group(1)}"] = True
    assert set(task["FAIL_TO_PASS"]) <= set(added)


def test_at_base_the_suite_passes_and_fail_to_pass_fails(tmp_path: Path, task: dict) -> None:
    repo = clone(tmp_path / "base", task["base_commit"])
    checkout = Path(repo.working_dir)
    try:
        code, _, output = run_pytest(checkout)
        assert code == 0, output
        apply(repo, task["test_patch"], "test_patch")
        code, outcomes, output = run_pytest(checkout, *task["FAIL_TO_PASS"],
                                            *task["PASS_TO_PASS"])
    finally:
        repo.close()
    assert code == 1, output
    assert {t: outcomes.get(t) for t in task["FAIL_TO_PASS"]} == \
        dict.fromkeys(task["FAIL_TO_PASS"], "FAILED"), output
    assert {t: outcomes.get(t) for t in task["PASS_TO_PASS"]} == \
        dict.fromkeys(task["PASS_TO_PASS"], "PASSED"), output


@pytest.mark.parametrize("which", ["patch.diff", "gold"])
def test_the_fix_makes_fail_to_pass_pass(tmp_path: Path, task: dict, patch_diff: str,
                                         which: str) -> None:
    repo = clone(tmp_path / "fixed", task["base_commit"])
    checkout = Path(repo.working_dir)
    try:
        apply(repo, task["test_patch"], "test_patch")
        apply(repo, patch_diff if which == "patch.diff" else task["patch"], "fix")
        code, outcomes, output = run_pytest(checkout)
    finally:
        repo.close()
    assert code == 0, output
    for test in [*task["FAIL_TO_PASS"], *task["PASS_TO_PASS"]]:
        assert outcomes.get(test) == "PASSED", (test, output)


# --- trajectory --------------------------------------------------------------------------

def test_trajectory_has_the_swe_agent_0x_shape(traj: dict, patch_diff: str) -> None:
    assert set(traj) >= {"environment", "trajectory", "history", "info"}
    steps = traj["trajectory"]
    assert len(steps) >= 12
    for step in steps:
        assert set(step) == {"action", "observation", "response", "state", "thought"}
        state = json.loads(step["state"])
        assert set(state) == {"open_file", "working_dir"}
        assert state["working_dir"] == WORKDIR
        assert step["response"] == f"{step['thought']}```\n{step['action']}```"
    assert steps[-1]["action"].strip() == "submit"
    assistant = [m for m in traj["history"] if m["role"] == "assistant"]
    assert [m["action"] for m in assistant] == [s["action"] for s in steps]
    assert [m["role"] for m in traj["history"][:2]] == ["system", "user"]
    assert all(set(m) >= {"role", "content", "agent"} for m in traj["history"])
    info = traj["info"]
    assert info["exit_status"] == "submitted"
    assert info["submission"] == patch_diff
    assert patch_diff.startswith("diff --git a/")
    assert set(info["model_stats"]) >= {"instance_cost", "tokens_sent", "tokens_received",
                                        "api_calls"}
    assert info["model_stats"]["api_calls"] == len(steps)


def test_trajectory_contains_a_failed_attempt_and_the_recovery(traj: dict) -> None:
    steps = traj["trajectory"]
    pytest_runs = [s["observation"] for s in steps if s["action"].startswith("pytest")]
    assert "1 failed" in pytest_runs[0]
    assert "test_leaf_values_are_shared_not_copied" in pytest_runs[0]
    assert re.search(r"^\d+ passed", pytest_runs[-1], re.MULTILINE)
    assert "failed" not in pytest_runs[-1]


def _base_lines(repo: git.Repo, commit: str, path: str) -> list[str] | None:
    try:
        return repo.git.show(f"{commit}:{path}", strip_newline_in_stdout=False).splitlines()
    except git.GitCommandError:
        return None


class _Replay:
    """The files as the agent's commands left them, read from the base commit on first use."""

    def __init__(self, repo: git.Repo, base: str) -> None:
        self.repo, self.base = repo, base
        self.files: dict[str, list[str] | None] = {}

    def lines_of(self, path: str) -> list[str] | None:
        if path not in self.files:
            self.files[path] = _base_lines(self.repo, self.base, path)
        return self.files[path]

    def run(self, command: str, args: list[str], body: str, open_file: str, number: int) -> None:
        """Apply a create, rm or edit command (others change no file)."""
        if command == "create":
            self.files[args[0]] = [""]
        elif command == "rm":
            self.files[args[0]] = None
        elif command == "edit":
            start, end = map(int, args[0].split(":"))
            assert body.endswith("end_of_edit\n"), number
            lines = self.lines_of(_rel(open_file))
            assert lines is not None, number
            lines[start - 1:end] = body[: -len("end_of_edit\n")].splitlines()

    def check_view(self, command: str, args: list[str], observation: str, number: int) -> bool:
        """Whether the observation shows a ``[File: ...]`` view, each shown line as it is."""
        header = re.match(r"\[File: (\S+) \((\d+) lines total\)\]\n", observation)
        if not header:
            return False
        path = _rel(header.group(1))
        if command in ("open", "create"):
            assert path == args[0], number
        lines = self.lines_of(path)
        assert lines is not None, number
        assert len(lines) == int(header.group(2)), number
        shown = re.findall(r"^(\d+):(.*)$", observation, re.MULTILINE)
        assert shown, number
        for line_no, text in shown:
            assert lines[int(line_no) - 1] == text, (number, path, line_no)
        return True

    def check_search(self, first: str, observation: str, number: int) -> None:
        """A ``search_dir`` observation's match counts against the files."""
        term = re.match(r'search_dir "([^"]+)"', first).group(1)
        for path, count in re.findall(r"^/testbed/(\S+) \((\d+) matches\)$",
                                      observation, re.MULTILINE):
            lines = self.lines_of(path)
            assert lines is not None, number
            assert sum(term in line for line in lines) == int(count), (number, path)


def _rel(path: str) -> str:
    return path[len(WORKDIR) + 1:] if path.startswith(WORKDIR + "/") else path


def test_trajectory_file_views_match_the_files(tmp_path: Path, task: dict, traj: dict,
                                               patch_diff: str) -> None:
    """Replay create/edit/rm on the base files: every ``[File: ...]`` view shows exactly the
    lines the file has at that point, ``search_dir`` counts agree, and the replayed edits
    end where patch.diff does."""
    base = task["base_commit"]
    repo = clone(tmp_path / "replay", base)
    try:
        replay = _Replay(repo, base)
        views = 0
        for number, step in enumerate(traj["trajectory"], start=1):
            first, _, body = step["action"].partition("\n")
            command, *args = first.split()
            replay.run(command, args, body, json.loads(step["state"])["open_file"], number)
            views += replay.check_view(command, args, step["observation"], number)
            if command == "search_dir":
                replay.check_search(first, step["observation"], number)
        assert views >= 8

        apply(repo, patch_diff, "agent")
        files = replay.files
        touched = {p for p, lines in files.items() if lines != _base_lines(repo, base, p)}
        for path in touched:
            after = Path(repo.working_dir) / path
            expected = after.read_text(encoding="utf-8").splitlines() if after.exists() else None
            assert files[path] == expected, path
        assert "tinyconf/merge.py" in touched
    finally:
        repo.close()
