"""The annotation guidelines as data: what a good trace holds, checked by ``verify`` and told
to the model in the prompt (one object, so the two never disagree).

They come from ``[guidelines]`` in ``reasondraft.toml`` or ``[tool.reasondraft.guidelines]``
in pyproject.toml (the project file :mod:`reasondraft.config` reads), over built-in defaults
that encode good practice. A bad key or value is bad input naming the file, line and key.

The same file holds what reviewers score and why they reject (``approve --score``,
``reject --code``): a rubric of items scored 1-4, each with an anchor text per score, some
required on every approval, some blocking it below a threshold; and the reject reason codes.
Recorded scores and codes are comparable across reviewers only because every reviewer reads
the same anchors and the same list (docs/formats.md, "Rubric and reject codes").
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from reasondraft.errors import InputError
from reasondraft.files import parse_toml, read_text

SEVERITIES = ("error", "warning", "info")
# Sections a trace can hold, per format; required_sections names among them.
SECTIONS = {1: ("Summary", "Solution", "Trade-offs", "Edge cases", "Tests"),
            2: ("Outcome", "Summary", "Root cause", "Agent path", "Hunks", "Trade-offs",
                "Edge cases", "Tests")}
BANDED = ("Summary", "Root cause", "Solution", "step")
SCORES = range(1, 5)  # a rubric score: 1 (poor) to 4 (excellent)
NAME = re.compile(r"^[a-z][a-z0-9_-]*$")  # rubric item and reject code names
ITEM_KEYS = ("title", "anchors", "required", "block_below")


@dataclass(frozen=True)
class RubricItem:
    """One quality a reviewer scores 1-4. ``anchors[n - 1]`` says what score n means;
    ``required``: every approval scores it; ``block_below``: a lower score refuses the
    approval unless overridden (None: never blocks)."""

    name: str
    title: str
    anchors: tuple[str, str, str, str]
    required: bool = False
    block_below: int | None = None


# No item is required by default: approvals without scores (every approval before the
# rubric) keep working; a team that scores every draft sets ``required = true``. Blocking
# applies to the scores given: a wrong trace or one the trajectory does not back is not
# approved on a reviewer's say-so alone.
DEFAULT_RUBRIC = (
    RubricItem("correctness", "Technical correctness", (
        "Wrong: misstates what the code, the bug or the fix does.",
        "Partly wrong: a claim about the code or the fix is false or unsupported.",
        "Correct, with an imprecise or loosely supported claim.",
        "Every technical claim is correct and backed by a cited line."), block_below=3),
    RubricItem("causal_reasoning", "Causal reasoning", (
        "No cause: the fix is described, not why the bug happens.",
        "A cause is named but the chain from it to the failure is missing.",
        "The chain from cause to failure holds, with a gap a reader must fill.",
        "Cause, mechanism and failure are linked step by step with evidence.")),
    RubricItem("no_hindsight", "No hindsight", (
        "Steps rely throughout on what the agent only learned later.",
        "Several steps use knowledge the agent did not have yet.",
        "One step leans on a later finding.",
        "Every step uses only what the agent had seen by then.")),
    RubricItem("alternatives", "Real alternatives", (
        "No alternatives, or only straw men.",
        "Alternatives are named but dismissed without a real reason.",
        "Real alternatives, one weighed thinly.",
        "Each decision weighs options a competent engineer would consider, on evidence.")),
    RubricItem("test_alignment", "Test alignment", (
        "Test claims contradict the tests or their results.",
        "Some tests are missing or claimed without evidence.",
        "Tests match, with a claim stated more strongly than shown.",
        "Every test claim matches the test sets and the observed runs.")),
    RubricItem("faithfulness", "Faithfulness to the trajectory", (
        "Describes work the agent did not do.",
        "Reorders or invents steps, outputs or files.",
        "Faithful, with a detail that is smoothed over.",
        "Says what the agent did, in order, as the trajectory shows it."), block_below=3),
    RubricItem("concision", "Concision", (
        "Padding or repetition hides the reasoning.",
        "Much longer than the content needs.",
        "Mostly tight, with some repetition.",
        "Every sentence carries something the reader needs.")),
)
DEFAULT_REJECT_CODES = {
    "wrong_root_cause": "The root cause is wrong, or not shown by the code or the trajectory.",
    "misdescribed_change": "The Solution or a hunk says the diff does something it does not.",
    "hindsight": "A step uses knowledge the agent did not have yet at that point.",
    "straw_man": "An alternative is a straw man, or the real alternatives are missing.",
    "unfaithful": "Steps, outputs or files that the trajectory does not show.",
    "test_mismatch": "A test claim disagrees with the test sets or the observed runs.",
    "unsupported_claim": "A claim without cited evidence, or citing lines that do not show it.",
    "incomplete": "A required section, step or decision is missing or empty.",
    "unclear": "Hard to follow: vague, repetitive or much longer than needed.",
    "other": "Something else: say what in --reason.",
}


@dataclass(frozen=True)
class Guidelines:
    """What every trace must hold. ``words`` maps a section (or ``step``: each step's
    reasoning) to its [min, max] words; ``severity`` overrides a finding code's severity."""

    # The defaults flag only what is far outside good practice (a one-line summary, a
    # step of three words, fifty steps); a team tightens them in its project file.
    min_steps: int = 1
    max_steps: int = 30
    min_options: int = 2
    # Required: present and with content. Expected: present (a person deleting one is
    # caught), but may be empty when there is nothing to say (a one-line fix's trade-offs).
    # (An empty Hunks section is already one RD-C002 per hunk it leaves undescribed.)
    required_sections: tuple[str, ...] = ("Summary", "Root cause", "Solution")
    expected_sections: tuple[str, ...] = ("Hunks", "Trade-offs", "Edge cases", "Tests")
    words: dict[str, tuple[int, int]] = field(default_factory=lambda: {
        "Summary": (3, 400), "Root cause": (3, 400), "Solution": (3, 500), "step": (3, 500)})
    severity: dict[str, str] = field(default_factory=dict)
    rubric: tuple[RubricItem, ...] = DEFAULT_RUBRIC
    reject_codes: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_REJECT_CODES))
    # The author (who drafted or last edited the body) reviewing their own work is refused
    # unless a team of one allows it.
    allow_self_review: bool = False

    def required(self, version: int) -> list[tuple[str, bool]]:
        """(section, must hold content) for each section a trace of ``version`` must have."""
        return [(name, name in self.required_sections)
                for name in dict.fromkeys(self.required_sections + self.expected_sections)
                if name in SECTIONS[version]]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["required_sections"] = list(self.required_sections)
        data["expected_sections"] = list(self.expected_sections)
        data["words"] = {name: list(band) for name, band in self.words.items()}
        data["rubric"] = [{**asdict(item), "anchors": list(item.anchors)}
                          for item in self.rubric]
        return data

    def item(self, name: str) -> RubricItem:
        """The rubric item ``name``; an unknown name is bad input naming the nearest."""
        for item in self.rubric:
            if item.name == name:
                return item
        raise InputError(f"--score {name}: unknown rubric item"
                         f"{_nearest(name, [i.name for i in self.rubric])}")

    def check_scores(self, scores: Mapping[str, int]) -> dict[str, int]:
        """The scores in rubric order, once every item is known, every score 1-4 and every
        required item scored (bad input otherwise: nothing is written)."""
        for name, score in scores.items():
            self.item(name)
            if isinstance(score, bool) or score not in SCORES:
                raise InputError(f"--score {name}={score}: a score is 1, 2, 3 or 4")
        missing = [i.name for i in self.rubric if i.required and i.name not in scores]
        if missing:
            raise InputError("the guidelines require a score for: " + ", ".join(missing) +
                             " (approve --score ITEM=N, N from 1 to 4)")
        return {i.name: scores[i.name] for i in self.rubric if i.name in scores}

    def blocking(self, scores: Mapping[str, int]) -> list[str]:
        """Each score below its item's threshold, as ``item=N (below M)``."""
        return [f"{i.name}={scores[i.name]} (below {i.block_below})" for i in self.rubric
                if i.block_below is not None and i.name in scores
                and scores[i.name] < i.block_below]

    def check_codes(self, codes: list[str]) -> list[str]:
        """The reject codes given, each once, once every one is on the list."""
        for code in codes:
            if code not in self.reject_codes:
                raise InputError(f"--code {code}: unknown reject code"
                                 f"{_nearest(code, list(self.reject_codes))}")
        return list(dict.fromkeys(codes))


