"""Format 2 of the Markdown body <-> :class:`Trace` (what the drafter writes).

Sections, in order: Outcome, Summary, Root cause, ``Step N: title`` (a labelled metadata
line, reasoning, then quotes, ``**Hypothesis:**`` blocks and a ``**Decision:**`` block),
Agent path (one ``**Failed run:**``-style block per event), Hunks and Tests (one labelled
line per entry), Trade-offs and Edge cases (one item per line)::

    - [[test:t.py::test_y]] · FAIL_TO_PASS · hidden · before: fail · after: fail · source:
      harness · why: ...      (one line in the file)

render(parse(x)) == x for what the tool writes. A person's edits are read leniently: a
hyphen or a dash for the ``·``, a line that continues an item, a note at the end of a line's
free text (``why:``, ``purpose:``) are all still understood. Whatever is not is never
silently left out: each such line becomes a :class:`Problem` naming it (RD-B001: not
readable, RD-B002: outside any entry, RD-B003: readable but against a rule of the trace,
kept as written), and the section, whose text then differs from its rendering, is kept
verbatim in ``extras`` as well.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from reasondraft.body.markdown import (
    SEP,
    STEP_HEADING,
    Item,
    blocks,
    label_value,
    list_items,
    parse_quote,
    parse_step_refs,
    read_block,
    render_quote,
    section,
    split_sections,
    step_refs,
)
from reasondraft.body.parsed import ExtraSection, ParsedBody, Problem
from reasondraft.trace import (
    LENIENT,
    Basis,
    Decision,
    HunkNote,
    Hypothesis,
    Necessity,
    Outcome,
    OutcomeSource,
    PathEvent,
    PathKind,
    Phase,
    Rejected,
    Result,
    RootCause,
    TestClaim,
    TestResult,
    TestSet,
    Trace,
    TraceStep,
    inconsistencies,
    one_line,
    prose,
)

HEADINGS = {"outcome": "Outcome", "summary": "Summary", "root_cause": "Root cause",
            "agent_path": "Agent path", "hunks": "Hunks", "trade_offs": "Trade-offs",
            "edge_cases": "Edge cases", "tests": "Tests"}
BEFORE_STEPS = ("outcome", "summary", "root_cause")
AFTER_STEPS = ("agent_path", "hunks", "trade_offs", "edge_cases", "tests")
RESOLVED = {True: "yes", False: "no", None: "unknown"}
READ_RESOLVED = {"yes": True, "true": True, "no": False, "false": False, "unknown": None,
                 "null": None, "none": None}
VISIBLE = {True: "visible", False: "hidden"}
META_LABELS = ("phase", "basis", "trajectory steps")
UNREADABLE, STRAY, RULE = "RD-B001", "RD-B002", "RD-B003"
M = TypeVar("M", bound=BaseModel)


# -- rendering ---------------------------------------------------------------------------

def _line(label: str, value: str) -> str:
    return f"{label}: {value}".rstrip()


def render_outcome(outcome: Outcome) -> str:
    fields = [f"Resolved: {RESOLVED[outcome.resolved]}", f"Source: {outcome.source.value}"]
    if outcome.steps:
        fields.append(f"Steps: {step_refs(outcome.steps)}")
    parts = [" · ".join(fields)]
    if outcome.account:
        parts.append(_line("Account", outcome.account))
    return "\n\n".join(parts)


def render_root_cause(cause: RootCause) -> str:
    parts = ["Where: " + ", ".join(f"[[{w}]]" for w in cause.where)] if cause.where else []
    return "\n\n".join([*parts, cause.mechanism] if cause.mechanism else parts)


def render_meta(step: TraceStep) -> str:
    fields = [f"Phase: {step.phase.value}"] if step.phase is not None else []
    if step.basis is not None:
        fields.append(f"Basis: {step.basis.value}")
    if step.trajectory_steps:
        fields.append(f"Trajectory steps: {step_refs(step.trajectory_steps)}")
    return " · ".join(fields)


def render_hypothesis(hypothesis: Hypothesis) -> str:
    lines = [f"**Hypothesis:** {hypothesis.claim}".rstrip(), _line("- Check", hypothesis.check),
             f"- Result: {hypothesis.result.value}"]
    if hypothesis.steps:
        lines.append(f"- Steps: {step_refs(hypothesis.steps)}")
    return "\n".join(lines)


def render_decision(decision: Decision) -> str:
    lines = [f"**Decision:** {decision.question}".rstrip()]
    lines += [_line("- Considered", option) for option in decision.options]
    lines += [_line("- Chosen", decision.chosen), _line("- Why", decision.why)]
    lines += [_line(f"- Against {r.option}", r.why) for r in decision.rejected]
    return "\n".join(lines)


def render_step_content(step: TraceStep) -> str:
    parts = [render_meta(step), step.reasoning, *map(render_quote, step.quotes),
             *map(render_hypothesis, step.hypotheses),
             render_decision(step.decision) if step.decision else ""]
    return "\n\n".join(part for part in parts if part)


def render_event(event: PathEvent) -> str:
    kind = event.kind.value.capitalize()
    lines = [f"**{kind}:** {event.what}".rstrip(), f"- Steps: {step_refs(event.steps)}",
             _line("- Showed", event.showed)]
    lines.append(f"- Reflected in: Step {event.reflected_in}" if event.reflected_in is not None
                 else _line("- Skipped", event.skipped))
    return "\n".join(lines)


def render_hunk(hunk: HunkNote) -> str:
    fields = [f"[[{hunk.ref}]]", hunk.necessity.value]
    if hunk.tests:
        fields.append("tests: " + ", ".join(f"[[test:{t}]]" for t in hunk.tests))
    return "- " + " · ".join(fields) + f" · purpose: {hunk.purpose}".rstrip()


def render_test(test: TestClaim) -> str:
    source = f"[[{test.source}]]" if test.source.startswith("step:") else test.source
    fields = [f"[[test:{test.id}]]", test.set.value, VISIBLE[test.visible_to_agent],
              f"before: {test.before.value}", f"after: {test.after.value}", f"source: {source}"]
    line = "- " + " · ".join(fields)
    return line + f" · why: {test.why}" if test.why else line


def _items(values: list[str]) -> str:
    return "\n".join(f"- {value}".rstrip() for value in values)


RENDER: dict[str, Callable[[Any], str]] = {
    "outcome": render_outcome, "summary": str, "root_cause": render_root_cause,
    "agent_path": lambda events: "\n\n".join(map(render_event, events)),
    "hunks": lambda hunks: "\n".join(map(render_hunk, hunks)),
    "trade_offs": _items, "edge_cases": _items,
    "tests": lambda tests: "\n".join(map(render_test, tests)),
}


def render_body(trace: Trace) -> str:
    """The canonical Markdown body for a trace."""
    sections = [section(HEADINGS[key], RENDER[key](getattr(trace, key)))
                for key in BEFORE_STEPS]
    sections += [section(f"Step {n}: {step.title}".rstrip(), render_step_content(step))
                 for n, step in enumerate(trace.steps, start=1)]
    sections += [section(HEADINGS[key], RENDER[key](getattr(trace, key)))
                 for key in AFTER_STEPS]
    return "\n".join(sections)


# -- reading -----------------------------------------------------------------------------

class Reader:
    """Reads one body, collecting the problems with the body line each is on."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def report(self, line: int, code: str, message: str) -> None:
        self.problems.append(Problem(line, code, message))

    def build(self, model: type[M], data: dict[str, Any], line: int, what: str,
              since: int) -> M | None:
        """``model`` from ``data``; a rule broken is reported and the entry kept as
        written, anything else unreadable is reported and gives None. When lines of the
        entry were reported already (problems beyond ``since``), its consequences are not
        reported again."""
        quiet = len(self.problems) > since
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            errors = exc.errors()
            if all(e["type"] == "value_error" for e in errors):
                if not quiet:
                    self.report(line, RULE, "; ".join(_message(e) for e in errors))
                return model.model_validate(data, context=LENIENT)
            if not quiet:
                self.report(line, UNREADABLE, f"{what}: " + "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'value'}: {_message(e)}"
                    for e in errors))
            return None


