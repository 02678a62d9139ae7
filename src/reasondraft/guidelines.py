"""The annotation guidelines as data: what a good trace holds, checked by ``verify`` and told
to the model in the prompt (one object, so the two never disagree).

They come from ``[guidelines]`` in ``reasondraft.toml`` or ``[tool.reasondraft.guidelines]``
in pyproject.toml (the project file :mod:`reasondraft.config` reads), over built-in defaults
that encode good practice. A bad key or value is bad input naming the file, line and key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from reasondraft.errors import InputError
from reasondraft.files import read_text

SEVERITIES = ("error", "warning", "info")
# Sections a trace can hold, per format; required_sections names among them.
SECTIONS = {1: ("Summary", "Solution", "Trade-offs", "Edge cases", "Tests"),
            2: ("Outcome", "Summary", "Root cause", "Agent path", "Hunks", "Trade-offs",
                "Edge cases", "Tests")}
BANDED = ("Summary", "Root cause", "Solution", "step")


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
        return data


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
    try:
        data: Any = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"invalid TOML: {exc}", where=str(path)) from None
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
    return ("unknown key (known: min_steps, max_steps, min_options, required_sections, words, "
            "severity)")


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
    """The line of ``key`` in the ``[header]`` table (or its sub-table), else the header's."""
    lines = text.splitlines()
    start = next((n for n, line in enumerate(lines) if re.match(
        rf"^\s*\[\s*{re.escape(header)}\s*\]", line)), 0)
    for n in range(start, len(lines)):
        line = lines[n]
        if re.match(rf"^\s*(\[\s*{re.escape(header)}\.)?{re.escape(key)}\b", line) or \
                re.match(rf"^\s*\[\s*{re.escape(header)}\.{re.escape(key)}\s*\]", line):
            return n + 1
    return start + 1
