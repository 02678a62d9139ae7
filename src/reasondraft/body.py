"""The Markdown body of draft.md <-> the Trace model.

Rendering writes fixed sections (Summary, ``Step N: title``, Solution, Trade-offs, Edge
cases, Tests). Parsing reads them back best-effort and never drops text: a section it does
not know, or one whose text no longer has the tool's exact shape, is also kept verbatim in
``extras`` (with the heading it followed), and anything inside a step that is not its
metadata line, trailing quotes or decision block stays in the step's reasoning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reasondraft.trace import Decision, ExpectedTest, Phase, Quote, Trace, TraceStep, prose

HEADINGS = {"summary": "Summary", "solution": "Solution", "trade_offs": "Trade-offs",
            "edge_cases": "Edge cases", "tests": "Tests"}
STEP_HEADING = re.compile(r"^## Step ([^:\n]+): (.*)$")
META = re.compile(r"^(?:Phase: (?P<phase>\w+))?(?: · )?"
                  r"(?:Trajectory steps: (?P<steps>(?:\[\[step:\d+\]\](?:, )?)+))?$")
STEP_REF = re.compile(r"\[\[step:(\d+)\]\]")
DECISION = "**Decision:** "
DECISION_ITEM = re.compile(r"^- (Considered|Chosen|Why): (.*)$")
TEST_ITEM = re.compile(r"^- \[\[test:(.+?)\]\](?!\]) (fails|passes) before the fix and "
                       r"(passes|fails) after: (.*)$")
FENCE = re.compile(r"^(`{3,}|~{3,})(.*)$")


@dataclass
class ExtraSection:
    """A section kept verbatim: one the tool does not know (``reshaped`` False), or a known
    one whose text a person changed beyond what the trace model holds (``reshaped`` True).
    ``heading`` is as written ('' for text before any heading); ``after`` names the
    heading it followed."""

    heading: str
    text: str
    after: str | None = None
    reshaped: bool = False


@dataclass
class ParsedBody:
    trace: Trace
    extras: list[ExtraSection] = field(default_factory=list)

    @property
    def lossless(self) -> bool:
        """True when the trace alone holds every word of the body."""
        return not self.extras


# -- rendering ---------------------------------------------------------------------------

def _fence_for(code: str) -> str:
    longest = max((len(m) for m in re.findall(r"`{3,}", code)), default=2)
    return "`" * max(3, longest + 1)


def render_quote(quote: Quote) -> str:
    fence = _fence_for(quote.code)
    return f"{fence}quote {quote.ref}\n{quote.code}\n{fence}"


def render_meta(step: TraceStep) -> str:
    parts = []
    if step.phase is not None:
        parts.append(f"Phase: {step.phase.value}")
    if step.trajectory_steps:
        refs = ", ".join(f"[[step:{n}]]" for n in step.trajectory_steps)
        parts.append(f"Trajectory steps: {refs}")
    return " · ".join(parts)


def render_decision(decision: Decision) -> str:
    lines = [DECISION + decision.question]
    lines += [f"- Considered: {option}" for option in decision.options]
    lines += [f"- Chosen: {decision.chosen}", f"- Why: {decision.why}"]
    return "\n".join(lines)


def render_step_content(step: TraceStep) -> str:
    blocks = [render_meta(step), step.reasoning, *map(render_quote, step.quotes),
              render_decision(step.decision) if step.decision else ""]
    return "\n\n".join(block for block in blocks if block)


def render_test(test: ExpectedTest) -> str:
    before = "fails" if test.fails_before else "passes"
    after = "passes" if test.passes_after else "fails"
    return f"- [[test:{test.test}]] {before} before the fix and {after} after: {test.why}"


def _section(heading: str, content: str) -> str:
    return f"## {heading}\n" + (f"\n{content}\n" if content else "")


def render_body(trace: Trace) -> str:
    """The canonical Markdown body for a trace."""
    sections = [_section(HEADINGS["summary"], trace.summary)]
    sections += [_section(f"Step {n}: {step.title}", render_step_content(step))
                 for n, step in enumerate(trace.steps, start=1)]
    sections += [
        _section(HEADINGS["solution"], trace.solution),
        _section(HEADINGS["trade_offs"], "\n".join(f"- {t}" for t in trace.trade_offs)),
        _section(HEADINGS["edge_cases"], "\n".join(f"- {e}" for e in trace.edge_cases)),
        _section(HEADINGS["tests"], "\n".join(map(render_test, trace.tests))),
    ]
    return "\n".join(sections)


# -- parsing -----------------------------------------------------------------------------

def split_sections(body: str) -> list[tuple[str, list[str]]]:
    """(heading line or '', content lines) for each '## ' section, ignoring fenced code."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    fence: str | None = None
    for line in body.split("\n"):
        match = FENCE.match(line)
        if match:
            marker = match.group(1)
            if fence is None:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence) and not match.group(2):
                fence = None
        elif fence is None and line.startswith("## "):
            sections.append((line, []))
            continue
        sections[-1][1].append(line)
    return sections


def _blocks(lines: list[str]) -> list[tuple[int, int]]:
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


def _parse_quote(lines: list[str]) -> Quote | None:
    match = FENCE.match(lines[0])
    if not match or len(lines) < 2 or not match.group(2).startswith("quote "):
        return None
    if lines[-1] != match.group(1):
        return None
    return Quote(ref=match.group(2)[len("quote "):], code="\n".join(lines[1:-1]))


def _parse_decision(lines: list[str]) -> Decision | None:
    if not lines[0].startswith(DECISION):
        return None
    items = [DECISION_ITEM.match(line) for line in lines[1:]]
    if not all(items):
        return None
    kinds = [m.group(1) for m in items if m]
    if kinds.count("Chosen") != 1 or kinds.count("Why") != 1 or kinds[-2:] != ["Chosen", "Why"]:
        return None
    options = [m.group(2) for m in items if m and m.group(1) == "Considered"]
    return Decision(question=lines[0][len(DECISION):], options=options,
                    chosen=items[-2].group(2), why=items[-1].group(2))  # type: ignore[union-attr]


def parse_step(title: str, lines: list[str]) -> TraceStep:
    """A step section: optional metadata line, reasoning, trailing quotes, decision."""
    spans = _blocks(lines)
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
    while spans and (quote := _parse_quote(lines[spans[-1][0]:spans[-1][1]])):
        quotes.insert(0, quote)
        spans = spans[:-1]
    reasoning = "\n".join(lines[spans[0][0]:spans[-1][1]]) if spans else ""
    return TraceStep(title=title, phase=phase, reasoning=reasoning, quotes=quotes,
                     decision=decision, trajectory_steps=steps)


def _content(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n")


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
    """Read a body into a Trace; whatever the trace cannot hold is kept in ``extras``."""
    fields: dict[str, object] = {"summary": "", "steps": [], "solution": "", "trade_offs": [],
                                 "edge_cases": [], "tests": []}
    steps: list[TraceStep] = []
    extras: list[ExtraSection] = []
    by_heading = {f"## {title}": key for key, title in HEADINGS.items()}
    previous: str | None = None
    for heading, lines in split_sections(body):
        text = _content(lines)
        key = by_heading.get(heading)
        step_heading = STEP_HEADING.match(heading)
        if step_heading:
            step = parse_step(step_heading.group(2), lines)
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
    return ParsedBody(trace=Trace.model_validate(fields), extras=extras)