def _nearest(name: str, known: list[str]) -> str:
    """'; did you mean ...' with the closest names, else the list of them."""
    near = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    if near:
        return f"; did you mean {' or '.join(near)}? (known: {', '.join(known)})"
    return f" (known: {', '.join(known) or 'none'})"


DEFAULT = Guidelines()


def render_guidelines(g: Guidelines) -> str:
    """The guidelines as the prompt states them (and ``reasondraft guidelines`` prints)."""
    bands = "; ".join(f"{'each step' if name == 'step' else name}: {low}-{high} words"
                      for name, (low, high) in g.words.items())
    lines = [f"- Between {g.min_steps} and {g.max_steps} steps.",
             f"- Required sections, each with content: {', '.join(g.required_sections)}; "
             f"always present, empty only when there is nothing to say: "
             f"{', '.join(g.expected_sections)} (those the trace format has).",
             f"- Length bands: {bands}.",
             f"- Every decision weighs at least {g.min_options} options, chooses one of them, "
             "and rests its why (and why each other option loses) on cited evidence.",
             "- Every FAIL_TO_PASS test is in Tests with its source; a PASS_TO_PASS test is "
             "never said to fail before the change.",
             "- No sentence repeated; every hunk explained with its own specific purpose; "
             "only identifiers that exist in the diff or the repository."]
    errors = sorted(code for code, level in g.severity.items() if level == "error")
    lowered = sorted(code for code, level in g.severity.items() if level != "error")
    if errors:
        lines.append(f"- Treated as errors (the trace is rejected): {', '.join(errors)}.")
    if lowered:
        lines.append(f"- Not errors here: {', '.join(lowered)}.")
    return "\n".join(lines)


