"""The command line: a thin typer shell over the library.

Each command parses options, calls one library function and renders the result with rich
(or prints JSON with ``--json``). Bad input anywhere surfaces as :class:`InputError`, which
the group turns into one line on stderr and exit status 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from reasondraft import __version__
from reasondraft.errors import InputError, ModelError

console = Console()
err_console = Console(stderr=True)


class Group(TyperGroup):
    """One line on stderr instead of a traceback: exit 2 for bad input (InputError),
    exit 1 for a model that failed (ModelError)."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (InputError, ModelError) as exc:
            err_console.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False,
                              soft_wrap=True)
            raise SystemExit(2 if isinstance(exc, InputError) else 1) from None


app = typer.Typer(
    cls=Group,
    help="Draft, verify and review reasoning traces for AI coding tasks.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"reasondraft {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Draft, verify and review reasoning traces for AI coding tasks."""


def print_json(data: Any) -> None:
    """JSON for scripts: plain stdout, no rich markup or wrapping."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


RepoOpt = Annotated[Path | None, typer.Option(
    "--repo", help="The repository clone (normal or bare).")]
ReposOpt = Annotated[Path | None, typer.Option(
    "--repos", help="A folder of clones named owner__name or owner/name.")]
PatchOpt = Annotated[Path | None, typer.Option("--patch", help="The diff the trace explains.")]
InstanceOpt = Annotated[Path | None, typer.Option(
    "--instance", help="Instance file: .json, .jsonl (with --id) or a task folder.")]
IdOpt = Annotated[str | None, typer.Option("--id", help="Instance id to pick from a JSONL file.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


@app.command("task")
def task_command(
    folder: Annotated[Path | None, typer.Argument(help="A task folder.")] = None,
    instance: InstanceOpt = None,
    instance_id: IdOpt = None,
    patch: PatchOpt = None,
    repo: RepoOpt = None,
    repos: ReposOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Load a task and check its inputs: instance, repo at the base commit, diff applies."""
    from reasondraft.task import load_task, summarize

    task = load_task(folder, instance=instance, instance_id=instance_id, patch=patch,
                     repo=repo, repos=repos)
    summary = summarize(task)
    if as_json:
        print_json(summary)
        return
    console.print(f"[bold]{summary['instance_id']}[/]  {summary['repo']}  "
                  f"base {str(summary['base_commit'])[:12]}  ({summary['repo_path']})")
    table = Table("file", "status", "hunks", "+", "-", box=None)
    for f in task.patch:
        name = f.path if f.status != "renamed" else f"{f.old_path} → {f.new_path}"
        table.add_row(name, f.status + (" (binary)" if f.binary else ""), str(len(f.hunks)),
                      str(f.added_lines), str(f.removed_lines))
    console.print(table)
    console.print(f"diff from {summary['patch_source']} applies cleanly at the base commit; "
                  f"{len(task.instance.FAIL_TO_PASS)} FAIL_TO_PASS, "
                  f"{summary['pass_to_pass']} PASS_TO_PASS tests")


def main() -> None:
    """Console-script entry point."""
    app()
