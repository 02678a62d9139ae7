"""``report DIR``: the quality of a batch, as figures a lead can act on (docs/quality.md).

It is built on ``status``'s scan (one row per draft, verified with ``verify``) and reads each
draft's review records again for what a row does not carry: every round's reviewer, time,
scores and codes. A figure with no data behind it is None (``null``, ``-``), never 0: a
batch nobody reviewed has no rework rate, not a rework rate of zero.

Agreement is measured where the same thing was judged twice: rubric scores given by two or
more reviewers to one exact body (the same ``content_hash``, e.g. a second review with
``approve --force``) go into Krippendorff's alpha (ordinal; the ``krippendorff`` package),
and several task folders of one instance (runs, copies: one trace per annotator) are
compared pairwise with ``compare``.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from reasondraft.body.markdown import split_sections
from reasondraft.document import GENERATED_FILE, body_of, read_draft
from reasondraft.errors import InputError
from reasondraft.files import read_text
from reasondraft.quality.compare import FIGURES, compare
from reasondraft.review.editrate import edit_rate
from reasondraft.review.record import ReviewRecord, read_history, read_record
from reasondraft.review.status import DraftStatus, by_model, mean, median, scan, totals
from reasondraft.verify import Sources
from reasondraft.verify.findings import FAMILIES

SCORE_VALUES = (1, 2, 3, 4)
STEP = re.compile(r"^## Step [^:\n]+:")


@dataclass
class Reviewed:
    """One draft's row and every review round recorded on it, oldest first."""

    row: DraftStatus
    records: list[ReviewRecord] = field(default_factory=list)


def _records(row: DraftStatus) -> list[ReviewRecord]:
    """The history then the current record (a malformed one: none, the row says why)."""
    if row.status == "broken":
        return []
    try:
        draft = read_draft(row.path, strict=False)
        current = read_record(draft)
        return read_history(draft) + ([current] if current else [])
    except InputError:
        return []


def _round(value: float) -> float:
    return round(value, 4)


def _share(part: int, whole: int) -> float | None:
    return _round(part / whole) if whole else None


def _scores(records: list[ReviewRecord]) -> dict[str, Any]:
    """Per rubric item: how many of each score 1-4, and their mean (None: never scored)."""
    counts: dict[str, Counter[int]] = {}
    for record in records:
        for item, score in (record.scores or {}).items():
            counts.setdefault(item, Counter())[score] += 1
    return {item: {"counts": {str(v): c[v] for v in SCORE_VALUES}, "n": sum(c.values()),
                   "mean": mean([float(s) for s in c.elements()])}
            for item, c in sorted(counts.items())}


def _group(drafts: list[Reviewed], records: list[ReviewRecord]) -> dict[str, Any]:
    """Decisions and scores of one author or reviewer."""
    decided = [d for d in drafts if d.records]
    return {"drafts": len(drafts),
            "decisions": len(records),
            "approved": sum(1 for r in records if r.decision == "approved"),
            "rejected": sum(1 for r in records if r.decision == "rejected"),
            "approved_at_first_review": sum(1 for d in decided
                                            if d.records[0].decision == "approved"),
            "rework_rate": _share(sum(1 for d in decided if d.row.rework), len(decided)),
            "codes": dict(Counter(c for r in records for c in r.codes or []).most_common()),
            "scores": _scores(records)}


def _by_author(drafts: list[Reviewed]) -> dict[str, Any]:
    authors: dict[str, list[Reviewed]] = {}
    for d in drafts:
        authors.setdefault(d.row.author or "", []).append(d)
    return {name or "(none)": _group(members, [r for m in members for r in m.records])
            for name, members in sorted(authors.items())}


def _by_reviewer(drafts: list[Reviewed]) -> dict[str, Any]:
    reviewers: dict[str, list[tuple[Reviewed, ReviewRecord]]] = {}
    for d in drafts:
        for record in d.records:
            reviewers.setdefault(record.reviewer, []).append((d, record))
    result = {}
    for name, pairs in sorted(reviewers.items()):
        figures = _group(list({id(d): d for d, _ in pairs}.values()), [r for _, r in pairs])
        del figures["approved_at_first_review"], figures["rework_rate"]  # the draft's, not theirs
        result[name] = figures
    return result


