"""Loading SWE-bench-style instances from .json, .jsonl and task folders."""

from __future__ import annotations

import json

import pytest

from reasondraft.errors import InputError
from reasondraft.instance import load_instance

RECORD = {
    "instance_id": "acme__widgets-12",
    "repo": "acme/widgets",
    "base_commit": "abc123",
    "problem_statement": "Widgets break.",
    "FAIL_TO_PASS": json.dumps(["tests/test_w.py::test_a"]),
    "PASS_TO_PASS": ["tests/test_w.py::test_b"],
    "version": 3.0,
    "environment_setup_commit": "fff",
}


def test_json_encoded_lists_and_extra_keys(tmp_path) -> None:
    path = tmp_path / "inst.json"
    path.write_text(json.dumps(RECORD))
    inst = load_instance(path)
    assert inst.FAIL_TO_PASS == ["tests/test_w.py::test_a"]
    assert inst.PASS_TO_PASS == ["tests/test_w.py::test_b"]
    assert inst.version == "3.0"
    assert inst.extra == {"environment_setup_commit": "fff"}
    again = json.loads(inst.to_json())
    assert again["FAIL_TO_PASS"] == ["tests/test_w.py::test_a"]
    assert again["environment_setup_commit"] == "fff"


def test_task_folder_reads_task_json(tmp_path) -> None:
    (tmp_path / "task.json").write_text(json.dumps(RECORD))
    assert load_instance(tmp_path).instance_id == "acme__widgets-12"


def test_jsonl_picks_by_id_and_lists_nearest(tmp_path) -> None:
    path = tmp_path / "set.jsonl"
    rows = [dict(RECORD, instance_id=f"acme__widgets-{n}") for n in (10, 11, 12)]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert load_instance(path, "acme__widgets-11").instance_id == "acme__widgets-11"
    with pytest.raises(InputError, match=r"no instance 'acme__widgets-13'.*nearest: acme__"):
        load_instance(path, "acme__widgets-13")
    with pytest.raises(InputError, match="choose one with --id"):
        load_instance(path)


def test_jsonl_broken_line_named_but_earlier_rows_readable(tmp_path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps(RECORD) + "\n{broken\n")
    assert load_instance(path, "acme__widgets-12").repo == "acme/widgets"
    with pytest.raises(InputError, match=r"set\.jsonl:2: invalid JSON at line 1, column 2"):
        load_instance(path, "other")


@pytest.mark.parametrize(("content", "message"), [
    ('{"instance_id": "x",\n "repo": }', "invalid JSON at line 2, column 10"),
    ("", "empty file"),
    ('["not", "objects"]', "expected a JSON object"),
    ('{"repo": "a/b"}', r"bad\.json: instance_id: expected a string, got nothing \(the key "
                        r"is missing\)"),
    ('{"instance_id": 7}', r"bad\.json: instance_id: expected a string, got a number"),
    ('{"instance_id": "x", "FAIL_TO_PASS": "[oops"}',
     r"bad\.json: FAIL_TO_PASS: invalid JSON at line 1, column 2"),
    ('{"instance_id": "x", "PASS_TO_PASS": {"a": 1}}',
     r"bad\.json: PASS_TO_PASS: expected a list of test ids, got an object"),
    ('{"instance_id": "x", "PASS_TO_PASS": "{\\"a\\": 1}"}',
     r"bad\.json: PASS_TO_PASS: expected a list of test ids, got an object"),
    ('{"instance_id": "x", "FAIL_TO_PASS": ["t", 3]}',
     r"bad\.json: FAIL_TO_PASS\[1\]: expected a test id \(a string\), got a number"),
    ('{"instance_id": "x", "repo": ["a"]}', r"bad\.json: repo: expected a string, got a list"),
    ('{"instance_id": "x", "version": true}', r"bad\.json: version: expected a string, got a "
                                              "boolean"),
])
def test_bad_instances(tmp_path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        load_instance(path)


def test_missing_file(tmp_path) -> None:
    with pytest.raises(InputError, match="file not found"):
        load_instance(tmp_path / "none.json")
