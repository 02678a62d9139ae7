"""Hints name the program as it was started: "next: reasondraft show ..." failed as typed
when the virtual environment was not active."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from reasondraft import invocation
from reasondraft.invocation import command_line, program


def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def as_script(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Run as a console script: no ``reasondraft.__main__``; argv[0] as the shell gave it."""
    monkeypatch.setitem(sys.modules, "__main__", SimpleNamespace(__spec__=None))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "elsewhere"))

    def start(argv0: str) -> None:
        monkeypatch.setattr(sys, "argv", [argv0, "demo"])
    return start


def test_a_script_outside_path_is_named_by_its_path(as_script, tmp_path) -> None:
    _executable(tmp_path / ".venv" / "bin" / "reasondraft")
    as_script(".venv/bin/reasondraft")
    assert program() == ".venv/bin/reasondraft"
    assert command_line("show", "my drafts/t/draft.md") == \
        ".venv/bin/reasondraft show 'my drafts/t/draft.md'"


def test_a_script_found_on_path_is_named_bare(as_script, tmp_path, monkeypatch) -> None:
    script = _executable(tmp_path / ".venv" / "bin" / "reasondraft")
    monkeypatch.setenv("PATH", str(script.parent))
    as_script(str(script))  # what the kernel passes for a script found on PATH
    assert program() == "reasondraft"


def test_another_reasondraft_on_path_does_not_count(as_script, tmp_path, monkeypatch) -> None:
    script = _executable(tmp_path / "a b" / "reasondraft")
    monkeypatch.setenv("PATH", str(_executable(tmp_path / "other" / "reasondraft").parent))
    as_script(str(script))
    assert program() == f"'{script}'"


def test_python_dash_m_names_the_interpreter(monkeypatch, tmp_path) -> None:
    real = _executable(tmp_path / "usr" / "bin" / "python")
    venv_python = tmp_path / ".venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    venv_python.symlink_to(real)  # a venv's python: a link that works only by its own path
    monkeypatch.setitem(sys.modules, "__main__",
                        SimpleNamespace(__spec__=SimpleNamespace(name="reasondraft.__main__")))
    monkeypatch.setattr(sys, "executable", str(venv_python))
    monkeypatch.setenv("PATH", str(real.parent))
    assert program() == f"{venv_python} -m reasondraft"
    monkeypatch.setenv("PATH", os.pathsep.join([str(venv_python.parent), str(real.parent)]))
    assert program() == "python -m reasondraft"


def test_run_from_other_code_falls_back_to_the_installed_name(as_script, tmp_path) -> None:
    as_script("-c")
    assert program() == invocation.NAME == "reasondraft"
    as_script(str(_executable(tmp_path / "bin" / "pytest")))  # main() called by a test run
    assert program() == "reasondraft"
