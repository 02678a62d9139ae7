"""What the trace says the code does, against the code.

- RD-K001: an identifier in backticks in what describes the change (the Summary; format 2:
  the root cause, the implement steps and the hunk purposes; format 1: the Solution and the
  implement steps) that is in neither the diff, the files the trace cites, the test patch
  nor the repository at the base commit (the patched revision is the base plus the diff).
  A dotted name is looked up by its last part (``copy.deepcopy``: ``deepcopy``). The cheap
  texts are searched first; ``git grep`` runs at most once per identifier per context.
- RD-K002: a format-2 hunk whose purpose is generic (a few words, or a stock phrase) or
  the same as another hunk's: every hunk is explained for what it does.
"""

from __future__ import annotations

import builtins
import keyword
import re
from typing import TYPE_CHECKING

from reasondraft.repo import Rev
from reasondraft.trace import Phase, Trace, TraceStep
from reasondraft.verify.findings import Finding, finding

if TYPE_CHECKING:  # at run time a cycle: importing evidence registers this module
    from reasondraft.trace_v1 import TraceStepV1
    from reasondraft.verify.evidence import Draft

TICKED = re.compile(r"`([^`\n]+)`")
IDENT = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?:\(\))?")
COMMON = frozenset(dir(builtins)) | frozenset(keyword.kwlist) | {"self", "cls", "args",
                                                                  "kwargs", "None"}
GENERIC = frozenset({"fix", "fix the bug", "fix the issue", "the fix", "apply the fix",
                     "update", "update the code", "change", "change the code", "refactor",
                     "cleanup", "clean up", "implement the fix", "see above", "todo"})
MIN_PURPOSE_WORDS = 3  # 'multiply by h' says what it does; 'fix it' does not


def check_code(draft: Draft) -> list[Finding]:
    """Identifiers that exist nowhere, and hunks explained generically or not at all."""
    found: list[Finding] = []
    seen: set[tuple[str, int]] = set()
    for line, text in _descriptions(draft):
        for name in _identifiers(text):
            if (name, line) in seen or _exists(draft, name):
                continue
            seen.add((name, line))
            found.append(finding("RD-K001", line + draft.line_offset, f"`{name}` is in "
                                 "neither the diff, the cited files nor the repository: say "
                                 "what the code really does"))
    if isinstance(draft.parsed.trace, Trace):
        found += _hunks(draft, draft.parsed.trace)
    return found


def _descriptions(draft: Draft) -> list[tuple[int, str]]:
    """(body line, text) of every line that describes the change."""
    lines = draft.body.split("\n")
    trace_steps: list[TraceStep | TraceStepV1] = list(draft.parsed.trace.steps)
    wanted = {"## Summary", "## Root cause", "## Solution", "## Hunks"}
    implement = {n for n, step in enumerate(trace_steps) if step.phase is Phase.IMPLEMENT}
    found, section, step = [], "", -1
    for number, text in enumerate(lines, start=1):
        if text.startswith("## "):
            section = text
            step += text.startswith("## Step ")
            continue
        if section in wanted or (section.startswith("## Step ") and step in implement):
            found.append((number, text))
    return found


def _identifiers(text: str) -> list[str]:
    names = []
    for span in TICKED.findall(text):
        span = span.strip()
        if IDENT.fullmatch(span):
            name = span.removesuffix("()")
            last = name.rsplit(".", 1)[-1]
            if len(last) >= 3 and last not in COMMON and name not in names:
                names.append(name)
    return names


def _exists(draft: Draft, name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    word = re.compile(rf"(?<![\w]){re.escape(last)}(?![\w])")
    ctx = draft.ctx
    texts = [ctx.patch.text if ctx.patch else "",
             ctx.instance.test_patch if ctx.instance else ""]
    # each cited file once (a trace cites a few files many times)
    texts += {(c.target.path, c.target.rev): c.target.file.text
              for c in draft.citations if c.target is not None}.values()
    if any(word.search(text) for text in texts):
        return True

    def grep() -> bool:
        pattern = rf"(^|[^A-Za-z0-9_]){re.escape(last)}([^A-Za-z0-9_]|$)"
        return bool(ctx.view.git.grep_files(ctx.view.base_commit, pattern))
    return ctx.memo("identifier", last, Rev.BASE, grep)


def _hunks(draft: Draft, trace: Trace) -> list[Finding]:
    lines = draft.body.split("\n")
    purposes: dict[str, list[str]] = {}
    for hunk in trace.hunks:
        purposes.setdefault(_norm(hunk.purpose), []).append(hunk.ref)
    found = []
    for hunk in trace.hunks:
        line = next((n for n, text in enumerate(lines, 1)
                     if text.startswith(f"- [[{hunk.ref}]]")), 1) + draft.line_offset
        norm = _norm(hunk.purpose)
        if len(norm.split()) < MIN_PURPOSE_WORDS or norm in GENERIC:
            found.append(finding("RD-K002", line, f"the hunk {hunk.ref} is explained only as "
                                 f"'{hunk.purpose}': say what it changes and why",
                                 ref=hunk.ref))
        elif len(purposes[norm]) > 1:
            others = ", ".join(r for r in purposes[norm] if r != hunk.ref)
            found.append(finding("RD-K002", line, f"the hunk {hunk.ref} has the same purpose "
                                 f"as {others}: explain what each hunk does", ref=hunk.ref))
    return found


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9_]+", re.sub(r"\[\[[^\]]*\]\]", " ", text.lower())))
