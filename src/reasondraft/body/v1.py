"""Format 1 of the Markdown body <-> :class:`TraceV1` (drafts written before format 2).

Rendering writes fixed sections (Summary, ``Step N: title``, Solution, Trade-offs, Edge
cases, Tests). Parsing reads them back best-effort and never drops text: a section it does
not know, or one whose text no longer has the tool's exact shape, is also kept verbatim in
``extras`` (with the heading it followed), and anything inside a step that is not its
metadata line, trailing quotes or decision block stays in the step's reasoning.
"""

from __future__ import annotations

import re

from reasondraft.body.markdown import (
    STEP_HEADING,
    blocks,
    parse_quote,
    render_quote,
    section,
    split_sections,
)
from reasondraft.body.parsed import ExtraSection, ParsedBody
from reasondraft.trace import Phase, Quote, prose
from reasondraft.trace_v1 import DecisionV1, ExpectedTest, TraceStepV1, TraceV1

HEADINGS = {"summary": "Summary", "solution": "Solution", "trade_offs": "Trade-offs",
            "edge_cases": "Edge cases", "tests": "Tests"}
META = re.compile(r"^(?:Phase: (?P<phase>\w+))?(?: · )?"
                  r"(?:Trajectory steps: (?P<steps>(?:\[\[step:\d+\]\](?:, )?)+))?$")
STEP_REF = re.compile(r"\[\[step:(\d+)\]\]")
DECISION = "**Decision:** "
DECISION_ITEM = re.compile(r"^- (Considered|Chosen|Why): (.*)$")
TEST_ITEM = re.compile(r"^- \[\[test:(.+?)\]\](?!\]) (fails|passes) before the fix and "
                       r"(passes|fails) after: (.*)$")


# -- rendering ---------------------------------------------------------------------------

def render_meta(step: TraceStepV1) -> str:
    parts = []
    if step.phase is not None:
        parts.append(f"Phase: {step.phase.value}")
    if step.trajectory_steps:
        refs = ", ".join(f"[[step:{n}]]" for n in step.trajectory_steps)
        parts.append(f"Trajectory steps: {refs}")
    return " · ".join(parts)


def render_decision(decision: DecisionV1) -> str:
    lines = [DECISION + decision.question]
    lines += [f"- Considered: {option}" for option in decision.options]
    lines += [f"- Chosen: {decision.chosen}", f"- Why: {decision.why}"]
    return "\n".join(lines)


def render_step_content(step: TraceStepV1) -> str:
    parts = [render_meta(step), step.reasoning, *map(render_quote, step.quotes),
             render_decision(step.decision) if step.decision else ""]
    return "\n\n".join(part for part in parts if part)


def render_test(test: ExpectedTest) -> str:
    before = "fails" if test.fails_before else "passes"
    after = "passes" if test.passes_after else "fails"
    return f"- [[test:{test.test}]] {before} before the fix and {after} after: {test.why}"


def render_body(trace: TraceV1) -> str:
    """The canonical Markdown body for a trace."""
    sections = [section(HEADINGS["summary"], trace.summary)]
    sections += [section(f"Step {n}: {step.title}", render_step_content(step))
                 for n, step in enumerate(trace.steps, start=1)]
    sections += [
        section(HEADINGS["solution"], trace.solution),
        section(HEADINGS["trade_offs"], "\n".join(f"- {t}" for t in trace.trade_offs)),
        section(HEADINGS["edge_cases"], "\n".join(f"- {e}" for e in trace.edge_cases)),
        section(HEADINGS["tests"], "\n".join(map(render_test, trace.tests))),
    ]
    return "\n".join(sections)


# -- parsing -----------------------------------------------------------------------------

def _parse_decision(lines: list[str]) -> DecisionV1 | None:
    if not lines[0].startswith(DECISION):
        return None
    items = [DECISION_ITEM.match(line) for line in lines[1:]]
    if not all(items):
        return None
    kinds = [m.group(1) for m in items if m]
    if kinds.count("Chosen") != 1 or kinds.count("Why") != 1 or kinds[-2:] != ["Chosen", "Why"]:
        return None
    options = [m.group(2) for m in items if m and m.group(1) == "Considered"]
    return DecisionV1(question=lines[0][len(DECISION):], options=options,
                      chosen=items[-2].group(2), why=items[-1].group(2))  # type: ignore[union-attr]


def parse_step(title: str, lines: list[str]) -> TraceStepV1:
    """A step section: optional metadata line, reasoning, trailing quotes, decision."""
    spans = blocks(lines)
    phase, steps = None, []
    if spans and spans[0][1] - spans[0][0] == 1:
        match = META.match(lines[spans[0][0]])
        if match and any(match.groups()) and (match["phase"] is None
                                               or match["phase"] in Phase.__members__.values()):
            phase = Phase(match["phase"]) if match["phase"] else None
            steps = [int(n) for n in STEP_REF.findall(match["steps"] or "")]
            spans = spans[1:]
    decision = _parse_decision(lines[spans[-1][0]:spans[-1][1]]) if spans else None
    if decision:
        spans = spans[:-1]
    quotes: list[Quote] = []
    while spans and (quote := parse_quote(lines[spans[-1][0]:spans[-1][1]])):
        quotes.insert(0, quote)
        spans = spans[:-1]
    reasoning = "\n".join(lines[spans[0][0]:spans[-1][1]]) if spans else ""
    return TraceStepV1(title=title, phase=phase, reasoning=reasoning, quotes=quotes,
                       decision=decision, trajectory_steps=steps)


def _tests(text: str) -> list[ExpectedTest]:
    tests = []
    for line in text.split("\n"):
        match = TEST_ITEM.match(line)
        if match:
            tests.append(ExpectedTest(test=match[1], fails_before=match[2] == "fails",
                                      passes_after=match[3] == "passes", why=match[4]))
    return tests


def _parse_section(key: str, text: str) -> tuple[object, str]:
    """A known section's value and the text the tool would render for it."""
    if key in ("summary", "solution"):
        value = prose(text)
        return value, value
    if key in ("trade_offs", "edge_cases"):
        items = [" ".join(line[2:].split()) for line in text.split("\n") if line.startswith("- ")]
        return items, "\n".join(f"- {item}" for item in items)
    tests = _tests(text)
    return tests, "\n".join(map(render_test, tests))


def parse_body(body: str) -> ParsedBody:
    """Read a format-1 body; whatever the trace cannot hold is kept in ``extras``."""
    fields: dict[str, object] = {"summary": "", "steps": [], "solution": "", "trade_offs": [],
                                 "edge_cases": [], "tests": []}
    steps: list[TraceStepV1] = []
    extras: list[ExtraSection] = []
    by_heading = {f"## {title}": key for key, title in HEADINGS.items()}
    previous: str | None = None
    for part in split_sections(body):
        heading, text = part.heading, part.text
        key = by_heading.get(heading)
        step_heading = STEP_HEADING.match(heading)
        if step_heading:
            step = parse_step(step_heading.group(2) or "", part.lines)
            steps.append(step)
            canonical = render_step_content(step)
        elif key:
            fields[key], canonical = _parse_section(key, text)
        else:
            canonical = None
        if canonical is None and (heading or text):
            extras.append(ExtraSection(heading=heading[3:], text=text, after=previous))
        elif canonical is not None and canonical != text:
            extras.append(ExtraSection(heading=heading[3:], text=text, after=previous,
                                       reshaped=True))
        previous = heading[3:] or previous
    fields["steps"] = steps
    return ParsedBody(trace=TraceV1.model_validate(fields), extras=extras, version=1)
