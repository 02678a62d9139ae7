"""Which tasks a batch runs: instances matched to their trajectory and repository clone.

A trajectory matches an instance when its file or folder is named after the instance id,
optionally with suffixes (``<id>.traj``, ``<id>.traj.json``, ``<id>/<id>.traj``, an
OpenHands ``<id>/`` session folder), or, for files left over, when the trajectory records
that id inside. A shard is a stable 1/N of the instances by a hash of the id.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from reasondraft.errors import InputError
from reasondraft.files import iter_jsonl, read_json
from reasondraft.instance import Instance, instance_from_dict
from reasondraft.names import folder_name
from reasondraft.task import find_repo
from reasondraft.trajectory import load_trajectory


@dataclass
class Planned:
    """One instance of the batch; ``problem`` says why it cannot run (or None)."""

    instance_id: str
    instance: Instance | None = None
    trajectory: Path | None = None
    repo: Path | None = None
    problem: str | None = None


def parse_shard(text: str) -> tuple[int, int]:
    """'K/N' -> (K, N) with 1 <= K <= N."""
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise InputError(f"--shard {text!r}: expected K/N, e.g. 2/4") from None
    if not 1 <= k <= n:
        raise InputError(f"--shard {text!r}: K must be between 1 and N")
    return k, n


def in_shard(instance_id: str, shard: tuple[int, int] | None) -> bool:
    """Stable across machines and runs: the id's sha256 modulo N."""
    if shard is None:
        return True
    k, n = shard
    return int(hashlib.sha256(instance_id.encode()).hexdigest()[:12], 16) % n == k - 1


def read_instances(path: Path) -> list[Planned]:
    """Every row of a .jsonl (or a .json list); a broken row, or one whose id cannot name a
    folder, becomes a planned problem, but a file that cannot be read at all is bad input
    for the whole batch."""
    if not path.is_file():
        raise InputError("instances file not found", where=str(path))
    rows: list[tuple[str, object]]
    if path.suffix == ".jsonl":
        rows = []
        try:
            for number, row in iter_jsonl(path, kind="instance"):
                rows.append((f"{path}:{number}", row))
        except InputError as exc:  # a broken line: keep the rows before it, report it
            rows.append((str(exc), None))
    else:
        data = read_json(path, kind="instance")
        rows = [(f"{path}[{i}]", row) for i, row in enumerate(data if isinstance(data, list)
                                                              else [data])]
    planned = []
    for where, row in rows:
        if row is None:
            planned.append(Planned(instance_id=f"<{where.split(': ')[0]}>", problem=where))
            continue
        try:
            inst = instance_from_dict(row, where)
        except InputError as exc:
            planned.append(Planned(instance_id=f"<{where}>", problem=str(exc)))
            continue
        try:
            folder_name(inst.instance_id)  # it names the task's folder under --out
        except InputError as exc:
            planned.append(Planned(instance_id=inst.instance_id, problem=f"{where}: {exc}"))
            continue
        planned.append(Planned(instance_id=inst.instance_id, instance=inst))
    return planned


def _named_for(entry: Path, ids: set[str]) -> str | None:
    """The instance id an entry is named after: '<id>' or '<id>.<suffixes>' (longest)."""
    name = entry.name
    prefixes = [name] + [name[:i] for i in range(len(name) - 1, 0, -1) if name[i] == "."]
    return next((prefix for prefix in prefixes if prefix in ids), None)


def _trajectory_in(folder: Path, instance_id: str) -> Path:
    """A folder named after an instance: its '<id>.*' file, else the folder itself."""
    inner = sorted(p for p in folder.iterdir() if p.is_file() and p.name.startswith(
        instance_id + "."))
    return inner[0] if inner else folder


def match_trajectories(folder: Path, ids: set[str]) -> dict[str, Path]:
    """instance id -> trajectory path, by name first, then by the id recorded inside."""
    if not folder.is_dir():
        raise InputError("not a folder of trajectories", where=str(folder))
    found: dict[str, Path] = {}
    leftovers: list[Path] = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        instance_id = _named_for(entry, ids)
        if instance_id is not None and instance_id not in found:
            found[instance_id] = _trajectory_in(entry, instance_id) if entry.is_dir() else entry
        elif entry.is_file():
            leftovers.append(entry)
    for entry in leftovers:
        if len(found) == len(ids):
            break
        try:
            recorded = load_trajectory(entry).instance_id
        except InputError:
            continue
        if recorded in ids and recorded not in found:
            found[recorded] = entry
    return found


def plan_batch(instances: Path, trajectories: Path, repos: Path, *,
               only: set[str] | None = None,
               shard: tuple[int, int] | None = None) -> list[Planned]:
    """The batch's tasks in file order, each with its trajectory and repo or a problem."""
    if not repos.is_dir():
        raise InputError("not a folder of repository clones", where=str(repos))
    everything = read_instances(instances)
    if not everything:
        raise InputError("no instances in file", where=str(instances))
    planned = [p for p in everything
               if (only is None or p.instance_id in only) and in_shard(p.instance_id, shard)]
    ids = {p.instance_id for p in planned if p.problem is None}
    trajectories_by_id = match_trajectories(trajectories, ids)
    for item in planned:
        if item.problem is not None or item.instance is None:
            continue
        item.trajectory = trajectories_by_id.get(item.instance_id)
        if item.trajectory is None:
            item.problem = f"no trajectory named after it (or recording its id) in {trajectories}"
            continue
        try:
            item.repo = find_repo(repos, item.instance.repo)
        except InputError as exc:
            item.problem = str(exc)
    return planned
