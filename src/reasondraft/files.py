"""Reading and writing files: the one place that touches the file system for content.

Reads turn OS and decoding errors into :class:`InputError`; writes are atomic (a temp file
in the same directory, fsync, rename), so a crash or Ctrl-C never leaves half a file and a
concurrent reader sees either the old or the new content.

Every input is untrusted, so a read opens only regular files (a link to one is fine): the
file is opened without blocking (a FIFO would wait for a writer forever) and checked with
``fstat`` before a byte is read, so a FIFO, ``/dev/zero`` or a socket is refused at once.
Each kind of file has a size limit (:data:`SIZE_LIMITS`, generous: real trajectories reach
hundreds of MB), raised with ``REASONDRAFT_MAX_<KIND>_SIZE`` (e.g. ``2G``); what is read
stops at the limit even if the file grows meanwhile.

Writes never go through a symbolic link and never replace one, nor a FIFO, a device or a
socket: such a target is refused with a line saying what it is (a rename would silently put
a regular file in place of ``/dev/null``, a FIFO, or a link to ``/proc/self/fd/1``). A
rewrite keeps the replaced file's mode and, when the process may, its owner and group.
Output paths are checked with :func:`check_output_file` / :func:`check_output_dir` before
any work that costs something (a model call), so a bad one fails at once.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
from collections.abc import Generator, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, BinaryIO

from reasondraft.errors import InputError
from reasondraft.redact import mask_keys

# How deep parsed JSON and front matter may nest (real files: about 12 levels).
MAX_NESTING = 100
_CONTAINERS = frozenset({dict, list, tuple, set, frozenset})

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30
READ_CHUNK = 1 * MiB  # reads past what fstat told (a growing file, /proc)
SIZE_LIMITS: dict[str, int] = {
    "trajectory": 1 * GiB,  # one file, or all the event files of a session folder
    "instance": 1 * GiB,  # task.json, or a dataset's .json/.jsonl of many instances
    "diff": 256 * MiB,
    "draft": 10 * MiB,  # draft.md and draft.generated.md
    "config": 1 * MiB,  # reasondraft.toml, pyproject.toml, prompt templates
    "state": 256 * MiB,  # batch state, fixture answers
    "file": 1 * GiB,  # anything else
}
_SIZE = re.compile(r"\s*([0-9]+)\s*([KMGT]?)(?:i?B)?\s*", re.IGNORECASE)
_UNITS = {"": 1, "K": KiB, "M": MiB, "G": GiB, "T": 1 << 40}
_NOT_REGULAR = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def size_limit(kind: str) -> int:
    """The byte limit for a kind of file: ``REASONDRAFT_MAX_<KIND>_SIZE`` or the default."""
    name = f"REASONDRAFT_MAX_{kind.upper()}_SIZE"
    raw = os.environ.get(name, "").strip()
    if not raw:
        return SIZE_LIMITS[kind]
    match = _SIZE.fullmatch(raw)
    if match is None:
        raise InputError(f"{raw!r} is not a size (bytes, or a number with K, M, G or T)",
                         where=name)
    return int(match.group(1)) * _UNITS[match.group(2).upper()]


def format_size(size: int) -> str:
    """Bytes as a person reads them: 1.2 GiB, 10 MiB, 512 bytes."""
    for unit, name in ((GiB, "GiB"), (MiB, "MiB"), (KiB, "KiB")):
        if size >= unit:
            return f"{size / unit:.1f}".removesuffix(".0") + f" {name}"
    return f"{size} bytes"


def too_big(path: Path, kind: str, size: int | None) -> InputError:
    """The one line for a file over its kind's limit (``size`` None: not known, only that
    it is more)."""
    limit = size_limit(kind)
    told = format_size(size) if size is not None else f"more than {format_size(limit)}"
    return InputError(f"{told}, over the {kind} size limit of {format_size(limit)} "
                      f"(REASONDRAFT_MAX_{kind.upper()}_SIZE raises it)", where=str(path))


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


def _check_regular(path: Path, mode: int) -> None:
    """Refuse anything but a regular file: reading a FIFO waits for a writer forever, a
    device such as /dev/zero never ends."""
    if stat.S_ISDIR(mode):
        raise InputError("is a directory, expected a file", where=str(path))
    if not stat.S_ISREG(mode):
        what = next((name for test, name in _NOT_REGULAR if test(mode)), "not a plain file")
        raise InputError(f"not a regular file ({what}); only regular files are read",
                         where=str(path))


def _open_regular(path: Path, kind: str = "file", *,
                 whole: bool = True) -> tuple[BinaryIO, int]:
    """Open a regular file for reading (refusing anything else, and, when it is read
    ``whole``, a file over the kind's limit) and return it with the limit."""
    limit = size_limit(kind)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    with _reading(path):
        fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        _check_regular(path, info.st_mode)
        if whole and info.st_size > limit:
            raise too_big(path, kind, info.st_size)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb"), limit
    except BaseException:
        os.close(fd)
        raise


def check_total_size(paths: list[Path], kind: str, where: Path) -> None:
    """Refuse files read as one input (a session folder's event files) whose sizes add up
    past the kind's limit; each is still checked, and read, on its own later."""
    limit = size_limit(kind)
    total = 0
    for path in paths:
        try:
            total += path.stat().st_size
        except OSError:
            continue  # reading it will say what is wrong
        if total > limit:
            raise InputError(f"its files add up to more than the {kind} size limit of "
                             f"{format_size(limit)} (REASONDRAFT_MAX_{kind.upper()}_SIZE "
                             "raises it)", where=str(where))


def read_bytes(path: Path, *, kind: str = "file") -> bytes:
    """Read a whole regular file within its kind's size limit, or raise InputError."""
    handle, limit = _open_regular(path, kind)
    with handle, _reading(path):
        # One read of the size fstat told (+1 to see growth): read(limit + 1) would allocate
        # the whole limit (1 GiB for a trajectory) for every file. Then, for a file that grew
        # or whose size is not told (/proc), chunks until the end or past the limit.
        parts = [handle.read(min(os.fstat(handle.fileno()).st_size, limit) + 1)]
        total = len(parts[0])
        while parts[-1] and total <= limit:
            parts.append(handle.read(min(READ_CHUNK, limit + 1 - total)))
            total += len(parts[-1])
    if total > limit:
        raise too_big(path, kind, None)
    return parts[0] if len(parts) <= 2 and not parts[-1] else b"".join(parts)


def decode_utf8(data: bytes, where: str) -> str:
    """Decode strict UTF-8 (a BOM is dropped), naming the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(f"not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line})",
                         where=where) from None


def read_text(path: Path, *, kind: str = "file") -> str:
    """Read a UTF-8 text file; binary or non-UTF-8 content is an InputError."""
    return decode_text(read_bytes(path, kind=kind), str(path))


def decode_text(data: bytes, where: str) -> str:
    """Bytes read as a text file (kept by callers that compare them later): binary or
    non-UTF-8 content is an InputError."""
    if b"\0" in data[:8192]:
        raise InputError("binary file, expected text", where=where)
    return decode_utf8(data, where)


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


def parse_toml(text: str, where: str) -> dict[str, Any]:
    """Parse a project file's TOML; an error names the line, as tomllib words it.

    tomllib recurses once per nesting level, so values nested deeper than
    :data:`MAX_NESTING` are refused as in :func:`parse_json`. Imported here: a run without
    a project file (most) never needs the parser.
    """
    import tomllib

    try:
        value = tomllib.loads(text)
        too_deep = not nested_within(value)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"invalid TOML: {exc}", where=where) from None
    except RecursionError:
        too_deep = True
    if too_deep:
        raise InputError(f"TOML nested too deeply (more than {MAX_NESTING} levels)",
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


def read_json(path: Path, *, kind: str = "file") -> Any:
    """Read one JSON document from a file."""
    text = read_text(path, kind=kind)
    if not text.strip():
        raise InputError("empty file, expected JSON", where=str(path))
    return parse_json(text, str(path))


def iter_lines(path: Path, *, kind: str = "file",
               records: bool = False) -> Generator[tuple[int, bytes], None, None]:
    """Yield (line number, raw bytes) for each line of a file, streaming, so a caller can
    look at a large file one line at a time (and skip lines without decoding them).

    With ``records`` each line is a document of its own (a run of an OpenHands
    output.jsonl, an instance of a dataset) and the kind's limit applies to each line, so
    a caller looking for one row may stream a file larger than the limit."""
    handle, limit = _open_regular(path, kind, whole=not records)
    with handle:
        total, number = 0, 0
        while True:
            with _reading(path):
                raw = handle.readline(limit + 1 if records else limit + 1 - total)
            if not raw:
                return
            total, number = total + len(raw), number + 1
            if len(raw) > limit and records:
                raise InputError(f"line {number} is more than the {kind} size limit of "
                                 f"{format_size(limit)} (REASONDRAFT_MAX_{kind.upper()}_SIZE "
                                 "raises it)", where=str(path))
            if total > limit and not records:
                raise too_big(path, kind, None)
            yield number, raw


def iter_jsonl(path: Path, *, kind: str = "file",
               records: bool = False) -> Iterator[tuple[int, Any]]:
    """Yield (line number, value) for each non-blank line of a JSONL file, streaming.

    A broken line raises InputError naming that line, so callers that only want one row
    can stop before reaching damage further down.
    """
    for number, raw in iter_lines(path, kind=kind, records=records):
        if not raw.strip():
            continue
        where = f"{path}:{number}"
        yield number, parse_json(decode_utf8(raw, where), where)


_KINDS = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a directory"),
          (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def replaceable(path: Path) -> os.stat_result | None:
    """The status of the regular file at ``path`` (None when nothing is there), or
    InputError when it is anything else: a link, a directory or a special file is never
    written through or replaced."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", where=str(path)) from None
    if not stat.S_ISREG(status.st_mode):
        raise InputError(f"is {_kind(status.st_mode)}, not a regular file; refusing to write "
                         "to it", where=str(path))
    return status


