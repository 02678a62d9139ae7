"""Quote checks: a ```quote block must match the lines it cites.

Matching ignores trailing whitespace, blank lines at either end and a common indent (the
quote may be dedented as a whole, but the lines keep their indentation relative to each
other); a line holding only ``...`` matches any run of lines, including none. When the quote
is not at the cited lines but occurs exactly once elsewhere on the same side, those lines
are a fix proven by the quote; when it occurs on the other side of the diff, that is said.
"""

from __future__ import annotations

import dataclasses

from reasondraft.refs import FileRef
from reasondraft.repo import Rev
from reasondraft.verify.citation import Citation, Target
from reasondraft.verify.context import VerifyContext
from reasondraft.verify.files import side_name

ELLIPSIS = frozenset({"...", "…"})

Pattern = tuple[str | None, ...]  # dedented, right-stripped lines; None is '...'


def compile_quote(lines: tuple[str, ...]) -> Pattern:
    """The quote as a pattern: blank edges dropped, common indent removed, '...' as None."""
    rows = [line.rstrip() for line in lines]
    while rows and not rows[0]:
        rows.pop(0)
    while rows and not rows[-1]:
        rows.pop()
    literal = [row for row in rows if row and row.strip() not in ELLIPSIS]
    indent = min((len(row) - len(row.lstrip()) for row in literal), default=0)
    pattern: list[str | None] = []
    for row in rows:
        if row.strip() in ELLIPSIS:
            if pattern and pattern[-1] is None:
                continue
            pattern.append(None)
        else:
            pattern.append(row[indent:])
    return tuple(pattern)


def match_from(pattern: Pattern, rows: tuple[str, ...], pos: int, stop: int, *,
               to_stop: bool) -> int | None:
    """End (exclusive) of the shortest match of ``pattern`` at ``rows[pos:stop]``, or None.

    ``rows`` are right-stripped; every matched line must carry the same extra indent. With
    ``to_stop`` the match must end exactly at ``stop``.

    The pattern is literal segments between '...' lines. Once the extra indent is known, the
    earliest place of each segment is the best one (later segments only gain room), so the
    match is found segment by segment without backtracking; while the indent is not yet
    known, each indent a segment's places would fix is tried once. A hostile quote with many
    '...' lines therefore costs (segments x rows), never an exponential search.
    """
    head, *tail = _segments(pattern)
    if pos + len(head) > stop:
        return None
    prefix = _fits(head, rows, pos, None)
    if isinstance(prefix, _No):
        return None
    if not tail:
        end = pos + len(head)
        return end if end == stop or not to_stop else None
    return _place(tail, rows, pos + len(head), stop, prefix, to_stop=to_stop)


class _No:
    """A segment that does not fit (``None`` is a fit that fixes no indent)."""


_NO = _No()


def _segments(pattern: Pattern) -> list[tuple[str, ...]]:
    """The literal runs of ``pattern``: the first before any '...', one after each."""
    segments: list[list[str]] = [[]]
    for item in pattern:
        if item is None:
            segments.append([])
        else:
            segments[-1].append(item)
    return [tuple(segment) for segment in segments]


def _fits(segment: tuple[str, ...], rows: tuple[str, ...], pos: int,
          prefix: str | None) -> str | _No | None:
    """The extra indent after ``segment`` matched at ``rows[pos:]`` (``None`` while no
    non-blank line fixed it), or ``_NO``. The caller keeps ``pos + len(segment)`` in range."""
    for offset, item in enumerate(segment):
        row = rows[pos + offset]
        if item:
            if not row.endswith(item):
                return _NO
            head = row[:len(row) - len(item)]
            if head.strip() or (prefix is not None and head != prefix):
                return _NO
            prefix = head
        elif row:
            return _NO
    return prefix


def _place(segments: list[tuple[str, ...]], rows: tuple[str, ...], pos: int, stop: int,
           prefix: str | None, *, to_stop: bool) -> int | None:
    """The shortest end for ``segments``, each after a '...', from ``pos``."""
    *middle, last = segments
    for index, segment in enumerate(middle):
        if prefix is None and any(segment):
            return _each_indent(segments[index:], rows, pos, stop, to_stop=to_stop)
        for start in range(pos, stop - len(segment) + 1):
            fixed = _fits(segment, rows, start, prefix)
            if not isinstance(fixed, _No):
                prefix, pos = fixed, start + len(segment)
                break
        else:
            return None
    if not to_stop:
        if not last:
            return pos
        if prefix is None and any(last):
            return _each_indent([last], rows, pos, stop, to_stop=to_stop)
        for start in range(pos, stop - len(last) + 1):
            if not isinstance(_fits(last, rows, start, prefix), _No):
                return start + len(last)
        return None
    start = stop - len(last)
    return stop if start >= pos and not isinstance(_fits(last, rows, start, prefix), _No) \
        else None


def _each_indent(segments: list[tuple[str, ...]], rows: tuple[str, ...], pos: int, stop: int,
                 *, to_stop: bool) -> int | None:
    """Like _place when the first segment will fix the indent: its earliest place per indent
    it can fix is tried, the rest placed with that indent; the shortest end wins."""
    first, rest = segments[0], segments[1:]
    tried: set[str] = set()
    ends: list[int] = []
    for start in range(pos, stop - len(first) + 1):
        fixed = _fits(first, rows, start, None)
        if not isinstance(fixed, str) or fixed in tried:
            continue
        tried.add(fixed)
        after = start + len(first)
        if not rest:
            if not to_stop or after == stop:
                ends.append(after)
            continue
        end = _place(rest, rows, after, stop, fixed, to_stop=to_stop)
        if end is not None:
            ends.append(end)
    return min(ends, default=None)


