"""Prompt templates (``prompts/*.md``) rendered with the packed context.

Templates are plain Markdown with ``$name`` placeholders (string.Template: code in the
context may hold braces). The hash of both templates goes into each draft's provenance, so a
draft says exactly which prompt made it. Every value rendered into a template is redacted
here (:mod:`reasondraft.redact`): this is the one way text reaches a model.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from functools import cache
from string import Template
from typing import Any

from reasondraft.files import read_text
from reasondraft.redact import key_values, redact
from reasondraft.resources import data_dir

OMITTED = "(omitted to fit the token budget)"
EMPTY = "(none)"


@dataclass(frozen=True)
class Templates:
    system: str
    user: str

    @property
    def hash(self) -> str:
        digest = hashlib.sha256(f"{self.system}\0{self.user}".encode()).hexdigest()
        return f"sha256:{digest[:16]}"


@cache
def load_templates() -> Templates:
    folder = data_dir("prompts")
    return Templates(system=read_text(folder / "system.md", kind="config"),
                     user=read_text(folder / "user.md", kind="config"))


@dataclass(frozen=True)
class Rendered:
    """The messages, and what was redacted from them: section (or field) -> kind -> count."""

    messages: list[dict[str, Any]]
    redactions: dict[str, dict[str, int]]

    def redaction_counts(self) -> dict[str, int]:
        """Redactions per kind over all sections (what provenance records)."""
        total: Counter[str] = Counter()
        for counts in self.redactions.values():
            total.update(counts)
        return dict(sorted(total.items()))


def render_messages(templates: Templates, fields: dict[str, str], sections: dict[str, str],
                    dropped: list[str]) -> Rendered:
    """System and user messages; empty sections say whether they were dropped or empty.
    Every field and section is redacted before it goes in (the templates are ours)."""
    values: dict[str, str] = {}
    redactions: dict[str, dict[str, int]] = {}
    keys = key_values()
    for name, text in (fields | sections).items():
        clean = redact(text, keys)
        if clean.counts:
            redactions[name] = clean.counts
        values[name] = clean.text or (OMITTED if name in dropped else EMPTY)
    user = Template(templates.user).substitute(values)
    return Rendered([{"role": "system", "content": templates.system},
                     {"role": "user", "content": user}], redactions)
