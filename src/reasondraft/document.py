"""draft.md on disk: YAML front matter + Markdown body, and the body's content hash.

The front matter holds what tools need (format version, instance_id, repo, base_commit,
repo_path hint, status, provenance, review record); the body is what people edit. A body
hash binds an approval to exact content. A human may break the front matter: reading in
``strict=False`` mode keeps the body and reports the problem instead of failing, so
``show`` and ``edit`` still open such a draft.

Front matter is untrusted, so the one reader (:func:`split_document`) refuses, naming the
line, what YAML allows but no draft needs: a key given twice in one mapping (a person reads
the first, a loader keeps the last), aliases (``*name``: nine levels of ten make gigabytes
for whoever walks the result), nesting deeper than ``MAX_FRONT_DEPTH`` and front matter
larger than ``MAX_FRONT_CHARS``. Real front matter is 1-5 KB, four levels deep.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reasondraft.errors import InputError
from reasondraft.files import atomic_write, decode_text, read_bytes

FORMAT_VERSION = 2
# Front matter keys the review commands write (approve, reject, edit).
REVIEW_KEY = "review"
AUTHOR_KEY = "author"
HISTORY_KEY = "review_history"
FENCE = "---"
DRAFT_FILE = "draft.md"
GENERATED_FILE = "draft.generated.md"
MAX_FRONT_CHARS = 256 * 1024  # ~50x the largest real front matter (10 history records)
MAX_FRONT_DEPTH = 32  # mappings and lists inside each other; real drafts use 4
FRONT_LINE = 2  # the file line of the front matter's first line (after the opening fence)
# libyaml's safe loader when PyYAML has it: the same documents, ~6x faster (status scans
# front matter of thousands of drafts).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
# What PyYAML's constructors raise besides YAMLError for a value they cannot build
# (2001-02-30, !!int x, !!timestamp soon).
UNBUILDABLE = (ValueError, KeyError, TypeError, OverflowError, AttributeError, IndexError)


class Refused(Exception):
    """Front matter YAML accepts but drafts must not hold; ``line`` is 0-based in it."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


