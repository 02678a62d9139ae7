"""How long ``status`` takes over a directory of 1,000 drafts, and ``--verify`` on a subset.

Drafts the bundled example task once with the offline fixture model (``reasondraft demo``),
then copies that task folder N times under new instance ids with a realistic mix: untouched
drafts, drafts people edited (lines changed, paragraphs added), approvals (the record
``approve`` writes), approvals edited afterwards (modified since approval) and rejections,
across three models and two prompt hashes. Prints the wall time of:

- ``scan`` in-process (what ``status`` computes: front matter, body hash, steps, edit rate,
  and the hashes of a decided draft's inputs);
- ``reasondraft status DIR --json`` and ``reasondraft status DIR`` (the table) in a new
  process, imports included;
- ``reasondraft status SUBSET --verify --json`` on the first ``--verify-subset`` drafts,
  and the per-draft verify cost that implies.

Usage: python benchmarks/status_bench.py [--drafts 1000] [--verify-subset 50] [--seed 1]
       [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reasondraft.document import GENERATED_FILE, read_draft
from reasondraft.files import atomic_write
from reasondraft.review.record import current_inputs, make_record, with_record
from reasondraft.review.status import scan, totals
from reasondraft.verify import verify_draft

MODELS = ("openai/gpt-4o", "anthropic/claude-sonnet-4-5", "ollama/llama3")
PROMPTS = ("sha256:1111111111111111", "sha256:2222222222222222")
MIX = (("draft", 0.4), ("edited", 0.2), ("approved", 0.2), ("modified", 0.1),
       ("rejected", 0.1))


def example_folder(work: Path) -> Path:
    """The example task drafted once, offline (imports the LLM stack, setup only)."""
    from reasondraft.draft.demo import run_demo

    _, result = run_demo(work)
    return result.folder


def human_edit(body: str, rng: random.Random) -> str:
    """Change a few prose lines and add a paragraph, as a reviewer would."""
    lines = body.split("\n")
    prose = [i for i, line in enumerate(lines) if len(line) > 80]
    for index in rng.sample(prose, k=min(len(prose), rng.randint(1, 4))):
        lines[index] = lines[index].replace(" the ", " this ", 1) + " (checked by hand)"
    at = rng.randrange(len(lines))
    lines[at:at] = ["", "A reviewer's note: the second symptom needs its own test.", ""]
    return "\n".join(lines)


def build(root: Path, source: Path, count: int, rng: random.Random) -> None:
    """``count`` task folders copied from ``source``, in the MIX of states."""
    summary = verify_draft(source / "draft.md").summary
    kinds = [kind for kind, share in MIX for _ in range(round(share * count))][:count]
    kinds += ["draft"] * (count - len(kinds))
    rng.shuffle(kinds)
    for n, kind in enumerate(kinds):
        folder = root / f"bench__task-{n:05d}"
        shutil.copytree(source, folder)
        draft = read_draft(folder / "draft.md")
        draft.front["instance_id"] = folder.name
        draft.front["provenance"]["model"] = MODELS[n % len(MODELS)]
        draft.front["provenance"]["prompt"] = PROMPTS[n % len(PROMPTS)]
        if kind == "edited":
            draft.body = human_edit(draft.body, rng)
        if kind in ("approved", "modified", "rejected"):
            decision = "rejected" if kind == "rejected" else "approved"
            record = make_record(decision, "reviewer", draft.content_hash, summary,
                                 inputs=current_inputs(draft),
                                 reason="needs work" if kind == "rejected" else None)
            draft.front = with_record(draft, record)
        if kind == "modified":
            draft.body = human_edit(draft.body, rng)
        atomic_write(folder / "draft.md", draft.render())
        (folder / GENERATED_FILE).write_text((source / GENERATED_FILE).read_text())


def run_cli(*args: str) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "reasondraft", *args], capture_output=True,
                            text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"reasondraft {' '.join(args)} failed: {result.stderr.strip()}")
    return elapsed, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=1000)
    parser.add_argument("--verify-subset", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="status-bench-") as tmp:
        work = Path(tmp)
        source = example_folder(work / "example")
        root = work / "drafts"
        build(root, source, args.drafts, rng)
        subset = work / "subset"
        subset.mkdir()
        for folder in sorted(root.iterdir())[:args.verify_subset]:
            (subset / folder.name).symlink_to(folder)

        started = time.perf_counter()
        rows = scan(root)
        in_process = time.perf_counter() - started
        cli_json, out = run_cli("status", str(root), "--json")
        assert len(json.loads(out)) == args.drafts
        cli_table, _ = run_cli("status", str(root))
        cli_verify, out = run_cli("status", str(subset), "--verify", "--json")
        assert all(row["errors"] is not None for row in json.loads(out))
    figures = {
        "drafts": args.drafts, "totals": totals(rows),
        "scan_seconds": round(in_process, 3),
        "cli_status_json_seconds": round(cli_json, 3),
        "cli_status_table_seconds": round(cli_table, 3),
        "verify_subset": args.verify_subset,
        "cli_status_verify_seconds": round(cli_verify, 3),
        "verify_ms_per_draft": round(1000 * (cli_verify - cli_json * args.verify_subset
                                             / args.drafts) / args.verify_subset, 1),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{args.drafts} drafts: {figures['totals']}")
    print(f"scan (in-process):              {in_process:.3f}s")
    print(f"reasondraft status --json:      {cli_json:.3f}s (new process, imports included)")
    print(f"reasondraft status (table):     {cli_table:.3f}s")
    print(f"reasondraft status --verify on {args.verify_subset}: {cli_verify:.3f}s "
          f"(~{figures['verify_ms_per_draft']} ms per draft verified)")


if __name__ == "__main__":
    main()
