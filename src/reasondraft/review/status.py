"""``status``: where every draft of a directory stands, cheaply.

Per draft it reads draft.md (front matter with libyaml, body hashed) and the body of
draft.generated.md, counts ``## Step`` headings, and diffs the two bodies line by line for
the edit rate; for a decision whose body still matches, it hashes the task folder's inputs
(a changed one makes an approval ``stale``). Nothing is verified (no git, no repository)
unless asked: a directory of 1,000 drafts takes about a second
(``benchmarks/status_bench.py``). With ``--verify``, an approval whose recorded errors
differ from verify's is ``stale`` too; with ``--allowed-signers``, each approval's SSH
signature is checked (:mod:`reasondraft.review.signing`). A draft that cannot be read is a
``broken`` row with the reason, never a failed scan. Each row also carries the draft's
author, the current record's rubric scores and reject codes, and the review rounds
(decisions recorded) and rework (rejections among them) from the history.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args

from reasondraft.body.markdown import STEP_HEADING, split_sections
from reasondraft.errors import InputError
from reasondraft.names import run_key
from reasondraft.review.editrate import draft_edit_rate
from reasondraft.review.record import (
    Rounds,
    Signature,
    Standing,
    Status,
    against_verify,
    draft_author,
    rounds,
    standing,
)
from reasondraft.review.signing import Signers
from reasondraft.verify import OpenedDraft, Repos, Sources, open_draft
from reasondraft.verify.inputs import draft_paths

STATUSES: tuple[Status, ...] = get_args(Status)


@dataclass
class DraftStatus:
    """One row of ``status``; ``errors``/``warnings``/``checks`` are None unless verified,
    ``signature`` None unless signatures were checked, ``inputs_bound`` None without a
    record (False: a record from before inputs were bound, binding the body only);
    ``override`` the reason of an approval that counts despite verify errors (shown as
    ``approved (override)``)."""

    instance_id: str
    path: Path
    status: Status
    run: str | None = None
    steps: int = 0
    reviewer: str | None = None
    decision: str | None = None
    reviewed_at: datetime | None = None
    created_at: datetime | None = None
    age_seconds: int | None = None
    modified_since_approval: bool = False
    override: str | None = None
    inputs_bound: bool | None = None
    signature: Signature | None = None
    signed_by: str | None = None
    author: str | None = None
    scores: dict[str, int] | None = None
    codes: list[str] | None = None
    rounds: int | None = None
    rework: int | None = None
    edit_rate: float | None = None
    model: str | None = None
    prompt: str | None = None
    errors: int | None = None
    warnings: int | None = None
    checks: dict[str, dict[str, Any]] | None = None
    problem: str | None = None

    @property
    def folder(self) -> str:
        """The task folder's name: what tells apart several drafts of one instance."""
        return self.path.parent.name

    @property
    def label(self) -> str:
        """How a row names its draft: the task folder, with the instance id when the folder
        is not named after it (a copy, a renamed folder)."""
        if self.folder == run_key(self.instance_id, self.run):
            return self.folder
        return f"{self.folder} ({self.instance_id})"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = str(self.path)
        data["folder"] = self.folder
        for key in ("reviewed_at", "created_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def scan(path: Path, *, verify: bool = False, sources: Sources | None = None,
         now: datetime | None = None, signers: Signers | None = None) -> list[DraftStatus]:
    """A row per draft that PATH names (a draft, a task folder, or a folder of them); each
    draft.md is read once, and verified as read with ``verify``."""
    now = now or datetime.now(UTC)
    with Repos() as repos:
        check = (sources or Sources(), repos) if verify else None
        return [read_status(draft, now, signers, check) for draft in draft_paths(path)]


