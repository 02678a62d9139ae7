"""Chat transcripts: OpenAI tool_calls and Anthropic tool_use blocks, JSON and JSONL."""

from __future__ import annotations

import json
from pathlib import Path

from reasondraft.trajectory import StepKind, load_trajectory


def test_openai_messages(fixtures: Path) -> None:
    traj = load_trajectory(fixtures / "chat_openai.json")
    assert (traj.format, traj.format_version) == ("chat", "openai")
    assert traj.workspace_root == "/repo"
    assert [s.kind for s in traj.steps] == [StepKind.SEARCH, StepKind.VIEW, StepKind.EDIT,
                                            StepKind.MESSAGE]
    search, views, edit, final = traj.steps
    assert search.thought == "Let me look for the function."
    assert views.thought == "Both files matter; read them at once."
    assert len(views.action.calls) == 2
    assert views.paths == ["widgets/core.py", "tests/test_core.py"]
    assert views.observation is not None
    assert "def test_size" in views.observation.text
    assert edit.paths == ["widgets/core.py"]
    assert final.action.name == "message"
    assert final.observation is None


def test_anthropic_blocks_in_jsonl(fixtures: Path) -> None:
    traj = load_trajectory(fixtures / "chat_anthropic.jsonl")
    assert (traj.format, traj.format_version) == ("chat", "anthropic")
    test, edit, final = traj.steps
    assert test.kind == StepKind.TEST
    assert test.thought == "Start from the test that fails.\n\nRunning the tests first."
    assert test.observation is not None
    assert test.observation.text == "1 failed"
    assert (edit.kind, edit.paths) == (StepKind.EDIT, ["widgets/core.py"])
    assert final.kind == StepKind.MESSAGE


def test_messages_object_with_metadata(fixtures: Path, tmp_path: Path) -> None:
    messages = json.loads((fixtures / "chat_openai.json").read_text())
    path = tmp_path / "conversation.json"
    path.write_text(json.dumps({"instance_id": "acme__widgets-7", "messages": messages,
                                "model_patch": "diff --git a/x b/x\n"}))
    traj = load_trajectory(path)
    assert traj.instance_id == "acme__widgets-7"
    assert len(traj.steps) == 4
    assert traj.submission == "diff --git a/x b/x\n"
