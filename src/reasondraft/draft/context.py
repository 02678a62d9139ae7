"""Context packing: everything the model needs, with line numbers, under a token budget.

Sections: the problem statement; the diff with base and patched line numbers; for each hunk
its enclosing function or class (base, and after the diff) with line numbers; the failing
tests and the test patch; the trajectory condensed step by step with its step numbers.

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
from typing import Any

from reasondraft.diff import Hunk, Patch, parse_diff
from reasondraft.errors import InputError
from reasondraft.instance import Instance
from reasondraft.repo import RepoView, Rev
from reasondraft.trajectory import Action, Step, StepKind, Trajectory

Counter = Callable[[str], int]
Measure = Callable[[dict[str, str], Counter], int]  # the whole prompt, by a counter

MAX_CODE_LINES = 120
WINDOW = 12
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
DROP_ORDER = ["code_after", "code_before", "test_patch", "pass_to_pass", "problem_tail"]


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
    """The enclosing definition (Python) or a window of lines around first..last."""
    found = view.read(path, rev)
    if found is None or found.binary:
        return None
    span = enclosing(found.text, first, last) if path.endswith(".py") else None
    start, end, name = span if span else (first - WINDOW, last + WINDOW, "")
    label = f"{path} @{rev.value}" + (f" — {name}" if name else "") + f" (lines {max(1, start)}-"\
        f"{min(end, len(found.lines))})"
    return f"#### {label}\n{numbered(found.lines, start, end)}"


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

def render_test_ids(instance: Instance, with_pass_to_pass: bool) -> str:
    lines = ["FAIL_TO_PASS (fail before the fix, pass after):"]
    lines += [f"- {t}" for t in instance.FAIL_TO_PASS] or ["- (none listed)"]
    if instance.PASS_TO_PASS:
        if with_pass_to_pass:
            shown = instance.PASS_TO_PASS[:30]
            lines.append(f"PASS_TO_PASS ({len(instance.PASS_TO_PASS)} tests, pass before and "
                         "after):")
            lines += [f"- {t}" for t in shown]
            if len(instance.PASS_TO_PASS) > len(shown):
                lines.append(f"- ... {len(instance.PASS_TO_PASS) - len(shown)} more")
        else:
            lines.append(f"PASS_TO_PASS: {len(instance.PASS_TO_PASS)} tests (list omitted)")
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
                   problem_chars: int) -> dict[str, str]:
    """Every section but the trajectory, leaving out those named in ``dropped``."""
    return {
        "problem": cut_middle(instance.problem_statement.strip(), problem_chars),
        "diff": render_diff(patch),
        "code_before": "" if "code_before" in dropped else render_code(view, patch, Rev.BASE),
        "code_after": "" if "code_after" in dropped else render_code(view, patch, Rev.PATCHED),
        "tests": render_test_ids(instance, "pass_to_pass" not in dropped),
        "test_patch": "" if "test_patch" in dropped else render_test_patch(instance),
    }


def pack(view: RepoView, patch: Patch, instance: Instance, trajectory: Trajectory | None, *,
         budget: int, measure: Measure, count: Counter) -> Packed:
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
        sections = build_sections(view, patch, instance, dropped, problem_chars)
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
