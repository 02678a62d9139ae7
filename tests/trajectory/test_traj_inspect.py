"""`reasondraft inspect`: the summary, the numbered steps, JSON, ATIF export, bad input."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

from reasondraft.trajectory import load_trajectory, summarize
from reasondraft.trajectory.paths import Workspace
from reasondraft.trajectory.steps import one_line


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reasondraft", *args], capture_output=True,
                          text=True, check=False, env={**os.environ, "COLUMNS": "120"})


def test_summary_counts_kinds_files_and_tests(fixtures: Path) -> None:
    summary = summarize(load_trajectory(fixtures / "swe_agent_0x.traj"), with_steps=True)
    assert summary["kinds"] == {"view": 1, "edit": 1, "test": 1, "submit": 1}
    assert summary["files_viewed"] == ["widgets/core.py"]
    assert summary["files_edited"] == ["widgets/core.py"]
    assert summary["test_commands"] == ["python -m pytest tests/test_core.py::test_size -q"]
    assert summary["step_list"][1] == {
        "number": 2, "kind": "edit", "agent": None, "action": "edit 2:2",
        "paths": ["widgets/core.py"],
        "observation": "[File: widgets/core.py (40 lines total)]",
        "exit_code": None}


def test_inspect_json(fixtures: Path) -> None:
    result = run("inspect", str(fixtures / "openhands_output.jsonl"), "--id", "acme__widgets-7",
                 "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"format", "format_version", "steps", "instance_id", "files_viewed",
            "files_edited", "submission"} <= data.keys()
    assert (data["format"], data["steps"], data["instance_id"]) == \
        ("openhands", 5, "acme__widgets-7")
    assert data["submission"].startswith("diff --git")
    assert "step_list" not in data


def test_inspect_text_with_steps(fixtures: Path) -> None:
    result = run("inspect", str(fixtures / "swe_agent_multi.traj"), "--steps")
    assert result.returncode == 0, result.stderr
    assert "3 steps: 1 search, 1 think, 1 message" in result.stdout
    assert "agents: Manager, Programmer" in result.stdout
    assert "submission: none" in result.stdout
    lines = result.stdout.splitlines()
    assert any(line.split()[:3] == ["2", "search", "Programmer:"] for line in lines if line)


def test_steps_show_repository_paths_not_container_paths(fixtures: Path) -> None:
    """The list read "view /workspace/psf__requests__2.4/r…": paths are shown as
    references write them, and a command run from the root without its "cd <root> &&"."""
    result = run("inspect", str(fixtures / "openhands_output.jsonl"), "--id", "acme__widgets-7",
                 "--steps")
    assert result.returncode == 0, result.stderr
    assert "/workspace/" not in result.stdout
    rows = [line.split()[:4] for line in result.stdout.splitlines()]
    assert ["1", "view", "view", "widgets/core.py"] in rows
    assert ["2", "test", "python", "-m"] in rows
    assert "test: python -m pytest tests/test_core.py -q" in result.stdout


def test_unrooted_writes_paths_inside_the_root_repo_relative() -> None:
    workspace = Workspace("/workspace/acme__widgets__1.0")
    assert workspace.unrooted(
        "cd /workspace/acme__widgets__1.0 && cat /workspace/acme__widgets__1.0/a/b.py "
        "/tmp/x.py /workspace/acme__widgets__1.01/c.py /workspace/acme__widgets__1.0/../d"
    ) == "cd . && cat a/b.py /tmp/x.py /workspace/acme__widgets__1.01/c.py " \
         "/workspace/acme__widgets__1.0/../d"
    # no root recorded: the well-known ones are recognised
    assert Workspace(None).unrooted("Found 1 match in /psf__requests/requests/models.py:") \
        == "Found 1 match in requests/models.py:"


def test_one_step_whole_with_the_edit_text_and_the_full_output(fixtures: Path) -> None:
    path = fixtures / "swe_agent_0x.traj"
    step = load_trajectory(path).steps[1]
    result = run("inspect", str(path), "--step", "2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("step 2 · edit\nfiles: widgets/core.py\n")
    assert f"\nthought\n{step.thought}\n" in result.stdout
    assert "\naction: bash\nedit 2:2\n    return abs(w.width * w.height)\nend_of_edit\n" \
        in result.stdout
    assert f"\noutput\n{step.observation.text}" in result.stdout  # the list cuts it to a line


def test_one_step_of_a_tool_call_shows_each_argument(fixtures: Path) -> None:
    result = run("inspect", str(fixtures / "openhands_output.jsonl"), "--id", "acme__widgets-7",
                 "--step", "3")
    assert result.returncode == 0, result.stderr
    assert "\naction: str_replace_editor\n" in result.stdout
    assert "\nold_str:\n    return w.width * w.height\nnew_str:\n    return abs(w.width * " \
           "w.height)\n" in result.stdout


def test_one_step_as_json_is_the_whole_step(fixtures: Path) -> None:
    path = fixtures / "openhands_output.jsonl"
    result = run("inspect", str(path), "--id", "acme__widgets-7", "--step", "3", "--json")
    assert result.returncode == 0, result.stderr
    step = load_trajectory(path, "acme__widgets-7").steps[2]
    assert json.loads(result.stdout) == step.model_dump(mode="json")


def test_a_step_out_of_range_is_bad_input(fixtures: Path, tmp_path: Path) -> None:
    path = fixtures / "swe_agent_0x.traj"
    empty = tmp_path / "empty.traj"
    empty.write_text(json.dumps({"environment": "x", "trajectory": [], "history": []}))
    for args, message in (([path, "--step", "5"], "--step 5: the trajectory has 4 steps (1-4)"),
                          ([path, "--step", "0"], "--step 0: the trajectory has 4 steps (1-4)"),
                          ([empty, "--step", "1"], "--step 1: the trajectory has no steps"),
                          ([path, "--step", "1", "--steps"], "without --steps and --to")):
        result = run("inspect", *map(str, args))
        assert result.returncode == 2
        assert result.stderr.startswith("error:")
        assert result.stderr.count("\n") == 1
        assert message in result.stderr


def test_inspect_to_atif(fixtures: Path) -> None:
    result = run("inspect", str(fixtures / "mini_swe_agent_1_1.traj.json"), "--to", "atif")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema_version"] == "ATIF-v1.4"
    assert doc["agent"] == {"name": "mini-swe-agent", "version": "1.1",
                            "model_name": "deepseek/test-chat"}
    assert len(doc["steps"]) == 3
    assert doc["extra"]["instance_id"] == "acme__widgets-7"


def test_inspect_bad_input_is_one_line_exit_2(fixtures: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.traj"
    empty.write_text("")
    for args in (["inspect", str(empty)],
                 ["inspect", str(fixtures / "openhands_output.jsonl")],
                 ["inspect", str(fixtures / "swe_agent_0x.traj"), "--to", "yaml"]):
        result = run(*args)
        assert result.returncode == 2
        assert result.stderr.startswith("error:")
        assert result.stderr.count("\n") == 1
        assert "Traceback" not in result.stderr


def test_one_line_is_the_first_non_blank_line_without_splitting_the_text() -> None:
    """One 200 MB observation line was split (and copied) to show its first 160 characters;
    the answer stays the one str.splitlines gives."""
    def by_splitting(text: str, limit: int) -> str:
        line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
        return line if len(line) <= limit else line[: limit - 1] + "…"

    rng = random.Random(3)
    pieces = ["a", " ", "\n", "\r", "\t", "\x0b", "\x1c", "\x1f", "\u2028", "\x85", "\u3000"]
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 24)))
        limit = rng.randint(1, 10)
        assert one_line(text, limit) == by_splitting(text, limit), (text, limit)
    assert one_line("\n  " + "x" * 50_000_000 + " end") == "x" * 159 + "…"
