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
import json
from collections.abc import Iterator
from typing import Any

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


def refusal(doc: Any) -> str | None:
    """Why ``doc`` is not a SWE-agent trajectory, or None when it is."""
    if not isinstance(doc, dict):
        return "top level is not an object"
    steps = doc.get("trajectory")
    if not isinstance(steps, list):
        return "no 'trajectory' list"
    if steps and not all(isinstance(s, dict) and "action" in s for s in steps):
        return "'trajectory' entries have no 'action'"
    return None


def _as_dict(value: Any) -> dict[str, Any]:
    """An object that may arrive JSON-encoded (0.x ``state``, some ``replay_config``)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return {}
    return value if isinstance(value, dict) else {}


def _dig(data: dict[str, Any], *keys: str) -> Any:
    """``data[k1][k2]...``, or None where a level is missing."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)  # type: ignore[assignment]
    return data


def _version(doc: dict[str, Any]) -> str:
    """1.x writes ``state`` as an object and times each step; 0.x does neither."""
    declared = _dig(doc, "info", "swe_agent_version")
    if isinstance(declared, str) and declared:
        return declared
    steps = doc["trajectory"]
    is_1x = any(isinstance(s.get("state"), dict) or "execution_time" in s for s in steps)
    return "1.x" if is_1x else "0.x"


def _assistant_messages(history: Any) -> list[dict[str, Any]]:
    """History messages that hold an action, in order, demonstrations left out."""
    if not isinstance(history, list):
        return []
    return [m for m in history if isinstance(m, dict) and m.get("role") == "assistant"
            and not m.get("is_demo") and "action" in m]


def _action_text(entry: dict[str, Any]) -> str:
    return str(entry.get("action", "")).strip()


def _pair(steps: list[dict[str, Any]], messages: list[dict[str, Any]]
          ) -> Iterator[dict[str, Any] | None]:
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


def _agents(history: Any) -> list[str]:
    names = (m.get("agent") for m in history if isinstance(m, dict)) \
        if isinstance(history, list) else ()
    return unique(n for n in names if isinstance(n, str) and n)


def _stats(info: dict[str, Any]) -> Stats:
    model_stats = _as_dict(info.get("model_stats"))
    cost = model_stats.get("instance_cost", model_stats.get("total_cost"))
    return Stats(cost=cost, input_tokens=model_stats.get("tokens_sent"),
                 output_tokens=model_stats.get("tokens_received"),
                 api_calls=model_stats.get("api_calls"))


def _open_file(state: dict[str, Any]) -> str | None:
    value = state.get("open_file")
    return value if isinstance(value, str) and value.startswith("/") else None


def _step(number: int, entry: dict[str, Any], message: dict[str, Any] | None,
          workspace: Workspace, agent: str | None) -> Step:
    state = _as_dict(entry.get("state"))
    cwd = state.get("working_dir") if isinstance(state.get("working_dir"), str) else None
    command = str(entry.get("action", ""))
    calls = (message or {}).get("tool_calls") or []
    call = calls[0].get("function", {}) if calls and isinstance(calls[0], dict) else {}
    paths = command_paths(command, workspace, cwd, _open_file(state))
    if call.get("name"):
        arguments = parse_arguments(call.get("arguments"))
        action = tool_action(str(call["name"]), arguments)
        action.text = one_line(command)  # SWE-agent's rendering reads better than JSON
        paths = unique([*paths, *tool_paths(action.name, arguments, workspace, cwd)])
    else:
        action = command_action(command)
    thought = entry.get("thought", entry.get("response"))
    observation = entry.get("observation")
    return make_step(number, action, workspace, kind=classify_command(command), paths=paths,
                     thought=thought if isinstance(thought, str) else "",
                     observation=Observation(text=observation)
                     if isinstance(observation, str) else None, agent=agent)


def _workspace(steps: list[dict[str, Any]]) -> Workspace:
    """The root: a well-known one among the working dirs and open files, else the first
    working directory."""
    states = [_as_dict(s.get("state")) for s in steps]
    dirs = [s["working_dir"] for s in states if isinstance(s.get("working_dir"), str)]
    files = [f for f in map(_open_file, states) if f]
    return Workspace(guess_root([*dirs, *files]) or (dirs[0] if dirs else None))


def read(doc: dict[str, Any], source: str) -> Trajectory:
    """Read a SWE-agent trajectory document."""
    steps: list[dict[str, Any]] = doc["trajectory"]
    info = _as_dict(doc.get("info"))
    config = _as_dict(doc.get("replay_config"))
    history = doc.get("history")
    agents = _agents(history)
    multi = len(agents) > 1
    workspace = _workspace(steps)
    messages = _assistant_messages(history)
    submission = info.get("submission")
    model = _dig(config, "agent", "model", "name") or _dig(config, "agent", "model",
                                                              "model_name")
    return Trajectory(
        format="swe-agent", format_version=_version(doc),
        instance_id=_dig(config, "problem_statement", "id"), model=model, agents=agents,
        stats=_stats(info), base_commit=_dig(config, "env", "repo", "base_commit"),
        submission=submission if isinstance(submission, str) and submission.strip() else None,
        workspace_root=workspace.root, source=source,
        steps=[_step(n, entry, message, workspace,
                     (message or {}).get("agent") if multi else None)
               for n, (entry, message) in enumerate(zip(steps, _pair(steps, messages),
                                                        strict=True), start=1)])
