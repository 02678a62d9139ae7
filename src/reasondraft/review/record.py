"""The review record in draft.md's front matter, and the status it gives a draft.

Front matter written by ``approve`` / ``reject``::

    status: approved                  # for people and grep; the record below decides
    review:
      decision: approved              # or rejected
      reviewer: alice
      time: '2026-01-02T03:04:05Z'    # UTC
      note: null                      # --note
      reason: null                    # reject --reason
      override: null                  # approve --override: why verify errors were accepted
      content_hash: sha256:...        # the body exactly as reviewed
      verify: {references: 14, errors: 0, warnings: 1}
    review_history:                   # earlier records, oldest first, at most 10
      - {decision: ..., reviewer: ..., ...}

A decision is bound to content: it holds only while the body's sha256 equals
``content_hash``. Any change of the body afterwards (one character, a line ending) makes an
approved draft ``modified`` -- it no longer counts as approved anywhere -- and puts a
rejected one back to ``draft`` (the rejection was feedback; the rework needs review). A new
decision replaces ``review`` and moves the old record to ``review_history``, so a lead can
see who approved what before. The ``status`` line is informational: a hand-typed
``status: approved`` without a matching record is still a ``draft``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from reasondraft.document import DraftFile
from reasondraft.errors import InputError

Decision = Literal["approved", "rejected"]
Status = Literal["draft", "approved", "rejected", "modified", "broken"]
REVIEW_KEY = "review"
HISTORY_KEY = "review_history"
HISTORY_LIMIT = 10


class VerifySummary(BaseModel):
    """What verify found when the decision was made."""

    references: int
    errors: int
    warnings: int


class ReviewRecord(BaseModel):
    """One reviewer's decision about one exact body."""

    decision: Decision
    reviewer: str = Field(min_length=1)
    time: datetime
    note: str | None = None
    reason: str | None = None
    override: str | None = None
    content_hash: str = Field(pattern=r"^sha256:[0-9a-f]{64}$")
    verify: VerifySummary

    def to_front(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


@dataclass(frozen=True)
class Standing:
    """A draft's effective status, the record it rests on, and why it is ``broken``."""

    status: Status
    record: ReviewRecord | None = None
    problem: str | None = None

    @property
    def modified_since_approval(self) -> bool:
        return self.status == "modified"

    @property
    def decided(self) -> bool:
        """True while a decision about exactly this body stands."""
        return self.status in ("approved", "rejected")


def _model_error(key: str, exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in (key, *error["loc"]))
    return f"key '{where}': {error['msg']}"


def read_record(front: dict[str, Any], where: str) -> ReviewRecord | None:
    """The front matter's review record; a malformed one is an InputError naming the key."""
    raw = front.get(REVIEW_KEY)
    if raw is None:
        return None
    try:
        return ReviewRecord.model_validate(raw)
    except ValidationError as exc:
        raise InputError(_model_error(REVIEW_KEY, exc), where=where) from None


def read_history(front: dict[str, Any], where: str) -> list[ReviewRecord]:
    raw = front.get(HISTORY_KEY) or []
    if not isinstance(raw, list):
        raise InputError(f"key '{HISTORY_KEY}': expected a list", where=where)
    try:
        return [ReviewRecord.model_validate(item) for item in raw]
    except ValidationError as exc:
        raise InputError(_model_error(HISTORY_KEY, exc), where=where) from None


def standing(draft: DraftFile) -> Standing:
    """The effective status: a decision counts only while the body hash matches."""
    if draft.front_error:
        return Standing("broken", problem=draft.front_error)
    try:
        record = read_record(draft.front, str(draft.path or "draft"))
    except InputError as exc:
        return Standing("broken", problem=str(exc))
    if record is None:
        return Standing("draft")
    current = record.content_hash == draft.content_hash
    if record.decision == "approved":
        return Standing("approved" if current else "modified", record)
    return Standing("rejected" if current else "draft", record)


def make_record(decision: Decision, reviewer: str, content_hash: str,
                verify: dict[str, int], *, note: str | None = None,
                reason: str | None = None, override: str | None = None) -> ReviewRecord:
    return ReviewRecord(decision=decision, reviewer=reviewer,
                        time=datetime.now(UTC).replace(microsecond=0), note=note,
                        reason=reason, override=override, content_hash=content_hash,
                        verify=VerifySummary(**verify))


def with_record(front: dict[str, Any], record: ReviewRecord, where: str) -> dict[str, Any]:
    """New front matter holding ``record``; the record it replaces goes to the history."""
    previous = read_record(front, where)
    history = read_history(front, where) + ([previous] if previous else [])
    updated = {**front, "status": record.decision, REVIEW_KEY: record.to_front()}
    updated.pop(HISTORY_KEY, None)
    if history:
        updated[HISTORY_KEY] = [r.to_front() for r in history[-HISTORY_LIMIT:]]
    return updated
