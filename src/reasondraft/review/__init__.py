"""Human review: show, edit, approve, reject, status, export.

Library API (what the commands call; none of it imports litellm or instructor). Available
here: the decisions, status and the record; the rest from its module::

    approve(path, reviewer, note=, override=, force=, sources=, sign=KEY,
            scores={item: 1..4}) -> ReviewOutcome
    reject(path, reviewer, reason, note=, force=, sources=, codes=[code]) -> ReviewOutcome
    scan(dir, verify=False, sources=None, signers=None) -> list[DraftStatus]; totals(rows);
        by_model(rows)
    standing(draft) -> Standing          # effective status: a decision holds while the
                                         # body and input hashes match
    review.signing.Signers(allowed_signers, required=False)  # checks SSH signatures
    edit_rate(generated_body, body) -> float
    review.show.show(path, sources=None, expand=True) -> list of rich renderables
    review.edit.open_in_editor(path); review.edit.check_edited(path, sources) -> Edited
    review.export.export(dir, out, include_all=False, sources=None, signers=None)
        -> ExportResult
    review.export.schema() -> dict       # JSON Schema of one export line

The review record's shape and what "modified" and "stale" mean are documented in
:mod:`reasondraft.review.record`; signatures in :mod:`reasondraft.review.signing`; the edit
rate in :mod:`reasondraft.review.editrate`; the export line in
:mod:`reasondraft.review.export`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reasondraft.review.decide import ReviewOutcome, approve, reject
    from reasondraft.review.editrate import edit_rate
    from reasondraft.review.record import ReviewRecord, Standing, standing
    from reasondraft.review.status import DraftStatus, by_model, scan, totals

# Each name is loaded from its module when first asked for: ``verify`` reads a draft's review
# record (reasondraft.review.record) and would otherwise load status and the trace models too.
_HOME = {"ReviewOutcome": "decide", "approve": "decide", "reject": "decide",
         "edit_rate": "editrate", "ReviewRecord": "record", "Standing": "record",
         "standing": "record", "DraftStatus": "status", "by_model": "status", "scan": "status",
         "totals": "status"}

__all__ = ["DraftStatus", "ReviewOutcome", "ReviewRecord", "Standing", "approve", "by_model",
           "edit_rate", "reject", "scan", "standing", "totals"]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
    globals()[name] = value
    return value