def rows_of(ctx: VerifyContext, target: Target) -> tuple[str, ...]:
    return ctx.memo("rows", target.path, target.rev,
                    lambda: tuple(line.rstrip() for line in target.file.lines))


def matches_at(pattern: Pattern, lines: tuple[str, ...], start: int, end: int) -> bool:
    """True if the pattern covers lines ``start``..``end`` (1-based, blank edges ignored)."""
    rows = tuple(line.rstrip() for line in lines[start - 1:end])
    lo, hi = 0, len(rows)
    while lo < hi and not rows[lo]:
        lo += 1
    while hi > lo and not rows[hi - 1]:
        hi -= 1
    return match_from(pattern, rows, lo, hi, to_stop=True) is not None


def find_quote(ctx: VerifyContext, pattern: Pattern, target: Target,
               lo: int = 1, hi: int | None = None) -> list[tuple[int, int]]:
    """Every place (first, last line, 1-based) the quote occurs between lines lo and hi."""
    core = list(pattern)
    while core and core[0] is None:
        core.pop(0)
    while core and core[-1] is None:
        core.pop()
    if not core:
        return []
    rows = rows_of(ctx, target)
    stop = len(rows) if hi is None else min(hi, len(rows))
    first = core[0]
    if first:
        index = ctx.memo("index", target.path, target.rev, lambda: _index(rows))
        starts: list[int] | range = index.get(first.strip(), [])
    else:
        starts = range(lo - 1, stop)
    found = []
    for start in starts:
        if lo - 1 <= start < stop:
            end = match_from(tuple(core), rows, start, stop, to_stop=False)
            if end is not None:
                found.append((start + 1, end))
    return found


def _index(rows: tuple[str, ...]) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    for number, row in enumerate(rows):
        index.setdefault(row.strip(), []).append(number)
    return index


def with_lines(ref: FileRef, start: int, end: int, rev: Rev | None = None) -> str:
    """The reference re-pointed at lines start..end (optionally at another revision)."""
    new_rev = ref.rev if rev is None else ("patched" if rev is Rev.PATCHED else None)
    return dataclasses.replace(ref, start=start, end=end if end != start else None,
                               symbol=None, rev=new_rev).format()


def proven_lines(c: Citation, ctx: VerifyContext) -> str | None:
    """The reference at the only lines where its quote occurs (same side), if unique."""
    if c.quote is None or c.target is None:
        return None
    pattern = compile_quote(c.quote)
    found = find_quote(ctx, pattern, c.target) if pattern else []
    return with_lines(c.file_ref, *found[0]) if len(found) == 1 else None


def check_quote(c: Citation, ctx: VerifyContext) -> None:
    """The quote matches its lines (or, for a file or symbol reference, occurs in it)."""
    if c.quote is None or c.target is None:
        return
    ref, target = c.file_ref, c.target
    pattern = compile_quote(c.quote)
    if not pattern:
        c.add("RD-Q001", "the quote block is empty")
        return
    if ref.start is None:
        _unlined(c, ctx, pattern)
        return
    assert target.start is not None
    assert target.end is not None
    if matches_at(pattern, target.file.lines, target.start, target.end):
        return
    where = f"lines {target.start}-{target.end} of {target.path} {side_name(target.rev)}"
    found = find_quote(ctx, pattern, target)
    if len(found) == 1:
        first, last = found[0]
        c.add("RD-Q001", f"the quote does not match {where}; it is at lines {first}-{last}",
              with_lines(ref, first, last), fixable=True)
        return
    other = _other_side(ctx, target)
    elsewhere = find_quote(ctx, pattern, other) if other else []
    if other is not None and len(elsewhere) == 1:
        first, last = elsewhere[0]
        c.add("RD-Q001", f"the quote does not match {where}; the quoted lines are at "
              f"{first}-{last} {side_name(other.rev)}",
              with_lines(dataclasses.replace(ref, path=other.path), first, last, other.rev))
    elif found:
        c.add("RD-Q001", f"the quote does not match {where}; it occurs {len(found)} times "
              "in the file")
    else:
        c.add("RD-Q001", f"the quote does not match {where}, and it is nowhere in the file "
              f"{side_name(target.rev)}")


def _unlined(c: Citation, ctx: VerifyContext, pattern: Pattern) -> None:
    """A quote on a whole file or a symbol: it must occur there, and should cite lines."""
    target = c.target
    assert target is not None
    what = f"{target.path}::{c.file_ref.symbol}" if c.file_ref.symbol else target.path
    found = find_quote(ctx, pattern, target, target.start or 1, target.end)
    if not found:
        c.add("RD-Q001", f"the quoted text is not in {what} {side_name(target.rev)}")
    elif len(found) == 1:
        c.add("RD-Q002", f"the quote cites {what}, not lines: it is at lines "
              f"{found[0][0]}-{found[0][1]}", with_lines(c.file_ref, *found[0]), fixable=True)
    else:
        c.add("RD-Q002", f"the quote cites {what}, not lines, and occurs {len(found)} times")


def _other_side(ctx: VerifyContext, target: Target) -> Target | None:
    """The same file on the other side of the diff (following a rename), if it changed."""
    if ctx.patch is None:
        return None
    rev = Rev.BASE if target.rev is Rev.PATCHED else Rev.PATCHED
    diff = (ctx.patch.by_new_path(target.path) if rev is Rev.BASE
            else ctx.patch.by_old_path(target.path))
    if diff is None:
        return None
    path = (diff.old_path if rev is Rev.BASE else diff.new_path) or target.path
    if not ctx.exists(path, rev):
        return None
    file = ctx.read(path, rev)
    assert file is not None
    return Target(path=path, rev=rev, file=file)
