"""An exclusive lock per draft, so two reviewers deciding at once take turns.

The lock is ``fcntl.flock`` on a sibling file ``.draft.md.lock`` rather than on draft.md:
every write replaces draft.md by rename, and a lock on the old inode would not stop a
process that opens the new one. The lock file stays (empty) after use; the kernel drops
the lock when the holder exits, even after a crash.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reasondraft.errors import InputError


def lock_path(draft: Path) -> Path:
    return draft.with_name(f".{draft.name}.lock")


@contextmanager
def draft_lock(draft: Path) -> Iterator[None]:
    """Hold the draft's lock for the duration of the block (waits for other holders)."""
    path = lock_path(draft)
    try:
        handle = path.open("a")
    except OSError as exc:
        raise InputError(f"cannot create the lock file: {exc.strerror}", where=str(path)) \
            from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
