"""`reasondraft inspect`: the summary, the numbered steps, JSON, ATIF export, bad input."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

from reasondraft.trajectory import load_trajectory, summarize
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
        "observation": "[File: /acme__widgets/widgets/core.py (40 lines total)]",
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
