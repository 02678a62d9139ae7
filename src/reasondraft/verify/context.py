"""VerifyContext: everything a check may consult, with the caches that make re-use cheap.

One context serves every draft of one task (the drafter's repair loop verifies the same task
many times): file texts, symbol indexes and path indexes are computed once per (path,
revision). Contexts of one repository share a :class:`GitRepo` and so its tree listings and
blob cache.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from reasondraft.diff import Patch, parse_diff
from reasondraft.errors import InputError
from reasondraft.guidelines import DEFAULT, Guidelines
from reasondraft.instance import Instance
from reasondraft.repo import SYMLINK_MODE, FileText, GitRepo, RepoView, Rev, UnsafePath

if TYPE_CHECKING:
    from reasondraft.evaluation import Evaluation
    from reasondraft.task import Task
    from reasondraft.trajectory.model import Trajectory

T = TypeVar("T")
_UNSET: Any = object()
PREFETCH_MIN = 4  # below that, one pipelined batch saves nothing


class VerifyContext:
    """The repository at the base commit and after the diff, plus what else is known.

    ``instance`` gives FAIL_TO_PASS and the test patch (``test_patch_error`` says why it
    does not apply, once ``test_view`` was asked for); ``trajectory`` the steps;
    ``evaluation`` the harness's verdict on the diff (None: unknown). All are optional:
    checks that need them are skipped (steps: with one warning per draft). ``guidelines``
    are what the trace is held to (lengths, sections, severities; the defaults if None).
    """

    def __init__(self, view: RepoView, *, instance: Instance | None = None,
                 trajectory: Trajectory | None = None,
                 evaluation: Evaluation | None = None,
                 guidelines: Guidelines | None = None) -> None:
        self.view = view
        self.guidelines = guidelines or DEFAULT
        self.patch = view.patch
        self.instance = instance
        self.trajectory = trajectory
        self.evaluation = evaluation
        self.test_patch_error: str | None = None
        self._test_view: RepoView | None = _UNSET
        self._texts: dict[tuple[str, Rev, bool], FileText | None] = {}
        self._memo: dict[tuple[str, str, Rev], Any] = {}

    @classmethod
    def from_task(cls, task: Task, trajectory: Trajectory | None = None,
                  guidelines: Guidelines | None = None) -> VerifyContext:
        """The context of a loaded task (its trajectory unless one is given)."""
        return cls(task.view, instance=task.instance, trajectory=trajectory or task.trajectory,
                   evaluation=task.evaluation, guidelines=guidelines)

    @classmethod
    def from_parts(cls, repo: Path | GitRepo | RepoView, base: str | None = None, *,
                   patch: Patch | None = None, instance: Instance | None = None,
                   trajectory: Trajectory | None = None,
                   evaluation: Evaluation | None = None,
                   guidelines: Guidelines | None = None) -> VerifyContext:
        """A context from explicit parts; the base defaults to the instance's base_commit.

        Pass a shared GitRepo (or a RepoView) to reuse its caches across tasks.
        """
        if isinstance(repo, RepoView):
            view = repo if patch is None else repo.with_patch(patch)
        else:
            base = base or (instance.base_commit if instance else "")
            if not base:
                raise InputError("no base commit: pass --base REV or an instance with "
                                 "base_commit")
            view = RepoView(repo, base, patch)
        view.check_patch()
        return cls(view, instance=instance, trajectory=trajectory, evaluation=evaluation,
                   guidelines=guidelines)

    # -- diffs ------------------------------------------------------------------------------

    @property
    def test_view(self) -> RepoView | None:
        """The base after the instance's test patch (tests it adds exist), or None."""
        if self._test_view is _UNSET:
            self._test_view = None
            text = self.instance.test_patch if self.instance else ""
            if text.strip():
                try:
                    view = self.view.with_patch(parse_diff(text, source="test_patch"))
                    view.check_patch()
                    self._test_view = view
                except InputError as exc:
                    self.test_patch_error = str(exc)
        return self._test_view

    def touched(self, path: str) -> bool:
        """True if the solution diff changes, adds, deletes or renames ``path``."""
        return self.patch is not None and self.patch.touches(path)

    def test_touched(self, path: str) -> bool:
        view = self.test_view
        return view is not None and view.patch is not None and view.patch.touches(path)

    # -- files ------------------------------------------------------------------------------

    def read(self, path: str, rev: Rev = Rev.BASE) -> FileText | None:
        """The file at ``rev``; after the diff, files only the test patch touches are read
        from the test patch. Raises UnsafePath for a path that leaves the tree."""
        key = (path, rev, False)
        if key not in self._texts:
            view = self.view
            if rev is Rev.PATCHED and not self.touched(path) and self.test_touched(path):
                view = self.test_view or view
            self._texts[key] = view.read(path, rev)
        return self._texts[key]

    def exists(self, path: str, rev: Rev = Rev.BASE) -> bool:
        """True if the file is there at ``rev``; a path leaving the tree is not."""
        try:
            return self.read(path, rev) is not None
        except UnsafePath:
            return False

    def read_test_patched(self, path: str) -> FileText | None:
        """The file after the test patch alone (None without a test patch)."""
        key = (path, Rev.PATCHED, True)
        if key not in self._texts:
            view = self.test_view
            self._texts[key] = view.read(path, Rev.PATCHED) if view else None
        return self._texts[key]

    def sides(self, path: str) -> Iterator[tuple[Rev, FileText]]:
        """The file wherever it exists: at base, after the diff, after the test patch
        (a side where the path would leave the tree is skipped)."""
        seen: set[int] = set()
        for rev, test_patch in ((Rev.BASE, False), (Rev.PATCHED, False), (Rev.PATCHED, True)):
            try:
                text = self.read_test_patched(path) if test_patch else self.read(path, rev)
            except UnsafePath:
                continue
            if text is not None and id(text) not in seen:
                seen.add(id(text))
                yield rev, text

    def prefetch(self, paths: Iterable[str]) -> None:
        """Read the base blobs of many files in one git round trip, ahead of the checks."""
        tree = self.view.git.tree(self.view.base_commit)
        wanted = [entry.binsha for path in paths
                  if (entry := tree.get(path)) is not None and entry.mode != SYMLINK_MODE
                  and (path, Rev.BASE, False) not in self._texts]
        if len(wanted) >= PREFETCH_MIN:
            self.view.git.prefetch(wanted)

    def files(self, rev: Rev = Rev.BASE) -> list[str]:
        """Every path at ``rev`` (after the diff: plus files the test patch adds)."""
        def compute() -> list[str]:
            names = set(self.view.files(rev))
            if rev is Rev.PATCHED and self.test_view is not None:
                names.update(self.test_view.files(Rev.PATCHED))
            return sorted(names)
        return self.memo("files", "", rev, compute)

    def memo(self, kind: str, path: str, rev: Rev, compute: Callable[[], T]) -> T:
        """Derived data about one file (or the whole tree), computed once per context."""
        key = (kind, path, rev)
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]
