"""A task folder's input files and their hashes: what a draft was written and judged from.

The drafter hashes the inputs it writes into provenance; a review record binds the same
hashes of the files on disk when the decision is made, so a decision stops counting when
one of them changes. One function hashes a trajectory (a file, or a folder of events), so
the two agree when the folder is as drafted. Light on purpose: the review commands import
it, and they must not import the LLM stack.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from reasondraft.document import content_hash
from reasondraft.evaluation import REPORT_FILE
from reasondraft.files import check_total_size, read_bytes
from reasondraft.task import PATCH_FILE, TASK_FILE, TRAJECTORY_NAME, find_trajectory

IDENTITY_KEYS = ("instance_id", "repo", "base_commit")
INPUT_LABELS: dict[str, str] = {
    "front": "front matter instance_id/repo/base_commit", "task": TASK_FILE,
    "patch": PATCH_FILE, "trajectory": TRAJECTORY_NAME, "report": REPORT_FILE}


def trajectory_hash(files: dict[str, bytes]) -> str | None:
    """The trajectory's hash among a folder's files by relative name: one file's bytes, or
    for a ``trajectory/`` folder its names and bytes in order (``name \\0 bytes`` each)."""
    parts = [(name, data) for name, data in files.items() if name.startswith(TRAJECTORY_NAME)]
    if not parts:
        return None
    if len(parts) == 1 and not parts[0][0].startswith(f"{TRAJECTORY_NAME}/"):
        return content_hash(parts[0][1])
    digest = hashlib.sha256()
    for name, data in parts:
        digest.update(name.encode() + b"\0")
        digest.update(data)
    return "sha256:" + digest.hexdigest()


def trajectory_files(path: Path) -> tuple[dict[str, bytes], list[str]]:
    """A trajectory file or events folder as the task folder holds it: ``trajectory.<ext>``,
    or ``trajectory/<relative path>`` for each regular file of a folder, sorted; and the
    entries of a folder left out (a link could point anywhere, e.g. /etc/passwd; a special
    file could block), as ``'trajectory/<path>: <what it is>'``."""
    if not path.is_dir():
        return {f"{TRAJECTORY_NAME}{path.suffix or '.json'}": read_bytes(
            path, kind="trajectory")}, []
    found, skipped = regular_files(path)
    check_total_size([path / relative for relative in found], "trajectory", path)
    files = {f"{TRAJECTORY_NAME}/{relative.as_posix()}": read_bytes(path / relative,
                                                                     kind="trajectory")
             for relative in found}
    return files, [f"{TRAJECTORY_NAME}/{entry}" for entry in skipped]


def regular_files(root: Path) -> tuple[list[Path], list[str]]:
    """The regular files under ``root`` (relative paths, sorted), never following a link,
    and ``'<path>: <what it is>'`` for each entry skipped."""
    found: list[Path] = []
    skipped: list[str] = []
    pending = [Path()]
    while pending:
        relative = pending.pop()
        with os.scandir(root / relative) as entries:
            for entry in entries:
                path = relative / entry.name
                if entry.is_symlink():
                    skipped.append(f"{path.as_posix()}: a symbolic link")
                elif entry.is_dir(follow_symlinks=False):
                    pending.append(path)
                elif entry.is_file(follow_symlinks=False):
                    found.append(path)
                else:
                    skipped.append(f"{path.as_posix()}: a special file")
    return sorted(found), sorted(skipped)


def input_hashes(front: dict[str, Any], folder: Path | None) -> dict[str, str | None]:
    """sha256 of each input a draft in ``folder`` is verified against (None: absent).

    ``front`` covers the front matter keys an export line is labelled with (and that stand
    in for task.json when it is missing); the others are the folder's task.json,
    patch.diff, trajectory and report.json. Raises InputError for an unreadable input.
    """
    identity = {key: _text(front.get(key)) for key in IDENTITY_KEYS}
    hashes: dict[str, str | None] = {
        "front": content_hash(json.dumps(identity, sort_keys=True)),
        "task": None, "patch": None, "trajectory": None, "report": None}
    if folder is None:
        return hashes
    for key, name, kind in (("task", TASK_FILE, "instance"), ("patch", PATCH_FILE, "diff"),
                            ("report", REPORT_FILE, "file")):
        if (folder / name).exists():
            hashes[key] = content_hash(read_bytes(folder / name, kind=kind))
    trajectory = find_trajectory(folder)
    if trajectory is not None:
        hashes["trajectory"] = trajectory_hash(trajectory_files(trajectory)[0])
    return hashes


def _text(value: object) -> str | None:
    return None if value is None else str(value)
