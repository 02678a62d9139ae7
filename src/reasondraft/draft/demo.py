"""``reasondraft demo``: draft a bundled example task offline and show the result.

Two examples, each a small library with a real bug, its instance, an agent's trajectory and
its diff: ``tinyconf`` (fixtures/example, a SWE-agent trajectory whose patch works) and
``slugkit`` (fixtures/example2, a mini-swe-agent trajectory whose patch does NOT resolve
the task; its report.json says which test still fails). Both are drafted with the built-in
``fixture/example`` model, whose recording holds for each a first answer with typical
mistakes (wrong citations; success claimed from the agent's own runs) and a corrected one,
so the demo runs the whole pipeline: packing, litellm, instructor, the verifier inside the
repair loop, the outcome made to agree with the evaluation, and the task folder on disk.
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
EXAMPLES = {"tinyconf": "example", "slugkit": "example2"}  # name -> shipped data folder


def example_repo(work: Path, example: str = "tinyconf") -> Path:
    """A bare clone of an example's git bundle (made once per work folder)."""
    target = work / f"{example}.git"
    if not target.exists():
        bundle = data_dir(EXAMPLES[example]) / "repo.bundle"
        git.Repo.clone_from(str(bundle), target, bare=True).close()
    return target


def example_task(work: Path, example: str = "tinyconf") -> Task:
    return load_task(data_dir(EXAMPLES[example]), repo=example_repo(work, example))


def run_demo(out: Path | None = None, example: str = "tinyconf") -> tuple[Task, DraftResult]:
    """Draft an example into ``out`` (a new temporary folder by default)."""
    if out is not None:
        check_output_dir(out)  # before cloning the example into it
    work = out or Path(tempfile.mkdtemp(prefix="reasondraft-demo-"))
    task = example_task(work, example)
    request = DraftRequest(model=DEMO_MODEL, max_repairs=2, log=work / "llm-calls.jsonl")
    return task, draft_task(task, request, work / "drafts")
