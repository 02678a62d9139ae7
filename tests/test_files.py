"""Reads open only regular files, within a size limit per kind of file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reasondraft.errors import InputError
from reasondraft.files import iter_jsonl, iter_lines, read_bytes, read_json, read_text


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "trajectory.traj"
    os.mkfifo(path)
    return path


def test_a_fifo_is_refused_at_once_not_waited_on(fifo: Path) -> None:
    # No process ever writes to it: a plain open() would block here forever.
    for read in (read_bytes, read_text, read_json, lambda p: list(iter_lines(p)),
                 lambda p: list(iter_jsonl(p))):
        with pytest.raises(InputError, match=r"trajectory\.traj: not a regular file \(a FIFO\)"):
            read(fifo)


def test_a_link_to_a_device_is_refused_a_link_to_a_file_is_read(tmp_path: Path) -> None:
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")
    with pytest.raises(InputError, match=r"zero\.json: not a regular file \(a character device"):
        read_bytes(zero)
    real = tmp_path / "real.json"
    real.write_text('{"a": 1}')
    (tmp_path / "link.json").symlink_to(real)
    assert read_json(tmp_path / "link.json") == {"a": 1}


def test_missing_and_directory_keep_their_messages(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_bytes(tmp_path / "nope")
    with pytest.raises(InputError, match="is a directory"):
        read_bytes(tmp_path)


def test_a_file_over_its_kind_limit_is_one_line(tmp_path: Path, monkeypatch) -> None:
    draft = tmp_path / "draft.md"
    draft.write_text("x" * 3000)
    assert read_text(draft, kind="draft") == "x" * 3000  # default: 10 MiB
    monkeypatch.setenv("REASONDRAFT_MAX_DRAFT_SIZE", "2K")
    with pytest.raises(InputError) as caught:
        read_text(draft, kind="draft")
    assert str(caught.value) == (f"{draft}: 2.9 KiB, over the draft size limit of 2 KiB "
                                 "(REASONDRAFT_MAX_DRAFT_SIZE raises it)")
    assert read_text(draft, kind="trajectory") == "x" * 3000  # other kinds keep theirs
    monkeypatch.setenv("REASONDRAFT_MAX_DRAFT_SIZE", "lots")
    with pytest.raises(InputError, match="REASONDRAFT_MAX_DRAFT_SIZE: 'lots' is not a size"):
        read_text(draft, kind="draft")


def test_streamed_lines_stop_at_the_limit(tmp_path: Path, monkeypatch) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"instance_id": "a"}\n' * 100)
    assert len(list(iter_jsonl(rows, kind="instance"))) == 100
    monkeypatch.setenv("REASONDRAFT_MAX_INSTANCE_SIZE", "1000")
    with pytest.raises(InputError, match=r"over the instance size limit of 1000 bytes"):
        list(iter_jsonl(rows, kind="instance"))


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_a_file_that_says_size_0_is_still_read_only_to_the_limit(monkeypatch) -> None:
    """/proc files (like a file still growing) tell a size that is not what a read gets."""
    status = Path("/proc/self/status")
    assert read_text(status).startswith("Name:")
    monkeypatch.setenv("REASONDRAFT_MAX_FILE_SIZE", "16")
    with pytest.raises(InputError, match=r"more than 16 bytes, over the file size limit"):
        read_bytes(status)


def test_records_are_limited_one_by_one_documents_as_a_whole(tmp_path: Path,
                                                             monkeypatch) -> None:
    """An OpenHands output.jsonl holds a run per line and may be larger than the limit: a
    run is picked by its id. Rows that form one document count together."""
    from reasondraft.trajectory import load_trajectory

    runs = tmp_path / "output.jsonl"
    run = {"instance_id": "x", "history": [{"id": 0, "source": "user", "action": "message",
                                            "args": {"content": "fix it " * 40}}]}
    runs.write_text("".join(json.dumps({**run, "instance_id": f"r{i}"}) + "\n"
                            for i in range(20)))
    monkeypatch.setenv("REASONDRAFT_MAX_TRAJECTORY_SIZE", "2K")  # the file is ~8 KiB
    assert load_trajectory(runs, "r17").instance_id == "r17"
    chat = tmp_path / "chat.jsonl"
    chat.write_text("".join(json.dumps({"role": "user", "content": "x" * 300}) + "\n"
                            for _ in range(10)))
    with pytest.raises(InputError, match=r"chat\.jsonl: more than 2 KiB, over the trajectory"):
        load_trajectory(chat)
    monkeypatch.setenv("REASONDRAFT_MAX_TRAJECTORY_SIZE", "300")
    with pytest.raises(InputError, match=r"output\.jsonl: line 1 is more than the trajectory"):
        load_trajectory(runs, "r17")
