"""A trace draft read for comparing or planting: the file, its front matter and the trace
the body parser reads from it (never a second reading of the Markdown by hand)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reasondraft.body import ParsedBody, parse_body, trace_format
from reasondraft.document import DraftFile, read_draft
from reasondraft.errors import InputError


@dataclass
class LoadedTrace:
    """A draft.md whose front matter declares a trace format, and that trace."""

    path: Path
    draft: DraftFile
    parsed: ParsedBody

    @property
    def instance_id(self) -> str:
        value = self.draft.front.get("instance_id")
        if not isinstance(value, str) or not value.strip():
            raise InputError("front matter has no instance_id", where=str(self.path))
        return value


def load_trace(path: Path) -> LoadedTrace:
    """Read a draft file or task folder; a file that is no trace draft is bad input."""
    draft = read_draft(path)
    assert draft.path is not None
    version = trace_format(draft.front, str(draft.path))
    if version is None:
        raise InputError("front matter declares no trace 'format': not a trace draft",
                         where=str(draft.path))
    return LoadedTrace(draft.path, draft, parse_body(draft.body, version))
