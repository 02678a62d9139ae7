"""Evidence checks: whether what a trace *claims* agrees with the evidence, beyond whether
its references exist. Each family lives in its own module and registers one function in
:data:`EVIDENCE_CHECKS`; :func:`check_evidence` runs them all over one parsed trace.

A check takes a :class:`Draft` (the body, the trace read from it once, the references with
what they resolved to, the verify context) and returns findings with draft line numbers;
it counts the items it judged in ``draft.items`` (see :mod:`reasondraft.verify.scores`).
Format-1 traces carry less (no basis, no outcome, no agent path): a check uses what is
there and says nothing about what is not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from reasondraft.body import ParsedBody
from reasondraft.verify.agentpath import check_agent_path
from reasondraft.verify.citation import Citation
from reasondraft.verify.claims import check_claims
from reasondraft.verify.code import check_code
from reasondraft.verify.context import VerifyContext
from reasondraft.verify.decisions import check_decisions
from reasondraft.verify.findings import Finding
from reasondraft.verify.hindsight import check_hindsight
from reasondraft.verify.scores import Items
from reasondraft.verify.stepclaims import check_step_claims


@dataclass
class Draft:
    """One trace under check. ``line_offset`` turns a body line into a draft line; a check
    says how many items it looked at with ``items.count(family, n)`` (the ``checks`` shares
    of :mod:`reasondraft.verify.scores`; uncounted families get a derived count)."""

    body: str
    parsed: ParsedBody
    citations: list[Citation]
    ctx: VerifyContext
    line_offset: int
    items: Items = field(default_factory=Items)

    @property
    def version(self) -> int:
        return self.parsed.version


EvidenceCheck = Callable[[Draft], list[Finding]]
EVIDENCE_CHECKS: list[EvidenceCheck] = []


def check_evidence(draft: Draft) -> list[Finding]:
    """Every registered evidence check's findings for ``draft``."""
    return [found for check in EVIDENCE_CHECKS for found in check(draft)]


# Registration, one line per family (the families import Draft for type checking only).
EVIDENCE_CHECKS.append(check_hindsight)  # RD-H: hindsight, grounded in time
EVIDENCE_CHECKS.append(check_step_claims)  # RD-O: test claims against the cited step's output
EVIDENCE_CHECKS.append(check_claims)  # RD-E, RD-T: claims against the evaluation and the task
EVIDENCE_CHECKS.append(check_decisions)  # RD-D: decisions and structure
EVIDENCE_CHECKS.append(check_code)  # RD-K: what the trace says the code does
EVIDENCE_CHECKS.append(check_agent_path)  # RD-A: the agent path is covered
