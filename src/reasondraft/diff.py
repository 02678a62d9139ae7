"""Unified diffs: a lean linear parser, and an in-memory applier like ``git apply``.

Line texts keep their line endings exactly (CRLF stays CRLF; a line before
``\\ No newline at end of file`` has none), so applying a diff to a file's bytes-as-text gives
what ``git apply`` writes, byte for byte.

Diffs are untrusted input and can be huge (a million hunks), so parsing is one pass that
keeps only offsets: a hunk's lines are counted with ``str.count`` over its span (checked
against its header) and made into :class:`DiffLine` objects only when asked for. Applying
builds the new file front to back, so neither step grows faster than the diff.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from reasondraft.errors import InputError

FileStatus = Literal["added", "deleted", "modified", "renamed"]
LineKind = Literal[" ", "-", "+"]


class DiffLine(NamedTuple):
    """One line of a hunk: ``kind`` is ' ' (context), '-' (removed) or '+' (added)."""

    kind: LineKind
    text: str
    old_no: int | None
    new_no: int | None


@dataclass(eq=False, slots=True)
class Hunk:
    """One ``@@`` block; ``index`` counts from 1 within its file. Its lines are read from
    the diff text (``body`` is their span in ``source``) each time they are asked for."""

    index: int
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    section: str
    source: str = field(repr=False)
    body: tuple[int, int] = field(repr=False)

    @property
    def header(self) -> str:
        return f"@@ -{self.old_start},{self.old_len} +{self.new_start},{self.new_len} @@"

    @property
    def lines(self) -> list[DiffLine]:
        """The context, removed and added lines with their numbers on each side."""
        lines: list[DiffLine] = []
        old_no, new_no = self.old_start, self.new_start
        start, end = self.body
        for raw in split_lines(self.source[start:end]):
            kind = raw[0] if raw[0] in " -+\\" else " "  # a bare newline is empty context
            if kind == "\\":
                # The marker applies to the line just before it: that line has no newline.
                if lines and lines[-1].text.endswith("\n"):
                    lines[-1] = lines[-1]._replace(text=lines[-1].text[:-1])
                continue
            text = raw[1:] if raw[0] in " -+" else raw
            if kind == " ":
                lines.append(DiffLine(" ", text, old_no, new_no))
                old_no, new_no = old_no + 1, new_no + 1
            elif kind == "-":
                lines.append(DiffLine("-", text, old_no, None))
                old_no += 1
            else:
                lines.append(DiffLine("+", text, None, new_no))
                new_no += 1
        return lines

    @property
    def preimage(self) -> list[str]:
        return self.images()[0]

    @property
    def postimage(self) -> list[str]:
        return self.images()[1]

    @property
    def added(self) -> int:
        return self._count("+")

    @property
    def removed(self) -> int:
        return self._count("-")

    def _count(self, kind: str) -> int:
        start, end = self.body
        return self.source.count("\n" + kind, start - 1, end) if start < end else 0

    def images(self) -> tuple[list[str], list[str], int, int]:
        """(preimage, postimage, leading, trailing): the lines before and after, and how
        many context lines come before the first change and after the last one."""
        start, end = self.body
        if start < end and self.source.find("\n\\", start - 1, end) >= 0:
            lines = self.lines  # a line without its newline: the long way
            raw = [line.kind + line.text for line in lines]
        else:
            raw = split_lines(self.source[start:end])
        pre: list[str] = []
        post: list[str] = []
        first = last = -1
        for index, line in enumerate(raw):
            kind = line[0]
            if kind == "-":
                pre.append(line[1:])
            elif kind == "+":
                post.append(line[1:])
            else:  # context (a bare newline is an empty context line)
                text = line[1:] if kind == " " else line
                pre.append(text)
                post.append(text)
                continue
            if first < 0:
                first = index
            last = index
        if first < 0:
            return pre, post, 0, 0
        return pre, post, first, len(raw) - 1 - last

    def changed_range(self, side: Literal["old", "new"]) -> tuple[int, int] | None:
        """First and last line numbers changed on one side, or None if that side has none.

        For a pure insertion the old side is the context around the insertion point, so a
        reference to the code a hunk touches can be matched on either side.
        """
        kind = "-" if side == "old" else "+"
        numbers = [line.old_no if side == "old" else line.new_no
                   for line in self.lines if line.kind == kind]
        found = [n for n in numbers if n is not None]
        return (min(found), max(found)) if found else None


@dataclass(eq=False)
class FileDiff:
    """The changes to one file. Paths are repo-relative; None on the side that does not exist."""

    old_path: str | None
    new_path: str | None
    status: FileStatus
    binary: bool = False
    hunks: list[Hunk] = field(default_factory=list)

    @property
    def path(self) -> str:
        """The path after the diff (or before, for a deleted file)."""
        return self.new_path or self.old_path or ""

    @property
    def added_lines(self) -> int:
        return sum(h.added for h in self.hunks)

    @property
    def removed_lines(self) -> int:
        return sum(h.removed for h in self.hunks)


@dataclass(eq=False)
class Patch:
    """A whole diff: its files in order, its text as given, and where it came from."""

    source: str = "diff"
    files: list[FileDiff] = field(default_factory=list)
    text: str = ""
    _by_new: dict[str, FileDiff] | None = field(default=None, init=False, repr=False)
    _by_old: dict[str, FileDiff] | None = field(default=None, init=False, repr=False)

    def __iter__(self) -> Iterator[FileDiff]:
        return iter(self.files)

    def _index(self) -> tuple[dict[str, FileDiff], dict[str, FileDiff]]:
        """Files by new and by old path (the first of each, as a scan would find)."""
        if self._by_new is None or self._by_old is None:
            by_new: dict[str, FileDiff] = {}
            by_old: dict[str, FileDiff] = {}
            for f in self.files:
                if f.new_path is not None:
                    by_new.setdefault(f.new_path, f)
                if f.old_path is not None:
                    by_old.setdefault(f.old_path, f)
            self._by_new, self._by_old = by_new, by_old
        return self._by_new, self._by_old

    def by_new_path(self, path: str) -> FileDiff | None:
        return self._index()[0].get(path)

    def by_old_path(self, path: str) -> FileDiff | None:
        return self._index()[1].get(path)

    def touches(self, path: str) -> bool:
        """True if the diff changes, adds, deletes or renames ``path`` (either side)."""
        by_new, by_old = self._index()
        return path in by_new or path in by_old


# -- parsing ----------------------------------------------------------------------------------

_HUNK_HEADER = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?([^\n]*)")
_QUOTED_OR_WORD = r'("(?:[^"\\]|\\.)*"|\S+)'
_GIT_NAMES = re.compile(rf"{_QUOTED_OR_WORD} {_QUOTED_OR_WORD}")
_BINARY = re.compile(r"Binary files (.+?) and (.+?) differ$")
_ESCAPES = {"a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r",
            '"': '"', "\\": "\\"}
_INFO = ("index ", "old mode ", "new mode ", "similarity index ", "dissimilarity index ",
         "copy from ", "copy to ")


def _unquote(name: str) -> str:
    """A path as git writes it: C-quoted (octal bytes of UTF-8) when it has odd characters."""
    if not (len(name) >= 2 and name[0] == name[-1] == '"'):
        return name
    out, raw, i, body = [], bytearray(), 0, name[1:-1]
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in "01234567" and re.match(r"[0-7]{3}", body[i + 1:i + 4]):
                raw.append(int(body[i + 1:i + 4], 8))
                i += 4
                continue
            char, i = _ESCAPES.get(nxt, nxt), i + 1
        if raw:
            out.append(raw.decode("utf-8", "replace"))
            raw.clear()
        out.append(char)
        i += 1
    if raw:
        out.append(raw.decode("utf-8", "replace"))
    return "".join(out)


def _extended_header(current: _File, line: str) -> bool:
    """Apply one of git's extended header lines to ``current``; False for any other line."""
    if line.startswith("new file mode "):
        current.added = True
    elif line.startswith("deleted file mode "):
        current.deleted = True
    elif line.startswith("rename from "):
        current.rename_from = _unquote(line[len("rename from "):])
    elif line.startswith("rename to "):
        current.rename_to = _unquote(line[len("rename to "):])
    else:
        return line.startswith(_INFO)  # kept out: they change nothing read here
    return True


