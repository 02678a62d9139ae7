"""Context packing: everything the model needs, with line numbers, under a token budget.

Sections: the problem statement and the maintainers' hints; the diff with base and patched
line numbers; its outcome as the harness reported it (or unknown); for each hunk its
enclosing function or class (base, and after the diff) with line numbers, or the lines
around the change inside a definition too long to show whole; the tests the harness runs
(each with its outcome after the diff, and whether the test patch hides it from the agent)
and the test patch; the trajectory condensed step by step with its step numbers. Nothing
here presumes that the diff works: that is the outcome section's to say, with its source.

The trajectory is condensed in levels (shorter thoughts, observations cut head and tail
with an "N lines omitted" marker and long lines cut in their middle, repeated file views
collapsed) until the prompt fits; every action is kept at every level. Cutting works on
positions in the text (no split into lines), so one 200 MB observation line costs a scan,
and it is cut like any other: it cannot push the whole trajectory to a barer level. If
even the barest trajectory does not fit, whole sections are dropped in a fixed order. The
result records the level and what was dropped.
"""

from __future__ import annotations

import ast
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reasondraft.diff import Hunk, Patch, parse_diff
from reasondraft.errors import InputError
from reasondraft.evaluation import Evaluation
from reasondraft.instance import Instance
from reasondraft.repo import RepoView, Rev
from reasondraft.trajectory import Action, Step, StepKind, Trajectory
from reasondraft.verify.tests import parse_test_id

Counter = Callable[[str], int]
Measure = Callable[[dict[str, str], Counter], int]  # the whole prompt, by a counter

MAX_CODE_LINES = 120
WINDOW = 12
HINTS_CHARS = 6_000
_DEFINES = re.compile(r"\s*(?:async\s+)?(?:def|class)\s+(\w+)")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Level:
    """How much of each trajectory step to keep."""

    thought_chars: int
    head: int
    tail: int
    action_chars: int = 4000  # the whole action; the one-line levels cut the display form
    action_lines: int = 0  # 0: the action's one-line display form only
    line_chars: int = 400  # of each observation line kept


LEVELS = [Level(600, 24, 8, action_lines=40, line_chars=800),
          Level(300, 10, 4, action_lines=16, line_chars=400),
          Level(120, 3, 1, action_lines=6, line_chars=200), Level(0, 1, 0, 400, line_chars=160),
          Level(0, 0, 0, 200), Level(0, 0, 0, 80), Level(0, 0, 0, 40)]
DROP_ORDER = ["code_after", "code_before", "test_patch", "hints", "pass_to_pass",
              "problem_tail"]


def byte_bound(text: str) -> int:
    """No fewer than the tokens a byte-level tokenizer makes of ``text``: each token covers
    a byte or more (one more for a start token). Packing fits a prompt by this bound first
    and counts exactly only when the bound is over budget, so a prompt that is small in bytes
    is sent without waiting for the tokenizer; its exact counts are taken later."""
    return len(text.encode()) + 1


@dataclass
class Packed:
    """The packed sections (name -> text) and how they were made to fit; token counts are
    exact, and taken when first asked for."""

    sections: dict[str, str]
    budget: int
    level: int | None
    dropped: list[str]
    measure: Measure = field(repr=False, compare=False)
    count: Counter = field(repr=False, compare=False)

    @functools.cached_property
    def tokens(self) -> int:
        return self.measure(self.sections, self.count)

    @functools.cached_property
    def section_tokens(self) -> dict[str, int]:
        return {name: self.count(text) for name, text in self.sections.items() if text}

    def provenance(self) -> dict[str, Any]:
        return {"budget": self.budget, "tokens": self.tokens, "trajectory_level": self.level,
                "dropped": self.dropped, "section_tokens": self.section_tokens}


# -- diff and code -----------------------------------------------------------------------

def number_hunk(hunk: Hunk) -> str:
    """A hunk with old and new line numbers in two columns."""
    lines = [f"{hunk.header} {hunk.section}".rstrip()]
    for line in hunk.lines:
        old = "" if line.old_no is None else str(line.old_no)
        new = "" if line.new_no is None else str(line.new_no)
        text = line.text.rstrip("\r\n")
        lines.append(f"{old:>5} {new:>5} {line.kind} {text}")
    return "\n".join(lines)


