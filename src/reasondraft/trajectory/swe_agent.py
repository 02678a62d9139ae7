"""SWE-agent ``.traj`` files, 0.x and 1.x (function calling), multi-agent variants included.

One step per ``trajectory[]`` entry. The entry's ``action`` is the command as SWE-agent
rendered it (``open setup.py``, ``edit 12:14 ... end_of_edit``, ``str_replace_editor view
...``), which is what kinds and paths are read from; when the matching assistant message of
``history`` carries a function call (1.x), the step's action is that call. ``state`` (a JSON
string in 0.x, an object in 1.x) gives the open file — which ``edit``, ``goto`` and
``scroll_*`` act on — and the working directory. Multi-agent runs (CodeR) name an agent on
each history message; the non-demo assistant messages pair with the trajectory entries.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from typing import Any

from reasondraft.jsonobj import Obj, kind_of
from reasondraft.trajectory.kinds import classify_command
from reasondraft.trajectory.model import Observation, Stats, Step, Trajectory
from reasondraft.trajectory.paths import Workspace, command_paths, guess_root, tool_paths, unique
from reasondraft.trajectory.steps import (
    command_action,
    make_step,
    one_line,
    parse_arguments,
    tool_action,
)

NAME = "SWE-agent"


def claim(doc: Any) -> str | None:
    """The keys that make ``doc`` a SWE-agent trajectory whether or not it is a valid one."""
    if isinstance(doc, dict) and "trajectory" in doc:
        other = next((k for k in ("history", "info") if k in doc), None)
        return f"'trajectory' and '{other}' keys" if other else None
    return None


def refusal(doc: Any) -> str | None:
    """Why ``doc`` is not a SWE-agent trajectory, or None when it is."""
    if not isinstance(doc, dict):
        return "top level is not an object"
    steps = doc.get("trajectory")
    if steps is None:
        return "no 'trajectory' list"
    if not isinstance(steps, list):
        return f"'trajectory' is {kind_of(steps)}, not a list"
    for index, step in enumerate(steps):
        if not isinstance(step, dict) or "action" not in step:
            return f"'trajectory[{index}]' is not an entry with an 'action'"
    return None


def _version(info: Obj, steps: list[Obj]) -> str:
    """1.x writes ``state`` as an object and times each step; 0.x does neither."""
    declared = info.text("swe_agent_version")
    if declared:
        return declared
    is_1x = any(isinstance(s.get("state"), dict) or "execution_time" in s for s in steps)
    return "1.x" if is_1x else "0.x"


def _assistant_messages(history: list[Obj]) -> list[Obj]:
    """History messages that hold an action, in order, demonstrations left out."""
    return [m for m in history if m.text("role") == "assistant" and not m.get("is_demo")
            and "action" in m]


def _action_text(entry: Obj) -> str:
    return (entry.text("action") or "").strip()


def _pair(steps: list[Obj], messages: list[Obj]) -> Iterator[Obj | None]:
    """For each trajectory entry, its assistant history message — the next one, in order,
    with the same action text — or None."""
    positions: dict[str, list[int]] = {}
    for index, message in enumerate(messages):
        positions.setdefault(_action_text(message), []).append(index)
    position = 0
    for step in steps:
        candidates = positions.get(_action_text(step), [])
        found = bisect.bisect_left(candidates, position)
        if found == len(candidates):
            yield None
            continue
        position = candidates[found] + 1
        yield messages[candidates[found]]


def _stats(info: Obj) -> Stats:
    model_stats = info.encoded_obj("model_stats")
    cost = model_stats.number("instance_cost")
    return Stats(cost=model_stats.number("total_cost") if cost is None else cost,
                 input_tokens=model_stats.integer("tokens_sent"),
                 output_tokens=model_stats.integer("tokens_received"),
                 api_calls=model_stats.integer("api_calls"))


def _open_file(state: Obj) -> str | None:
    value = state.text("open_file")
    return value if value and value.startswith("/") else None


def _step(number: int, entry: Obj, state: Obj, message: Obj | None, workspace: Workspace,
          agent: str | None) -> Step:
    cwd = state.text("working_dir")
    command = entry.text("action") or ""
    calls = message.objs("tool_calls") if message is not None else []
    call = calls[0].obj("function") if calls else None
    paths = command_paths(command, workspace, cwd, _open_file(state))
    name = call.text("name") if call is not None else None
    if call is not None and name:
        arguments = parse_arguments(call)
        action = tool_action(name, arguments)
        action.text = one_line(command)  # SWE-agent's rendering reads better than JSON
        paths = unique([*paths, *tool_paths(action.name, arguments, workspace, cwd)])
    else:
        action = command_action(command)
    thought = entry.text("thought") if "thought" in entry else entry.text("response")
    observation = entry.text("observation")
    return make_step(number, action, workspace, kind=classify_command(command), paths=paths,
                     thought=thought or "",
                     observation=Observation(text=observation) if observation is not None
                     else None, agent=agent)


def _workspace(states: list[Obj]) -> Workspace:
    """The root: a well-known one among the working dirs and open files, else the first
    working directory."""
    dirs = [d for d in (s.text("working_dir") for s in states) if d is not None]
    files = [f for f in map(_open_file, states) if f]
    return Workspace(guess_root([*dirs, *files]) or (dirs[0] if dirs else None))


def read(doc: dict[str, Any], source: str) -> Trajectory:
    """Read a SWE-agent trajectory document."""
    root = Obj(doc, source)
    steps = root.objs("trajectory")
    states = [entry.encoded_obj("state") for entry in steps]
    info = root.obj("info")
    config = root.encoded_obj("replay_config")
    history = root.objs("history")
    agents = unique(a for a in (m.text("agent") for m in history) if a)
    multi = len(agents) > 1
    workspace = _workspace(states)
    submission = info.text("submission")
    model = config.obj("agent").obj("model")
    return Trajectory(
        format="swe-agent", format_version=_version(info, steps),
        instance_id=config.obj("problem_statement").text("id"),
        model=model.text("name") or model.text("model_name"), agents=agents,
        stats=_stats(info), base_commit=config.obj("env").obj("repo").text("base_commit"),
        submission=submission if submission and submission.strip() else None,
        workspace_root=workspace.root, source=source,
        steps=[_step(n, entry, state, message, workspace,
                     message.text("agent") if multi and message is not None else None)
               for n, (entry, state, message) in enumerate(
                   zip(steps, states, _pair(steps, _assistant_messages(history)), strict=True),
                   start=1)])
