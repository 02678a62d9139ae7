"""An exclusive lock per draft, so everything that rewrites one draft takes turns.

``approve``, ``reject``, ``verify --fix`` and ``draft`` (when it replaces a task folder)
hold it while they read, decide and write. The lock is ``fcntl.flock`` on a sibling file
``.draft.md.lock`` rather than on draft.md: every write replaces draft.md by rename (and
``draft --force`` the whole folder), and a lock on the old inode would not stop a process
that opens the new one.

The lock file is opened without following a link and without blocking on a FIFO, and must
be a regular file: a planted ``.draft.md.lock -> /some/path`` would otherwise make every
reviewer create or open that path. A call that created the lock file removes it when it is
done, so a refused decision leaves nothing behind. That is safe while others wait on the
file: whoever gets the lock checks that the file it locked is still the one at the path
(device and inode) and otherwise starts over with the file there now -- the same check
finds the new folder after ``draft --force`` swapped one in. The kernel drops the lock when
its holder exits, even after a crash; a crash leaves at most an empty lock file, which the
next holder uses (and, not having created it, keeps).
"""

from __future__ import annotations

import fcntl
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reasondraft.errors import InputError

_FLAGS = os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class FolderGone(InputError):
    """The draft's folder does not exist (any more): there is nothing to lock."""


def lock_path(draft: Path) -> Path:
    return draft.with_name(f".{draft.name}.lock")


@contextmanager
def draft_lock(draft: Path) -> Iterator[None]:
    """Hold the draft's lock for the duration of the block (waits for other holders)."""
    path = lock_path(draft)
    while True:
        folder, fd, created = _open(path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if _same_file(fd, path):
                break
        except BaseException:
            os.close(fd)
            os.close(folder)
            raise
        os.close(fd)  # it was removed or replaced while we waited: lock the one there now
        os.close(folder)
    try:
        yield
    finally:
        try:
            if created and _same_file(fd, Path(path.name), folder):
                os.unlink(path.name, dir_fd=folder)
        finally:
            os.close(fd)  # releases the lock
            os.close(folder)


def _open(path: Path) -> tuple[int, int, bool]:
    """(folder fd, lock file fd, created by this call). The folder is held open so that the
    file this call created is removed from it even after the folder was renamed."""
    try:
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise FolderGone("the draft's folder does not exist", where=str(path.parent)) \
            from None
    except OSError as exc:
        raise InputError(f"cannot open the draft's folder: {exc.strerror}",
                         where=str(path.parent)) from None
    try:
        while True:
            try:
                return folder, _regular(os.open(path.name, _FLAGS | os.O_CREAT | os.O_EXCL,
                                                0o666, dir_fd=folder), path), True
            except FileExistsError:
                pass
            try:
                return folder, _regular(os.open(path.name, _FLAGS, dir_fd=folder), path), False
            except FileNotFoundError:
                continue  # its creator removed it between the two opens
    except OSError as exc:
        os.close(folder)
        reason = "it is a symbolic link" if os.path.islink(path) else exc.strerror
        raise InputError(f"cannot open the lock file: {reason}", where=str(path)) from None
    except BaseException:
        os.close(folder)
        raise


def _regular(fd: int, path: Path) -> int:
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise InputError("the lock file is not a regular file; remove it", where=str(path))
    return fd


def _same_file(fd: int, path: Path, folder: int | None = None) -> bool:
    """Whether ``path`` (relative to ``folder`` if given) is still the file open as fd."""
    try:
        there = os.stat(path, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return False
    here = os.fstat(fd)
    return (there.st_dev, there.st_ino) == (here.st_dev, here.st_ino)