def _existing_ancestor(path: Path) -> Path:
    """The nearest of ``path``'s ancestors that exists (what mkdir would create into)."""
    for parent in path.parents:
        if os.path.lexists(parent):
            return parent
    return Path(".")


def _probe_dir(folder: Path, where: Path) -> None:
    """Create and remove a file in ``folder``: the one honest test that writing works there
    (``os.access`` says yes to root on /proc and to anyone on a full or read-only mount's
    directory it cannot judge)."""
    if not folder.is_dir():
        raise InputError(f"{folder} is not a directory", where=str(where))
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".reasondraft-probe-")
    except OSError as exc:
        raise InputError(f"cannot create files in {folder}: {exc.strerror}",
                         where=str(where)) from None
    os.close(fd)
    os.unlink(probe)


def check_output_file(path: Path, *, append: bool = False) -> None:
    """Refuse, before any work, an output file that cannot be written: a link, a directory,
    a special file, a parent that is a file, a place where files cannot be created; with
    ``append``, also an existing file that cannot be opened for appending."""
    status = replaceable(path)
    if status is not None and append:
        os.close(_open_to_write(path, os.O_WRONLY | os.O_APPEND))
        return
    parent = path.parent if os.path.lexists(path.parent) else _existing_ancestor(path)
    _probe_dir(parent, path)


