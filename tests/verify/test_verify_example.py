"""An LLM-written draft of the bundled example task: clean where it is right, caught where
the recording seeded mistakes (the first answer of the repair-loop recording)."""

from __future__ import annotations

import json

import git
import pytest

from reasondraft.body import render_body
from reasondraft.resources import data_dir
from reasondraft.task import load_task
from reasondraft.trace import Trace
from reasondraft.verify import VerifyContext, check_body


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> tuple[VerifyContext, list[str]]:
    clone = tmp_path_factory.mktemp("example") / "repo"
    git.Repo.clone_from(str(data_dir("example") / "repo.bundle"), clone).close()
    task = load_task(data_dir("example"), repo=clone)
    answers = json.loads((data_dir("models") / "example.json").read_text())["recordings"][0][
        "answers"]
    return VerifyContext.from_task(task), [render_body(Trace.model_validate(a)) for a in answers]


def test_the_corrected_draft_is_clean(example) -> None:
    ctx, bodies = example
    report = check_body(bodies[-1], ctx)
    assert report.findings == []
    assert report.summary["references"] > 50


def test_the_seeded_mistakes_are_caught_with_their_fixes(example) -> None:
    ctx, bodies = example
    found = [(f.code, f.suggestion, f.fixable) for f in check_body(bodies[0], ctx).findings]
    assert found == [("RD-S001", "tinyconf/merge.py::_merge_into", False),
                     ("RD-Q001", "tinyconf/merge.py#L42-L44", True)]
