"""``export``: approved traces as JSON Lines, one :class:`ExportLine` per draft.

Each line carries the trace parsed from draft.md as the humans left it: ``trace`` is the
structured part (every step, including steps a person added) in the draft's format
(``trace_format``: 2, or 1 for drafts written before format 2), ``extras`` holds, verbatim,
every section the trace model cannot hold -- a heading a person renamed or added, or a
known section reshaped beyond the model -- each with the heading it followed, and ``body``
is the Markdown exactly as approved (its sha256 is ``content_hash``), so no word is lost.
``references`` are the resolved citations with the code they cite, ``checks`` the share of
items passing per check family (as ``verify --json``), ``review`` the record
(see :mod:`reasondraft.review.record`: with the rubric ``scores``, reject ``codes`` and the
``author`` when given), ``author`` who drafted or last edited the body, ``rounds`` and
``rework`` the review rounds and rejections so far, ``provenance`` the drafter's
front-matter block.

By default only drafts whose approval still holds are exported; a draft modified since
approval, stale (an input changed, or verify now finds another number of errors than the
approval recorded without an override -- export verifies every draft again), unsigned
(with ``--require-signed``), not yet approved or rejected is skipped and counted with its
reason. ``--all`` exports every draft, each with its ``status`` and, when that is not what
the record says, ``status_reason``. With ``--allowed-signers`` each line says who signed
its approval (``signed_by``). A draft that cannot be exported (broken front matter, a
repository that cannot be opened) is listed in ``failed`` with the error. The file is
written atomically once every draft was processed.

A contract for dataset users, in format-2 traces: ``trace.outcome.resolved`` (true, false,
null: unknown) and ``trace.outcome.source`` (harness, trajectory, none); for each of
``trace.tests``: ``id``, ``set`` (FAIL_TO_PASS, PASS_TO_PASS, other),
``visible_to_agent``, ``before`` and ``after`` (pass, fail, error, unknown) and ``source``
(harness, step:N, expected). ``export --schema`` describes every key.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import BaseModel, Field

from reasondraft.body import body_format, parse_body, trace_format
from reasondraft.errors import InputError
from reasondraft.files import atomic_write, check_output_file
from reasondraft.review.checked import CheckedDraft, open_reviewed, resolve
from reasondraft.review.editrate import draft_edit_rate
from reasondraft.review.record import (
    ReviewRecord,
    Status,
    VerifySummary,
    draft_author,
    read_history,
    rounds,
)
from reasondraft.review.references import action_text, cited_code, cited_steps, kind
from reasondraft.review.signing import Signers
from reasondraft.trace import Trace
from reasondraft.trace_v1 import TraceV1
from reasondraft.verify import Citation, Repos, Sources, VerifyContext
from reasondraft.verify.findings import Family
from reasondraft.verify.inputs import draft_paths

FORMAT: Final = "reasondraft-export/2"


class ExportStep(BaseModel):
    number: int
    kind: str
    action: str


class ExportReference(BaseModel):
    """One reference as written, where it resolved, and what it cites."""

    ref: str = Field(description="The reference exactly as written between the brackets.")
    kind: Literal["file", "test", "step"] | None = Field(
        description="None for a malformed reference.")
    line: int = Field(description="1-based line in draft.md.")
    quote: bool = Field(description="True for a ```quote block.")
    path: str | None = Field(description="The repository file it resolved to.")
    rev: Literal["base", "patched"] | None
    start: int | None
    end: int | None
    code: str | None = Field(description=(
        "The cited lines (a line range, a symbol's or a test's definition), as in the "
        "repository at rev; None for whole files and steps."))
    steps: list[ExportStep] = Field(default_factory=list,
                                    description="The trajectory steps a step reference cites.")
    findings: list[str] = Field(description="Codes of verify findings about this reference.")


class CheckScore(BaseModel):
    """One check family's measure on this draft."""

    items: int = Field(description=(
        "How many items of the family the draft has (references: each reference; hunks: "
        "each diff hunk; f2p_coverage: each FAIL_TO_PASS test; decisions: each decision; "
        "structure: each section; hindsight: each observed step; test_claims: each test "
        "claim; agent_path: each failure event; code_consistency: each identifier)."))
    passed: int = Field(description="How many of them no finding is about.")
    share: float | None = Field(description="passed / items; None without items.")


class ExportExtra(BaseModel):
    """A section kept verbatim because the trace model cannot hold it."""

    heading: str = Field(description="As written, without '## ' ('' for text before any).")
    text: str
    after: str | None = Field(description="The heading of the section it followed.")
    reshaped: bool = Field(description=(
        "True for a known section whose text no longer has the tool's shape (the trace "
        "holds what could be read of it), False for a section the tool does not know."))