def render_review(g: Guidelines) -> str:
    """The rubric and the reject codes as ``reasondraft guidelines`` prints them (not in the
    prompt: they are for the reviewers)."""
    lines = ["Rubric (approve --score ITEM=N, N from 1 to 4):"]
    for item in g.rubric:
        rules = [rule for rule, on in (("required", item.required),
                                       (f"blocks approval below {item.block_below}",
                                        item.block_below is not None)) if on]
        lines.append(f"- {item.name}: {item.title}" + (f" ({'; '.join(rules)})" if rules
                                                        else ""))
        lines += [f"    {n}: {anchor}" for n, anchor in zip(SCORES, item.anchors, strict=True)]
    lines.append("Reject codes (reject --code CODE):")
    lines += [f"- {code}: {text}" for code, text in g.reject_codes.items()]
    lines.append("Self-review (the author approving or rejecting their own draft): "
                 + ("allowed" if g.allow_self_review else "refused"))
    return "\n".join(lines)


def load_guidelines(cwd: Path | None = None) -> Guidelines:
    """The guidelines of the project file in ``cwd`` (the defaults when there is none)."""
    folder = cwd or Path.cwd()
    own, pyproject = folder / "reasondraft.toml", folder / "pyproject.toml"
    table: tuple[str, ...]
    if own.is_file():
        path, table, header = own, ("guidelines",), "guidelines"
    elif pyproject.is_file():
        path, table, header = pyproject, ("tool", "reasondraft", "guidelines"), \
            "tool.reasondraft.guidelines"
    else:
        return DEFAULT
    text = read_text(path)
    data: Any = parse_toml(text, str(path))
    for key in table:
        data = data.get(key, {}) if isinstance(data, dict) else {}
    if not isinstance(data, dict):
        raise InputError(f"[{header}] must be a table", where=str(path))
    return parse_guidelines(data, lambda key: f"{path}:{_line(text, header, key)}: "
                            f"[{header}] {key}")


def parse_guidelines(data: dict[str, Any], where: Any = lambda key: key) -> Guidelines:
    """Guidelines from a table; ``where(key)`` names a bad key for the message."""
    from reasondraft.verify.findings import CODES  # the codes a severity may name

    g = DEFAULT
    for key, value in data.items():
        if key == "rubric":
            g = replace(g, rubric=_rubric(value, where))
            continue
        problem = _problem(key, value, CODES)
        if problem:
            raise InputError(f"{where(key)}: {problem}")
        if key == "words":
            value = g.words | {name: (band[0], band[1]) for name, band in value.items()}
        elif key in ("required_sections", "expected_sections"):
            value = tuple(value)
        g = replace(g, **{key: value})
    if g.min_steps > g.max_steps:
        raise InputError(f"{where('min_steps')}: min_steps {g.min_steps} is above max_steps "
                         f"{g.max_steps}")
    return g


def _problem(key: str, value: Any, codes: dict[str, Any]) -> str | None:
    if key in ("min_steps", "max_steps", "min_options"):
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return None if ok else "must be a whole number, 0 or more"
    if key in ("required_sections", "expected_sections"):
        known = set(SECTIONS[1] + SECTIONS[2])
        if not isinstance(value, list) or any(v not in known for v in value):
            return f"must be a list of section names among: {', '.join(sorted(known))}"
        return None
    if key == "words":
        return _words_problem(value)
    if key == "severity":
        return _severity_problem(value, codes)
    if key == "reject_codes":
        return _codes_problem(value)
    if key == "allow_self_review":
        return None if isinstance(value, bool) else "must be true or false"
    return ("unknown key (known: min_steps, max_steps, min_options, required_sections, "
            "expected_sections, words, severity, rubric, reject_codes, allow_self_review)")


def _codes_problem(value: Any) -> str | None:
    if not isinstance(value, dict):
        return "must be a table of code = \"what it means\""
    for code, text in value.items():
        if not NAME.match(code):
            return f"'{code}': a code is lowercase letters, digits, '_' and '-'"
        if not isinstance(text, str) or not text.strip():
            return f"'{code}' must be a description (a non-empty string)"
    return None


