"""Step checks: ``[[step:N]]`` / ``[[step:N-M]]`` are steps of the trajectory, and a step
cited next to files has something to do with them.

A step "mentions" a file when it touched the file (or a directory holding it), or the file's
name appears in the step's action, thought or observation. A paragraph (or list item) that
cites files and steps, where no cited step mentions any of those files but one of them
touched other files of the repository, gets a warning: the step number is likely wrong.
Steps that touched no file of the repository (a scratch script, a thought, a submit) are not
judged: a paragraph may well cite them for what they showed.
"""

from __future__ import annotations

import posixpath
from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING

from reasondraft.refs import FileRef, StepRef, TestRef
from reasondraft.repo import Rev, UnsafePath
from reasondraft.verify.citation import Citation
from reasondraft.verify.context import VerifyContext
from reasondraft.verify.tests import parse_test_id

if TYPE_CHECKING:  # only a draft with a trajectory needs the trajectory package
    from reasondraft.trajectory.model import Step


def check_step(c: Citation, ctx: VerifyContext, *, first_unchecked: bool) -> None:
    """The steps are in range. Without a trajectory, one warning per draft says that none
    could be checked: a warning, not a note, so ``--strict`` and reviewers notice."""
    assert isinstance(c.ref, StepRef)
    ref = c.ref
    if ctx.trajectory is None:
        if first_unchecked:
            c.add("RD-P003", "step references are not checked: no trajectory was given "
                  "(--trajectory FILE or trajectory.* in the task folder)")
        return
    count = len(ctx.trajectory.steps)
    if ref.start == 0:
        c.add("RD-P001", "steps count from 1; there is no step 0")
    elif ref.last < ref.start:
        c.add("RD-P001", f"the step range is inverted: {ref.start}-{ref.last}",
              StepRef(ref.last, ref.start).format())
    elif ref.last > count:
        c.add("RD-P001", f"the trajectory has {count} steps; the reference cites step "
              f"{ref.last}", StepRef(count).format() if ref.start <= count < ref.last
              and ref.end is not None else None)


def check_step_files(citations: list[Citation], ctx: VerifyContext) -> None:
    """Warn when a paragraph's cited steps mention none of the files it cites."""
    if ctx.trajectory is None:
        return
    by_block: dict[int, list[Citation]] = {}
    for c in citations:
        by_block.setdefault(c.block.index, []).append(c)
    for group in by_block.values():
        files = {path for c in group if (path := _path(c))}
        cited = [c for c in group if isinstance(c.ref, StepRef) and not c.findings]
        if files and cited:
            _check_group(cited, files, ctx)


def _check_group(cited: list[Citation], files: set[str], ctx: VerifyContext) -> None:
    """Each step of the paragraph is judged once, and a range is judged by counting in
    it (prefix sums), so long ranges cited many times cost no more than the steps."""
    assert ctx.trajectory is not None
    count = len(ctx.trajectory.steps)
    spans = [(c, max(c.ref.start, 1), min(c.ref.last, count)) for c in cited
             if isinstance(c.ref, StepRef)]
    numbers = sorted({n for lo, hi in _merged([(lo, hi) for _, lo, hi in spans])
                      for n in range(lo, hi + 1)})
    said, touched = [0], [0]
    for n in numbers:
        step = ctx.trajectory.steps[n - 1]
        said.append(said[-1] + mentions(step, files))
        touched.append(touched[-1] + _touches_repo(step, ctx))
    for c, lo, hi in spans:
        first, last = bisect_left(numbers, lo), bisect_right(numbers, hi)
        if said[last] == said[first] and touched[last] > touched[first]:
            assert isinstance(c.ref, StepRef)
            c.add("RD-P002", f"step {c.ref.format().removeprefix('step:')} mentions none "
                  f"of the files cited with it ({', '.join(sorted(files))})")


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching [lo, hi] ranges joined, in order (empty ones dropped)."""
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(span for span in spans if span[0] <= span[1]):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _path(c: Citation) -> str | None:
    if isinstance(c.ref, FileRef):
        return c.target.path if c.target else c.ref.path
    if isinstance(c.ref, TestRef):
        return c.target.path if c.target else parse_test_id(c.ref.node_id).path
    return None


def _touches_repo(step: Step, ctx: VerifyContext) -> bool:
    """True if the step touched a file that exists at the base or after the diff."""
    for path in step.paths:
        try:
            if any(ctx.read(path, rev) is not None for rev in Rev):
                return True
        except UnsafePath:
            continue
    return False


def mentions(step: Step, files: set[str]) -> bool:
    """True if the step touched (a directory of) or names one of the files."""
    touched = {path.strip("/") for path in step.paths}
    for path in files:
        if any(path == t or path.startswith(t + "/") or t.endswith("/" + path)
               for t in touched):
            return True
    text = "\n".join((step.action.text, str(step.action.arguments), step.thought,
                      step.observation.text if step.observation else ""))
    return any(posixpath.basename(path) in text for path in files)
