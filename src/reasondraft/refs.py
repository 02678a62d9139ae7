"""The ``[[reference]]`` grammar (docs/formats.md): parse references out of draft Markdown,
format them back.

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
reference is returned as an occurrence with an error, never raised; so is a ``[[`` that nothing
closes on its line (once per line). Scanning is one forward pass: linear in the text however
many openers or references a line holds.
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_left
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
UNTERMINATED = "unterminated reference: no ']]' closes this '[[' on its line"
_SHOWN = 60  # characters of an unterminated reference's text kept as its ``raw``
_SPECIAL_RE = re.compile(r"\\[!-/:-@\[-`{-~]|`+|\[\[")
_BRACKET_RE = re.compile(r"[\[\]]")
_BACKTICKS_RE = re.compile(r"`+")
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
    """References in one block's source, skipping escapes and code spans (CommonMark).

    Every search moves forward only, so the time is linear in the block: a line holding
    thousands of openers or references is read once, not once per opener. An opener that
    nothing closes on its line is reported once per line (later ones lie inside its text).
    """
    line = _LineCursor(text)
    closer = _Closer(text)
    spans: _CodeSpans | None = None
    unterminated_line = -1
    pos = 0
    while (special := _SPECIAL_RE.search(text, pos)) is not None:
        token, start = special.group(), special.start()
        pos = special.end()
        if token[0] == "\\":
            continue
        if token[0] == "`":
            spans = spans or _CodeSpans(text)
            pos = spans.after_close(len(token), pos)
            continue
        line.move_to(start)
        end = closer.close(pos, line.start, line.end)
        if end is None:
            if line.number != unterminated_line:
                unterminated_line = line.number
                rest = text[pos:min(line.end, pos + _SHOWN + 1)].rstrip()
                raw = rest if len(rest) <= _SHOWN else rest[:_SHOWN - 1] + "…"
                yield Occurrence(raw, None, block.line + line.number, start - line.start + 3,
                                 block, error=RefError(UNTERMINATED))
            continue
        yield _occurrence(text[pos:end], block.line + line.number, start - line.start + 3,
                          block)
        pos = end + 2


class _LineCursor:
    """The line (0-based number, start, end) holding a position, for positions that only
    grow: each character is looked at once however many references a line holds."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.number, self.start = 0, 0
        self.end = self._end_from(0)

    def _end_from(self, pos: int) -> int:
        end = self.text.find("\n", pos)
        return len(self.text) if end < 0 else end

    def move_to(self, pos: int) -> None:
        if pos <= self.end:
            return
        self.number += self.text.count("\n", self.end, pos)
        self.start = self.text.rfind("\n", self.end, pos) + 1
        self.end = self._end_from(pos)


class _Closer:
    """Where the ``]]`` closing a reference is, for reference starts that only grow.

    The usual reference has no ``[`` before its ``]]``: the next ``]]`` and the next ``[``
    are remembered, so finding them costs one pass over the text. Otherwise the line's
    brackets decide (see :func:`_line_closes`), computed once per line.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.pair = self.bracket = -1  # next "]]" / "[" at or after the last start; -1: none
        self.pair_from = self.bracket_from = len(text) + 1  # where they were searched from
        self.line_start = -1
        self.brackets: list[int] = []
        self.closes: list[int | None] = []

    def _next(self, needle: str, pos: int, found: int, since: int) -> tuple[int, int]:
        """The first ``needle`` at or after ``pos`` (-1 if none), reusing the last search
        when it started at or before ``pos`` and found nothing or something at ``pos``+."""
        if since <= pos and (found < 0 or found >= pos):
            return found, since
        return self.text.find(needle, pos), pos

    def close(self, pos: int, line_start: int, line_end: int) -> int | None:
        """Index of the ``]]`` closing a reference whose text starts at ``pos``, on the
        line ``text[line_start:line_end]``; None when nothing closes it there."""
        self.pair, self.pair_from = self._next("]]", pos, self.pair, self.pair_from)
        if self.pair < 0 or self.pair >= line_end:
            return None
        self.bracket, self.bracket_from = self._next("[", pos, self.bracket,
                                                     self.bracket_from)
        if self.bracket < 0 or self.bracket > self.pair:
            return self.pair
        if line_start != self.line_start:
            self.line_start = line_start
            self.brackets, self.closes = _line_closes(self.text, line_start, line_end)
        index = bisect_left(self.brackets, pos)
        return self.closes[index] if index < len(self.closes) else None


def _line_closes(text: str, start: int, end: int) -> tuple[list[int], list[int | None]]:
    """The positions of the brackets in ``text[start:end]`` and, for each, where a reference
    whose text starts there closes (None: it does not).

    From a ``]`` followed by ``]`` a reference closes right there; from a lone ``]`` (at
    depth 0 it is text) it closes where one from the next bracket does; from a ``[`` it
    closes where one from just after its matching ``]`` does, or never if that ``[`` is not
    matched on the line. One pass to match brackets, one backwards to fill in.
    """
    brackets = [m.start() for m in _BRACKET_RE.finditer(text, start, end)]
    count = len(brackets)
    matching: list[int | None] = [None] * count
    opened: list[int] = []
    for index, position in enumerate(brackets):
        if text[position] == "[":
            opened.append(index)
        elif opened:
            matching[opened.pop()] = index
    closes: list[int | None] = [None] * (count + 1)
    for index in range(count - 1, -1, -1):
        position = brackets[index]
        if text[position] == "]":
            pair = index + 1 < count and brackets[index + 1] == position + 1 \
                and text[position + 1] == "]"
            closes[index] = position if pair else closes[index + 1]
        else:
            partner = matching[index]
            closes[index] = closes[partner + 1] if partner is not None else None
    return brackets, closes[:count]


class _CodeSpans:
    """The backtick runs of a block by length, so a code span's closing run is found by
    bisection instead of a search that, unmatched, reads the rest of the block."""

    def __init__(self, text: str) -> None:
        self.runs: dict[int, list[int]] = {}
        for run in _BACKTICKS_RE.finditer(text):
            self.runs.setdefault(run.end() - run.start(), []).append(run.start())

    def after_close(self, length: int, pos: int) -> int:
        """Just past the run of exactly ``length`` backticks that closes a span opened
        before ``pos``; ``pos`` itself when none does (the opener is then literal text)."""
        starts = self.runs.get(length, [])
        index = bisect_left(starts, pos)
        return starts[index] + length if index < len(starts) else pos


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
