"""Run a planned batch: N tasks at a time on one event loop, within a cost budget.

Git reads, packing and writing run in a worker thread; model calls use litellm's async API
and share one RateGate, so a 429 slows every task instead of failing them. ``jobs`` bounds
the model calls in flight; as many more tasks may be preparing, waiting or writing
meanwhile, so every call slot that frees finds the next prompt ready instead of waiting for
our CPU work (a round of answers frees all slots at once). Each finished task is recorded in
the state file at once. A task whose draft.md exists is skipped and never overwritten (nor
is one whose draft.md appears while it is drafted: see draft.folder); one that failed before
is skipped unless ``retry_failed``.
"""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from reasondraft.batch.plan import Planned
from reasondraft.batch.state import BatchState, TaskRecord
from reasondraft.document import DRAFT_FILE
from reasondraft.draft.drafter import (
    DraftRequest,
    adraft_task,
    in_thread,
    new_client,
    token_counter,
)
from reasondraft.draft.folder import STAGING
from reasondraft.draft.llm import LLMClient, RateGate
from reasondraft.errors import InputError, ModelError, WriteConflict
from reasondraft.evaluation import EvalReports
from reasondraft.names import task_folder
from reasondraft.redact import mask_keys
from reasondraft.repo import GitRepo
from reasondraft.task import task_from_instance

EXISTS = "draft exists (never overwritten)"


@dataclass
class BatchOptions:
    request: DraftRequest
    out: Path
    jobs: int = 4
    max_cost: float | None = None
    retry_failed: bool = False
    patch: str | None = None
    eval_reports: EvalReports | None = None  # each task's evaluation, read once per file


class Budget:
    """Lets a model call start only while the spent cost plus the expected cost of the calls
    in flight and of this one (the mean so far) stays within ``limit``."""

    def __init__(self, limit: float | None) -> None:
        self.limit = limit
        self.spent = 0.0
        self.finished = 0
        self.running = 0

    def allows_next(self) -> bool:
        if self.limit is None:
            return True
        mean = self.spent / self.finished if self.finished else 0.0
        return self.spent + (self.running + 1) * mean <= self.limit and self.spent < self.limit

    def add(self, cost: float | None) -> None:
        self.finished += 1
        self.spent += cost or 0.0

    def reason(self) -> str:
        return f"budget: ${self.spent:.4f} spent of ${self.limit or 0:.4f}"


class OverBudget(Exception):
    """The budget does not allow this task's model call."""


class CallSlot:
    """One task's turn at the model: wait for a free call, then ask the budget. Checking at
    the call, not when the task starts, keeps tasks that are only preparing from counting
    as spending and tasks prepared early from slipping past a budget spent meanwhile."""

    def __init__(self, calls: asyncio.Semaphore, budget: Budget) -> None:
        self.calls = calls
        self.budget = budget
        self.entered = False

    async def __aenter__(self) -> None:
        await self.calls.acquire()
        if not self.budget.allows_next():
            self.calls.release()
            raise OverBudget(self.budget.reason())
        self.budget.running += 1
        self.entered = True

    async def __aexit__(self, *exc: object) -> None:
        self.calls.release()