def render_diff(patch: Patch) -> str:
    """The diff, file by file, each hunk numbered on both sides (base | patched)."""
    parts = []
    for diff in patch:
        name = diff.path if diff.status != "renamed" else f"{diff.old_path} -> {diff.new_path}"
        parts.append(f"### {name} ({diff.status})\n  base patched")
        parts.extend(number_hunk(h) for h in diff.hunks)
        if diff.binary:
            parts.append("(binary file)")
    return "\n".join(parts)


def numbered(lines: tuple[str, ...], start: int, end: int) -> str:
    """Lines start..end (1-based, inclusive) with their numbers, capped in length."""
    end = min(end, len(lines), start + MAX_CODE_LINES - 1)
    return "\n".join(f"{n:>5}  {lines[n - 1]}" for n in range(max(1, start), end + 1))


def enclosing(source: str, first: int, last: int) -> tuple[int, int, str] | None:
    """The innermost def/class around lines first..last, decorators included."""
    best: tuple[int, int, str] | None = None
    for start, end, name in definitions(source):
        if start <= first and last <= end and (best is None or end - start < best[1] - best[0]):
            best = (start, end, name)
    return best


@functools.lru_cache(maxsize=8)
def definitions(source: str) -> tuple[tuple[int, int, str], ...]:
    """Every def/class of a module as (first line with decorators, last line, name): parsed
    once per file, not once per hunk (a diff can have thousands of hunks in one file)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return ()
    return tuple((min([node.lineno] + [d.lineno for d in node.decorator_list]),
                  node.end_lineno or node.lineno, node.name)
                 for node in ast.walk(tree)
                 if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef))


def code_block(view: RepoView, path: str, rev: Rev, first: int, last: int) -> str | None:
    """The enclosing definition (Python) or a window of lines around first..last.

    A definition longer than MAX_CODE_LINES (a big class around a new method) shows its
    first line, then the window around the change: its top would say nothing about it."""
    found = view.read(path, rev)
    if found is None or found.binary:
        return None
    span = enclosing(found.text, first, last) if path.endswith(".py") else None
    start, end, name = span if span else (first - WINDOW, last + WINDOW, "")
    start, end = max(1, start), min(end, len(found.lines))
    label = f"{path} @{rev.value}" + (f" — {name}" if name else "") + f" (lines {start}-{end})"
    if end - start + 1 <= MAX_CODE_LINES:
        return f"#### {label}\n{numbered(found.lines, start, end)}"
    low = max(start, first - WINDOW)
    high = min(end, last + WINDOW, low + MAX_CODE_LINES - 1)
    head = [numbered(found.lines, start, start)] if low > start else []
    if low > start + 1:
        head.append(f"  [... lines {start + 1}-{low - 1} not shown ...]")
    return "\n".join([f"#### {label}, showing lines {low}-{high} around the change", *head,
                      numbered(found.lines, low, high)])


def hunk_span(hunk: Hunk, side: str) -> tuple[int, int]:
    """Lines a hunk changes on one side; for a pure insertion, the lines around it."""
    changed = hunk.changed_range(side)  # type: ignore[arg-type]
    if changed:
        return changed
    start = hunk.old_start if side == "old" else hunk.new_start
    return max(1, start), max(1, start)


def render_code(view: RepoView, patch: Patch, rev: Rev) -> str:
    """Enclosing code of every hunk on one side of the diff, each block once."""
    blocks: dict[str, None] = {}  # in order, each once
    for diff in patch:
        path = diff.old_path if rev is Rev.BASE else diff.new_path
        if path is None or diff.binary:
            continue
        for hunk in diff.hunks:
            first, last = hunk_span(hunk, "old" if rev is Rev.BASE else "new")
            block = code_block(view, path, rev, first, last)
            if block:
                blocks.setdefault(block)
    return "\n\n".join(blocks)


# -- tests -------------------------------------------------------------------------------

def report_name(evaluation: Evaluation) -> str:
    """The report as the prompt names it: the harness's kind of report and the file name
    (not its path, which says nothing to the model and may name the user)."""
    kind = "run summary" if evaluation.kind == "summary" else "report"
    return f"the SWE-bench harness {kind} ({Path(evaluation.source).name})"


def render_outcome(evaluation: Evaluation | None) -> str:
    """Whether the diff resolves the task, said only as its source says it."""
    if evaluation is None:
        return ("Unknown — no evaluation report; do not claim the patch works. A test "
                "result may be claimed only from a trajectory step that shows the run, or "
                "marked as expected.")
    source = report_name(evaluation)
    if evaluation.resolved is None:
        return (f"Unknown — {evaluation.reason or 'the report does not say'} (per {source}); "
                "do not claim the patch works.")
    counts = "; ".join(
        f"{name}: {len(evaluation.tests[name].get('success', []))} pass, "
        f"{len(evaluation.tests[name].get('failure', []))} fail after the diff"
        for name in ("FAIL_TO_PASS", "PASS_TO_PASS") if name in evaluation.tests)
    if evaluation.resolved:
        return f"Resolved, per {source}." + (f" {counts}." if counts else "")
    lines = [f"NOT resolved, per {source}." + (f" {counts}." if counts else "")]
    if evaluation.patch_applied is False:
        lines.append("The diff did not apply in the harness, so none of its tests ran.")
    failing = [(name, t) for name in ("FAIL_TO_PASS", "PASS_TO_PASS")
               for t in evaluation.tests.get(name, {}).get("failure", [])]
    if failing:
        lines.append("Tests that fail after the diff:")
        lines += [f"- {t} ({name})" for name, t in failing]
    elif evaluation.patch_applied is not False:
        lines.append("The report does not list which tests fail.")
    lines.append("Do not present the diff as resolving the issue: show where the reasoning "
                 "that led to it falls short.")
    return "\n".join(lines)


def test_patch_additions(instance: Instance) -> tuple[set[str], set[str]]:
    """Names of the functions and classes the test patch defines in added lines, and the
    files it touches: a test it adds was hidden from the agent."""
    if not instance.test_patch.strip():
        return set(), set()
    try:
        patch = parse_diff(instance.test_patch, source="test_patch")
    except InputError:
        return set(), set()
    names = {match.group(1) for diff in patch for hunk in diff.hunks for line in hunk.lines
             if line.kind == "+" and (match := _DEFINES.match(line.text))}
    return names, {path for diff in patch for path in (diff.old_path, diff.new_path) if path}


def hidden_from_agent(test_id: str, added: tuple[set[str], set[str]]) -> bool:
    """True if the test patch adds this test (so the agent never saw it)."""
    names, paths = added
    parsed = parse_test_id(test_id)
    return bool(parsed.name) and parsed.name in names and (parsed.path is None
                                                            or parsed.path in paths)


def after_diff(evaluation: Evaluation | None, test_id: str) -> str | None:
    """A test's outcome after the diff per the harness, or None when nothing says."""
    if evaluation is None:
        return None
    outcome = evaluation.after(test_id)
    if outcome is None and evaluation.resolved:  # resolved: every listed test passed
        return "pass"
    return outcome


