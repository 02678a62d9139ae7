"""``calibration ANSWERS DIR``: each reviewer's catch rate per kind of planted defect.

A plant is *caught* when its draft was rejected, or approved after an edit of the section
the defect is in (no section of the body holds its planted text any more: steps added or
removed elsewhere renumber it, which is no edit of it); *missed* when it was approved with
the planted body unchanged, or edited elsewhere only. A plant not decided yet -- a draft,
an approval that no longer holds (modified, stale), a broken file -- is *pending* and
counts for no one. The reviewer is the one in the review record.

``report DIR --calibration ANSWERS`` adds the same result to the batch report; the
``calibration`` command came first and stays.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator

from reasondraft.body.markdown import split_sections
from reasondraft.document import DRAFT_FILE, DraftFile, read_draft
from reasondraft.errors import InputError
from reasondraft.files import read_json
from reasondraft.quality.plant import ANSWERS_FORMAT, KINDS, section_hash
from reasondraft.review.record import standing

Outcome = Literal["caught", "missed", "pending"]
Hash = Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")]
ALL = "all"


class Answer(BaseModel):
    """One planted folder's entry in the answer file."""

    kind: str
    section: str = Field(pattern=r"^(Hunks|Step [1-9][0-9]*)$")
    what: str = ""
    instance_id: str
    body_sha256: Hash
    section_sha256: Hash | None

    @field_validator("kind")
    @classmethod
    def _known(cls, kind: str) -> str:
        if kind not in KINDS:
            raise ValueError(f"unknown kind (known: {', '.join(KINDS)})")
        return kind


class Answers(BaseModel):
    format: str
    seed: int
    plants: dict[str, Answer]

    @field_validator("format")
    @classmethod
    def _ours(cls, value: str) -> str:
        if value != ANSWERS_FORMAT:
            raise ValueError(f"not an answer file of plant ({ANSWERS_FORMAT})")
        return value


@dataclass(frozen=True)
class Verdict:
    """How one plant fared: caught, missed or pending, by whom, and why so."""

    folder: str
    kind: str
    section: str
    outcome: Outcome
    reviewer: str | None
    how: str


@dataclass
class Calibration:
    answers: Path
    directory: Path
    verdicts: list[Verdict]

    def rates(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Per reviewer, per kind and over all kinds: caught, missed and the catch rate."""
        counts: dict[str, dict[str, Counter[str]]] = {}
        for v in self.verdicts:
            if v.reviewer is None or v.outcome == "pending":
                continue
            mine = counts.setdefault(v.reviewer, {})
            for kind in (v.kind, ALL):
                mine.setdefault(kind, Counter())[v.outcome] += 1
        return {reviewer: {kind: _rate(c) for kind, c in sorted(
            by_kind.items(), key=lambda pair: (pair[0] == ALL, pair[0]))}
            for reviewer, by_kind in sorted(counts.items())}

    @property
    def pending(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.outcome == "pending"]

    def to_json(self) -> dict[str, Any]:
        return {"answers": str(self.answers), "dir": str(self.directory),
                "reviewers": self.rates(), "pending": len(self.pending),
                "plants": [asdict(v) for v in self.verdicts]}


def _rate(counter: Counter[str]) -> dict[str, Any]:
    caught, missed = counter["caught"], counter["missed"]
    return {"caught": caught, "missed": missed, "rate": round(caught / (caught + missed), 4)}


def read_answers(path: Path) -> Answers:
    """The sealed answer file; a malformed one is bad input naming the key."""
    data = read_json(path, kind="state")
    try:
        return Answers.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(part) for part in error["loc"]) or "value"
        raise InputError(f"key '{key}': {error['msg'].removeprefix('Value error, ')}",
                         where=str(path)) from None


def calibrate(answers_path: Path, directory: Path) -> Calibration:
    """Judge every plant the answers list against its folder in ``directory``."""
    answers = read_answers(answers_path)
    verdicts = []
    for folder, answer in answers.plants.items():
        path = directory / folder / DRAFT_FILE
        if "/" in folder or folder.startswith(".") or not path.exists():
            raise InputError(f"the answers list '{folder}', which is not a task folder here",
                             where=str(directory))
        draft = read_draft(path, strict=False)
        if draft.front.get("instance_id") not in (None, answer.instance_id):
            raise InputError(f"is {draft.front.get('instance_id')!r}, but the answers planted "
                             f"{answer.instance_id!r} here", where=str(path))
        verdicts.append(judge(folder, answer, draft))
    return Calibration(answers_path, directory, verdicts)


def judge(folder: str, answer: Answer, draft: DraftFile) -> Verdict:
    """Caught, missed or pending, from the review record and the body as it is now."""
    where = standing(draft)
    reviewer = where.record.reviewer if where.record else None

    def verdict(outcome: Outcome, how: str) -> Verdict:
        return Verdict(folder, answer.kind, answer.section, outcome,
                       reviewer if outcome != "pending" else None, how)

    if where.status == "rejected":
        return verdict("caught", "rejected")
    if where.status != "approved":
        return verdict("pending", where.note or where.status)
    if draft.content_hash == answer.body_sha256:
        return verdict("missed", "approved unchanged")
    if not any(section_hash(part) == answer.section_sha256
               for part in split_sections(draft.body)):
        return verdict("caught", f"{answer.section} edited before approval")
    return verdict("missed", f"approved with {answer.section} as planted (edited elsewhere)")
