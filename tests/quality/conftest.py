"""The example task drafted for real (``run_demo``: the fixture model, the bundled repository
and trajectory), once per session: as drafted, and approved by a lead.

Tests copy the folders they change; ``variant`` writes a copy whose trace was changed on
purpose (rendered back with the format-2 renderer, which gives the drafted body exactly).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from reasondraft.body import render_body
from reasondraft.document import join_document
from reasondraft.draft.demo import run_demo
from reasondraft.quality.load import load_trace
from reasondraft.review.decide import approve
from reasondraft.trace import Trace


@pytest.fixture(scope="session")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The drafted example task folder (a draft, not reviewed)."""
    _, result = run_demo(tmp_path_factory.mktemp("demo") / "work")
    return result.folder


@pytest.fixture(scope="session")
def approved(example: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example task folder, approved (verify finds no error in it)."""
    folder = shutil.copytree(example, tmp_path_factory.mktemp("approved") / example.name)
    assert approve(folder, "lead").written
    return folder


@pytest.fixture
def variant(example: Path, tmp_path: Path) -> Callable[..., Path]:
    """A copy of the example task folder whose trace ``change`` edited in place."""
    def write(change: Callable[[Trace], None], name: str = "variant") -> Path:
        folder = shutil.copytree(example, tmp_path / name)
        loaded = load_trace(folder)
        trace = loaded.parsed.trace
        assert isinstance(trace, Trace)
        assert render_body(trace) == loaded.draft.body
        change(trace)
        (folder / "draft.md").write_text(join_document(loaded.draft.front, render_body(trace)),
                                         encoding="utf-8")
        return folder
    return write