def render_test_ids(instance: Instance, *, with_pass_to_pass: bool,
                    evaluation: Evaluation | None = None) -> str:
    """The instance's FAIL_TO_PASS and PASS_TO_PASS with what is known after the diff (each
    FAIL_TO_PASS test, and the PASS_TO_PASS tests that fail, named one by one), and, for a
    test the test patch adds, that the agent never saw it."""
    added = test_patch_additions(instance)

    def item(test_id: str, *, with_after: bool) -> str:
        notes = ["hidden from the agent: added by the test patch"] \
            if hidden_from_agent(test_id, added) else []
        after = after_diff(evaluation, test_id)
        if with_after and after:
            notes.append(f"after this diff: {after} (harness)")
        return f"- {test_id}" + (f" — {'; '.join(notes)}" if notes else "")

    def known(tests: list[str]) -> str:
        if evaluation is None:
            return "; whether they pass after this diff is unknown"
        outcomes = [after_diff(evaluation, t) for t in tests]
        if not any(outcomes):
            return "; after this diff: unknown, the report does not list them"
        counts = [f"{outcomes.count(o)} {o}" for o in ("pass", "fail") if o in outcomes]
        if None in outcomes:
            counts.append(f"{outcomes.count(None)} not in the report")
        return f"; after this diff: {', '.join(counts)} (harness)"

    lines = ["FAIL_TO_PASS (fail at the base commit; a diff that resolves the task makes "
             f"them pass{known(instance.FAIL_TO_PASS) if evaluation is None else ''}):"]
    lines += [item(t, with_after=True) for t in instance.FAIL_TO_PASS] or ["- (none listed)"]
    p2p = instance.PASS_TO_PASS
    if p2p:
        failing = [t for t in p2p if after_diff(evaluation, t) == "fail"]
        if with_pass_to_pass:
            shown = list(dict.fromkeys(failing + p2p[:30]))
            lines.append(f"PASS_TO_PASS ({len(p2p)} tests, pass at the base commit and must "
                         f"keep passing{known(p2p)}):")
            lines += [item(t, with_after=t in failing) for t in shown]
            if len(p2p) > len(shown):
                lines.append(f"- ... {len(p2p) - len(shown)} more")
        else:
            lines.append(f"PASS_TO_PASS: {len(p2p)} tests{known(p2p)} (list omitted)")
            lines += [item(t, with_after=True) for t in failing]
    return "\n".join(lines)


