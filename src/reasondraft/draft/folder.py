"""The task folder on disk: claimed when a draft starts, swapped in whole when it ends.

**Claim** (before the model is called): the instance id is a plain folder name
(:func:`reasondraft.names.folder_name`), and what ``draft.md`` is at that moment -- absent,
or the sha256 of its bytes -- is remembered. An existing draft is refused unless ``force``.

**Write** (after the answer): the whole new folder is built beside its place as
``.<name>.tmp-<hex>``, then

- no folder there: it is renamed into place. rename(2) fails when a folder appeared
  meanwhile, so of two runs on one task exactly one wins;
- a folder there: under the draft's lock (the one approve, reject and ``verify --fix``
  hold), draft.md is compared with the claim; unchanged, the old folder is renamed to
  ``.<name>.bak-<UTC time>`` -- the backup, kept whole as it was -- and the new one into
  place. The new folder and its files take the mode and owner of what they replace.

If draft.md appeared or changed since the claim (another draft finished first, a reviewer
approved or edited), nothing is written to the folder: the new document is saved next to
it, ``<out>/<name>.draft.md.new-<UTC time>``, so the answer paid for is kept, and
:class:`WriteConflict` is raised (exit 1). The answer goes beside the folder, not into it:
the folder belongs to whoever won.

**Crashes**: before the first rename only the hidden staging folder exists beside the
untouched old one (a batch removes such leftovers when it starts). Between the two renames
(microseconds) ``<name>`` is missing while ``.<name>.bak-<time>`` (the old folder) and
``.<name>.tmp-<hex>`` (the new one, complete) both exist: renaming either one to ``<name>``
recovers, and a new ``draft`` of the task meanwhile simply drafts it again. A task folder
never mixes old and new files and never holds a temp file. Names starting with '.' are never
listed as tasks by status, verify or export, and no instance id may start with one.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import stat
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from reasondraft.document import DRAFT_FILE, content_hash
from reasondraft.errors import InputError, WriteConflict
from reasondraft.evaluation import REPORT_FILE
from reasondraft.files import atomic_write, keep_owner_and_mode, read_bytes
from reasondraft.names import task_folder
from reasondraft.review.lock import FolderGone, draft_lock
from reasondraft.task import PATCH_FILE, TASK_FILE, Task
from reasondraft.taskfiles import trajectory_files

STAGING = re.compile(r"\..+\.tmp-[0-9a-f]{8}")


@dataclass(frozen=True)
class Claim:
    """A task folder as a run found it: where, and draft.md's state (None: absent)."""

    folder: Path
    draft: str | None


class _Changed(Exception):
    """The folder is no longer as claimed; the message says how."""


def claim_folder(out: Path, instance_id: str, *, force: bool) -> Claim:
    """The folder ``instance_id`` drafts into, refused if it cannot be written or (without
    ``force``) already holds a draft, which is a person's work."""
    folder = task_folder(out, instance_id)
    _check_folder(folder)
    state = draft_state(folder)
    if state is not None and not force:
        raise InputError("draft exists; pass --force to replace it (the folder is kept as a "
                         "backup)", where=str(folder / DRAFT_FILE))
    return Claim(folder, state)


def _check_folder(folder: Path) -> None:
    if folder.is_symlink() or (os.path.lexists(folder) and not folder.is_dir()):
        raise InputError("exists and is not a folder (or is a link); refusing to replace it",
                         where=str(folder))


def draft_state(folder: Path) -> str | None:
    """draft.md's state: None when absent, else the hash of its bytes (of what it is, for a
    link or a special file, which is never read)."""
    path = folder / DRAFT_FILE
    try:
        status = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not stat.S_ISREG(status.st_mode):
        return f"mode:{status.st_mode:o}"
    return content_hash(read_bytes(path, kind="draft"))


