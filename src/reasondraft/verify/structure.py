"""Structure checks of a trace draft: not empty, not hollow, and every line read.

A draft whose front matter declares a trace ``format`` (the drafter writes one; the repair
loop checks every answer so) has at least one ``## Step`` (RD-D001), each step cites
something -- a reference anywhere in its section, its metadata line included (RD-D002) --
and the draft cites something (RD-D003). In format 2, trade-offs and edge cases cite
something too (RD-D004), and each line the trace could not read, text outside any entry and
an entry against a rule of the trace are reported where they are (RD-B001..3, from
:mod:`reasondraft.body.v2`). A Markdown file without a declared format is checked for its
references only.
"""

from __future__ import annotations

from reasondraft.body import ParsedBody
from reasondraft.body.markdown import STEP_HEADING, Section, list_items, split_sections
from reasondraft.verify.citation import Citation
from reasondraft.verify.findings import Finding, finding

ITEM_SECTIONS = ("## Trade-offs", "## Edge cases")


def check_structure(body: str, parsed: ParsedBody, citations: list[Citation],
                    line_offset: int) -> list[Finding]:
    """The structure findings of a body read as ``parsed``; lines count in the draft (body
    line + ``line_offset``)."""
    sections = split_sections(body)
    cited = {c.line - line_offset for c in citations}
    found = []
    steps = [(index, s) for index, s in enumerate(sections) if STEP_HEADING.match(s.heading)]
    if not steps:
        found.append(finding("RD-D001", line_offset + 1, "the trace has no steps: give at "
                             "least one '## Step N: title' with its reasoning"))
    if not citations:
        found.append(finding("RD-D003", line_offset + 1, "the draft cites nothing: every claim "
                             "rests on [[references]] to the code, the tests or the agent's "
                             "steps"))
    for index, step in steps:
        first, end = _span(sections, index)
        if not any(first <= line < end for line in cited):
            found.append(finding("RD-D002", first + line_offset, f"{step.title} cites nothing: "
                                 "rest the step on references to the code, tests or steps"))
    if parsed.version == 2:
        found += _items_cite(sections, cited, line_offset)
        found += [finding(p.code, p.line + line_offset, p.message) for p in parsed.problems]
    return found


def _span(sections: list[Section], index: int) -> tuple[int, int]:
    """[first, end) body lines of a section, its heading included."""
    first = sections[index].start - 1 if sections[index].heading else 1
    end = sections[index + 1].start - 1 if index + 1 < len(sections) else 1 << 30
    return first, end


def _items_cite(sections: list[Section], cited: set[int], line_offset: int) -> list[Finding]:
    found = []
    for part in sections:
        if part.heading not in ITEM_SECTIONS:
            continue
        items, _ = list_items(part.lines)
        starts = [part.start + item.line for item in items]
        ends = [*starts[1:], part.start + len(part.lines)][:len(items)]
        for item, first, end in zip(items, starts, ends, strict=True):
            if not any(first <= line < end for line in cited):
                found.append(finding("RD-D004", first + line_offset, f"{part.title}: '"
                                     f"{item.text[:60]}' cites nothing"))
    return found
