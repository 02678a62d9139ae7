"""The LLM client: instructor over litellm, one retry policy, an audit log of every call.

Layers, from the wire up:
- litellm makes one HTTP request per call (``num_retries=0`` and the openai client's own
  retries off), so the retry policy lives in one place;
- tenacity retries transport faults (429 honouring Retry-After, 5xx, timeouts, refused
  connections) with exponential backoff and jitter, a bounded number of times;
- instructor parses the answer into the response model and re-asks with the validation
  error (the verifier's findings) up to ``max_repairs`` times.
Every request is appended to a JSONL audit log (messages as sent, so already redacted;
answer, model, tokens, cost, duration). The log writer masks API keys in every line and
ModelError masks them in every message, since a server may echo the Authorization header.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import instructor
from instructor.core import IncompleteOutputException, InstructorRetryException
from pydantic import BaseModel
from tenacity import AsyncRetrying, Retrying, retry_if_exception_type, stop_after_attempt

from reasondraft.draft.setup import litellm_module, remember_async_validator_checks
from reasondraft.errors import InputError, ModelError
from reasondraft.files import append_jsonl, parse_json

litellm = litellm_module()
remember_async_validator_checks()


class NoValidAnswer(ModelError):
    """Every attempt answered, but none passed validation (the last error says why)."""


T = TypeVar("T", bound=BaseModel)

TRANSIENT = (litellm.RateLimitError, litellm.InternalServerError,
             litellm.ServiceUnavailableError, litellm.BadGatewayError,
             litellm.APIConnectionError, litellm.Timeout)


@dataclass(frozen=True)
class RetryPolicy:
    """Transport retries: attempts in all, first wait, longest wait (Retry-After is capped)."""

    attempts: int = 5
    initial: float = 1.0
    max_wait: float = 60.0


@dataclass
class Usage:
    """What the calls of one draft cost; ``cost`` is None when litellm has no price."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = 0.0
    seconds: float = 0.0
    answers: list[Any] = field(default_factory=list)

    def add(self, response: Any, seconds: float, cost: float | None) -> None:
        self.calls += 1
        self.seconds += seconds
        usage = getattr(response, "usage", None)
        self.prompt_tokens += getattr(usage, "prompt_tokens", 0) or 0
        self.completion_tokens += getattr(usage, "completion_tokens", 0) or 0
        self.cost = None if cost is None or self.cost is None else self.cost + cost
        self.answers.append(answer_of(response))

    def as_dict(self) -> dict[str, Any]:
        return {"calls": self.calls, "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens, "cost_usd": self.cost,
                "seconds": round(self.seconds, 3)}


def response_cost(response: Any) -> float | None:
    """litellm's price for a response, or None for a model it has no price for (the one
    litellm attached to the response when it has, else computed)."""
    hidden = getattr(response, "_hidden_params", None) or {}
    if "response_cost" in hidden:
        cost = hidden["response_cost"]
        return float(cost) if cost is not None else None
    try:
        return float(litellm.completion_cost(completion_response=response))
    except Exception:  # litellm raises several types for unknown models
        return None


def answer_of(response: Any) -> Any:
    """The model's answer: tool-call arguments (parsed when JSON) or the message content."""
    message = response.choices[0].message
    calls = getattr(message, "tool_calls", None)
    text = calls[0].function.arguments if calls else message.content
    if not isinstance(text, str):
        return text
    try:
        return parse_json(text, "answer")
    except InputError:  # not JSON (or nested absurdly deep): the text itself is the answer
        return text


def retry_after(exc: BaseException) -> float | None:
    """Seconds from a Retry-After header on a litellm/openai error, when present."""
    headers = getattr(getattr(exc, "response", None), "headers", None) or \
        getattr(exc, "litellm_response_headers", None) or {}
    value = headers.get("retry-after") if hasattr(headers, "get") else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def describe(exc: BaseException) -> str:
    """A one-line cause for an error from litellm."""
    status = getattr(exc, "status_code", None)
    text = " ".join(str(getattr(exc, "message", None) or exc).split())
    name = type(exc).__name__
    while text.startswith(("litellm.", f"{name}: ")):
        text = text.removeprefix("litellm.").removeprefix(f"{name}: ")
    if getattr(exc, "llm_provider", None) == "fixture":
        return text[:300]
    return f"{name}{f' ({status})' if status else ''}: {text[:300]}"


class RateGate:
    """Shared by concurrent calls: a 429 on one pauses every caller until it may resume,
    so a rate limit slows a whole batch down instead of failing its tasks one by one."""

    def __init__(self) -> None:
        self.resume_at = 0.0

    def pause(self, seconds: float) -> None:
        self.resume_at = max(self.resume_at, time.monotonic() + seconds)

    async def wait(self) -> None:
        delay = self.resume_at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)


