"""OpenHands: an event-store folder, a JSON list of events, output.jsonl rows."""

from __future__ import annotations

import json
from pathlib import Path

from reasondraft.trajectory import StepKind, load_trajectory

KINDS = [StepKind.VIEW, StepKind.TEST, StepKind.EDIT, StepKind.THINK, StepKind.SUBMIT]


def test_event_folder(fixtures: Path) -> None:
    traj = load_trajectory(fixtures / "openhands_session")
    assert (traj.format, traj.format_version) == ("openhands", "events")
    assert [s.kind for s in traj.steps] == KINDS  # system, user and recall events are no steps
    assert traj.workspace_root == "/workspace/acme__widgets__1.0"  # from <uploaded_files>
    read, test, edit, think, _ = traj.steps
    assert read.paths == ["widgets/core.py"]
    assert read.thought == "Look at the helper."
    assert test.observation is not None
    assert test.observation.exit_code == 1  # via `cause`
    assert test.paths == ["tests/test_core.py"]
    assert edit.action.arguments["new_str"] == "    return abs(w.width * w.height)"
    assert "security_risk" not in edit.action.arguments
    assert think.action.arguments == {"thought": "Zero-area widgets stay zero; negative "
                                                 "widths now count."}
    assert traj.model == "acme/test-model"
    assert traj.stats.cost == 0.05
    assert traj.submission is None


def test_events_as_a_json_list(fixtures: Path, tmp_path: Path) -> None:
    folder = fixtures / "openhands_session" / "events"
    events = [json.loads((folder / f"{i}.json").read_text()) for i in range(14)]
    listed = tmp_path / "events.json"
    listed.write_text(json.dumps(events))
    traj = load_trajectory(listed)
    assert traj.format == "openhands"
    assert [s.kind for s in traj.steps] == KINDS


def test_output_jsonl_rows(fixtures: Path) -> None:
    path = fixtures / "openhands_output.jsonl"
    traj = load_trajectory(path, "acme__widgets-7")
    assert traj.instance_id == "acme__widgets-7"
    assert traj.agents == ["CodeActAgent"]
    assert [s.kind for s in traj.steps] == KINDS
    assert traj.submission is not None
    assert traj.submission.startswith("diff --git")
    old = load_trajectory(path, "acme__widgets-8")  # history as [action, observation] pairs
    assert [s.kind for s in old.steps] == [StepKind.VIEW, StepKind.SUBMIT]
    assert old.steps[0].observation is not None
    assert old.steps[0].observation.exit_code == 0
    assert old.steps[0].paths == ["widgets/shape.py"]
    assert old.submission is None
