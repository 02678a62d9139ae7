"""The ``fixture`` model provider: replays recorded answers through the real litellm path.

``--model fixture/<name>`` replays ``fixtures/models/<name>.json`` (shipped with the
package) and ``--model fixture/<path>.json`` a recording file. A recording holds, per task,
the answers in order: the first answers the first request, the next answers the first
re-ask (the request's count of assistant messages picks the answer), so a recording can hold
a bad first answer and a corrected second and exercise the repair loop. An answer is a JSON
object (sent as the tool call's arguments, or as content in JSON modes) or a string (sent
verbatim, e.g. to replay a malformed answer).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import litellm
from litellm import CustomLLM, ModelResponse

from reasondraft.errors import InputError
from reasondraft.files import atomic_write, read_json
from reasondraft.resources import data_dir

RECORDING_FORMAT = "reasondraft-recording/1"


def recording_path(name: str) -> Path:
    """A shipped recording by name, or a path to a recording file."""
    if name.endswith(".json"):
        return Path(name)
    return data_dir("models") / f"{name}.json"


def load_recording(path: Path) -> list[dict[str, Any]]:
    data = read_json(path, kind="state")
    if not isinstance(data, dict) or not isinstance(data.get("recordings"), list):
        raise InputError("not a reasondraft recording: no 'recordings' list", where=str(path))
    return data["recordings"]


def _prompt_text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(str(m.get("content") or "") for m in messages if m.get("role") != "assistant")


def pick_answer(recordings: list[dict[str, Any]], messages: list[dict[str, Any]],
                where: str) -> Any:
    """The answer for this request: the recording whose ``match`` occurs in the prompt (or
    one without ``match``), at the index given by the number of earlier assistant turns."""
    prompt = _prompt_text(messages)
    attempt = sum(1 for m in messages if m.get("role") == "assistant")
    chosen = next((r for r in recordings if r.get("match") and r["match"] in prompt), None) or \
        next((r for r in recordings if not r.get("match")), None)
    if chosen is None or attempt >= len(chosen.get("answers", [])):
        what = "this task" if chosen is None else f"attempt {attempt + 1}"
        raise litellm.BadRequestError(
            message=f"{where} has no recorded answer for {what}: record one with "
                    "`reasondraft draft ... --model <real model> --record FILE`",
            model="fixture", llm_provider="fixture")
    return chosen["answers"][attempt]


class FixtureProvider(CustomLLM):
    """A litellm custom provider that answers from recordings, sync and async."""

    def completion(self, *_args: Any, **kwargs: Any) -> ModelResponse:
        model: str = kwargs["model"]
        name = model.split("/", 1)[1] if model.startswith("fixture/") else model
        path = recording_path(name)
        try:
            recordings = load_recording(path)
        except InputError as exc:
            raise litellm.BadRequestError(message=str(exc), model=model,
                                          llm_provider="fixture") from None
        messages = kwargs["messages"]
        answer = pick_answer(recordings, messages, str(path))
        text = answer if isinstance(answer, str) else json.dumps(answer)
        params = kwargs.get("optional_params") or {}
        if params.get("tools"):
            tool = params["tools"][0]["function"]["name"]
            message = {"role": "assistant", "content": None, "tool_calls": [
                {"id": f"call_{len(messages)}", "type": "function",
                 "function": {"name": tool, "arguments": text}}]}
            finish = "tool_calls"
        else:
            message, finish = {"role": "assistant", "content": text}, "stop"
        prompt_tokens = litellm.token_counter(model="gpt-4o", messages=messages)
        completion_tokens = litellm.token_counter(model="gpt-4o", text=text)
        return ModelResponse(
            model=model, choices=[{"index": 0, "message": message, "finish_reason": finish}],
            usage={"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                   "total_tokens": prompt_tokens + completion_tokens})

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        return self.completion(*args, **kwargs)


class Recorder:
    """Saves a real model's answers as a recording (``--record FILE``), keyed by task."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def save(self, match: str, answers: list[Any]) -> None:
        """Add or replace the answers for ``match`` and rewrite the file atomically."""
        recordings = load_recording(self.path) if self.path.exists() else []
        recordings = [r for r in recordings if r.get("match") != match]
        recordings.append({"match": match, "answers": answers})
        atomic_write(self.path, json.dumps({"format": RECORDING_FORMAT,
                                            "recordings": recordings}, indent=2) + "\n")