def check_output_dir(path: Path) -> None:
    """Refuse, before any work, an output folder that is not a directory or could not be
    created. A link to a directory is accepted: a folder is written into, never replaced."""
    if os.path.lexists(path):
        if not path.is_dir():
            raise InputError("is not a directory; --out takes a folder", where=str(path))
        _probe_dir(path, path)
        return
    _probe_dir(_existing_ancestor(path), path)


def keep_owner_and_mode(target: int | Path, like: os.stat_result) -> None:
    """Give a new file (an fd or a path) the owner, group and permission bits of the one it
    replaces. The owner can be changed only by root, the group only to one the process
    belongs to: each is kept when the system allows it. Mode last: a chown clears set-id
    bits."""
    try:
        os.chown(target, like.st_uid, like.st_gid)
    except OSError:
        with suppress(OSError):
            os.chown(target, -1, like.st_gid)
    os.chmod(target, stat.S_IMODE(like.st_mode))


def _umask() -> int:
    """The process's umask (read once, at import, while no other thread writes files)."""
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


UMASK = _umask()


def atomic_write(path: Path, content: str | bytes, *,
                 like: os.stat_result | None = None, private: bool = False) -> None:
    """Write a file atomically: temp file in the same directory, fsync, rename.

    Text is written as UTF-8 with the newlines exactly as given. A file that exists keeps
    its mode and ownership (``like`` gives them for a file written in a new place, e.g. a
    folder built to replace another); a new one gets the mode ``open()`` would give it
    (0666 less the umask: drafts are shared with a team), or 0600 when ``private`` (what
    only its writer may read, e.g. sealed answers). A link or a special file at ``path`` is
    refused (InputError), as is any OS error, in one line.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    like = replaceable(path) or like
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", where=str(path)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            if like is not None:
                keep_owner_and_mode(handle.fileno(), like)
            else:
                os.fchmod(handle.fileno(), 0o600 if private else 0o666 & ~UMASK)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write: {exc.strerror}", where=str(path)) from None
        raise


def _open_to_write(path: Path, flags: int, mode: int = 0o666) -> int:
    """Open a regular file without following a link at ``path`` and without blocking on a
    FIFO (O_NONBLOCK), then make sure it is a regular file (fstat: no race with lstat)."""
    replaceable(path)
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, mode)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", where=str(path)) from None
    if not stat.S_ISREG(kind := os.fstat(fd).st_mode):
        os.close(fd)
        raise InputError(f"is {_kind(kind)}, not a regular file; refusing to write to it",
                         where=str(path))
    os.set_blocking(fd, True)
    return fd


def append_jsonl(path: Path, record: Any) -> None:
    """Append one JSON line (logs only: appends of one short line are atomic enough). Like
    every write, never through a link nor into a special file.

    A log holds prompts and server errors: it is created readable by its owner only, and
    the values of API-key variables are masked in every line (a server may echo the key)."""
    line = (mask_keys(json.dumps(record, ensure_ascii=False, default=str)) + "\n").encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", where=str(path)) from None
    fd = _open_to_write(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        with os.fdopen(fd, "ab") as handle:
            handle.write(line)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", where=str(path)) from None
