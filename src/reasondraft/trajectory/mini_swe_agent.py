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


def refusal(doc: Any) -> str | None:
    """Why ``doc`` is not a mini-swe-agent trajectory, or None when it is."""
    if not isinstance(doc, dict):
        return "top level is not an object"
    if _version(doc) is None:
        return f"no 'trajectory_format' starting with {PREFIX!r} nor 'info.mini_version'"
    if not isinstance(doc.get("messages"), list):
        return "no 'messages' list"
    return None


def _text(content: Any) -> str:
    """Message content as text (a list of parts is joined)."""
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


def _observation(message: dict[str, Any]) -> Observation:
    """The output the agent saw, unwrapped from ``<returncode>``/``<output>`` tags."""
    text = _text(message.get("content"))
    code = (message.get("extra") or {}).get("returncode")
    match = _RETURNCODE.search(text)
    if match:
        code = int(match.group(1)) if not isinstance(code, int) else code
        text = (text[:match.start()] + text[match.end():]).strip("\n")
    output = _OUTPUT.fullmatch(text)
    return Observation(text=output.group(1) if output else text,
                       exit_code=code if isinstance(code, int) else None)


def _tool_calls(message: dict[str, Any]) -> list[tuple[str | None, Action]]:
    """(call id, action) for each tool call of a 1.1 assistant message."""
    calls = []
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        calls.append((call.get("id"), tool_action(str(function.get("name", "bash")),
                                                  parse_arguments(function.get("arguments")))))
    return calls


def _turn(message: dict[str, Any], replies: list[dict[str, Any]]
          ) -> tuple[str, Action, Observation | None]:
    """Thought, action and observation of one assistant message and the replies to it."""
    content = _text(message.get("content"))
    calls = _tool_calls(message)
    if calls:
        by_id = {r.get("tool_call_id"): r for r in replies if r.get("role") == "tool"}
        answered = [_observation(by_id[i]) for i, _ in calls if i in by_id]
        others = [_observation(r) for r in replies if r.get("role") != "tool"]
        return (content, combined_action([a for _, a in calls]),
                combined_observation(answered + others))
    blocks = _BASH_BLOCK.findall(content)
    observation = combined_observation([_observation(r) for r in replies])
    if not blocks:
        return "", message_action(content), observation
    thought = _BASH_BLOCK.sub("", content)
    return thought, combined_action([command_action(b) for b in blocks]), observation


def _stats(info: dict[str, Any], messages: list[dict[str, Any]]) -> Stats:
    model_stats = info.get("model_stats") or {}
    usages = [((m.get("extra") or {}).get("response") or {}).get("usage") or {}
              for m in messages if m.get("role") == "assistant"]
    prompt = [u["prompt_tokens"] for u in usages if isinstance(u.get("prompt_tokens"), int)]
    completion = [u["completion_tokens"] for u in usages
                  if isinstance(u.get("completion_tokens"), int)]
    return Stats(cost=model_stats.get("instance_cost"), api_calls=model_stats.get("api_calls"),
                 input_tokens=sum(prompt) if prompt else None,
                 output_tokens=sum(completion) if completion else None)


def _submission(info: dict[str, Any], messages: list[dict[str, Any]]) -> str | None:
    exits = [m for m in messages if m.get("role") == "exit"]
    text = _text(exits[-1].get("content")) if exits else info.get("submission")
    return text if isinstance(text, str) and text.strip() else None


def read(doc: dict[str, Any], source: str) -> Trajectory:
    """Read a mini-swe-agent trajectory document."""
    messages = [m for m in doc["messages"] if isinstance(m, dict)]
    info = doc.get("info") if isinstance(doc.get("info"), dict) else {}
    config = info.get("config") or {}
    cwd = (config.get("environment") or {}).get("cwd")
    workspace = Workspace(cwd if isinstance(cwd, str) else None)
    turns = [i for i, m in enumerate(messages) if m.get("role") == "assistant"]
    steps: list[Step] = []
    for number, index in enumerate(turns, start=1):
        end = turns[number] if number < len(turns) else len(messages)
        replies = [m for m in messages[index + 1:end] if m.get("role") in ("user", "tool")]
        thought, action, observation = _turn(messages[index], replies)
        stamp = iso_time((messages[index].get("extra") or {}).get("timestamp"))
        steps.append(make_step(number, action, workspace, thought=thought,
                               observation=observation, timestamp=stamp))
    model = (config.get("model") or {}).get("model_name")
    return Trajectory(format="mini-swe-agent", format_version=_version(doc),
                      instance_id=doc.get("instance_id"), model=model, stats=_stats(info, messages),
                      submission=_submission(info, messages), workspace_root=workspace.root,
                      source=source, steps=steps)
