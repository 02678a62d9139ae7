"""The batch state file (``<out>/batch-state.json``): what happened to each task.

Rewritten atomically after every task, so a batch stopped at any moment (Ctrl-C, kill)
leaves a state a rerun continues from. draft.md on disk stays the authority for "done": a
task whose draft exists is never drafted again, whatever the state says.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, PrivateAttr, ValidationError

from reasondraft.errors import InputError
from reasondraft.files import atomic_write, read_json
from reasondraft.names import run_key

STATE_FILE = "batch-state.json"
REPORT_FILE = "batch-report.json"

Status = Literal["done", "failed", "skipped"]


class TaskRecord(BaseModel):
    """One task's outcome, as batch-report.json lists it. ``note`` says what the task did
    that was not asked for (the trajectory had no submission: the gold patch was
    explained instead)."""

    instance_id: str
    run: str | None = None
    status: Status
    reason: str | None = None
    note: str | None = None
    patch_source: str | None = None
    seconds: float | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    repairs: int = 0
    errors: int | None = None
    warnings: int | None = None
    finished_at: str = ""

    def model_post_init(self, _context: object) -> None:
        if not self.finished_at:
            self.finished_at = datetime.now(UTC).isoformat(timespec="seconds")

    @property
    def key(self) -> str:
        """The task folder's name, which keys the state (an instance may have runs)."""
        return run_key(self.instance_id, self.run)


class BatchState(BaseModel):
    """Every task's latest outcome, by task folder name (:attr:`TaskRecord.key`)."""

    tasks: dict[str, TaskRecord] = {}
    _saving: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @classmethod
    def load(cls, out: Path) -> BatchState:
        path = out / STATE_FILE
        if not path.exists():
            return cls()
        try:
            return cls.model_validate(read_json(path, kind="state"))
        except ValidationError as exc:
            raise InputError(f"not a batch state file ({exc.errors()[0]['msg']}); move it "
                             "away to start over", where=str(path)) from None

    def record(self, out: Path, record: TaskRecord) -> None:
        """Keep ``record`` and save the whole state atomically. Thread-safe: each save is a
        snapshot taken under the lock, so the last file written holds every record."""
        with self._saving:
            self.tasks[record.key] = record
            atomic_write(out / STATE_FILE, self.model_dump_json(indent=1) + "\n")


def write_report(out: Path, meta: dict[str, object], records: list[TaskRecord], *,
                 not_started: int = 0) -> Path:
    """``batch-report.json``: run metadata, totals by status (and the tasks a stopped run
    did not start or finish) and one entry per task."""
    totals: dict[str, object] = {status: sum(r.status == status for r in records)
                                 for status in ("done", "failed", "skipped")}
    totals["not_started"] = not_started
    costs = [r.cost_usd for r in records if r.cost_usd is not None]
    totals |= {"tokens": sum(r.prompt_tokens + r.completion_tokens for r in records),
               "cost_usd": round(sum(costs), 6) if costs else None}
    path = out / REPORT_FILE
    atomic_write(path, json.dumps({**meta, "totals": totals,
                                   "tasks": [r.model_dump() for r in records]}, indent=2) + "\n")
    return path
