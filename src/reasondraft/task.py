"""Task: one instance with its diff, repository view and (optionally) trajectory.

Loaded from a task folder (``task.json``, ``patch.diff``, ``trajectory.*``, ``report.json``;
docs/formats.md, The task folder) or from explicit paths. Which diff the task explains, in
order: an explicit ``--patch FILE`` (or ``--patch gold``: the instance's ``patch``), the folder's
``patch.diff``, the trajectory's own submission (the model's solution is what annotators
explain), the instance's ``patch``. ``Task.patch_source`` records the choice. The
evaluation (does the diff resolve the task?) comes from ``--eval-report`` or the folder's
``report.json``; without either it is None: unknown, never assumed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reasondraft.diff import Patch, parse_diff
from reasondraft.errors import InputError
from reasondraft.evaluation import REPORT_FILE, EvalReports, Evaluation, describe
from reasondraft.files import read_text
from reasondraft.instance import Instance, load_instance
from reasondraft.names import folder_name
from reasondraft.repo import GitRepo, RepoView

if TYPE_CHECKING:
    from reasondraft.trajectory import Trajectory

TASK_FILE = "task.json"
PATCH_FILE = "patch.diff"
TRAJECTORY_NAME = "trajectory"  # trajectory.<ext>, or trajectory/ (an OpenHands folder)


@dataclass
class Task:
    """Everything known about one task; ``patch_source`` says where the diff came from."""

    instance: Instance
    patch: Patch
    patch_source: str
    view: RepoView
    folder: Path | None = None
    trajectory: Trajectory | None = None
    evaluation: Evaluation | None = None
    run: str | None = None  # which of several trajectories of the instance (names the folder)

    @property
    def instance_id(self) -> str:
        return self.instance.instance_id


PLACEHOLDERS = ("{owner}", "{name}")


def is_repos_pattern(repos: Path) -> bool:
    """Whether ``--repos`` is a layout pattern (``mirrors/{owner}+{name}/repo``) rather
    than a folder of clones."""
    return any(mark in str(repos) for mark in PLACEHOLDERS)


def check_repos(repos: Path) -> None:
    """Refuse, before any task is loaded, a ``--repos`` that is neither a folder nor a
    pattern using only {owner} and {name}."""
    if not is_repos_pattern(repos):
        if not repos.is_dir():
            raise InputError("not a folder of repository clones", where=str(repos))
        return
    try:
        str(repos).format(owner="o", name="n")
    except (KeyError, IndexError, ValueError) as exc:
        raise InputError(f"--repos pattern: only {{owner}} and {{name}} may be filled in "
                         f"({type(exc).__name__}: {exc})", where=str(repos)) from None


def find_repo(repos: Path, repo_name: str) -> Path:
    """The clone of ``owner/name``: ``--repos`` filled in when it is a pattern, else under
    the folder ``repos`` as ``owner__name`` or ``owner/name`` (optionally ``.git``)."""
    if not repo_name:
        raise InputError("instance has no 'repo' key, so --repos cannot find its clone")
    owner_name = repo_name.strip("/")
    if is_repos_pattern(repos):
        candidates = [_from_pattern(repos, owner_name)]
    else:
        candidates = [repos / owner_name.replace("/", "__"), repos / owner_name,
                      repos / f"{owner_name.replace('/', '__')}.git",
                      repos / f"{owner_name}.git"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    looked = candidates[0] if len(candidates) == 1 else \
        f"{candidates[0].name} and {owner_name}"
    raise InputError(f"no clone of {owner_name} (looked for {looked})", where=str(repos))


def _from_pattern(pattern: Path, owner_name: str) -> Path:
    """The pattern filled in with the instance's owner and name, each a plain folder name
    (an instance file is untrusted: '..' must not climb out of the layout)."""
    owner, _, name = owner_name.partition("/")
    if not name or "/" in name:
        raise InputError(f"repo {owner_name!r} is not owner/name, so --repos {pattern} "
                         "cannot be filled in")
    check_repos(pattern)
    return Path(str(pattern).format(owner=folder_name(owner, "repo owner"),
                                    name=folder_name(name, "repo name")))


def resolve_repo_path(instance: Instance, repo: Path | None, repos: Path | None,
                      hint: str | None = None) -> Path:
    """The repository to read: ``--repo``, else ``--repos`` + instance.repo, else a hint."""
    if repo is not None:
        return repo
    if repos is not None:
        return find_repo(repos, instance.repo)
    if hint:
        return Path(hint)
    raise InputError(f"no repository for {instance.instance_id}: pass --repo DIR or --repos DIR")


GOLD = "gold"


def _gold(instance: Instance) -> tuple[Patch, str]:
    return parse_diff(instance.patch, source=f"{instance.instance_id}: key 'patch'"), GOLD


def load_patch(instance: Instance, folder: Path | None, patch: Path | str | None,
               trajectory: Trajectory | None = None) -> tuple[Patch, str]:
    """The diff the task explains and where it came from (see the module docstring)."""
    if patch == GOLD:
        if not instance.patch.strip():
            raise InputError(f"--patch gold: instance {instance.instance_id} has no 'patch'")
        return _gold(instance)
    if patch is not None:
        path = Path(patch)
        return parse_diff(read_text(path, kind="diff"), source=str(path)), f"file:{path}"
    if folder is not None and (folder / PATCH_FILE).is_file():
        path = folder / PATCH_FILE
        return parse_diff(read_text(path, kind="diff"), source=str(path)), "folder"
    if trajectory is not None and trajectory.submission and trajectory.submission.strip():
        return parse_diff(trajectory.submission, source=f"{trajectory.source}: submission"), \
            "trajectory"
    if instance.patch.strip():
        return _gold(instance)
    raise InputError(f"no diff for {instance.instance_id}: no --patch, no {PATCH_FILE}, no "
                     "submission in the trajectory and the instance has no 'patch'")


def find_trajectory(folder: Path) -> Path | None:
    """The folder's ``trajectory.<ext>`` file or ``trajectory/`` events folder, if any."""
    found = sorted(folder.glob(f"{TRAJECTORY_NAME}.*")) or \
        [p for p in [folder / TRAJECTORY_NAME] if p.is_dir()]
    if len(found) > 1:
        raise InputError(f"several trajectories ({', '.join(p.name for p in found)}): keep one",
                         where=str(folder))
    return found[0] if found else None


