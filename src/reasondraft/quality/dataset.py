"""``export --format hf --out DIR``: a folder ``datasets.load_dataset(DIR)`` loads.

``data/train.jsonl`` holds one row per exported trace: the lines of ``export`` (the same
drafts, verified again, the same skips), flattened to columns of one fixed type each.
Nested parts (the trace, references, checks, the review records, provenance) are JSON
strings: format-1 and format-2 traces, and rubric items a project names itself, would give
every batch another Arrow schema, and a loader that guesses types per file fails on a
mixed one. ``README.md`` is the dataset card: the YAML header the Hub reads (``configs``
with ``data_files``, ``dataset_info`` with every feature and the split size, ``license``
left null for the owner to choose) and the batch's figures, as ``report --json --verify``
gives them, in a JSON block and as tables.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

from reasondraft.errors import InputError
from reasondraft.files import atomic_write, check_output_dir
from reasondraft.quality.batch import batch_report
from reasondraft.review.export import ExportLine, ExportResult, as_text, export_lines
from reasondraft.review.signing import Signers
from reasondraft.verify import Sources

DATA_FILE: Final = "data/train.jsonl"
CARD_FILE: Final = "README.md"
JSON_COLUMNS = ("trace", "extras", "references", "checks", "review", "review_history",
                "provenance")
# (name, Arrow dtype, what it holds): the dataset card's features, in row order.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("instance_id", "string", "the task's instance id"),
    ("run", "string", "the run whose trajectory the trace explains (null: one run)"),
    ("folder", "string", "the task folder: tells apart several traces of one instance"),
    ("repo", "string", "the repository"),
    ("base_commit", "string", "the commit the task starts from"),
    ("status", "string", "the review status (approved unless exported with --all)"),
    ("content_hash", "string", "sha256 of body"),
    ("trace_format", "int64", "1 or 2: how to read trace"),
    ("body", "string", "the Markdown trace exactly as approved"),
    ("author", "string", "who drafted or last edited the body"),
    ("reviewer", "string", "who made the decision that stands"),
    ("scores", "string", "JSON: rubric item -> score 1..4 of that decision (null: none)"),
    ("rounds", "int64", "review rounds recorded"),
    ("rework", "int64", "rejections among them"),
    ("edit_rate", "float64", "share of the model draft's lines the humans changed"),
    ("model", "string", "the model that drafted it (provenance)"),
    ("prompt", "string", "hash of the drafting prompt (provenance)"),
    ("verify_errors", "int64", "verify's errors at export"),
    ("verify_warnings", "int64", "verify's warnings at export"),
    *((name, "string", f"JSON: the export line's {name} (export --schema)")
      for name in JSON_COLUMNS),
)


def hf_row(line: ExportLine) -> dict[str, Any]:
    """One export line as a flat row of COLUMNS."""
    data = line.model_dump(mode="json")
    provenance = line.provenance or {}
    record = line.review
    row = {name: data.get(name) for name, _, _ in COLUMNS}
    row.update({
        "reviewer": record.reviewer if record else None,
        "scores": json.dumps(record.scores) if record and record.scores else None,
        "model": as_text(provenance.get("model")),
        "prompt": as_text(provenance.get("prompt")),
        "verify_errors": line.verify.errors, "verify_warnings": line.verify.warnings})
    for name in JSON_COLUMNS:
        row[name] = None if data[name] is None else json.dumps(data[name], ensure_ascii=False)
    return row


@dataclass
class HfResult:
    """What ``export --format hf`` wrote: the export's counts and the card's figures."""

    out: Path
    export: ExportResult
    figures: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {**self.export.to_json(), "out": str(self.out), "data": DATA_FILE,
                "card": CARD_FILE}


# What a dataset folder may already hold: an earlier export, and a Hub clone's git files.
OURS = frozenset({"data", CARD_FILE, ".git", ".gitattributes"})


def check_dataset_dir(out: Path) -> None:
    """Refuse a folder holding anything else: ``--out .`` in a project must not replace
    the project's README.md."""
    check_output_dir(out)
    if out.is_dir():
        others = sorted(entry.name for entry in out.iterdir() if entry.name not in OURS)
        if others:
            raise InputError(f"holds {', '.join(others[:3])}{' ...' if len(others) > 3 else ''}"
                             ": --format hf writes into an empty folder or an earlier "
                             "dataset folder (data/, README.md)", where=str(out))


