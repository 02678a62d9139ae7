"""The leaf blocks of a Markdown body: where its text, headings and fenced code are.

References are looked for in text blocks (paragraphs, list-item paragraphs, headings, table
rows) and quote blocks are fences, so the block structure decides what a reference is; it is
CommonMark's, as markdown-it-py tokenizes it. Two ways to get it, same answer:

- a line scanner for the plain documents drafts almost always are (ATX headings, paragraphs,
  one-line list items, fences at the margin). It gives up, returning None, on anything where
  CommonMark has subtleties it does not model: indentation, tabs, block quotes, HTML, tables,
  rules and setext underlines, nested or empty list items, escapes in an info string.
- markdown-it's block tokenizer for everything else, with its paragraph and setext rules
  replaced by one that makes only the tokens read here (the stock pair scans each paragraph
  twice and builds tokens only rendering needs).

Tests compare the two on generated documents: where the scanner answers, it answers exactly
what markdown-it does. The scanner is ~10x faster, which matters to ``verify``'s budget.
"""

from __future__ import annotations

import functools
import re
from typing import Literal, NamedTuple

from markdown_it import MarkdownIt
from markdown_it.common.utils import mdTrim
from markdown_it.rules_block import StateBlock

Kind = Literal["text", "heading", "fence"]


class Leaf(NamedTuple):
    """A block with text: lines ``start`` to ``end`` (0-based, end excluded).

    ``info`` is a heading's text or a fence's info string; ``content`` a fence's lines.
    """

    kind: Kind
    start: int
    end: int
    info: str = ""
    content: str = ""


def leaf_blocks(src: str) -> list[Leaf]:
    """The text, heading and fence blocks of ``src`` (LF line endings), in order."""
    lines = src.split("\n")
    found = _scan(lines) if "\t" not in src else None
    return found if found is not None else tokenize(src)


# -- the line scanner -----------------------------------------------------------------------

_RULE_LIKE = re.compile(r"[-=*_:| ]+")  # thematic break, setext underline, table delimiter
_ITEM = re.compile(r"(?:[-*+]|([0-9]{1,9})[.)])(?: (.*)|$)")
_ATX = re.compile(r"(#{1,6})(?: |$)")
_FENCE = re.compile(r"(`{3,}|~{3,})(.*)")
_MARGIN_ONLY = "<>| "  # first characters that start HTML, quotes, tables or indentation


@functools.lru_cache(maxsize=16)
def _closing(marker: str) -> re.Pattern[str]:
    return re.compile(rf" {{0,3}}{re.escape(marker[0])}{{{len(marker)},}} *")


def _scan(lines: list[str]) -> list[Leaf] | None:
    """The blocks of a plain document, or None when it holds anything else."""
    found: list[Leaf] = []
    count = len(lines) - (not lines[-1].strip(" "))  # a blank last piece is not a line
    text: int | None = None  # first line of the open paragraph or list item

    def close(at: int) -> None:
        nonlocal text
        if text is not None:
            found.append(Leaf("text", text, at))
            text = None

    at = 0
    while at < count:
        line = lines[at]
        if not line.strip(" "):
            close(at)
            at += 1
            continue
        first = line[0]
        if first in _MARGIN_ONLY or _RULE_LIKE.fullmatch(line):
            return None
        fence = _FENCE.match(line) if first in "`~" else None
        if fence:
            leaf = _fence(lines, at, count, fence)
            if leaf is None:
                return None
            close(at)
            found.append(leaf)
            at = leaf.end
            continue
        heading = _ATX.match(line) if first == "#" else None
        if heading:
            close(at)
            found.append(Leaf("heading", at, at + 1, _heading_text(line, heading.end(1))))
            at += 1
            continue
        item = _ITEM.match(line) if first in "-*+0123456789" else None
        if item:
            number, content = item.groups()
            if (not content or not content.strip() or content[0] in _MARGIN_ONLY + "#`~"
                    or _ITEM.match(content) or (number and int(number) != 1 and text is not None)):
                return None
            close(at)
            text = at
        elif text is None:
            text = at
        at += 1
    close(count)
    return found


