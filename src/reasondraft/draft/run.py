"""``reasondraft draft`` as a library call: settings, task loading, drafting, reporting.

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

from reasondraft.config import load_settings
from reasondraft.draft.drafter import DraftRequest, DraftResult, Prepared, draft_task, prepare
from reasondraft.draft.fixture import Recorder
from reasondraft.draft.llm import LLMClient
from reasondraft.errors import InputError
from reasondraft.task import Task, load_task

RESOLVED = {True: "true", False: "false", None: "unknown"}
NO_MODEL = ("no model configured: pass --model (e.g. openai/gpt-4o, anthropic/claude-sonnet-4-5,"
            " ollama/llama3), set REASONDRAFT_MODEL, or add `model = ...` to reasondraft.toml; "
            "`--model fixture/example` replays the bundled recording offline")


def request_from(flags: dict[str, Any]) -> tuple[DraftRequest, Path]:
    """The draft request and output folder from flags, environment and config files."""
    settings = load_settings(flags)
    model = settings["model"].value
    if not model:
        raise InputError(NO_MODEL)
    request = DraftRequest(model=model, api_base=settings["api_base"].value,
                           max_input_tokens=settings["max_input_tokens"].value,
                           max_repairs=settings["max_repairs"].value,
                           log=Path(settings["log"].value) if settings["log"].value else None)
    return request, Path(settings["out"].value)


def draft_from_cli(folder: Path | None, flags: dict[str, Any], *, instance: Path | None,
                   instance_id: str | None, trajectory: Path | None, patch: str | None,
                   repo: Path | None, repos: Path | None, record: Path | None, force: bool,
                   dry_run: bool, as_json: bool, console: Console) -> DraftResult | None:
    request, out = request_from(flags)
    task = load_task(folder, instance=instance, instance_id=instance_id, trajectory=trajectory,
                     patch=patch, repo=repo, repos=repos)
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
    """--dry-run: the messages, the response schema, tokens per section, what was dropped."""
    packing = prepared.packed.provenance() | {"overhead_tokens": prepared.overhead_tokens}
    if as_json:
        print(json.dumps({"messages": prepared.messages, "schema": prepared.schema,
                          "prompt": prepared.templates.hash, "packing": packing}, indent=2))
        return
    for message in prepared.messages:
        console.rule(f"[bold]{message['role']}")
        console.print(message["content"], markup=False, highlight=False)
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


def show_result(task: Task, result: DraftResult, as_json: bool, console: Console) -> None:
    errors = [f for f in result.findings if f.severity == "error"]
    warnings = [f for f in result.findings if f.severity == "warning"]
    if as_json:
        print(json.dumps({
            "instance_id": task.instance_id, "folder": str(result.folder),
            "repairs": result.repairs, "usage": result.usage.as_dict(),
            "errors": len(errors), "warnings": len(warnings),
            "outcome": result.trace.outcome.model_dump(mode="json"),
            "findings": [f.model_dump() for f in result.findings]}, indent=2))
        return
    cost = "unknown" if result.usage.cost is None else f"${result.usage.cost:.4f}"
    console.print(f"[bold]{task.instance_id}[/]: drafted {len(result.trace.steps)} steps to "
                  f"{result.folder / 'draft.md'} in {result.seconds:.1f}s "
                  f"({result.usage.calls} call(s), {result.repairs} repair(s), "
                  f"{result.usage.prompt_tokens + result.usage.completion_tokens} tokens, "
                  f"cost {cost})")
    outcome = result.trace.outcome
    console.print(f"outcome: resolved {RESOLVED[outcome.resolved]} (source "
                  f"{outcome.source.value})" + (f": {outcome.account}" if outcome.account else ""),
                  markup=False, highlight=False)
    for f in errors + warnings:
        console.print(f"  line {f.line}: [{'red' if f.severity == 'error' else 'yellow'}]"
                      f"{f.severity}[/] {f.code} {f.ref or ''}: {f.message}",
                      markup=True, highlight=False)
    verdict = "[green]verifies clean[/]" if not errors else f"[red]{len(errors)} error(s)[/]"
    console.print(f"verify: {verdict}, {len(warnings)} warning(s)")
