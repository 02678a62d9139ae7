"""What a draft is asked for: the model, the limits, the retry policy.

Kept apart from the drafter and the client so that ``draft`` and ``batch`` can resolve
their settings and check every input without importing litellm and instructor (seconds):
bad input is reported before the model stack is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reasondraft.guidelines import DEFAULT, Guidelines


@dataclass(frozen=True)
class RetryPolicy:
    """Transport retries: attempts in all, first wait, longest wait (Retry-After is capped),
    and the wait before the one retry of a connection that could not be opened."""

    attempts: int = 5
    initial: float = 1.0
    max_wait: float = 60.0
    reconnect: float = 0.5


@dataclass
class DraftRequest:
    """How to draft: the model and the limits (settings already resolved)."""

    model: str
    api_base: str | None = None
    max_input_tokens: int = 32_000
    max_repairs: int = 2
    log: Path | None = None
    retry: RetryPolicy | None = None
    guidelines: Guidelines = DEFAULT  # told to the model and checked in the repair loop
    author: str | None = None  # who drafts: the front matter's author (None: not known)
