"""SWE-agent .traj files: 0.x, 1.x (function calling) and multi-agent runs."""

from __future__ import annotations

from pathlib import Path

from reasondraft.trajectory import StepKind, load_trajectory


def test_swe_agent_0x(fixtures: Path) -> None:
    traj = load_trajectory(fixtures / "swe_agent_0x.traj")
    assert (traj.format, traj.format_version) == ("swe-agent", "0.x")
    assert [s.kind for s in traj.steps] == [StepKind.VIEW, StepKind.EDIT, StepKind.TEST,
                                            StepKind.SUBMIT]
    assert [s.number for s in traj.steps] == [1, 2, 3, 4]
    assert traj.workspace_root == "/acme__widgets"
    edit = traj.steps[1]
    assert edit.paths == ["widgets/core.py"]  # `edit 2:2` acts on the open file from `state`
    assert edit.action.name == "bash"
    assert edit.action.text == "edit 2:2"
    assert edit.thought == "Negative sizes must not leak out."
    assert traj.steps[2].paths == ["tests/test_core.py"]
    assert traj.submission is not None
    assert "+    return abs(" in traj.submission
    assert traj.stats.cost == 0.25
    assert traj.stats.input_tokens == 1200
    assert traj.steps[0].agent is None  # a single agent is not named on each step


def test_swe_agent_1x_function_calling(fixtures: Path) -> None:
    traj = load_trajectory(fixtures / "swe_agent_1x.traj")
    assert (traj.format, traj.format_version) == ("swe-agent", "1.x")
    # replay_config arrives as a JSON string here
    assert traj.instance_id == "acme__widgets-7"
    assert traj.model == "claude-test-1"
    assert traj.base_commit == "1" * 40
    assert traj.workspace_root == "/testbed"
    view, edit, test, submit = traj.steps
    assert view.action.name == "str_replace_editor"
    assert view.action.arguments == {"command": "view", "path": "/testbed/widgets/core.py"}
    assert (view.kind, view.paths) == (StepKind.VIEW, ["widgets/core.py"])
    assert (edit.kind, edit.paths) == (StepKind.EDIT, ["widgets/core.py"])
    assert test.kind == StepKind.TEST
    assert test.action.name == "bash"
    assert submit.kind == StepKind.SUBMIT
    assert submit.observation is not None


def test_multi_agent_steps_name_their_agent(fixtures: Path) -> None:
    traj = load_trajectory(fixtures / "swe_agent_multi.traj")
    assert traj.agents == ["Manager", "Programmer"]
    assert [(s.agent, s.kind) for s in traj.steps] == [
        ("Manager", StepKind.THINK), ("Programmer", StepKind.SEARCH),
        ("Programmer", StepKind.MESSAGE)]
    assert traj.steps[1].paths == ["widgets/core.py"]
    assert traj.submission is None
