"""Shared test helpers: real git repositories built in tmp dirs with gitpython."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import git
import pytest
from typer.testing import CliRunner


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


HEAVY = ("litellm", "instructor", "openai", "starlette", "jinja2", "uvicorn")


@pytest.fixture
def cli():
    """Run a reasondraft command in-process; returns the click Result."""
    from reasondraft.cli import app

    runner = CliRunner()
    return lambda *args, **kw: runner.invoke(app, [str(a) for a in args], **kw)


@pytest.fixture
def heavy_modules_after() -> Callable[..., list[str]]:
    """Run CLI commands in one new process (each must exit 0) and get which of the LLM
    libraries (litellm, instructor, openai) and of the web stack (starlette, jinja2,
    uvicorn: only ``serve`` and ``show --html`` need it) it imported: review commands must
    import none."""
    return _heavy_modules_after


def _heavy_modules_after(*commands: list[str],
                         watch: tuple[str, ...] = HEAVY) -> list[str]:
    """Which of the ``watch`` modules the commands imported (by default the LLM libraries
    and the web stack)."""
    code = ("import sys\nfrom reasondraft.cli import main\n"
            f"for args in {[list(c) for c in commands]!r}:\n"
            "    sys.argv = ['reasondraft', *args]\n"
            "    try:\n        main()\n    except SystemExit as exc:\n"
            "        assert not exc.code, (args, exc.code)\n"
            f"import json\nprint(json.dumps(sorted(m for m in {watch!r} if m in sys.modules)))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
