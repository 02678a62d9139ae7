"""RepoView: file text at a base commit and after a diff, read from git's object database.

Nothing is checked out and the work tree is never touched: the base tree is listed once
(``git ls-tree -r``) into a map of path -> blob id, revisions are resolved and blobs read
through one persistent ``git cat-file --batch`` process, and the patched view is built by
applying the diff in memory. Paths are repo-relative POSIX paths; anything that would leave
the tree is refused before any read.
"""

from __future__ import annotations

import contextlib
import fcntl
import posixpath
import subprocess
import threading
from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import git

from reasondraft.diff import FileDiff, Patch, apply_file, apply_file_lines
from reasondraft.errors import InputError

SYMLINK_MODE = "120000"
BLOB_CACHE_SIZE = 256
PIPE_SIZE = 1 << 20  # Linux's default limit for a pipe's buffer


class Rev(StrEnum):
    """Which side of the diff a reference means."""

    BASE = "base"
    PATCHED = "patched"


class UnsafePath(InputError):
    """A path that would leave the repository tree (``..``, absolute, outward symlink)."""


@dataclass(frozen=True, slots=True)
class FileText:
    """A file's decoded content. ``lines`` have no line endings and count from index 0.

    A plain dataclass: one is made for every file a check reads.
    """

    path: str
    text: str
    lines: tuple[str, ...]
    binary: bool = False
    lossy: bool = False  # not valid UTF-8: decoded with replacement characters