class ExportLine(BaseModel):
    """One exported trace (one line of the JSONL file)."""

    format: Literal["reasondraft-export/2"] = FORMAT
    instance_id: str
    run: str | None = Field(description=(
        "The run (agent, model) whose trajectory the draft explains, when an instance has "
        "several (draft --run, or a batch's <trajectories>/<run>/ folder); None otherwise."))
    folder: str = Field(description=(
        "The task folder's name (<instance_id>, or <instance_id>__<run>): it tells apart "
        "several drafts of one instance."))
    repo: str | None
    base_commit: str | None
    status: Status
    status_reason: str | None = Field(description=(
        "Why an approval on record does not count (status modified, stale or unsigned): "
        "what changed since, verify's errors against the recorded ones, or the signature "
        "problem."))
    signed_by: str | None = Field(description=(
        "The reviewer whose SSH signature over the review record verified against "
        "--allowed-signers; None when not checked or not valid."))
    content_hash: str
    trace_format: Literal[1, 2] = Field(description=(
        "The draft's trace format: 2 (trace is a Trace: outcome, root cause, steps with their "
        "basis, agent path, hunks, tests with their sources) or 1 (drafts written before "
        "format 2: summary, steps, solution, trade-offs, edge cases, expected tests)."))
    trace: Trace | TraceV1 = Field(description=(
        "The structured trace as the humans left it, in trace_format."))
    extras: list[ExportExtra]
    body: str = Field(description="The Markdown body of draft.md, byte for byte.")
    references: list[ExportReference]
    verify: VerifySummary
    checks: dict[Family, CheckScore] = Field(description=(
        "Per check family (verify --json's checks object): items, passed, share."))
    review: ReviewRecord | None = Field(description=(
        "The decision that stands: reviewer, time, note, reason, override, the body and "
        "input hashes it is bound to, and (when given) author, scores (rubric item -> 1..4, "
        "approve --score) and codes (reject reason codes, reject --code)."))
    review_history: list[ReviewRecord] = Field(description=(
        "Every earlier decision, oldest first (one per review round)."))
    author: str | None = Field(description=(
        "Who drafted or last edited the body (front matter author: draft/edit --author, "
        "REASONDRAFT_USER or the project file's user); None when not recorded."))
    rounds: int = Field(description=(
        "Review rounds: decisions recorded (review plus review_history)."))
    rework: int = Field(description=(
        "Rejections among those rounds: how often the draft went back for rework."))
    edit_rate: float | None = Field(description=(
        "1 - difflib ratio of body lines against draft.generated.md; None without it."))
    provenance: dict[str, Any] | None


def schema() -> dict[str, Any]:
    """The JSON Schema of one line (``reasondraft export --schema``); ``$defs`` also
    describes the rows of ``export --pairs`` (``PairRow``), unreferenced by the line."""
    from reasondraft.quality.pairs import PairRow

    described = ExportLine.model_json_schema()
    pairs = PairRow.model_json_schema()
    described["$defs"] |= pairs.pop("$defs", {}) | {"PairRow": pairs}
    return described


@dataclass
class ExportResult:
    """What export did; ``signed`` counts lines with a verified signature (None: not
    checked)."""

    out: Path
    exported: int = 0
    signed: int | None = None
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    folders: dict[str, list[str]] = field(default_factory=dict)  # instance id -> its lines'

    def several(self) -> dict[str, list[str]]:
        """The instances exported more than once (several runs or copies), with the task
        folder of each line: a dataset user must know they are not duplicates."""
        return {instance_id: folders for instance_id, folders in self.folders.items()
                if len(folders) > 1}

    def reasons(self) -> dict[str, int]:
        """How many drafts were skipped for each reason."""
        return dict(Counter(reason for _, reason in self.skipped))

    def to_json(self) -> dict[str, Any]:
        return {"out": str(self.out), "exported": self.exported, "signed": self.signed,
                "skipped": len(self.skipped), "skipped_by_reason": self.reasons(),
                "several_per_instance": self.several(),
                "failed": [{"draft": str(p), "error": e} for p, e in self.failed]}


SKIP_REASONS: dict[str, str] = {
    "modified": "modified since approval", "stale": "inputs changed since approval",
    "unsigned": "not signed by an allowed signer", "draft": "not approved",
    "rejected": "rejected"}
VERIFY_DIFFERS = "verify errors differ from the approval"


