"""mini-swe-agent trajectories: ``mini-swe-agent-1`` (the command in a fenced bash block of
the assistant text, output in the next user message) and ``mini-swe-agent-1.1`` (tool calls
answered by ``tool`` messages).

One step per assistant message. The final ``exit`` message holds the submission (falling
back to ``info.submission``); outputs look like ``<returncode>0</returncode><output>...``,
and the return code becomes the observation's exit code.
"""

from __future__ import annotations

import re
from typing import Any

from reasondraft.jsonobj import Obj, kind_of
from reasondraft.trajectory.model import Action, Observation, Stats, Step, Trajectory
from reasondraft.trajectory.paths import Workspace
from reasondraft.trajectory.steps import (
    combined_action,
    combined_observation,
    command_action,
    iso_time,
    make_step,
    message_action,
    parse_arguments,
    tool_action,
)

NAME = "mini-swe-agent"
PREFIX = "mini-swe-agent-"
_BASH_BLOCK = re.compile(r"```(?:bash|sh)\s*\n(.*?)\n?```", re.DOTALL)
_RETURNCODE = re.compile(r"<returncode>\s*(-?\d+)\s*</returncode>")
_OUTPUT = re.compile(r"<output>\n?(.*?)\n?</output>", re.DOTALL)


def _version(doc: dict[str, Any]) -> str | None:
    """The declared format version; files from before ``trajectory_format`` existed are
    known by ``info.mini_version`` and have no tool calls."""
    declared = doc.get("trajectory_format")
    if isinstance(declared, str) and declared.startswith(PREFIX):
        return declared[len(PREFIX):]
    info = doc.get("info")
    return "1" if isinstance(info, dict) and "mini_version" in info else None


def claim(doc: Any) -> str | None:
    """What makes ``doc`` a mini-swe-agent trajectory whether or not it is a valid one."""
    if not isinstance(doc, dict) or _version(doc) is None:
        return None
    return "'trajectory_format'" if "trajectory_format" in doc else "'info.mini_version'"


def refusal(doc: Any) -> str | None:
    """Why ``doc`` is not a mini-swe-agent trajectory, or None when it is."""
    if not isinstance(doc, dict):
        return "top level is not an object"
    if _version(doc) is None:
        return f"no 'trajectory_format' starting with {PREFIX!r} nor 'info.mini_version'"
    messages = doc.get("messages")
    if not isinstance(messages, list):
        return "no 'messages' list" if messages is None else \
            f"'messages' is {kind_of(messages)}, not a list"
    return None


def _text(message: Obj) -> str:
    """Message content as text (a list of parts is joined)."""
    content = message.get("content")
    if isinstance(content, list):
        path = message.at("content")
        return "\n".join(Obj.of(part, message.where, f"{path}[{index}]").text("text") or ""
                         for index, part in enumerate(content))
    if isinstance(content, str) or content is None:
        return content or ""
    raise message.wrong("content", "a string or a list of parts")


def _observation(message: Obj) -> Observation:
    """The output the agent saw, unwrapped from ``<returncode>``/``<output>`` tags."""
    text = _text(message)
    code = message.obj("extra").integer("returncode")
    match = _RETURNCODE.search(text)
    if match:
        code = int(match.group(1)) if code is None else code
        text = (text[:match.start()] + text[match.end():]).strip("\n")
    output = _OUTPUT.fullmatch(text)
    return Observation(text=output.group(1) if output else text, exit_code=code)


def _tool_calls(message: Obj) -> list[tuple[str | None, Action]]:
    """(call id, action) for each tool call of a 1.1 assistant message."""
    calls = []
    for call in message.objs("tool_calls"):
        function = call.obj("function")
        calls.append((call.text("id"), tool_action(function.text("name") or "bash",
                                                   parse_arguments(function))))
    return calls


def _turn(message: Obj, replies: list[Obj]) -> tuple[str, Action, Observation | None]:
    """Thought, action and observation of one assistant message and the replies to it."""
    content = _text(message)
    calls = _tool_calls(message)
    if calls:
        tool = [r for r in replies if r.text("role") == "tool"]
        by_id = {r.text("tool_call_id"): r for r in tool}
        answered = [_observation(by_id[i]) for i, _ in calls if i in by_id]
        others = [_observation(r) for r in replies if r.text("role") != "tool"]
        return (content, combined_action([a for _, a in calls]),
                combined_observation(answered + others))
    blocks = _BASH_BLOCK.findall(content)
    observation = combined_observation([_observation(r) for r in replies])
    if not blocks:
        return "", message_action(content), observation
    thought = _BASH_BLOCK.sub("", content)
    return thought, combined_action([command_action(b) for b in blocks]), observation


def _stats(info: Obj, assistant: list[Obj]) -> Stats:
    model_stats = info.obj("model_stats")
    usages = [m.obj("extra").obj("response").obj("usage") for m in assistant]
    prompt = [n for n in (u.integer("prompt_tokens") for u in usages) if n is not None]
    completion = [n for n in (u.integer("completion_tokens") for u in usages) if n is not None]
    return Stats(cost=model_stats.number("instance_cost"),
                 api_calls=model_stats.integer("api_calls"),
                 input_tokens=sum(prompt) if prompt else None,
                 output_tokens=sum(completion) if completion else None)


def _submission(info: Obj, messages: list[Obj]) -> str | None:
    exits = [m for m in messages if m.text("role") == "exit"]
    text = _text(exits[-1]) if exits else info.text("submission")
    return text if text and text.strip() else None


def read(doc: dict[str, Any], source: str) -> Trajectory:
    """Read a mini-swe-agent trajectory document."""
    root = Obj(doc, source)
    messages = root.objs("messages")
    info = root.obj("info")
    config = info.obj("config")
    workspace = Workspace(config.obj("environment").text("cwd"))
    roles = [m.text("role") for m in messages]
    turns = [i for i, role in enumerate(roles) if role == "assistant"]
    steps: list[Step] = []
    for number, index in enumerate(turns, start=1):
        end = turns[number] if number < len(turns) else len(messages)
        replies = [m for m, role in zip(messages[index + 1:end], roles[index + 1:end],
                                        strict=True) if role in ("user", "tool")]
        thought, action, observation = _turn(messages[index], replies)
        stamp = iso_time(messages[index].obj("extra"), "timestamp")
        steps.append(make_step(number, action, workspace, thought=thought,
                               observation=observation, timestamp=stamp))
    return Trajectory(format="mini-swe-agent", format_version=_version(doc),
                      instance_id=root.text("instance_id"),
                      model=config.obj("model").text("model_name"),
                      stats=_stats(info, [messages[i] for i in turns]),
                      submission=_submission(info, messages), workspace_root=workspace.root,
                      source=source, steps=steps)