def _git_names(rest: str) -> tuple[str | None, str | None] | None:
    """The two names of a ``diff --git`` line, or (None, None) when spaces in differing
    names make them ambiguous (its ``---``/``+++`` or ``rename`` lines then say); None
    when it names fewer than two."""
    for prefix_old, prefix_new in (("a/", " b/"), ("", " ")):
        size, odd = divmod(len(rest) - len(prefix_old) - len(prefix_new), 2)
        name = rest[len(prefix_old):len(prefix_old) + size]
        if not odd and size > 0 and rest == f"{prefix_old}{name}{prefix_new}{name}":
            return prefix_old + name, prefix_new.strip() + name
    names = _GIT_NAMES.fullmatch(rest)
    if names is not None:
        return _unquote(names.group(1)), _unquote(names.group(2))
    return (None, None) if " " in rest.strip() else None


def _file_name(value: str) -> str:
    """The name on a ``---``/``+++`` line, without a timestamp after a tab."""
    return _unquote(value.split("\t", 1)[0].rstrip("\r"))


def _side(name: str | None, prefix: str) -> str | None:
    """A repo-relative path: /dev/null (the side does not exist) is None; a/ b/ go."""
    if name is None or name == "/dev/null":
        return None
    return name[len(prefix):] if prefix and name.startswith(prefix) else name