def export(path: Path, out: Path, *, include_all: bool = False,
           sources: Sources | None = None, signers: Signers | None = None) -> ExportResult:
    """Write the drafts PATH names to ``out`` (atomically, all lines or none)."""
    if out.is_dir() and not out.is_symlink():
        raise InputError("is a directory; --out takes a file name (e.g. approved.jsonl)",
                         where=str(out))
    check_output_file(out)  # before the work: a link, a device, a FIFO, /proc are refused
    result = ExportResult(out, signed=0 if signers is not None else None)
    lines = export_lines(path, result, include_all=include_all, sources=sources,
                         signers=signers)
    atomic_write(out, "".join(line.model_dump_json() + "\n" for _, line in lines))
    return result


def export_lines(path: Path, result: ExportResult, *, include_all: bool = False,
                 sources: Sources | None = None,
                 signers: Signers | None = None) -> list[tuple[Path, ExportLine]]:
    """Each draft PATH names that is exported, and its line (each draft verified again);
    what is skipped or fails is recorded in ``result`` (``export --format hf`` and
    ``--pairs`` start from the same lines)."""
    lines: list[tuple[Path, ExportLine]] = []
    with Repos() as repos:
        for draft in draft_paths(path):
            line = _export_one(draft, sources or Sources(), repos, signers, result,
                               include_all=include_all)
            if line is not None:
                lines.append((draft, line))
                result.folders.setdefault(line.instance_id, []).append(line.folder)
                if result.signed is not None and line.signed_by is not None:
                    result.signed += 1
    result.exported = len(lines)
    return lines


def _export_one(path: Path, sources: Sources, repos: Repos, signers: Signers | None,
                result: ExportResult, *, include_all: bool) -> ExportLine | None:
    """The line for one draft, or None (recorded in ``result`` with why) if not exported.
    An approval is verified again before it is exported as approved."""
    try:
        checked = open_reviewed(path)
        if signers is not None:
            checked.standing = signers.check(checked.standing)
        status = checked.standing.status
        if status == "broken":
            raise InputError(checked.standing.problem or "front matter is broken")
        if status != "approved" and not include_all:
            result.skipped.append((path, SKIP_REASONS[status]))
            return None
        resolve(checked, sources, repos)
        if checked.unresolved:
            raise InputError(checked.unresolved)
        if checked.standing.status != "approved" and not include_all:
            result.skipped.append((path, VERIFY_DIFFERS))
            return None
        return export_line(checked)
    except InputError as exc:
        result.failed.append((path, str(exc)))
        return None


def export_line(checked: CheckedDraft) -> ExportLine:
    """The export line of a draft read from disk whose references resolved."""
    draft, report = checked.draft, checked.report
    assert report is not None
    assert draft.path is not None
    front, path = draft.front, draft.path
    parsed = parse_body(draft.body, trace_format(front, str(path)) or body_format(draft.body))
    provenance = front.get("provenance")
    where = checked.standing
    went = rounds(draft)
    return ExportLine(
        instance_id=str(front.get("instance_id") or path.parent.name),
        run=as_text(front.get("run")), folder=path.parent.name,
        repo=as_text(front.get("repo")), base_commit=as_text(front.get("base_commit")),
        status=where.status, status_reason=where.note,
        signed_by=where.signed_by, content_hash=draft.content_hash,
        trace_format=parsed.version, trace=parsed.trace,
        extras=[ExportExtra(heading=e.heading, text=e.text, after=e.after, reshaped=e.reshaped)
                for e in parsed.extras],
        body=draft.body,
        references=[export_reference(c, checked.ctx) for c in report.citations],
        verify=VerifySummary(**report.summary),
        checks={name: CheckScore(**score.to_json()) for name, score in report.checks.items()},
        review=where.record,
        review_history=read_history(draft),
        author=draft_author(draft),
        rounds=went.rounds, rework=went.rework,
        edit_rate=draft_edit_rate(path, draft.body),
        provenance=provenance if isinstance(provenance, dict) else None)


def export_reference(c: Citation, ctx: VerifyContext | None) -> ExportReference:
    code = cited_code(c)
    target = c.target
    return ExportReference(
        ref=c.raw, kind=kind(c), line=c.line, quote=c.quote is not None,
        path=target.path if target else None, rev=target.rev.value if target else None,
        start=target.start if target else None, end=target.end if target else None,
        code="\n".join(code[1]) if code else None,
        steps=[ExportStep(number=s.number, kind=s.kind.value, action=action_text(s))
               for s in cited_steps(c, ctx)],
        findings=[f.code for f in c.findings])


def as_text(value: object) -> str | None:
    """A front-matter value as text (YAML may have read a number); None stays None."""
    return None if value is None else str(value)