def load_task_trajectory(inst: Instance, folder: Path | None,
                         trajectory: Path | None) -> Trajectory | None:
    """The trajectory given explicitly, else the folder's, else None."""
    path = trajectory or (find_trajectory(folder) if folder is not None else None)
    if path is None:
        return None
    # Imported here: verify loads the trajectory package only for a task that has one.
    from reasondraft.trajectory import load_trajectory

    return load_trajectory(path, inst.instance_id)


def load_task_evaluation(instance_id: str, folder: Path | None,
                         eval_report: Path | EvalReports | None,
                         patch: Patch | None) -> Evaluation | None:
    """The evaluation from ``--eval-report``, else the folder's report.json, else None; a
    report that evaluated another patch than ``patch`` is refused."""
    if eval_report is None and folder is not None and (folder / REPORT_FILE).is_file():
        eval_report = folder / REPORT_FILE
    if eval_report is None:
        return None
    reports = eval_report if isinstance(eval_report, EvalReports) else EvalReports(eval_report)
    return reports.load(instance_id, patch=patch)


def load_task(folder: Path | None = None, *, instance: Path | None = None,
              instance_id: str | None = None, patch: Path | str | None = None,
              repo: Path | GitRepo | None = None, repos: Path | None = None,
              repo_hint: str | None = None, trajectory: Path | None = None,
              eval_report: Path | EvalReports | None = None, run: str | None = None) -> Task:
    """Load a task from a folder and/or explicit paths; the diff must apply at the base."""
    if folder is not None and not folder.is_dir():
        raise InputError("not a task folder", where=str(folder))
    source = instance or folder
    if source is None:
        raise InputError("no task: give a task folder or --instance FILE")
    inst = load_instance(source, instance_id)
    if not inst.base_commit:
        raise InputError(f"key 'base_commit' is missing or empty for {inst.instance_id}",
                         where=str(source))
    return task_from_instance(inst, folder=folder, patch=patch, repo=repo, repos=repos,
                              repo_hint=repo_hint, trajectory=trajectory,
                              eval_report=eval_report, run=run)


def task_from_instance(inst: Instance, *, folder: Path | None = None,
                       patch: Path | str | None = None, repo: Path | GitRepo | None = None,
                       repos: Path | None = None, repo_hint: str | None = None,
                       trajectory: Path | None = None,
                       eval_report: Path | EvalReports | None = None,
                       run: str | None = None) -> Task:
    """A task for an instance already loaded; pass a shared GitRepo (and EvalReports) to
    reuse their caches."""
    traj = load_task_trajectory(inst, folder, trajectory)
    the_patch, patch_source = load_patch(inst, folder, patch, traj)
    git = repo if isinstance(repo, GitRepo) else \
        GitRepo(resolve_repo_path(inst, repo, repos, repo_hint))
    view = RepoView(git, inst.base_commit, the_patch)
    try:
        view.check_patch()
    except InputError:
        # Some agents write their submission with CRLF line endings; it applies as LF.
        if patch_source != "trajectory" or "\r\n" not in the_patch.text:
            raise
        the_patch = parse_diff(the_patch.text.replace("\r\n", "\n"), source=the_patch.source)
        view = view.with_patch(the_patch)
        view.check_patch()
    evaluation = load_task_evaluation(inst.instance_id, folder, eval_report, the_patch)
    return Task(instance=inst, patch=the_patch, patch_source=patch_source, view=view,
                folder=folder, trajectory=traj, evaluation=evaluation, run=run)


def patch_fallback(task: Task, asked: Path | str | None) -> str | None:
    """Why the diff explained is not the trajectory's, when a trajectory was given but had
    no submission and no diff was ``asked`` for (--patch): the draft then explains the
    instance's patch, and a reader of the output must be told (it is not what the agent
    did)."""
    if asked is not None or task.trajectory is None or task.patch_source != GOLD or (
            task.trajectory.submission and task.trajectory.submission.strip()):
        return None
    return (f"the trajectory ({task.trajectory.source}) has no submission: the draft explains "
            "the instance's patch (gold) instead")


def summarize(task: Task) -> dict[str, object]:
    """A JSON-ready summary of a loaded task (what ``reasondraft task --json`` prints)."""
    inst = task.instance
    return {
        "instance_id": inst.instance_id,
        "repo": inst.repo,
        "base_commit": task.view.base_commit,
        "repo_path": str(task.view.git.path),
        "patch_source": task.patch_source,
        "fail_to_pass": inst.FAIL_TO_PASS,
        "pass_to_pass": len(inst.PASS_TO_PASS),
        "files": [
            {"path": f.path, "old_path": f.old_path, "status": f.status, "binary": f.binary,
             "hunks": len(f.hunks), "added": f.added_lines, "removed": f.removed_lines}
            for f in task.patch
        ],
        "trajectory": None if task.trajectory is None else {
            "source": task.trajectory.source, "format": task.trajectory.format,
            "format_version": task.trajectory.format_version,
            "steps": len(task.trajectory.steps)},
        "evaluation": None if task.evaluation is None else task.evaluation.summary(),
        "outcome": describe(task.evaluation),
    }
