"""Decisions and structure held to the guidelines (:mod:`reasondraft.guidelines`).

- RD-D005: a decision weighs fewer options than ``min_options`` (a format-2 decision with
  fewer than two already breaks the trace's rule: RD-B003 on its line says so, once);
- RD-D006: a format-1 decision's chosen option is none of its options (format 2: RD-B003);
- RD-D007: a decision's why and the reasons its other options lose name no evidence (a
  reference, a step, a test, an identifier or a line of the code);
- RD-D008: a required section is missing or empty, or an expected one is missing (deleted);
- RD-D009: a sentence said twice or more (filler), RD-D010: two or more options of a
  decision copied from sentences elsewhere in the trace (options made up from the text);
- RD-D011: a section or step far outside its word band, RD-D012: too few or many steps.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from reasondraft.body.markdown import STEP_HEADING, Section, split_sections
from reasondraft.trace import Decision, TraceStep
from reasondraft.verify.findings import Finding, finding

if TYPE_CHECKING:  # at run time a cycle: importing evidence registers this module
    from reasondraft.trace_v1 import DecisionV1, TraceStepV1  # only format 1 needs it
    from reasondraft.verify.evidence import Draft

REF = re.compile(r"\[\[[^\]\n]*\]\]")
WORD = re.compile(r"[A-Za-z0-9_]+(?:['.][A-Za-z0-9_]+)*")
SENTENCE = re.compile(r"(?<=[.!?:;])\s+")
EVIDENCE = re.compile(r"\[\[|\b[Ss]teps? \d|\b[Ll]ines? \d|`[^`]+`|\b\w+_\w+\b|\b[a-z]+[A-Z]\w*|"
                      r"\b[A-Z]{3,}\b|\b\w+\(|\bissue\b|\btests?\b|\.py\b")
MIN_SENTENCE_WORDS = 6  # shorter sentences repeat naturally ("The suite passes.")
MIN_OPTION_WORDS = 5


def check_decisions(draft: Draft) -> list[Finding]:
    """Decisions, required sections, repeated text and lengths, per the guidelines."""
    sections = split_sections(draft.body)
    steps = [s for s in sections if STEP_HEADING.match(s.heading)]
    trace_steps: list[TraceStep | TraceStepV1] = list(draft.parsed.trace.steps)
    found = _required(draft, sections) + _lengths(draft, sections, steps)
    prose = list(_prose(sections))
    found += _repeated(prose, draft.line_offset)
    if len(steps) == len(trace_steps):
        for section, step in zip(steps, trace_steps, strict=True):
            if step.decision is not None:
                found += _decision(draft, section, step.decision, prose)
    return found


def _decision(draft: Draft, section: Section, decision: Decision | DecisionV1,
              prose: list[tuple[int, str, str]]) -> list[Finding]:
    g = draft.ctx.guidelines
    line = next((n for n, text in enumerate(section.lines, section.start)
                 if text.startswith("**Decision:**")), section.start - 1) + draft.line_offset
    name = f"{section.title}: decision '{decision.question[:60]}'"
    count, found = len(decision.options), []
    if count < g.min_options and not (draft.version == 2 and count < 2):
        found.append(finding("RD-D005", line, f"{name} weighs {count} option(s); the "
                             f"guidelines ask for at least {g.min_options}"))
    if draft.version == 1 and count and decision.chosen not in decision.options:
        found.append(finding("RD-D006", line, f"{name} chooses '{decision.chosen[:60]}', "
                             "which is none of its options"))
    reasons = [decision.why] + [r.why for r in getattr(decision, "rejected", [])]
    if count and not any(EVIDENCE.search(reason) for reason in reasons):
        found.append(finding("RD-D007", line, f"{name}: its why names no evidence (a "
                             "reference, a step, a test or the code it rests on)"))
    copied = [o for o in decision.options if len(_words(o)) >= MIN_OPTION_WORDS and any(
        f" {_norm(o)} " in f" {norm} " for start, _, norm in prose
        if not section.start <= start < section.start + len(section.lines))]
    if len(copied) >= 2:
        found.append(finding("RD-D010", line, f"{name}: options copied from sentences "
                             f"elsewhere in the trace: {'; '.join(c[:50] for c in copied)}"))
    return found


def _required(draft: Draft, sections: list[Section]) -> list[Finding]:
    headings = {s.heading[3:]: s for s in sections if s.heading}
    found = []
    for name, content in draft.ctx.guidelines.required(draft.version):
        part = headings.get(name)
        if part is None or (content and not part.text.strip()):
            line = (part.start - 1 if part else 1) + draft.line_offset
            found.append(finding("RD-D008", line, f"the required section '## {name}' is "
                                 f"{'empty' if part else 'missing'}"))
    return found


def _lengths(draft: Draft, sections: list[Section], steps: list[Section]) -> list[Finding]:
    g = draft.ctx.guidelines
    found = []
    if steps and not g.min_steps <= len(steps) <= g.max_steps:
        found.append(finding("RD-D012", steps[0].start - 1 + draft.line_offset, f"the trace "
                             f"has {len(steps)} steps; the guidelines ask for {g.min_steps} "
                             f"to {g.max_steps}"))
    for part in sections:
        band = g.words.get("step" if part in steps else part.heading[3:])
        if band is None or not part.text.strip():
            continue
        words = len(_words(part.text))
        if not band[0] <= words <= band[1]:
            found.append(finding("RD-D011", part.start - 1 + draft.line_offset, f"{part.title}"
                                 f" has {words} words; the guidelines ask for {band[0]} to "
                                 f"{band[1]}"))
    return found


def _prose(sections: list[Section]) -> Iterator[tuple[int, str, str]]:
    """(body line, sentence, normalized) of the prose: paragraphs and plain list items, not
    labelled lines (metadata, decision and hypothesis items), quotes or test entries."""
    for part in sections:
        if part.heading in ("## Outcome", "## Tests", "## Hunks", "## Agent path"):
            continue
        fence = False
        for number, text in enumerate(part.lines, part.start):
            if text.startswith(("```", "~~~")):
                fence = not fence
            if fence or not text.strip() or text.startswith(("**", "Phase:", "Where:", "```",
                                                             "- Considered:", "- Chosen:",
                                                             "- Why:", "- Against ",
                                                             "- Check:", "- Result:",
                                                             "- Steps:")):
                continue
            for sentence in SENTENCE.split(text.lstrip("-*+ ").strip()):
                norm = _norm(sentence)
                if norm:
                    yield number, sentence, norm


def _repeated(prose: list[tuple[int, str, str]], offset: int) -> list[Finding]:
    first: dict[str, int] = {}
    found = []
    for line, sentence, norm in prose:
        if len(norm.split()) < MIN_SENTENCE_WORDS:
            continue
        if norm in first:
            found.append(finding("RD-D009", line + offset, f"'{sentence[:70]}' repeats line "
                                 f"{first[norm] + offset}: say each thing once"))
        else:
            first[norm] = line
    return found


def _words(text: str) -> list[str]:
    return WORD.findall(REF.sub(" ", text))


def _norm(text: str) -> str:
    return " ".join(w.lower() for w in _words(text))

