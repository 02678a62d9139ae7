"""draft.md on disk: YAML front matter + Markdown body, and the body's content hash.

The front matter holds what tools need (format version, instance_id, repo, base_commit,
repo_path hint, status, provenance, review record); the body is what people edit. A body
hash binds an approval to exact content. A human may break the front matter: reading in
``strict=False`` mode keeps the body and reports the problem instead of failing, so
``show`` and ``edit`` still open such a draft.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from reasondraft.errors import InputError
from reasondraft.files import atomic_write, read_text

FORMAT_VERSION = 1
FENCE = "---"
DRAFT_FILE = "draft.md"
GENERATED_FILE = "draft.generated.md"
# libyaml's safe loader when PyYAML has it: the same documents, ~6x faster (status scans
# front matter of thousands of drafts).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass
class DraftFile:
    """A parsed draft.md. ``body_line`` is the 1-based file line where the body starts."""

    front: dict[str, Any]
    body: str
    body_line: int = 1
    path: Path | None = None
    front_error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        return body_hash(self.body)

    @property
    def status(self) -> str:
        return str(self.front.get("status") or "draft")

    def render(self) -> str:
        return join_document(self.front, self.body)


def content_hash(data: str | bytes) -> str:
    """``sha256:<hex>`` of text (as UTF-8) or bytes: how drafts name exact content."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def body_hash(body: str) -> str:
    """The hash of the body exactly as stored (what an approval is bound to)."""
    return content_hash(body)


def _front_bounds(text: str) -> tuple[str, str, int] | None:
    """(front matter text, body, body start line) when the text opens with a '---' fence."""
    if not (text.startswith(FENCE + "\n") or text.startswith(FENCE + "\r\n")):
        return None
    lines = text.splitlines(keepends=True)
    for index in range(1, len(lines)):
        if lines[index].rstrip("\r\n") == FENCE:
            front = "".join(lines[1:index])
            body = "".join(lines[index + 1:])
            return front, body, index + 2
    return None


def split_document(text: str, where: str = "draft", *, strict: bool = True) -> DraftFile:
    """Split a draft into front matter and body.

    A document without front matter is all body (hand-written drafts are welcome). Broken
    front matter raises InputError naming the line, or with ``strict=False`` is reported in
    ``front_error`` and the body is still returned.
    """
    bounds = _front_bounds(text)
    if bounds is None:
        if text.startswith(FENCE + "\n"):
            return _broken(text, where, "front matter has no closing '---' line", 1, strict)
        return DraftFile(front={}, body=text, body_line=1)
    front_text, body, body_line = bounds
    try:
        front = yaml.load(front_text, Loader=SAFE_LOADER) if front_text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return _broken(body, where, f"front matter is not valid YAML ({problem})", line, strict,
                       body_line)
    if not isinstance(front, dict):
        return _broken(body, where, "front matter is not a mapping of keys", 2, strict,
                       body_line)
    return DraftFile(front=front, body=body, body_line=body_line)


def _broken(body: str, where: str, message: str, line: int, strict: bool,
            body_line: int = 1) -> DraftFile:
    if strict:
        raise InputError(message, where=f"{where}:{line}")
    return DraftFile(front={}, body=body, body_line=body_line,
                     front_error=f"{where}:{line}: {message}")


def body_of(text: str) -> str:
    """A document's body without parsing its front matter (cheap: for comparing bodies)."""
    bounds = _front_bounds(text)
    return bounds[1] if bounds else text


def join_document(front: dict[str, Any], body: str) -> str:
    """Front matter (YAML, keys in insertion order) + body; no front matter if it is empty."""
    if not front:
        return body
    dumped = yaml.dump(front, Dumper=SAFE_DUMPER, sort_keys=False, allow_unicode=True,
                       width=100)
    return f"{FENCE}\n{dumped}{FENCE}\n{body}"


def draft_path(path: Path) -> Path:
    """A draft.md path from a draft file or a task folder."""
    return path / DRAFT_FILE if path.is_dir() else path


def read_draft(path: Path, *, strict: bool = True) -> DraftFile:
    """Read draft.md (or a task folder's draft.md) from disk."""
    path = draft_path(path)
    draft = split_document(read_text(path, kind="draft"), str(path), strict=strict)
    draft.path = path
    return draft


def write_draft(path: Path, draft: DraftFile) -> None:
    """Write a draft atomically."""
    atomic_write(path, draft.render())


def backup_draft(path: Path, data: bytes) -> Path:
    """``draft.md.bak-<UTC time>`` holding ``data``; never replaces an earlier backup."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    backup = path.with_name(f"{path.name}.bak-{stamp}")
    counter = 1
    while backup.exists():
        backup = path.with_name(f"{path.name}.bak-{stamp}-{counter}")
        counter += 1
    atomic_write(backup, data)
    return backup
