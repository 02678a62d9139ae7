"""A task folder's trajectory: trajectory.<ext> or a trajectory/ events folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reasondraft.errors import InputError
from reasondraft.task import load_task, summarize


@pytest.fixture
def task_folder(make_repo, tmp_path: Path) -> tuple[Path, Path]:
    repo = make_repo()
    base = repo.commit({"widgets/core.py": "def size(w):\n    return w.width * w.height\n"})
    head = repo.commit({"widgets/core.py": "def size(w):\n    return abs(w.width * w.height)\n"})
    folder = tmp_path / "acme__widgets-7"
    folder.mkdir()
    (folder / "task.json").write_text(json.dumps(
        {"instance_id": "acme__widgets-7", "repo": "acme/widgets", "base_commit": base}))
    (folder / "patch.diff").write_text(repo.diff(base, head))
    return folder, repo.path


def test_folder_trajectory_file(task_folder, fixtures: Path) -> None:
    folder, repo = task_folder
    assert load_task(folder, repo=repo).trajectory is None
    shutil.copy(fixtures / "mini_swe_agent_1_1.traj.json", folder / "trajectory.json")
    task = load_task(folder, repo=repo)
    assert task.trajectory is not None
    assert len(task.trajectory.steps) == 3
    assert summarize(task)["trajectory"]["format"] == "mini-swe-agent"


def test_folder_trajectory_events_and_explicit_path(task_folder, fixtures: Path) -> None:
    folder, repo = task_folder
    shutil.copytree(fixtures / "openhands_session", folder / "trajectory")
    task = load_task(folder, repo=repo)
    assert task.trajectory is not None
    assert task.trajectory.format == "openhands"
    explicit = load_task(folder, repo=repo, trajectory=fixtures / "swe_agent_0x.traj")
    assert explicit.trajectory is not None
    assert explicit.trajectory.format == "swe-agent"


def test_trajectory_of_another_instance_is_refused(task_folder, fixtures: Path) -> None:
    folder, repo = task_folder
    record = json.loads((fixtures / "mini_swe_agent_1_1.traj.json").read_text())
    (folder / "trajectory.json").write_text(json.dumps({**record, "instance_id": "other-1"}))
    with pytest.raises(InputError, match="holds instance 'other-1', not 'acme__widgets-7'"):
        load_task(folder, repo=repo)
