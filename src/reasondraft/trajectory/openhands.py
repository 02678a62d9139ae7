"""OpenHands: an event-store folder (``events/<id>.json``), a JSON list of events, or one
row of an evaluation ``output.jsonl`` (``history`` + ``test_result.git_patch``).

One step per action the agent took, except bookkeeping (``system``, ``recall``,
``change_agent_state``, ``condensation``): those are not decisions a trace can cite.
Observations join their action through ``cause``; old output rows pair them instead
(``history: [[action, observation], ...]``). Events are consumed one at a time, so a
folder of thousands of events is never held whole; the model responses they repeat are
not kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reasondraft.errors import InputError
from reasondraft.files import check_total_size, read_json
from reasondraft.trajectory.kinds import classify_command, classify_tool
from reasondraft.trajectory.model import Action, Observation, Stats, StepKind, Trajectory
from reasondraft.trajectory.paths import Workspace, command_paths, root_in_texts, tool_paths
from reasondraft.trajectory.steps import (
    combined_observation,
    make_step,
    message_action,
    one_line,
    tool_action,
)

NAME = "OpenHands"
BOOKKEEPING = frozenset({"system", "recall", "change_agent_state", "condensation",
                         "condensation_request"})
KINDS = {"read": StepKind.VIEW, "edit": StepKind.EDIT, "think": StepKind.THINK,
         "finish": StepKind.SUBMIT, "message": StepKind.MESSAGE, "run_ipython": StepKind.RUN,
         "browse": StepKind.OTHER, "browse_interactive": StepKind.OTHER,
         "task_tracking": StepKind.OTHER, "delegate": StepKind.OTHER}
NOISE = frozenset({"thought", "security_risk", "confirmation_state", "hidden", "is_input",
                   "blocking", "impl_source", "is_confirmed", "kernel_init_code",
                   "include_extra", "wait_for_response", "file_urls", "image_urls", "start",
                   "end", "translated_ipython_code", "outputs", "reasoning_content"})
_UPLOADED = re.compile(r"<uploaded_files>\s*(/\S+?)/?\s*</uploaded_files>")
_EMPTY_THINK = re.compile(r"<think>\s*</think>\s*")


def refusal(doc: Any) -> str | None:
    """Why ``doc`` is not OpenHands events or an output row, or None when it is."""
    if isinstance(doc, dict):
        return None if isinstance(doc.get("history"), list) else "no 'history' list of events"
    if isinstance(doc, list):
        first = next((e for e in doc if isinstance(e, dict)), None)
        if first is not None and ("action" in first or "observation" in first) \
                and ("source" in first or "id" in first):
            return None
        return "not a list of events with 'action'/'observation' and 'source'"
    return "top level is neither an event list nor an output row"


@dataclass
class _Pending:
    """An agent action waiting for its observations."""

    action: Action
    kind: StepKind
    thought: str
    timestamp: str | None
    cwd: str | None
    command: str | None
    observations: list[Observation] = field(default_factory=list)


@dataclass
class _Run:
    """What the events said about the run as a whole."""

    pending: list[_Pending] = field(default_factory=list)
    by_id: dict[Any, _Pending] = field(default_factory=dict)
    uploaded: str | None = None
    model: str | None = None
    cwd: str | None = None
    cost: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    responses: set[str] = field(default_factory=set)


def _flatten(history: Iterable[Any]) -> Iterator[dict[str, Any]]:
    """Events in order; an old ``[action, observation]`` pair becomes two linked events."""
    for index, item in enumerate(history):
        if isinstance(item, dict):
            yield item
        elif isinstance(item, list | tuple) and len(item) == 2:
            action, observation = item
            if isinstance(action, dict):
                action.setdefault("id", f"pair-{index}")
                yield action
                if isinstance(observation, dict):
                    observation.setdefault("cause", action["id"])
                    yield observation


def _action(kind_name: str, name: str, args: dict[str, Any]) -> Action:
    """The tool call an action event stands for, with OpenHands' bookkeeping left out."""
    if kind_name == "message":
        return message_action(str(args.get("content", "")))
    if kind_name == "think":  # the thought is what the think tool was called with
        return tool_action(name, {"thought": str(args.get("thought", ""))})
    arguments = {k: v for k, v in args.items() if k not in NOISE and v is not None}
    action = tool_action(name, arguments)
    path = arguments.get("path")
    if kind_name == "read":
        action.text = f"view {path}"
    elif kind_name == "edit":
        action.text = f"{arguments.get('command') or 'edit'} {path}"
    elif kind_name == "run":
        action.text = one_line(str(arguments.get("command", "")))
    return action


def _note_metrics(run: _Run, event: dict[str, Any]) -> None:
    """Model name, call count and the running cost/token totals an event carries."""
    meta = event.get("tool_call_metadata") or {}
    response = meta.get("model_response") or {}
    if isinstance(response.get("id"), str):
        run.responses.add(response["id"])
    if run.model is None and isinstance(response.get("model"), str):
        run.model = response["model"]
    metrics = event.get("llm_metrics") or {}
    if isinstance(metrics.get("accumulated_cost"), int | float):
        run.cost = metrics["accumulated_cost"]
    usage = metrics.get("accumulated_token_usage") or {}
    if isinstance(usage.get("prompt_tokens"), int):
        run.input_tokens = usage["prompt_tokens"]
    if isinstance(usage.get("completion_tokens"), int):
        run.output_tokens = usage["completion_tokens"]


