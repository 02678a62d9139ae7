"""``export DIR --pairs FILE``: training rows from what the humans changed.

Per approved draft (its approval verified again, as ``export`` does): an SFT row (the
prompt, the approved trace), and, when its edit rate is at least ``--min-edit-rate``, a
preference row (the prompt, chosen = the approved body, rejected = the body of
draft.generated.md, the model's draft).

The task folder does not keep the prompt's text: the provenance keeps the hash of the
prompt templates and what the packing put in (budget, tokens per section, what was
dropped). The prompt is rebuilt the way ``draft --dry-run`` builds it, from the task folder
and the repository, without calling a model, and a row is written only when the rebuild
provably matches what was recorded at drafting: the same template hash, the same patch
source, the same packing record. Otherwise the draft is skipped, with why (templates
changed since, another diff, a context packed differently). Each row says
``prompt_source: rebuilt``. The prompt is the first request's messages; the repair
messages of later rounds (verify's findings sent back) are not part of it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from reasondraft.document import GENERATED_FILE, body_of
from reasondraft.errors import InputError
from reasondraft.files import atomic_write, check_output_file, read_text
from reasondraft.review.export import ExportLine, ExportResult, export_lines
from reasondraft.review.signing import Signers
from reasondraft.verify import Sources

DEFAULT_MIN_EDIT_RATE = 0.05  # 1 line in 20 changed: more than a typo fixed


class Message(BaseModel):
    role: Literal["system", "user"]
    content: str


class PairRow(BaseModel):
    """One line of ``export --pairs``."""

    kind: Literal["sft", "preference"]
    instance_id: str
    folder: str = Field(description="The task folder: tells apart traces of one instance.")
    prompt: list[Message] = Field(description=(
        "The messages of the first drafting request, rebuilt (see prompt_source)."))
    prompt_source: Literal["rebuilt"] = Field(description=(
        "rebuilt: from the task folder and repository without a model; written only when "
        "the template hash, the patch source and the packing record match the provenance."))
    prompt_hash: str = Field(description="The provenance's template hash.")
    model: str | None = Field(description="The model that drafted (provenance).")
    completion: str | None = Field(description="sft: the approved body; None otherwise.")
    chosen: str | None = Field(description="preference: the approved body.")
    rejected: str | None = Field(description="preference: the model's draft "
                                             "(draft.generated.md's body).")
    edit_rate: float | None = Field(description="How much of the model's draft the humans "
                                                "changed (export's edit_rate).")
    content_hash: str = Field(description="sha256 of the approved body.")


@dataclass
class PairsResult:
    """What was written, and each approved draft left out with why."""

    out: Path
    export: ExportResult
    sft: int = 0
    preference: int = 0
    min_edit_rate: float = DEFAULT_MIN_EDIT_RATE
    left_out: list[tuple[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"out": str(self.out), "sft": self.sft, "preference": self.preference,
                "min_edit_rate": self.min_edit_rate,
                "left_out": [{"folder": f, "why": why} for f, why in self.left_out],
                "left_out_by_reason": dict(Counter(why for _, why in self.left_out)),
                "skipped": self.export.to_json()["skipped_by_reason"],
                "failed": self.export.to_json()["failed"]}


def rebuild_prompt(line: ExportLine, draft: Path) -> list[Message]:
    """The first request's messages as ``draft`` built them, or bad input saying why they
    cannot be rebuilt faithfully."""
    provenance = line.provenance or {}
    model, packing = provenance.get("model"), provenance.get("packing")
    if not isinstance(model, str) or not isinstance(packing, dict) or "budget" not in packing:
        raise InputError("the provenance records no model or packing: not drafted by "
                         "reasondraft draft, no prompt to rebuild")
    from reasondraft.document import read_draft
    from reasondraft.guidelines import load_guidelines
    from reasondraft.task import load_task

    front = read_draft(draft).front
    repo = front.get("repo_path")
    task = load_task(draft.parent, repo=Path(repo) if isinstance(repo, str) else None,
                     run=line.run)
    if task.patch_source != provenance.get("patch_source"):
        raise InputError(f"the diff now comes from {task.patch_source}, at drafting from "
                         f"{provenance.get('patch_source')}")
    from reasondraft.draft.drafter import prepare  # the model stack: only for pairs
    from reasondraft.draft.request import DraftRequest

    prepared = prepare(task, DraftRequest(model=model, max_input_tokens=packing["budget"],
                                          guidelines=load_guidelines()))
    if prepared.templates.hash != provenance.get("prompt"):
        raise InputError("the prompt templates changed since drafting")
    if prepared.packed.provenance() != packing:
        raise InputError("the context packs differently now than at drafting")
    return [Message.model_validate(m) for m in prepared.messages]


def pair_rows(line: ExportLine, draft: Path, prompt: list[Message], *,
              min_edit_rate: float) -> list[PairRow]:
    """The SFT row, and the preference row when the humans changed enough."""
    provenance = line.provenance or {}
    common: dict[str, Any] = {
        "instance_id": line.instance_id, "folder": line.folder, "prompt": prompt,
        "prompt_source": "rebuilt", "prompt_hash": str(provenance["prompt"]),
        "model": provenance.get("model"), "edit_rate": line.edit_rate,
        "content_hash": line.content_hash}
    rows = [PairRow(kind="sft", completion=line.body, chosen=None, rejected=None, **common)]
    if line.edit_rate is not None and line.edit_rate >= min_edit_rate:
        generated = body_of(read_text(draft.with_name(GENERATED_FILE), kind="draft"))
        rows.append(PairRow(kind="preference", completion=None, chosen=line.body,
                            rejected=generated, **common))
    return rows


def export_pairs(path: Path, out: Path, *, min_edit_rate: float = DEFAULT_MIN_EDIT_RATE,
                 sources: Sources | None = None,
                 signers: Signers | None = None) -> PairsResult:
    """Write the pair rows of the approved drafts PATH names to ``out`` (atomically)."""
    if not 0 <= min_edit_rate <= 1:
        raise InputError(f"--min-edit-rate {min_edit_rate}: an edit rate is from 0 to 1")
    check_output_file(out)
    result = PairsResult(out, ExportResult(out), min_edit_rate=min_edit_rate)
    text = []
    for draft, line in export_lines(path, result.export, sources=sources, signers=signers):
        try:
            rows = pair_rows(line, draft, rebuild_prompt(line, draft),
                             min_edit_rate=min_edit_rate)
        except InputError as exc:
            result.left_out.append((line.folder, str(exc)))
            continue
        for row in rows:
            text.append(row.model_dump_json() + "\n")
            result.sft += row.kind == "sft"
            result.preference += row.kind == "preference"
    atomic_write(out, "".join(text))
    return result

