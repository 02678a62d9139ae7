"""Where a draft's inputs come from: CLI flags, else its task folder, else its front matter.

Order for each input (the first that exists wins):

- instance: ``--instance FILE`` (its row ``--id``, else the front matter's instance_id), the
  folder's ``task.json``, else one made from the front matter (instance_id, repo,
  base_commit);
- base commit: ``--base REV``, the instance's base_commit, the front matter's base_commit;
- diff: ``--patch FILE``, the folder's ``patch.diff``, the instance's ``patch``; none is fine
  (a hand-written draft may only cite the base);
- repository: ``--repo DIR``, ``--repos DIR`` + the instance's repo, the front matter's
  repo_path;
- trajectory: ``--trajectory FILE``, the folder's ``trajectory.*`` (or ``trajectory/``);
  none is fine;
- evaluation: ``--eval-report FILE|DIR``, the folder's ``report.json``; none is fine (the
  outcome is unknown). A report that evaluated another patch than the diff is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reasondraft.document import DRAFT_FILE, DraftFile
from reasondraft.errors import InputError
from reasondraft.evaluation import EvalReports
from reasondraft.guidelines import Guidelines
from reasondraft.instance import Instance, load_instance
from reasondraft.repo import GitRepo
from reasondraft.task import (
    PATCH_FILE,
    TASK_FILE,
    load_patch,
    load_task_evaluation,
    load_task_trajectory,
    resolve_repo_path,
)
from reasondraft.verify.context import VerifyContext

if TYPE_CHECKING:
    from reasondraft.diff import Patch


@dataclass(frozen=True)
class Sources:
    """Inputs given explicitly (the CLI flags); None means: find it for each draft."""

    repo: Path | None = None
    repos: Path | None = None
    patch: Path | None = None
    instance: Path | None = None
    instance_id: str | None = None
    trajectory: Path | None = None
    base: str | None = None
    eval_report: Path | None = None
    guidelines: Guidelines | None = None  # None: the built-in defaults


class Repos:
    """Repositories opened during one run, shared by every draft that reads them (and the
    evaluation reports, read once however many drafts they cover)."""

    def __init__(self) -> None:
        self._open: dict[Path, GitRepo] = {}
        self._reports: dict[Path, EvalReports] = {}

    def get(self, path: Path) -> GitRepo:
        key = path.resolve()
        if key not in self._open:
            self._open[key] = GitRepo(path)
        return self._open[key]

    def reports(self, path: Path) -> EvalReports:
        if path not in self._reports:
            self._reports[path] = EvalReports(path)
        return self._reports[path]

    def close(self) -> None:
        for repo in self._open.values():
            repo.close()
        self._open.clear()

    def __enter__(self) -> Repos:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def draft_paths(path: Path) -> list[Path]:
    """The drafts a PATH names: a draft file, a task folder, or a folder of task folders
    (hidden ones -- a draft's staging folder or the backup of a replaced one -- are not).

    A draft.md that is not a regular file (a FIFO, a link to a device) is still named, so
    reading it reports what it is instead of it being silently passed over."""
    if not path.is_dir():
        if not path.exists():
            raise InputError("no such file or directory", where=str(path))
        return [path]
    if (path / DRAFT_FILE).exists():
        return [path / DRAFT_FILE]
    found = sorted(sub / DRAFT_FILE for sub in path.iterdir()
                   if not sub.name.startswith(".") and (sub / DRAFT_FILE).exists())
    if not found:
        raise InputError(f"no {DRAFT_FILE} here or in its task folders", where=str(path))
    return found


def draft_context(draft: DraftFile, sources: Sources, repos: Repos) -> VerifyContext:
    """The context to verify one draft read from disk (``draft.path`` set)."""
    folder = draft.path.parent if draft.path else None
    front = draft.front
    instance = _instance(front, folder, sources)
    base = sources.base or instance.base_commit or _text(front, "base_commit")
    repo_path = resolve_repo_path(instance, sources.repo, sources.repos,
                                  _text(front, "repo_path") or None)
    patch = _patch(instance, folder, sources)
    reports = repos.reports(sources.eval_report) if sources.eval_report else None
    return VerifyContext.from_parts(
        repos.get(repo_path), base, patch=patch, instance=instance,
        trajectory=load_task_trajectory(instance, folder, sources.trajectory),
        evaluation=load_task_evaluation(instance.instance_id, folder, reports, patch),
        guidelines=sources.guidelines)


def _text(front: dict[str, Any], key: str) -> str:
    value = front.get(key)
    return "" if value is None else str(value)


def _instance(front: dict[str, Any], folder: Path | None, sources: Sources) -> Instance:
    wanted = sources.instance_id or _text(front, "instance_id") or None
    if sources.instance is not None:
        return load_instance(sources.instance, wanted)
    if folder is not None and (folder / TASK_FILE).is_file():
        return load_instance(folder)
    return Instance(instance_id=wanted or (folder.name if folder else "draft"),
                    repo=_text(front, "repo"), base_commit=_text(front, "base_commit"))


def _patch(instance: Instance, folder: Path | None, sources: Sources) -> Patch | None:
    has_folder_patch = folder is not None and (folder / PATCH_FILE).is_file()
    if sources.patch is None and not has_folder_patch and not instance.patch.strip():
        return None
    return load_patch(instance, folder, sources.patch)[0]