class _File:
    """A file's headers and hunks while its part of the diff is read."""

    def __init__(self, old: str | None, new: str | None, *, git: bool) -> None:
        self.old, self.new, self.git = old, new, git
        self.added = self.deleted = self.binary = False
        self.rename_from: str | None = None
        self.rename_to: str | None = None
        self.hunks: list[Hunk] = []

    def build(self) -> FileDiff:
        old, new = self.old, self.new
        if self.rename_from is not None or self.rename_to is not None:
            old = self.rename_from or old
            new = self.rename_to or new
            prefixes = ("", "")
        else:
            git_style = all(name is None or name == "/dev/null" or name.startswith(prefix)
                            for name, prefix in ((old, "a/"), (new, "b/")))
            prefixes = ("a/", "b/") if git_style else ("", "")
        old_path, new_path = _side(old, prefixes[0]), _side(new, prefixes[1])
        if not self.git and len(self.hunks) == 1:
            # A plain diff says nothing else: a lone hunk from or to line 0 adds or deletes.
            only = self.hunks[0]
            self.added = (only.old_start, only.old_len) == (0, 0)
            self.deleted = (only.new_start, only.new_len) == (0, 0)
        if self.added or (old_path is None and not self.deleted):
            status: FileStatus = "added"
            old_path = None
        elif self.deleted or new_path is None:
            status, new_path = "deleted", None
        elif self.git and old_path != new_path:
            status = "renamed"  # only git's headers really say a file was renamed
        else:
            # A plain diff names a backup (x.py.orig) on the old side: the file is the new one.
            status, old_path = "modified", new_path
        return FileDiff(old_path=old_path, new_path=new_path, status=status,
                        binary=self.binary, hunks=self.hunks)


