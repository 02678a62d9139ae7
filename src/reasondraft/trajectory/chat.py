"""Plain chat transcripts: OpenAI-style messages (``tool_calls`` answered by ``tool``
messages) or Anthropic-style content blocks (``tool_use`` answered by ``tool_result`` blocks
in the next user message), as a JSON list, ``{"messages": [...]}``, or JSONL of messages.

One step per assistant turn; a turn's text and thinking are its thought, its tool calls its
action (several parallel calls make one step), and the tool replies its observation. A
turn with no tool call is a message step. The workspace root is recognised from absolute
paths in the tool arguments.
"""

from __future__ import annotations

from typing import Any

from reasondraft.jsonobj import Obj, kind_of
from reasondraft.trajectory.model import Action, Observation, Step, Trajectory
from reasondraft.trajectory.paths import Workspace, root_in_texts
from reasondraft.trajectory.steps import (
    combined_action,
    combined_observation,
    iso_time,
    make_step,
    message_action,
    parse_arguments,
    tool_action,
)

NAME = "chat"
ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
PATCH_KEYS = ("submission", "model_patch", "git_patch", "patch")


def messages_of(doc: Any) -> list[Any] | None:
    """The message list of a transcript document, or None."""
    if isinstance(doc, dict):
        doc = doc.get("messages")
    return doc if isinstance(doc, list) else None


def claim(doc: Any) -> str | None:
    """The key that makes ``doc`` a transcript whether or not it is a valid one."""
    return "a 'messages' key" if isinstance(doc, dict) and "messages" in doc else None


def refusal(doc: Any) -> str | None:
    """Why ``doc`` is not a chat transcript, or None when it is."""
    messages = messages_of(doc)
    if messages is None:
        if isinstance(doc, dict):
            found = doc.get("messages")
            return "no 'messages' list" if found is None else \
                f"'messages' is {kind_of(found)}, not a list"
        return "top level is not a list"
    roles = [m.get("role") for m in messages[:20] if isinstance(m, dict)]
    if not roles or any(not isinstance(r, str) or r not in ROLES for r in roles):
        return "not a list of messages with a 'role'"
    if not any(m.get("role") == "assistant" for m in messages if isinstance(m, dict)):
        return "no assistant message"
    return None


def _blocks(holder: Obj, key: str = "content") -> list[Obj]:
    """Content as a list of typed blocks (a plain string is one text block)."""
    content = holder.get(key)
    path = holder.at(key)
    if isinstance(content, str):
        return [Obj({"type": "text", "text": content}, holder.where, path)]
    if isinstance(content, list):
        return [Obj({"type": "text", "text": b}, holder.where, f"{path}[{i}]")
                if isinstance(b, str) else Obj.of(b, holder.where, f"{path}[{i}]", "a block")
                for i, b in enumerate(content)]
    if content is None:
        return []
    raise holder.wrong(key, "a string or a list of blocks")


def _text(holder: Obj, key: str = "content") -> str:
    """The text of message content or of a tool result's content."""
    return "\n".join(b.text("text") or "" for b in _blocks(holder, key)
                     if b.get("type") in ("text", "output_text", "input_text"))


def _calls(message: Obj) -> list[tuple[str | None, Action]]:
    """(call id, action) for each tool call of an assistant message, either style."""
    calls: list[tuple[str | None, Action]] = []
    for call in message.objs("tool_calls"):
        function = call.obj("function")
        calls.append((call.text("id"), tool_action(function.text("name") or "tool",
                                                   parse_arguments(function))))
    legacy = message.obj("function_call")
    name = legacy.text("name")
    if name:
        calls.append((None, tool_action(name, parse_arguments(legacy))))
    for block in _blocks(message):
        if block.get("type") == "tool_use":
            calls.append((block.text("id"), tool_action(block.text("name") or "tool",
                                                        block.obj("input").data)))
    return calls


def _thought(message: Obj) -> tuple[str, str]:
    """(reasoning, visible text) of an assistant message."""
    reasoning = [message.text(k) or "" for k in ("reasoning_content", "reasoning")]
    reasoning += [b.text("thinking") or "" for b in _blocks(message)
                  if b.get("type") == "thinking"]
    return "\n\n".join(r for r in reasoning if r.strip()), _text(message)


def _replies(messages: list[Obj]) -> dict[str | None, Observation]:
    """Tool outputs by call id, from tool/function messages and tool_result blocks."""
    replies: dict[str | None, Observation] = {}
    for message in messages:
        if message.text("role") in ("tool", "function"):
            replies[message.text("tool_call_id")] = Observation(text=_text(message))
            continue
        for block in _blocks(message):
            if block.get("type") == "tool_result":
                replies[block.text("tool_use_id")] = Observation(text=_text(block))
    return replies


def _turn(message: Obj, following: list[Obj]) -> tuple[str, Action, Observation | None]:
    reasoning, text = _thought(message)
    calls = _calls(message)
    if not calls:
        return reasoning, message_action(text), None
    replies = _replies(following)
    answered = [replies[i] for i, _ in calls if i in replies]
    thought = "\n\n".join(t for t in (reasoning, text) if t.strip())
    return thought, combined_action([a for _, a in calls]), combined_observation(answered)


def _style(messages: list[Obj]) -> str:
    for message in messages:
        if any(b.get("type") in ("tool_use", "tool_result", "thinking")
               for b in _blocks(message)):
            return "anthropic"
        if message.get("tool_calls") or message.get("role") == "tool":
            return "openai"
    return "messages"


def read(doc: Any, source: str) -> Trajectory:
    """Read a chat transcript (a message list, or an object holding ``messages``)."""
    meta = Obj(doc if isinstance(doc, dict) else {}, source)
    messages = (meta.objs("messages") if isinstance(doc, dict) else
                [Obj.of(m, source, f"[{i}]", "a message") for i, m in enumerate(doc)])
    turns = [i for i, m in enumerate(messages) if m.text("role") == "assistant"]
    parsed = []
    for number, index in enumerate(turns, start=1):
        end = turns[number] if number < len(turns) else len(messages)
        parsed.append((_turn(messages[index], messages[index + 1:end]),
                       iso_time(messages[index], "timestamp")))
    workspace = Workspace(root_in_texts(
        v for (_, action, _), _ in parsed for call in action.calls or [action]
        for v in call.arguments.values() if isinstance(v, str)))
    steps: list[Step] = [make_step(n, action, workspace, thought=thought,
                                   observation=observation, timestamp=stamp)
                         for n, ((thought, action, observation), stamp)
                         in enumerate(parsed, start=1)]
    patch = next((p for p in map(meta.text, PATCH_KEYS) if p is not None), None)
    return Trajectory(format="chat", format_version=_style(messages),
                      instance_id=meta.text("instance_id"), model=meta.text("model"),
                      submission=patch if patch and patch.strip() else None,
                      workspace_root=workspace.root, source=source, steps=steps)
