"""``reasondraft demo``: draft the bundled example task offline and show the result.

The example (fixtures/example: a small library with a real bug, its instance, an agent's
SWE-agent trajectory and its diff) is drafted with the built-in ``fixture/example`` model,
whose recording holds a first answer with two wrong citations and a corrected second one,
so the demo runs the whole pipeline: packing, litellm, instructor, the verifier inside the
repair loop, and the task folder on disk.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import git

from reasondraft.draft.drafter import DraftRequest, DraftResult, draft_task
from reasondraft.files import check_output_dir
from reasondraft.resources import data_dir
from reasondraft.task import Task, load_task

DEMO_MODEL = "fixture/example"


def example_repo(work: Path) -> Path:
    """A bare clone of the example's git bundle (made once per work folder)."""
    target = work / "tinyconf.git"
    if not target.exists():
        git.Repo.clone_from(str(data_dir("example") / "repo.bundle"), target, bare=True).close()
    return target


def example_task(work: Path) -> Task:
    return load_task(data_dir("example"), repo=example_repo(work))


def run_demo(out: Path | None = None) -> tuple[Task, DraftResult]:
    """Draft the example into ``out`` (a new temporary folder by default)."""
    if out is not None:
        check_output_dir(out)  # before cloning the example into it
    work = out or Path(tempfile.mkdtemp(prefix="reasondraft-demo-"))
    task = example_task(work)
    request = DraftRequest(model=DEMO_MODEL, max_repairs=2, log=work / "llm-calls.jsonl")
    return task, draft_task(task, request, work / "drafts")
