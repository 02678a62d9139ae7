"""What is in a trajectory at a glance: what ``reasondraft inspect`` shows and prints."""

from __future__ import annotations

from collections import Counter
from typing import Any

from reasondraft.trajectory.model import Step, StepKind, Trajectory
from reasondraft.trajectory.paths import unique
from reasondraft.trajectory.steps import one_line


def files_with(traj: Trajectory, kind: StepKind) -> list[str]:
    """Repo paths touched by steps of ``kind``, in first-seen order."""
    return unique(p for step in traj.steps if step.kind == kind for p in step.paths)


def step_row(step: Step) -> dict[str, Any]:
    """One step as the numbered list shows it (``[[step:N]]`` cites ``number``)."""
    observation = step.observation
    return {
        "number": step.number,
        "kind": step.kind.value,
        "agent": step.agent,
        "action": step.action.text or step.action.name,
        "paths": step.paths,
        "observation": one_line(observation.text) if observation else None,
        "exit_code": observation.exit_code if observation else None,
    }


def summarize(traj: Trajectory, *, with_steps: bool = False) -> dict[str, Any]:
    """A JSON-ready summary (what ``inspect --json`` prints); ``with_steps`` adds the
    numbered step list as ``step_list``."""
    kinds = Counter(step.kind.value for step in traj.steps)
    summary: dict[str, Any] = {
        "format": traj.format,
        "format_version": traj.format_version,
        "source": traj.source,
        "instance_id": traj.instance_id,
        "model": traj.model,
        "agents": traj.agents,
        "steps": len(traj.steps),
        "kinds": {kind.value: kinds[kind.value] for kind in StepKind if kinds[kind.value]},
        "files_viewed": files_with(traj, StepKind.VIEW),
        "files_edited": files_with(traj, StepKind.EDIT),
        "test_commands": unique(s.action.text for s in traj.steps if s.kind == StepKind.TEST),
        "submission": traj.submission,
        "base_commit": traj.base_commit,
        "workspace_root": traj.workspace_root,
        **traj.stats.model_dump(),
    }
    if with_steps:
        summary["step_list"] = [step_row(step) for step in traj.steps]
    return summary
