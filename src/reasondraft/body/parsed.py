"""What reading a body gives: the trace, the text it cannot hold, and what could not be read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # the models cost start-up to every command importing this module
    from reasondraft.trace import Trace
    from reasondraft.trace_v1 import TraceV1


@dataclass
class ExtraSection:
    """A section kept verbatim: one the tool does not know (``reshaped`` False), or a known
    one whose text a person changed beyond what the trace model holds (``reshaped`` True).
    ``heading`` is as written ('' for text before any heading); ``after`` names the
    heading it followed."""

    heading: str
    text: str
    after: str | None = None
    reshaped: bool = False


@dataclass(frozen=True)
class Problem:
    """Text of a format-2 body the trace does not hold as written: ``code`` is the verify
    finding it becomes (RD-B001 unreadable, RD-B002 outside any entry, RD-B003 against a
    rule of the trace), ``line`` the body line (1-based)."""

    line: int
    code: str
    message: str


@dataclass
class ParsedBody:
    trace: Trace | TraceV1
    extras: list[ExtraSection] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    version: Literal[1, 2] = 2

    @property
    def lossless(self) -> bool:
        """True when the trace alone holds every word of the body."""
        return not self.extras
