"""One body for the sync and async paths: written async, run synchronously when it never
has to wait.

The model client and the drafter each have a sync path (``draft``, the demo) and an async
one (``batch``). Their logic is written once, as a coroutine that takes the blocking steps
it needs (the model call, a pause, work for a thread) as arguments. The async path passes
real coroutines; the sync path passes plain functions wrapped by :func:`as_async`, so the
coroutine never suspends and :func:`run_now` drives it to its end in the calling thread.

Not ``asyncio.run``: litellm caches its HTTP clients per process, bound to the event loop
that made them, so a loop per call breaks the next call made from another loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


async def inline(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run ``function`` here and now: on the sync path, what running blocking work in a
    thread is on the async one."""
    return function(*args, **kwargs)


def as_async(function: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """``function`` as a coroutine function that returns at once (never suspends)."""

    async def now(*args: P.args, **kwargs: P.kwargs) -> R:
        return function(*args, **kwargs)

    return now


def run_now(coroutine: Coroutine[Any, Any, R]) -> R:
    """The result of a coroutine that never waits (every await a function wrapped by
    :func:`as_async`). One that does wait is a bug in the caller: refused at once, not
    left hanging."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("a coroutine run synchronously waited for something; only steps "
                       "wrapped by as_async may be awaited on the sync path")
