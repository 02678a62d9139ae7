"""The ``[[reference]]`` grammar (DESIGN.md): parse references out of draft Markdown, format back.

Forms: ``[[path]]``, ``[[path#L4]]``, ``[[path#L4-L9]]``, ``[[path::Name.attr]]`` (each with an
optional ``@base`` / ``@patched``), ``[[test:node_id]]``, ``[[step:N]]``, ``[[step:N-M]]``, and
fenced quote blocks whose info string is ``quote <reference>``.

Blocks come from :mod:`reasondraft.mdblocks` (CommonMark's block structure, as markdown-it
tokenizes it), so fenced and indented code and HTML blocks are told apart the way any
CommonMark renderer does. Inside a
paragraph, heading or table row the raw source lines are scanned with CommonMark's rules for
backslash escapes and code spans, which keeps exact line and column numbers (a ``--fix`` edits
the file at those positions) and skips the inline tokenizer, the slow half of markdown-it.

A reference closes at the first ``]]`` that is not inside brackets it opened itself: for a
parametrized test id such as ``[[test:t.py::test_a[x-1]]]`` that is the last ``]]`` of the run,
as the contract says, and ``[see [[a.py]]](url)`` still cites ``a.py``. Text that is not a valid
reference is returned as an occurrence with an error, never raised.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from reasondraft.mdblocks import leaf_blocks

RevName = Literal["base", "patched"]
SCHEMES = ("step", "test")
QUOTE_INFO = "quote"

_INT = r"(0|[1-9][0-9]*)"
_LINES_RE = re.compile(rf"#L{_INT}(?:-L{_INT})?")
_STEPS_RE = re.compile(rf"{_INT}(?:-{_INT})?")
_SYMBOL_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(?!:)")
_REV_RE = re.compile(r"@([A-Za-z]+)$")
_LOOSE_LINES_RE = re.compile(r"#L?([0-9]+)(?:-L?([0-9]+))?$")
# The well-formed file reference in one match; anything else takes the slow, explaining path.
_FILE_RE = re.compile(rf"([^\s#@:][^#@:]*?)(?:#L{_INT}(?:-L{_INT})?|::({_SYMBOL_RE.pattern}))?"
                      r"(?:@(base|patched))?")
_SPECIAL_RE = re.compile(r"\\[!-/:-@\[-`{-~]|`+|\[\[")
# Paths a body probably cites, found without parsing it (a guess: used only to read ahead).
_CITED_RE = re.compile(r"\[\[([^\s\[\]#@:]+)"
                       r"|^ {0,3}(?:`{3,}|~{3,})[ \t]*quote[ \t]+\[*([^\s\[\]#@:]+)", re.MULTILINE)




@dataclass(frozen=True, slots=True)
class FileRef:
    """A file, optionally narrowed to lines or a symbol; ``rev`` is None when not written."""

    path: str
    start: int | None = None
    end: int | None = None
    symbol: str | None = None
    rev: RevName | None = None

    @property
    def last(self) -> int | None:
        """The last cited line (``end`` or, for a single line, ``start``)."""
        return self.end if self.end is not None else self.start

    def format(self) -> str:
        text = self.path
        if self.start is not None:
            text += f"#L{self.start}" + (f"-L{self.end}" if self.end is not None else "")
        if self.symbol is not None:
            text += f"::{self.symbol}"
        return text + (f"@{self.rev}" if self.rev else "")


@dataclass(frozen=True, slots=True)
class TestRef:
    """A test by node id, as pytest or the instance's FAIL_TO_PASS list writes it."""

    __test__ = False  # not a pytest test class
    node_id: str

    def format(self) -> str:
        return f"test:{self.node_id}"


@dataclass(frozen=True, slots=True)
class StepRef:
    """Trajectory steps ``start`` to ``end`` (inclusive), numbered from 1."""

    start: int
    end: int | None = None

    @property
    def last(self) -> int:
        return self.end if self.end is not None else self.start

    def format(self) -> str:
        return f"step:{self.start}" + (f"-{self.end}" if self.end is not None else "")


