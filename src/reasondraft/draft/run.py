"""``reasondraft draft`` as a library call: settings, task loading, drafting, reporting.

Settings, output paths and the task are checked before the model stack (litellm,
instructor: seconds to import) is imported, so bad input is reported at once. While the
model works, a terminal shows a spinner with the elapsed time, the tokens so far and the
repair round (:func:`model_status`).

The prompt, the instance id and the model's findings are untrusted text: they are printed
through :mod:`reasondraft.termtext`, never as markup.
The command exits 1 when verify errors remain after the repairs: the draft is written (a
person can finish it) and its provenance.unresolved lists them, but it is not a clean draft.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from reasondraft.config import current_user, load_settings, project_notes
from reasondraft.draft.folder import check_outputs
from reasondraft.draft.request import DraftRequest
from reasondraft.errors import InputError
from reasondraft.files import check_output_file
from reasondraft.guidelines import load_guidelines
from reasondraft.names import folder_name
from reasondraft.task import Task, load_task, patch_fallback
from reasondraft.termtext import safe
from reasondraft.verify.report import render_finding

if TYPE_CHECKING:
    from reasondraft.draft.drafter import DraftResult, Prepared
    from reasondraft.draft.llm import LLMClient, Usage

RESOLVED = {True: "true", False: "false", None: "unknown"}
NO_MODEL = ("no model configured: pass --model (e.g. openai/gpt-4o, anthropic/claude-sonnet-4-5,"
            " ollama/llama3), set REASONDRAFT_MODEL, or add `model = ...` to reasondraft.toml; "
            "`--model fixture/example` replays the bundled recording offline")


def request_from(flags: dict[str, Any],
                 author: str | None = None) -> tuple[DraftRequest, Path]:
    """The draft request and output folder from flags, environment and config files; where
    a project file set the API base or the log, says so on stderr. ``author``: --author."""
    settings = load_settings(flags)
    for note in project_notes(settings):
        Console(stderr=True).print(safe(note, "yellow"), soft_wrap=True)
    model = settings["model"].value
    if not model:
        raise InputError(NO_MODEL)
    request = DraftRequest(model=model, api_base=settings["api_base"].value,
                           max_input_tokens=settings["max_input_tokens"].value,
                           max_repairs=settings["max_repairs"].value,
                           log=Path(settings["log"].value) if settings["log"].value else None,
                           guidelines=load_guidelines(),
                           author=current_user(author, settings))
    return request, Path(settings["out"].value)


def draft_from_cli(folder: Path | None, flags: dict[str, Any], *, instance: Path | None,
                   instance_id: str | None, trajectory: Path | None, patch: str | None,
                   repo: Path | None, repos: Path | None, eval_report: Path | None = None,
                   run: str | None = None, record: Path | None, force: bool, dry_run: bool,
                   as_json: bool, console: Console, status: Console | None = None,
                   author: str | None = None) -> DraftResult | None:
    """Check the input, draft, report on ``console``; the spinner goes to ``status``
    (default: stderr) when that is a terminal."""
    if run is not None:
        folder_name(run, "--run name")  # bad input, before settings or the task are read
    request, out = request_from(flags, author)
    if not dry_run:  # every output path, before loading the task and calling the model
        check_outputs(out, request.log)
        if record is not None:
            check_output_file(record)
    task = load_task(folder, instance=instance, instance_id=instance_id, trajectory=trajectory,
                     patch=patch, repo=repo, repos=repos, eval_report=eval_report, run=run)
    # The input is good: only now the model stack.
    from reasondraft.draft.drafter import draft_task, new_client, prepare
    from reasondraft.draft.setup import remember_async_validator_checks

    if dry_run:
        show_prepared(prepare(task, request), as_json=as_json, console=console)
        return None
    remember_async_validator_checks()
    client = new_client(request)
    with model_status(status or Console(stderr=True), task.instance_id, client,
                      request.max_repairs):
        result = draft_task(task, request, out, force=force, client=client)
    if record:
        from reasondraft.draft.fixture import Recorder

        Recorder(record).save(task.instance_id, client.usage.answers)
    show_result(task, result, as_json=as_json, console=console,
                fallback=patch_fallback(task, patch))
    if any(f.severity == "error" for f in result.findings):
        raise typer.Exit(1)
    return result


@dataclass
class Waiting:
    """What the spinner says, worked out at each refresh, so the elapsed time runs and the
    round and the tokens follow the client as requests go out and answers come in."""

    label: str
    client: LLMClient
    max_repairs: int
    started: float = field(default_factory=time.monotonic)

    def __rich__(self) -> Text:
        line = status_line(time.monotonic() - self.started, self.client.usage,
                           self.client.in_flight, self.max_repairs)
        return Text.assemble(safe(self.label, "bold", one_line=True), " · ",
                             safe(self.client.model, one_line=True), " · ", line)


def status_line(seconds: float, usage: Usage, in_flight: int | None, max_repairs: int) -> str:
    """Elapsed time, what is under way (packing, a first answer, a repair round, checking
    an answer) and the tokens spent so far."""
    minutes, rest = divmod(int(seconds), 60)
    if in_flight is None:
        doing = "checking the answer" if usage.calls else "packing the context"
    elif in_flight == 0:
        doing = "waiting for the first answer"
    else:
        doing = f"repair {in_flight} of {max_repairs}: waiting for the answer"
    tokens = usage.prompt_tokens + usage.completion_tokens
    return f"{minutes}:{rest:02d} · {doing} · {tokens:,} tokens"


@contextmanager
def model_status(console: Console, label: str, client: LLMClient,
                 max_repairs: int) -> Iterator[None]:
    """A spinner while the model works (a first answer can take minutes), only when
    ``console`` is a terminal: pipes, logs and --json output stay clean."""
    if not console.is_terminal:
        yield
        return
    with console.status(Waiting(label, client, max_repairs)):
        yield


def show_prepared(prepared: Prepared, *, as_json: bool, console: Console) -> None:
    """--dry-run: the messages, the response schema, tokens per section, what was dropped,
    what was redacted (kind, section, count; never the value)."""
    packing = prepared.packed.provenance() | {"overhead_tokens": prepared.overhead_tokens}
    redactions = prepared.rendered.redactions
    if as_json:
        print(json.dumps({"messages": prepared.messages, "schema": prepared.schema,
                          "prompt": prepared.templates.hash, "packing": packing,
                          "redactions": redactions}, indent=2))
        return
    for message in prepared.messages:
        console.rule(f"[bold]{message['role']}")
        console.print(safe(message["content"]))
    console.rule("[bold]response schema (ReasoningTrace)")
    console.print_json(json.dumps(prepared.schema))
    table = Table("section", "tokens", box=None)
    for name, tokens in prepared.packed.section_tokens.items():
        table.add_row(name, str(tokens))
    table.add_row("schema + framing", str(prepared.overhead_tokens))
    table.add_row("[bold]total", f"[bold]{prepared.packed.tokens}[/] of {prepared.packed.budget}")
    console.print(table)
    level = prepared.packed.level
    console.print(f"trajectory detail level: {'-' if level is None else level}; dropped: "
                  f"{', '.join(prepared.packed.dropped) or 'nothing'}; prompt "
                  f"{prepared.templates.hash}")
    console.print("redacted: " + ("; ".join(
        f"{where}: " + ", ".join(f"{count} {kind}" for kind, count in counts.items())
        for where, counts in redactions.items()) or "nothing"), markup=False, highlight=False,
        soft_wrap=True)


def show_result(task: Task, result: DraftResult, *, as_json: bool, console: Console,
                fallback: str | None = None) -> None:
    """What was drafted; ``fallback`` says why the diff is not the trajectory's."""
    errors = [f for f in result.findings if f.severity == "error"]
    warnings = [f for f in result.findings if f.severity == "warning"]
    if as_json:
        print(json.dumps({
            "instance_id": task.instance_id, "run": task.run, "folder": str(result.folder),
            "patch_source": task.patch_source, "patch_fallback": fallback,
            "repairs": result.repairs, "usage": result.usage.as_dict(),
            "backup": str(result.backup) if result.backup else None,
            "skipped_inputs": result.skipped,
            "errors": len(errors), "warnings": len(warnings),
            "outcome": result.trace.outcome.model_dump(mode="json"),
            "findings": [asdict(f) for f in result.findings]}, indent=2))
        return
    cost = "unknown" if result.usage.cost is None else f"${result.usage.cost:.4f}"
    console.print(Text.assemble(
        safe(task.instance_id, "bold", one_line=True), ": drafted "
        f"{len(result.trace.steps)} steps to ", safe(result.folder / "draft.md"),
        f" in {result.seconds:.1f}s ({result.usage.calls} call(s), {result.repairs} repair(s),"
        f" {result.usage.prompt_tokens + result.usage.completion_tokens} tokens, cost {cost})"))
    if fallback is not None:
        console.print(safe(f"note: {fallback}", "bold yellow", one_line=True), soft_wrap=True)
    outcome = result.trace.outcome
    console.print(safe(f"outcome: resolved {RESOLVED[outcome.resolved]} (source "
                       f"{outcome.source.value})"
                       + (f": {outcome.account}" if outcome.account else ""), one_line=True))
    for f in sorted(errors + warnings, key=lambda f: f.line):
        render_finding(f, None, console)  # as verify shows it, at its draft.md line
    verdict = Text("verifies clean", "green") if not errors else \
        Text(f"{len(errors)} error(s)", "red")
    console.print(Text.assemble("verify: ", verdict, f", {len(warnings)} warning(s)"))
    if result.backup is not None:
        console.print(safe(f"the folder it replaced is kept as {result.backup}"))
    for entry in result.skipped:
        console.print(safe(f"not copied from the trajectory folder: {entry}", one_line=True))
