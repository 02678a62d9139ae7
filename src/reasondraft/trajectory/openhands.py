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
from reasondraft.jsonobj import Obj, kind_of, wrong_type
from reasondraft.trajectory.kinds import classify_command, classify_tool
from reasondraft.trajectory.model import Action, Observation, Stats, StepKind, Trajectory
from reasondraft.trajectory.paths import Workspace, command_paths, root_in_texts, tool_paths
from reasondraft.trajectory.steps import (
    combined_observation,
    iso_time,
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
ROW_KEYS = ("instance_id", "instruction", "test_result", "metadata")
_UPLOADED = re.compile(r"<uploaded_files>\s*(/\S+?)/?\s*</uploaded_files>")
_EMPTY_THINK = re.compile(r"<think>\s*</think>\s*")


def _is_event(item: Any) -> bool:
    """An event object, or an old ``[action, observation]`` pair."""
    if isinstance(item, list):
        return len(item) == 2 and isinstance(item[0], dict)
    return isinstance(item, dict) and ("action" in item or "observation" in item)


def claim(doc: Any) -> str | None:
    """The keys that make ``doc`` an OpenHands output row whether or not it is a valid one
    (an event list is recognised by its events, so it has no claim apart from them)."""
    if isinstance(doc, dict) and "history" in doc:
        other = next((k for k in ROW_KEYS if k in doc), None)
        return f"'history' and '{other}' keys" if other else None
    return None


def refusal(doc: Any) -> str | None:
    """Why ``doc`` is not OpenHands events or an output row, or None when it is."""
    if isinstance(doc, dict):
        history = doc.get("history")
        if not isinstance(history, list):
            return "no 'history' list of events" if history is None else \
                f"'history' is {kind_of(history)}, not a list of events"
        if history and not _is_event(history[0]):
            return "'history[0]' is not an event with 'action' or 'observation'"
        return None
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
    by_id: dict[int | str, _Pending] = field(default_factory=dict)
    uploaded: str | None = None
    model: str | None = None
    cwd: str | None = None
    cost: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    responses: set[str] = field(default_factory=set)


def _flatten(history: list[Any], where: str, path: str) -> Iterator[Obj]:
    """Events in order; an old ``[action, observation]`` pair becomes two linked events."""
    for index, item in enumerate(history):
        at = f"{path}[{index}]"
        if isinstance(item, dict):
            yield Obj(item, where, at)
        elif isinstance(item, list) and len(item) == 2 and isinstance(item[0], dict):
            action, observation = Obj(item[0], where, f"{at}[0]"), item[1]
            action.data.setdefault("id", f"pair-{index}")
            yield action
            if observation is not None:
                observation = Obj.of(observation, where, f"{at}[1]", "an observation object")
                observation.data.setdefault("cause", action.data["id"])
                yield observation
        else:
            raise wrong_type(item, "an event or an [action, observation] pair", where, at)


def _event_id(event: Obj, key: str) -> int | str | None:
    """An event's ``id`` or the ``cause`` naming another event's id."""
    value = event.get(key)
    if value is None or (isinstance(value, int | str) and not isinstance(value, bool)):
        return value
    raise event.wrong(key, "an event id (a number or a string)")


def _action(kind_name: str, name: str, args: Obj) -> Action:
    """The tool call an action event stands for, with OpenHands' bookkeeping left out."""
    if kind_name == "message":
        return message_action(args.text("content") or "")
    if kind_name == "think":  # the thought is what the think tool was called with
        return tool_action(name, {"thought": args.text("thought") or ""})
    arguments = {k: v for k, v in args.data.items() if k not in NOISE and v is not None}
    action = tool_action(name, arguments)
    path = arguments.get("path")
    if kind_name == "read":
        action.text = f"view {path}"
    elif kind_name == "edit":
        action.text = f"{arguments.get('command') or 'edit'} {path}"
    elif kind_name == "run":
        action.text = one_line(args.text("command") or "")
    return action


def _note_metrics(run: _Run, event: Obj) -> None:
    """Model name, call count and the running cost/token totals an event carries."""
    response = event.obj("tool_call_metadata").obj("model_response")
    response_id = response.text("id")
    if response_id is not None:
        run.responses.add(response_id)
    if run.model is None:
        run.model = response.text("model")
    metrics = event.obj("llm_metrics")
    usage = metrics.obj("accumulated_token_usage")
    cost, prompt = metrics.number("accumulated_cost"), usage.integer("prompt_tokens")
    completion = usage.integer("completion_tokens")
    run.cost = run.cost if cost is None else cost
    run.input_tokens = run.input_tokens if prompt is None else prompt
    run.output_tokens = run.output_tokens if completion is None else completion


def _take_action(run: _Run, event: Obj) -> None:
    kind_name = event.text("action")
    if kind_name is None:
        raise event.wrong("action", "an action name")
    args = event.obj("args")
    source = event.text("source")
    if source == "user" and kind_name == "message" and run.uploaded is None:
        match = _UPLOADED.search(args.text("content") or "")
        run.uploaded = match.group(1) if match else None
    _note_metrics(run, event)
    event_id = _event_id(event, "id")
    if source != "agent" or kind_name in BOOKKEEPING:
        return
    name = event.obj("tool_call_metadata").text("function_name") or kind_name
    action = _action(kind_name, name, args)
    command = args.text("command") if kind_name == "run" else None
    if kind_name == "run":
        kind = classify_command(command or "")
    else:
        kind = KINDS.get(kind_name) or classify_tool(action.name, action.arguments)
    parts = [] if kind_name == "think" else [args.text("reasoning_content"), args.text("thought")]
    thought = "\n\n".join(_EMPTY_THINK.sub("", p) for p in parts if p)
    pending = _Pending(action, kind, thought, iso_time(event, "timestamp"), run.cwd, command)
    run.pending.append(pending)
    if event_id is not None:
        run.by_id[event_id] = pending


def _take_observation(run: _Run, event: Obj) -> None:
    extras = event.obj("extras")
    metadata = extras.obj("metadata")
    cwd, cause = metadata.text("working_dir"), _event_id(event, "cause")
    run.cwd = run.cwd if cwd is None else cwd
    pending = run.by_id.get(cause) if cause is not None else None
    if pending is None:
        return
    code = metadata.integer("exit_code") if "exit_code" in metadata \
        else extras.integer("exit_code")
    pending.observations.append(Observation(text=event.text("content") or "", exit_code=code))


def _collect(events: Iterable[Obj]) -> _Run:
    run = _Run()
    for event in events:
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
        events = (Obj.of(e, source, f"[{i}]", "an event object") for i, e in enumerate(doc))
        return _trajectory(_collect(events), source, format_version="events")
    root = Obj(doc, source)
    run = _collect(_flatten(root.array("history"), source, "history"))
    metadata = root.obj("metadata")
    result = root.obj("test_result")
    patch = result.text("git_patch") if "git_patch" in result else root.text("git_patch")
    cost = root.obj("metrics").number("accumulated_cost")
    run.cost = run.cost if cost is None else cost
    agent = metadata.text("agent_class")
    return _trajectory(
        run, source, format_version="output.jsonl", instance_id=root.text("instance_id"),
        model=metadata.obj("llm_config").text("model") or run.model,
        agents=[agent] if agent else [],
        submission=patch if patch and patch.strip() else None)


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


def _read_events(files: list[Path]) -> Iterator[Obj]:
    for path in files:
        yield Obj.of(read_json(path, kind="trajectory"), str(path), expected="an event object")


def read_folder(folder: Path) -> Trajectory:
    """Read an OpenHands session folder (``events/<id>.json``), one event at a time; the
    event files together are one trajectory, under the trajectory size limit."""
    files = _event_files(folder)
    check_total_size(files, "trajectory", folder)
    run = _collect(_read_events(files))
    return _trajectory(run, str(folder), format_version="events")
