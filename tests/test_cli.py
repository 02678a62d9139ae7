"""The CLI shell: help, version, and bad input as one line with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from reasondraft import __version__

RECORD = {"instance_id": "acme__w-1", "repo": "acme/w", "problem_statement": "x"}


def run(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reasondraft", *args], capture_output=True,
                          text=True, cwd=cwd, check=False)


def test_help_lists_commands_and_version() -> None:
    assert "task" in run("--help").stdout
    assert run("--version").stdout.strip() == f"reasondraft {__version__}"


@pytest.fixture
def task_inputs(make_repo, tmp_path):
    repo = make_repo()
    base = repo.commit({"mod.py": "A = 1\n"})
    head = repo.commit({"mod.py": "A = 2\n"})
    inst = tmp_path / "inst.json"
    inst.write_text(json.dumps(dict(RECORD, base_commit=base, patch=repo.diff(base, head))))
    return repo, inst, base


def test_task_summary_json(task_inputs) -> None:
    repo, inst, base = task_inputs
    result = run("task", "--instance", str(inst), "--repo", str(repo.path), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["base_commit"] == base
    assert summary["patch_source"] == "gold"
    assert summary["files"][0]["path"] == "mod.py"


def _bad_cases(repo, inst, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"instance_id": ')
    nocommit = tmp_path / "nocommit.json"
    fix = "--- a/mod.py\n+++ b/mod.py\n@@ -1 +1 @@\n-A = 1\n+A = 2\n"
    nocommit.write_text(json.dumps(dict(RECORD, base_commit="0" * 40, patch=fix)))
    bad_diff = tmp_path / "bad.diff"
    bad_diff.write_text("--- a/mod.py\n+++ b/mod.py\n@@ -1 +1 @@\n-B = 1\n+B = 2\n")
    garbage_diff = tmp_path / "garbage.diff"
    garbage_diff.write_text("--- a/mod.py\n+++ b/mod.py\n@@ -1,5 +1,5 @@\n-x\n")
    jsonl = tmp_path / "set.jsonl"
    jsonl.write_text(json.dumps(RECORD) + "\n")
    return {
        "missing file": (["--instance", str(tmp_path / "none.json")], "file not found"),
        "invalid json": (["--instance", str(broken)], "invalid JSON at line 1, column 17"),
        "id not in jsonl": (["--instance", str(jsonl), "--id", "acme__w-2"],
                            "nearest: acme__w-1"),
        "not a git repo": (["--instance", str(inst), "--repo", str(tmp_path)],
                           "not a git repository"),
        "unknown commit": (["--instance", str(nocommit), "--repo", str(repo.path)],
                           "is not in the repository"),
        "diff does not apply": (["--instance", str(inst), "--repo", str(repo.path), "--patch",
                                 str(bad_diff)], "mod.py: hunk 1 (@@ -1,1 +1,1 @@) does not"),
        "diff does not parse": (["--instance", str(inst), "--repo", str(repo.path), "--patch",
                                 str(garbage_diff)], "diff does not parse"),
    }


@pytest.mark.parametrize("case", ["missing file", "invalid json", "id not in jsonl",
                                  "not a git repo", "unknown commit", "diff does not apply",
                                  "diff does not parse"])
def test_bad_input_is_one_line_exit_2(case, task_inputs, tmp_path) -> None:
    repo, inst, _ = task_inputs
    args, message = _bad_cases(repo, inst, tmp_path)[case]
    result = run("task", *args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
