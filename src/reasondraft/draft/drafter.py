"""The drafter: one task in, one verified task folder out.

Check where the folder goes and claim it, pack the context, ask the model for a
:class:`ReasoningTrace`, verify it inside the validation loop (a reference that does not
check out, a hollow trace, an uncited hunk, a claim against the evaluation go back to the
model with the findings), make its outcome and test claims agree with the evaluation
(:mod:`reasondraft.draft.reconcile`), then write the task folder. Every output path is
checked before the model is called; nothing is written unless a trace came back, and the
folder is swapped in whole (see :mod:`reasondraft.draft.folder`, which does the writing).

``draft_task`` (``draft``) and ``adraft_task`` (``batch``) are one body, :func:`_draft`,
run synchronously or on the batch's event loop (see :mod:`reasondraft.draft.sync`).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import json
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, TypeVar

from instructor import OpenAISchema
from pydantic import model_validator

import reasondraft
from reasondraft.body import render_body
from reasondraft.document import FORMAT_VERSION, body_start, join_document
from reasondraft.draft.context import Counter, Packed, pack
from reasondraft.draft.folder import (
    Claim,
    check_outputs,
    claim_folder,
    input_files,
    input_hashes,
    write_task_folder,
)
from reasondraft.draft.llm import LLMClient, NoValidAnswer, RateGate, Usage
from reasondraft.draft.prompts import Rendered, Templates, load_templates, render_messages
from reasondraft.draft.reconcile import reconcile
from reasondraft.draft.request import DraftRequest
from reasondraft.draft.setup import litellm_module
from reasondraft.draft.sync import as_async, inline, run_now
from reasondraft.errors import InputError, ModelError
from reasondraft.guidelines import DEFAULT, Guidelines, render_guidelines
from reasondraft.task import GOLD, Task
from reasondraft.trace import Trace
from reasondraft.verify import Finding, VerifyContext, verify_body
from reasondraft.verify.outcome import disagreements, hidden_tests

if TYPE_CHECKING:
    from reasondraft.evaluation import Evaluation

GATE: contextvars.ContextVar[Gate | None] = contextvars.ContextVar("gate", default=None)
FRAMING_TOKENS = 16  # message and tool-call framing around the counted texts
WARM_UP_RECORDING, WARM_UP_MATCH = "example", "tinyconf__tinyconf-42"  # shipped fixture
_TOKENIZER_LOAD = threading.Lock()
# Warnings the drafting must not leave either: a hunk nothing explains (or explains only
# generically), an uncited trade-off or edge case, a test put in FAIL_TO_PASS that is not
# there. They go back to the model like errors (within --max-repairs); what remains is
# written and reported.
RESEND = frozenset({"RD-C001", "RD-C002", "RD-D004", "RD-K002", "RD-T002"})
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

    The answer kept (``last``) is the model's trace made to agree with the evaluation;
    ``findings`` are those of that trace, as it will be written.
    """

    ctx: VerifyContext
    evaluation: Evaluation | None = None
    last: Trace | None = None
    findings: list[Finding] = field(default_factory=list)
    hidden: set[tuple[str, str]] = field(init=False)

    def __post_init__(self) -> None:
        self.hidden = hidden_tests(self.ctx.test_view.patch if self.ctx.test_view else None)

    def check(self, trace: Trace) -> None:
        answer = Trace.model_validate(trace.model_dump())
        disagreeing = disagreements(answer, self.evaluation, render_body(answer))
        self.last = reconcile(answer, self.evaluation, self.hidden)
        self.findings = verify_body(render_body(self.last), self.ctx, trace=FORMAT_VERSION)
        send = disagreeing + [f for f in self.findings
                              if f.severity == "error" or f.code in RESEND]
        if send:
            raise ValueError(repair_message(send))


def repair_message(findings: list[Finding]) -> str:
    """The findings as the model needs them to correct its trace."""
    lines = [f"{len(findings)} problem(s) with the trace, checked against the repository, "
             "the trajectory and the evaluation:"]
    for f in findings:
        hint = f" Suggested: [[{f.suggestion}]]." if f.suggestion else ""
        message = f.message.rstrip(".?!") + "."
        lines.append(f"- [[{f.ref}]]: {message}{hint}" if f.ref else f"- {message}{hint}")
    lines.append("Correct these (line numbers from the numbered listings in the context, "
                 "results as the evaluation states them) and keep everything else unchanged.")
    return "\n".join(lines)


