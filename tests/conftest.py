"""Shared test helpers: real git repositories built in tmp dirs with gitpython."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import git
import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


class RepoBuilder:
    """A git repo in a tmp dir; ``commit`` writes files (None deletes) and returns the sha."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.repo = git.Repo.init(path, initial_branch="main")
        with self.repo.config_writer() as cfg:
            cfg.set_value("user", "name", "Test")
            cfg.set_value("user", "email", "test@example.invalid")
            cfg.set_value("core", "autocrlf", "false")

    def commit(self, files: dict[str, str | bytes | None], message: str = "change") -> str:
        for name, content in files.items():
            target = self.path / name
            if content is None:
                self.repo.index.remove([name], working_tree=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.encode() if isinstance(content, str) else content)
            self.repo.index.add([name])
        return self.repo.index.commit(message).hexsha

    def diff(self, old: str, new: str, *args: str) -> str:
        """``git diff`` between two commits, exactly as git prints it."""
        return self.repo.git.diff(old, new, *args, strip_newline_in_stdout=False)

    def close(self) -> None:
        self.repo.close()


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., RepoBuilder]:
    builders: list[RepoBuilder] = []

    def build(name: str = "repo") -> RepoBuilder:
        builder = RepoBuilder(tmp_path / name)
        builders.append(builder)
        return builder

    yield build
    for builder in builders:
        builder.close()