def _rubric(value: Any, where: Any) -> tuple[RubricItem, ...]:
    """The rubric table: it replaces the default rubric; an item named like a default item
    takes the default's title and anchors for the keys it leaves out."""
    if not isinstance(value, dict) or not value:
        raise InputError(f"{where('rubric')}: must be a table of items, "
                         "[guidelines.rubric.NAME] with title, anchors, required, block_below")
    defaults = {item.name: item for item in DEFAULT_RUBRIC}
    items = []
    for name, table in value.items():
        if not NAME.match(name) or not isinstance(table, dict):
            raise InputError(f"{where(f'rubric.{name}')}: an item is a table named with "
                             "lowercase letters, digits, '_' and '-'")
        for key, field_value in table.items():
            problem = _item_problem(key, field_value)
            if problem:
                raise InputError(f"{where(f'rubric.{name}.{key}')}: {problem}")
        base = defaults.get(name)
        if base is None:
            missing = [key for key in ("title", "anchors") if key not in table]
            if missing:
                raise InputError(f"{where(f'rubric.{name}')}: '{name}' is not a default "
                                 f"item, so it needs {' and '.join(missing)}")
            base = RubricItem(name, table["title"], tuple(table["anchors"]))
        items.append(replace(base, title=table.get("title", base.title),
                             anchors=tuple(table.get("anchors", base.anchors)),
                             required=table.get("required", False),
                             block_below=table.get("block_below")))
    return tuple(items)


def _item_problem(key: str, value: Any) -> str | None:
    if key == "title":
        ok = isinstance(value, str) and bool(value.strip())
        return None if ok else "must be a non-empty string"
    if key == "anchors":
        ok = isinstance(value, list) and len(value) == len(SCORES) and all(
            isinstance(text, str) and text.strip() for text in value)
        return None if ok else "must be 4 non-empty texts: what a score of 1, 2, 3, 4 means"
    if key == "required":
        return None if isinstance(value, bool) else "must be true or false"
    if key == "block_below":
        ok = isinstance(value, int) and not isinstance(value, bool) and value in (2, 3, 4)
        return None if ok else "must be 2, 3 or 4 (a score below it blocks approval)"
    return f"unknown key (known: {', '.join(ITEM_KEYS)})"


def _words_problem(value: Any) -> str | None:
    """What is wrong with a ``words`` table: each key a banded section, each band [min, max]."""
    if not isinstance(value, dict):
        return "must be a table of section = [min, max]"
    for name, band in value.items():
        if name not in BANDED:
            return f"'{name}' has no length band (known: {', '.join(BANDED)})"
        if not (isinstance(band, list) and len(band) == 2 and all(
                isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in band)
                and band[0] <= band[1]):
            return f"'{name}' must be [min, max] words with min <= max"
    return None


def _severity_problem(value: Any, codes: dict[str, Any]) -> str | None:
    """What is wrong with a ``severity`` table: each key a finding code, each value a level."""
    if not isinstance(value, dict):
        return "must be a table of CODE = \"error\" | \"warning\" | \"info\""
    for code, level in value.items():
        if code not in codes:
            return f"'{code}' is not a finding code"
        if level not in SEVERITIES:
            return f"'{code}' = {level!r}: must be one of {', '.join(SEVERITIES)}"
    return None


def _line(text: str, header: str, key: str) -> int:
    """The line of ``key`` in the ``[header]`` table (or its sub-table), else the header's.
    A dotted key (``rubric.correctness.anchors``) is looked up in its own sub-table, else
    its parent's line."""
    lines = text.splitlines()
    parent, _, leaf = key.rpartition(".")
    if parent:
        table = f"{header}.{parent}"
        start = next((n for n, line in enumerate(lines) if re.match(
            rf"^\s*\[\s*{re.escape(table)}\s*\]", line)), None)
        if start is None:
            return _line(text, header, parent)
        for n in range(start + 1, len(lines)):
            if lines[n].lstrip().startswith("["):
                break
            if re.match(rf"^\s*{re.escape(leaf)}\s*=", lines[n]):
                return n + 1
        return start + 1
    start = next((n for n, line in enumerate(lines) if re.match(
        rf"^\s*\[\s*{re.escape(header)}\s*\]", line)), 0)
    for n in range(start, len(lines)):
        line = lines[n]
        if re.match(rf"^\s*(\[\s*{re.escape(header)}\.)?{re.escape(key)}\b", line) or \
                re.match(rf"^\s*\[\s*{re.escape(header)}\.{re.escape(key)}\s*\]", line):
            return n + 1
    return start + 1