class _Parser:
    """One pass over a diff's text: header lines one by one, hunk bodies by counting."""

    def __init__(self, text: str, source: str) -> None:
        self.text, self.source = text, source
        self.files: list[_File] = []
        self.current: _File | None = None
        self.pending_old: str | None = None  # a plain diff's "---" waiting for its "+++"
        self.in_header = False  # between "diff --git" and the first hunk
        self.next_diff = -2  # where the next "\ndiff " is (see hunks)

    def fail(self, pos: int, message: str) -> InputError:
        line = self.text.count("\n", 0, pos) + 1
        return InputError(f"diff does not parse: line {line}: {message}", where=self.source)

    def parse(self) -> list[FileDiff]:
        text, pos, n = self.text, 0, len(self.text)
        while pos < n:
            if text.startswith("@@ ", pos):
                pos = self.hunks(pos)
                continue
            end = text.find("\n", pos)
            end = n if end < 0 else end + 1
            self.header(text[pos:end].rstrip("\n").rstrip("\r"), pos)
            pos = end
        for f in self.files:
            if f.old is None and f.new is None and f.rename_to is None:
                raise InputError("diff does not parse: a 'diff --git' line whose file names "
                                 "no '---'/'+++' line settles", where=self.source)
        return [f.build() for f in self.files]

    def start(self, old: str | None, new: str | None, *, git: bool) -> _File:
        self.current = _File(old, new, git=git)
        self.files.append(self.current)
        return self.current

    def header(self, line: str, pos: int) -> None:
        """A line outside any hunk: a file header, git's extended headers, or other text
        (a commit message, a blank line), which ends the current file."""
        current = self.current
        names = _git_names(line[len("diff --git "):]) if line.startswith("diff --git ") \
            else None
        if names is not None:
            self.start(*names, git=True)
            self.in_header, self.pending_old = True, None
        elif line.startswith("--- "):
            self.old_name(line)
        elif line.startswith("+++ "):
            self.new_name(line, pos)
        elif current is None or not self.in_header or not _extended_header(current, line):
            self.other(line, pos)

    def old_name(self, line: str) -> None:
        """A '---' line: the old name of the file in its git header, or of a plain diff's
        next file (settled by the '+++' line that must follow)."""
        current = self.current
        if current is not None and self.in_header:
            name = _file_name(line[4:])
            current.old = current.old or name
            current.added = current.added or name == "/dev/null"
        else:
            self.current, self.pending_old = None, _file_name(line[4:])

    def new_name(self, line: str, pos: int) -> None:
        """A '+++' line: the new name in a git header, or the start of a plain diff's file."""
        current = self.current
        if current is not None and self.in_header:
            name = _file_name(line[4:])
            current.new = current.new or name
            current.deleted = current.deleted or name == "/dev/null"
        elif self.pending_old is not None:
            self.start(self.pending_old, _file_name(line[4:]), git=False)
            self.pending_old = None
        else:
            raise self.fail(pos, f"'+++' without a '---' before it: {line[:80]}")

    def other(self, line: str, pos: int) -> None:
        """A line that names no file and is no extended header of the current one: binary
        markers, the no-newline marker after a hunk, or text that ends the current file."""
        current = self.current
        if line == "GIT binary patch" and current is not None:
            current.binary = True
            self.current, self.in_header = None, False  # its data lines are not a diff
        elif line.startswith("Binary files "):
            match = _BINARY.match(line)
            if current is None or not self.in_header:
                old, new = (match.group(1), match.group(2)) if match else (None, None)
                current = self.start(_unquote(old) if old else None,
                                     _unquote(new) if new else None, git=False)
            current.binary = True
            self.current, self.in_header = None, False
        elif line.startswith("\\") and current is not None and current.hunks:
            last = current.hunks[-1]  # "\ No newline at end of file" just after a hunk
            end = self.text.find("\n", pos)
            last.body = (last.body[0], len(self.text) if end < 0 else end + 1)
        elif self.in_header:
            pass  # other text between "diff --git" and the first hunk is kept out, as git does
        elif line or current is None or not current.hunks:
            self.current = None

    def hunks(self, pos: int) -> int:
        """Read the hunks that follow one another from ``pos``; return where the text after
        them starts. Usually a hunk's lines run up to the next ``@@`` or ``diff`` line, and
        counting their first characters checks them against its header, with no loop over
        the lines. A diff may hold a million hunks: this loop is kept lean for them."""
        text, n = self.text, len(self.text)
        count, find, header = text.count, text.find, _HUNK_HEADER.match
        if self.current is None:
            end = find("\n", pos)
            raise self.fail(pos, f"hunk outside a file: {text[pos:end if end >= 0 else n][:80]}")
        hunks = self.current.hunks
        while True:
            match = header(text, pos)
            if match is None:
                end = find("\n", pos)
                raise self.fail(pos, "not a hunk header: "
                                f"{text[pos:end if end >= 0 else n][:80]}")
            old_start, old_len, new_start, new_len, section = match.groups()
            counts = (1 if old_len is None else int(old_len),
                      1 if new_len is None else int(new_len))
            start = match.end() + 1  # after the header's newline
            if start >= n:
                start = end = n
                found: tuple[int, int] | None = (0, 0)
            else:
                # The span up to the next "@@" or "diff" line (the next "diff" line is
                # remembered, or it would be looked for to the end for every hunk).
                if self.next_diff < start - 1:
                    next_diff = find("\ndiff ", start - 1)
                    self.next_diff = n if next_diff < 0 else next_diff
                end = find("\n@@ ", start - 1, self.next_diff)
                end = min((self.next_diff if end < 0 else end) + 1, n)
                context = count("\n ", start - 1, end)
                removed, added = count("\n-", start - 1, end), count("\n+", start - 1, end)
                lines = count("\n", start, end) + (text[end - 1] != "\n")
                if context + removed + added != lines:  # "\\" markers, or other lines
                    lines -= count("\n\\", start - 1, end)
                found = (context + removed, context + added) \
                    if context + removed + added == lines else None
            if found != counts:  # blank context lines, or a plain diff's next file follows
                end = self._slow_body_end(start, counts, pos, match.group(0))
            hunks.append(Hunk(len(hunks) + 1, int(old_start), counts[0], int(new_start),
                              counts[1], section.strip() if section else "", text,
                              (start, end)))
            if not text.startswith("@@ ", end):
                self.in_header = False
                return end
            pos = end

    def _slow_body_end(self, pos: int, counts: tuple[int, int], header_at: int,
                       header: str) -> int:
        """The hunk's end found line by line: for hunks with blank context lines, or
        followed by a plain diff's next file or by text that does not belong to them."""
        text, n = self.text, len(self.text)
        old = new = 0
        while old < counts[0] or new < counts[1]:
            if pos >= n:
                raise self.fail(header_at, f"hunk is shorter than its header says: {header}")
            end = text.find("\n", pos)
            end = n if end < 0 else end + 1
            first = text[pos]
            if first in " \r\n":
                old, new = old + 1, new + 1
            elif first == "-":
                old += 1
            elif first == "+":
                new += 1
            elif first != "\\":
                raise self.fail(header_at, f"hunk is shorter than its header says: {header}")
            if old > counts[0] or new > counts[1]:
                raise self.fail(header_at, f"hunk is longer than its header says: {header}")
            pos = end
        return pos


