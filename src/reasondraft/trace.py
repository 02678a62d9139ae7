"""The reasoning trace: the structured output the model writes and draft.md renders.

Field descriptions are written for the model; they are part of the prompt (instructor sends
them as the response schema). One-line fields have their whitespace collapsed and prose
fields have headings demoted, so every trace renders to Markdown that parses back to the
same trace.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field


def one_line(value: str) -> str:
    """Collapse whitespace so a field fits on its own Markdown line."""
    return " ".join(value.split())


def prose(value: str) -> str:
    """Trim blank edges and demote headings that would break draft.md's sections."""
    text = "\n".join(line.rstrip() for line in value.strip("\n").splitlines()).strip()
    return re.sub(r"(?m)^#{1,2}(?=\s)", "###", text)


OneLine = Annotated[str, AfterValidator(one_line)]
Code = Annotated[str, AfterValidator(lambda value: value.strip("\n"))]
Prose = Annotated[str, AfterValidator(prose)]


class Phase(StrEnum):
    UNDERSTAND = "understand"
    REPRODUCE = "reproduce"
    LOCALIZE = "localize"
    HYPOTHESIZE = "hypothesize"
    IMPLEMENT = "implement"
    VERIFY = "verify"
    REFINE = "refine"


class Quote(BaseModel):
    """Code quoted verbatim from the repository, bound to the lines it comes from."""

    ref: OneLine = Field(description=(
        "Where the code is, as a reference without brackets: 'path/to/file.py#L12-L18' for "
        "the base commit or 'path/to/file.py#L12-L18@patched' for the file after the diff. "
        "The line numbers must be exactly those shown in the context."))
    code: Code = Field(description=(
        "The quoted lines copied exactly from the context, without line numbers. A line "
        "holding only '...' stands for lines left out."))


class Decision(BaseModel):
    """A real choice the developer faced at this step."""

    question: OneLine = Field(description="The question that had to be decided, in one line.")
    options: list[OneLine] = Field(description=(
        "The options a competent developer would realistically consider (two or three), "
        "each in one line."))
    chosen: OneLine = Field(description="The option taken, in one line.")
    why: OneLine = Field(description=(
        "Why that option beats the others here, with the concrete evidence, in one line."))


class TraceStep(BaseModel):
    """One step of the developer's reasoning, from issue towards the diff."""

    title: OneLine = Field(description="A short imperative title, e.g. 'Reproduce the crash'.")
    phase: Phase | None = Field(description=(
        "The phase of work: understand, reproduce, localize, hypothesize, implement, verify "
        "or refine."))
    reasoning: Prose = Field(description=(
        "The reasoning of this step in Markdown prose: what was looked at, what was "
        "concluded and why. Cite evidence inline with references in double square "
        "brackets: [[path/file.py#L10-L14]] (base commit), [[path/file.py#L10-L14@patched]] "
        "(after the diff), [[path/file.py::Class.method]] (a definition), "
        "[[test:tests/test_x.py::test_name]] (a test) and [[step:N]] (step N of the agent "
        "trajectory). Cite only files, lines, tests and steps that appear in the context."))
    quotes: list[Quote] = Field(default_factory=list, description=(
        "Optional short code quotes (at most a few lines each) that the reasoning rests on."))
    decision: Decision | None = Field(default=None, description=(
        "The decision made at this step, if there was a real choice; otherwise null."))
    trajectory_steps: list[int] = Field(default_factory=list, description=(
        "Numbers of the agent trajectory steps this reasoning step rests on (may be empty)."))


class ExpectedTest(BaseModel):
    """How one test behaves around the fix, and why."""

    test: OneLine = Field(description=(
        "The pytest node id, e.g. 'tests/test_x.py::TestY::test_z[param]'."))
    fails_before: bool = Field(description="True if the test fails at the base commit.")
    passes_after: bool = Field(description="True if the test passes after the diff.")
    why: OneLine = Field(description="Why it behaves so, in one line.")


class Trace(BaseModel):
    """A reconstructed, step-by-step technical reasoning trace leading to the diff."""

    summary: Prose = Field(description=(
        "Three to five sentences: the problem, the root cause, and the fix, with references."))
    steps: list[TraceStep] = Field(description=(
        "The reasoning steps in order, from reading the issue to verifying the fix. Follow "
        "what a developer would realistically do, including dead ends that taught something."))
    solution: Prose = Field(description=(
        "How the diff solves the problem, hunk by hunk, citing every changed hunk with "
        "@patched line references."))
    trade_offs: list[OneLine] = Field(default_factory=list, description=(
        "Trade-offs of the chosen fix against the alternatives, one line each."))
    edge_cases: list[OneLine] = Field(default_factory=list, description=(
        "Edge cases considered and how the fix handles them, one line each."))
    tests: list[ExpectedTest] = Field(default_factory=list, description=(
        "The tests that show the fix works: the FAIL_TO_PASS tests first."))