def render_test_patch(instance: Instance) -> str:
    if not instance.test_patch.strip():
        return ""
    try:
        patch = parse_diff(instance.test_patch, source=f"{instance.instance_id}: test_patch")
    except InputError:
        return instance.test_patch
    return render_diff(patch)


# -- trajectory --------------------------------------------------------------------------

def cut(text: str, head: int, tail: int, line_chars: int = 0) -> str:
    """Keep the first ``head`` and last ``tail`` lines, marking how many were omitted, and
    with ``line_chars`` cut each kept line longer than that in its middle."""
    def lines(part: str) -> list[str]:
        found = part.split("\n")
        return [clip(line, line_chars) for line in found] if line_chars else found

    text = text.rstrip("\n")
    total = text.count("\n") + 1
    if total <= head + tail + 1:
        return "\n".join(lines(text))
    end = -1
    for _ in range(head):
        end = text.find("\n", end + 1)
    start = len(text)
    for _ in range(tail):
        start = text.rfind("\n", 0, start)
    return "\n".join([*(lines(text[:end]) if head else []),
                      f"[... {total - head - tail} lines omitted ...]",
                      *(lines(text[start + 1:]) if tail else [])])


def clip(line: str, chars: int) -> str:
    """A line cut to about ``chars`` characters, its start and end kept."""
    if len(line) <= chars:
        return line
    half = chars // 2
    return f"{line[:half]} [... {len(line) - 2 * half} characters omitted ...] {line[-half:]}"


def shorten(text: str, chars: int) -> str:
    """Whitespace collapsed, cut to ``chars``: only as many words are read as are kept."""
    words: list[str] = []
    size = -1
    for word in _WORD.finditer(text):
        words.append(word.group())
        size += len(words[-1]) + 1
        if size > chars:
            break
    text = " ".join(words)
    return text if len(text) <= chars else text[: max(0, chars - 1)] + "…"


def repeated_views(steps: list[Step]) -> dict[int, int]:
    """step number -> earlier step with the same view output (no edit to the file between)."""
    seen: dict[tuple[str, tuple[str, ...]], int] = {}
    same: dict[int, int] = {}
    for step in steps:
        if step.kind is StepKind.EDIT:
            seen = {k: v for k, v in seen.items() if not set(k[1]) & set(step.paths)}
        elif step.kind is StepKind.VIEW and step.observation:
            key = (step.action.text, tuple(step.paths))
            if key in seen:
                same[step.number] = seen[key]
            else:
                seen[key] = step.number
    return same


def action_body(action: Action) -> str:
    """The whole action as the agent gave it: the command, the message, or the tool call
    with its arguments (an edit's old and new text included), not the one-line display."""
    if action.calls:
        return "\n".join(action_body(call) for call in action.calls)
    command = action.arguments.get("command")
    if action.name == "bash" and isinstance(command, str):
        return command
    if not action.arguments:
        return action.text or action.name
    return f"{action.name} {json.dumps(action.arguments, ensure_ascii=False, indent=1)}"