def parse_diff(text: str, source: str = "diff") -> Patch:
    """Parse a git-style or plain unified diff; an unparseable diff is an InputError."""
    if not text.strip():
        raise InputError("empty diff", where=source)
    files = _Parser(text, source).parse()
    if not files:
        raise InputError("no file changes found in diff", where=source)
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


class _Image:
    """A file's lines while hunks are applied front to back: the lines before the cursor
    are final (``done``), the rest are still the base's (``rest`` from ``index``). A hunk
    after the cursor costs its own size; one before it (hunks out of order) rebuilds."""

    def __init__(self, lines: list[str]) -> None:
        self.done: list[str] = []
        self.rest = lines
        self.index = 0
        self.size = len(lines)

    def slice(self, start: int, stop: int) -> list[str]:
        cut = len(self.done)
        if start >= cut:
            return self.rest[self.index + start - cut:self.index + stop - cut]
        if stop <= cut:
            return self.done[start:stop]
        return self.done[start:] + self.rest[self.index:self.index + stop - cut]

    def matches(self, at: int, lines: list[str]) -> bool:
        return at >= 0 and at + len(lines) <= self.size and \
            self.slice(at, at + len(lines)) == lines

    def replace(self, at: int, count: int, lines: list[str]) -> None:
        cut = len(self.done)
        self.size += len(lines) - count
        if at >= cut:
            self.done.extend(self.rest[self.index:self.index + at - cut])
            self.index += at - cut + count
            self.done.extend(lines)
            return
        whole = self.done + self.rest[self.index:]
        whole[at:at + count] = lines
        self.done, self.rest, self.index = whole[:at + len(lines)], whole, at + len(lines)

    def text(self) -> str:
        return "".join(self.done) + "".join(self.rest[self.index:])

    def lines(self) -> list[str]:
        return self.done + self.rest[self.index:]


