"""Verify drafts on disk: one draft, a task folder, or a folder of task folders.

One unreadable draft is an InputError (exit 2). When several drafts are verified, a broken
one is reported as an ``RD-I001`` finding and the others are still verified; the run then
exits 2 as well, after reporting everything.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reasondraft.document import DraftFile, split_document
from reasondraft.errors import InputError
from reasondraft.files import atomic_write, decode_utf8, read_bytes
from reasondraft.verify.check import BodyReport, check_draft
from reasondraft.verify.citation import Citation
from reasondraft.verify.findings import Family, Finding, finding, summarize
from reasondraft.verify.fix import fix_document, unified_diff
from reasondraft.verify.inputs import Repos, Sources, draft_context, draft_paths
from reasondraft.verify.scores import Score

if TYPE_CHECKING:
    from reasondraft.review.record import Standing


@dataclass
class DraftReport:
    """The outcome for one draft: its checked references, or why it could not be read."""

    path: Path
    body: BodyReport | None = None
    error: str | None = None
    changes: str = field(default="")  # unified diff of what --fix wrote
    standing: Standing | None = None  # the review decision, as this verify leaves it

    @property
    def citations(self) -> list[Citation]:
        return self.body.citations if self.body else []

    @property
    def findings(self) -> list[Finding]:
        if self.body is None:
            return [finding("RD-I001", 1, self.error or "could not be read")]
        return self.body.findings

    @property
    def summary(self) -> dict[str, int]:
        """{references, errors, warnings}."""
        return summarize(self.findings, len(self.citations))

    @property
    def checks(self) -> dict[Family, Score] | None:
        """Per check family: items, passed, share (None for a draft that was not read)."""
        return self.body.checks if self.body else None

    def to_json(self) -> dict[str, Any]:
        """The contract: {"draft", "references", "errors", "warnings", "findings", "checks"}
        (``checks``: per family {"items", "passed", "share"}; null if the draft was not
        read)."""
        checks = self.checks
        return {"draft": str(self.path), **self.summary,
                "findings": [f.model_dump() for f in self.findings],
                "checks": {name: score.to_json() for name, score in checks.items()}
                if checks is not None else None}


def verify_draft(path: Path, sources: Sources | None = None, *, repos: Repos | None = None,
                 fix: bool = False) -> DraftReport:
    """Verify one draft.md (or a task folder's); with ``fix``, write the safe fixes first.

    Raises InputError when the draft, its task or its repository cannot be read, and when
    the file changed on disk while it was being fixed (then nothing is written).
    """
    path = path / "draft.md" if path.is_dir() else path
    own = repos is None
    repos = repos or Repos()
    try:
        data = read_bytes(path, kind="draft")
        text = decode_utf8(data, str(path))
        draft = split_document(text, str(path))
        draft.path = path
        ctx = draft_context(draft, sources or Sources(), repos)
        body = check_draft(draft, ctx)
        if not fix or not any(f.fixable for f in body.findings):
            return DraftReport(path, body, standing=_standing(draft, body))
        fixed = fix_document(text, ctx, str(path))
        if fixed == text:
            return DraftReport(path, body, standing=_standing(draft, body))
        _write_fixed(path, data, fixed)
        after = split_document(fixed, str(path))
        after.path = path
        return DraftReport(path, check_draft(after, ctx),
                           changes=unified_diff(text, fixed, str(path)))
    finally:
        if own:
            repos.close()


def _write_fixed(path: Path, data: bytes, fixed: str) -> None:
    """Write the fixes under the draft's lock (as approve and draft write it), unless the file
    changed since it was read."""
    # Imported here: the review package builds on verify (see _standing).
    from reasondraft.review.lock import draft_lock

    with draft_lock(path):
        if read_bytes(path, kind="draft") != data:
            raise InputError("changed on disk while being verified; --fix wrote nothing",
                             where=str(path))
        atomic_write(path, (codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b"")
                     + fixed.encode("utf-8"))


def _standing(draft: DraftFile, body: BodyReport) -> Standing:
    """Where the draft's review decision stands, this verify's errors included (an approval
    no longer counting is shown by every command)."""
    # Imported here: the review package builds on verify, so verify may not import it at
    # module level.
    from reasondraft.review.record import against_verify, standing

    return against_verify(standing(draft), body.summary)


def verify_paths(paths: Iterable[Path], sources: Sources | None = None, *,
                 fix: bool = False) -> list[DraftReport]:
    """Verify every draft the paths name; with more than one, broken drafts are reported."""
    drafts = list(dict.fromkeys(draft for path in paths for draft in draft_paths(path)))
    with Repos() as repos:
        if len(drafts) == 1:
            return [verify_draft(drafts[0], sources, repos=repos, fix=fix)]
        reports = []
        for draft in drafts:
            try:
                reports.append(verify_draft(draft, sources, repos=repos, fix=fix))
            except InputError as exc:
                reports.append(DraftReport(draft, error=str(exc)))
        return reports


def exit_status(reports: list[DraftReport], *, strict: bool = False) -> int:
    """0 clean, 1 errors (or warnings with ``strict``), 2 some input could not be read."""
    if any(r.body is None for r in reports):
        return 2
    summaries = [r.summary for r in reports]
    if any(s["errors"] for s in summaries) or (strict and any(s["warnings"] for s in summaries)):
        return 1
    return 0