def _fence(lines: list[str], at: int, count: int, fence: re.Match[str]) -> Leaf | None:
    """The fenced block opening at line ``at`` (up to its closing line or the end), or None
    for an info string whose escapes or entities the scanner does not decode."""
    marker, info = fence.groups()
    if (marker[0] == "`" and "`" in info) or "\\" in info or "&" in info:
        return None
    closing, end = _closing(marker), at + 1
    while end < count and not closing.fullmatch(lines[end]):
        end += 1
    content = "\n".join(lines[at + 1:end])
    if end > at + 1 and end < len(lines):  # the last line's newline, if it has one
        content += "\n"
    return Leaf("fence", at, min(end + 1, count), info, content)


def _heading_text(line: str, start: int) -> str:
    """An ATX heading's text: markdown-it cuts a closing run of '#' that follows a space."""
    end = max(len(line.rstrip(" ")), start)
    cut = len(line[:end].rstrip("#"))
    if start < cut and line[cut - 1] == " ":
        end = cut
    return mdTrim(line[start:end])


# -- markdown-it ----------------------------------------------------------------------------


def tokenize(src: str) -> list[Leaf]:
    """The blocks as markdown-it's block tokenizer finds them (table cells: one row each)."""
    tokens: list = []
    _MD.block.parse(src, _MD, {}, tokens)
    return leaves(tokens)


def leaves(tokens: list) -> list[Leaf]:
    """The leaf blocks in a markdown-it block token stream."""
    found: list[Leaf] = []
    heading = False
    for token in tokens:
        if token.type == "heading_open":
            heading = True
        elif token.type == "inline" and token.map:
            start, end = token.map
            if not heading and found and found[-1][1:3] == (start, end):
                continue  # another cell of the same table row
            found.append(Leaf("heading", start, end, token.content) if heading
                         else Leaf("text", start, end))
            heading = False
        elif token.type == "fence" and token.map:
            found.append(Leaf("fence", token.map[0], token.map[1], token.info, token.content))
    return found


# markdown-it's block rule signature. ``silent`` goes unused: markdown-it asks a rule silently
# only whether it ends another block, and the paragraph rule ends none.
def _paragraph(state: StateBlock, start: int, end: int, silent: bool) -> bool:  # noqa: ARG001, FBT001
    """markdown-it's lheading and paragraph rules in one pass, making only the tokens read here.

    A paragraph ends, or becomes a setext heading, exactly where the stock rules say.
    """
    line, last, level = start + 1, state.lineMax, 0
    terminators = state.md.block.ruler.getRules("paragraph")
    parent, state.parentType = state.parentType, "paragraph"
    while line < last and not state.isEmpty(line):
        if state.sCount[line] - state.blkIndent > 3:  # lazy continuation
            line += 1
            continue
        if line < end and state.sCount[line] >= state.blkIndent:
            level = _underline(state, line)
            if level:
                break
        if state.sCount[line] >= 0 and any(rule(state, line, last, True)  # noqa: FBT003 (silent)
                                           for rule in terminators):
            break
        line += 1
    state.parentType = parent
    if level:
        state.push("heading_open", f"h{level}", 1)
        token = state.push("inline", "", 0)
        token.content = mdTrim(state.getLines(start, line, state.blkIndent, keepLastLF=False))
        token.map = [start, line]
        # Closed as the stock rule does: an open heading raises the nesting level, and past
        # markdown-it's maxNesting (20) the rest of the document would not be read at all.
        state.push("heading_close", f"h{level}", -1)
        state.line = line + 1
    else:
        state.push("inline", "", 0).map = [start, line]
        state.line = line
    return True


def _underline(state: StateBlock, line: int) -> int:
    """The setext heading level a line underlines with (1 for ===, 2 for ---), else 0."""
    text = state.src[state.bMarks[line] + state.tShift[line]:state.eMarks[line]].rstrip(" \t")
    if text and text[0] in "=-" and text == text[0] * len(text):
        return 1 if text[0] == "=" else 2
    return 0


# Link reference definitions are prose in a draft; lheading is folded into _paragraph.
_MD = MarkdownIt("commonmark").enable("table").disable(["reference", "lheading"])
_MD.block.ruler.at("paragraph", _paragraph)
