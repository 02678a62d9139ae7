"""SWE-bench-style task instances, loaded from .json, .jsonl or a task folder's task.json."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from reasondraft.errors import InputError
from reasondraft.files import iter_jsonl, parse_json, read_json
from reasondraft.jsonobj import Obj, kind_of, wrong_type

TEXT_FIELDS = ("repo", "base_commit", "problem_statement", "patch", "test_patch", "hints_text")
TEST_LISTS = ("FAIL_TO_PASS", "PASS_TO_PASS")
LOOSE_TEXT = ("version", "created_at")  # datasets write 3.0 for a version, null for a date


@dataclass
class Instance:
    """One task instance. Unknown keys are kept (``extra``) and written back out.

    A dataclass checked by :func:`instance_from_dict` like every other input we read (see
    :mod:`reasondraft.jsonobj`): verifying a draft builds no pydantic model unless the draft
    is a trace, and pydantic's model machinery is a fifth of a cold start."""

    instance_id: str
    repo: str = ""
    base_commit: str = ""
    problem_statement: str = ""
    patch: str = ""
    test_patch: str = ""
    FAIL_TO_PASS: list[str] = field(default_factory=list)
    PASS_TO_PASS: list[str] = field(default_factory=list)
    hints_text: str = ""
    version: str = ""
    created_at: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The task.json object: declared fields first, extra keys after, lists as lists."""
        declared = {name: getattr(self, name) for name in _DECLARED}
        return {**declared, **{k: v for k, v in self.extra.items() if k not in declared}}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"


_DECLARED = tuple(f.name for f in fields(Instance) if f.name != "extra")


def instance_from_dict(data: Any, where: str) -> Instance:
    """Check one record; the error names the file (or file:line) and the key."""
    if not isinstance(data, dict):
        raise InputError(f"expected a JSON object, got {type(data).__name__}", where=where)
    record = Obj(data, where)
    instance_id = record.text("instance_id")
    if instance_id is None:
        raise InputError(f"instance_id: expected a string, got {_got(data, 'instance_id')}",
                         where=where)
    values: dict[str, Any] = {name: record.text(name) or "" for name in TEXT_FIELDS}
    for name in LOOSE_TEXT:
        value = record.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        values[name] = "" if value is None else value
        if not isinstance(values[name], str):
            raise record.wrong(name, "a string")
    for name in TEST_LISTS:
        values[name] = _test_list(record, name)
    extra = {k: v for k, v in data.items() if k not in _DECLARED}
    return Instance(instance_id=instance_id, **values, extra=extra)


def _got(data: dict[str, Any], key: str) -> str:
    return kind_of(data[key]) if key in data else "nothing (the key is missing)"


def _test_list(record: Obj, name: str) -> list[str]:
    """A list of test ids; SWE-bench ships these JSON-encoded in a string: both are read."""
    value = record.get(name)
    if isinstance(value, str):
        value = parse_json(value, f"{record.where}: {name}") if value.strip() else []
    if value is None:
        return []
    if not isinstance(value, list):  # what the string decoded to, when it was one
        raise wrong_type(value, "a list of test ids", record.where, name)
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise wrong_type(item, "a test id (a string)", record.where, f"{name}[{index}]")
    return value


def load_instance(path: Path, instance_id: str | None = None) -> Instance:
    """Load an instance from a .json object, a task folder, or a .jsonl file (by id).

    A .json file holding a list is treated like JSONL. In a JSONL file with more than one
    row, ``instance_id`` is required; a miss lists the nearest ids.
    """
    if path.is_dir():
        path = path / "task.json"
    if path.suffix == ".jsonl":
        rows = iter_jsonl(path, kind="instance", records=True)
        return _pick(((f"{path}:{n}", row) for n, row in rows), path, instance_id)
    data = read_json(path, kind="instance")
    if isinstance(data, list):
        return _pick(((f"{path}[{i}]", row) for i, row in enumerate(data)), path, instance_id)
    instance = instance_from_dict(data, str(path))
    if instance_id and instance.instance_id != instance_id:
        raise InputError(f"holds instance '{instance.instance_id}', not '{instance_id}'",
                         where=str(path))
    return instance


def _pick(rows: Any, path: Path, instance_id: str | None) -> Instance:
    """Return the row with ``instance_id`` (or the only row when no id is given)."""
    seen: list[str] = []
    only: tuple[str, Any] | None = None
    for where, row in rows:
        if not isinstance(row, dict):
            raise InputError(f"expected a JSON object, got {type(row).__name__}", where=where)
        row_id = row.get("instance_id")
        if instance_id is not None and row_id == instance_id:
            return instance_from_dict(row, where)
        seen.append(str(row_id))
        only = (where, row) if len(seen) == 1 else None
    if instance_id is None:
        if only is not None:
            return instance_from_dict(only[1], only[0])
        if not seen:
            raise InputError("no instances in file", where=str(path))
        raise InputError(f"holds {len(seen)} instances: choose one with --id "
                         f"(e.g. {', '.join(seen[:3])})", where=str(path))
    near = difflib.get_close_matches(instance_id, seen, n=3, cutoff=0.5)
    hint = f"; nearest: {', '.join(near)}" if near else ""
    raise InputError(f"no instance '{instance_id}' among {len(seen)}{hint}", where=str(path))
