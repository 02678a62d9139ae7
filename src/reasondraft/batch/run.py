"""``reasondraft batch`` as a library call: plan, run with a progress display, report."""

from __future__ import annotations

import asyncio
import gc
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from reasondraft.batch.plan import parse_shard, plan_batch
from reasondraft.batch.runner import Batch, BatchOptions
from reasondraft.batch.state import REPORT_FILE, STATE_FILE, TaskRecord, write_report
from reasondraft.draft.drafter import check_outputs, load_answer_path
from reasondraft.draft.run import request_from
from reasondraft.errors import InputError
from reasondraft.evaluation import EvalReports
from reasondraft.files import check_output_file
from reasondraft.termtext import safe


def batch_from_cli(flags: dict[str, Any], *, instances: Path, trajectories: Path, repos: Path,
                   jobs: int, max_cost: float | None, shard: str | None, only: str | None,
                   retry_failed: bool, patch: str | None, console: Console,
                   eval_report: Path | None = None) -> Batch:
    request, out = request_from(flags)
    check_outputs(request, out)
    for name in (STATE_FILE, REPORT_FILE):
        check_output_file(out / name)
    if jobs < 1:
        raise InputError(f"-j {jobs}: need at least one job")
    if patch not in (None, "gold"):
        raise InputError(f"--patch {patch!r}: a batch explains each trajectory's submission "
                         "(default) or the instances' patches (--patch gold)")
    only_ids = {i.strip() for i in only.split(",") if i.strip()} if only else None
    reports = EvalReports(eval_report) if eval_report is not None else None
    plan = plan_batch(instances, trajectories, repos, only=only_ids,
                      shard=parse_shard(shard) if shard else None)
    batch = Batch(plan, BatchOptions(request=request, out=out, jobs=jobs, max_cost=max_cost,
                                     retry_failed=retry_failed, patch=patch,
                                     eval_reports=reports))
    load_answer_path()  # startup, like imports: not the batch's time (README: Batch)
    # What startup built lives as long as the process; frozen, the cyclic collector never
    # walks it again. Unfrozen, its first full pass (0.4 s here) stalled every task at once.
    gc.freeze()
    started = time.monotonic()
    meta: dict[str, object] = {"model": request.model, "instances": str(instances), "shard": shard,
            "started": datetime.now(UTC).isoformat(timespec="seconds")}
    try:
        with progress_display(console) as progress:
            bar = progress.add_task("batch", total=len(plan), stats="")
            batch.on_record = lambda _record: progress.update(
                bar, advance=1, stats=stats_line(batch, started))
            asyncio.run(batch.run())
    finally:
        meta["seconds"] = round(time.monotonic() - started, 3)
        records = batch.report_records()
        report = write_report(out, meta, records)
        show_summary(records, console)
        console.print(Text.assemble("report: ", safe(report)))
    return batch


def progress_display(console: Console) -> Progress:
    return Progress(TextColumn("[bold]drafting"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TextColumn("{task.fields[stats]}"), console=console,
                    transient=False)


def stats_line(batch: Batch, started: float) -> str:
    records = batch.records.values()
    count = {s: sum(r.status == s for r in records) for s in ("done", "failed", "skipped")}
    tokens = sum(r.prompt_tokens + r.completion_tokens for r in records)
    elapsed = max(time.monotonic() - started, 1e-9)
    return (f"done {count['done']} failed {count['failed']} skipped {count['skipped']} · "
            f"{tokens:,} tokens · ${batch.budget.spent:.4f} · "
            f"{count['done'] / elapsed * 60:.1f} tasks/min")


def show_summary(records: list[TaskRecord], console: Console) -> None:
    table = Table("instance", "status", "reason", "s", "tokens", "cost", "repairs", "E", "W",
                  title="batch summary")
    for r in records:
        colour = {"done": "green", "failed": "red", "skipped": "yellow"}[r.status]
        table.add_row(safe(r.instance_id, one_line=True), Text(r.status, style=colour),
                      safe(r.reason or "", one_line=True),
                      "" if r.seconds is None else f"{r.seconds:.1f}",
                      f"{r.prompt_tokens + r.completion_tokens:,}",
                      "" if r.cost_usd is None else f"${r.cost_usd:.4f}", str(r.repairs),
                      "" if r.errors is None else str(r.errors),
                      "" if r.warnings is None else str(r.warnings))
    console.print(table)
