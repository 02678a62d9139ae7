"""The reasoning trace of format 1 (front matter ``format: 1``): read, never written.

Drafts written before format 2 hold this shape: steps without a basis, decisions without
the rejected options, a free Solution section and tests said to fail before and pass after
the fix. They keep working everywhere (verify, show, approve, status, export); the drafter
writes format 2 (:mod:`reasondraft.trace`).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from reasondraft.trace import OneLine, Phase, Prose, Quote


class DecisionV1(BaseModel):
    """A real choice the developer faced at this step."""

    question: OneLine = Field(description="The question that had to be decided, in one line.")
    options: list[OneLine] = Field(description="The options considered, each in one line.")
    chosen: OneLine = Field(description="The option taken, in one line.")
    why: OneLine = Field(description="Why that option beats the others, in one line.")


class TraceStepV1(BaseModel):
    """One step of the developer's reasoning, from issue towards the diff."""

    title: OneLine
    phase: Phase | None
    reasoning: Prose
    quotes: list[Quote] = Field(default_factory=list)
    decision: DecisionV1 | None = None
    trajectory_steps: list[int] = Field(default_factory=list)


class ExpectedTest(BaseModel):
    """How one test behaves around the fix, and why."""

    test: OneLine
    fails_before: bool
    passes_after: bool
    why: OneLine


class TraceV1(BaseModel):
    """A format-1 trace: summary, steps, solution, trade-offs, edge cases, tests."""

    summary: Prose
    steps: list[TraceStepV1]
    solution: Prose
    trade_offs: list[OneLine] = Field(default_factory=list)
    edge_cases: list[OneLine] = Field(default_factory=list)
    tests: list[ExpectedTest] = Field(default_factory=list)
