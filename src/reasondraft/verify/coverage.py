"""Coverage: every hunk of the diff is explained by at least one reference to its lines
(RD-C001) and, in a format-2 trace, described under ``## Hunks`` (RD-C002).

A hunk is covered by a reference that resolved to lines (a line range, a symbol or a test
definition) overlapping the lines it changes: at the base commit in the old file for
removed lines, after the diff in the new file for added lines. A pure insertion also counts
as covered from the base side by a reference to the lines around the insertion point.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate

from reasondraft.diff import FileDiff, Hunk
from reasondraft.refs import FileRef
from reasondraft.repo import Rev
from reasondraft.verify.citation import Citation
from reasondraft.verify.context import VerifyContext
from reasondraft.verify.findings import Finding, finding
from reasondraft.verify.quotes import with_lines


class _Cited:
    """The line spans cited in one file at one revision, sorted by start, with the furthest
    end among each prefix: whether any overlaps a range is one bisection, so a diff with a
    million hunks against a draft with a million references is not their product."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        spans.sort()
        self.starts = [start for start, _ in spans]
        self.reach = list(accumulate((end for _, end in spans), max))

    def overlaps(self, first: int, last: int) -> bool:
        index = bisect_right(self.starts, last)  # spans starting at or before ``last``
        return index > 0 and self.reach[index - 1] >= first


Spans = dict[tuple[str, Rev], _Cited]


def check_coverage(citations: list[Citation], ctx: VerifyContext, line: int, *,
                   section: str | None = None) -> list[Finding]:
    """One warning per hunk no reference cites; ``line`` is where to report them. With
    ``section``, only references in that section count (RD-C002 instead of RD-C001)."""
    if ctx.patch is None:
        return []
    cited: dict[tuple[str, Rev], list[tuple[int, int]]] = {}
    for c in citations:
        target = c.target
        if section is not None and c.block.section != section:
            continue
        if target is not None and target.start is not None and target.end is not None:
            cited.setdefault((target.path, target.rev), []).append((target.start, target.end))
    spans = {key: _Cited(found) for key, found in cited.items()}
    found = []
    for diff in ctx.patch:
        for hunk in diff.hunks:
            if not _covered(diff, hunk, spans):
                found.append(_uncovered(diff, hunk, line, section))
    return found


def hunk_ranges(diff: FileDiff, hunk: Hunk) -> list[tuple[str, Rev, tuple[int, int]]]:
    """The (path, side, lines) a reference may cite to explain the hunk (the web page marks
    each hunk with the references that overlap them)."""
    ranges = []
    old, new = hunk.changed_range("old"), hunk.changed_range("new")
    if diff.new_path and new:
        ranges.append((diff.new_path, Rev.PATCHED, new))
    if diff.old_path:
        if old:
            ranges.append((diff.old_path, Rev.BASE, old))
        elif new:  # a pure insertion: the context around it at the base
            ranges.append((diff.old_path, Rev.BASE,
                           (hunk.old_start, hunk.old_start + max(hunk.old_len, 1) - 1)))
    return ranges


def _covered(diff: FileDiff, hunk: Hunk, spans: Spans) -> bool:
    return any(cited.overlaps(first, last)
               for path, rev, (first, last) in hunk_ranges(diff, hunk)
               if (cited := spans.get((path, rev))) is not None)


def _uncovered(diff: FileDiff, hunk: Hunk, line: int, section: str | None) -> Finding:
    path, rev, (first, last) = hunk_ranges(diff, hunk)[0]
    side = "after the diff" if rev is Rev.PATCHED else "at the base commit"
    suggestion = with_lines(FileRef(path, rev="patched" if rev is Rev.PATCHED else None),
                            first, last)
    where = f"hunk {hunk.index} of {diff.path} (lines {first}-{last} {side})"
    if section is not None:
        return finding("RD-C002", line, f"{where} is not described under '## {section}'",
                       suggestion=suggestion)
    return finding("RD-C001", line, f"{where} is not cited by any reference",
                   suggestion=suggestion)