@dataclass
class Prepared:
    """What the model would receive: messages (and what was redacted from them), packing
    report, schema, templates."""

    rendered: Rendered
    packed: Packed
    schema: dict[str, Any]
    templates: Templates

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.rendered.messages

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
    backup: Path | None = None  # the folder it replaced (--force), kept whole
    skipped: list[str] = field(default_factory=list)  # links, special files: not copied


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


def solution_name(task: Task) -> str:
    """What the prompt calls the diff: the reference solution only when it is the
    instance's own patch; any other diff is a solution submitted, which may not work."""
    return "the reference solution" if task.patch_source == GOLD else "the solution submitted"


def prepare(task: Task, request: DraftRequest) -> Prepared:
    """Pack the task's context under the budget and render the messages."""
    templates = load_templates()
    schema = response_schema()
    schema_text = json.dumps(schema)
    count = token_counter(request.model)
    fields = {"instance_id": task.instance_id, "repo": task.instance.repo or "(unknown)",
              "base_commit": task.view.base_commit, "solution": solution_name(task),
              "guidelines": render_guidelines(request.guidelines)}

    def measure(sections: dict[str, str], counter: Counter) -> int:
        messages = render_messages(templates, fields, sections, []).messages
        schema_size = schema_tokens(request.model) if counter is count else counter(schema_text)
        return schema_size + FRAMING_TOKENS + sum(counter(m["content"]) for m in messages)

    packed = pack(task.view, task.patch, task.instance, task.trajectory,
                  budget=request.max_input_tokens, measure=measure, count=count,
                  evaluation=task.evaluation)
    rendered = render_messages(templates, fields, packed.sections, packed.dropped)
    return Prepared(rendered=rendered, packed=packed, schema=schema, templates=templates)


def new_client(request: DraftRequest, gate: RateGate | None = None) -> LLMClient:
    return LLMClient(request.model, api_base=request.api_base, log=request.log,
                     retry=request.retry, gate=gate)


def draft_task(task: Task, request: DraftRequest, out: Path, *, force: bool = False,
               client: LLMClient | None = None) -> DraftResult:
    """Draft one task into its folder under ``out`` (``<instance_id>``, or
    ``<instance_id>__<run>``) and return what happened."""
    check_outputs(out, request.log)
    client = client or new_client(request)
    return run_now(_draft(lambda: task, request, out, client=client,
                          ask=as_async(client.structured), work=inline, calls=None,
                          force=force))