def _message(error: Any) -> str:
    return str(error["msg"]).removeprefix("Value error, ")


def _mask(text: str) -> str:
    """``text`` with each [[reference]] blanked, so separators inside one do not count."""
    out = list(text)
    for start, end in _ref_spans(text):
        out[start:end] = "\0" * (end - start)
    return "".join(out)


def _ref_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each [[reference]]; brackets inside one nest (test parameters)."""
    spans = []
    index = text.find("[[")
    while index != -1:
        depth, pos = 0, index + 2
        while pos < len(text):
            if text.startswith("]]", pos) and depth == 0:
                break
            depth += {"[": 1, "]": -1}.get(text[pos], 0) if depth or text[pos] == "[" else 0
            pos += 1
        if pos >= len(text):
            break
        spans.append((index, pos + 2))
        index = text.find("[[", pos + 2)
    return spans


def split_fields(text: str, free: str | None = None) -> tuple[list[str], str | None]:
    """The ``·``-separated fields of a labelled line (separators inside references do not
    count), and the text after ``<free>:``, which takes the rest of the line."""
    masked = _mask(text)
    rest = None
    if free is not None:
        match = re.search(rf"(?:^|{SEP.pattern}){re.escape(free)}:(?:\s+|$)", masked)
        if match:
            text, masked, rest = text[:match.start()], masked[:match.start()], \
                text[match.end():]
    fields, start = [], 0
    for match in SEP.finditer(masked):
        fields.append(text[start:match.start()])
        start = match.end()
    fields.append(text[start:])
    return [f.strip() for f in fields if f.strip()], rest


def split_refs(text: str, scheme: str = "") -> list[str] | None:
    """'[[a]], [[b]]' -> ['a', 'b'] (``scheme`` like 'test:' is removed); None if the text
    holds anything else."""
    values, pos = [], 0
    for start, end in _ref_spans(text):
        if text[pos:start].strip() not in ("", ","):
            return None
        inner = text[start + 2:end - 2]
        if not inner.startswith(scheme):
            return None
        values.append(inner[len(scheme):])
        pos = end
    return values if text[pos:].strip() in ("", ",") else None


def _head_ref(text: str) -> tuple[str, str] | None:
    """A line that opens with a [[reference]]: (what is inside, the rest)."""
    spans = _ref_spans(text)
    if not spans or spans[0][0] != 0:
        return None
    return text[2:spans[0][1] - 2], text[spans[0][1]:]


def _enum(value: str, enum: Any) -> Any:
    return next((member for member in enum if member.value.lower() == value.lower()), None)


def _choices(enum: Any) -> str:
    return ", ".join(member.value for member in enum)


# -- sections ----------------------------------------------------------------------------

def _outcome_lines(lines: list[str], start: int) -> list[tuple[int, str]]:
    """(body line, text) of each labelled line of Outcome; a line without a label continues
    the one above it, unless a blank line separates them."""
    found: list[tuple[int, str]] = []
    for first, end in blocks(lines):
        for index in range(first, end):
            pair = label_value(lines[index].split(" · ")[0])
            if index == first or (pair and pair[0] in ("resolved", "source", "account")):
                found.append((start + index, lines[index].strip()))
            else:
                found[-1] = (found[-1][0], f"{found[-1][1]} {lines[index].strip()}")
    return found


def read_outcome(reader: Reader, lines: list[str], start: int) -> Outcome:
    since = len(reader.problems)
    data: dict[str, Any] = {"resolved": None, "source": "none"}
    for line, text in _outcome_lines(lines, start):
        fields, _ = split_fields(text)
        labelled = [label_value(f) for f in fields]
        if labelled and labelled[0] and labelled[0][0] == "account":
            data["account"] = one_line(text.split(":", 1)[1])
            continue
        if not labelled or not labelled[0] or labelled[0][0] not in ("resolved", "source"):
            reader.report(line, STRAY, "text in Outcome outside its 'Resolved: ... · Source: "
                          "...' and 'Account: ...' lines is not part of the trace")
            continue
        for field_text, pair in zip(fields, labelled, strict=True):
            if pair is None:
                reader.report(line, UNREADABLE, f"Outcome: '{field_text}' is not a "
                              "'label: value' field")
            elif pair[0] == "resolved" and pair[1].lower() in READ_RESOLVED:
                data["resolved"] = READ_RESOLVED[pair[1].lower()]
            elif pair[0] == "source" and _enum(pair[1], OutcomeSource):
                data["source"] = _enum(pair[1], OutcomeSource)
            elif pair[0] == "steps" and parse_step_refs(pair[1]) is not None:
                data["steps"] = parse_step_refs(pair[1])
            else:
                reader.report(line, UNREADABLE, f"Outcome: cannot read '{field_text}' (Resolved"
                              f": yes, no or unknown; Source: {_choices(OutcomeSource)}; "
                              "Steps: [[step:N]], ...)")
    return reader.build(Outcome, data, start, "Outcome", since) or Outcome(resolved=None,
                                                                    source=OutcomeSource.NONE)


def read_root_cause(reader: Reader, lines: list[str], start: int) -> RootCause:
    spans = blocks(lines)
    where: list[str] = []
    if spans and lines[spans[0][0]].startswith("Where:"):
        first, end = spans[0]
        refs = split_refs(" ".join(lines[first:end])[len("Where:"):])
        if refs is None:
            reader.report(start + first, UNREADABLE, "Root cause: 'Where:' takes references "
                          "only ([[path::Symbol]], [[path#L1-L2]]); the line is read as part "
                          "of the mechanism")
        else:
            where, spans = refs, spans[1:]
    mechanism = "\n".join(lines[spans[0][0]:spans[-1][1]]) if spans else ""
    return RootCause.model_validate({"where": where, "mechanism": mechanism}, context=LENIENT)


def read_meta(reader: Reader, text: str, line: int) -> dict[str, Any] | None:
    """The step's 'Phase: ... · Basis: ... · Trajectory steps: ...' line, or None if the
    line is not one."""
    fields, _ = split_fields(text)
    pairs = [label_value(f) for f in fields]
    if not pairs or not pairs[0] or pairs[0][0] not in META_LABELS:
        return None
    data: dict[str, Any] = {"phase": None, "basis": None, "trajectory_steps": []}
    for field_text, pair in zip(fields, pairs, strict=True):
        label, value = pair or ("", "")
        if label == "phase" and _enum(value, Phase):
            data["phase"] = _enum(value, Phase)
        elif label == "basis" and _enum(value, Basis):
            data["basis"] = _enum(value, Basis)
        elif label == "trajectory steps" and parse_step_refs(value) is not None:
            data["trajectory_steps"] = parse_step_refs(value)
        else:
            reader.report(line, UNREADABLE, f"step metadata: cannot read '{field_text}' "
                          f"(Phase: {_choices(Phase)}; Basis: {_choices(Basis)}; Trajectory "
                          "steps: [[step:N]], ...)")
    return data


def read_hypothesis(reader: Reader, lines: list[str], line: int) -> Hypothesis | None:
    since = len(reader.problems)
    block = read_block(lines)
    assert block is not None
    data: dict[str, Any] = {"claim": block.text}
    for item in block.items:
        pair = label_value(item.text)
        label, value = pair or ("", "")
        if (label == "check" or (label == "result" and _enum(value, Result))) \
                and label not in data:
            data[label] = value
        elif label == "steps" and parse_step_refs(value) is not None:
            data["steps"] = parse_step_refs(value)
        else:
            reader.report(line + item.line, UNREADABLE, f"hypothesis: cannot read '{item.text}'"
                          " (Check: ..., Result: confirmed, refuted or open, Steps: "
                          "[[step:N]], ...)")
    return reader.build(Hypothesis, data, line, "hypothesis", since)


def read_decision(reader: Reader, lines: list[str], line: int) -> Decision | None:
    since = len(reader.problems)
    block = read_block(lines)
    assert block is not None
    data: dict[str, Any] = {"question": block.text, "options": [], "rejected": []}
    against: list[Item] = []
    for item in block.items:
        pair = label_value(item.text)
        if item.text.lower().startswith("against "):
            against.append(item)
        elif pair and pair[0] == "considered":
            data["options"].append(pair[1])
        elif pair and pair[0] in ("chosen", "why") and pair[0] not in data:
            data[pair[0]] = pair[1]
        else:
            reader.report(line + item.line, UNREADABLE, f"decision: cannot read '{item.text}' "
                          "(Considered: ..., Chosen: ..., Why: ..., Against <option>: ...)")
    for item in against:
        rest = item.text[len("against "):]
        option = max((o for o in data["options"] if rest.startswith(o + ":")), key=len,
                     default=None)
        if option is None:
            reader.report(line + item.line, UNREADABLE, f"decision: '{item.text}' names no "
                          "considered option ('Against <option as considered>: why')")
        else:
            data["rejected"].append(Rejected(option=option, why=rest[len(option) + 1:]))
    return reader.build(Decision, data, line, "decision", since)


STEP_BLOCKS = {"decision": read_decision, "hypothesis": read_hypothesis}


def read_step(reader: Reader, title: str, lines: list[str], start: int) -> TraceStep:
    """Metadata line, reasoning, then trailing quotes, hypotheses and a decision."""
    spans = blocks(lines)
    data: dict[str, Any] = {"title": title, "phase": None, "basis": None, "trajectory_steps": []}
    if spans and spans[0][1] - spans[0][0] == 1:
        meta = read_meta(reader, lines[spans[0][0]], start + spans[0][0])
        if meta is not None:
            data |= meta
            spans = spans[1:]
    data["decision"], data["hypotheses"], data["quotes"] = None, [], []
    kept: set[int] = set()
    while spans:
        first, end = spans[-1]
        block = read_block(lines[first:end])
        kind = block.label.lower() if block else None
        if kind == "decision" and data["decision"] is None and not data["hypotheses"] \
                and not data["quotes"]:
            value: Any = read_decision(reader, lines[first:end], start + first)
        elif kind == "hypothesis" and not data["quotes"]:
            value = read_hypothesis(reader, lines[first:end], start + first)
        elif kind is None and (quote := parse_quote(lines[first:end])):
            data["quotes"].insert(0, quote)
            spans = spans[:-1]
            continue
        else:
            break
        if value is None:
            kept.add(first)
            break
        if kind == "decision":
            data["decision"] = value
        else:
            data["hypotheses"].insert(0, value)
        spans = spans[:-1]
    for first, end in spans:
        block = read_block(lines[first:end])
        if block and block.label.lower() in STEP_BLOCKS and first not in kept:
            reader.report(start + first, STRAY, f"a {block.label} block followed by other text "
                          "is read as reasoning: move it to the end of the step")
    data["reasoning"] = "\n".join(lines[spans[0][0]:spans[-1][1]]) if spans else ""
    return TraceStep.model_validate(data, context=LENIENT)


def read_agent_path(reader: Reader, lines: list[str], start: int) -> list[PathEvent]:
    events = []
    for first, end in blocks(lines):
        line = start + first
        block = read_block(lines[first:end])
        if block is None:
            reader.report(line, STRAY, "text in Agent path outside a '**Kind:** what' block is "
                          "not part of the trace")
            continue
        kind = _enum(block.label, PathKind)
        if kind is None:
            reader.report(line, UNREADABLE, f"agent path: '{block.label}' is not a kind of "
                          f"event ({_choices(PathKind)})")
            continue
        data: dict[str, Any] = {"kind": kind, "what": block.text}
        since = len(reader.problems)
        for item in block.items:
            pair = label_value(item.text)
            label, value = pair or ("", "")
            reflected = re.fullmatch(r"step\s+([1-9][0-9]*)", value, re.IGNORECASE)
            if label == "steps" and parse_step_refs(value) is not None:
                data["steps"] = parse_step_refs(value)
            elif label in ("showed", "skipped") and label not in data:
                data[label] = value
            elif label == "reflected in" and reflected:
                data["reflected_in"] = int(reflected.group(1))
            else:
                reader.report(line + item.line, UNREADABLE, f"agent path: cannot read "
                              f"'{item.text}' (Steps: [[step:N]], ..., Showed: ..., Reflected "
                              "in: Step N, or Skipped: why)")
        event = reader.build(PathEvent, data, line, "agent path event", since)
        if event is not None:
            events.append(event)
    return events


def _read_items(reader: Reader, lines: list[str], start: int, name: str) -> list[Item]:
    items, stray = list_items(lines)
    for index in stray:
        reader.report(start + index, STRAY, f"text in {name} outside its '- ' items is not "
                      "part of the trace")
    return items


def read_hunks(reader: Reader, lines: list[str], start: int) -> list[HunkNote]:
    hunks = []
    for item in _read_items(reader, lines, start, "Hunks"):
        line, since = start + item.line, len(reader.problems)
        head = _head_ref(item.text)
        if head is None:
            reader.report(line, UNREADABLE, "a hunk line opens with the hunk's [[reference]]")
            continue
        fields, purpose = split_fields(head[1], "purpose")
        data: dict[str, Any] = {"ref": head[0], "purpose": purpose or ""}
        for text in fields:
            pair = label_value(text)
            tests = split_refs(pair[1], "test:") if pair and pair[0] == "tests" else None
            if _enum(text, Necessity) and "necessity" not in data:
                data["necessity"] = _enum(text, Necessity)
            elif tests is not None:
                data["tests"] = tests
            else:
                reader.report(line, UNREADABLE, f"hunk: cannot read '{text}' (necessary or "
                              "incidental, tests: [[test:...]], ..., purpose: ...)")
        hunk = reader.build(HunkNote, data, line, "hunk", since)
        if hunk is not None:
            hunks.append(hunk)
    return hunks


def read_tests(reader: Reader, lines: list[str], start: int) -> list[TestClaim]:
    tests = []
    for item in _read_items(reader, lines, start, "Tests"):
        line, since = start + item.line, len(reader.problems)
        head = _head_ref(item.text)
        if head is None or not head[0].startswith("test:"):
            reader.report(line, UNREADABLE, "a test line opens with its [[test:node_id]]")
            continue
        fields, why = split_fields(head[1], "why")
        data: dict[str, Any] = {"id": head[0][len("test:"):], "why": why or ""}
        for text in fields:
            pair = label_value(text)
            label, value = pair or ("", "")
            source = split_refs(value) if label == "source" and value.startswith("[[") \
                else [value]
            if _enum(text, TestSet) and "set" not in data:
                data["set"] = _enum(text, TestSet)
            elif text.lower() in ("visible", "hidden") and "visible_to_agent" not in data:
                data["visible_to_agent"] = text.lower() == "visible"
            elif label in ("before", "after") and _enum(value, TestResult) \
                    and label not in data:
                data[label] = _enum(value, TestResult)
            elif label == "source" and source and len(source) == 1 and "source" not in data:
                data["source"] = source[0]
            else:
                reader.report(line, UNREADABLE, f"test: cannot read '{text}' (FAIL_TO_PASS, "
                              "PASS_TO_PASS or other; visible or hidden; before: and after: "
                              f"{_choices(TestResult)}; source: harness, [[step:N]] or "
                              "expected; why: ...)")
        test = reader.build(TestClaim, data, line, "test", since)
        if test is not None:
            tests.append(test)
    return tests


def _plain_items(name: str) -> Callable[[Reader, list[str], int], list[str]]:
    def read(reader: Reader, lines: list[str], start: int) -> list[str]:
        return [item.text for item in _read_items(reader, lines, start, name)]
    return read


READ: dict[str, Callable[[Reader, list[str], int], Any]] = {
    "outcome": read_outcome, "summary": lambda _r, lines, _s: prose("\n".join(lines)),
    "root_cause": read_root_cause, "agent_path": read_agent_path, "hunks": read_hunks,
    "trade_offs": _plain_items("Trade-offs"), "edge_cases": _plain_items("Edge cases"),
    "tests": read_tests,
}


def parse_body(body: str) -> ParsedBody:
    """Read a format-2 body; whatever the trace cannot hold is kept in ``extras`` and each
    line it could not read is a problem."""
    reader = Reader()
    fields: dict[str, Any] = {"outcome": None, "summary": "", "root_cause": RootCause(
        where=[], mechanism=""), "steps": [], "agent_path": [], "hunks": [], "trade_offs": [],
        "edge_cases": [], "tests": []}
    extras: list[ExtraSection] = []
    by_heading = {f"## {title}": key for key, title in HEADINGS.items()}
    where: dict[str, int] = {}
    previous: str | None = None
    for part in split_sections(body):
        key = by_heading.get(part.heading)
        step_heading = STEP_HEADING.match(part.heading)
        canonical: str | None = None
        if step_heading:
            step = read_step(reader, step_heading.group(2) or "", part.lines, part.start)
            fields["steps"].append(step)
            where[f"Step {len(fields['steps'])}"] = part.start - 1
            canonical = render_step_content(step)
        elif key and key not in where:
            where[key] = part.start - 1
            fields[key] = READ[key](reader, part.lines, part.start)
            canonical = RENDER[key](fields[key])
            if key == "agent_path":
                where |= {f"Agent path {n}": part.start + first for n, (first, _) in
                          enumerate(blocks(part.lines), start=1)}
        elif key:
            reader.report(part.start - 1, STRAY, f"a second '{part.heading}' section is not "
                          "read: merge it into the first")
        if canonical is None and (part.heading or part.text):
            extras.append(ExtraSection(heading=part.title, text=part.text, after=previous))
        elif canonical is not None and canonical != part.text:
            extras.append(ExtraSection(heading=part.title, text=part.text, after=previous,
                                       reshaped=True))
        previous = part.title or previous
    if fields["outcome"] is None:
        reader.report(1, UNREADABLE, "there is no '## Outcome' section: the outcome reads as "
                      "unknown")
        fields["outcome"] = Outcome(resolved=None, source=OutcomeSource.NONE)
    trace = Trace.model_validate(fields, context=LENIENT)
    for place, message in inconsistencies(trace):
        reader.report(where.get(place, where.get(place.lower().replace(" ", "_"), 1)), RULE,
                      message)
    return ParsedBody(trace=trace, extras=extras, problems=sorted(
        reader.problems, key=lambda p: p.line), version=2)
