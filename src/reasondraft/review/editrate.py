"""Edit rate: how much of the model's draft the humans changed.

Defined on body lines (front matter excluded: approval rewrites it) against
``draft.generated.md``::

    edit_rate = 1 - difflib.SequenceMatcher(None, generated_lines, current_lines).ratio()

``ratio`` is 2·M / (lines in both), M the lines they share in order, so the rate is 0.0 for
an untouched draft and 1.0 when no line survived; a changed line counts on both sides and
added or deleted lines count once. Lines are compared exactly, without their line endings
(re-saving with CRLF is not an edit). ``autojunk`` is off so blank lines, which are common
in Markdown, are matched like any other line.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from pathlib import Path

from reasondraft.document import GENERATED_FILE, body_of
from reasondraft.errors import InputError
from reasondraft.files import read_text


def edit_rate(generated: str, current: str) -> float:
    """The line-level edit rate in [0, 1], rounded to 4 places."""
    before, after = generated.splitlines(), current.splitlines()
    if before == after:  # most drafts: no diff to compute
        return 0.0
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    return round(1.0 - matcher.ratio(), 4)


def draft_edit_rate(path: Path, body: str) -> float | None:
    """The edit rate of draft.md's ``body`` against its draft.generated.md; None when that
    file is missing or unreadable."""
    generated = path.with_name(GENERATED_FILE)
    if not generated.is_file():
        return None
    try:
        return edit_rate(body_of(read_text(generated, kind="draft")), body)
    except InputError:
        return None
