"""Format detection from content, and every kind of bad input as one clear error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reasondraft.errors import InputError
from reasondraft.trajectory import load_trajectory

FORMATS = {
    "swe_agent_0x.traj": "swe-agent", "swe_agent_1x.traj": "swe-agent",
    "mini_swe_agent_1.traj.json": "mini-swe-agent", "openhands_session": "openhands",
    "chat_openai.json": "chat", "chat_anthropic.jsonl": "chat", "atif_v1_4.json": "atif",
}


@pytest.mark.parametrize(("name", "expected"), FORMATS.items())
def test_format_comes_from_content_not_the_name(fixtures: Path, tmp_path: Path, name: str,
                                                expected: str) -> None:
    source = fixtures / name
    if source.is_dir():
        target = tmp_path / "anything"
        shutil.copytree(source, target)
    else:
        target = tmp_path / "trajectory.txt"
        target.write_bytes(source.read_bytes())
    assert load_trajectory(target).format == expected


def test_one_line_json_document(fixtures: Path, tmp_path: Path) -> None:
    doc = json.loads((fixtures / "swe_agent_0x.traj").read_text())
    path = tmp_path / "minified.traj"
    path.write_text(json.dumps(doc))  # one line, no newline at the end
    assert len(load_trajectory(path).steps) == 4


def _error(path: Path, instance_id: str | None = None) -> str:
    with pytest.raises(InputError) as info:
        load_trajectory(path, instance_id)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_no_reader_matched_lists_every_reason(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"instance_id": "x", "model_patch": "diff"}))
    message = _error(path)
    for reason in ("not ATIF: no 'schema_version'", "not mini-swe-agent:",
                   "not SWE-agent: no 'trajectory' list", "not OpenHands: no 'history'",
                   "not chat: no 'messages' list"):
        assert reason in message


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "empty file"),
    (b"\n  \n", "empty file"),
    (b'{\n  "trajectory": [\n    {"action": "ls"', "invalid JSON at line 3"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
    (b'{\n"messages": "caf\xe9"\n}\n', "not UTF-8 text (byte 0xe9 on line 2)"),
    (b"[1, 2, 3]", "no trajectory format matched"),
])
def test_bad_files(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "bad.traj"
    path.write_bytes(content)
    assert expected in _error(path)


def test_missing_path_and_missing_event(fixtures: Path, tmp_path: Path) -> None:
    assert "file not found" in _error(tmp_path / "nope.traj")
    session = tmp_path / "session"
    shutil.copytree(fixtures / "openhands_session", session)
    (session / "events" / "5.json").unlink()
    assert "event 5 is missing" in _error(session)
    (session / "events" / "6.json").write_text('{"id": 6,')
    (session / "events" / "5.json").write_text("{}")
    assert "6.json: invalid JSON" in _error(session)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "not an OpenHands event folder" in _error(empty)


def test_jsonl_broken_line(fixtures: Path, tmp_path: Path) -> None:
    rows = (fixtures / "openhands_output.jsonl").read_text().splitlines()
    path = tmp_path / "output.jsonl"
    path.write_text("\n".join([rows[0], '{"instance_id": "acme__widgets-9", "hist', rows[1]]))
    # rows on either side of the damage are still readable by id
    assert load_trajectory(path, "acme__widgets-7").instance_id == "acme__widgets-7"
    assert load_trajectory(path, "acme__widgets-8").instance_id == "acme__widgets-8"
    assert "output.jsonl:2: invalid JSON" in _error(path, "acme__widgets-9")
    assert "holds 3 rows: choose one with --id" in _error(path)
    assert "nearest: acme__widgets-7" in _error(path, "acme__widgets-70")

    chat = tmp_path / "chat.jsonl"
    lines = (fixtures / "chat_anthropic.jsonl").read_text().splitlines()
    chat.write_text("\n".join([*lines[:3], "{not json", *lines[3:]]))
    assert "chat.jsonl:4: invalid JSON" in _error(chat)


def test_instance_id_must_match_what_the_file_states(fixtures: Path) -> None:
    path = fixtures / "mini_swe_agent_1_1.traj.json"
    assert load_trajectory(path, "acme__widgets-7").instance_id == "acme__widgets-7"
    assert "holds instance 'acme__widgets-7', not 'acme__widgets-1'" in \
        _error(path, "acme__widgets-1")
    # a file that states no id accepts any
    assert load_trajectory(fixtures / "swe_agent_0x.traj", "acme__widgets-1").instance_id is None
