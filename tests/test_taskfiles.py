"""A task folder's inputs and their hashes (what provenance records and approvals bind)."""

from __future__ import annotations

import hashlib
import json

import pytest

from reasondraft.errors import InputError
from reasondraft.taskfiles import input_hashes, trajectory_files, trajectory_hash


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def test_a_trajectory_folder_hashes_its_names_and_bytes_in_order(tmp_path) -> None:
    session = tmp_path / "trajectory"
    (session / "events").mkdir(parents=True)
    (session / "events" / "1.json").write_bytes(b"{}")
    (session / "meta.json").write_bytes(b"[]")
    (session / "notes.txt").symlink_to("/etc/hostname")  # not copied, not hashed
    files, skipped = trajectory_files(session)
    assert list(files) == ["trajectory/events/1.json", "trajectory/meta.json"]
    assert skipped == ["trajectory/notes.txt: a symbolic link"]
    assert trajectory_hash(files) == sha(b"trajectory/events/1.json\0{}"
                                         b"trajectory/meta.json\0[]")
    single = tmp_path / "run.traj"
    single.write_bytes(b"[1]")
    assert trajectory_files(single) == ({"trajectory.traj": b"[1]"}, [])
    assert trajectory_hash(trajectory_files(single)[0]) == sha(b"[1]")
    assert trajectory_hash({"task.json": b"{}"}) is None


def test_input_hashes_of_a_folder(tmp_path) -> None:
    front = {"instance_id": "a__b-1", "repo": "a/b", "base_commit": "abc", "status": "draft"}
    (tmp_path / "patch.diff").write_bytes(b"diff")
    (tmp_path / "trajectory.json").write_bytes(b"[]")
    hashes = input_hashes(front, tmp_path)
    assert hashes == {"front": sha(json.dumps({"base_commit": "abc", "instance_id": "a__b-1",
                                               "repo": "a/b"}, sort_keys=True).encode()),
                      "task": None, "patch": sha(b"diff"), "trajectory": sha(b"[]"),
                      "report": None}
    assert input_hashes({**front, "status": "approved"}, tmp_path) == hashes
    assert input_hashes({**front, "base_commit": "def"}, tmp_path)["front"] != hashes["front"]
    (tmp_path / "trajectory.traj").write_bytes(b"[]")
    with pytest.raises(InputError, match="several trajectories"):
        input_hashes(front, tmp_path)
