"""File checks: the cited file exists at its revision, or what the author probably meant.

A reference without ``@`` means the base commit. A bare file reference (no lines, no symbol)
names a file of the task and is satisfied on either side of the diff; with lines or a symbol
the revision matters, so a file that exists only after the diff gets a warning and is read
after the diff.
"""

from __future__ import annotations

import dataclasses
import difflib
import posixpath
import re

from reasondraft.repo import Rev, UnsafePath
from reasondraft.verify.citation import Citation, Target
from reasondraft.verify.context import VerifyContext

CONTAINER_ROOT = re.compile(r"^/(?:testbed|repo|app|workspace/[^/]+|[A-Za-z0-9][\w.-]*__[\w.-]+)/")


def side_name(rev: Rev) -> str:
    return "after the diff" if rev is Rev.PATCHED else "at the base commit"


def check_file(c: Citation, ctx: VerifyContext) -> bool:
    """Resolve a file reference to ``c.target``; False (with a finding) when it cannot be."""
    ref = c.file_ref
    if ref.path.startswith("/"):
        return _absolute(c, ctx)
    try:
        rev = Rev(ref.rev or "base")
        file = ctx.read(ref.path, rev)
        if file is None and ref.rev is None:
            file = ctx.read(ref.path, Rev.PATCHED)
            if file is not None:
                rev = Rev.PATCHED
                if ref.start is not None or ref.symbol is not None or c.quote is not None:
                    c.add("RD-F002", f"{ref.path} does not exist at the base commit, only "
                          "after the diff: cite it with @patched",
                          dataclasses.replace(ref, rev="patched").format())
    except UnsafePath as exc:
        c.add("RD-F003", f"{exc}: references are repo-relative paths")
        return False
    if file is None:
        _missing(c, ctx, rev)
        return False
    c.target = Target(path=file.path, rev=rev, file=file)
    return True


def _absolute(c: Citation, ctx: VerifyContext) -> bool:
    """An absolute path: a container or work-tree prefix is a safe fix; anything else is not."""
    ref = c.file_ref
    repaired = repo_relative(ref.path, ctx)
    if repaired is not None:
        c.add("RD-F001", f"{ref.path} is an absolute path (the agent's container or work "
              f"tree); the repo-relative path is {repaired}",
              dataclasses.replace(ref, path=repaired).format(), fixable=True)
        return False
    nearest = nearest_path(ref.path.lstrip("/"), ctx.files(Rev(ref.rev or "base")))
    c.add("RD-F003", f"{ref.path} is an absolute path outside the repository: references "
          "are repo-relative paths",
          dataclasses.replace(ref, path=nearest).format() if nearest else None)
    return False


def repo_relative(path: str, ctx: VerifyContext) -> str | None:
    """The existing repo-relative file an absolute path means: under the repository's
    directory, the trajectory's workspace root or a container root, or without the slash."""
    return next((reading for reading in _unrooted(path, ctx)
                 if any(ctx.exists(reading, rev) for rev in Rev)), None)


def _unrooted(path: str, ctx: VerifyContext) -> list[str]:
    roots = [str(ctx.view.git.path.resolve())]
    workspace = ctx.trajectory.workspace_root if ctx.trajectory else None
    if workspace:
        roots.append(workspace)
    readings = [path[len(root):] for root in (r.rstrip("/") + "/" for r in roots)
                if path.startswith(root) and len(path) > len(root)]
    match = CONTAINER_ROOT.match(path)
    if match and len(path) > match.end():
        readings.append(path[match.end():])
    readings.append(path.lstrip("/"))
    return [reading for reading in readings if reading and ".." not in reading.split("/")]


def _missing(c: Citation, ctx: VerifyContext, rev: Rev) -> None:
    """F001 with the most useful hint: the other side of the diff, a rename, a near path."""
    ref = c.file_ref
    message = f"{ref.path} does not exist {side_name(rev)}"
    diff = ctx.patch.by_old_path(ref.path) if ctx.patch else None
    other = Rev.BASE if rev is Rev.PATCHED else Rev.PATCHED
    if rev is Rev.PATCHED and diff is not None and diff.status == "renamed" and diff.new_path:
        c.add("RD-F001", f"{message}: the diff renames it to {diff.new_path}",
              dataclasses.replace(ref, path=diff.new_path).format())
    elif rev is Rev.PATCHED and diff is not None and diff.status == "deleted":
        c.add("RD-F001", f"{message}: the diff deletes it", dataclasses.replace(
            ref, rev=None).format())
    elif ctx.exists(ref.path, other):
        c.add("RD-F001", f"{message}, only {side_name(other)}", dataclasses.replace(
            ref, rev=None if other is Rev.BASE else "patched").format())
    elif any(path.startswith(ref.path.rstrip("/") + "/") for path in ctx.files(rev)):
        c.add("RD-F001", f"{ref.path} is a directory {side_name(rev)}; references name files")
    else:
        nearest = nearest_path(ref.path, ctx.files(rev))
        c.add("RD-F001", message + (f"; nearest real path: {nearest}" if nearest else ""),
              dataclasses.replace(ref, path=nearest).format() if nearest else None)


def nearest_path(path: str, files: list[str]) -> str | None:
    """The real path most like ``path``: same file name (else a close one), then the longest
    common suffix of directories, then the closest spelling."""
    name = posixpath.basename(path)
    same = [f for f in files if posixpath.basename(f) == name]
    if not same:
        same = [f for f in files if posixpath.basename(f).lower() == name.lower()]
    if not same:
        names = sorted({posixpath.basename(f) for f in files})
        close = set(difflib.get_close_matches(name, names, n=3, cutoff=0.8))
        same = [f for f in files if posixpath.basename(f) in close]
    if not same:
        return None
    parts = path.split("/")

    def score(candidate: str) -> tuple[int, float]:
        other = candidate.split("/")
        common = 0
        while (common < min(len(parts), len(other))
               and parts[-1 - common] == other[-1 - common]):
            common += 1
        return common, difflib.SequenceMatcher(None, path, candidate).ratio()

    return max(same, key=score)


def check_patched_untouched(c: Citation, ctx: VerifyContext) -> None:
    """``@patched`` on a file no diff touches: the content is the base's; say @base."""
    ref, target = c.file_ref, c.target
    if ref.rev != "patched" or target is None or ctx.patch is None:
        return
    if ctx.touched(target.path) or ctx.test_touched(target.path):
        return
    c.add("RD-F004", f"the diff does not touch {target.path}: cite it at the base commit "
          "(without @patched)", dataclasses.replace(ref, rev=None).format())
