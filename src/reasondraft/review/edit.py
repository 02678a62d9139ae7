"""``edit``: open a draft in the person's editor, then say what verify thinks of it.

The editor is ``$VISUAL``, else ``$EDITOR``, else the first of ``sensible-editor``,
``editor``, ``nano``, ``vi`` found on PATH. The variable is split like a shell word list
(``code --wait`` works) but never run through a shell, and the draft path is passed as one
argument. The file stays as the person saved it, even when its front matter no longer
parses; the one thing written is the front matter's ``author`` when the body changed (who
last edited the body is its author: a review record keeps it apart from the reviewer).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from reasondraft.document import AUTHOR_KEY, DraftFile, join_document, one_draft
from reasondraft.errors import InputError
from reasondraft.files import atomic_write, replaceable
from reasondraft.lock import draft_lock
from reasondraft.review.record import (
    Standing,
    against_verify,
    draft_author,
    standing,
)
from reasondraft.verify import DraftReport, Repos, Sources, open_checked, open_draft

FALLBACK_EDITORS = ("sensible-editor", "editor", "nano", "vi")


def editor_command(environ: Mapping[str, str] | None = None) -> list[str]:
    """The editor to run, as an argument list."""
    environ = os.environ if environ is None else environ
    for variable in ("VISUAL", "EDITOR"):
        value = environ.get(variable, "").strip()
        if value:
            try:
                words = shlex.split(value)
            except ValueError as exc:
                raise InputError(f"${variable} cannot be split into words: {exc}") from None
            if words:
                return words
    for name in FALLBACK_EDITORS:
        if shutil.which(name):
            return [name]
    raise InputError("no editor found: set $VISUAL or $EDITOR (e.g. export EDITOR=nano)")


def open_in_editor(path: Path, environ: Mapping[str, str] | None = None) -> Path:
    """Run the editor on the draft and wait for it; returns the draft.md path."""
    path = one_draft(path)
    if not path.is_file():
        raise InputError("no such draft", where=str(path))
    command = [*editor_command(environ), str(path)]
    try:
        completed = subprocess.run(command, check=False)
    except OSError as exc:
        raise InputError(f"cannot run the editor {command[0]!r}: {exc.strerror}") from None
    if completed.returncode != 0:
        raise InputError(f"the editor {command[0]!r} exited with status "
                         f"{completed.returncode}; the draft is as it was last saved",
                         where=str(path))
    return path


def record_author(path: Path, before: DraftFile,
                  author: str | None) -> Literal["unchanged", "recorded", "unknown"]:
    """Make ``author`` the draft's author if the saved body differs from ``before``
    (``unknown``: it does, but nobody said who edited; ``unchanged`` also when the front
    matter no longer parses: it is left for the person to fix)."""
    path = one_draft(path)
    with draft_lock(path):
        draft = open_draft(path, strict=False).draft
        if draft.front_error or draft.content_hash == before.content_hash:
            return "unchanged"
        if author is None:
            return "unknown"
        if draft_author(draft) != author:
            replaceable(path)  # a link or a special file is refused, as approve refuses it
            atomic_write(path, join_document({**draft.front, AUTHOR_KEY: author}, draft.body))
        return "recorded"


@dataclass
class Edited:
    """Where a draft stands after editing: verified, or why it could not be."""

    path: Path
    standing: Standing
    report: DraftReport | None = None
    problem: str | None = None


def check_edited(path: Path, sources: Sources | None = None) -> Edited:
    """Read the saved draft once and verify it (broken front matter is reported, not
    fixed)."""
    with Repos() as repos:
        opened = open_checked(path, sources or Sources(), repos, strict=False)
    where = standing(opened.draft)
    if where.status == "broken":
        return Edited(opened.path, where, problem=where.problem)
    if opened.report is None:
        return Edited(opened.path, where, problem=opened.unresolved)
    where = against_verify(where, opened.report.summary)
    return Edited(opened.path, where, DraftReport(opened.path, opened.report,
                                                  draft=opened.draft, note=where.note))
