"""approve / reject: verify the draft, then write the review record into its front matter.

Under the draft's lock the file is read once, verified as read, and rewritten atomically
with the body byte for byte as it was, so two reviewers deciding at once leave one valid
file: the second one sees the first one's decision. A decision about exactly this body
is replaced only with ``force`` (then ``draft.md.bak-<time>`` keeps the file as it was);
after the body changed, a new decision needs no force and the old record moves to the
history. A draft an editor saved in the meantime is left alone (nothing is written). A
refused decision writes nothing at all (the lock file it created is removed again); a
draft.md that is a link or a special file is refused before anything is written, and the
rewrite keeps draft.md's mode and owner.

``approve`` refuses while verify finds errors unless an override reason is given; the
reason is recorded only when it was needed (there were errors). The record binds the hashes
of the task folder's inputs, taken before verify ran; if they hash differently when the
file is written, nothing is written. ``sign`` signs the record with an SSH key
(:mod:`reasondraft.review.signing`). ``shown`` is the body hash the reviewer saw (the web
page sends it): a body that hashes otherwise under the lock is refused, nothing written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reasondraft.document import (
    DraftFile,
    backup_draft,
    draft_path,
    join_document,
    split_document,
)
from reasondraft.errors import InputError
from reasondraft.files import atomic_write, decode_utf8, read_bytes, replaceable
from reasondraft.review import signing
from reasondraft.review.lock import draft_lock
from reasondraft.review.record import (
    Decision,
    InputHashes,
    ReviewRecord,
    Standing,
    current_inputs,
    make_record,
    standing,
    with_record,
)
from reasondraft.verify import BodyReport, Repos, Sources, check_draft
from reasondraft.verify.inputs import draft_context


@dataclass
class ReviewOutcome:
    """What a decision did: the record written, or None when approval was refused."""

    path: Path
    decision: Decision
    report: BodyReport
    record: ReviewRecord | None
    backup: Path | None = None

    @property
    def written(self) -> bool:
        return self.record is not None

    def to_json(self) -> dict[str, Any]:
        return {"draft": str(self.path), "decision": self.decision, "written": self.written,
                **self.report.summary,
                "review": self.record.to_front() if self.record else None,
                "backup": str(self.backup) if self.backup else None,
                "findings": [f.model_dump() for f in self.report.findings]}


def approve(path: Path, reviewer: str, *, note: str | None = None,
            override: str | None = None, force: bool = False, sources: Sources | None = None,
            repos: Repos | None = None, sign: Path | None = None,
            shown: str | None = None) -> ReviewOutcome:
    """Approve a draft (file or task folder) if verify finds no errors, or with ``override``;
    with ``sign``, the record carries an SSH signature by that key."""
    if override is not None:
        _required("--override", override)
    if sign is not None:
        signing.signing_key(sign)
    return _decide(path, "approved", reviewer, note=note, reason=None, override=override,
                   force=force, sources=sources, repos=repos, sign=sign, shown=shown)


def reject(path: Path, reviewer: str, reason: str, *, note: str | None = None,
           force: bool = False, sources: Sources | None = None,
           repos: Repos | None = None, shown: str | None = None) -> ReviewOutcome:
    """Reject a draft with a reason (verify runs only to record its summary)."""
    _required("--reason", reason)
    return _decide(path, "rejected", reviewer, note=note, reason=reason, override=None,
                   force=force, sources=sources, repos=repos, sign=None, shown=shown)


def _required(option: str, value: str) -> None:
    if not value.strip():
        raise InputError(f"{option} must not be empty")


def _decide(path: Path, decision: Decision, reviewer: str, *, note: str | None,
            reason: str | None, override: str | None, force: bool, sources: Sources | None,
            repos: Repos | None, sign: Path | None, shown: str | None) -> ReviewOutcome:
    _required("--reviewer", reviewer)
    path = draft_path(path)
    replaceable(path)  # a link or a special file is refused before anything is written
    own = repos is None
    repos = repos or Repos()
    try:
        with draft_lock(path):
            data = read_bytes(path, kind="draft")
            draft = split_document(decode_utf8(data, str(path)), str(path))
            draft.path = path
            if shown is not None and draft.content_hash != shown:
                raise InputError("changed on disk since the page showed it; nothing written "
                                 "(reload the page and decide again)", where=str(path))
            before = standing(draft)
            _refuse_replacing(before, path, force=force)
            inputs = current_inputs(draft)
            report = check_draft(draft, draft_context(draft, sources or Sources(), repos))
            errors = report.summary["errors"]
            if decision == "approved" and errors and not override:
                return ReviewOutcome(path, decision, report, None)
            record = make_record(decision, reviewer.strip(), draft.content_hash,
                                 report.summary, inputs=inputs, note=note, reason=reason,
                                 override=override if errors else None)
            if sign is not None:
                record = signing.sign(record, sign)
            backup = backup_draft(path, data) if before.decided else None
            _write(path, data, draft, record, inputs)
            return ReviewOutcome(path, decision, report, record, backup)
    finally:
        if own:
            repos.close()


def _refuse_replacing(before: Standing, path: Path, *, force: bool) -> None:
    if before.status == "broken":
        raise InputError(before.problem or "front matter is broken", where=str(path))
    if before.decided and not force and before.record is not None:
        record = before.record
        raise InputError(f"already {record.decision} by {record.reviewer} at "
                         f"{record.time.isoformat()} (this exact content); pass --force to "
                         "replace that decision (a backup is kept)", where=str(path))


def _write(path: Path, data: bytes, draft: DraftFile, record: ReviewRecord,
           inputs: InputHashes) -> None:
    """Rewrite the front matter around the unchanged body, unless an editor saved (or an
    input changed) meanwhile."""
    front = with_record(draft, record)
    if read_bytes(path, kind="draft") != data:
        raise InputError("changed on disk while being reviewed; nothing written (run the "
                         "command again)", where=str(path))
    changed = inputs.changed(current_inputs(draft))
    if changed:
        raise InputError(f"{', '.join(changed)} changed while being reviewed; nothing "
                         "written (run the command again)", where=str(path))
    atomic_write(path, join_document(front, draft.body))

