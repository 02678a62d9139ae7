"""Names that come from untrusted text and become folder names under an output folder.

An instance id comes from an instance file, a JSONL row or a trajectory's own record; used
as a path, ``../../x``, ``/tmp/x`` or ``a/b`` would write outside ``--out``. Every place that
turns such a name into a path goes through :func:`folder_name`, which accepts only a plain
name: real ids (``django__django-11099``, ``oauthlib__oauthlib.1fd52536.lm_rewrite__q9ve64pd``)
pass unchanged, anything else is refused with one line, never rewritten into something
else (two ids must never map to one folder).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from reasondraft.errors import InputError

MAX_BYTES = 200  # file systems allow 255; backups and saved answers add up to ~40 to it


def _problem(name: str) -> str | None:
    """Why ``name`` is not a plain folder name, or None."""
    if not name.strip():
        return "it is empty"
    if name in (".", ".."):
        return "it names a directory itself"
    if "/" in name or "\\" in name:
        return "it contains a path separator"
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in name):
        return "it contains a control character"
    if name.startswith("."):
        return "it starts with '.' (hidden; reserved for staging and backup folders)"
    if len(name.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return f"it is longer than {MAX_BYTES} bytes"
    return None


def folder_name(name: str, what: str = "instance id") -> str:
    """``name`` itself when it is a plain folder name, else InputError saying why."""
    problem = _problem(name)
    if problem is not None:
        raise InputError(f"{what} {name!r} cannot name a folder: {problem}")
    return name


RUN_SEPARATOR = "__"


def run_key(instance_id: str, run: str | None = None) -> str:
    """The task's name, unchecked: the instance id, or ``<instance_id>__<run>`` when
    several trajectories (runs: agents, models) of one instance are drafted side by side.
    A batch keys its records by it, including those of ids that cannot name a folder."""
    return instance_id if run is None else f"{instance_id}{RUN_SEPARATOR}{run}"


def task_name(instance_id: str, run: str | None = None) -> str:
    """The task folder's name (:func:`run_key`), checked. The run name is held to the same
    rules as an id, so it can neither escape nor be empty."""
    folder_name(instance_id)
    if run is not None:
        folder_name(run, "run name")
    return folder_name(run_key(instance_id, run), "task folder name")


def task_folder(out: Path, instance_id: str, run: str | None = None) -> Path:
    """Where the task folder of ``instance_id`` (of one ``run``, if given) goes under
    ``out``."""
    return out / task_name(instance_id, run)
