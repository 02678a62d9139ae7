"""The normalized trajectory every reader produces and every other part consumes."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

TrajectoryFormat = Literal["swe-agent", "mini-swe-agent", "openhands", "chat", "atif"]


class StepKind(StrEnum):
    VIEW = "view"
    SEARCH = "search"
    EDIT = "edit"
    RUN = "run"
    TEST = "test"
    SUBMIT = "submit"
    THINK = "think"
    MESSAGE = "message"
    OTHER = "other"


class Action(BaseModel):
    """What the agent did: a tool name and its arguments, plus a one-line display form.

    A turn that made several tool calls at once is one step (its number is what a person
    sees in the transcript); ``calls`` then holds each call, and ``name``/``text`` join
    them. Command-string formats use the name ``bash`` with ``{"command": ...}``.
    """

    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    text: str = ""
    calls: list[Action] = Field(default_factory=list)


class Observation(BaseModel):
    """What came back: the output text and the exit code when the format records it."""

    text: str = ""
    exit_code: int | None = None


class Step(BaseModel):
    """One action of the agent; ``number`` counts from 1 and is what ``[[step:N]]`` cites."""

    number: int
    kind: StepKind
    thought: str = ""
    action: Action
    paths: list[str] = Field(default_factory=list)
    observation: Observation | None = None
    agent: str | None = None
    timestamp: str | None = None


class Stats(BaseModel):
    cost: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    api_calls: int | None = None


class Trajectory(BaseModel):
    format: TrajectoryFormat
    format_version: str | None = None
    instance_id: str | None = None
    model: str | None = None
    agents: list[str] = Field(default_factory=list)
    stats: Stats = Field(default_factory=Stats)
    base_commit: str | None = None
    submission: str | None = None
    workspace_root: str | None = None
    source: str = ""
    steps: list[Step] = Field(default_factory=list)

    def step(self, number: int) -> Step | None:
        """Step ``number`` (1-based), or None when out of range."""
        return self.steps[number - 1] if 1 <= number <= len(self.steps) else None
