"""Human review: show, edit, approve, reject, status, export.

Library API (what the commands call; none of it imports litellm or instructor). Imported
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

from reasondraft.review.decide import ReviewOutcome, approve, reject
from reasondraft.review.editrate import edit_rate
from reasondraft.review.record import ReviewRecord, Standing, standing
from reasondraft.review.status import DraftStatus, by_model, scan, totals

__all__ = ["DraftStatus", "ReviewOutcome", "ReviewRecord", "Standing", "approve", "by_model",
           "edit_rate", "reject", "scan", "standing", "totals"]
