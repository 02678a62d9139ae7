"""Verify drafts on disk: one draft, a task folder, or a folder of task folders.

One unreadable draft is an InputError (exit 2). When several drafts are verified, a broken
one is reported as an ``RD-I001`` finding and the others are still verified; the run then
exits 2 as well, after reporting everything.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from reasondraft.document import DraftFile, one_draft, parse_draft, split_document
from reasondraft.errors import InputError
from reasondraft.files import atomic_write, decode_text, read_bytes
from reasondraft.lock import draft_lock
from reasondraft.verify.check import BodyReport, check_draft
from reasondraft.verify.citation import Citation
from reasondraft.verify.context import VerifyContext
from reasondraft.verify.findings import Family, Finding, finding, summarize
from reasondraft.verify.fix import Edit, fix_document
from reasondraft.verify.inputs import Repos, Sources, draft_context, draft_paths
from reasondraft.verify.scores import Score


@dataclass
class OpenedDraft:
    """A draft.md read once from disk (``data``: its bytes as read) and parsed; once
    checked, what verify found (``ctx``, ``report``) or, checked leniently, why its inputs
    could not be found (``unresolved``)."""

    path: Path
    data: bytes
    draft: DraftFile
    ctx: VerifyContext | None = None
    report: BodyReport | None = None
    unresolved: str | None = None

    def check(self, sources: Sources, repos: Repos, *, lenient: bool = False) -> OpenedDraft:
        """Verify the draft as read. ``lenient``: a task or repository that cannot be
        opened is said in ``unresolved`` instead of raised (show, status, export)."""
        try:
            self.ctx = draft_context(self.draft, sources, repos)
            self.report = check_draft(self.draft, self.ctx)
        except InputError as exc:
            if not lenient:
                raise
            self.unresolved = str(exc)
        return self


def open_draft(path: Path, *, strict: bool = True) -> OpenedDraft:
    """Read a draft.md (or a task folder's) once and parse it. ``strict=False``: broken
    front matter is kept in ``draft.front_error`` with the body, not raised; a file that
    cannot be read is an InputError either way."""
    path = one_draft(path)
    data = read_bytes(path, kind="draft")
    return OpenedDraft(path, data, parse_draft(path, data, strict=strict))


def open_checked(path: Path, sources: Sources, repos: Repos, *,
                 strict: bool = True) -> OpenedDraft:
    """The one way a command opens a draft and verifies it (verify, show, edit, status
    --verify; approve and export take the two steps apart to decide in between).
    ``strict=False`` reports broken front matter and unresolved inputs instead of raising."""
    return open_draft(path, strict=strict).check(sources, repos, lenient=not strict)


@dataclass
class DraftReport:
    """The outcome for one draft: its checked references, or why it could not be read.

    ``draft`` is the file as verified; ``note`` what the review layer says of its decision
    (verify itself knows nothing of reviews)."""

    path: Path
    body: BodyReport | None = None
    error: str | None = None
    fixes: list[Edit] = field(default_factory=list)  # what --fix changed
    draft: DraftFile | None = None
    note: str | None = None

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
                "findings": [asdict(f) for f in self.findings],
                "checks": {name: score.to_json() for name, score in checks.items()}
                if checks is not None else None}


def verify_draft(path: Path, sources: Sources | None = None, *, repos: Repos | None = None,
                 fix: bool = False) -> DraftReport:
    """Verify one draft.md (or a task folder's); with ``fix``, write the safe fixes first.

    Raises InputError when the draft, its task or its repository cannot be read, and when
    the file changed on disk while it was being fixed (then nothing is written).
    """
    own = repos is None
    repos = repos or Repos()
    try:
        opened = open_checked(path, sources or Sources(), repos)
        assert opened.ctx is not None  # a strict check raises instead
        assert opened.report is not None
        report = DraftReport(opened.path, opened.report, draft=opened.draft)
        if not fix or not any(f.fixable for f in opened.report.findings):
            return report
        text = decode_text(opened.data, str(opened.path))
        fixed, edits = fix_document(text, opened.ctx, str(opened.path))
        if fixed == text:
            return report
        _write_fixed(opened.path, opened.data, fixed)
        after = split_document(fixed, str(opened.path))
        after.path = opened.path
        return DraftReport(opened.path, check_draft(after, opened.ctx), fixes=edits,
                           draft=after)
    finally:
        if own:
            repos.close()


def _write_fixed(path: Path, data: bytes, fixed: str) -> None:
    """Write the fixes under the draft's lock (as approve and draft write it), unless the file
    changed since it was read."""
    with draft_lock(path):
        if read_bytes(path, kind="draft") != data:
            raise InputError("changed on disk while being verified; --fix wrote nothing",
                             where=str(path))
        atomic_write(path, (codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b"")
                     + fixed.encode("utf-8"))


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