def render_action(action: Action, level: Level) -> str:
    if not level.action_lines:
        return shorten(action.text or action.name, level.action_chars)
    body = cut(action_body(action), level.action_lines // 2, level.action_lines // 2)
    return body if len(body) <= level.action_chars else body[: level.action_chars - 1] + "…"


def render_step(step: Step, level: Level, same_as: int | None) -> str:
    if not (level.thought_chars or level.head or level.tail):
        # The barest levels: one line per step, so thousands of steps still fit.
        return f"[step {step.number}] {step.kind.value}: {render_action(step.action, level)}"
    head = f"[step {step.number}] {step.kind.value}"
    if step.agent:
        head += f" ({step.agent})"
    if step.paths:
        head += " — " + ", ".join(step.paths[:4])
    lines = [head]
    if level.thought_chars and step.thought.strip():
        lines.append(f"  thought: {shorten(step.thought, level.thought_chars)}")
    lines.append("  action: " + render_action(step.action, level).replace("\n", "\n    "))
    if step.observation and (level.head or level.tail):
        code = f" (exit {step.observation.exit_code})" if step.observation.exit_code else ""
        if same_as is not None:
            body = f"(same output as step {same_as})"
        else:
            body = cut(step.observation.text, level.head, level.tail,
                       level.line_chars) or "(empty)"
        lines.append(f"  observation{code}:\n" + "\n".join(f"    {ln}" for ln in body.split("\n")))
    return "\n".join(lines)


def render_trajectory(trajectory: Trajectory, level: Level) -> str:
    same = repeated_views(trajectory.steps)
    header = (f"{len(trajectory.steps)} steps, format {trajectory.format}"
              + (f", model {trajectory.model}" if trajectory.model else ""))
    steps = [render_step(s, level, same.get(s.number)) for s in trajectory.steps]
    return "\n".join([header, *steps])


# -- packing -----------------------------------------------------------------------------

def cut_middle(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    half = max_chars // 2
    omitted = text.count("\n", half, len(text) - half) + 1
    return f"{text[:half]}\n[... about {omitted} lines omitted ...]\n{text[-half:]}"


def build_sections(view: RepoView, patch: Patch, instance: Instance, dropped: list[str],
                   problem_chars: int, evaluation: Evaluation | None = None) -> dict[str, str]:
    """Every section but the trajectory, leaving out those named in ``dropped``."""
    return {
        "problem": cut_middle(instance.problem_statement.strip(), problem_chars),
        "hints": "" if "hints" in dropped else cut_middle(instance.hints_text.strip(),
                                                          HINTS_CHARS),
        "diff": render_diff(patch),
        "outcome": render_outcome(evaluation),
        "code_before": "" if "code_before" in dropped else render_code(view, patch, Rev.BASE),
        "code_after": "" if "code_after" in dropped else render_code(view, patch, Rev.PATCHED),
        "tests": render_test_ids(instance, with_pass_to_pass="pass_to_pass" not in dropped,
                                 evaluation=evaluation),
        "test_patch": "" if "test_patch" in dropped else render_test_patch(instance),
    }


def pack(view: RepoView, patch: Patch, instance: Instance, trajectory: Trajectory | None, *,
         budget: int, measure: Measure, count: Counter,
         evaluation: Evaluation | None = None) -> Packed:
    """Fit the context under ``budget`` tokens, the whole prompt as ``measure`` sizes it.

    Trajectory levels are tried from the most detailed; when the barest does not fit,
    sections are dropped in DROP_ORDER and the levels tried again.
    """
    dropped: list[str] = []
    problem_chars = 24_000
    for drop in [None, *DROP_ORDER]:
        if drop == "problem_tail":
            problem_chars = 4_000
        if drop:
            dropped.append(drop)
        sections = build_sections(view, patch, instance, dropped, problem_chars, evaluation)
        levels: list[int | None] = list(range(len(LEVELS))) if trajectory else [None]
        for level in levels:
            sections["trajectory"] = render_trajectory(trajectory, LEVELS[level]) \
                if trajectory and level is not None else ""
            if (measure(sections, byte_bound) <= budget
                    or (tokens := measure(sections, count)) <= budget):
                return Packed(sections=sections, budget=budget, level=level,
                              dropped=dropped, measure=measure, count=count)
    raise InputError(f"{instance.instance_id}: the prompt needs {tokens} tokens even with "
                     f"every optional section dropped; raise --max-input-tokens (now {budget})")
