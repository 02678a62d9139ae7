"""Reading and writing files: the one place that touches the file system for content.

Reads turn OS and decoding errors into :class:`InputError`; writes are atomic (a temp file
in the same directory, fsync, rename), so a crash or Ctrl-C never leaves half a file and a
concurrent reader sees either the old or the new content.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from reasondraft.errors import InputError
from reasondraft.redact import mask_keys

# How deep parsed JSON and front matter may nest (real files: about 12 levels).
MAX_NESTING = 100
_CONTAINERS = frozenset({dict, list, tuple, set, frozenset})


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """OS errors while opening or reading ``path`` as one-line InputErrors naming it."""
    try:
        yield
    except FileNotFoundError:
        raise InputError("file not found", where=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a file", where=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from None


def read_bytes(path: Path) -> bytes:
    """Read a whole file, or raise InputError naming it."""
    with _reading(path):
        return path.read_bytes()


def decode_utf8(data: bytes, where: str) -> str:
    """Decode strict UTF-8 (a BOM is dropped), naming the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(f"not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line})",
                         where=where) from None


def read_text(path: Path) -> str:
    """Read a UTF-8 text file; binary or non-UTF-8 content is an InputError."""
    data = read_bytes(path)
    if b"\0" in data[:8192]:
        raise InputError("binary file, expected text", where=str(path))
    return decode_utf8(data, str(path))


def parse_json(text: str, where: str) -> Any:
    """Parse JSON text; a syntax error names the line and column.

    Nesting deeper than :data:`MAX_NESTING` is refused: the parser, ``json.dumps``,
    ``repr`` and pydantic all recurse once per level, so a value parsed near the
    interpreter's limit would crash whatever walks it next.
    """
    try:
        value = json.loads(text)
        too_deep = not nested_within(value)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                         where=where) from None
    except RecursionError:  # deeper than even the interpreter allows
        too_deep = True
    if too_deep:
        raise InputError(f"JSON nested too deeply (more than {MAX_NESTING} levels)",
                         where=where)
    return value


def nested_within(value: Any, limit: int = MAX_NESTING) -> bool:
    """Whether ``value`` nests at most ``limit`` containers deep (level by level, so no
    recursion, one pass over the containers; other values count as leaves)."""
    level = [value] if type(value) in _CONTAINERS else []
    for _ in range(limit):
        if not level:
            return True
        level = [child for node in level
                 for child in (node.values() if type(node) is dict else node)
                 if type(child) in _CONTAINERS]
    return not level


def read_json(path: Path) -> Any:
    """Read one JSON document from a file."""
    text = read_text(path)
    if not text.strip():
        raise InputError("empty file, expected JSON", where=str(path))
    return parse_json(text, str(path))


def iter_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """Yield (line number, raw bytes) for each line of a file, streaming, so a caller can
    look at a large file one line at a time (and skip lines without decoding them)."""
    with _reading(path):
        handle = path.open("rb")
    with handle:
        yield from enumerate(handle, start=1)


def iter_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    """Yield (line number, value) for each non-blank line of a JSONL file, streaming.

    A broken line raises InputError naming that line, so callers that only want one row
    can stop before reaching damage further down.
    """
    for number, raw in iter_lines(path):
        if not raw.strip():
            continue
        where = f"{path}:{number}"
        yield number, parse_json(decode_utf8(raw, where), where)


def atomic_write(path: Path, content: str | bytes) -> None:
    """Write a file atomically: temp file in the same directory, fsync, rename.

    Text is written as UTF-8 with the newlines exactly as given.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def append_jsonl(path: Path, record: Any) -> None:
    """Append one JSON line (logs only: appends of one short line are atomic enough).

    A log holds prompts and server errors: it is created readable by its owner only, and
    the values of API-key variables are masked in every line (a server may echo the key)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = mask_keys(json.dumps(record, ensure_ascii=False, default=str)) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(line)
