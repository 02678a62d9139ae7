"""``reasondraft batch`` as a library call: plan, run with a progress display, report.

Settings, output paths and the plan are checked before the model stack (litellm,
instructor: seconds to import) is imported, so bad input is reported at once."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import signal
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from reasondraft.batch.plan import parse_shard, plan_batch
from reasondraft.batch.state import REPORT_FILE, STATE_FILE, TaskRecord, write_report
from reasondraft.draft.folder import check_outputs
from reasondraft.draft.run import request_from
from reasondraft.errors import InputError
from reasondraft.evaluation import EvalReports
from reasondraft.files import check_output_file
from reasondraft.termtext import safe

if TYPE_CHECKING:
    from reasondraft.batch.runner import Batch


def batch_from_cli(flags: dict[str, Any], *, instances: Path, trajectories: Path, repos: Path,
                   jobs: int, max_cost: float | None, shard: str | None, only: str | None,
                   retry_failed: bool, patch: str | None, console: Console,
                   eval_report: Path | None = None) -> Batch:
    """Check every input and plan the tasks (bad input stops here, nothing written), run
    them, then write the report and say how the batch ended, however it ended (``stopped``
    holds the signal of a Ctrl-C or SIGTERM)."""
    request, out = request_from(flags)
    check_outputs(out, request.log)
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
    # The input is good: only now the model stack.
    from reasondraft.batch.runner import Batch, BatchOptions
    from reasondraft.draft.drafter import load_answer_path
    from reasondraft.draft.setup import remember_async_validator_checks

    remember_async_validator_checks()
    batch = Batch(plan, BatchOptions(request=request, out=out, jobs=jobs, max_cost=max_cost,
                                     retry_failed=retry_failed, patch=patch,
                                     eval_reports=reports))
    load_answer_path()  # startup, like imports: not the batch's time (docs/performance.md: Batch)
    # What startup built lives as long as the process; frozen, the cyclic collector never
    # walks it again. Unfrozen, its first full pass (0.4 s here) stalled every task at once.
    gc.freeze()
    started = time.monotonic()
    meta: dict[str, object] = {
        "model": request.model, "instances": str(instances), "shard": shard,
        "started": datetime.now(UTC).isoformat(timespec="seconds")}
    try:
        with progress_shown(batch, console, started):
            batch.stopped = run_until_stopped(batch)
    finally:
        meta["seconds"] = round(time.monotonic() - started, 3)
        meta["stopped"] = None if batch.stopped is None else STOPS[batch.stopped]
        records = batch.report_records()
        not_started, interrupted = batch.unfinished()
        report = write_report(out, meta, records, not_started=not_started + interrupted)
        show_summary(records, console)
        console.print(closing_line(batch, records), soft_wrap=True)
        console.print(Text.assemble("report: ", safe(report)))
    return batch


STOPS = {signal.SIGINT: "interrupted (Ctrl-C)", signal.SIGTERM: "terminated (SIGTERM)"}


def run_until_stopped(batch: Batch) -> signal.Signals | None:
    """Run the batch to its end; the signal that stopped it early, or None. SIGTERM (a
    scheduler's stop, ``kill``) is handled as Ctrl-C is: the tasks in flight are cancelled,
    everything finished is kept, and the summary says what is left."""
    try:
        asyncio.run(_run_stoppable(batch))
    except KeyboardInterrupt:
        return signal.SIGINT
    except asyncio.CancelledError:
        return signal.SIGTERM
    return None


async def _run_stoppable(batch: Batch) -> None:
    """``batch.run()``, cancelled by SIGTERM (signals reach only the main thread)."""
    main = asyncio.current_task()
    if main is None or threading.current_thread() is not threading.main_thread():
        await batch.run()
        return
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, main.cancel)
    try:
        await batch.run()
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


@contextlib.contextmanager
def progress_shown(batch: Batch, console: Console, started: float) -> Iterator[None]:
    """Show each task's outcome as it comes: a live bar on a terminal, else (a log, CI)
    one plain line per finished task."""
    if console.is_terminal:
        with progress_display(console) as progress:
            bar = progress.add_task("batch", total=len(batch.plan), stats="")
            batch.on_record = lambda _record: progress.update(
                bar, advance=1, stats=stats_line(batch, started))
            yield
        return
    finished = itertools.count(1)

    def line(record: TaskRecord) -> None:
        console.print(Text.assemble(
            f"[{next(finished)}/{len(batch.plan)}] {record.status} ",
            safe(record.key, one_line=True),
            safe(f": {record.reason}" if record.reason else "", one_line=True),
            safe(f" (note: {record.note})" if record.note else "", one_line=True),
            f" · {stats_line(batch, started)}"), soft_wrap=True, highlight=False)

    batch.on_record = line
    yield


def progress_display(console: Console) -> Progress:
    return Progress(TextColumn("[bold]drafting"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TextColumn("{task.fields[stats]}"), console=console,
                    transient=False)


def _counts(records: list[TaskRecord]) -> dict[str, int]:
    return {s: sum(r.status == s for r in records) for s in ("done", "failed", "skipped")}


def stats_line(batch: Batch, started: float) -> str:
    """Counts of the tasks handled so far, as the summary table will list them (a task
    whose draft an earlier run wrote is done, not skipped), and this run's spending."""
    ran = list(batch.records.values())
    outcomes = [batch.outcome(key) or record for key, record in batch.records.items()]
    count = _counts(outcomes)
    earlier = count["done"] - _counts(ran)["done"]
    tokens = sum(r.prompt_tokens + r.completion_tokens for r in ran)
    elapsed = max(time.monotonic() - started, 1e-9)
    return (f"done {count['done']}" + (f" ({earlier} earlier)" if earlier else "")
            + f" failed {count['failed']} skipped {count['skipped']} · "
            f"{tokens:,} tokens · ${batch.budget.spent:.4f} · "
            f"{(count['done'] - earlier) / elapsed * 60:.1f} tasks/min")


def closing_line(batch: Batch, records: list[TaskRecord]) -> Text:
    """How the batch ended and, when it did not finish everything, what a rerun does."""
    count = _counts(records)
    line = f"{count['done']} done, {count['failed']} failed, {count['skipped']} skipped"
    not_started, interrupted = batch.unfinished()
    left = []
    if not_started:
        left.append(f"{not_started} not started")
    if interrupted:
        left.append(f"{interrupted} interrupted mid-task")
    over = sum(1 for r in records if r.status == "skipped" and r.reason
               and r.reason.startswith("budget:"))
    if over:
        left.append(f"{over} not started within --max-cost")
    how = "batch stopped: " + STOPS[batch.stopped] if batch.stopped else "batch finished"
    if left:
        line += "; " + ", ".join(left) + "; rerun to continue"
    return Text(f"{how}: {line}", "bold yellow" if left else "bold")


def show_summary(records: list[TaskRecord], console: Console) -> None:
    """The table of every task's outcome; a task is named by its folder (id, and run)."""
    table = Table("task", "status", "reason", "s", "tokens", "cost", "repairs", "E", "W",
                  title="batch summary")
    for r in records:
        colour = {"done": "green", "failed": "red", "skipped": "yellow"}[r.status]
        why = "; ".join(part for part in (r.reason, r.note) if part)
        table.add_row(safe(r.key, one_line=True), Text(r.status, style=colour),
                      safe(why, one_line=True),
                      "" if r.seconds is None else f"{r.seconds:.1f}",
                      f"{r.prompt_tokens + r.completion_tokens:,}",
                      "" if r.cost_usd is None else f"${r.cost_usd:.4f}", str(r.repairs),
                      "" if r.errors is None else str(r.errors),
                      "" if r.warnings is None else str(r.warnings))
    console.print(table)
