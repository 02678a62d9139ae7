"""``edit``: open a draft in the person's editor, then say what verify thinks of it.

The editor is ``$VISUAL``, else ``$EDITOR``, else the first of ``sensible-editor``,
``editor``, ``nano``, ``vi`` found on PATH. The variable is split like a shell word list
(``code --wait`` works) but never run through a shell, and the draft path is passed as one
argument. This module never writes the draft: the file stays exactly as the person saved
it, even when its front matter no longer parses.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from reasondraft.document import one_draft
from reasondraft.errors import InputError
from reasondraft.review.record import Standing, against_verify, standing
from reasondraft.verify import DraftReport, Repos, Sources, open_checked

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
