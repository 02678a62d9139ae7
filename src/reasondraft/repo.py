"""RepoView: file text at a base commit and after a diff, read from git's object database.

Nothing is checked out and the work tree is never touched: the base tree is listed once
(``git ls-tree -r``) into a map of path -> blob id, blobs are read through gitpython's
persistent ``git cat-file --batch`` process, and the patched view is built by applying the
diff in memory. Paths are repo-relative POSIX paths; anything that would leave the tree is
refused before any read.
"""

from __future__ import annotations

import posixpath
import subprocess
import threading
from collections import OrderedDict
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

import git
from pydantic import BaseModel, ConfigDict

from reasondraft.diff import FileDiff, Patch, apply_file
from reasondraft.errors import InputError

SYMLINK_MODE = "120000"
BLOB_CACHE_SIZE = 256


class Rev(StrEnum):
    """Which side of the diff a reference means."""

    BASE = "base"
    PATCHED = "patched"


class UnsafePath(InputError):
    """A path that would leave the repository tree (``..``, absolute, outward symlink)."""


class FileText(BaseModel):
    """A file's decoded content. ``lines`` have no line endings and count from index 0."""

    model_config = ConfigDict(frozen=True)

    path: str
    text: str
    lines: tuple[str, ...]
    binary: bool = False
    lossy: bool = False  # not valid UTF-8: decoded with replacement characters


def clean_path(path: str) -> str:
    """Normalize a repo-relative POSIX path, refusing anything that leaves the tree."""
    if not path or "\0" in path:
        raise UnsafePath("empty path or NUL byte", where=repr(path))
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        raise UnsafePath("absolute path, expected a repo-relative one", where=path)
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafePath("path leaves the repository tree", where=path)
    if not parts:
        raise UnsafePath("path names the repository root, not a file", where=path)
    return "/".join(parts)


def decode(path: str, data: bytes) -> FileText:
    """Decode a blob: NUL in the first 8 KB means binary (git's rule); bad UTF-8 is replaced."""
    if b"\0" in data[:8000]:
        return FileText(path=path, text="", lines=(), binary=True)
    try:
        text, lossy = data.decode("utf-8"), False
    except UnicodeDecodeError:
        text, lossy = data.decode("utf-8", errors="replace"), True
    return FileText(path=path, text=text, lines=text_lines(text), lossy=lossy)


def text_lines(text: str) -> tuple[str, ...]:
    """Lines as git numbers them: split on '\\n' only, CR of CRLF dropped, no phantom last line."""
    if not text:
        return ()
    parts = text.split("\n")
    if parts[-1] == "":
        parts.pop()
    if "\r" not in text:
        return tuple(parts)
    return tuple(p[:-1] if p.endswith("\r") else p for p in parts)


class Entry(NamedTuple):
    mode: str
    binsha: bytes


