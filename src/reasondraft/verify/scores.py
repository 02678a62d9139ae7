"""The ``checks`` object: per check family, how many items a draft has and how many pass.

A batch is measured by these shares, so an *item* is fixed per family (docs/verify.md lists it):

- references: each reference; passed when no reference finding is about it;
- hunks: each hunk of the diff;
- f2p_coverage: each FAIL_TO_PASS test of the instance;
- decisions: each decision of the trace;
- structure: each ``## `` section of the trace (steps included);
- hindsight: each step whose basis is ``observed``;
- test_claims: each test the trace makes a claim about;
- agent_path and code_consistency: what their checks count (failure events, identifiers).

A check that knows its items better calls :meth:`Items.count` (an evidence check through
``draft.items``); otherwise the count is derived here from what is cheap to count. Outside
references, a family's failed items are its distinct findings (by line, reference and
suggestion: two findings about one decision are one failed item), never more than the items;
a family with findings but no counted items has as many items as failed ones. A family with
no items has ``share`` None: nothing to measure, not a perfect score.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reasondraft.verify.citation import Citation
from reasondraft.verify.context import VerifyContext
from reasondraft.verify.findings import FAMILIES, Family, Finding, family

if TYPE_CHECKING:
    from reasondraft.body import ParsedBody


@dataclass(frozen=True)
class Score:
    """One family's items, how many pass, and the share (None without items)."""

    items: int
    passed: int

    @property
    def share(self) -> float | None:
        return round(self.passed / self.items, 4) if self.items else None

    def to_json(self) -> dict[str, Any]:
        return {"items": self.items, "passed": self.passed, "share": self.share}


class Items(dict[str, int]):
    """Item counts per family, filled by the checks that know them."""

    def count(self, name: Family, items: int) -> None:
        """Record that the check of ``name`` looked at ``items`` items (added up)."""
        self[name] = self.get(name, 0) + items


def derive_items(items: Items, body: str, parsed: ParsedBody | None,
                 citations: list[Citation], ctx: VerifyContext) -> None:
    """Fill, for every family no check counted, the count cheap to derive."""
    derived: dict[str, int] = {"references": len(citations)}
    if ctx.patch is not None:
        derived["hunks"] = sum(len(diff.hunks) for diff in ctx.patch)
    if parsed is not None:
        # Imported here: only a trace needs them (see verify.check._check_trace).
        from reasondraft.body.markdown import split_sections
        from reasondraft.trace import Basis, Trace

        trace = parsed.trace
        derived["structure"] = sum(1 for part in split_sections(body) if part.heading)
        derived["test_claims"] = len(trace.tests)
        if ctx.instance is not None:
            derived["f2p_coverage"] = len(ctx.instance.FAIL_TO_PASS)
        if isinstance(trace, Trace):
            derived["decisions"] = sum(1 for step in trace.steps if step.decision)
            derived["hindsight"] = sum(1 for step in trace.steps
                                       if step.basis is Basis.OBSERVED)
    for name, n in derived.items():
        items.setdefault(name, n)


def scores(items: Items, citations: list[Citation],
           general: list[Finding]) -> dict[Family, Score]:
    """Every family's score, from the counted items and the findings."""
    failed: dict[str, set[tuple[object, ...]]] = {name: set() for name in FAMILIES}
    for index, c in enumerate(citations):
        for f in c.findings:
            name = family(f.code)
            failed[name].add(("citation", index) if name == "references"
                             else (f.line, f.ref, f.suggestion))
    for f in general:
        failed[family(f.code)].add((f.line, f.ref, f.suggestion))
    result: dict[Family, Score] = {}
    for name in FAMILIES:
        total = max(items.get(name, 0), len(failed[name]))
        result[name] = Score(total, total - len(failed[name]))
    return result
