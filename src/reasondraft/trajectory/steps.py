"""Building normalized actions and steps, shared by every reader.

Readers only say what the format holds (a command, a tool call, a message, the output);
the kind and the touched paths are derived here the same way for every format, so a
``sed -n`` is a view whether SWE-agent, mini-swe-agent or OpenHands ran it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from reasondraft.errors import InputError
from reasondraft.files import parse_json
from reasondraft.jsonobj import Obj
from reasondraft.trajectory.kinds import EDITORS, classify_tool, shell_command, strongest
from reasondraft.trajectory.model import Action, Observation, Step, StepKind
from reasondraft.trajectory.paths import PATH_KEYS, Workspace, tool_paths, unique

MESSAGE = "message"
_NON_SPACE = re.compile(r"\S")
_LINE_BREAK = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")  # str.splitlines' breaks


def one_line(text: str, limit: int = 160) -> str:
    """The first non-blank line of ``text``, cut to ``limit`` characters. Found without
    splitting ``text`` into lines (an observation may be one 200 MB line)."""
    first = _NON_SPACE.search(text)
    if first is None:
        return ""
    start = first.start()  # what comes before is blank: the first non-blank line starts here
    found = _LINE_BREAK.search(text, start)
    end = len(text) if found is None else found.start()
    head = text[start:min(end, start + limit + 1)]
    if end - start > limit + 1 and _NON_SPACE.search(text, start + limit + 1, end):
        return head[: limit - 1] + "…"
    line = head.rstrip()  # the whole line: only blanks follow what is taken
    return line if len(line) <= limit else line[: limit - 1] + "…"


def parse_arguments(call: Obj, key: str = "arguments") -> dict[str, Any]:
    """A tool call's arguments as a dict: OpenAI sends a JSON string, others an object.

    Text that does not parse (or nests too deep) is kept as ``{"raw": text}``: models
    write broken arguments and the agent ran with them. A value that is neither text nor
    an object is refused."""
    raw = call.get(key)
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str):
        if not raw.strip():
            return {}
        try:
            value = parse_json(raw, call.where)
        except InputError:
            return {"raw": raw}
        return value if isinstance(value, dict) else {"value": value}
    if raw is None:
        return {}
    raise call.wrong(key, "an object or a JSON string")


def describe(name: str, arguments: dict[str, Any]) -> str:
    """A one-line display form of a tool call."""
    command = shell_command(name, arguments)
    if command is not None:
        return one_line(command)
    if name == MESSAGE:
        return one_line(str(arguments.get("content", "")))
    path = next((arguments[k] for k in PATH_KEYS if isinstance(arguments.get(k), str)), None)
    if name.lower() in EDITORS and path:
        return " ".join(str(part) for part in (name, arguments.get("command"), path) if part)
    if path:
        return f"{name} {path}"
    shown = {k: v for k, v in arguments.items() if isinstance(v, str | int | float | bool)}
    return one_line(f"{name} {json.dumps(shown, ensure_ascii=False)}" if shown else name)


def command_action(command: str) -> Action:
    """A shell command given as text (SWE-agent, mini-swe-agent)."""
    command = command.rstrip("\n")
    return Action(name="bash", arguments={"command": command}, text=one_line(command))


def tool_action(name: str, arguments: dict[str, Any]) -> Action:
    """One structured tool call."""
    return Action(name=name, arguments=arguments, text=describe(name, arguments))


def message_action(text: str) -> Action:
    """A turn that only talks: the text is the action."""
    return Action(name=MESSAGE, arguments={"content": text}, text=one_line(text))


def combined_action(calls: Sequence[Action]) -> Action:
    """One action for a turn: the call itself, or all of several parallel calls."""
    if len(calls) == 1:
        return calls[0]
    names = unique(call.name for call in calls)
    return Action(name="+".join(names), text=" ; ".join(call.text for call in calls),
                  calls=list(calls))


def combined_observation(parts: Sequence[Observation]) -> Observation | None:
    """The outputs of a turn's calls as one observation; a failing exit code wins."""
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    codes = [p.exit_code for p in parts if p.exit_code is not None]
    code = next((c for c in codes if c != 0), codes[0] if codes else None)
    return Observation(text="\n\n".join(p.text for p in parts), exit_code=code)


def action_kind(action: Action) -> StepKind:
    """The kind of an action (for several calls, the strongest of theirs)."""
    if action.calls:
        return strongest(action_kind(call) for call in action.calls) or StepKind.OTHER
    return classify_tool(action.name, action.arguments)


def action_paths(action: Action, workspace: Workspace, cwd: str | None = None) -> list[str]:
    """Repo-relative paths an action's arguments name."""
    calls = action.calls or [action]
    return unique(p for call in calls
                  for p in tool_paths(call.name, call.arguments, workspace, cwd))


def iso_time(holder: Obj, key: str) -> str | None:
    """A timestamp field as ISO 8601 text (Unix seconds are converted; text is kept)."""
    value = holder.get(key)
    if isinstance(value, str) or value is None:
        return value or None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise holder.wrong(key, "a time (text or Unix seconds)")
    try:
        return datetime.fromtimestamp(value, UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        raise InputError(f"{holder.at(key)}: {value} is not a Unix time in range",
                         where=holder.where) from None


def make_step(number: int, action: Action, workspace: Workspace, *, thought: str = "",
              observation: Observation | None = None, kind: StepKind | None = None,
              paths: list[str] | None = None, agent: str | None = None,
              timestamp: str | None = None, cwd: str | None = None) -> Step:
    """A step with its kind and paths derived from the action unless given."""
    return Step(number=number, kind=kind or action_kind(action), thought=thought.strip(),
                action=action,
                paths=paths if paths is not None else action_paths(action, workspace, cwd),
                observation=observation, agent=agent, timestamp=timestamp)