class GitRepo:
    """One opened repository (normal clone or bare) shared by every view of it.

    Blob reads are serialized with a lock because gitpython's ``cat-file`` pipe is not
    thread-safe; batch drafting reads from worker threads.
    """

    def __init__(self, path: Path) -> None:
        try:
            self.repo = git.Repo(path)
        except git.NoSuchPathError:
            raise InputError("repository path does not exist", where=str(path)) from None
        except git.InvalidGitRepositoryError:
            raise InputError("not a git repository", where=str(path)) from None
        # Name the git dir explicitly: a bare mirror without a config file is otherwise
        # mistaken for a work tree's .git and git commands run in the wrong directory.
        self.repo.git.update_environment(GIT_DIR=self.repo.git_dir)
        self.path = path
        self._lock = threading.Lock()
        self._trees: dict[str, dict[str, Entry]] = {}
        self._resolved: dict[str, str] = {}
        self._blobs: OrderedDict[bytes, bytes] = OrderedDict()
        self._batch: subprocess.Popen[bytes] | None = None

    def resolve(self, rev: str) -> str:
        """Full commit sha for a sha (full or abbreviated), tag or branch (remembered: a
        batch resolves the same base commit for every task of a repository)."""
        if not rev or rev.startswith("-"):
            raise InputError(f"invalid revision {rev!r}", where=str(self.path))
        if rev not in self._resolved:
            try:
                with self._lock:
                    self._resolved[rev] = self.repo.git.rev_parse(
                        "--verify", "--quiet", f"{rev}^{{commit}}")
            except git.GitCommandError:
                raise InputError(f"commit {rev!r} is not in the repository",
                                 where=str(self.path)) from None
        return self._resolved[rev]

    def tree(self, commit: str) -> dict[str, Entry]:
        """Every file at a commit: path -> (mode, blob id). Listed once per commit."""
        if commit not in self._trees:
            with self._lock:
                out = self.repo.git.ls_tree("-r", "-z", "--full-tree", commit,
                                            strip_newline_in_stdout=False)
            entries: dict[str, Entry] = {}
            for record in out.split("\0"):
                if not record:
                    continue
                meta, path = record.split("\t", 1)
                mode, kind, sha = meta.split(" ")
                if kind == "blob":
                    entries[path] = Entry(mode, bytes.fromhex(sha))
            self._trees[commit] = entries
        return self._trees[commit]

    def blob(self, binsha: bytes) -> bytes:
        """A blob's bytes through the persistent cat-file process, with a small LRU cache."""
        with self._lock:
            if binsha in self._blobs:
                self._blobs.move_to_end(binsha)
                return self._blobs[binsha]
            data = self.repo.odb.stream(binsha).read()
            self._blobs[binsha] = data
            if len(self._blobs) > BLOB_CACHE_SIZE:
                self._blobs.popitem(last=False)
            return data

    def prefetch(self, binshas: list[bytes]) -> None:
        """Read many blobs into the cache in one pipelined round trip.

        All requests are written before any answer is read (the way the cost floor is
        measured), on a ``git cat-file --batch`` process of our own that stays open.
        """
        with self._lock:
            wanted = list(dict.fromkeys(b for b in binshas if b not in self._blobs))
            wanted = wanted[:BLOB_CACHE_SIZE]  # a batch's requests fit in a pipe buffer
            if not wanted:
                return
            if self._batch is None:
                self._batch = subprocess.Popen(
                    ["git", f"--git-dir={self.repo.git_dir}", "cat-file", "--batch"],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            stdin, stdout = self._batch.stdin, self._batch.stdout
            assert stdin is not None and stdout is not None
            stdin.write(b"".join(b.hex().encode() + b"\n" for b in wanted))
            stdin.flush()
            for binsha in wanted:
                header = stdout.readline().split()
                if len(header) != 3:  # '<sha> missing'
                    continue
                self._blobs[binsha] = stdout.read(int(header[2]) + 1)[:-1]
            while len(self._blobs) > BLOB_CACHE_SIZE:
                self._blobs.popitem(last=False)

    def grep_files(self, commit: str, pattern: str, *pathspecs: str) -> list[str]:
        """Paths at ``commit`` with a line matching the POSIX extended regex ``pattern``."""
        try:
            with self._lock:
                out = self.repo.git.grep("-l", "-I", "-E", "-e", pattern, commit, "--",
                                         *pathspecs)
        except git.GitCommandError:  # status 1: no match
            return []
        return [line.split(":", 1)[1] for line in out.splitlines() if ":" in line]

    def close(self) -> None:
        if self._batch is not None:
            self._batch.communicate()
            self._batch = None
        self.repo.close()

    def __enter__(self) -> GitRepo:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class RepoView:
    """A repository at one base commit, and optionally after one diff.

    ``exists``, ``read``, ``lines`` and ``files`` answer for ``Rev.BASE`` or
    ``Rev.PATCHED``; without a diff the patched side equals the base.
    """

    def __init__(self, repo: GitRepo | Path, base: str, patch: Patch | None = None) -> None:
        self.git = repo if isinstance(repo, GitRepo) else GitRepo(repo)
        self.base_commit = self.git.resolve(base)
        self.patch = patch
        self._base_tree = self.git.tree(self.base_commit)
        self._patched: dict[str, FileText | None] | None = None

    def with_patch(self, patch: Patch | None) -> RepoView:
        """Another view of the same repo and commit, after a different diff."""
        return RepoView(self.git, self.base_commit, patch)

    # -- base -----------------------------------------------------------------------------

    def _base(self, path: str, hops: int = 0) -> FileText | None:
        path = clean_path(path)
        entry = self._base_tree.get(path)
        if entry is None:
            return None
        data = self.git.blob(entry.binsha)
        if entry.mode == SYMLINK_MODE:
            if hops > 8:
                raise UnsafePath("symlink loop", where=path)
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path),
                                                       data.decode("utf-8", "replace")))
            if target.startswith(("/", "../")) or target == "..":
                raise UnsafePath("symlink points outside the repository tree", where=path)
            found = self._base(target, hops + 1)
            return found.model_copy(update={"path": path}) if found else None
        return decode(path, data)

    # -- patched --------------------------------------------------------------------------

    def _patched_files(self) -> dict[str, FileText | None]:
        """Apply the diff once: new path -> text after (None for deleted)."""
        if self._patched is None:
            result: dict[str, FileText | None] = {}
            for diff in self.patch or []:
                if diff.old_path and diff.status in ("deleted", "renamed"):
                    result.setdefault(diff.old_path, None)
                if diff.new_path:
                    result[diff.new_path] = self._apply(diff)
            self._patched = result
        return self._patched

    def _apply(self, diff: FileDiff) -> FileText:
        where = f"{self.patch.source if self.patch else 'diff'}: {diff.path}"
        if diff.status == "added":
            if diff.new_path in self._base_tree:
                raise InputError("diff adds a file that already exists at the base commit",
                                 where=where)
            base = FileText(path=diff.path, text="", lines=())
        else:
            found = self._base(diff.old_path or diff.path)
            if found is None:
                raise InputError(f"file is not in the repository at {self.base_commit[:12]}",
                                 where=where)
            base = found
        if diff.binary or base.binary:
            return base.model_copy(update={"path": diff.path, "binary": True})
        text = apply_file(diff, base.text, where=where)
        return decode(diff.path, text.encode("utf-8")).model_copy(update={"lossy": base.lossy})

    def check_patch(self) -> None:
        """Apply the whole diff now, so a diff that does not fit fails early with its hunk."""
        self._patched_files()

    # -- queries --------------------------------------------------------------------------

    def read(self, path: str, rev: Rev = Rev.BASE) -> FileText | None:
        """The file's text at ``rev``, or None if it does not exist there."""
        path = clean_path(path)
        if rev is Rev.PATCHED:
            patched = self._patched_files()
            if path in patched:
                return patched[path]
        return self._base(path)

    def exists(self, path: str, rev: Rev = Rev.BASE) -> bool:
        return self.read(path, rev) is not None

    def lines(self, path: str, rev: Rev = Rev.BASE) -> tuple[str, ...] | None:
        found = self.read(path, rev)
        return found.lines if found else None

    def files(self, rev: Rev = Rev.BASE) -> list[str]:
        """All file paths at ``rev``, sorted."""
        names = set(self._base_tree)
        if rev is Rev.PATCHED:
            for path, text in self._patched_files().items():
                (names.add if text is not None else names.discard)(path)
        return sorted(names)
