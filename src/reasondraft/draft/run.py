"""``reasondraft draft`` as a library call: settings, task loading, drafting, reporting.

The prompt, the instance id and the model's findings are untrusted text: they are printed
through :mod:`reasondraft.termtext`, never as markup.
The command exits 1 when verify errors remain after the repairs: the draft is written (a
person can finish it) and its provenance.unresolved lists them, but it is not a clean draft.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from reasondraft.config import current_user, load_settings, project_notes
from reasondraft.draft.drafter import (
    DraftRequest,
    DraftResult,
    Prepared,
    check_outputs,
    draft_task,
    prepare,
)
from reasondraft.draft.fixture import Recorder
from reasondraft.draft.llm import LLMClient
from reasondraft.errors import InputError
from reasondraft.files import check_output_file
from reasondraft.guidelines import load_guidelines
from reasondraft.task import Task, load_task
from reasondraft.termtext import safe

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
                   record: Path | None, force: bool, dry_run: bool, as_json: bool,
                   console: Console, author: str | None = None) -> DraftResult | None:
    request, out = request_from(flags, author)
    if not dry_run:  # every output path, before loading the task and calling the model
        check_outputs(request, out)
        if record is not None:
            check_output_file(record)
    task = load_task(folder, instance=instance, instance_id=instance_id, trajectory=trajectory,
                     patch=patch, repo=repo, repos=repos, eval_report=eval_report)
    if dry_run:
        show_prepared(prepare(task, request), as_json, console)
        return None
    client = LLMClient(request.model, api_base=request.api_base, log=request.log)
    result = draft_task(task, request, out, force=force, client=client)
    if record:
        Recorder(record).save(task.instance_id, client.usage.answers)
    show_result(task, result, as_json, console)
    if any(f.severity == "error" for f in result.findings):
        raise typer.Exit(1)
    return result


def show_prepared(prepared: Prepared, as_json: bool, console: Console) -> None:
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


def show_result(task: Task, result: DraftResult, as_json: bool, console: Console) -> None:
    errors = [f for f in result.findings if f.severity == "error"]
    warnings = [f for f in result.findings if f.severity == "warning"]
    if as_json:
        print(json.dumps({
            "instance_id": task.instance_id, "folder": str(result.folder),
            "repairs": result.repairs, "usage": result.usage.as_dict(),
            "backup": str(result.backup) if result.backup else None,
            "skipped_inputs": result.skipped,
            "errors": len(errors), "warnings": len(warnings),
            "outcome": result.trace.outcome.model_dump(mode="json"),
            "findings": [f.model_dump() for f in result.findings]}, indent=2))
        return
    cost = "unknown" if result.usage.cost is None else f"${result.usage.cost:.4f}"
    console.print(Text.assemble(
        safe(task.instance_id, "bold", one_line=True), ": drafted "
        f"{len(result.trace.steps)} steps to ", safe(result.folder / "draft.md"),
        f" in {result.seconds:.1f}s ({result.usage.calls} call(s), {result.repairs} repair(s),"
        f" {result.usage.prompt_tokens + result.usage.completion_tokens} tokens, cost {cost})"))
    outcome = result.trace.outcome
    console.print(safe(f"outcome: resolved {RESOLVED[outcome.resolved]} (source "
                       f"{outcome.source.value})"
                       + (f": {outcome.account}" if outcome.account else ""), one_line=True))
    for f in errors + warnings:
        console.print(Text.assemble(
            f"  line {f.line}: ", (f.severity, "red" if f.severity == "error" else "yellow"),
            f" {f.code} ", safe(f"{f.ref or ''}: {f.message}")))
    verdict = Text("verifies clean", "green") if not errors else \
        Text(f"{len(errors)} error(s)", "red")
    console.print(Text.assemble("verify: ", verdict, f", {len(warnings)} warning(s)"))
    if result.backup is not None:
        console.print(safe(f"the folder it replaced is kept as {result.backup}"))
    for entry in result.skipped:
        console.print(safe(f"not copied from the trajectory folder: {entry}", one_line=True))
