"""The drafter: one task in, one verified task folder out.

Pack the context, ask the model for a :class:`ReasoningTrace`, verify it inside the
validation loop (a reference that does not check out goes back to the model with the
finding), then write the task folder. Nothing is written unless a trace came back; draft.md
is written last, so its presence marks a complete folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import json
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self, TypeVar

from instructor import OpenAISchema
from pydantic import model_validator

from reasondraft import __version__
from reasondraft.body import render_body
from reasondraft.document import (
    DRAFT_FILE,
    FORMAT_VERSION,
    GENERATED_FILE,
    backup_draft,
    content_hash,
    join_document,
)
from reasondraft.draft.context import Counter, Packed, pack
from reasondraft.draft.llm import LLMClient, NoValidAnswer, RateGate, RetryPolicy, Usage
from reasondraft.draft.prompts import Templates, load_templates, render_messages
from reasondraft.draft.setup import litellm_module
from reasondraft.errors import InputError, ModelError
from reasondraft.files import atomic_write, read_bytes
from reasondraft.task import PATCH_FILE, TASK_FILE, Task
from reasondraft.trace import Trace
from reasondraft.verify import Finding, VerifyContext, verify_body

GATE: contextvars.ContextVar[Gate | None] = contextvars.ContextVar("gate", default=None)
FRAMING_TOKENS = 16  # message and tool-call framing around the counted texts
WARM_UP_RECORDING, WARM_UP_MATCH = "example", "tinyconf__tinyconf-42"  # shipped fixture
_TOKENIZER_LOAD = threading.Lock()
T = TypeVar("T")


class ReasoningTrace(Trace, OpenAISchema):
    """A reconstructed, step-by-step technical reasoning trace leading to the diff, with
    every claim cited by [[references]] that are checked against the repository."""

    # Subclassing instructor's OpenAISchema lets instructor use this class as it is,
    # instead of wrapping it in a new class on every call, so its schema is built once.

    @model_validator(mode="after")
    def _verified(self) -> Self:
        gate = GATE.get()
        if gate is not None:
            gate.check(self)
        return self


@dataclass
class Gate:
    """The verifier inside instructor's validation loop; remembers the last answer.

    It reaches the validator through a context variable (``GATE``), not instructor's
    ``context=``: given a context, instructor renders the messages as Jinja templates, and
    ours hold untrusted code and agent output. A context variable is private to the task
    (asyncio) or thread that set it, so concurrent drafts never see each other's gate.
    """

    ctx: VerifyContext
    last: Trace | None = None
    findings: list[Finding] = field(default_factory=list)

    def check(self, trace: Trace) -> None:
        self.last = Trace.model_validate(trace.model_dump())
        self.findings = verify_body(render_body(self.last), self.ctx)
        if not trace.steps:
            raise ValueError("the trace has no steps: give at least one reasoning step")
        errors = [f for f in self.findings if f.severity == "error"]
        if errors:
            raise ValueError(repair_message(errors))


def repair_message(errors: list[Finding]) -> str:
    """The findings as the model needs them to correct its references."""
    lines = [f"{len(errors)} reference(s) do not check out against the repository:"]
    for f in errors:
        hint = f" Suggested: [[{f.suggestion}]]." if f.suggestion else ""
        message = f.message.rstrip(".?!") + "."
        lines.append(f"- [[{f.ref}]]: {message}{hint}" if f.ref else f"- {message}{hint}")
    lines.append("Correct these references using the numbered listings in the context and "
                 "keep everything else unchanged.")
    return "\n".join(lines)


@dataclass
class DraftRequest:
    """How to draft: the model and the limits (settings already resolved)."""

    model: str
    api_base: str | None = None
    max_input_tokens: int = 32_000
    max_repairs: int = 2
    log: Path | None = None
    retry: RetryPolicy | None = None


@dataclass
class Prepared:
    """What the model would receive: messages, packing report, schema, templates."""

    messages: list[dict[str, Any]]
    packed: Packed
    schema: dict[str, Any]
    templates: Templates

    @property
    def overhead_tokens(self) -> int:
        """The tool definition and message framing, counted into the budget."""
        return self.packed.count(json.dumps(self.schema)) + FRAMING_TOKENS


@dataclass
class DraftResult:
    folder: Path
    trace: Trace
    findings: list[Finding]
    repairs: int
    usage: Usage
    packed: Packed
    seconds: float


@functools.cache
def response_schema() -> dict[str, Any]:
    """The response model's JSON schema (what --dry-run shows; counted into the budget)."""
    return ReasoningTrace.model_json_schema()