def read_status(path: Path, now: datetime, signers: Signers | None = None,
                check: tuple[Sources, Repos] | None = None) -> DraftStatus:
    """The row for one draft.md, from its text, its generated sibling and (for a decision)
    its task folder's inputs; with ``check``, what verify finds in it."""
    try:
        opened = open_draft(path, strict=False)
    except InputError as exc:
        return DraftStatus(instance_id=path.parent.name, path=path, status="broken",
                           problem=str(exc))
    draft = opened.draft
    where = standing(draft)
    if signers is not None:
        where = signers.check(where)
    front = draft.front
    given = front.get("provenance")
    provenance: dict[str, Any] = given if isinstance(given, dict) else {}
    created = _time(provenance.get("created_at")) or _mtime(path)
    record = where.record
    went: Rounds | None = None
    if where.status != "broken":
        try:
            went = rounds(draft)
        except InputError as exc:  # a malformed history: the row says so, the scan goes on
            where = replace(where, problem=where.problem or str(exc))
    row = DraftStatus(
        instance_id=str(front.get("instance_id") or path.parent.name), path=path,
        status=where.status, run=_text(front.get("run")), steps=count_steps(draft.body),
        reviewer=record.reviewer if record else None,
        decision=record.decision if record else None,
        reviewed_at=record.time if record else None, created_at=created,
        age_seconds=int((now - created).total_seconds()) if created else None,
        modified_since_approval=where.modified_since_approval,
        override=_override(where),
        inputs_bound=where.binds_inputs, signature=where.signature, signed_by=where.signed_by,
        author=draft_author(draft) if not draft.front_error else None,
        scores=record.scores if record else None, codes=record.codes if record else None,
        rounds=went.rounds if went else None, rework=went.rework if went else None,
        edit_rate=draft_edit_rate(path, draft.body),
        model=_text(provenance.get("model")), prompt=_text(provenance.get("prompt")),
        problem=where.problem)
    if check is not None and draft.front_error is None:  # broken: nothing to verify
        add_verify(row, opened, where, *check)
    return row


def _override(where: Standing) -> str | None:
    """The recorded override of an approval that counts (None for any other state)."""
    record = where.record
    return record.override if where.status == "approved" and record is not None else None


def count_steps(body: str) -> int:
    return sum(1 for part in split_sections(body) if STEP_HEADING.match(part.heading))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _time(value: object) -> datetime | None:
    """A front-matter time (YAML may already have parsed it), as an aware UTC datetime."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _mtime(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError:
        return None


def add_verify(row: DraftStatus, opened: OpenedDraft, where: Standing, sources: Sources,
               repos: Repos) -> None:
    """Fill errors/warnings and the per-family checks from verify (a draft verify cannot
    read keeps None + why); an approval whose record states other errors becomes
    ``stale``."""
    report = opened.check(sources, repos, lenient=True).report
    if report is None:
        row.problem = row.problem or opened.unresolved
        return
    row.errors, row.warnings = report.summary["errors"], report.summary["warnings"]
    row.checks = {name: score.to_json() for name, score in report.checks.items()}
    stands = against_verify(where, report.summary)
    if row.status == "approved" and stands.status == "stale":
        row.status, row.problem = stands.status, stands.problem


def totals(rows: list[DraftStatus]) -> dict[str, Any]:
    """Counts per effective status (``modified`` is not ``approved``), verify sums, mean
    edit rate."""
    counts: Counter[str] = Counter(row.status for row in rows)
    verified = [row for row in rows if row.errors is not None]
    return {"drafts": len(rows), **{status: counts[status] for status in STATUSES},
            "errors": sum(r.errors or 0 for r in verified) if verified else None,
            "warnings": sum(r.warnings or 0 for r in verified) if verified else None,
            "mean_edit_rate": mean([r.edit_rate for r in rows])}


def by_model(rows: list[DraftStatus]) -> list[dict[str, Any]]:
    """One summary per (model, prompt hash): how many drafts, how they stand, edit rate."""
    groups: dict[tuple[str | None, str | None], list[DraftStatus]] = {}
    for row in rows:
        groups.setdefault((row.model, row.prompt), []).append(row)
    summaries: list[dict[str, Any]] = []
    for (model, prompt), members in sorted(groups.items(),
                                           key=lambda item: (str(item[0][0]), str(item[0][1]))):
        counts: Counter[str] = Counter(row.status for row in members)
        rates = [r.edit_rate for r in members]
        summaries.append({
            "model": model, "prompt": prompt, "drafts": len(members),
            **{status: counts[status] for status in STATUSES},
            "edited": sum(1 for rate in rates if rate), "mean_edit_rate": mean(rates),
            "median_edit_rate": median(rates)})
    return summaries


def mean(values: Sequence[float | None]) -> float | None:
    """The mean of the known values, to 4 places; None when none is known."""
    known = [v for v in values if v is not None]
    return round(statistics.fmean(known), 4) if known else None


def median(values: Sequence[float | None]) -> float | None:
    """The median of the known values, to 4 places; None when none is known."""
    known = [v for v in values if v is not None]
    return round(statistics.median(known), 4) if known else None
