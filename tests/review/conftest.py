"""A real drafted task folder for the review tests, built without the LLM.

The repository has a one-line bug in pkg/calc.py (``add`` subtracts) and its diff; the task
folder holds task.json, patch.diff, a chat trajectory of two steps, and draft.md identical
to draft.generated.md, whose body is rendered from a trace that cites base and patched
lines, a symbol, a test, a quote and trajectory steps -- every reference verifies. The
``task`` fixture is a format-1 draft (what drafts written before format 2 hold: they must
keep working everywhere); ``task_v2`` the same task drafted in format 2.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from reasondraft.body import render_body
from reasondraft.document import join_document
from reasondraft.instance import Instance
from reasondraft.trace import (
    Decision,
    HunkNote,
    Outcome,
    Phase,
    Quote,
    Rejected,
    RootCause,
    TestClaim,
    Trace,
    TraceStep,
)
from reasondraft.trace_v1 import DecisionV1, ExpectedTest, TraceStepV1, TraceV1

CALC = '"""Tiny calculator."""\n\n\ndef add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n' \
       '    return a * b\n'
CALC_FIXED = CALC.replace("return a - b", "return a + b")
TESTS = "from pkg.calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
TEST_ID = "tests/test_calc.py::test_add"


def _call(call_id: str, command: str) -> dict:
    return {"id": call_id, "type": "function",
            "function": {"name": "bash", "arguments": json.dumps({"command": command})}}


TRAJECTORY = [
    {"role": "system", "content": "You are a coding assistant working in /repo."},
    {"role": "user", "content": "add(2, 3) returns -1"},
    {"role": "assistant", "content": "Read the module.",
     "tool_calls": [_call("c1", "cat pkg/calc.py")]},
    {"role": "tool", "tool_call_id": "c1", "content": CALC},
    {"role": "assistant", "content": "Run the test.",
     "tool_calls": [_call("c2", "pytest tests/test_calc.py")]},
    {"role": "tool", "tool_call_id": "c2",
     "content": "FAILED tests/test_calc.py::test_add - assert -1 == 5\n1 failed"},
]

TRACE = TraceV1(
    summary="`add` subtracts [[pkg/calc.py#L4-L5]]; the fix adds [[pkg/calc.py#L5@patched]].",
    steps=[
        TraceStepV1(title="Reproduce the bug", phase=Phase.REPRODUCE,
                    reasoning=f"Running [[test:{TEST_ID}]] fails [[step:2]] with -1.",
                    trajectory_steps=[2]),
        TraceStepV1(title="Fix add", phase=Phase.IMPLEMENT,
                    reasoning="[[pkg/calc.py::add]] subtracts; it must add "
                              "[[pkg/calc.py#L5@patched]].",
                    quotes=[Quote(ref="pkg/calc.py#L5", code="    return a - b")],
                    decision=DecisionV1(question="How to fix add?", options=["a + b", "sum()"],
                                        chosen="a + b", why="Step 2 expects a sum."),
                    trajectory_steps=[1]),
    ],
    solution="The diff changes one line [[pkg/calc.py#L5@patched]].",
    trade_offs=["None worth noting."],
    edge_cases=["Negative numbers add as well."],
    tests=[ExpectedTest(test=TEST_ID, fails_before=True, passes_after=True,
                        why="add returns the sum")],
)
BODY = render_body(TRACE)
TRACE_V2 = Trace(
    outcome=Outcome(resolved=None, source="none"),
    summary="`add` subtracts [[pkg/calc.py#L4-L5]]; the diff adds [[pkg/calc.py#L5@patched]].",
    root_cause=RootCause(where=["pkg/calc.py::add"],
                         mechanism="It returns `a - b` [[pkg/calc.py#L5]]."),
    steps=[
        TraceStep(title="Reproduce the bug", phase="reproduce", basis="observed",
                  trajectory_steps=[2],
                  reasoning=f"Running [[test:{TEST_ID}]] fails [[step:2]] with -1."),
        TraceStep(title="Fix add", phase="implement", basis="observed", trajectory_steps=[1],
                  reasoning="[[pkg/calc.py::add]] subtracts; it must add "
                            "[[pkg/calc.py#L5@patched]].",
                  quotes=[Quote(ref="pkg/calc.py#L5", code="    return a - b")],
                  decision=Decision(question="How to fix add?", options=["a + b", "sum((a, b))"],
                                    chosen="a + b", why="Step 2 expects a sum.",
                                    rejected=[Rejected(option="sum((a, b))",
                                                       why="a tuple for two numbers")])),
    ],
    hunks=[HunkNote(ref="pkg/calc.py#L5@patched", necessity="necessary",
                    purpose="add a and b instead of subtracting b", tests=[TEST_ID])],
    trade_offs=["One operator changes and nothing else [[pkg/calc.py#L5@patched]]."],
    edge_cases=["Negative numbers add as well [[pkg/calc.py#L5@patched]]."],
    tests=[TestClaim(id=TEST_ID, set="FAIL_TO_PASS", visible_to_agent=True, before="fail",
                     after="unknown", source="step:2",
                     why="the agent saw it fail at the base and did not run it again")],
)
BODY_V2 = render_body(TRACE_V2)


@dataclass
class Task:
    """A drafted task folder on disk and its repository."""

    folder: Path
    repo: Path
    front: dict

    @property
    def draft(self) -> Path:
        return self.folder / "draft.md"

    def body(self) -> str:
        return self.draft.read_text().split("---\n", 2)[2]

    def write_body(self, body: str) -> None:
        """What a person's editor does: same front matter, new body."""
        head, _, _ = self.draft.read_text().partition("\n---\n")
        self.draft.write_text(f"{head}\n---\n{body}")