def token_counter(model: str) -> Counter:
    """Count tokens with the model's tokenizer (litellm falls back to an estimate).

    The first count loads the tokenizer, most of a second; it is taken under a lock so that
    tasks packing at the same moment load it once.
    """
    litellm = litellm_module()
    loaded = False

    def count(text: str) -> int:
        nonlocal loaded
        if not loaded:
            with _TOKENIZER_LOAD:
                litellm.token_counter(model=model, text="")
            loaded = True
        return litellm.token_counter(model=model, text=text)

    return count


@functools.cache
def schema_tokens(model: str) -> int:
    """The response schema's size in the model's tokens (the same for every task)."""
    return token_counter(model)(json.dumps(response_schema()))


def load_answer_path() -> None:
    """Import what litellm and instructor import lazily on a first answer, by one call to the
    fixture provider (offline, answered at once; no gate, so nothing is verified): a batch
    does it once before its first calls instead of in the middle of all of them. Best
    effort: if it fails, the first real answer pays instead."""
    messages = [{"role": "user", "content": WARM_UP_MATCH}]
    client = LLMClient(f"fixture/{WARM_UP_RECORDING}")
    with contextlib.suppress(ModelError, InputError, FileNotFoundError):
        client.structured(messages, ReasoningTrace, max_repairs=0)


def prepare(task: Task, request: DraftRequest) -> Prepared:
    """Pack the task's context under the budget and render the messages."""
    templates = load_templates()
    schema = response_schema()
    schema_text = json.dumps(schema)
    count = token_counter(request.model)
    fields = {"instance_id": task.instance_id, "repo": task.instance.repo or "(unknown)",
              "base_commit": task.view.base_commit}

    def measure(sections: dict[str, str], counter: Counter) -> int:
        messages = render_messages(templates, fields, sections, [])
        schema_size = schema_tokens(request.model) if counter is count else counter(schema_text)
        return schema_size + FRAMING_TOKENS + sum(counter(m["content"]) for m in messages)

    packed = pack(task.view, task.patch, task.instance, task.trajectory,
                  budget=request.max_input_tokens, measure=measure, count=count)
    messages = render_messages(templates, fields, packed.sections, packed.dropped)
    return Prepared(messages=messages, packed=packed, schema=schema, templates=templates)


def refuse_overwrite(folder: Path, force: bool) -> None:
    """A draft that exists is a person's work: refuse unless --force (then back it up)."""
    existing = folder / DRAFT_FILE
    if existing.exists():
        if not force:
            raise InputError("draft exists; pass --force to replace it (a backup is kept)",
                             where=str(existing))
        backup_draft(existing, read_bytes(existing, kind="draft"))


def new_client(request: DraftRequest, gate: RateGate | None = None) -> LLMClient:
    return LLMClient(request.model, api_base=request.api_base, log=request.log,
                     retry=request.retry, gate=gate)


def draft_task(task: Task, request: DraftRequest, out: Path, *, force: bool = False,
               client: LLMClient | None = None) -> DraftResult:
    """Draft one task into ``out/<instance_id>/`` and return what happened."""
    folder = out / task.instance_id
    refuse_overwrite(folder, force)
    started = time.monotonic()
    prepared = prepare(task, request)
    client = client or new_client(request)
    gate = Gate(VerifyContext.from_task(task))
    token = GATE.set(gate)
    try:
        client.structured(prepared.messages, ReasoningTrace, max_repairs=request.max_repairs)
    except NoValidAnswer:
        if gate.last is None:
            raise
    finally:
        GATE.reset(token)
    return finish(task, request, prepared, client, gate, folder, started)


