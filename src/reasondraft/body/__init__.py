"""The Markdown body of draft.md <-> the trace, in either format.

Format 2 (:mod:`reasondraft.body.v2`) is what the drafter writes; format 1
(:mod:`reasondraft.body.v1`) is still read, for drafts written before it. The front
matter's ``format`` says which a draft is; a body without front matter is read as format 2
when it has an ``## Outcome`` section, else as format 1. Reading never drops text: what the
trace cannot hold is kept verbatim in ``extras``, and in format 2 each line that could not be
read is a problem naming it (verify reports them).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from reasondraft.body.parsed import ExtraSection, ParsedBody, Problem
from reasondraft.errors import InputError

if TYPE_CHECKING:
    from reasondraft.trace import Trace
    from reasondraft.trace_v1 import TraceV1

FORMATS = (1, 2)
_OUTCOME = re.compile(r"^## Outcome$", re.MULTILINE)

__all__ = ["FORMATS", "ExtraSection", "ParsedBody", "Problem", "body_format", "parse_body",
           "render_body", "trace_format"]


def trace_format(front: dict[str, Any], where: str = "draft") -> int | None:
    """The trace format a draft's front matter declares; None when it declares none (a
    Markdown file checked for its references only). An unknown format is bad input."""
    value = front.get("format")
    if value is None:
        return None
    if isinstance(value, bool) or value not in FORMATS:
        raise InputError(f"front matter 'format: {value}' is not a trace format this "
                         f"reasondraft reads ({', '.join(map(str, FORMATS))})", where=where)
    return int(value)


def body_format(body: str) -> int:
    """The format a body without a declared one is written in."""
    return 2 if _OUTCOME.search(body) else 1


def render_body(trace: Trace | TraceV1) -> str:
    """The canonical Markdown body for a trace of either format."""
    # Imported here, as in parse_body: verify reads a draft that declares no trace format
    # without the trace models and their parsers (~0.1 s of CPU at each start), and a
    # format-2 draft without format 1's.
    from reasondraft.trace import Trace

    if isinstance(trace, Trace):
        from reasondraft.body import v2

        return v2.render_body(trace)
    from reasondraft.body import v1

    return v1.render_body(trace)


def parse_body(body: str, version: int | None = None) -> ParsedBody:
    """Read a body in ``version`` (None: as :func:`body_format` tells)."""
    version = version or body_format(body)
    if version == 1:
        from reasondraft.body import v1

        return v1.parse_body(body)
    from reasondraft.body import v2

    return v2.parse_body(body)