class Batch:
    """One run over a plan. ``on_record`` is called for every task's outcome (progress)."""

    def __init__(self, plan: list[Planned], options: BatchOptions,
                 on_record: Callable[[TaskRecord], None] = lambda _record: None) -> None:
        self.plan = plan
        self.options = options
        self.on_record = on_record
        self.state = BatchState.load(options.out)
        self.records: dict[str, TaskRecord] = {}
        self.budget = Budget(options.max_cost)
        self.gate = RateGate()
        self.calls = asyncio.Semaphore(options.jobs)  # model calls in flight
        self.repos: dict[Path, GitRepo] = {}
        # Our blocking work (loading, packing, writing, saving the state) runs in one
        # thread of its own, in order. It is mostly CPU, which threads cannot run side by
        # side anyway; kept out of asyncio's default pool, it never delays litellm's own
        # blocking steps there (each request is built in that pool) nor, being one thread,
        # takes the loop's turn at the GIL several times over while answers are handled.
        self.work = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reasondraft-task")

    def report_records(self) -> list[TaskRecord]:
        """Every planned task's latest outcome: this run's, or an earlier run's record for a
        task this run skipped because its draft already exists."""
        latest = []
        for item in self.plan:
            record = self.records.get(item.instance_id)
            before = self.state.tasks.get(item.instance_id)
            if record is None or (record.status == "skipped" and before is not None
                                  and before.status == "done"):
                record = before
            if record is not None:
                latest.append(record)
        return latest

    async def _record(self, record: TaskRecord) -> None:
        """Keep a task's outcome; the state file is rewritten (and synced) off the loop."""
        self.records[record.instance_id] = record
        if record.status != "skipped" or record.instance_id not in self.state.tasks:
            await in_thread(self.work, self.state.record, self.options.out, record)
        self.on_record(record)

    def _settled(self, item: Planned) -> TaskRecord | None:
        """The outcome of a task that needs no run: a problem, a draft on disk, an earlier
        failure (unless retry_failed)."""
        before = self.state.tasks.get(item.instance_id)
        reason = self._skip_reason(item, before)
        if reason is None:
            return None
        if reason == EXISTS and (before is None or before.status != "done"):
            # Killed after writing the draft but before recording it: it is complete.
            return TaskRecord(instance_id=item.instance_id, status="done",
                              reason="draft found on disk (its run was interrupted)")
        return TaskRecord(instance_id=item.instance_id, status="skipped", reason=reason)

    def _skip_reason(self, item: Planned, before: TaskRecord | None) -> str | None:
        if item.problem is not None:
            return item.problem
        if os.path.lexists(task_folder(self.options.out, item.instance_id) / DRAFT_FILE):
            return EXISTS
        if before is not None and before.status == "failed" and not self.options.retry_failed:
            return f"failed before: {before.reason} (rerun with --retry-failed)"
        return None

    async def run(self) -> None:
        """Run every planned task (outcomes in ``records`` and the state file)."""
        self.options.out.mkdir(parents=True, exist_ok=True)
        for stale in self.options.out.iterdir():
            if STAGING.fullmatch(stale.name):  # a staging folder a kill left
                shutil.rmtree(stale, ignore_errors=True)
        slots = asyncio.Semaphore(2 * self.options.jobs)  # tasks alive: calling or not
        running: set[asyncio.Task[None]] = set()
        try:
            for item in self.plan:
                settled = self._settled(item)
                if settled is not None:
                    await self._record(settled)
                    continue
                if not running:  # the first task to run: load the tokenizer meanwhile
                    running.add(asyncio.create_task(self._load_tokenizer()))
                await slots.acquire()
                if not self.budget.allows_next():
                    slots.release()
                    await self._record(TaskRecord(instance_id=item.instance_id,
                                                  status="skipped",
                                                  reason=self.budget.reason()))
                    continue
                job = asyncio.create_task(self._run_one(item, slots))
                running.add(job)
                job.add_done_callback(running.discard)
            if running:
                await asyncio.gather(*running)
        finally:
            self.work.shutdown(wait=True)
            for repo in self.repos.values():
                repo.close()

    async def _load_tokenizer(self) -> None:
        """Load the model's tokenizer off the event loop, once. The first prompts seldom
        wait for it (a prompt small in bytes fits without counting, see context.byte_bound)
        and their answers are a model latency away, so it loads while nothing else runs."""
        await in_thread(None, token_counter(self.options.request.model), "")

    async def _run_one(self, item: Planned, slots: asyncio.Semaphore) -> None:
        started = time.monotonic()
        client = new_client(self.options.request, self.gate)
        slot = CallSlot(self.calls, self.budget)
        try:
            record = await self._draft(item, client, slot, started)
        except OverBudget as exc:
            record = TaskRecord(instance_id=item.instance_id, status="skipped", reason=str(exc))
        except (InputError, ModelError, WriteConflict) as exc:
            record = self._failed(item, client, started, str(exc))
        except Exception as exc:  # one task's bug must not stop the batch
            record = self._failed(item, client, started, f"{type(exc).__name__}: {exc}")
        finally:
            slots.release()
        if slot.entered:
            self.budget.running -= 1
            self.budget.add(record.cost_usd)
        await self._record(record)

    def _git(self, path: Path) -> GitRepo:
        if path not in self.repos:
            self.repos[path] = GitRepo(path)
        return self.repos[path]

    async def _draft(self, item: Planned, client: LLMClient, slot: CallSlot,
                     started: float) -> TaskRecord:
        assert item.instance is not None
        assert item.repo is not None
        load = functools.partial(task_from_instance, item.instance, repo=self._git(item.repo),
                                 trajectory=item.trajectory, patch=self.options.patch,
                                 eval_report=self.options.eval_reports)
        result = await adraft_task(load, self.options.request, self.options.out,
                                   client=client, calls=slot, executor=self.work)
        errors = sum(f.severity == "error" for f in result.findings)
        warnings = sum(f.severity == "warning" for f in result.findings)
        usage = result.usage
        return TaskRecord(
            instance_id=item.instance_id, status="done",
            reason=f"{errors} verify error(s) remain after {result.repairs} repair(s)"
            if errors else None,
            seconds=round(time.monotonic() - started, 3), prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens, cost_usd=usage.cost,
            repairs=result.repairs, errors=errors, warnings=warnings)

    @staticmethod
    def _failed(item: Planned, client: LLMClient, started: float, reason: str) -> TaskRecord:
        usage = client.usage
        return TaskRecord(instance_id=item.instance_id, status="failed", reason=mask_keys(reason),
                          seconds=round(time.monotonic() - started, 3),
                          prompt_tokens=usage.prompt_tokens,
                          completion_tokens=usage.completion_tokens,
                          cost_usd=usage.cost if usage.calls else None,
                          repairs=max(0, usage.calls - 1))