async def in_thread(executor: Executor | None, function: Callable[..., T], *args: Any,
                    **kwargs: Any) -> T:
    """Run blocking work in ``executor`` (None: asyncio's default) with the caller's context."""
    call = functools.partial(contextvars.copy_context().run, function, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(executor, call)


async def adraft_task(load: Callable[[], Task], request: DraftRequest, out: Path, *,
                      client: LLMClient,
                      calls: contextlib.AbstractAsyncContextManager[Any] | None = None,
                      executor: Executor | None = None, force: bool = False) -> DraftResult:
    """The async twin of draft_task, for the task ``load`` builds (reading git and the
    trajectory). Loading, the folder check and packing run as one step in ``executor``, off
    the event loop, so a task's prompt is ready without waiting behind other tasks' loading;
    writing runs there too. Only the model call is inside ``calls`` (a batch's call slot and
    budget check), so the next tasks are prepared while the model answers others."""
    started = time.monotonic()
    task, prepared, gate = await in_thread(executor, _ready, load, request, out, force)
    token = GATE.set(gate)
    try:
        async with calls or contextlib.nullcontext():
            await client.astructured(prepared.messages, ReasoningTrace,
                                     max_repairs=request.max_repairs)
    except NoValidAnswer:
        if gate.last is None:
            raise
    finally:
        GATE.reset(token)
    return await in_thread(executor, finish, task, request, prepared, client, gate,
                           out / task.instance_id, started)


def _ready(load: Callable[[], Task], request: DraftRequest, out: Path,
           force: bool) -> tuple[Task, Prepared, Gate]:
    """Everything a task needs before its model call: loaded, allowed to write, packed."""
    task = load()
    refuse_overwrite(out / task.instance_id, force)
    return task, prepare(task, request), Gate(VerifyContext.from_task(task))


def finish(task: Task, request: DraftRequest, prepared: Prepared, client: LLMClient,
           gate: Gate, folder: Path, started: float) -> DraftResult:
    """Write the folder for the last answer the gate saw (the accepted one, or the last
    one that still failed verification: it is kept, and verify shows what fails)."""
    assert gate.last is not None  # structured() returned, so the gate checked an answer
    seconds = time.monotonic() - started
    inputs = input_files(task)
    front = front_matter(task, request, prepared, client.usage, gate.findings, seconds,
                         inputs)
    document = join_document(front, render_body(gate.last)).encode()
    write_folder(folder, inputs | {GENERATED_FILE: document, DRAFT_FILE: document})
    return DraftResult(folder=folder, trace=gate.last, findings=gate.findings,
                       repairs=max(0, client.usage.calls - 1), usage=client.usage,
                       packed=prepared.packed, seconds=seconds)


def front_matter(task: Task, request: DraftRequest, prepared: Prepared, usage: Usage,
                 findings: list[Finding], seconds: float,
                 inputs: dict[str, bytes]) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "instance_id": task.instance_id,
        "repo": task.instance.repo,
        "base_commit": task.view.base_commit,
        "repo_path": str(Path(task.view.git.path).resolve()),
        "status": "draft",
        "provenance": {
            "tool": f"reasondraft {__version__}",
            "model": request.model,
            "prompt": prepared.templates.hash,
            "patch_source": task.patch_source,
            "inputs": {
                "instance": content_hash(inputs[TASK_FILE]),
                "patch": content_hash(inputs[PATCH_FILE]),
                "trajectory": trajectory_hash(inputs),
            },
            "usage": usage.as_dict(),
            "cost_usd": usage.cost,
            "repairs": max(0, usage.calls - 1),
            "seconds": round(seconds, 3),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "packing": prepared.packed.provenance(),
            "unresolved": {"errors": sum(f.severity == "error" for f in findings),
                           "warnings": sum(f.severity == "warning" for f in findings)},
        },
    }


def input_files(task: Task) -> dict[str, bytes]:
    """The task folder's input files by relative path: task.json, patch.diff, and the
    trajectory byte for byte (``trajectory.<ext>``, or ``trajectory/`` for an event-store
    folder). Read once: they are hashed into provenance and written from the same bytes."""
    files = {TASK_FILE: task.instance.to_json().encode(), PATCH_FILE: task.patch.text.encode()}
    source = Path(task.trajectory.source) if task.trajectory and task.trajectory.source else None
    if source is not None and source.is_dir():
        for item in sorted(source.rglob("*")):
            if item.is_file():
                files[f"trajectory/{item.relative_to(source).as_posix()}"] = read_bytes(
                    item, kind="trajectory")
    elif source is not None:
        files[f"trajectory{source.suffix or '.json'}"] = read_bytes(source, kind="trajectory")
    return files


def trajectory_hash(inputs: dict[str, bytes]) -> str | None:
    """The source trajectory's hash: its bytes, or a folder's names and bytes in order."""
    parts = [(name, data) for name, data in inputs.items() if name.startswith("trajectory")]
    if not parts:
        return None
    if len(parts) == 1 and not parts[0][0].startswith("trajectory/"):
        return content_hash(parts[0][1])
    return content_hash(b"".join(name.encode() + b"\0" + data for name, data in parts))


def write_folder(folder: Path, files: dict[str, bytes]) -> None:
    """Write the task folder (draft.md last in ``files``) so that a crash never leaves half
    of one: a new folder is built beside its place and renamed into it; an existing one
    (--force) gets atomic per-file writes."""
    if folder.exists():
        for name, data in files.items():
            atomic_write(folder / name, data)
        return
    staging = folder.parent / f".{folder.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        for name, data in files.items():
            atomic_write(staging / name, data)
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
