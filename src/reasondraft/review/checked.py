"""A draft read leniently and verified if its inputs can be found: what ``show`` and
``export`` start from.

Reading never fails on the draft's content: broken front matter is reported in
``standing.problem`` and the body is still there; a repository or task that cannot be
opened leaves ``report`` None with the reason in ``unresolved``. Once verified, an approval
whose record states other errors than verify finds is ``stale`` (see ``against_verify``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reasondraft.document import DraftFile, read_draft
from reasondraft.errors import InputError
from reasondraft.review.record import Standing, against_verify, standing
from reasondraft.verify import BodyReport, Repos, Sources, VerifyContext, check_draft
from reasondraft.verify.inputs import draft_context


@dataclass
class CheckedDraft:
    draft: DraftFile
    standing: Standing
    ctx: VerifyContext | None = None
    report: BodyReport | None = None
    unresolved: str | None = None


def open_draft(path: Path) -> CheckedDraft:
    """Read a draft leniently (InputError only if the file itself cannot be read)."""
    draft = read_draft(path, strict=False)
    return CheckedDraft(draft, standing(draft))


def resolve(checked: CheckedDraft, sources: Sources, repos: Repos) -> CheckedDraft:
    """Verify the draft's references, or say in ``unresolved`` why its inputs are missing;
    the standing then accounts for what verify found."""
    draft = checked.draft
    try:
        checked.ctx = draft_context(draft, sources, repos)
        checked.report = check_draft(draft, checked.ctx)
    except InputError as exc:
        checked.unresolved = str(exc)
        return checked
    checked.standing = against_verify(checked.standing, checked.report.summary)
    return checked