class LLMClient:
    """Structured calls to one litellm model string (``openai/...``, ``fixture/...`` ...).

    One client serves one task (``usage`` adds up its calls); concurrent clients may share
    a :class:`RateGate`.
    """

    def __init__(self, model: str, *, api_base: str | None = None, log: Path | None = None,
                 retry: RetryPolicy | None = None, gate: RateGate | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.model = model
        self.api_base = api_base
        self.log = log
        self.retry = retry or RetryPolicy()
        self.gate = gate
        self.sleep = sleep
        self.usage = Usage()

    def _wait(self, state: Any) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hinted = retry_after(exc) if exc else None
        if hinted is not None:
            return min(hinted, self.retry.max_wait)
        backoff = self.retry.initial * 2 ** (state.attempt_number - 1)
        return min(self.retry.max_wait, backoff + random.uniform(0, self.retry.initial))

    def _before_sleep(self, state: Any) -> None:
        exc = state.outcome.exception() if state.outcome else None
        if self.gate is not None and isinstance(exc, litellm.RateLimitError):
            self.gate.pause(state.next_action.sleep if state.next_action else 0.0)

    def _retrying(self, kind: type[Any], **extra: Any) -> Any:
        return kind(retry=retry_if_exception_type(TRANSIENT),
                    stop=stop_after_attempt(self.retry.attempts), wait=self._wait,
                    before_sleep=self._before_sleep, reraise=True, **extra)

    def _request(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        kwargs.update(num_retries=0, max_retries=0)
        if self.api_base:
            kwargs["api_base"] = self.api_base
        return kwargs

    def _done(self, kwargs: dict[str, Any], response: Any, started: float) -> Any:
        seconds = time.monotonic() - started
        cost = response_cost(response)
        self.usage.add(response, seconds, cost)
        self._log(kwargs, response, seconds, None, cost)
        return response

    def _complete(self, **kwargs: Any) -> Any:  # noqa: RET503 (tenacity re-raises when it gives up)
        """One completion as instructor asks for it, with transport retries and logging."""
        kwargs = self._request(kwargs)
        for attempt in self._retrying(Retrying, sleep=self.sleep):
            with attempt:
                started = time.monotonic()
                try:
                    response = litellm.completion(**kwargs)
                except Exception as exc:
                    self._log(kwargs, None, time.monotonic() - started, describe(exc))
                    raise
                return self._done(kwargs, response, started)

    async def _acomplete(self, **kwargs: Any) -> Any:  # noqa: RET503 (as _complete)
        """The async twin of _complete, waiting on the shared rate gate before each try."""
        kwargs = self._request(kwargs)
        async for attempt in self._retrying(AsyncRetrying):
            with attempt:
                if self.gate is not None:
                    await self.gate.wait()
                started = time.monotonic()
                try:
                    response = await litellm.acompletion(**kwargs)
                except Exception as exc:
                    self._log(kwargs, None, time.monotonic() - started, describe(exc))
                    raise
                return self._done(kwargs, response, started)

    def _log(self, kwargs: dict[str, Any], response: Any, seconds: float,
             error: str | None, cost: float | None = None) -> None:
        if self.log is None:
            return
        append_jsonl(self.log, {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "model": self.model,
            "api_base": self.api_base,
            "messages": kwargs.get("messages"),
            "answer": answer_of(response) if response is not None else None,
            "usage": dict(response.usage) if getattr(response, "usage", None) else None,
            "cost_usd": cost,
            "seconds": round(seconds, 3),
            "error": error,
        })

    def structured(self, messages: list[dict[str, Any]], response_model: type[T], *,
                   max_repairs: int) -> T:
        """Ask for ``response_model``; validation failures are re-asked up to max_repairs.

        No ``context`` is passed to instructor: with one, instructor renders every message
        as a Jinja template, and prompts hold untrusted code and agent output. Validators
        that need state get it from a context variable (see drafter.Gate).
        """
        client = instructor.from_litellm(self._complete)
        with self._errors(max_repairs):
            return client.chat.completions.create(
                model=self.model, response_model=response_model, max_retries=max_repairs,
                # plain role/content dicts, which instructor types as OpenAI's TypedDicts
                messages=messages)  # type: ignore[arg-type]

    async def astructured(self, messages: list[dict[str, Any]], response_model: type[T], *,
                          max_repairs: int) -> T:
        """The async twin of structured (litellm's async API)."""
        client = instructor.from_litellm(self._acomplete, async_client=True)
        with self._errors(max_repairs):
            return await client.chat.completions.create(
                model=self.model, response_model=response_model, max_retries=max_repairs,
                # plain role/content dicts, which instructor types as OpenAI's TypedDicts
                messages=messages)  # type: ignore[arg-type]

    @contextmanager
    def _errors(self, max_repairs: int) -> Iterator[None]:
        """Turn what litellm and instructor raise into one-line ModelErrors."""
        try:
            yield
        except IncompleteOutputException:
            raise ModelError(f"{self.model}: the answer was cut off at the token limit "
                             "(finish_reason=length); raise the model's max tokens") from None
        except InstructorRetryException as exc:
            if isinstance(exc.__cause__, InputError):  # ours (the audit log), not the model's
                raise exc.__cause__ from None
            raise self._failure(exc, max_repairs) from None
        except TRANSIENT as exc:
            raise ModelError(f"{self.model}: gave up after {self.retry.attempts} attempts: "
                             f"{describe(exc)}") from None
        except Exception as exc:
            if type(exc).__module__.startswith(("litellm", "openai")):
                raise ModelError(f"{self.model}: {describe(exc)}") from None
            raise

    def _failure(self, exc: InstructorRetryException, max_repairs: int) -> ModelError:
        cause = exc.__cause__
        if isinstance(cause, TRANSIENT):
            return ModelError(f"{self.model}: gave up after {self.retry.attempts} attempts: "
                              f"{describe(cause)}")
        if cause is not None and type(cause).__module__.startswith(("litellm", "openai")):
            return ModelError(f"{self.model}: {describe(cause)}")
        attempts = getattr(exc, "failed_attempts", None) or []
        last_error = attempts[-1].exception if attempts else exc
        detail = _first_error(last_error)
        return NoValidAnswer(f"{self.model}: no valid answer after {max_repairs + 1} "
                             f"attempt(s): {detail}")


def _first_error(exc: BaseException) -> str:
    """The first validation error of an attempt, in one line."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or "answer"
        return f"{where}: {first.get('msg', '')}"[:300]
    return " ".join(str(exc).split())[:300]
