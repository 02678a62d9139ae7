"""What a checked reference points at, in the forms ``show`` and ``export`` present.

A verified :class:`Citation` knows its target file and, for lines, symbols and tests found
in the source, the span of lines; step references are looked up in the trajectory here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from reasondraft.refs import FileRef, Ref, StepRef, TestRef
from reasondraft.trajectory.model import Step
from reasondraft.verify import Citation, VerifyContext

OBSERVATION_LINES = 3
OBSERVATION_CHARS = 240
MAX_STEPS = 5
RefKind = Literal["file", "test", "step"]
REF_KINDS: dict[type[Ref], RefKind] = {FileRef: "file", TestRef: "test", StepRef: "step"}


@dataclass(frozen=True)
class Badge:
    """The verification verdict of one reference: its mark and rich style."""

    mark: str
    style: str


VERIFIED = Badge("✓", "green")
ERROR = Badge("✗", "bold red")
WARNING = Badge("!", "yellow")
UNCHECKED = Badge("?", "blue")  # a step reference when no trajectory was given


def badge(c: Citation, ctx: VerifyContext | None) -> Badge:
    """Every step reference of a draft verified without a trajectory is marked unchecked,
    not only the one that carries the draft's RD-P003 warning."""
    severities = {f.severity for f in c.findings}
    if "error" in severities:
        return ERROR
    if isinstance(c.ref, StepRef) and (ctx is None or ctx.trajectory is None):
        return UNCHECKED
    return WARNING if "warning" in severities else VERIFIED


def kind(c: Citation) -> RefKind | None:
    """'file', 'test' or 'step'; None for a malformed reference."""
    return REF_KINDS[type(c.ref)] if c.ref is not None else None


def cited_code(c: Citation) -> tuple[int, list[str]] | None:
    """(first line number, lines) of cited lines, a symbol or a test; None for whole files,
    steps and references that did not resolve."""
    target = c.target
    if target is None or target.start is None or target.file.binary:
        return None
    return target.start, list(target.lines)


def cited_steps(c: Citation, ctx: VerifyContext | None) -> list[Step]:
    """The trajectory steps a step reference cites (at most MAX_STEPS)."""
    if not isinstance(c.ref, StepRef) or ctx is None or ctx.trajectory is None:
        return []
    last = min(c.ref.last, c.ref.start + MAX_STEPS - 1)
    steps = (ctx.trajectory.step(n) for n in range(c.ref.start, last + 1))
    return [step for step in steps if step is not None]


def action_text(step: Step) -> str:
    """The step's action as one would type it (the command, or the tool and arguments)."""
    action = step.action
    if action.text.strip():
        return action.text.strip()
    arguments = " ".join(f"{k}={v}" for k, v in action.arguments.items())
    return f"{action.name} {arguments}".strip()


def short_observation(step: Step) -> str:
    """The observation's first lines, cut to a few hundred characters."""
    if step.observation is None:
        return ""
    lines = step.observation.text.strip("\n").splitlines()
    text = "\n".join(lines[:OBSERVATION_LINES])
    if len(text) > OBSERVATION_CHARS:
        text = text[:OBSERVATION_CHARS].rstrip() + " …"
    if len(lines) > OBSERVATION_LINES:
        more = len(lines) - OBSERVATION_LINES
        text += f"\n… {more} more line{'s' if more > 1 else ''}"
    return text