class FrontLoader(SAFE_LOADER):  # type: ignore[misc,valid-type]
    """The safe loader (libyaml's parser and composer when present) refusing a key given
    twice in one mapping. Aliases and depth are checked on the composed nodes, before any
    value is built (see :func:`load_front`)."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:  # noqa: FBT001, FBT002 (PyYAML's signature)
        mapping = super().construct_mapping(node, deep=deep)
        if len(mapping) != len(node.value):  # a key came twice; find it (rare: cost is fine)
            first: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line
                if key in first:
                    raise Refused(f"duplicate key '{key}' (first on line "
                                  f"{first[key] + FRONT_LINE})", line)
                first[key] = line
        return mapping


class SafeDumper(SAFE_DUMPER):  # type: ignore[misc,valid-type]
    """The safe dumper without anchors and aliases: the reader refuses them."""

    def ignore_aliases(self, data: Any) -> bool:  # noqa: ARG002 (PyYAML's signature)
        return True


def load_front(text: str) -> Any:
    """Front matter text as Python values, or Refused / yaml.YAMLError naming the line."""
    if len(text) > MAX_FRONT_CHARS:
        raise Refused(f"front matter is longer than {MAX_FRONT_CHARS:,} characters", 0)
    loader = FrontLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:  # PyYAML's pure-Python composer (libyaml stops at 1000)
            raise Refused(f"front matter nests deeper than {MAX_FRONT_DEPTH} levels", 0) \
                from None
        if node is None:
            return None
        _check_nodes(node, text)
        try:
            return loader.construct_document(node)
        except UNBUILDABLE:
            raise _unbuildable(node) from None
    finally:
        loader.dispose()


def _unbuildable(root: Node) -> Refused:
    """The first value PyYAML could not build, found again one scalar at a time (only on
    that error, so reading stays at libyaml's speed)."""
    probe = FrontLoader("")
    try:
        stack = [root]
        while stack:
            node = stack.pop()
            if isinstance(node, ScalarNode):
                try:
                    probe.construct_object(node)
                except UNBUILDABLE:
                    return Refused(f"cannot read {node.value[:60]!r} as "
                                   f"{node.tag.rsplit(':', 1)[-1]}", node.start_mark.line)
            else:
                children = [c for pair in node.value for c in pair] \
                    if isinstance(node, MappingNode) else node.value
                stack.extend(reversed(children))
    finally:
        probe.dispose()
    return Refused("a front matter value cannot be read", 0)


def _check_nodes(root: Node, text: str) -> None:
    """Refuse aliases (a node reached twice) and deep nesting: a walk level by level, no
    recursion (status runs it for every draft, so it stays lean)."""
    seen: set[int] = set()
    level = [root]
    for depth in range(1, MAX_FRONT_DEPTH + 2):
        below: list[Node] = []
        for node in level:
            if id(node) in seen:
                name, line = _first_alias(text)
                raise Refused(f"YAML alias '*{name}': anchors and aliases are not allowed "
                              "in front matter", line)
            seen.add(id(node))
            if isinstance(node, ScalarNode):
                continue
            if depth > MAX_FRONT_DEPTH:
                raise Refused(f"front matter nests deeper than {MAX_FRONT_DEPTH} levels",
                              node.start_mark.line)
            if isinstance(node, MappingNode):
                for pair in node.value:
                    below.extend(pair)
            else:
                below.extend(node.value)
        if not below:
            return
        level = below


def _first_alias(text: str) -> tuple[str, int]:
    """The first alias event's name and line (the nodes only know where the anchor is)."""
    loader = SAFE_LOADER(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.AliasEvent):
                return event.anchor or "", event.start_mark.line if event.start_mark else 0
    finally:
        loader.dispose()
    return "", 0


@dataclass
class DraftFile:
    """A parsed draft.md. ``body_line`` is the 1-based file line where the body starts."""

    front: dict[str, Any]
    body: str
    body_line: int = 1
    path: Path | None = None
    front_error: str | None = None
    front_text: str = ""
    where: str = "draft"

    @property
    def content_hash(self) -> str:
        return body_hash(self.body)

    @property
    def has_review(self) -> bool:
        """Whether a review decision is recorded: without one there is nothing to compare
        verify's findings against (and no need to load the review models)."""
        return REVIEW_KEY in self.front

    def render(self) -> str:
        return join_document(self.front, self.body)

    def key_line(self, keys: tuple[str | int, ...]) -> int:
        """The file line of a front matter key path (its deepest part present): for
        messages about a value, so it parses the front matter again."""
        loader = FrontLoader(self.front_text)
        try:
            node = loader.get_single_node()
        except yaml.YAMLError:
            return 1
        finally:
            loader.dispose()
        line = -1
        for key in keys:
            if isinstance(node, MappingNode):
                pair = next(((k, v) for k, v in node.value
                             if isinstance(k, ScalarNode) and k.value == str(key)), None)
                if pair is None:
                    break
                line, node = pair[0].start_mark.line, pair[1]
            elif isinstance(node, SequenceNode) and isinstance(key, int) \
                    and 0 <= key < len(node.value):
                node = node.value[key]
                line = node.start_mark.line
            else:
                break
        return line + FRONT_LINE if line >= 0 else 1


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
            return _broken(text, where, "front matter has no closing '---' line", 1,
                           strict=strict)
        return DraftFile(front={}, body=text, body_line=1)
    front_text, body, body_line = bounds
    try:
        front = load_front(front_text) if front_text.strip() else {}
    except Refused as exc:
        return _broken(body, where, str(exc), exc.line + FRONT_LINE, strict=strict,
                       body_line=body_line)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + FRONT_LINE if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return _broken(body, where, f"front matter is not valid YAML ({problem})", line,
                       strict=strict, body_line=body_line)
    if not isinstance(front, dict):
        return _broken(body, where, "front matter is not a mapping of keys", FRONT_LINE,
                       strict=strict, body_line=body_line)
    return DraftFile(front=front, body=body, body_line=body_line, front_text=front_text,
                     where=where)


def _broken(body: str, where: str, message: str, line: int, *, strict: bool,
            body_line: int = 1) -> DraftFile:
    if strict:
        raise InputError(message, where=f"{where}:{line}")
    return DraftFile(front={}, body=body, body_line=body_line,
                     front_error=f"{where}:{line}: {message}", where=where)


def body_start(text: str) -> int:
    """The file line where a document's body begins (1 without front matter): what turns
    a finding's body line into its draft.md line."""
    bounds = _front_bounds(text)
    return bounds[2] if bounds else 1


def body_of(text: str) -> str:
    """A document's body without parsing its front matter (cheap: for comparing bodies)."""
    bounds = _front_bounds(text)
    return bounds[1] if bounds else text


def join_document(front: dict[str, Any], body: str) -> str:
    """Front matter (YAML, keys in insertion order) + body; no front matter if it is empty."""
    if not front:
        return body
    dumped = yaml.dump(front, Dumper=SafeDumper, sort_keys=False, allow_unicode=True,
                       width=100)
    return f"{FENCE}\n{dumped}{FENCE}\n{body}"


def draft_path(path: Path) -> Path:
    """A draft.md path from a draft file or a task folder."""
    return path / DRAFT_FILE if path.is_dir() else path


def one_draft(path: Path) -> Path:
    """The draft.md a command that takes one draft was given (a draft file or a task
    folder); a folder without a draft.md is bad input saying so, not "file not found"."""
    draft = draft_path(path)
    if path.is_dir() and not draft.exists():
        inside = sum(1 for sub in path.iterdir() if (sub / DRAFT_FILE).is_file())
        held = f"; it holds {inside} task folder(s) with a {DRAFT_FILE}: give one of them" \
            if inside else ""
        raise InputError(f"a folder without a {DRAFT_FILE}: this command takes one draft "
                         f"(a {DRAFT_FILE} or its task folder){held}", where=str(path))
    return draft


def read_draft(path: Path, *, strict: bool = True) -> DraftFile:
    """Read draft.md (or a task folder's draft.md) from disk."""
    path = one_draft(path)
    return parse_draft(path, read_bytes(path, kind="draft"), strict=strict)


def parse_draft(path: Path, data: bytes, *, strict: bool = True) -> DraftFile:
    """A draft.md's bytes, as read (callers that rewrite the file keep them to compare),
    parsed into front matter and body."""
    draft = split_document(decode_text(data, str(path)), str(path), strict=strict)
    draft.path = path
    return draft


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
