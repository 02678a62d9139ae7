"""Prompt templates (``prompts/*.md``) rendered with the packed context.

Templates are plain Markdown with ``$name`` placeholders (string.Template: code in the
context may hold braces). The hash of both templates goes into each draft's provenance, so a
draft says exactly which prompt made it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from string import Template
from typing import Any

from reasondraft.files import read_text
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


def render_messages(templates: Templates, fields: dict[str, str], sections: dict[str, str],
                    dropped: list[str]) -> list[dict[str, Any]]:
    """System and user messages; empty sections say whether they were dropped or empty."""
    values = dict(fields)
    for name, text in sections.items():
        values[name] = text or (OMITTED if name in dropped else EMPTY)
    user = Template(templates.user).substitute(values)
    return [{"role": "system", "content": templates.system}, {"role": "user", "content": user}]
