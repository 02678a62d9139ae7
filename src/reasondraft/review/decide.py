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

``approve`` refuses while verify finds errors, or while a rubric score is below its item's
blocking threshold, unless an override reason is given; the reason is recorded only when it
was needed. Scores and reject codes are checked against the guidelines (unknown names,
scores outside 1-4 and missing required scores are bad input) before anything is read.
The author (front matter ``author``: who drafted or last edited the body) is recorded
apart from the reviewer; the author deciding about their own draft is refused unless the
guidelines allow self-review. The record binds the hashes
of the task folder's inputs, taken before verify ran; if they hash differently when the
file is written, nothing is written. ``sign`` signs the record with an SSH key
(:mod:`reasondraft.review.signing`). ``shown`` is the body hash the reviewer saw (the web
page sends it): a body that hashes otherwise under the lock is refused, nothing written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from reasondraft.document import DraftFile, backup_draft, join_document, one_draft
from reasondraft.errors import InputError
from reasondraft.files import atomic_write, read_bytes, replaceable
from reasondraft.guidelines import DEFAULT, Guidelines
from reasondraft.lock import draft_lock
from reasondraft.review import signing
from reasondraft.review.record import (
    Decision,
    InputHashes,
    ReviewRecord,
    Standing,
    current_inputs,
    draft_author,
    make_record,
    standing,
    with_record,
)
from reasondraft.verify import BodyReport, Repos, Sources, open_draft


@dataclass
class ReviewOutcome:
    """What a decision did: the record written, or None when approval was refused
    (``blocking``: the scores below their threshold, besides verify's errors)."""

    path: Path
    decision: Decision
    report: BodyReport
    record: ReviewRecord | None
    backup: Path | None = None
    blocking: list[str] = field(default_factory=list)

    @property
    def written(self) -> bool:
        return self.record is not None

    def to_json(self) -> dict[str, Any]:
        return {"draft": str(self.path), "decision": self.decision, "written": self.written,
                **self.report.summary,
                "review": self.record.to_front() if self.record else None,
                "backup": str(self.backup) if self.backup else None,
                "blocking": self.blocking,
                "findings": [asdict(f) for f in self.report.findings]}


@dataclass(frozen=True)
class Judgement:
    """What the reviewer says besides the decision, checked against the guidelines."""

    guidelines: Guidelines
    note: str | None = None
    reason: str | None = None
    override: str | None = None
    scores: dict[str, int] | None = None
    codes: list[str] | None = None


def approve(path: Path, reviewer: str, *, note: str | None = None,
            override: str | None = None, force: bool = False, sources: Sources | None = None,
            repos: Repos | None = None, sign: Path | None = None,
            scores: Mapping[str, int] | None = None,
            shown: str | None = None) -> ReviewOutcome:
    """Approve a draft (file or task folder) if verify finds no errors and no score blocks,
    or with ``override``; ``scores`` maps rubric items to 1-4; with ``sign``, the record
    carries an SSH signature by that key."""
    if override is not None:
        _required("--override", override)
    guidelines = _guidelines(sources)
    checked = guidelines.check_scores(scores or {})
    if sign is not None:
        signing.signing_key(sign)
    return _decide(path, "approved", reviewer,
                   Judgement(guidelines, note=note, override=override, scores=checked),
                   force=force, sources=sources, repos=repos, sign=sign, shown=shown)


def reject(path: Path, reviewer: str, reason: str, *, note: str | None = None,
           force: bool = False, sources: Sources | None = None,
           repos: Repos | None = None, codes: list[str] | None = None,
           shown: str | None = None) -> ReviewOutcome:
    """Reject a draft with a reason and reject codes from the guidelines' list (verify runs
    only to record its summary)."""
    _required("--reason", reason)
    guidelines = _guidelines(sources)
    return _decide(path, "rejected", reviewer,
                   Judgement(guidelines, note=note, reason=reason,
                             codes=guidelines.check_codes(codes or [])),
                   force=force, sources=sources, repos=repos, sign=None, shown=shown)


def parse_scores(pairs: list[str]) -> dict[str, int]:
    """``--score ITEM=N`` options as a mapping (the names and range are checked later,
    against the guidelines)."""
    scores: dict[str, int] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name or not value.strip().isdigit():
            raise InputError(f"--score {pair}: give ITEM=N, N from 1 to 4 "
                             "(e.g. --score correctness=4)")
        if name in scores:
            raise InputError(f"--score {name}: given twice")
        scores[name] = int(value)
    return scores


def _guidelines(sources: Sources | None) -> Guidelines:
    return (sources.guidelines if sources else None) or DEFAULT


def _required(option: str, value: str) -> None:
    if not value.strip():
        raise InputError(f"{option} must not be empty")


def _decide(path: Path, decision: Decision, reviewer: str, said: Judgement, *,
            force: bool, sources: Sources | None, repos: Repos | None,
            sign: Path | None, shown: str | None) -> ReviewOutcome:
    _required("--reviewer", reviewer)
    path = one_draft(path)
    replaceable(path)  # a link or a special file is refused before anything is written
    own = repos is None
    repos = repos or Repos()
    try:
        with draft_lock(path):
            opened = open_draft(path)
            data, draft = opened.data, opened.draft
            if shown is not None and draft.content_hash != shown:
                raise InputError("changed on disk since the page showed it; nothing written "
                                 "(reload the page and decide again)", where=str(path))
            before = standing(draft)
            _refuse_replacing(before, path, force=force)
            author = _refuse_self_review(draft, reviewer.strip(), said.guidelines, path)
            inputs = current_inputs(draft)  # before verify reads them: see _write
            report = opened.check(sources or Sources(), repos).report
            assert report is not None  # a strict check raises instead
            blocking = said.guidelines.blocking(said.scores or {})
            needed = bool(report.summary["errors"] or blocking)
            if decision == "approved" and needed and not said.override:
                return ReviewOutcome(path, decision, report, None, blocking=blocking)
            record = make_record(decision, reviewer.strip(), draft.content_hash,
                                 report.summary, inputs=inputs, note=said.note,
                                 reason=said.reason,
                                 override=said.override if needed else None, author=author,
                                 scores=said.scores, codes=said.codes)
            if sign is not None:
                record = signing.sign(record, sign)
            backup = backup_draft(path, data) if before.decided else None
            _write(path, data, draft, record, inputs)
            return ReviewOutcome(path, decision, report, record, backup, blocking)
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


def _refuse_self_review(draft: DraftFile, reviewer: str, guidelines: Guidelines,
                        path: Path) -> str | None:
    """The draft's author, once it is not the reviewer (or the guidelines allow that)."""
    author = draft_author(draft)
    if author is not None and author.casefold() == reviewer.casefold() \
            and not guidelines.allow_self_review:
        raise InputError(f"{reviewer} is the author of this draft (who drafted or last "
                         "edited the body): another person reviews it (or set "
                         "allow_self_review = true in the guidelines)", where=str(path))
    return author


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

