"""A small real project for the verify tests: base commit, solution diff, test patch.

The diff modifies pkg/core.py (two hunks), renames pkg/old_name.py to pkg/new_name.py,
adds pkg/added.py and changes a CRLF file; the test patch adds a method to
tests/test_core.py and a new file tests/test_new.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from reasondraft.diff import parse_diff
from reasondraft.instance import Instance
from reasondraft.trajectory.model import Action, Step, StepKind, Trajectory
from reasondraft.verify import VerifyContext

CORE = '''"""Core module."""
import functools

DEFAULT_TIMEOUT = 30
RETRIES: int = 3


def helper(x):
    return x * 2


class Session:
    """A session."""

    max_redirects = 5

    def __init__(self, url):
        self.url = url
        self.headers = {}

    @property
    def host(self):
        return self.url.split("/")[2]

    @functools.lru_cache(maxsize=None)
    def cached(self, key):
        return key

    async def fetch(self, path):
        return await self._get(path)

    class Config:
        verbose = False

        def describe(self):
            return "config"


def merge_setting(request_setting, session_setting):
    if session_setting is None:
        return request_setting
    merged = dict(session_setting)
    merged.update(request_setting)
    return merged
'''

CORE_FIXED = CORE.replace("DEFAULT_TIMEOUT = 30", "DEFAULT_TIMEOUT = 60").replace(
    "        return request_setting\n",
    "        return request_setting\n    if request_setting is None:\n"
    "        return session_setting\n")

OLD_NAME = 'def legacy():\n    return "old"\n\n\ndef keep():\n    return 1\n'
TESTS = '''import pytest

from pkg.core import helper, merge_setting


@pytest.mark.parametrize("x,expected", [(1, 2), (2, 4)])
def test_helper(x, expected):
    assert helper(x) == expected


class TestMerge:
    def test_both(self):
        assert merge_setting({"a": 1}, {"b": 2}) == {"a": 1, "b": 2}
'''
TESTS_PATCHED = TESTS + '''
    def test_request_none(self):
        assert merge_setting(None, {"b": 2}) == {"b": 2}
'''
APP_JS = '''class Widget {
  render(props) {
    return props.name;
  }
}

function mount(el) {
  return new Widget();
}

const unmount = (el) => {
  el.remove();
};
'''

FILES_BASE: dict[str, str | bytes | None] = {
    "pkg/__init__.py": "",
    "pkg/core.py": CORE,
    "pkg/old_name.py": OLD_NAME,
    "pkg/crlf.py": b"def windows():\r\n    value = 1\r\n    return value\r\n",
    "tests/test_core.py": TESTS,
    "src/app.js": APP_JS,
    "docs/guide.md": "# Guide\n\nUse it.\n",
}
FILES_HEAD: dict[str, str | bytes | None] = {
    "pkg/core.py": CORE_FIXED,
    "pkg/old_name.py": None,
    "pkg/new_name.py": OLD_NAME.replace('"old"', '"new"'),
    "pkg/added.py": 'def brand_new():\n    return "new"\n',
    "pkg/crlf.py": b"def windows():\r\n    value = 2\r\n    return value\r\n",
}
FILES_TESTS: dict[str, str | bytes | None] = {
    "tests/test_core.py": TESTS_PATCHED,
    "tests/test_new.py": "def test_added():\n    assert True\n",
}

STEPS = [
    ("cat pkg/core.py", ["pkg/core.py"], StepKind.VIEW),
    ("pytest tests/test_core.py", ["tests/test_core.py"], StepKind.TEST),
    ("edit pkg/core.py", ["pkg/core.py"], StepKind.EDIT),
    ("git mv pkg/old_name.py pkg/new_name.py", ["pkg/old_name.py", "pkg/new_name.py"],
     StepKind.RUN),
    ("submit", [], StepKind.SUBMIT),
]


def make_trajectory() -> Trajectory:
    return Trajectory(format="swe-agent", steps=[
        Step(number=n, kind=kind, action=Action(name="bash", text=text), paths=paths)
        for n, (text, paths, kind) in enumerate(STEPS, start=1)])


@dataclass
class Project:
    path: Path
    base: str
    head: str
    diff: str
    test_patch: str
    instance: Instance

    def context(self, *, trajectory: bool = True, instance: bool = True,
                patch: bool = True) -> VerifyContext:
        return VerifyContext.from_parts(
            self.path, self.base, patch=parse_diff(self.diff) if patch else None,
            instance=self.instance if instance else None,
            trajectory=make_trajectory() if trajectory else None)

    def task_folder(self, root: Path, body: str, *, front: dict | None = None) -> Path:
        """A task folder with task.json, patch.diff and draft.md (front matter with repo_path)."""
        import yaml

        root.mkdir(parents=True, exist_ok=True)
        (root / "task.json").write_text(self.instance.to_json())
        (root / "patch.diff").write_text(self.diff)
        meta = {"instance_id": self.instance.instance_id, "repo": self.instance.repo,
                "base_commit": self.base, "repo_path": str(self.path), **(front or {})}
        (root / "draft.md").write_text(f"---\n{yaml.safe_dump(meta)}---\n{body}")
        return root


@pytest.fixture
def project(make_repo) -> Project:
    repo = make_repo("demo")
    base = repo.commit(FILES_BASE, "base")
    head = repo.commit(FILES_HEAD, "fix")
    tests = repo.commit(FILES_TESTS, "tests")
    diff = repo.diff(base, head, "-M")
    test_patch = repo.diff(head, tests)
    instance = Instance(
        instance_id="demo__demo-1", repo="demo/demo", base_commit=base,
        FAIL_TO_PASS=["tests/test_core.py::TestMerge::test_request_none"],
        PASS_TO_PASS=["tests/test_core.py::test_helper[1-2]",
                      "tests/test_core.py::TestMerge::test_both"],
        test_patch=test_patch, patch=diff)
    return Project(repo.path, base, head, diff, test_patch, instance)