def section_name(heading: str) -> str:
    """A section as the report groups it: every ``## Step N: title`` is ``Step``."""
    if STEP.match(heading):
        return "Step"
    return heading[3:] if heading else "(before the first heading)"


def _section_texts(body: str) -> dict[str, str]:
    texts: dict[str, list[str]] = {}
    for part in split_sections(body):
        texts.setdefault(section_name(part.heading), []).append(
            "\n".join([part.heading, *part.lines]))
    return {name: "\n".join(parts) for name, parts in texts.items()}


def section_edit_rates(rows: list[DraftStatus]) -> dict[str, Any]:
    """Per section, over drafts with a draft.generated.md: in how many the humans changed
    it and its mean edit rate (a section added or removed counts 1.0). Steps are one
    section, all steps of a draft together."""
    rates: dict[str, list[float]] = {}
    for row in rows:
        if row.edit_rate is None or row.status == "broken":
            continue
        try:
            before = _section_texts(body_of(read_text(row.path.with_name(GENERATED_FILE),
                                                      kind="draft")))
            after = _section_texts(body_of(read_text(row.path, kind="draft")))
        except InputError:
            continue
        for name in before.keys() | after.keys():
            rates.setdefault(name, []).append(edit_rate(before.get(name, ""),
                                                        after.get(name, "")))
    ordered = sorted(rates.items(), key=lambda pair: (-statistics.fmean(pair[1]), pair[0]))
    return {name: {"drafts": len(values), "changed": sum(1 for v in values if v),
                   "mean_edit_rate": mean(values)} for name, values in ordered}


def check_families(rows: list[DraftStatus]) -> dict[str, Any] | None:
    """Items and passed per verify check family over the verified drafts (None: not
    verified, ``report --verify``)."""
    verified = [row.checks for row in rows if row.checks is not None]
    if not verified:
        return None
    families: dict[str, Any] = {}
    for name in FAMILIES:
        items = sum(c.get(name, {}).get("items", 0) for c in verified)
        passed = sum(c.get(name, {}).get("passed", 0) for c in verified)
        families[name] = {"items": items, "passed": passed, "share": _share(passed, items)}
    return families


def _seconds(start: datetime | None, end: datetime) -> float | None:
    return None if start is None else (end - start).total_seconds()


def decision_times(drafts: list[Reviewed]) -> dict[str, Any]:
    """Seconds from drafting (provenance created_at) to the first decision and to the one
    that stands now, over the drafts with a decision."""
    first = [s for d in drafts if d.records
             if (s := _seconds(d.row.created_at, d.records[0].time)) is not None]
    last = [s for d in drafts if d.records
            if (s := _seconds(d.row.created_at, d.records[-1].time)) is not None]
    return {"decided": len(first),
            "first_decision": {"median_seconds": median(first), "mean_seconds": mean(first)},
            "last_decision": {"median_seconds": median(last), "mean_seconds": mean(last)}}


def score_agreement(drafts: list[Reviewed]) -> dict[str, Any]:
    """Krippendorff's alpha (ordinal) on rubric scores given to one exact body by two or
    more reviewers: over all items, and per item. A reviewer's latest score counts."""
    given: dict[tuple[str, str], dict[str, int]] = {}  # (body hash, item) -> reviewer: score
    for d in drafts:
        for record in d.records:
            for item, score in (record.scores or {}).items():
                given.setdefault((record.content_hash, item), {})[record.reviewer] = score
    shared = {unit: scores for unit, scores in given.items() if len(scores) > 1}
    items = sorted({item for _, item in shared})
    return {"bodies": len({body for body, _ in shared}),
            "reviewers": sorted({r for scores in shared.values() for r in scores}),
            "alpha": _alpha(list(shared.values())),
            "alpha_per_item": {item: _alpha([s for (_, i), s in shared.items() if i == item])
                               for item in items}}


