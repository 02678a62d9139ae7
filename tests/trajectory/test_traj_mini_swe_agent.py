"""mini-swe-agent trajectories: 1 (fenced bash blocks) and 1.1 (tool calls)."""

from __future__ import annotations

import json
from pathlib import Path

from reasondraft.trajectory import StepKind, load_trajectory


def test_mini_swe_agent_1_commands_in_bash_blocks(fixtures: Path) -> None:
    traj = load_trajectory(fixtures / "mini_swe_agent_1.traj.json")
    assert (traj.format, traj.format_version) == ("mini-swe-agent", "1")
    assert traj.instance_id == "acme__widgets-7"
    assert traj.model == "gpt-test"
    assert [s.kind for s in traj.steps] == [StepKind.SEARCH, StepKind.EDIT, StepKind.MESSAGE,
                                            StepKind.SUBMIT]
    search, edit, message, _ = traj.steps
    assert search.action.arguments == {"command": 'grep -rn "def size" widgets/'}
    assert search.thought == "THOUGHT: find the helper."
    assert search.observation is not None
    assert search.observation.text == "widgets/core.py:1:def size(w):"
    assert search.observation.exit_code == 0
    assert edit.paths == ["widgets/core.py"]
    # a turn without a command is a message; the format complaint is its observation
    assert message.observation is not None
    assert "EXACTLY ONE" in message.observation.text
    assert traj.submission is not None
    assert traj.submission.startswith("diff --git")


def test_mini_swe_agent_1_1_tool_calls(fixtures: Path) -> None:
    traj = load_trajectory(fixtures / "mini_swe_agent_1_1.traj.json")
    assert (traj.format, traj.format_version) == ("mini-swe-agent", "1.1")
    read, test, submit = traj.steps
    # two parallel calls in one turn are one step
    assert [c.arguments["command"] for c in read.action.calls] == [
        "cat widgets/core.py", "nl -ba tests/test_core.py | head -20"]
    assert read.paths == ["widgets/core.py", "tests/test_core.py"]
    assert read.kind == StepKind.VIEW
    assert read.timestamp is not None
    assert test.kind == StepKind.TEST
    assert test.observation is not None
    assert test.observation.exit_code == 1
    assert submit.kind == StepKind.SUBMIT
    assert traj.submission is not None
    assert "abs(" in traj.submission  # the exit message
    assert (traj.stats.input_tokens, traj.stats.output_tokens) == (600, 30)


def test_files_from_before_trajectory_format(fixtures: Path, tmp_path: Path) -> None:
    doc = json.loads((fixtures / "mini_swe_agent_1.traj.json").read_text())
    del doc["trajectory_format"]  # older files: known by info.mini_version only
    path = tmp_path / "old.traj.json"
    path.write_text(json.dumps(doc))
    traj = load_trajectory(path)
    assert (traj.format, traj.format_version, len(traj.steps)) == ("mini-swe-agent", "1", 4)