def input_files(task: Task) -> tuple[dict[str, bytes], list[str]]:
    """The task folder's input files by relative path -- task.json, patch.diff, the
    evaluation as report.json, and the trajectory byte for byte (``trajectory.<ext>``, or
    ``trajectory/`` for an event-store folder: its regular files only) -- and what was
    skipped. Read once: they are hashed into provenance and written from the same bytes.

    report.json is this instance's entry in the per-instance shape (Evaluation.to_json),
    not the report file's bytes: a run summary or a file of many instances becomes the one
    instance the folder is about, and the folder always holds one shape."""
    files = {TASK_FILE: task.instance.to_json().encode(), PATCH_FILE: task.patch.text.encode()}
    if task.evaluation is not None:
        files[REPORT_FILE] = (json.dumps(task.evaluation.to_json(), indent=4,
                                         ensure_ascii=False) + "\n").encode()
    source = Path(task.trajectory.source) if task.trajectory and task.trajectory.source else None
    if source is None:
        return files, []
    trajectory, skipped = trajectory_files(source)
    return files | trajectory, skipped


def write_folder(claim: Claim, files: dict[str, bytes]) -> Path | None:
    """Build the folder beside its place and swap it in (see the module docstring); returns
    the backup of the folder it replaced, if any. ``files`` must hold draft.md."""
    folder = claim.folder
    staging = folder.parent / f".{folder.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        _build(staging, folder, files)
        return _swap(claim, staging)
    except _Changed as exc:
        saved = _free_name(folder.parent, f"{folder.name}.{DRAFT_FILE}.new")
        atomic_write(saved, files[DRAFT_FILE])
        raise WriteConflict(f"{folder / DRAFT_FILE} {exc} since this run started; nothing "
                            f"was written there, the new draft is saved as {saved}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _build(staging: Path, folder: Path, files: dict[str, bytes]) -> None:
    """Every file of the new folder in ``staging``, each taking the mode and owner of the
    file it will replace (and the folder those of the old folder)."""
    for name, data in files.items():
        atomic_write(staging / name, data, like=_regular_stat(folder / name))
    old = _regular_stat(folder, directory=True)
    if old is not None:
        keep_owner_and_mode(staging, old)


def _regular_stat(path: Path, *, directory: bool = False) -> os.stat_result | None:
    try:
        status = os.lstat(path)
    except OSError:
        return None
    wanted = stat.S_ISDIR if directory else stat.S_ISREG
    return status if wanted(status.st_mode) else None


def _swap(claim: Claim, staging: Path) -> Path | None:
    folder = claim.folder
    if folder.is_symlink() or (os.path.lexists(folder) and not folder.is_dir()):
        raise _Changed("was replaced by something that is not a folder")
    if not os.path.lexists(folder):
        if claim.draft is not None:
            raise _Changed("was removed")
        _rename_in(staging, folder)
        return None
    try:
        with draft_lock(folder / DRAFT_FILE):
            now = draft_state(folder)
            if now != claim.draft:
                raise _Changed("appeared" if claim.draft is None else
                               "was removed" if now is None else "changed")
            backup = _free_name(folder.parent, f".{folder.name}.bak")
            os.rename(folder, backup)
            try:
                _rename_in(staging, folder)
            except InputError:
                os.rename(backup, folder)  # not moved in: the old folder goes back
                raise
            return backup
    except FolderGone:
        raise _Changed("was moved away") from None


def _rename_in(staging: Path, folder: Path) -> None:
    """rename(2) the built folder into place; a folder that appeared there first wins."""
    try:
        os.rename(staging, folder)
    except OSError as exc:
        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
            raise _Changed("appeared") from None
        raise InputError(f"cannot move the new folder into place: {exc.strerror}",
                         where=str(folder)) from None


def _free_name(parent: Path, base: str) -> Path:
    """``<base>-<UTC time>`` in ``parent``, with a counter if that exists already."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = parent / f"{base}-{stamp}"
    counter = 1
    while os.path.lexists(path):
        path = parent / f"{base}-{stamp}-{counter}"
        counter += 1
    return path