def export_hf(path: Path, out: Path, *, include_all: bool = False,
              sources: Sources | None = None, signers: Signers | None = None) -> HfResult:
    """Write the dataset folder: the data file, then the card (each atomically)."""
    check_dataset_dir(out)
    result = ExportResult(out / DATA_FILE, signed=0 if signers is not None else None)
    lines = export_lines(path, result, include_all=include_all, sources=sources,
                         signers=signers)
    figures = batch_report(path, verify=True, sources=sources).figures
    (out / "data").mkdir(parents=True, exist_ok=True)
    data = "".join(json.dumps(hf_row(line), ensure_ascii=False) + "\n" for _, line in lines)
    atomic_write(out / DATA_FILE, data)
    atomic_write(out / CARD_FILE, card(len(lines), len(data.encode()), figures))
    return HfResult(out, result, figures)


def card(rows: int, size: int, figures: dict[str, Any]) -> str:
    """The dataset card: the Hub's YAML header, what a row holds, and the figures."""
    header = {
        "configs": [{"config_name": "default",
                     "data_files": [{"split": "train", "path": DATA_FILE}]}],
        "dataset_info": {"features": [{"name": name, "dtype": dtype}
                                      for name, dtype, _ in COLUMNS],
                         "splits": [{"name": "train", "num_bytes": size,
                                     "num_examples": rows}]},
        "tags": ["reasoning-traces", "code", "swe-bench"],
    }
    yaml_text = yaml.safe_dump(header, sort_keys=False, allow_unicode=True)
    columns = "\n".join(f"| `{name}` | {dtype} | {what} |" for name, dtype, what in COLUMNS)
    return (
        "---\n# license: choose the license of these traces before publishing\n"
        f"license: null\n{yaml_text}---\n\n"
        "# Reasoning traces\n\n"
        f"{rows} reviewed reasoning traces of coding tasks, written with reasondraft: each "
        "explains how an agent's patch resolves (or does not resolve) a task, cites the "
        "repository and the agent's trajectory, and was verified against them and reviewed "
        "by a person.\n\n"
        "## Columns\n\n| column | type | what |\n|---|---|---|\n"
        f"{columns}\n\n"
        "JSON columns hold the parts of `reasondraft export`'s lines that nest: "
        "`json.loads(row[\"trace\"])`.\n\n"
        f"{figure_tables(figures)}\n"
        "## Figures (JSON)\n\n"
        "As `reasondraft report DIR --json --verify` gives them for the batch the rows were "
        "exported from (every draft of it, exported or not); null: no data.\n\n"
        f"```json\n{json.dumps(figures, indent=1, ensure_ascii=False)}\n```\n")


def _cell(value: object) -> str:
    return "n/a" if value is None else str(value)


def figure_tables(figures: dict[str, Any]) -> str:
    """The measured figures a reader looks for first, as Markdown."""
    status = ", ".join(f"{n} {name}" for name, n in figures["status"].items() if n)
    agreement = figures["agreement"]
    parts = [
        "## Quality of the batch\n",
        f"- drafts: {figures['drafts']} ({status or 'none'})",
        f"- reviewed: {figures['reviewed']}; approved at first review: "
        f"{figures['approved_at_first_review']}; rework rate: {_cell(figures['rework_rate'])}",
        f"- edit rate: mean {_cell(figures['edit_rate']['mean'])}, median "
        f"{_cell(figures['edit_rate']['median'])}",
        f"- score agreement (Krippendorff's alpha, ordinal): "
        f"{_cell(agreement['scores']['alpha'])} over {agreement['scores']['bodies']} "
        "bodies scored twice",
        f"- trace agreement: {agreement['traces']['pairs']} pairs of traces of one instance "
        "compared\n",
        "| rubric item | scored | mean |\n|---|---|---|",
        *(f"| {item} | {s['n']} | {_cell(s['mean'])} |" for item, s in figures["scores"].items()),
        "\n| verify check | items | passed | share |\n|---|---|---|---|",
        *(f"| {name} | {c['items']} | {c['passed']} | {_cell(c['share'])} |"
          for name, c in (figures["checks"] or {}).items()),
        "\n| model | prompt | drafts | approved | mean edit rate |\n|---|---|---|---|---|",
        *(f"| {_cell(m['model'])} | {_cell(m['prompt'])} | {m['drafts']} | {m['approved']} | "
          f"{_cell(m['mean_edit_rate'])} |" for m in figures["by_model"]),
    ]
    return "\n".join(parts) + "\n"
