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
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args

from reasondraft.body.markdown import STEP_HEADING, split_sections
from reasondraft.document import split_document
from reasondraft.errors import InputError
from reasondraft.files import read_text
from reasondraft.review.editrate import draft_edit_rate
from reasondraft.review.record import Rounds, Signature, Status, draft_author, rounds, standing
from reasondraft.review.signing import Signers
from reasondraft.verify import Repos, Sources, verify_draft
from reasondraft.verify.inputs import draft_paths

STATUSES: tuple[str, ...] = get_args(Status)


@dataclass
class DraftStatus:
    """One row of ``status``; ``errors``/``warnings``/``checks`` are None unless verified,
    ``signature`` None unless signatures were checked, ``inputs_bound`` None without a
    record (False: a record from before inputs were bound, binding the body only)."""

    instance_id: str
    path: Path
    status: Status
    steps: int = 0
    reviewer: str | None = None
    decision: str | None = None
    reviewed_at: datetime | None = None
    created_at: datetime | None = None
    age_seconds: int | None = None
    modified_since_approval: bool = False
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

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = str(self.path)
        for key in ("reviewed_at", "created_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def scan(path: Path, *, verify: bool = False, sources: Sources | None = None,
         now: datetime | None = None, signers: Signers | None = None) -> list[DraftStatus]:
    """A row per draft that PATH names (a draft, a task folder, or a folder of them)."""
    now = now or datetime.now(UTC)
    rows = [read_status(draft, now, signers) for draft in draft_paths(path)]
    if verify:
        with Repos() as repos:
            for row in rows:
                add_verify(row, sources or Sources(), repos)
    return rows


def read_status(path: Path, now: datetime, signers: Signers | None = None) -> DraftStatus:
    """The row for one draft.md, from its text, its generated sibling and (for a decision)
    its task folder's inputs."""
    try:
        text = read_text(path, kind="draft")
    except InputError as exc:
        return DraftStatus(instance_id=path.parent.name, path=path, status="broken",
                           problem=str(exc))
    draft = split_document(text, str(path), strict=False)
    draft.path = path
    where = standing(draft)
    if signers is not None:
        where = signers.check(where)
    front = draft.front
    provenance = front.get("provenance") if isinstance(front.get("provenance"), dict) else {}
    created = _time(provenance.get("created_at")) or _mtime(path)
    record = where.record
    went: Rounds | None = None
    if where.status != "broken":
        try:
            went = rounds(draft)
        except InputError as exc:  # a malformed history: the row says so, the scan goes on
            where = replace(where, problem=where.problem or str(exc))
    return DraftStatus(
        instance_id=str(front.get("instance_id") or path.parent.name), path=path,
        status=where.status, steps=count_steps(draft.body),
        reviewer=record.reviewer if record else None,
        decision=record.decision if record else None,
        reviewed_at=record.time if record else None, created_at=created,
        age_seconds=int((now - created).total_seconds()) if created else None,
        modified_since_approval=where.modified_since_approval,
        inputs_bound=where.binds_inputs, signature=where.signature, signed_by=where.signed_by,
        author=draft_author(draft) if not draft.front_error else None,
        scores=record.scores if record else None, codes=record.codes if record else None,
        rounds=went.rounds if went else None, rework=went.rework if went else None,
        edit_rate=draft_edit_rate(path, draft.body),
        model=_text(provenance.get("model")), prompt=_text(provenance.get("prompt")),
        problem=where.problem)


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


def add_verify(row: DraftStatus, sources: Sources, repos: Repos) -> None:
    """Fill errors/warnings and the per-family checks from verify (a draft verify cannot
    read keeps None + why); an
    approval whose record states other errors becomes ``stale``."""
    try:
        report = verify_draft(row.path, sources, repos=repos)
    except InputError as exc:
        row.problem = row.problem or str(exc)
        return
    row.errors, row.warnings = report.summary["errors"], report.summary["warnings"]
    checks = report.checks
    row.checks = {name: score.to_json() for name, score in checks.items()} if checks else None
    stands = report.standing
    if row.status == "approved" and stands is not None and stands.status == "stale":
        row.status, row.problem = stands.status, stands.problem


def totals(rows: list[DraftStatus]) -> dict[str, Any]:
    """Counts per effective status (``modified`` is not ``approved``), verify sums, mean
    edit rate."""
    counts = Counter(row.status for row in rows)
    verified = [row for row in rows if row.errors is not None]
    return {"drafts": len(rows), **{status: counts[status] for status in STATUSES},
            "errors": sum(r.errors or 0 for r in verified) if verified else None,
            "warnings": sum(r.warnings or 0 for r in verified) if verified else None,
            "mean_edit_rate": _mean([r.edit_rate for r in rows])}


def by_model(rows: list[DraftStatus]) -> list[dict[str, Any]]:
    """One summary per (model, prompt hash): how many drafts, how they stand, edit rate."""
    groups: dict[tuple[str | None, str | None], list[DraftStatus]] = {}
    for row in rows:
        groups.setdefault((row.model, row.prompt), []).append(row)
    summaries = []
    for (model, prompt), members in sorted(groups.items(),
                                           key=lambda item: (str(item[0][0]), str(item[0][1]))):
        counts = Counter(row.status for row in members)
        rates = [r.edit_rate for r in members]
        summaries.append({
            "model": model, "prompt": prompt, "drafts": len(members),
            **{status: counts[status] for status in STATUSES},
            "edited": sum(1 for rate in rates if rate), "mean_edit_rate": _mean(rates),
            "median_edit_rate": _median(rates)})
    return summaries


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(statistics.fmean(known), 4) if known else None


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(statistics.median(known), 4) if known else None