def write_task(folder: Path, repo: Path, base: str, diff: str, *,
               instance_id: str = "calc__calc-1", model: str = "fixture/example",
               prompt: str = "sha256:0123456789abcdef", body: str = BODY,
               trace_format: int = 1) -> Task:
    """A task folder as ``reasondraft draft`` writes it."""
    folder.mkdir(parents=True, exist_ok=True)
    instance = Instance(instance_id=instance_id, repo="calc/calc", base_commit=base,
                        FAIL_TO_PASS=[TEST_ID], patch=diff)
    (folder / "task.json").write_text(instance.to_json())
    (folder / "patch.diff").write_text(diff)
    (folder / "trajectory.json").write_text(json.dumps(TRAJECTORY))
    front = {"format": trace_format, "instance_id": instance_id, "repo": "calc/calc",
             "base_commit": base, "repo_path": str(repo), "status": "draft",
             "provenance": {"model": model, "prompt": prompt,
                            "created_at": "2026-01-01T00:00:00+00:00"}}
    document = join_document(front, body)
    (folder / "draft.generated.md").write_text(document)
    (folder / "draft.md").write_text(document)
    return Task(folder, repo, front)


@dataclass
class Project:
    repo: Path
    base: str
    diff: str

    def task(self, folder: Path, **options: object) -> Task:
        return write_task(folder, self.repo, self.base, self.diff, **options)  # type: ignore[arg-type]


@pytest.fixture
def project(make_repo) -> Project:
    repo = make_repo("calc")
    base = repo.commit({"pkg/__init__.py": "", "pkg/calc.py": CALC,
                        "tests/test_calc.py": TESTS}, "base")
    head = repo.commit({"pkg/calc.py": CALC_FIXED}, "fix")
    return Project(repo.path, base, repo.diff(base, head))


@pytest.fixture
def task(project, tmp_path) -> Task:
    return project.task(tmp_path / "drafts" / "calc__calc-1")


@pytest.fixture
def task_v2(project, tmp_path) -> Task:
    return project.task(tmp_path / "drafts" / "calc__calc-1", body=BODY_V2, trace_format=2)
