"""Find the format of a trajectory from its content and read it.

First the container: a folder is an OpenHands event store; a file whose first line is a
whole JSON value followed by more lines is JSONL, streamed; anything else is one JSON
document. JSONL rows that carry an ``instance_id`` are records (an OpenHands
``output.jsonl``, one trajectory per row): the row is picked by ``--id`` after a cheap test
on its raw bytes, so other rows — even broken ones — are never parsed. Other JSONL rows
(chat messages, events) together form one document.

Then the format: each reader says why it refuses a document or reads it; the first that
accepts wins (most specific first), and when none does, the error lists every reason. A
document with a format's signature keys (SWE-agent's ``trajectory`` beside ``history`` or
``info``) is that format's to read or refuse: its damage is reported as such, never read
by a later, looser reader. Readers check every value they use (see :mod:`jsonobj`).
"""

from __future__ import annotations

import difflib
import itertools
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from reasondraft.errors import InputError
from reasondraft.files import (
    decode_utf8,
    iter_lines,
    parse_json,
    read_json,
    size_limit,
    too_big,
)
from reasondraft.trajectory import atif, chat, mini_swe_agent, openhands, swe_agent
from reasondraft.trajectory.model import Trajectory

_ROW_ID = re.compile(rb'"instance_id"\s*:\s*"((?:[^"\\]|\\.)*)"')


class Reader(NamedTuple):
    name: str
    claim: Callable[[Any], str | None]
    refusal: Callable[[Any], str | None]
    read: Callable[[Any, str], Trajectory]


READERS = tuple(Reader(m.NAME, m.claim, m.refusal, m.read)
                for m in (atif, mini_swe_agent, swe_agent, openhands, chat))


def read_document(doc: Any, source: str) -> Trajectory:
    """Read a parsed document with the first reader that accepts it.

    A document that carries a format's signature keys belongs to that format: when that
    reader refuses it, the error says so, and no later reader gets to misread it."""
    reasons = []
    for reader in READERS:
        reason = reader.refusal(doc)
        if reason is None:
            return reader.read(doc, source)
        claim = reader.claim(doc)
        if claim is not None:
            raise InputError(f"looks like {reader.name} (it has {claim}) but {reason}",
                             where=source)
        reasons.append(f"not {reader.name}: {reason}")
    raise InputError("no trajectory format matched (" + "; ".join(reasons) + ")", where=source)


def _rows(lines: Iterator[tuple[int, bytes]]) -> Iterator[tuple[int, bytes]]:
    """The non-blank lines (``isspace`` does not copy a long line as ``strip`` would)."""
    return filter(lambda line: line[1] and not line[1].isspace(), lines)


def _parse_row(number: int, raw: bytes, path: Path) -> Any:
    where = f"{path}:{number}"
    return parse_json(decode_utf8(raw, where), where)


def _row_id(raw: bytes) -> str:
    match = _ROW_ID.search(raw)
    return match.group(1).decode("utf-8", "replace") if match else "?"


def _pick_row(path: Path, first_id: str, rows: Iterator[tuple[int, bytes]],
              instance_id: str | None) -> Any:
    """The record with ``instance_id`` among the rows after the first, which was not it.

    Only rows whose raw bytes contain the quoted id are parsed."""
    needle = json.dumps(instance_id).encode() if instance_id is not None else None
    seen = [first_id]
    for number, raw in rows:
        if needle is not None and needle in raw:
            row = _parse_row(number, raw, path)
            if isinstance(row, dict) and row.get("instance_id") == instance_id:
                return row
        seen.append(_row_id(raw))
    if instance_id is None:
        raise InputError(f"holds {len(seen)} rows: choose one with --id "
                         f"(e.g. {', '.join(seen[:3])})", where=str(path))
    near = difflib.get_close_matches(instance_id, seen, n=3, cutoff=0.5)
    hint = f"; nearest: {', '.join(near)}" if near else ""
    raise InputError(f"no row with instance_id '{instance_id}' among {len(seen)}{hint}",
                     where=str(path))


def _load_file(path: Path, instance_id: str | None) -> Any:
    """The document a file holds: one JSON value, a JSONL record, or JSONL rows as a list."""
    lines = iter_lines(path, kind="trajectory", records=True)
    rows = _rows(lines)
    head = next(rows, None)
    if head is None:
        raise InputError("empty file, expected a trajectory", where=str(path))
    raw = head[1]
    del head  # a one-line document can be large: keep only its parsed form
    if b"\0" in raw[:8192]:
        raise InputError("binary file, expected text", where=str(path))
    try:
        first = parse_json(decode_utf8(raw, str(path)), str(path))
    except InputError:  # not a whole value on one line: read_json parses the document
        lines.close()  # (and says what is wrong with it, at its real line)
        return read_json(path, kind="trajectory")
    size = len(raw)
    del raw
    following = next(rows, None)
    if following is None:
        return first
    if isinstance(first, dict) and "instance_id" in first:
        if first["instance_id"] == instance_id:
            return first
        first_id = str(first["instance_id"])
        del first  # not the row asked for: do not hold it while scanning the others
        return _pick_row(path, first_id, itertools.chain([following], rows), instance_id)
    rows = _together(itertools.chain([following], rows), size, path)
    return [first, *(_parse_row(n, raw, path) for n, raw in rows)]


def _together(rows: Iterator[tuple[int, bytes]], size: int,
              path: Path) -> Iterator[tuple[int, bytes]]:
    """Rows that make one document (chat messages, events): together, not only each one,
    under the trajectory size limit (``size``: the bytes of the rows before these)."""
    limit = size_limit("trajectory")
    for number, raw in rows:
        size += len(raw)
        if size > limit:
            raise too_big(path, "trajectory", None)
        yield number, raw


def load_trajectory(path: Path, instance_id: str | None = None) -> Trajectory:
    """Read a trajectory in any supported format, detected from its content.

    ``path`` is a file (JSON or JSONL) or an OpenHands session folder. ``instance_id``
    picks the row of a JSONL file holding several; for a file about one instance it must
    match the id the file states, if it states one. Bad input raises InputError with one
    line naming the file, line or key.
    """
    if path.is_dir():
        traj = openhands.read_folder(path)
    else:
        traj = read_document(_load_file(path, instance_id), str(path))
    if instance_id is not None and traj.instance_id not in (None, instance_id):
        raise InputError(f"holds instance '{traj.instance_id}', not '{instance_id}'",
                         where=str(path))
    return traj
