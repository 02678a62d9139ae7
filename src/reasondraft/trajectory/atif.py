"""Harbor's Agent Trajectory Interchange Format (ATIF), read and written.

Follows ATIF-v1.4 as specified in Harbor's RFC 0001 (``docs/rfcs/0001-trajectory-format.md``
in laude-institute/harbor): a root with ``schema_version``, ``session_id``, ``agent{name,
version, model_name, extra}``, ``steps[]``, ``notes``, ``final_metrics`` and ``extra``;
each step has ``step_id`` (from 1), ``timestamp`` (ISO 8601), ``source`` (``system`` |
``user`` | ``agent``), ``message``, and on agent steps ``reasoning_content``,
``tool_calls[{tool_call_id, function_name, arguments}]``, ``observation{results[
{source_call_id, content}]}`` and ``metrics``. Any ``ATIF-v1.x`` file is read (v1.6
multimodal content lists are reduced to their text).

Reading: one step per *agent* step; system and user steps are context, not actions.
Writing: only agent steps, so ``step_id`` equals reasondraft's step number and
``[[step:N]]`` means the same in both. What ATIF has no field for goes into ``extra``:
the step's kind, paths, sub-agent and exit code, and the run's instance id, base commit,
submitted diff, workspace root and source format — so reading our own export back gives
the same trajectory.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from reasondraft.trajectory.model import Action, Observation, Stats, Step, StepKind, Trajectory
from reasondraft.trajectory.paths import Workspace
from reasondraft.trajectory.steps import (
    MESSAGE,
    combined_action,
    make_step,
    message_action,
    parse_arguments,
    tool_action,
)

NAME = "ATIF"
SCHEMA_VERSION = "ATIF-v1.4"
PREFIX = "ATIF-v"
AGENT_SYSTEMS = {"swe-agent": "swe-agent", "mini-swe-agent": "mini-swe-agent",
                 "openhands": "openhands"}


def refusal(doc: Any) -> str | None:
    """Why ``doc`` is not an ATIF trajectory, or None when it is."""
    if not isinstance(doc, dict):
        return "top level is not an object"
    version = doc.get("schema_version")
    if not isinstance(version, str) or not version.startswith(PREFIX):
        return f"no 'schema_version' starting with {PREFIX!r}"
    if not isinstance(doc.get("steps"), list):
        return "no 'steps' list"
    return None


def _text(content: Any) -> str:
    """ATIF content: a string, or (v1.6) a list of parts whose text is kept."""
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content
                         if isinstance(p, dict) and p.get("type", "text") == "text")
    return content if isinstance(content, str) else ""


def _observation(step: dict[str, Any], extra: dict[str, Any]) -> Observation | None:
    results = (step.get("observation") or {}).get("results")
    if not isinstance(results, list) or not results:
        return None
    code = extra.get("exit_code")
    return Observation(text="\n\n".join(_text(r.get("content")) for r in results
                                        if isinstance(r, dict)),
                       exit_code=code if isinstance(code, int) else None)


def _action(step: dict[str, Any]) -> Action:
    calls = [tool_action(str(c.get("function_name", "tool")), parse_arguments(c.get("arguments")))
             for c in step.get("tool_calls") or [] if isinstance(c, dict)]
    return combined_action(calls) if calls else message_action(_text(step.get("message")))


def _kind(value: Any) -> StepKind | None:
    """The step kind our own export recorded in ``extra``, if it is a valid one."""
    try:
        return StepKind(value)
    except ValueError:
        return None


def _step(number: int, step: dict[str, Any], workspace: Workspace) -> Step:
    extra = step.get("extra") if isinstance(step.get("extra"), dict) else {}
    action = _action(step)
    reasoning = _text(step.get("reasoning_content"))
    message = _text(step.get("message")) if action.name != MESSAGE else ""
    paths = extra.get("paths")
    agent = extra.get("agent")
    return make_step(number, action, workspace,
                     thought="\n\n".join(t for t in (reasoning, message) if t.strip()),
                     observation=_observation(step, extra),
                     kind=_kind(extra.get("kind")),
                     paths=[p for p in paths if isinstance(p, str)]
                     if isinstance(paths, list) else None,
                     agent=agent if isinstance(agent, str) else None,
                     timestamp=step.get("timestamp"))


def read(doc: dict[str, Any], source: str) -> Trajectory:
    """Read an ATIF document."""
    extra = doc.get("extra") if isinstance(doc.get("extra"), dict) else {}
    agent = doc.get("agent") if isinstance(doc.get("agent"), dict) else {}
    metrics = doc.get("final_metrics") if isinstance(doc.get("final_metrics"), dict) else {}
    metrics_extra = metrics.get("extra") if isinstance(metrics.get("extra"), dict) else {}
    root = extra.get("workspace_root")
    workspace = Workspace(root if isinstance(root, str) else None)
    agent_steps = [s for s in doc["steps"] if isinstance(s, dict) and s.get("source") == "agent"]
    agents = extra["agents"] if isinstance(extra.get("agents"), list) else \
        [agent["name"]] if isinstance(agent.get("name"), str) else []
    return Trajectory(
        format="atif", format_version=doc["schema_version"][len(PREFIX):],
        instance_id=extra.get("instance_id"), model=agent.get("model_name"), agents=agents,
        stats=Stats(cost=metrics.get("total_cost_usd"),
                    input_tokens=metrics.get("total_prompt_tokens"),
                    output_tokens=metrics.get("total_completion_tokens"),
                    api_calls=metrics_extra.get("api_calls")),
        base_commit=extra.get("base_commit"), submission=extra.get("submission"),
        workspace_root=workspace.root, source=source,
        steps=[_step(n, s, workspace) for n, s in enumerate(agent_steps, start=1)])


def _iso(timestamp: str | None) -> str | None:
    """The timestamp if it is ISO 8601 (ATIF validators reject anything else)."""
    if not timestamp:
        return None
    try:
        datetime.fromisoformat(timestamp)
    except ValueError:
        return None
    return timestamp


def _tool_calls(step: Step) -> list[dict[str, Any]]:
    calls = step.action.calls or [step.action]
    return [{"tool_call_id": f"call_{step.number}" + (f"_{i}" if len(calls) > 1 else ""),
             "function_name": call.name, "arguments": call.arguments}
            for i, call in enumerate(calls, start=1)]


def _atif_step(step: Step) -> dict[str, Any]:
    is_message = step.action.name == MESSAGE and not step.action.calls
    out: dict[str, Any] = {"step_id": step.number, "source": "agent",
                           "message": str(step.action.arguments.get("content", ""))
                           if is_message else ""}
    if (stamp := _iso(step.timestamp)) is not None:
        out["timestamp"] = stamp
    if step.thought:
        out["reasoning_content"] = step.thought
    calls = [] if is_message else _tool_calls(step)
    if calls:
        out["tool_calls"] = calls
    if step.observation is not None:
        result: dict[str, Any] = {"content": step.observation.text}
        if len(calls) == 1:
            result = {"source_call_id": calls[0]["tool_call_id"], **result}
        out["observation"] = {"results": [result]}
    extra: dict[str, Any] = {"kind": step.kind.value, "paths": step.paths}
    if step.agent:
        extra["agent"] = step.agent
    if step.observation is not None and step.observation.exit_code is not None:
        extra["exit_code"] = step.observation.exit_code
    out["extra"] = extra
    return out


def _final_metrics(traj: Trajectory) -> dict[str, Any]:
    stats = traj.stats
    metrics: dict[str, Any] = {"total_steps": len(traj.steps)}
    for key, value in (("total_prompt_tokens", stats.input_tokens),
                       ("total_completion_tokens", stats.output_tokens),
                       ("total_cost_usd", stats.cost)):
        if value is not None:
            metrics[key] = value
    if stats.api_calls is not None:
        metrics["extra"] = {"api_calls": stats.api_calls}
    return metrics


def to_atif(traj: Trajectory) -> dict[str, Any]:
    """The trajectory as an ATIF-v1.4 document (a JSON-ready dict).

    ``session_id`` is derived from the source and instance id, so exporting the same file
    twice gives the same document.
    """
    name = AGENT_SYSTEMS.get(traj.format) or (traj.agents[0] if traj.agents else "unknown")
    agent: dict[str, Any] = {"name": name, "version": traj.format_version or "unknown"}
    if traj.model:
        agent["model_name"] = traj.model
    if traj.agents:
        agent["extra"] = {"agents": traj.agents}
    session = uuid.uuid5(uuid.NAMESPACE_URL, f"reasondraft:{traj.source}:{traj.instance_id}")
    extra = {"source_format": traj.format, "instance_id": traj.instance_id,
             "base_commit": traj.base_commit, "submission": traj.submission,
             "workspace_root": traj.workspace_root, "agents": traj.agents}
    return {
        "schema_version": SCHEMA_VERSION,
        "session_id": str(session),
        "agent": agent,
        "steps": [_atif_step(step) for step in traj.steps],
        "notes": (f"Converted by reasondraft from {traj.format} "
                  f"{traj.format_version or ''}".rstrip() + "; only agent steps are kept, "
                  "so step_id is reasondraft's step number."),
        "final_metrics": _final_metrics(traj),
        "extra": {k: v for k, v in extra.items() if v is not None},
    }