def _find(image: _Image, pre: list[str], pos: int, *, begin: bool, end: bool) -> int | None:
    """Where ``pre`` occurs: at ``pos`` or the nearest offset (forward first), like git."""
    if begin or end:
        at = 0 if begin else image.size - len(pre)
        ok = image.matches(at, pre) and (not end or at + len(pre) == image.size)
        return at if ok else None
    pos = max(0, min(pos, image.size))
    if image.matches(pos, pre):  # where the header says: the usual case
        return pos
    for distance in range(1, max(pos, image.size - pos) + 1):
        for at in (pos + distance, pos - distance):
            if image.matches(at, pre):
                return at
    return None


def apply_file(diff: FileDiff, base_text: str, where: str = "") -> str:
    """The text of ``diff.path`` after the diff, given its text before.

    Each hunk is placed where its context really is (nearest to the header's line,
    searching the whole file), the way ``git apply`` tolerates shifted line numbers;
    context must match exactly. A hunk with no leading context at the start of the file,
    or no trailing context, must match at the start/end first.
    """
    return _apply(diff, split_lines(base_text), (hunk.images() for hunk in diff.hunks),
                  where).text()


def apply_file_lines(diff: FileDiff, base_lines: tuple[str, ...],
                     where: str = "") -> list[str] | None:
    """The lines after the diff, without their endings, given the file's lines before (each
    of which ended in a newline; no CR anywhere); as :func:`apply_file` places the hunks.

    None when a hunk line has no newline or holds a CR: only the text form is exact then.
    The file's text need not be split again (verify applies each task's test patch to a
    test file of thousands of lines: splitting and joining it was most of the cost).
    """
    images = []
    for hunk in diff.hunks:
        pre, post, leading, trailing = hunk.images()
        if not all(line.endswith("\n") and "\r" not in line for line in (*pre, *post)):
            return None
        images.append(([line[:-1] for line in pre], [line[:-1] for line in post], leading,
                       trailing))
    return _apply(diff, list(base_lines), images, where).lines()


def _apply(diff: FileDiff, lines: list[str],
           images: Iterable[tuple[list[str], list[str], int, int]], where: str) -> _Image:
    """``lines`` with each hunk's preimage replaced by its postimage (see apply_file)."""
    image = _Image(lines)
    for hunk, (pre, post, leading, trailing) in zip(diff.hunks, images, strict=True):
        begin = hunk.old_start == 0 or (hunk.old_start == 1 and leading == 0)
        end = trailing == 0 and bool(pre)
        pos = hunk.new_start - 1 if hunk.new_start else 0
        at = _find(image, pre, pos, begin=begin, end=end) if begin or end else None
        if at is None:
            at = pos if image.matches(pos, pre) else \
                _find(image, pre, pos, begin=False, end=False)
        if at is None:
            raise HunkRejected(f"hunk {hunk.index} ({hunk.header}) does not apply: its "
                               "context is not in the file", where=where or diff.path)
        image.replace(at, len(pre), post)
    return image
