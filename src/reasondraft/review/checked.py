"""A draft opened leniently, verified if its inputs can be found, with where its review
decision stands: what ``show`` and ``export`` start from.

Reading never fails on the draft's content: broken front matter is reported in
``standing.problem`` and the body is still there; a repository or task that cannot be
opened leaves ``report`` None with the reason in ``unresolved``. Once verified, an approval
whose record states other errors than verify finds is ``stale`` (see ``against_verify``):
"modified since approval" and "stale" are review concepts, so they are decided here, on top
of what :mod:`reasondraft.verify` reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reasondraft.document import DraftFile
from reasondraft.review.record import Standing, against_verify, standing
from reasondraft.verify import (
    BodyReport,
    DraftReport,
    OpenedDraft,
    Repos,
    Sources,
    VerifyContext,
    open_draft,
)


@dataclass
class CheckedDraft:
    opened: OpenedDraft
    standing: Standing

    @property
    def draft(self) -> DraftFile:
        return self.opened.draft

    @property
    def ctx(self) -> VerifyContext | None:
        return self.opened.ctx

    @property
    def report(self) -> BodyReport | None:
        return self.opened.report

    @property
    def unresolved(self) -> str | None:
        return self.opened.unresolved


def open_reviewed(path: Path) -> CheckedDraft:
    """Read a draft leniently (InputError only if the file itself cannot be read)."""
    opened = open_draft(path, strict=False)
    return CheckedDraft(opened, standing(opened.draft))


def resolve(checked: CheckedDraft, sources: Sources, repos: Repos) -> CheckedDraft:
    """Verify the draft's references, or say in ``unresolved`` why its inputs are missing;
    the standing then accounts for what verify found."""
    report = checked.opened.check(sources, repos, lenient=True).report
    if report is not None:
        checked.standing = against_verify(checked.standing, report.summary)
    return checked


def note_decisions(reports: list[DraftReport]) -> None:
    """Give each verified draft's report the word on its review decision (``modified
    since approval``, ``stale: ...``) that verify's summary line shows."""
    for report in reports:
        if report.draft is not None and report.body is not None:
            report.note = against_verify(standing(report.draft), report.body.summary).note