Ref = FileRef | TestRef | StepRef


class RefError(ValueError):
    """Text between ``[[`` and ``]]`` that is not a reference; may carry a likely correction."""

    def __init__(self, message: str, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion


def parse_ref(text: str) -> Ref:
    """Parse the text between the brackets (or after ``quote``); RefError when malformed."""
    if not text.strip():
        raise RefError("empty reference")
    if text != text.strip():
        raise RefError("spaces around the reference", text.strip())
    scheme = _SCHEME_RE.match(text)
    if scheme:
        name, rest = scheme.group(1), text[scheme.end():]
        if name == "step":
            return _parse_steps(rest)
        if name == "test":
            if not rest.strip():
                raise RefError("test reference needs a node id: test:path/test_x.py::test_y")
            return TestRef(rest)
        near = difflib.get_close_matches(name.lower(), SCHEMES, n=1, cutoff=0.6)
        raise RefError(f"unknown reference scheme '{name}:' (known: a file path, step:, test:)",
                       f"{near[0]}:{rest}" if near else None)
    return _parse_file(text)


def _parse_steps(rest: str) -> StepRef:
    match = _STEPS_RE.fullmatch(rest)
    if not match:
        raise RefError("step reference needs a number: step:N or step:N-M")
    start, end = match.groups()
    return StepRef(int(start), int(end) if end is not None else None)


def _parse_file(text: str) -> FileRef:
    fast = _FILE_RE.fullmatch(text)
    if fast is not None and not fast.group(1).endswith((" ", "\t")):
        path, start, end, symbol, rev_name = fast.groups()
        return FileRef(path, int(start) if start else None, int(end) if end else None, symbol,
                       "patched" if rev_name == "patched" else "base" if rev_name else None)
    rev: RevName | None = None
    match = _REV_RE.search(text)
    if match:
        name = match.group(1)
        if name not in ("base", "patched"):
            raise RefError(f"unknown revision '@{name}': use @base or @patched")
        rev = "base" if name == "base" else "patched"
        text = text[:match.start()]
    symbol = None
    if "::" in text:
        text, symbol = text.split("::", 1)
        if not _SYMBOL_RE.fullmatch(symbol):
            fixed = symbol.replace("::", ".")
            good = _SYMBOL_RE.fullmatch(fixed) and text
            raise RefError(f"symbol '{symbol}' is not a dotted name such as Class.method",
                           FileRef(text, symbol=fixed, rev=rev).format() if good else None)
    start = end = None
    if "#" in text:
        path, anchor = text.split("#", 1)
        lines = _LINES_RE.fullmatch("#" + anchor)
        if not lines or symbol is not None:
            raise RefError("a file anchor must be #L<line> or #L<first>-L<last>",
                           _loose_lines(path, "#" + anchor, rev) if symbol is None else None)
        text, start = path, int(lines.group(1))
        end = int(lines.group(2)) if lines.group(2) is not None else None
    if not text or not text.strip():
        raise RefError("reference names no file")
    return FileRef(text, start, end, symbol, rev)


def _loose_lines(path: str, anchor: str, rev: RevName | None) -> str | None:
    """``#42`` or ``#L4-6`` written for ``#L42`` / ``#L4-L6``."""
    match = _LOOSE_LINES_RE.fullmatch(anchor)
    if not match or not path:
        return None
    start, end = int(match.group(1)), match.group(2)
    return FileRef(path, start, int(end) if end is not None else None, rev=rev).format()


def format_ref(ref: Ref) -> str:
    """The reference text, without brackets: ``format_ref(parse_ref(t)) == t``."""
    return ref.format()


# -- Markdown ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph, list-item paragraph, heading, table row or quote block of the body."""

    index: int
    line: int  # 1-based first line
    text: str
    section: str  # text of the nearest heading above ("" before the first)


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One reference as written: ``raw`` is the text between the brackets (or after ``quote``).

    ``line``/``column`` are 1-based positions of ``raw`` in the parsed text. ``quote`` holds a
    quote block's lines; ``error`` is set (and ``ref`` None) when the text is malformed.
    """

    raw: str
    ref: Ref | None
    line: int
    column: int
    block: Block
    quote: tuple[str, ...] | None = None
    error: RefError | None = None


def normalize_newlines(text: str) -> str:
    """CRLF and lone CR become LF, as markdown-it counts lines."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def cited_paths(markdown: str) -> list[str]:
    """The file paths the body's references probably name, from a scan without the parser.

    Cheap and approximate (references in code blocks count too): for reading blobs ahead.
    """
    return [a or b for a, b in _CITED_RE.findall(markdown)]


def find_references(markdown: str) -> list[Occurrence]:
    """Every reference and quote block in a Markdown document, in document order."""
    src = normalize_newlines(markdown)
    if "[[" not in src and QUOTE_INFO not in src:
        return []
    lines = src.split("\n")
    found: list[Occurrence] = []
    section = ""
    for index, leaf in enumerate(leaf_blocks(src)):
        if leaf.kind == "fence":
            if leaf.info.split()[:1] == [QUOTE_INFO]:
                found.append(_quote(leaf.info, leaf.content, lines[leaf.start],
                                    Block(index, leaf.start + 1, leaf.content, section)))
            continue
        if leaf.kind == "heading":
            section = leaf.info.strip()
        text = "\n".join(lines[leaf.start:leaf.end])
        found.extend(_inline(text, Block(index, leaf.start + 1, text, section)))
    return found


def _occurrence(raw: str, line: int, column: int, block: Block,
                quote: tuple[str, ...] | None = None) -> Occurrence:
    try:
        return Occurrence(raw, parse_ref(raw), line, column, block, quote)
    except RefError as exc:
        return Occurrence(raw, None, line, column, block, quote, exc)


def _inline(text: str, block: Block) -> Iterator[Occurrence]:
    """References in one block's source, skipping escapes and code spans (CommonMark)."""
    pos = 0
    while (special := _SPECIAL_RE.search(text, pos)) is not None:
        token, start = special.group(), special.start()
        pos = special.end()
        if token[0] == "\\":
            continue
        if token[0] == "`":
            close = re.compile(rf"(?<!`){token}(?!`)").search(text, pos)
            if close:
                pos = close.end()
            continue
        end = _close(text, pos)
        if end is None:
            continue
        line_start = text.rfind("\n", 0, start) + 1
        yield _occurrence(text[pos:end], block.line + text.count("\n", 0, start),
                          start - line_start + 3, block)
        pos = end + 2


def _close(text: str, pos: int) -> int | None:
    """Index of the ``]]`` closing a reference whose text starts at ``pos``; None if unclosed."""
    end = text.find("]]", pos)
    if end >= 0 and "[" not in text[pos:end] and "\n" not in text[pos:end]:
        return end
    depth, i, n = 0, pos, len(text)
    while i < n:
        char = text[i]
        if char == "\n":
            return None
        if char == "[":
            depth += 1
        elif char == "]":
            if depth:
                depth -= 1
            elif i + 1 < n and text[i + 1] == "]":
                return i
        i += 1
    return None


def _quote(info: str, content: str, fence_line: str, block: Block) -> Occurrence:
    """A quote block: its reference (brackets around it tolerated) and its lines."""
    raw = info.strip()[len(QUOTE_INFO):].strip()
    if raw.startswith("[[") and raw.endswith("]]"):
        raw = raw[2:-2]
    quote = tuple(content.split("\n")[:-1] if content.endswith("\n") else content.split("\n"))
    column = fence_line.find(raw, fence_line.find(QUOTE_INFO)) + 1 if raw else 0
    if not raw:
        return Occurrence(raw, None, block.line, column, block, quote,
                          RefError("quote block names no reference: ```quote path#L1-L3"))
    return _occurrence(raw, block.line, column, block, quote)
