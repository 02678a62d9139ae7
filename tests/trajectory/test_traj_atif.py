"""Harbor's ATIF: reading files, and writing ours so they read back the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reasondraft.trajectory import StepKind, load_trajectory, to_atif

ALL = ["swe_agent_0x.traj", "swe_agent_1x.traj", "swe_agent_multi.traj",
       "mini_swe_agent_1.traj.json", "mini_swe_agent_1_1.traj.json", "openhands_session",
       "chat_openai.json", "chat_anthropic.jsonl", "atif_v1_4.json"]


def test_read_atif(fixtures: Path) -> None:
    traj = load_trajectory(fixtures / "atif_v1_4.json")
    assert (traj.format, traj.format_version) == ("atif", "1.4")
    assert traj.model == "acme/model-x"
    assert traj.stats.cost == 0.002
    # only agent steps are steps: the system prompt and the user's task are context
    assert [s.kind for s in traj.steps] == [StepKind.VIEW, StepKind.EDIT, StepKind.MESSAGE]
    view, edit, _ = traj.steps
    assert view.thought == "The bug is probably in core.py.\n\nLet me see the file."
    assert view.paths == ["widgets/core.py"]  # /app, Harbor's workspace, is a known root
    assert edit.observation is not None
    assert edit.observation.text == "(no output)"


@pytest.mark.parametrize("name", ALL)
def test_atif_export_reads_back_the_same(fixtures: Path, tmp_path: Path, name: str) -> None:
    traj = load_trajectory(fixtures / name)
    doc = to_atif(traj)
    assert doc["schema_version"] == "ATIF-v1.4"
    assert [s["step_id"] for s in doc["steps"]] == list(range(1, len(traj.steps) + 1))
    for step in doc["steps"]:
        ids = {c["tool_call_id"] for c in step.get("tool_calls", [])}
        for result in step.get("observation", {}).get("results", []):
            assert result.get("source_call_id", next(iter(ids), None)) in ids | {None}
    path = tmp_path / "out.json"
    path.write_text(json.dumps(doc))
    back = load_trajectory(path)
    assert back.format == "atif"
    assert back.submission == traj.submission
    assert back.instance_id == traj.instance_id
    assert back.model == traj.model
    assert back.agents == traj.agents
    for before, after in zip(traj.steps, back.steps, strict=True):
        assert after.model_dump(exclude={"action"}) == before.model_dump(exclude={"action"})
        assert after.action.calls == before.action.calls
        assert (after.action.name, after.action.arguments) == \
            (before.action.name, before.action.arguments)