def _alpha(units: list[dict[str, int]]) -> float | None:
    """Ordinal alpha over units of reviewer -> score; None when undefined: fewer than two
    units (one unit is its own expected disagreement: alpha 0 whatever the scores), or a
    single value seen (no variation to agree on)."""
    values = {score for unit in units for score in unit.values()}
    if len(units) < 2 or len(values) < 2:
        return None
    try:
        import krippendorff  # numpy underneath: only a report with double scores needs it
    except ImportError:
        raise InputError("the agreement on scores needs the krippendorff package: "
                         "pip install 'reasondraft[quality]'") from None
    reviewers = sorted({r for unit in units for r in unit})
    matrix = [[unit.get(r, float("nan")) for unit in units] for r in reviewers]
    return _round(float(krippendorff.alpha(reliability_data=matrix,
                                           level_of_measurement="ordinal",
                                           value_domain=list(SCORE_VALUES))))


def trace_agreement(rows: list[DraftStatus]) -> dict[str, Any]:
    """``compare``'s figures for the task folders of one instance, each against the first
    (by folder name): their mean, and the pairs that could not be compared (no trace
    format, unreadable) with why. Against the first, not every pair: 50 copies of one task
    are 49 comparisons, not 1,225."""
    instances: dict[str, list[DraftStatus]] = {}
    for row in rows:
        if row.status != "broken":
            instances.setdefault(row.instance_id, []).append(row)
    figures: dict[str, list[float]] = {name: [] for name in FIGURES}
    pairs, failed = 0, []
    for instance_id, members in sorted(instances.items()):
        first, *others = sorted(members, key=lambda row: row.folder)
        for a, b in ((first, other) for other in others):
            try:
                result = compare(a.path, b.path)
            except InputError as exc:
                failed.append({"instance_id": instance_id, "a": a.folder, "b": b.folder,
                               "error": str(exc)})
                continue
            pairs += 1
            for name in FIGURES:
                value = result.figures[name]
                if value is not None:
                    figures[name].append(value)
    return {"pairs": pairs, "figures": {name: mean(v) for name, v in figures.items()},
            "not_compared": failed}


@dataclass
class BatchReport:
    """The figures of ``report --json``; ``calibration`` only with ``--calibration``."""

    directory: Path
    figures: dict[str, Any]
    calibration: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        data = {"dir": str(self.directory), **self.figures}
        if self.calibration is not None:
            data["calibration"] = self.calibration
        return data


def batch_report(path: Path, *, verify: bool = False,
                 sources: Sources | None = None) -> BatchReport:
    """Every figure of the batch PATH names (a folder of task folders, or one of them)."""
    rows = scan(path, verify=verify, sources=sources)
    drafts = [Reviewed(row, _records(row)) for row in rows]
    decided = [d for d in drafts if d.records]
    total = totals(rows)
    figures = {
        "drafts": len(rows),
        "status": {name: total[name] for name in total if name not in (
            "drafts", "errors", "warnings", "mean_edit_rate")},
        "verified": verify,
        "errors": total["errors"], "warnings": total["warnings"],
        "reviewed": len(decided),
        "approved_at_first_review": sum(1 for d in decided
                                        if d.records[0].decision == "approved"),
        "first_review_approval_rate": _share(
            sum(1 for d in decided if d.records[0].decision == "approved"), len(decided)),
        "rework_rate": _share(sum(1 for d in decided if d.row.rework), len(decided)),
        "rounds": sum(len(d.records) for d in drafts),
        "reject_codes": dict(Counter(c for d in drafts for r in d.records
                                     for c in r.codes or []).most_common()),
        "scores": _scores([r for d in drafts for r in d.records]),
        "by_author": _by_author(drafts),
        "by_reviewer": _by_reviewer(drafts),
        "edit_rate": {"mean": total["mean_edit_rate"],
                      "median": median([r.edit_rate for r in rows])},
        "by_model": by_model(rows),
        "by_section": section_edit_rates(rows),
        "checks": check_families(rows),
        "time_to_decision": decision_times(drafts),
        "agreement": {"scores": score_agreement(drafts), "traces": trace_agreement(rows)},
    }
    return BatchReport(path, figures)
