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

from reasondraft.jsonobj import Obj, kind_of, wrong_type
from reasondraft.trajectory.model import Action, Observation, Stats, Step, StepKind, Trajectory
from reasondraft.trajectory.paths import Workspace
from reasondraft.trajectory.steps import (
    MESSAGE,
    combined_action,
    iso_time,
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


def claim(doc: Any) -> str | None:
    """The key that makes ``doc`` ATIF whether or not it is a valid one."""
    version = doc.get("schema_version") if isinstance(doc, dict) else None
    return "'schema_version'" if isinstance(version, str) and version.startswith(PREFIX) \
        else None


def refusal(doc: Any) -> str | None:
    """Why ``doc`` is not an ATIF trajectory, or None when it is."""
    if not isinstance(doc, dict):
        return "top level is not an object"
    if claim(doc) is None:
        return f"no 'schema_version' starting with {PREFIX!r}"
    steps = doc.get("steps")
    if not isinstance(steps, list):
        return "no 'steps' list" if steps is None else f"'steps' is {kind_of(steps)}, not a list"
    return None


def _text(holder: Obj, key: str) -> str:
    """ATIF content: a string, or (v1.6) a list of parts whose text is kept."""
    content = holder.get(key)
    if isinstance(content, list):
        path = holder.at(key)
        parts = [Obj.of(p, holder.where, f"{path}[{i}]", "a content part")
                 for i, p in enumerate(content)]
        return "\n".join(p.text("text") or "" for p in parts
                         if p.text("type") in (None, "text"))
    if isinstance(content, str) or content is None:
        return content or ""
    raise holder.wrong(key, "a string or a list of parts")


def _observation(step: Obj, extra: Obj) -> Observation | None:
    results = step.obj("observation").objs("results")
    if not results:
        return None
    return Observation(text="\n\n".join(_text(r, "content") for r in results),
                       exit_code=extra.integer("exit_code"))


def _action(step: Obj) -> Action:
    calls = [tool_action(c.text("function_name") or "tool", parse_arguments(c))
             for c in step.objs("tool_calls")]
    return combined_action(calls) if calls else message_action(_text(step, "message"))


def _kind(extra: Obj) -> StepKind | None:
    """The step kind our own export recorded in ``extra``, if it is a valid one."""
    value = extra.text("kind")
    try:
        return StepKind(value) if value is not None else None
    except ValueError:
        return None


def _paths(extra: Obj) -> list[str] | None:
    """The paths our own export recorded in ``extra``, if any."""
    if "paths" not in extra:
        return None
    paths = extra.array("paths")
    for index, path in enumerate(paths):
        if not isinstance(path, str):
            raise wrong_type(path, "a string", extra.where, f"{extra.at('paths')}[{index}]")
    return paths


def _step(number: int, step: Obj, workspace: Workspace) -> Step:
    extra = step.obj("extra")
    action = _action(step)
    reasoning = _text(step, "reasoning_content")
    message = _text(step, "message") if action.name != MESSAGE else ""
    return make_step(number, action, workspace,
                     thought="\n\n".join(t for t in (reasoning, message) if t.strip()),
                     observation=_observation(step, extra), kind=_kind(extra),
                     paths=_paths(extra), agent=extra.text("agent"),
                     timestamp=iso_time(step, "timestamp"))


def read(doc: dict[str, Any], source: str) -> Trajectory:
    """Read an ATIF document."""
    root = Obj(doc, source)
    extra = root.obj("extra")
    agent = root.obj("agent")
    metrics = root.obj("final_metrics")
    workspace = Workspace(extra.text("workspace_root"))
    agent_steps = [s for s in root.objs("steps") if s.text("source") == "agent"]
    name = agent.text("name")
    agents = extra.array("agents") if "agents" in extra else [name] if name else []
    for index, value in enumerate(agents):
        if not isinstance(value, str):
            raise wrong_type(value, "a string", source, f"extra.agents[{index}]")
    return Trajectory(
        format="atif", format_version=doc["schema_version"][len(PREFIX):],
        instance_id=extra.text("instance_id"), model=agent.text("model_name"), agents=agents,
        stats=Stats(cost=metrics.number("total_cost_usd"),
                    input_tokens=metrics.integer("total_prompt_tokens"),
                    output_tokens=metrics.integer("total_completion_tokens"),
                    api_calls=metrics.obj("extra").integer("api_calls")),
        base_commit=extra.text("base_commit"), submission=extra.text("submission"),
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