def _take_action(run: _Run, event: dict[str, Any]) -> None:
    kind_name = str(event["action"])
    args = event.get("args") if isinstance(event.get("args"), dict) else {}
    if event.get("source") == "user" and kind_name == "message" and run.uploaded is None:
        match = _UPLOADED.search(str(args.get("content", "")))
        run.uploaded = match.group(1) if match else None
    _note_metrics(run, event)
    if event.get("source") != "agent" or kind_name in BOOKKEEPING:
        return
    name = (event.get("tool_call_metadata") or {}).get("function_name") or kind_name
    action = _action(kind_name, str(name), args)
    if kind_name == "run":
        kind = classify_command(str(args.get("command", "")))
    else:
        kind = KINDS.get(kind_name) or classify_tool(action.name, action.arguments)
    parts = [] if kind_name == "think" else [args.get("reasoning_content"), args.get("thought")]
    thought = "\n\n".join(_EMPTY_THINK.sub("", p) for p in parts if isinstance(p, str) and p)
    command = args.get("command") if kind_name == "run" else None
    pending = _Pending(action, kind, thought, event.get("timestamp"), run.cwd,
                       command if isinstance(command, str) else None)
    run.pending.append(pending)
    if "id" in event:
        run.by_id[event["id"]] = pending


def _take_observation(run: _Run, event: dict[str, Any]) -> None:
    extras = event.get("extras") if isinstance(event.get("extras"), dict) else {}
    metadata = extras.get("metadata") if isinstance(extras.get("metadata"), dict) else {}
    if isinstance(metadata.get("working_dir"), str):
        run.cwd = metadata["working_dir"]
    pending = run.by_id.get(event.get("cause"))
    if pending is None:
        return
    code = metadata.get("exit_code", extras.get("exit_code"))
    pending.observations.append(Observation(text=str(event.get("content") or ""),
                                            exit_code=code if isinstance(code, int) else None))


def _collect(events: Iterable[Any]) -> _Run:
    run = _Run()
    for event in events:
        if not isinstance(event, dict):
            continue
        if "action" in event:
            _take_action(run, event)
        elif "observation" in event:
            _take_observation(run, event)
    return run


def _trajectory(run: _Run, source: str, **metadata: Any) -> Trajectory:
    workspace = Workspace(run.uploaded or root_in_texts(
        v for p in run.pending for v in p.action.arguments.values() if isinstance(v, str)))
    steps = []
    for number, pending in enumerate(run.pending, start=1):
        action = pending.action
        paths = (command_paths(pending.command, workspace, pending.cwd)
                 if pending.command is not None
                 else tool_paths(action.name, action.arguments, workspace, pending.cwd))
        steps.append(make_step(number, action, workspace, kind=pending.kind, paths=paths,
                               thought=pending.thought, timestamp=pending.timestamp,
                               observation=combined_observation(pending.observations)))
    stats = Stats(cost=run.cost, input_tokens=run.input_tokens, output_tokens=run.output_tokens,
                  api_calls=len(run.responses) or None)
    fields: dict[str, Any] = {"model": run.model, **metadata}
    return Trajectory(format="openhands", workspace_root=workspace.root, source=source,
                      stats=stats, steps=steps, **fields)


def read(doc: Any, source: str) -> Trajectory:
    """Read a JSON list of events or one evaluation output row."""
    if isinstance(doc, list):
        return _trajectory(_collect(doc), source, format_version="events")
    run = _collect(_flatten(doc["history"]))
    metadata = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    llm = metadata.get("llm_config") if isinstance(metadata.get("llm_config"), dict) else {}
    result = doc.get("test_result") if isinstance(doc.get("test_result"), dict) else {}
    patch = result.get("git_patch", doc.get("git_patch"))
    metrics = doc.get("metrics") if isinstance(doc.get("metrics"), dict) else {}
    if isinstance(metrics.get("accumulated_cost"), int | float):
        run.cost = metrics["accumulated_cost"]
    agent = metadata.get("agent_class")
    return _trajectory(
        run, source, format_version="output.jsonl", instance_id=doc.get("instance_id"),
        model=llm.get("model") or run.model, agents=[agent] if isinstance(agent, str) else [],
        submission=patch if isinstance(patch, str) and patch.strip() else None)


def _event_files(folder: Path) -> list[Path]:
    """The event files of a session folder in id order; a gap in the ids is an error."""
    events = folder / "events" if (folder / "events").is_dir() else folder
    numbered = {int(p.stem): p for p in events.glob("*.json") if p.stem.isdigit()}
    if not numbered:
        raise InputError("no events/<id>.json files: not an OpenHands event folder",
                         where=str(folder))
    ids = sorted(numbered)
    missing = next((i for i in range(ids[-1] + 1) if i not in numbered), None)
    if missing is not None:
        raise InputError(f"event {missing} is missing ({len(ids)} event files, ids "
                         f"{ids[0]}-{ids[-1]})", where=str(events))
    return [numbered[i] for i in ids]


def _read_events(files: list[Path]) -> Iterator[dict[str, Any]]:
    for path in files:
        event = read_json(path, kind="trajectory")
        if not isinstance(event, dict):
            raise InputError("expected an event object", where=str(path))
        yield event


def read_folder(folder: Path) -> Trajectory:
    """Read an OpenHands session folder (``events/<id>.json``), one event at a time; the
    event files together are one trajectory, under the trajectory size limit."""
    files = _event_files(folder)
    check_total_size(files, "trajectory", folder)
    run = _collect(_read_events(files))
    return _trajectory(run, str(folder), format_version="events")