async def in_thread(executor: Executor | None, function: Callable[..., T], *args: Any,
                    **kwargs: Any) -> T:
    """Run blocking work in ``executor`` (None: asyncio's default) with the caller's context."""
    call = functools.partial(contextvars.copy_context().run, function, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(executor, call)


async def adraft_task(load: Callable[[], Task], request: DraftRequest, out: Path, *,
                      client: LLMClient,
                      calls: contextlib.AbstractAsyncContextManager[Any] | None = None,
                      executor: Executor | None = None, force: bool = False) -> DraftResult:
    """draft_task for a batch, for the task ``load`` builds (reading git and the
    trajectory). Loading, the folder check and packing run as one step in ``executor``, off
    the event loop, so a task's prompt is ready without waiting behind other tasks' loading;
    writing runs there too. Only the model call is inside ``calls`` (a batch's call slot and
    budget check), so the next tasks are prepared while the model answers others."""
    return await _draft(load, request, out, client=client, ask=client.astructured,
                        work=functools.partial(in_thread, executor), calls=calls,
                        force=force)


async def _draft(load: Callable[[], Task], request: DraftRequest, out: Path, *,
                 client: LLMClient, ask: Callable[..., Awaitable[Any]],
                 work: Callable[..., Awaitable[Any]],
                 calls: contextlib.AbstractAsyncContextManager[Any] | None,
                 force: bool) -> DraftResult:
    """The one body of draft_task and adraft_task: ready the task, ask the model with the
    verifier in the loop, write the folder. ``work`` runs the blocking steps and ``ask``
    is the client's structured call; on the sync path neither ever suspends."""
    started = time.monotonic()
    task, prepared, gate, claim = await work(_ready, load, request, out, force=force)
    token = GATE.set(gate)
    try:
        async with calls or contextlib.nullcontext():
            await ask(prepared.messages, ReasoningTrace, max_repairs=request.max_repairs)
    except NoValidAnswer:
        if gate.last is None:
            raise
    finally:
        GATE.reset(token)
    result: DraftResult = await work(finish, task, request, prepared, client, gate, claim,
                                     started)
    return result


def _ready(load: Callable[[], Task], request: DraftRequest, out: Path, *,
           force: bool) -> tuple[Task, Prepared, Gate, Claim]:
    """Everything a task needs before its model call: loaded, allowed to write, packed.
    (Its caller checked --out and --log, once for all the tasks of a batch.)"""
    task = load()
    claim = claim_folder(out, task.instance_id, force=force, run=task.run)
    return task, prepare(task, request), new_gate(task, request.guidelines), claim


def new_gate(task: Task, guidelines: Guidelines = DEFAULT) -> Gate:
    """The gate for a task: its repository context, held to the guidelines the prompt
    states, and its evaluation, if one is known."""
    return Gate(VerifyContext.from_task(task, guidelines=guidelines), task.evaluation)


def finish(task: Task, request: DraftRequest, prepared: Prepared, client: LLMClient,
           gate: Gate, claim: Claim, started: float) -> DraftResult:
    """Write the folder for the last answer the gate saw (the accepted one, or the last
    one that still failed verification: it is kept, and verify shows what fails)."""
    assert gate.last is not None  # structured() returned, so the gate checked an answer
    seconds = time.monotonic() - started
    inputs, skipped = input_files(task)
    front = front_matter(task, request, prepared, client.usage, gate.findings, seconds,
                         input_hashes(inputs), skipped)
    text = join_document(front, render_body(gate.last))
    backup = write_task_folder(claim, inputs, text.encode())
    offset = body_start(text) - 1  # the gate verified the body: give draft.md lines
    findings = [replace(f, line=f.line + offset) for f in gate.findings]
    return DraftResult(folder=claim.folder, trace=gate.last, findings=findings,
                       repairs=max(0, client.usage.calls - 1), usage=client.usage,
                       packed=prepared.packed, seconds=seconds, backup=backup,
                       skipped=skipped)


def front_matter(task: Task, request: DraftRequest, prepared: Prepared, usage: Usage,
                 findings: list[Finding], seconds: float, inputs: dict[str, str | None],
                 skipped: list[str]) -> dict[str, Any]:
    front: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "instance_id": task.instance_id,
        **({"run": task.run} if task.run is not None else {}),
        "repo": task.instance.repo,
        "base_commit": task.view.base_commit,
        "repo_path": str(Path(task.view.git.path).resolve()),
        "status": "draft",
        **({"author": request.author} if request.author else {}),
        "provenance": {
            "tool": f"reasondraft {reasondraft.__version__}",
            "model": request.model,
            "prompt": prepared.templates.hash,
            "patch_source": task.patch_source,
            "inputs": inputs,
            "usage": usage.as_dict(),
            "cost_usd": usage.cost,
            "repairs": max(0, usage.calls - 1),
            "seconds": round(seconds, 3),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "packing": prepared.packed.provenance(),
            "redactions": prepared.rendered.redaction_counts(),
            "unresolved": unresolved(findings),
        },
    }
    if skipped:  # links and special files in a trajectory folder, never copied
        front["provenance"]["skipped_inputs"] = skipped
    return front


def unresolved(findings: list[Finding]) -> dict[str, Any]:
    """What is left after the repairs: counts, and each error and warning by code."""
    left = [f for f in findings if f.severity in ("error", "warning")]
    return {"errors": sum(f.severity == "error" for f in left),
            "warnings": sum(f.severity == "warning" for f in left),
            "findings": [{"code": f.code, "ref": f.ref, "message": f.message} for f in left]}
