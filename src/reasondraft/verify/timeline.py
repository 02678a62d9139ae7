"""The trace against the agent's timeline: the history read once per context, and each
``## Step`` of a draft with the references it holds and the trajectory steps it rests on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reasondraft.body.markdown import STEP_HEADING, split_sections
from reasondraft.refs import StepRef
from reasondraft.repo import Rev
from reasondraft.trace import TraceStep
from reasondraft.trajectory.history import History, build_history
from reasondraft.verify.citation import Citation
from reasondraft.verify.context import VerifyContext

if TYPE_CHECKING:  # at run time a cycle: importing evidence registers this module
    from reasondraft.trace_v1 import TraceStepV1  # only format 1 needs it
    from reasondraft.verify.evidence import Draft


def history(ctx: VerifyContext) -> History | None:
    """What the agent saw, ran and changed, built once per context (None: no trajectory)."""
    trajectory = ctx.trajectory
    if trajectory is None:
        return None
    return ctx.memo("trajectory-history", "", Rev.BASE, lambda: build_history(trajectory))


def step_numbers(citations: list[Citation]) -> set[int]:
    """Every trajectory step the ``[[step:N]]``/``[[step:N-M]]`` references cite."""
    return {n for c in citations if isinstance(c.ref, StepRef) and c.ref.start > 0
            for n in range(c.ref.start, c.ref.last + 1)}


@dataclass
class TraceStepView:
    """One ``## Step`` of a draft: its number (1-based), heading line in draft.md, phase,
    basis, the trajectory steps it rests on and the references written in it."""

    number: int
    line: int
    title: str
    phase: str | None
    basis: str | None
    citations: list[Citation] = field(default_factory=list)
    rests_on: set[int] = field(default_factory=set)

    @property
    def by(self) -> int | None:
        """The latest trajectory step it rests on: what the agent knew by then."""
        return max(self.rests_on) if self.rests_on else None


def trace_steps(draft: Draft) -> list[TraceStepView]:
    """The draft's steps in order, each with the references inside its section."""
    trace_steps_: list[TraceStep | TraceStepV1] = list(draft.parsed.trace.steps)
    sections = split_sections(draft.body)
    ends = [s.start - 1 for s in sections[1:]] + [1 << 30]
    heads = [(s.start - 1, s.title, end) for s, end in zip(sections, ends, strict=True)
             if STEP_HEADING.match(s.heading)]
    views = []
    for index, (head, title, end) in enumerate(heads):
        step = trace_steps_[index] if index < len(trace_steps_) else None
        basis = getattr(step, "basis", None)
        phase = step.phase if step is not None else None
        inside = [c for c in draft.citations if head <= c.line - draft.line_offset < end]
        rests_on = set(step.trajectory_steps if step is not None else []) | step_numbers(inside)
        views.append(TraceStepView(index + 1, head + draft.line_offset, title,
                                   phase.value if phase else None,
                                   basis.value if basis else None, inside, rests_on))
    return views


def implement_at(steps: list[TraceStepView]) -> int | None:
    """The number of the first step of phase implement (None: the trace has none)."""
    return next((s.number for s in steps if s.phase == "implement"), None)


def spans(numbers: list[int]) -> str:
    """[3, 4, 5, 9] -> 'L3-L5, L9'."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and runs[-1][1] == n - 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(f"L{a}" if a == b else f"L{a}-L{b}" for a, b in runs)
