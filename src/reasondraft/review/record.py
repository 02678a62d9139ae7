"""The review record in draft.md's front matter, and the status it gives a draft.

Front matter written by ``approve`` / ``reject``::

    status: approved                  # for people and grep; the record below decides
    review:
      decision: approved              # or rejected
      reviewer: alice                 # not blank
      time: '2026-01-02T03:04:05Z'    # UTC
      note: null                      # --note
      reason: null                    # reject --reason
      override: null                  # approve --override: why verify errors (or
                                      # blocking scores) were accepted
      author: bob                     # who drafted or last edited the body (if known)
      scores: {correctness: 4, faithfulness: 3}   # approve --score: rubric item -> 1..4
      codes: [hindsight]              # reject --code: reject reason codes
      content_hash: sha256:...        # the body exactly as reviewed
      verify: {references: 14, errors: 0, warnings: 1}   # non-negative integers
      inputs:                         # what the body was judged against (taskfiles.py)
        front: sha256:...             # front matter instance_id, repo, base_commit
        task: sha256:...              # task.json (null: absent)
        patch: sha256:...             # patch.diff
        trajectory: sha256:...        # trajectory.<ext> or trajectory/
        report: null                  # report.json
      signature: null                 # approve --sign: SSH signature, base64 (signing.py)
    review_history:                   # every earlier record, oldest first
      - {decision: ..., reviewer: ..., ...}

``author``, ``scores`` and ``codes`` are written only when they have a value, so a record
without them reads and signs exactly as records did before they existed (a signature made
then still verifies); when present, the signature covers them. Every decision is one review
round: the history keeps them all, so :func:`rounds` counts the rounds and the rejections
(the rework) a draft went through.

A decision is bound to content: it holds only while the body's sha256 equals
``content_hash`` and every input hashes as recorded. A change of the body afterwards (one
character, a line ending) makes an approved draft ``modified``; a change of an input (a new
patch.diff, another trajectory, an edited base_commit) makes it ``stale``; so does verify
finding another number of errors than the approval recorded, unless it recorded an override
(see :func:`against_verify`). Neither counts as approved anywhere. A rejected draft goes
back to ``draft`` on either change (the rejection was feedback; the rework needs review).
A new decision replaces ``review`` and moves the old record to ``review_history``, so a
lead can see who approved what before. The ``status`` line is informational: a hand-typed
``status: approved`` without a matching record is still a ``draft``.

Records written before inputs were bound have no ``inputs``: they bind the body only and
still count (``Standing.binds_inputs`` is False, and the commands say so). That loses
nothing: without a signature, a record proves only that someone with write access to the
file wrote it -- a hand-typed record can state any hashes. ``--require-signed`` is what
makes a record prove who approved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from reasondraft.document import AUTHOR_KEY, HISTORY_KEY, REVIEW_KEY, DraftFile
from reasondraft.errors import InputError
from reasondraft.taskfiles import INPUT_LABELS, input_hashes

Decision = Literal["approved", "rejected"]
Status = Literal["draft", "approved", "rejected", "modified", "stale", "unsigned", "broken"]
Signature = Literal["verified", "invalid", "none"]
SIGNED_FORMAT = "reasondraft-review/1"
Hash = Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")]
Count = Annotated[int, Field(ge=0, strict=True)]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$")]
Score = Annotated[int, Field(ge=1, le=4, strict=True)]
# Fields added after records were first signed: left out while None (see the docstring).
LATER_FIELDS = ("author", "scores", "codes")


class VerifySummary(BaseModel):
    """What verify found when the decision was made."""

    references: Count
    errors: Count
    warnings: Count


class InputHashes(BaseModel):
    """sha256 of what a decision was judged against besides the body; None: absent."""

    model_config = ConfigDict(extra="forbid")

    front: Hash
    task: Hash | None = None
    patch: Hash | None = None
    trajectory: Hash | None = None
    report: Hash | None = None

    def changed(self, now: InputHashes) -> list[str]:
        """The inputs (as people name them) that hash differently ``now``."""
        return [INPUT_LABELS[name] for name in type(self).model_fields
                if getattr(self, name) != getattr(now, name)]


class ReviewRecord(BaseModel):
    """One reviewer's decision about one exact body and its inputs."""

    decision: Decision
    reviewer: str
    time: datetime
    note: str | None = None
    reason: str | None = None
    override: str | None = None
    content_hash: Hash
    verify: VerifySummary
    inputs: InputHashes | None = None
    signature: str | None = Field(default=None, pattern=r"^[A-Za-z0-9+/]+={0,2}$")
    author: str | None = None
    scores: dict[Name, Score] | None = None
    codes: list[Name] | None = None

    @field_validator("reviewer")
    @classmethod
    def _named(cls, reviewer: str) -> str:
        if not reviewer.strip():
            raise ValueError("must not be blank")
        return reviewer

    def to_front(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude=self._unset_later())

    def _unset_later(self) -> set[str]:
        return {name for name in LATER_FIELDS if getattr(self, name) is None}

    def canonical(self) -> bytes:
        """What a signature covers: a format tag and every field but the signature (body
        hash and input hashes included), as JSON with sorted keys, no spaces, UTF-8."""
        data = {"format": SIGNED_FORMAT,
                **self.model_dump(mode="json", exclude={"signature", *self._unset_later()})}
        return json.dumps(data, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode()


HISTORY = TypeAdapter(list[ReviewRecord])


@dataclass(frozen=True)
class Standing:
    """A draft's effective status, the record it rests on, and why it is not what the
    record says (``broken``: what is wrong; ``stale``: what changed; ``unsigned``: why the
    signature does not count). ``signature`` is None unless signatures were checked."""

    status: Status
    record: ReviewRecord | None = None
    problem: str | None = None
    signature: Signature | None = None

    @property
    def modified_since_approval(self) -> bool:
        return self.status == "modified"

    @property
    def decided(self) -> bool:
        """True while a decision about exactly this body and these inputs stands."""
        return self.status in ("approved", "rejected")

    @property
    def binds_inputs(self) -> bool | None:
        """False for a record from before inputs were bound (it binds the body only)."""
        return None if self.record is None else self.record.inputs is not None

    @property
    def note(self) -> str | None:
        """A short phrase for an approval that does not count (summary lines, headers)."""
        if self.status == "modified":
            return "modified since approval"
        if self.status in ("stale", "unsigned"):
            return f"{self.status}: {self.problem}"
        return None

    @property
    def signed_by(self) -> str | None:
        """The reviewer whose signature over the record verified."""
        return self.record.reviewer if self.record and self.signature == "verified" else None


def _invalid(draft: DraftFile, key: str, exc: ValidationError) -> InputError:
    """The first validation error as one line naming the file line and the key."""
    error = exc.errors()[0]
    keys = (key, *error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    return InputError(f"key '{'.'.join(str(k) for k in keys)}': {message}",
                      where=f"{draft.where}:{draft.key_line(keys)}")


def read_record(draft: DraftFile) -> ReviewRecord | None:
    """The front matter's review record; a malformed one is an InputError naming the key."""
    raw = draft.front.get(REVIEW_KEY)
    if raw is None:
        return None
    try:
        return ReviewRecord.model_validate(raw)
    except ValidationError as exc:
        raise _invalid(draft, REVIEW_KEY, exc) from None


def read_history(draft: DraftFile) -> list[ReviewRecord]:
    raw = draft.front.get(HISTORY_KEY)
    if raw is None:
        return []
    try:
        return HISTORY.validate_python(raw)
    except ValidationError as exc:
        raise _invalid(draft, HISTORY_KEY, exc) from None


def current_inputs(draft: DraftFile) -> InputHashes:
    """The draft's inputs as they hash now (its task folder: the draft's own folder)."""
    folder = draft.path.parent if draft.path is not None else None
    return InputHashes.model_validate(input_hashes(draft.front, folder))


def standing(draft: DraftFile) -> Standing:
    """The effective status: a decision counts only while the body and its inputs hash as
    recorded. The inputs are read only for a decision whose body still matches."""
    if draft.front_error:
        return Standing("broken", problem=draft.front_error)
    try:
        record = read_record(draft)
    except InputError as exc:
        return Standing("broken", problem=str(exc))
    if record is None:
        return Standing("draft")
    approved = record.decision == "approved"
    if record.content_hash != draft.content_hash:
        return Standing("modified" if approved else "draft", record)
    if record.inputs is not None:
        try:
            changed = record.inputs.changed(current_inputs(draft))
            problem = f"{', '.join(changed)} changed since the approval"
        except InputError as exc:
            changed, problem = ["?"], f"an input cannot be read: {exc}"
        if changed:
            return Standing("stale", record, problem=problem) if approved \
                else Standing("draft", record)
    return Standing(record.decision, record)


def against_verify(where: Standing, summary: dict[str, int]) -> Standing:
    """An approval whose record states another number of errors than verify finds now is
    ``stale`` (unless it recorded an override): a record typed by hand claiming 0 errors
    over a body citing /etc/passwd does not count, nor one from before a stricter check."""
    record = where.record
    if where.status != "approved" or record is None or record.override:
        return where
    if summary["errors"] == record.verify.errors:
        return where
    return replace(where, status="stale", problem=(
        f"verify finds {summary['errors']} error(s) now; the approval recorded "
        f"{record.verify.errors}"))


def make_record(decision: Decision, reviewer: str, content_hash: str,
                verify: dict[str, int], *, inputs: InputHashes | None,
                note: str | None = None, reason: str | None = None,
                override: str | None = None, author: str | None = None,
                scores: dict[str, int] | None = None,
                codes: list[str] | None = None) -> ReviewRecord:
    return ReviewRecord(decision=decision, reviewer=reviewer,
                        time=datetime.now(UTC).replace(microsecond=0), note=note,
                        reason=reason, override=override, content_hash=content_hash,
                        verify=VerifySummary(**verify), inputs=inputs, author=author,
                        scores=scores or None, codes=codes or None)


def draft_author(draft: DraftFile) -> str | None:
    """Who drafted or last edited the body, as the front matter's ``author`` says."""
    author = draft.front.get(AUTHOR_KEY)
    return author.strip() or None if isinstance(author, str) else None


@dataclass(frozen=True)
class Rounds:
    """The review rounds a draft went through: every decision recorded, and how many of
    them were rejections (each sent the draft back for rework)."""

    rounds: int
    rework: int


def rounds(draft: DraftFile) -> Rounds:
    """The rounds of the current record and the whole history."""
    record = read_record(draft)
    decisions = [r.decision for r in read_history(draft)] + ([record.decision] if record
                                                             else [])
    return Rounds(len(decisions), decisions.count("rejected"))


def with_record(draft: DraftFile, record: ReviewRecord) -> dict[str, Any]:
    """New front matter holding ``record``; the record it replaces goes to the history."""
    previous = read_record(draft)
    history = read_history(draft) + ([previous] if previous else [])
    updated = {**draft.front, "status": record.decision, REVIEW_KEY: record.to_front()}
    updated.pop(HISTORY_KEY, None)
    if history:
        updated[HISTORY_KEY] = [r.to_front() for r in history]
    return updated
