"""Which tasks a batch runs: instances matched to their trajectory and repository clone.

A trajectory matches an instance when its file or folder is named after the instance id,
optionally with suffixes (``<id>.traj``, ``<id>.traj.json``, ``<id>/<id>.traj``, an
OpenHands ``<id>/`` session folder), or, for files left over, when the trajectory records
that id inside. A subfolder named after no instance holds a run (``<run>/<id>.traj``): each
run of an instance is a task of its own, drafted into ``<out>/<id>__<run>/``. Two
trajectories for one instance and run are ambiguous: the task is not run, and the problem
names both. A shard is a stable 1/N of the instances by a hash of the id.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from reasondraft.errors import InputError
from reasondraft.files import iter_jsonl, read_json
from reasondraft.instance import Instance, instance_from_dict
from reasondraft.names import RUN_SEPARATOR, folder_name, run_key, task_name
from reasondraft.task import check_repos, find_repo
from reasondraft.trajectory import load_trajectory


@dataclass
class Planned:
    """One task of the batch: an instance and one trajectory of it (of ``run``, when the
    trajectories folder has a subfolder per run); ``problem`` says why it cannot run (or
    None)."""

    instance_id: str
    instance: Instance | None = None
    trajectory: Path | None = None
    repo: Path | None = None
    problem: str | None = None
    run: str | None = None

    @property
    def key(self) -> str:
        """The task folder's name; the batch's records are keyed by it."""
        return run_key(self.instance_id, self.run)


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


TRAJECTORY_SUFFIXES = (".traj", ".traj.json", ".json", ".jsonl")


def _trajectory_in(folder: Path, instance_id: str) -> list[Path]:
    """A folder named after an instance: its '<id>.traj' (.traj.json, .json, .jsonl) files
    (an agent's logs, config and patch beside them are not trajectories), else the folder
    itself (an OpenHands session)."""
    inner = sorted(p for p in folder.iterdir() if p.is_file() and p.name in {
        instance_id + suffix for suffix in TRAJECTORY_SUFFIXES})
    return inner or [folder]


Candidates = dict[tuple[str, str | None], list[Path]]


def match_trajectories(folder: Path, ids: set[str]) -> Candidates:
    """(instance id, run) -> every trajectory found for it: by name first, then by the id
    recorded inside. A subfolder not named after an instance is a run: its trajectories
    (laid out the same way) are that run's. More than one path for a key is ambiguous."""
    if not folder.is_dir():
        raise InputError("not a folder of trajectories", where=str(folder))
    found: Candidates = {}
    runs = _scan(folder, None, ids, found)
    for run in runs:
        _scan(run, run.name, ids, found)
    return found


def _scan(folder: Path, run: str | None, ids: set[str], found: Candidates) -> list[Path]:
    """Add the trajectories of ``folder`` (of ``run``) to ``found``; return the subfolders
    named after no instance (the runs, at the top level)."""
    others: list[Path] = []
    leftovers: list[Path] = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        instance_id = _named_for(entry, ids)
        if instance_id is not None:
            found.setdefault((instance_id, run), []).extend(
                _trajectory_in(entry, instance_id) if entry.is_dir() else [entry])
        elif entry.is_file():
            leftovers.append(entry)
        elif entry.is_dir():
            others.append(entry)
    named = {instance_id for instance_id, where in found if where == run}
    for entry in leftovers:
        if named >= ids:
            break
        try:
            recorded = load_trajectory(entry).instance_id
        except InputError:
            continue
        if recorded is not None and recorded in ids - named:
            found.setdefault((recorded, run), []).append(entry)
    return others


def _names(wanted: str, instance_id: str) -> bool:
    """Whether an ``--only`` entry names the instance: its id, or one of its runs' task
    folder names (``<id>__<run>``)."""
    return wanted == instance_id or wanted.startswith(instance_id + RUN_SEPARATOR)


def _check_only(only: set[str], everything: list[Planned], instances: Path) -> None:
    """Refuse an ``--only`` entry the instances file does not hold, naming the nearest ids
    (a typo would otherwise run nothing and say nothing)."""
    known = sorted({p.instance_id for p in everything})
    for wanted in sorted(only):
        if not any(_names(wanted, instance_id) for instance_id in known):
            near = difflib.get_close_matches(wanted, known, n=3, cutoff=0.6)
            hint = f"; nearest: {', '.join(near)}" if near else ""
            raise InputError(f"--only {wanted}: no such instance id{hint}",
                             where=str(instances))


def plan_batch(instances: Path, trajectories: Path, repos: Path, *,
               only: set[str] | None = None,
               shard: tuple[int, int] | None = None) -> list[Planned]:
    """The batch's tasks in file order -- one per trajectory found for an instance (one per
    run) -- each with its trajectory and repo or a problem."""
    check_repos(repos)
    everything = read_instances(instances)
    if not everything:
        raise InputError("no instances in file", where=str(instances))
    if only is not None:
        _check_only(only, everything, instances)
    wanted = [p for p in everything if in_shard(p.instance_id, shard) and (
        only is None or any(_names(name, p.instance_id) for name in only))]
    ids = {p.instance_id for p in wanted if p.problem is None}
    found = match_trajectories(trajectories, ids)
    runs: dict[str, list[str | None]] = {}
    for instance_id, run in sorted(found, key=lambda key: (key[1] is not None, key[1] or "")):
        runs.setdefault(instance_id, []).append(run)  # the top level's first, then by name
    planned: list[Planned] = []
    for item in wanted:
        if item.problem is None and item.instance_id not in runs:
            item.problem = f"no trajectory named after it (or recording its id) in {trajectories}"
        if item.problem is not None:
            planned.append(item)
            continue
        for run in runs[item.instance_id]:
            task = replace(item, run=run)
            if only is None or item.instance_id in only or task.key in only:
                planned.append(_placed(task, found[(item.instance_id, run)], repos))
    return planned


def _placed(item: Planned, paths: list[Path], repos: Path) -> Planned:
    """``item`` with its one trajectory and its clone, or the problem that stops it."""
    assert item.instance is not None
    if len(paths) > 1:
        where = "" if item.run is None else f" of run {item.run}"
        item.problem = (f"several trajectories{where} for {item.instance_id}: "
                        f"{', '.join(str(p) for p in paths)}; keep one (or give each run its "
                        f"own folder: <trajectories>/<run>/{item.instance_id}.<ext>)")
        return item
    item.trajectory = paths[0]
    try:
        task_name(item.instance_id, item.run)
        item.repo = find_repo(repos, item.instance.repo)
    except InputError as exc:
        item.problem = str(exc)
    return item
