"""A FIFO or a link to a device among a task's inputs is refused at once by every command
that reads it (it used to hang, or read /dev/zero until memory ran out)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def run(*args: object) -> subprocess.CompletedProcess[str]:
    """A command in a new process; the timeout only stops a hang from stalling the suite."""
    return subprocess.run([sys.executable, "-m", "reasondraft", *map(str, args)],
                          capture_output=True, text=True, timeout=120, check=False)


def commands(task) -> list[tuple[object, ...]]:
    folder = task.folder
    return [("verify", folder), ("task", folder, "--repo", task.repo), ("show", folder),
            ("status", folder.parent, "--verify"), ("inspect", folder / "trajectory.traj")]


@pytest.mark.parametrize("special", ["fifo", "device"])
def test_every_command_refuses_a_special_trajectory(task, special: str) -> None:
    (task.folder / "trajectory.json").unlink()
    trajectory = task.folder / "trajectory.traj"
    if special == "fifo":
        os.mkfifo(trajectory)
        what = "a FIFO"
    else:
        trajectory.symlink_to("/dev/zero")
        what = "a character device"
    for args in commands(task):
        result = run(*args)
        said = result.stdout + result.stderr
        assert f"trajectory.traj: not a regular file ({what})" in said, (args, said)
        if args[0] in ("status", "show"):  # they show the draft and say what is missing
            assert result.returncode == 0, said
        else:
            assert result.returncode == 2, (args, said)
            assert "Traceback" not in said, (args, said)
            assert len(result.stderr.strip().splitlines()) == 1, (args, said)


def test_a_fifo_draft_is_a_broken_row_and_a_refusal(task) -> None:
    (task.folder / "draft.md").unlink()
    os.mkfifo(task.folder / "draft.md")
    status = run("status", task.folder.parent, "--json")
    assert status.returncode == 0
    assert "not a regular file (a FIFO)" in status.stdout
    verify = run("verify", task.folder)
    assert verify.returncode == 2
    assert "draft.md: not a regular file (a FIFO)" in verify.stderr


def test_a_session_folder_over_the_trajectory_limit(tmp_path: Path, monkeypatch) -> None:
    from reasondraft.errors import InputError
    from reasondraft.trajectory import load_trajectory

    session = tmp_path / "session"
    shutil.copytree(Path(__file__).parent.parent / "trajectory" / "fixtures" /
                    "openhands_session", session)
    assert load_trajectory(session).steps
    monkeypatch.setenv("REASONDRAFT_MAX_TRAJECTORY_SIZE", "2K")
    with pytest.raises(InputError, match=r"session: its files add up to more than the "
                                         r"trajectory size limit of 2 KiB"):
        load_trajectory(session)
    monkeypatch.delenv("REASONDRAFT_MAX_TRAJECTORY_SIZE")
    os.mkfifo(session / "events" / "99.json")
    with pytest.raises(InputError):  # a gap in the ids or the FIFO: refused, not waited on
        load_trajectory(session)
