"""SWE-bench-style task instances, loaded from .json, .jsonl or a task folder's task.json."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from reasondraft.errors import InputError
from reasondraft.files import iter_jsonl, parse_json, read_json


class Instance(BaseModel):
    """One task instance. Unknown keys are kept (``model_extra``) and written back out."""

    model_config = ConfigDict(extra="allow")

    instance_id: str
    repo: str = ""
    base_commit: str = ""
    problem_statement: str = ""
    patch: str = ""
    test_patch: str = ""
    FAIL_TO_PASS: list[str] = Field(default_factory=list)
    PASS_TO_PASS: list[str] = Field(default_factory=list)
    hints_text: str = ""
    version: str = ""
    created_at: str = ""

    @field_validator("FAIL_TO_PASS", "PASS_TO_PASS", mode="before")
    @classmethod
    def _decode_test_list(cls, value: Any) -> Any:
        """SWE-bench ships these as JSON-encoded strings; accept both forms, store lists."""
        if value is None:
            return []
        if isinstance(value, str):
            if not value.strip():
                return []
            try:
                value = parse_json(value, "")
            except InputError as exc:
                raise ValueError(f"not a JSON list of test ids ({exc})") from None
        return value

    @field_validator("version", "created_at", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        """Some datasets write version as a number (3.0) or created_at as null."""
        return "" if value is None else str(value) if isinstance(value, int | float) else value

    def to_json(self) -> str:
        """The task.json form: declared fields first, extra keys after, lists as lists."""
        return json.dumps(self.model_dump(), indent=2, ensure_ascii=False) + "\n"


def instance_from_dict(data: Any, where: str) -> Instance:
    """Validate one record; the error names the file (or file:line) and the key."""
    if not isinstance(data, dict):
        raise InputError(f"expected a JSON object, got {type(data).__name__}", where=where)
    try:
        return Instance.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(part) for part in err["loc"]) or "(record)"
        raise InputError(f"key '{key}': {err['msg']}", where=where) from None


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
