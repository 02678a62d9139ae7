"""The LLM client: instructor over litellm, one retry policy, an audit log of every call.

Layers, from the wire up:
- litellm makes one HTTP request per call (``num_retries=0`` and the openai client's own
  retries off), so the retry policy lives in one place, tenacity's ``AsyncRetrying`` in
  :meth:`LLMClient._attempts`: transport faults (429 honouring Retry-After, 5xx, timeouts)
  are retried with exponential backoff and jitter, a bounded number of times; a connection
  that cannot be opened is retried once, quickly; a missing or refused API key is not
  retried at all. The last two name the model, the URL and what to set, since litellm
  reports both as a server fault;
- instructor parses the answer into the response model and re-asks with the validation
  error (the verifier's findings) up to ``max_repairs`` times.
Every request is appended to a JSONL audit log (messages as sent, so already redacted;
answer, model, tokens, cost, duration). The log writer masks API keys in every line and
ModelError masks them in every message, since a server may echo the Authorization header.

The sync path (``draft``) and the async one (``batch``) share that body: it is written
async and the sync path runs it with blocking steps that never suspend
(:mod:`reasondraft.draft.sync`); tenacity awaits only the steps it is given, so it does not
suspend either.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import instructor
from instructor.core import IncompleteOutputException, InstructorRetryException
from openai import OpenAIError
from pydantic import BaseModel
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_exponential_jitter

from reasondraft.draft.request import RetryPolicy
from reasondraft.draft.setup import litellm_module
from reasondraft.draft.sync import as_async, run_now
from reasondraft.errors import InputError, ModelError
from reasondraft.files import append_jsonl, parse_json
from reasondraft.invocation import program

litellm = litellm_module()
Call = Callable[..., Awaitable[Any]]  # one request: litellm.acompletion or the sync one
Pause = Callable[[float], Awaitable[None]]  # asyncio.sleep or the sync one


class NoValidAnswer(ModelError):
    """Every attempt answered, but none passed validation (the last error says why)."""


T = TypeVar("T", bound=BaseModel)

TRANSIENT = (litellm.RateLimitError, litellm.InternalServerError,
             litellm.ServiceUnavailableError, litellm.BadGatewayError,
             litellm.APIConnectionError, litellm.Timeout)


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


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it was raised from or while handling, outermost first."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def unauthorised(exc: BaseException) -> bool:
    """The provider wants a (valid) API key: a 401, or the openai client refusing to start
    without one (a bare OpenAIError, which litellm reports as a 500). Retrying cannot help."""
    return isinstance(exc, litellm.AuthenticationError) or \
        any(type(link) is OpenAIError for link in _chain(exc))


def unreachable(exc: BaseException) -> str | None:
    """Why no connection could be opened (refused, unknown host, no route), or None for
    any other error. litellm reports this as a 500 or a generic connection error too."""
    links = list(_chain(exc))
    if not any(isinstance(link, httpx.ConnectError) for link in links):
        return None
    root = links[-1]
    number = getattr(root, "errno", None)
    if isinstance(number, int) and number > 0:
        return os.strerror(number)
    return getattr(root, "strerror", None) or " ".join(str(root).split())[:200]


def failed_with(state: RetryCallState) -> BaseException:
    """What the attempt tenacity asks about raised: it asks the stop, wait and before-sleep
    strategies only after an attempt the retry predicate passed, and that one raised."""
    outcome = state.outcome
    assert outcome is not None
    exc = outcome.exception()
    assert exc is not None
    return exc


def key_variable(model: str) -> str:
    """The environment variable litellm takes the model's API key from: the one it reports
    missing, else ``<PROVIDER>_API_KEY``."""
    with contextlib.suppress(Exception):  # litellm raises several types for odd models
        missing = litellm.validate_environment(model=model)["missing_keys"]
        named = [name for name in missing if name.endswith("_KEY")]
        if named:
            return str(named[0])
    provider = "openai"
    with contextlib.suppress(Exception):
        provider = litellm.get_llm_provider(model)[1]
    return f"{provider.upper()}_API_KEY"


class RateGate:
    """Shared by concurrent calls: a 429 on one pauses every caller until it may resume,
    so a rate limit slows a whole batch down instead of failing its tasks one by one."""

    def __init__(self) -> None:
        self.resume_at = 0.0

    def pause(self, seconds: float) -> None:
        self.resume_at = max(self.resume_at, time.monotonic() + seconds)

    def delay(self) -> float:
        """Seconds a caller must still wait before its request."""
        return max(0.0, self.resume_at - time.monotonic())


class LLMClient:
    """Structured calls to one litellm model string (``openai/...``, ``fixture/...`` ...).

    One client serves one task (``usage`` adds up its calls); concurrent clients may share
    a :class:`RateGate`. ``in_flight`` is the repair round of the request under way (0: the
    first answer), None between requests: what a progress display shows.
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
        self.in_flight: int | None = None

    def endpoint(self) -> str:
        """Where requests go: the configured API base, else the provider's own."""
        if self.api_base:
            return self.api_base
        with contextlib.suppress(Exception):
            base = litellm.get_api_base(self.model, {})
            if base:
                return str(base)
        return "the provider's endpoint"

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

    async def _attempts(self, kwargs: dict[str, Any], call: Call, pause: Pause) -> Any:
        """One completion as instructor asks for it: :meth:`_attempt` retried by the policy
        (tenacity), and what it gives up on as one line (:meth:`_failure`). ``call`` makes
        the request and ``pause`` waits, async or (wrapped) sync: the one body of
        :meth:`_complete` and :meth:`_acomplete`. A new AsyncRetrying per completion: it
        keeps the state of the attempts under way, and a batch runs many at once."""
        kwargs = self._request(kwargs)
        retrying = AsyncRetrying(sleep=pause, retry=retry_if_exception(self._retryable),
                                 stop=self._stop, wait=self._wait,
                                 before_sleep=self._pause_gate, reraise=True)
        try:
            return await retrying(self._attempt, kwargs, call, pause)
        except Exception as exc:
            failure = self._failure(exc, retrying.statistics["attempt_number"])
            if failure is exc:
                raise
            raise failure from None

    async def _attempt(self, kwargs: dict[str, Any], call: Call, pause: Pause) -> Any:
        """One request, after the shared rate gate opens; logged whether it fails or not."""
        if self.gate is not None and self.gate.delay() > 0:
            await pause(self.gate.delay())
        started = time.monotonic()
        self.in_flight = sum(isinstance(m, dict) and m.get("role") == "assistant"
                             for m in kwargs["messages"])
        try:
            response = await call(**kwargs)
        except Exception as exc:
            self.in_flight = None
            self._log(kwargs, None, time.monotonic() - started, describe(exc))
            raise
        self.in_flight = None
        return self._done(kwargs, response, started)

    @staticmethod
    def _retryable(exc: BaseException) -> bool:
        """A transport fault or a connection that could not be opened; never a key error."""
        return not unauthorised(exc) and (isinstance(exc, TRANSIENT) or
                                          unreachable(exc) is not None)

    def _stop(self, state: RetryCallState) -> bool:
        """Give up after the policy's attempts, and on a connection that cannot be opened
        after one retry: a server is there or not, waiting longer does not start one."""
        limit = 2 if unreachable(failed_with(state)) is not None else self.retry.attempts
        return state.attempt_number >= min(limit, self.retry.attempts)

    def _wait(self, state: RetryCallState) -> float:
        """Seconds before the next attempt: a quick reconnect, the server's Retry-After
        (capped), else exponential backoff with jitter."""
        exc = failed_with(state)
        if unreachable(exc) is not None:
            return self.retry.reconnect
        hinted = retry_after(exc)
        if hinted is not None:
            return min(hinted, self.retry.max_wait)
        backoff = wait_exponential_jitter(multiplier=self.retry.initial,
                                          max=self.retry.max_wait, jitter=self.retry.initial)
        return backoff(state)

    def _pause_gate(self, state: RetryCallState) -> None:
        """A 429 holds back every client sharing the gate for as long as this one waits."""
        if self.gate is not None and isinstance(failed_with(state), litellm.RateLimitError):
            self.gate.pause(state.upcoming_sleep)

    def _failure(self, exc: Exception, attempts: int) -> BaseException:
        """The error to raise for the last attempt's ``exc``: a one-line ModelError for what
        came from the model stack, anything else as it is."""
        if unauthorised(exc):
            return self._unauthorised(exc)
        reason = unreachable(exc)
        if reason is not None:
            where = (f"is a server running there? (`{program()} config` shows where "
                     "api_base is set)" if self.api_base else "check the network")
            return ModelError(f"{self.model}: cannot connect to {self.endpoint()}: {reason} "
                              f"({attempts} attempt(s)); {where}")
        if isinstance(exc, TRANSIENT):
            return ModelError(f"{self.model}: gave up after {attempts} attempts: "
                              f"{describe(exc)}")
        from_stack = type(exc).__module__.startswith(("litellm", "openai"))
        return ModelError(f"{self.model}: {describe(exc)}") if from_stack else exc

    def _unauthorised(self, exc: Exception) -> ModelError:
        """A missing key says which variable to set; a refused one quotes the server."""
        variable = key_variable(self.model)
        where = f"{self.model} at {self.endpoint()}"
        if os.environ.get(variable):
            return ModelError(f"{where}: the API key in {variable} was refused: "
                              f"{describe(exc)}")
        local = "; any value works for a local server" if self.api_base else ""
        return ModelError(f"{where}: no API key: set {variable}{local}")

    def _complete(self, **kwargs: Any) -> Any:
        """The completion function instructor calls on the sync path."""
        return run_now(self._attempts(kwargs, as_async(litellm.completion),
                                      as_async(self.sleep)))

    async def _acomplete(self, **kwargs: Any) -> Any:
        """The completion function instructor awaits on the async path."""
        return await self._attempts(kwargs, litellm.acompletion, asyncio.sleep)

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

    def _create(self, complete: Callable[..., Any], messages: list[dict[str, Any]],
                response_model: type[T], max_repairs: int) -> Any:
        """instructor's structured call over ``complete``: the answer, or on the async path
        the awaitable of it.

        No ``context`` is passed to instructor: with one, instructor renders every message
        as a Jinja template, and prompts hold untrusted code and agent output. Validators
        that need state get it from a context variable (see drafter.Gate).
        """
        client: Any = instructor.from_litellm(complete)  # typed for openai's message dicts
        return client.chat.completions.create(
            model=self.model, messages=messages, response_model=response_model,
            max_retries=max_repairs)

    def structured(self, messages: list[dict[str, Any]], response_model: type[T], *,
                   max_repairs: int) -> T:
        """Ask for ``response_model``; validation failures are re-asked up to max_repairs."""
        with self._errors(max_repairs):
            answer: T = self._create(self._complete, messages, response_model, max_repairs)
            return answer

    async def astructured(self, messages: list[dict[str, Any]], response_model: type[T], *,
                          max_repairs: int) -> T:
        """structured() on litellm's async API."""
        with self._errors(max_repairs):
            answer: T = await self._create(self._acomplete, messages, response_model,
                                           max_repairs)
            return answer

    @contextmanager
    def _errors(self, max_repairs: int) -> Iterator[None]:
        """Turn what instructor raises into one-line errors: the transport's verdict and the
        audit log's error as they are, a cut-off answer and a never-valid one explained."""
        try:
            yield
        except IncompleteOutputException:
            raise ModelError(f"{self.model}: the answer was cut off at the token limit "
                             "(finish_reason=length); raise the model's max tokens") from None
        except InstructorRetryException as exc:
            if isinstance(exc.__cause__, InputError | ModelError):
                raise exc.__cause__ from None
            attempts = getattr(exc, "failed_attempts", None) or []
            last_error = attempts[-1].exception if attempts else exc
            raise NoValidAnswer(f"{self.model}: no valid answer after {max_repairs + 1} "
                                f"attempt(s): {_first_error(last_error)}") from None


def _first_error(exc: BaseException) -> str:
    """The first validation error of an attempt, in one line."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or "answer"
        return f"{where}: {first.get('msg', '')}"[:300]
    return " ".join(str(exc).split())[:300]
