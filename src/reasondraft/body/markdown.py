"""The grammar both body formats share: '## ' sections, blank-line blocks, quote fences,
labelled lines and labelled blocks.

A *labelled line* is ``Label: value · label: value · ...``; a person may type a hyphen, a
dash, a bullet or a bar for the ``·``. A *labelled block* is a bold head and its items::

    **Decision:** Which copy?
    - Considered: dict(base)
    - Why: it keeps leaves shared
      and a line that continues the item

A line under an item that is neither blank nor a new item continues the item's value, so a
sentence wrapped by hand stays part of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reasondraft.trace import Quote, one_line

FENCE = re.compile(r"^(`{3,}|~{3,})(.*)$")
SEP = re.compile(r"\s+[·•|\-\u2013—]\s+")
HEAD = re.compile(r"^\*\*([^*\n]+?):\*\*(?:\s+(.*))?$")
ITEM = re.compile(r"^[-*+](?:\s+(.*))?$")
STEP_HEADING = re.compile(r"^## Step ([^:\n]+):(?: (.*))?$")
STEP_REF = re.compile(r"^\[\[step:([1-9][0-9]*)(?:-([1-9][0-9]*))?\]\]$")


@dataclass
class Section:
    """A '## ' section: its heading line ('' for text before any heading), its content
    lines, and the body line (1-based) of the first content line."""

    heading: str
    lines: list[str]
    start: int

    @property
    def title(self) -> str:
        return self.heading[3:]

    @property
    def text(self) -> str:
        return "\n".join(self.lines).strip("\n")


def split_sections(body: str) -> list[Section]:
    """Every '## ' section of a body, ignoring headings inside fenced code."""
    sections = [Section("", [], 1)]
    fence: str | None = None
    for number, line in enumerate(body.split("\n"), start=1):
        match = FENCE.match(line)
        if match:
            marker = match.group(1)
            if fence is None:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence) and not match.group(2):
                fence = None
        elif fence is None and line.startswith("## "):
            sections.append(Section(line, [], number + 1))
            continue
        sections[-1].lines.append(line)
    return sections


def blocks(lines: list[str]) -> list[tuple[int, int]]:
    """[start, end) line spans of blank-line-separated blocks; fenced code stays whole."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    fence: str | None = None
    for i, line in enumerate(lines):
        match = FENCE.match(line)
        if fence is not None:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) \
                    and not match.group(2).strip():
                fence = None
            continue
        if match:
            fence = match.group(1)
        if not line.strip():
            if start is not None:
                spans.append((start, i))
                start = None
        elif start is None:
            start = i
    if start is not None:
        spans.append((start, len(lines)))
    return spans


def fence_for(code: str) -> str:
    longest = max((len(m) for m in re.findall(r"`{3,}", code)), default=2)
    return "`" * max(3, longest + 1)


def render_quote(quote: Quote) -> str:
    fence = fence_for(quote.code)
    return f"{fence}quote {quote.ref}\n{quote.code}\n{fence}"


def parse_quote(lines: list[str]) -> Quote | None:
    match = FENCE.match(lines[0])
    if not match or len(lines) < 2 or not match.group(2).startswith("quote "):
        return None
    if lines[-1] != match.group(1):
        return None
    return Quote(ref=match.group(2)[len("quote "):], code="\n".join(lines[1:-1]))


def section(heading: str, content: str) -> str:
    return f"## {heading}\n" + (f"\n{content}\n" if content else "")


def step_refs(numbers: list[int]) -> str:
    return ", ".join(f"[[step:{n}]]" for n in numbers)


def parse_step_refs(text: str) -> list[int] | None:
    """'[[step:3]], [[step:5-6]]' -> [3, 5, 6]; None if anything else is there."""
    numbers: list[int] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = STEP_REF.match(part)
        if not match:
            return None
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if last < first:
            return None
        numbers.extend(range(first, last + 1))
    return numbers


def label_value(text: str) -> tuple[str, str] | None:
    """'Label: value' -> ('label', 'value'); None without a label."""
    match = re.match(r"^([A-Za-z][A-Za-z _-]*?):(?:\s+(.*))?$", text.strip())
    return (match.group(1).lower(), (match.group(2) or "").strip()) if match else None


@dataclass
class Item:
    """One item of a labelled block (or of a list): its text and the line it starts on."""

    text: str
    line: int


@dataclass
class LabelledBlock:
    """``**Label:** text`` and its items; ``line`` numbers are indexes into the block."""

    label: str
    text: str
    items: list[Item] = field(default_factory=list)


def read_block(lines: list[str]) -> LabelledBlock | None:
    """A labelled block, or None if the block does not open with a bold label."""
    head = HEAD.match(lines[0])
    if not head:
        return None
    block = LabelledBlock(head.group(1).strip(), head.group(2) or "")
    for index, line in enumerate(lines[1:], start=1):
        match = ITEM.match(line)
        if match:
            block.items.append(Item(match.group(1) or "", index))
        elif block.items:
            block.items[-1].text += " " + line.strip()
        else:
            block.text += " " + line.strip()
    block.text = one_line(block.text)
    for item in block.items:
        item.text = one_line(item.text)
    return block


def list_items(lines: list[str]) -> tuple[list[Item], list[int]]:
    """The '- ' items of a section (a line right under an item continues it) and the indexes
    of non-blank lines that belong to no item."""
    items: list[Item] = []
    stray: list[int] = []
    open_item = False
    for index, line in enumerate(lines):
        match = ITEM.match(line)
        if match:
            items.append(Item(match.group(1) or "", index))
            open_item = True
        elif not line.strip():
            open_item = False
        elif open_item:
            items[-1].text += " " + line.strip()
        else:
            stray.append(index)
    for item in items:
        item.text = one_line(item.text)
    return items, stray
