"""Unified diffs: a model parsed with unidiff, and an in-memory applier like ``git apply``.

Line texts keep their line endings exactly (CRLF stays CRLF; a line before
``\\ No newline at end of file`` has none), so applying a diff to a file's bytes-as-text gives
what ``git apply`` writes, byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import unidiff
from pydantic import BaseModel, ConfigDict

from reasondraft.errors import InputError

FileStatus = Literal["added", "deleted", "modified", "renamed"]


class DiffLine(BaseModel):
    """One line of a hunk: ``kind`` is ' ' (context), '-' (removed) or '+' (added)."""

    model_config = ConfigDict(frozen=True)

    kind: Literal[" ", "-", "+"]
    text: str
    old_no: int | None
    new_no: int | None


class Hunk(BaseModel):
    """One ``@@`` block; ``index`` counts from 1 within its file."""

    index: int
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    section: str = ""
    lines: list[DiffLine]

    @property
    def header(self) -> str:
        return f"@@ -{self.old_start},{self.old_len} +{self.new_start},{self.new_len} @@"

    @property
    def preimage(self) -> list[str]:
        return [line.text for line in self.lines if line.kind != "+"]

    @property
    def postimage(self) -> list[str]:
        return [line.text for line in self.lines if line.kind != "-"]

    def changed_range(self, side: Literal["old", "new"]) -> tuple[int, int] | None:
        """First and last line numbers changed on one side, or None if that side has none.

        For a pure insertion the old side is the context around the insertion point, so a
        reference to the code a hunk touches can be matched on either side.
        """
        kind = "-" if side == "old" else "+"
        numbers = [line.old_no if side == "old" else line.new_no
                   for line in self.lines if line.kind == kind]
        numbers = [n for n in numbers if n is not None]
        return (min(numbers), max(numbers)) if numbers else None


class FileDiff(BaseModel):
    """The changes to one file. Paths are repo-relative; None on the side that does not exist."""

    old_path: str | None
    new_path: str | None
    status: FileStatus
    binary: bool = False
    hunks: list[Hunk]

    @property
    def path(self) -> str:
        """The path after the diff (or before, for a deleted file)."""
        return self.new_path or self.old_path or ""

    @property
    def added_lines(self) -> int:
        return sum(1 for h in self.hunks for line in h.lines if line.kind == "+")

    @property
    def removed_lines(self) -> int:
        return sum(1 for h in self.hunks for line in h.lines if line.kind == "-")


class Patch(BaseModel):
    """A whole diff: its files in order, its text as given, and where it came from."""

    source: str = "diff"
    files: list[FileDiff]
    text: str = ""

    def __iter__(self) -> Iterator[FileDiff]:  # type: ignore[override]
        return iter(self.files)

    def by_new_path(self, path: str) -> FileDiff | None:
        return next((f for f in self.files if f.new_path == path), None)

    def by_old_path(self, path: str) -> FileDiff | None:
        return next((f for f in self.files if f.old_path == path), None)

    def touches(self, path: str) -> bool:
        """True if the diff changes, adds, deletes or renames ``path`` (either side)."""
        return any(path in (f.old_path, f.new_path) for f in self.files)


def _strip_prefix(name: str, prefix: str) -> str | None:
    """unidiff keeps the a/ b/ prefixes; /dev/null means the side does not exist."""
    if name == "/dev/null":
        return None
    name = name.split("\t", 1)[0]
    return name[len(prefix):] if name.startswith(prefix) else name


def _is_git(pf: unidiff.PatchedFile) -> bool:
    return any(str(line).startswith("diff --git ") for line in pf.patch_info or [])


def _status(pf: unidiff.PatchedFile) -> FileStatus:
    if pf.is_added_file:
        return "added"
    if pf.is_removed_file:
        return "deleted"
    # unidiff calls any name change a rename; only git's headers really say so.
    if pf.is_rename and _is_git(pf):
        return "renamed"
    return "modified"


def _hunk(index: int, h: unidiff.Hunk) -> Hunk:
    lines: list[DiffLine] = []
    for line in h:
        if line.line_type == "\\":
            # The marker applies to the line just before it: that line has no newline.
            if lines and lines[-1].text.endswith("\n"):
                lines[-1] = lines[-1].model_copy(update={"text": lines[-1].text[:-1]})
            continue
        if line.line_type not in (" ", "-", "+"):
            continue
        lines.append(DiffLine(kind=line.line_type, text=line.value,
                              old_no=line.source_line_no, new_no=line.target_line_no))
    return Hunk(index=index, old_start=h.source_start, old_len=h.source_length,
                new_start=h.target_start, new_len=h.target_length,
                section=h.section_header.strip(), lines=lines)


def parse_diff(text: str, source: str = "diff") -> Patch:
    """Parse a git-style or plain unified diff; an unparseable diff is an InputError."""
    if not text.strip():
        raise InputError("empty diff", where=source)
    try:
        patch_set = unidiff.PatchSet(text)
    except unidiff.UnidiffParseError as exc:
        raise InputError(f"diff does not parse: {exc}", where=source) from None
    if not patch_set:
        raise InputError("no file changes found in diff", where=source)
    files = []
    for pf in patch_set:
        status = _status(pf)
        git_style = all(name == "/dev/null" or name.startswith(prefix)
                        for name, prefix in ((pf.source_file, "a/"), (pf.target_file, "b/")))
        old_prefix, new_prefix = ("a/", "b/") if git_style else ("", "")
        old_path = _strip_prefix(pf.source_file, old_prefix)
        new_path = _strip_prefix(pf.target_file, new_prefix)
        if status == "modified":
            # A plain diff names a backup (x.py.orig) on the old side: the file is the new one.
            old_path = new_path
        files.append(FileDiff(
            old_path=old_path,
            new_path=new_path,
            status=status,
            binary=pf.is_binary_file,
            hunks=[_hunk(i, h) for i, h in enumerate(pf, start=1)],
        ))
    return Patch(source=source, files=files, text=text)


def split_lines(text: str) -> list[str]:
    """Split text into lines that keep their endings, on '\\n' only (as git counts lines)."""
    if not text:
        return []
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


class HunkRejected(InputError):
    """A hunk whose preimage is nowhere in the file."""


def _matches(image: list[str], at: int, pre: list[str]) -> bool:
    return at >= 0 and at + len(pre) <= len(image) and image[at:at + len(pre)] == pre


def _find(image: list[str], pre: list[str], pos: int, begin: bool, end: bool) -> int | None:
    """Where ``pre`` occurs: at ``pos`` or the nearest offset (forward first), like git."""
    if begin or end:
        at = 0 if begin else len(image) - len(pre)
        ok = _matches(image, at, pre) and (not end or at + len(pre) == len(image))
        return at if ok else None
    pos = max(0, min(pos, len(image)))
    for distance in range(max(pos, len(image) - pos) + 1):
        for at in (pos + distance, pos - distance) if distance else (pos,):
            if _matches(image, at, pre):
                return at
    return None


def apply_file(diff: FileDiff, base_text: str, where: str = "") -> str:
    """The text of ``diff.path`` after the diff, given its text before.

    Each hunk is placed where its context really is (nearest to the header's line,
    searching the whole file), the way ``git apply`` tolerates shifted line numbers;
    context must match exactly. A hunk with no leading context at the start of the file,
    or no trailing context, must match at the start/end first.
    """
    image = split_lines(base_text)
    for hunk in diff.hunks:
        pre, post = hunk.preimage, hunk.postimage
        leading = next((i for i, line in enumerate(hunk.lines) if line.kind != " "), 0)
        trailing = next((i for i, line in enumerate(reversed(hunk.lines)) if line.kind != " "),
                        0)
        begin = hunk.old_start == 0 or (hunk.old_start == 1 and leading == 0)
        end = trailing == 0 and bool(pre)
        pos = hunk.new_start - 1 if hunk.new_start else 0
        at = _find(image, pre, pos, begin, end)
        if at is None and (begin or end):
            at = _find(image, pre, pos, False, False)
        if at is None:
            raise HunkRejected(f"hunk {hunk.index} ({hunk.header}) does not apply: its "
                               "context is not in the file", where=where or diff.path)
        image[at:at + len(pre)] = post
    return "".join(image)