@lru_cache(maxsize=4096)
def clean_path(path: str) -> str:
    """Normalize a repo-relative POSIX path, refusing anything that leaves the tree.

    Remembered: each read asks again (a draft's references, each on every side), and the
    answer never changes."""
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

    Blob reads are serialized with a lock because the ``cat-file`` pipe is one request
    stream; batch drafting reads from worker threads.
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
        self._texts: OrderedDict[bytes, FileText] = OrderedDict()
        self._texts_lock = threading.Lock()
        self._batch: subprocess.Popen[bytes] | None = None
        self._pending: deque[bytes] = deque()  # requested, answer not read yet

    def resolve(self, rev: str) -> str:
        """Full commit sha for a sha (full or abbreviated), tag or branch (remembered: a
        batch resolves the same base commit for every task of a repository).

        Asked of the persistent cat-file process, which also serves the blobs: no process
        is started for it.
        """
        if rev not in self._resolved:
            if not rev or rev.startswith("-") or any(c.isspace() for c in rev):
                raise InputError(f"invalid revision {rev!r}", where=str(self.path))
            with self._lock:
                self._collect()
                answer = self._ask(f"{rev}^{{commit}}".encode())
                if answer is None or answer[1] != b"commit":  # missing, ambiguous
                    raise InputError(f"commit {rev!r} is not in the repository",
                                     where=str(self.path))
                self._resolved[rev] = answer[0].decode()
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

    def text(self, binsha: bytes, path: str) -> FileText:
        """A blob decoded, once while it stays cached: every draft of a folder has its own
        context, and drafts of one repository cite the same (often large) files."""
        with self._texts_lock:
            found = self._texts.get(binsha)
            if found is not None:
                self._texts.move_to_end(binsha)
        if found is None:
            found = decode(path, self.blob(binsha))
            with self._texts_lock:
                self._texts[binsha] = found
                while len(self._texts) > BLOB_CACHE_SIZE:
                    self._texts.popitem(last=False)
        return found if found.path == path else replace(found, path=path)

    def blob(self, binsha: bytes) -> bytes:
        """A blob's bytes through the persistent cat-file process, with a small LRU cache."""
        with self._lock:
            if binsha in self._pending:  # read ahead: take answers up to this one
                self._collect(until=binsha)
            if binsha in self._blobs:
                self._blobs.move_to_end(binsha)
                return self._blobs[binsha]
            self._collect()
            answer = self._ask(binsha.hex().encode())
            if answer is None:
                raise InputError(f"object {binsha.hex()} is missing", where=str(self.path))
            data = self._blobs[binsha] = answer[2]
            self._trim()
            return data

    def prefetch(self, binshas: Iterable[bytes]) -> None:
        """Ask for many blobs in one pipelined round trip and return at once.

        The requests are written to the ``git cat-file --batch`` process; :meth:`blob` reads
        the answers in order, as far as the blob it wants, so git decompresses while the
        caller goes on (verify parses the draft, then checks each reference as soon as its
        blob is in). The answer pipe is enlarged where the OS allows, so git rarely waits.
        """
        with self._lock:
            self._collect()
            wanted = list(dict.fromkeys(b for b in binshas if b not in self._blobs))
            wanted = wanted[:BLOB_CACHE_SIZE]  # the requests fit in a pipe buffer
            if not wanted:
                return
            self._request(b"".join(b.hex().encode() + b"\n" for b in wanted))
            self._pending.extend(wanted)

    def _batch_process(self) -> subprocess.Popen[bytes]:
        if self._batch is None:
            self._batch = subprocess.Popen(
                ["git", f"--git-dir={self.repo.git_dir}", "cat-file", "--batch"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            assert self._batch.stdout is not None  # stdout=PIPE
            with contextlib.suppress(AttributeError, OSError):  # Linux only; a hint
                fcntl.fcntl(self._batch.stdout, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
        return self._batch

    def _request(self, lines: bytes) -> None:
        """Send requests to the cat-file process (lock held, earlier answers read)."""
        stdin = self._batch_process().stdin
        assert stdin is not None
        stdin.write(lines)
        stdin.flush()

    def _ask(self, name: bytes) -> tuple[bytes, bytes, bytes] | None:
        """One object: (sha, type, content), or None if git has no such object (lock held)."""
        self._request(name + b"\n")
        return self._answer()

    def _answer(self) -> tuple[bytes, bytes, bytes] | None:
        """Read the next answer of the cat-file process."""
        assert self._batch is not None
        assert self._batch.stdout is not None
        stdout = self._batch.stdout
        header = stdout.readline().split()
        if len(header) != 3:  # '<name> missing' or '<name> ambiguous'
            return None
        return header[0], header[1], stdout.read(int(header[2]) + 1)[:-1]

    def _collect(self, until: bytes | None = None) -> None:
        """Read answers to :meth:`prefetch` requests into the cache, in the order asked: all
        of them, or up to the one for ``until`` (lock held)."""
        while self._pending:
            binsha = self._pending.popleft()
            answer = self._answer()
            if answer is not None:
                self._blobs[binsha] = answer[2]
            if binsha == until:
                break
        self._trim()

    def _trim(self) -> None:
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
            with self._lock:
                self._collect()
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
        if entry.mode != SYMLINK_MODE:
            return self.git.text(entry.binsha, path)
        if hops > 8:
            raise UnsafePath("symlink loop", where=path)
        link = self.git.blob(entry.binsha).decode("utf-8", "replace")
        target = posixpath.normpath(posixpath.join(posixpath.dirname(path), link))
        if target.startswith(("/", "../")) or target == "..":
            raise UnsafePath("symlink points outside the repository tree", where=path)
        found = self._base(target, hops + 1)
        return replace(found, path=path) if found else None

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
            return replace(base, path=diff.path, binary=True)
        # Most files end in a newline and hold no CR: their lines are patched as they are.
        lines = apply_file_lines(diff, base.lines, where=where) \
            if base.text.endswith("\n") and "\r" not in base.text else None
        if lines is not None:
            text = "\n".join(lines) + "\n" if lines else ""
            if "\0" not in text:  # else decode below says whether it became binary
                return FileText(path=diff.path, text=text, lines=tuple(lines),
                                lossy=base.lossy)
        text = apply_file(diff, base.text, where=where)
        return replace(decode(diff.path, text.encode("utf-8")), lossy=base.lossy)

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
