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


def refusal(doc: Any) -> str | None:
    """Why ``doc`` is not a chat transcript, or None when it is."""
    messages = messages_of(doc)
    if messages is None:
        return "no 'messages' list" if isinstance(doc, dict) else "top level is not a list"
    dicts = [m for m in messages[:20] if isinstance(m, dict)]
    if not dicts or any(m.get("role") not in ROLES for m in dicts):
        return "not a list of messages with a 'role'"
    if not any(m.get("role") == "assistant" for m in messages if isinstance(m, dict)):
        return "no assistant message"
    return None


def _blocks(content: Any) -> list[dict[str, Any]]:
    """Content as a list of typed blocks (a plain string is one text block)."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if isinstance(content, list):
        return [b if isinstance(b, dict) else {"type": "text", "text": str(b)} for b in content]
    return []


def _text(content: Any) -> str:
    """The text of message content or of a tool result's content."""
    return "\n".join(str(b.get("text", "")) for b in _blocks(content)
                     if b.get("type") in ("text", "output_text", "input_text"))


def _calls(message: dict[str, Any]) -> list[tuple[str | None, Action]]:
    """(call id, action) for each tool call of an assistant message, either style."""
    calls: list[tuple[str | None, Action]] = []
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        calls.append((call.get("id"), tool_action(str(function.get("name", "tool")),
                                                  parse_arguments(function.get("arguments")))))
    legacy = message.get("function_call")
    if isinstance(legacy, dict) and legacy.get("name"):
        calls.append((None, tool_action(str(legacy["name"]),
                                        parse_arguments(legacy.get("arguments")))))
    for block in _blocks(message.get("content")):
        if block.get("type") == "tool_use":
            arguments = block.get("input") if isinstance(block.get("input"), dict) else {}
            calls.append((block.get("id"), tool_action(str(block.get("name", "tool")),
                                                       arguments)))
    return calls


def _thought(message: dict[str, Any]) -> tuple[str, str]:
    """(reasoning, visible text) of an assistant message."""
    reasoning = [str(message.get(k)) for k in ("reasoning_content", "reasoning")
                 if isinstance(message.get(k), str)]
    reasoning += [str(b.get("thinking", "")) for b in _blocks(message.get("content"))
                  if b.get("type") == "thinking"]
    return "\n\n".join(r for r in reasoning if r.strip()), _text(message.get("content"))


def _replies(messages: list[dict[str, Any]]) -> dict[str | None, Observation]:
    """Tool outputs by call id, from tool/function messages and tool_result blocks."""
    replies: dict[str | None, Observation] = {}
    for message in messages:
        if message.get("role") in ("tool", "function"):
            replies[message.get("tool_call_id")] = Observation(text=_text(message.get("content")))
            continue
        for block in _blocks(message.get("content")):
            if block.get("type") == "tool_result":
                replies[block.get("tool_use_id")] = Observation(text=_text(block.get("content")))
    return replies


def _turn(message: dict[str, Any], following: list[dict[str, Any]]
          ) -> tuple[str, Action, Observation | None]:
    reasoning, text = _thought(message)
    calls = _calls(message)
    if not calls:
        return reasoning, message_action(text), None
    replies = _replies(following)
    answered = [replies[i] for i, _ in calls if i in replies]
    thought = "\n\n".join(t for t in (reasoning, text) if t.strip())
    return thought, combined_action([a for _, a in calls]), combined_observation(answered)


def _style(messages: list[dict[str, Any]]) -> str:
    for message in messages:
        if any(b.get("type") in ("tool_use", "tool_result", "thinking")
               for b in _blocks(message.get("content"))):
            return "anthropic"
        if message.get("tool_calls") or message.get("role") == "tool":
            return "openai"
    return "messages"


def read(doc: Any, source: str) -> Trajectory:
    """Read a chat transcript (a message list, or an object holding ``messages``)."""
    messages = [m for m in messages_of(doc) or [] if isinstance(m, dict)]
    meta = doc if isinstance(doc, dict) else {}
    turns = [i for i, m in enumerate(messages) if m.get("role") == "assistant"]
    parsed = []
    for number, index in enumerate(turns, start=1):
        end = turns[number] if number < len(turns) else len(messages)
        parsed.append((_turn(messages[index], messages[index + 1:end]),
                       iso_time(messages[index].get("timestamp"))))
    workspace = Workspace(root_in_texts(
        v for (_, action, _), _ in parsed for call in action.calls or [action]
        for v in call.arguments.values() if isinstance(v, str)))
    steps: list[Step] = [make_step(n, action, workspace, thought=thought,
                                   observation=observation, timestamp=stamp)
                         for n, ((thought, action, observation), stamp)
                         in enumerate(parsed, start=1)]
    patch = next((meta[k] for k in PATCH_KEYS if isinstance(meta.get(k), str)), None)
    model = meta.get("model")
    return Trajectory(format="chat", format_version=_style(messages),
                      instance_id=meta.get("instance_id"),
                      model=model if isinstance(model, str) else None,
                      submission=patch if patch and patch.strip() else None,
                      workspace_root=workspace.root, source=source, steps=steps)
