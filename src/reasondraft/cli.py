"""The command line: a thin typer shell over the library.

Each command parses options, calls one library function and renders the result with rich
(or prints JSON with ``--json``). Bad input anywhere surfaces as :class:`InputError`, which
the group turns into one line on stderr and exit status 2.

Annotations here are real objects, not strings (no ``from __future__ import annotations``):
typer reads every command's signature at each start, and evaluating ~500 annotation strings
made building the commands take 3-4x as long (~15 ms of every start). For the same reason
each command imports what only it uses (rich's tables too) in its body.
"""

import copy
import inspect
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup

import reasondraft
from reasondraft.config import SPECS
from reasondraft.errors import InputError, ModelError, WriteConflict
from reasondraft.invocation import command_line
from reasondraft.termtext import json_text, safe

if TYPE_CHECKING:
    from reasondraft.trajectory import Action, Step

console = Console()
err_console = Console(stderr=True)


class Group(TyperGroup):
    """One line on stderr instead of a traceback: exit 2 for bad input (InputError),
    exit 1 for a model that failed (ModelError) or a write refused because its target
    changed meanwhile (WriteConflict)."""

    # typer types the base's ctx as click's Context; commands get typer's subclass
    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except (InputError, ModelError, WriteConflict) as exc:
            # messages quote file content: safe() escapes it
            err_console.print(Text.assemble(("error:", "bold red"), " ",
                                            safe(exc, one_line=True)), soft_wrap=True)
            raise SystemExit(2 if isinstance(exc, InputError) else 1) from None

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """Each command with the whole first paragraph of its help: click cuts it to one
        line, mid-sentence."""
        rows = [(name, " ".join(inspect.cleandoc(command.help or "").split("\n\n")[0].split()))
                for name in self.list_commands(ctx)
                if (command := self.get_command(ctx, name)) is not None and not command.hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


# Help is plain text (rich_markup_mode=None): read as rich markup, "[[step:N]]" and
# "[guidelines]" vanished, and typer's rich layout showed flags as "--steps <bool>".
app = typer.Typer(
    cls=Group,
    help="Draft, verify and review reasoning traces for AI coding tasks.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"reasondraft {reasondraft.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Draft, verify and review reasoning traces for AI coding tasks."""


def print_json(data: Any) -> None:
    """JSON for scripts: plain stdout, no rich markup or wrapping."""
    sys.stdout.write(json_text(data) + "\n")


RepoOpt = Annotated[Path | None, typer.Option(
    "--repo", help="The repository clone (normal or bare).")]
REPOS_HELP = ("A folder of clones named owner__name or owner/name, or a pattern such as "
              "'mirrors/{owner}+{name}/repo'.")
ReposOpt = Annotated[Path | None, typer.Option("--repos", help=REPOS_HELP)]
PatchOpt = Annotated[Path | None, typer.Option("--patch", help="The diff the trace explains.")]
InstanceOpt = Annotated[Path | None, typer.Option(
    "--instance", help="Instance file: .json, .jsonl (with --id) or a task folder.")]
IdOpt = Annotated[str | None, typer.Option("--id", help="Instance id to pick from a JSONL file.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
EvalReportOpt = Annotated[Path | None, typer.Option(
    "--eval-report", help="The SWE-bench harness's evaluation: a per-instance report.json, a "
                          "run summary, or a folder of reports (default: the task folder's "
                          "report.json; none: the outcome is unknown).")]


@app.command("task")
def task_command(
    folder: Annotated[Path | None, typer.Argument(help="A task folder.")] = None,
    instance: InstanceOpt = None,
    instance_id: IdOpt = None,
    patch: PatchOpt = None,
    repo: RepoOpt = None,
    repos: ReposOpt = None,
    trajectory: Annotated[Path | None, typer.Option(
        "--trajectory", help="The agent's trajectory (default: the folder's trajectory.*).")
    ] = None,
    eval_report: EvalReportOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Load a task and check its inputs: instance, repo at the base commit, diff applies."""
    from rich.table import Table

    from reasondraft.task import load_task, summarize

    task = load_task(folder, instance=instance, instance_id=instance_id, patch=patch,
                     repo=repo, repos=repos, trajectory=trajectory, eval_report=eval_report)
    summary = summarize(task)
    if as_json:
        print_json(summary)
        return
    console.print(Text.assemble(
        safe(summary["instance_id"], "bold"), "  ", safe(summary["repo"]), "  base ",
        safe(str(summary["base_commit"])[:12]), "  (", safe(summary["repo_path"]), ")"))
    table = Table("file", "status", "hunks", "+", "-", box=None)
    for f in task.patch:
        name = f.path if f.status != "renamed" else f"{f.old_path} → {f.new_path}"
        table.add_row(safe(name, one_line=True), f.status + (" (binary)" if f.binary else ""),
                      str(len(f.hunks)), str(f.added_lines), str(f.removed_lines))
    console.print(table)
    console.print(Text.assemble(
        "diff from ", safe(summary["patch_source"]), " applies cleanly at the base commit; "
        f"{len(task.instance.FAIL_TO_PASS)} FAIL_TO_PASS, "
        f"{summary['pass_to_pass']} PASS_TO_PASS tests"))
    if task.trajectory is not None:
        traj = task.trajectory
        console.print(Text.assemble(
            "trajectory: ", safe(f"{traj.format} {traj.format_version or ''}"),
            f", {len(traj.steps)} steps (", safe(traj.source), ")"))
    console.print(safe(f"outcome: {summary['outcome']}"))


def _setting(name: str) -> Any:
    """The option of drafting setting ``name``, described from config.SPECS (one text for
    the flag, its variable and its key in reasondraft.toml)."""
    spec = SPECS[name]
    default = "none" if spec.default is None else spec.default
    return typer.Option(f"--{name.replace('_', '-')}", help=(
        f"{spec.help}. If not given: REASONDRAFT_{name.upper()}, else {name} in "
        f"reasondraft.toml, else {default}."))


ModelOpt = Annotated[str | None, _setting("model")]
ApiBaseOpt = Annotated[str | None, _setting("api_base")]
OutOpt = Annotated[Path | None, _setting("out")]
MaxInputTokensOpt = Annotated[int | None, _setting("max_input_tokens")]
MaxRepairsOpt = Annotated[int | None, _setting("max_repairs")]
LogOpt = Annotated[Path | None, _setting("log")]
TrajectoryOpt = Annotated[Path | None, typer.Option(
    "--trajectory", help="The agent's trajectory (any supported format, auto-detected).")]


@app.command("config")
def config_command(as_json: JsonOpt = False) -> None:
    """Show each drafting setting, its value and where it came from."""
    from rich.table import Table

    from reasondraft.config import load_settings

    settings = load_settings()
    if as_json:
        print_json({s.name: {"value": s.value, "source": s.source} for s in settings.values()})
        return
    table = Table("setting", "value", "source", box=None)
    for s in settings.values():
        table.add_row(s.name, Text("(not set)", "dim") if s.value is None else safe(s.value),
                      safe(s.source))
    console.print(table)


@app.command("guidelines")
def guidelines_command(as_json: JsonOpt = False) -> None:
    """Show the guidelines drafts are held to (reasondraft.toml [guidelines], or
    [tool.reasondraft.guidelines] in pyproject.toml, over the defaults): what verify checks
    and what the prompt tells the model; then the rubric reviewers score and the reject
    codes."""
    from reasondraft.guidelines import load_guidelines, render_guidelines, render_review

    guidelines = load_guidelines()
    if as_json:
        print_json(guidelines.to_json())
        return
    console.print(safe(render_guidelines(guidelines)), soft_wrap=True)
    console.print(safe(render_review(guidelines)), soft_wrap=True)


@app.command("draft")
def draft_command(
    folder: Annotated[Path | None, typer.Argument(help="A task folder.")] = None,
    instance: InstanceOpt = None,
    instance_id: IdOpt = None,
    trajectory: TrajectoryOpt = None,
    patch: Annotated[str | None, typer.Option(
        "--patch", help="The diff to explain: a FILE, or 'gold' for the instance's patch. "
                        "Default: the trajectory's submission, else the instance's patch.")
    ] = None,
    repo: RepoOpt = None,
    repos: ReposOpt = None,
    eval_report: EvalReportOpt = None,
    model: ModelOpt = None,
    api_base: ApiBaseOpt = None,
    out: OutOpt = None,
    run: Annotated[str | None, typer.Option(
        "--run", help="Name of this trajectory's run (agent, model): the draft goes to "
                      "<out>/<instance_id>__<run>/, beside other runs of the same instance.")
    ] = None,
    max_input_tokens: MaxInputTokensOpt = None,
    max_repairs: MaxRepairsOpt = None,
    log: LogOpt = None,
    record: Annotated[Path | None, typer.Option(
        "--record", help="Save the model's answers as a fixture recording.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing draft "
                                                        "(a backup is kept).")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what the model would "
                                                            "receive; call nothing.")] = False,
    author: Annotated[str | None, typer.Option(
        "--author", help="Who drafts (recorded as the draft's author; default: "
                         "REASONDRAFT_USER, else the project file's user).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Draft the reasoning trace of a task with an LLM, verified in the loop."""
    from reasondraft.draft.run import draft_from_cli

    flags = {"model": model, "api_base": api_base, "out": out, "log": log,
             "max_input_tokens": max_input_tokens, "max_repairs": max_repairs}
    draft_from_cli(folder, flags, instance=instance, instance_id=instance_id,
                   trajectory=trajectory, patch=patch, repo=repo, repos=repos,
                   eval_report=eval_report, run=run, record=record, force=force,
                   dry_run=dry_run, as_json=as_json, console=console, author=author)


@app.command("inspect")
def inspect_command(
    trajectory: Annotated[Path, typer.Argument(
        help="A trajectory file (any supported format) or an OpenHands session folder.")],
    instance_id: IdOpt = None,
    steps: Annotated[bool, typer.Option(
        "--steps", help="List every step, numbered as [[step:N]] cites them.")] = False,
    step: Annotated[int | None, typer.Option(
        "--step", metavar="N", help="Show step N whole: its thought, the full action (an "
                                    "edit's text included) and the full output.")] = None,
    as_json: JsonOpt = False,
    to: Annotated[str | None, typer.Option(
        "--to", help="Print the trajectory converted instead: 'atif' (Harbor ATIF).")] = None,
) -> None:
    """Show what a trajectory holds: format, steps by kind, files, tests, submission."""
    from reasondraft.trajectory import load_trajectory, summarize, to_atif

    if to not in (None, "atif"):
        raise InputError(f"--to {to}: unknown target (supported: atif)")
    if step is not None and (steps or to):
        raise InputError("--step N shows one step: give it without --steps and --to")
    traj = load_trajectory(trajectory, instance_id)
    if to == "atif":
        print_json(to_atif(traj))
        return
    if step is not None:
        chosen = traj.step(step)
        if chosen is None:
            count = len(traj.steps)
            raise InputError(f"--step {step}: the trajectory has " + (
                f"{count} steps (1-{count})" if count else "no steps"), where=str(trajectory))
        print_json(chosen.model_dump(mode="json")) if as_json else _print_step(chosen)
        return
    summary = summarize(traj, with_steps=steps)
    if as_json:
        print_json(summary)
        return
    _print_trajectory(summary)


def _print_trajectory(summary: dict[str, Any]) -> None:
    """The human form of ``inspect``: a few summary lines, then the numbered steps.

    Everything but the counts comes from the trajectory file: it is printed through
    :func:`safe`."""
    from rich.table import Table

    head = [f"{summary['format']} {summary['format_version'] or ''}".rstrip()]
    head += [str(summary[k]) for k in ("instance_id", "model") if summary[k]]
    if summary["cost"]:
        head.append(f"${summary['cost']:.4g}")
    if summary["input_tokens"] or summary["output_tokens"]:
        head.append(f"{summary['input_tokens'] or 0:,} in / {summary['output_tokens'] or 0:,} "
                    "out tokens")
    console.print(safe(" · ".join(head)))
    kinds = ", ".join(f"{n} {k}" for k, n in summary["kinds"].items())
    console.print(Text(f"{summary['steps']} steps" + (f": {kinds}" if kinds else "")))
    for label, key in (("agents", "agents"), ("viewed", "files_viewed"),
                       ("edited", "files_edited")):
        if summary[key] and (key != "agents" or len(summary[key]) > 1):
            console.print(safe(f"{label}: " + ", ".join(summary[key])))
    for command in summary["test_commands"]:
        console.print(safe(f"test: {command}"))
    diff = summary["submission"]
    console.print(Text(f"submission: {len(diff.splitlines())}-line diff" if diff
                       else "submission: none"))
    if "step_list" not in summary:
        return
    table = Table("#", "kind", "action", "observation", box=None)
    room = max(console.width - 18, 20)  # what "#" and "kind" leave; one line per step
    for column, width in zip(table.columns, (None, None, room * 3 // 5, room * 2 // 5),
                             strict=True):
        column.no_wrap, column.overflow, column.max_width = True, "ellipsis", width
    for row in summary["step_list"]:
        who = f"{row['agent']}: " if row["agent"] else ""
        table.add_row(str(row["number"]), row["kind"], safe(who + row["action"]),
                      safe(row["observation"] or ""))
    console.print(table)


def _print_step(step: "Step") -> None:
    """The human form of ``inspect --step N``: everything the step holds, nothing cut, as
    the agent wrote it; all of it comes from the trajectory file, so through :func:`safe`."""
    head = [f"step {step.number}", step.kind.value, step.agent, step.timestamp]
    console.print(safe(" · ".join(str(part) for part in head if part), "bold"))
    if step.paths:
        console.print(safe("files: " + ", ".join(step.paths)))
    if step.thought:
        _print_section("thought", step.thought)
    for call in step.action.calls or [step.action]:
        _print_section(f"action: {call.name}", _call_text(call))
    observation = step.observation
    code = "" if observation is None or observation.exit_code is None \
        else f" (exit {observation.exit_code})"
    _print_section(f"output{code}", "(none)" if observation is None else observation.text)


def _print_section(title: str, body: str) -> None:
    console.print()
    console.print(safe(title, "bold"))
    console.print(safe(body), soft_wrap=True)


def _call_text(call: "Action") -> str:
    """A tool call written out whole: a shell's command as is, else one argument a line,
    each text that spans lines (or starts or ends with blanks) below its name."""
    from reasondraft.trajectory.kinds import shell_command

    command = shell_command(call.name, call.arguments)
    if command is not None:
        return command
    lines = []
    for key, value in call.arguments.items():
        if isinstance(value, str) and ("\n" in value or value != value.strip()):
            lines.append(f"{key}:\n{value}")
        else:
            lines.append(f"{key}: {value if isinstance(value, str) else json_text(value)}")
    return "\n".join(lines) or call.text


@app.command("verify")
def verify_command(
    paths: Annotated[list[Path], typer.Argument(
        help="draft.md files, task folders, or folders of task folders.")],
    repo: RepoOpt = None,
    repos: ReposOpt = None,
    patch: PatchOpt = None,
    instance: InstanceOpt = None,
    instance_id: IdOpt = None,
    trajectory: Annotated[Path | None, typer.Option(
        "--trajectory", help="The agent's trajectory (default: the folder's trajectory.*).")
    ] = None,
    base: Annotated[str | None, typer.Option(
        "--base", help="Base revision (default: the instance's base_commit).")] = None,
    eval_report: EvalReportOpt = None,
    as_json: JsonOpt = False,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 on warnings too.")] = False,
    fix: Annotated[bool, typer.Option(
        "--fix", help="Apply the safe fixes (quote-proven lines, path prefixes) in place.")
    ] = False,
) -> None:
    """Check every reference of drafts against the repository, diff, instance and trajectory.

    Exit status: 0 no errors, 1 errors (or warnings with --strict), 2 unreadable input.
    """
    from reasondraft.verify import Sources, exit_status, verify_paths
    from reasondraft.verify.report import fix_line, render, to_json

    if repo is not None and repos is not None:
        raise InputError("give --repo or --repos, not both")
    from reasondraft.guidelines import load_guidelines

    reports = verify_paths(paths, Sources(repo=repo, repos=repos, patch=patch,
                                          instance=instance, instance_id=instance_id,
                                          trajectory=trajectory, base=base,
                                          eval_report=eval_report,
                                          guidelines=load_guidelines()), fix=fix)
    if any(report.draft is not None and report.draft.has_review for report in reports):
        from reasondraft.review.checked import note_decisions

        note_decisions(reports)
    if as_json:
        for report in reports:
            for edit in report.fixes:
                err_console.print(safe(report.path), fix_line(edit), soft_wrap=True)
        print_json(to_json(reports))
    else:
        render(reports, console)
    raise typer.Exit(exit_status(reports, strict=strict))


DraftArg = Annotated[Path, typer.Argument(help="A draft.md or its task folder.")]
ReviewerOpt = Annotated[str | None, typer.Option(
    "--reviewer", help="Who decides (name or handle); default: REASONDRAFT_REVIEWER, else "
                       "reviewer in reasondraft.toml.")]
NoteOpt = Annotated[str | None, typer.Option("--note", help="A note kept in the record.")]
ForceOpt = Annotated[bool, typer.Option(
    "--force", help="Replace a decision already made about this exact content (a backup of "
                    "draft.md is kept).")]


AllowedSignersOpt = Annotated[Path | None, typer.Option(
    "--allowed-signers", help="ssh-keygen allowed signers file (principal = reviewer): check "
                              "each approval's signature and show who signed it.")]
RequireSignedOpt = Annotated[bool, typer.Option(
    "--require-signed", help="Count only approvals signed by an allowed signer as approved "
                             "(the others are 'unsigned').")]


def _reviewer(given: str | None) -> str:
    """--reviewer, else the ``reviewer`` setting (environment, then project file); said on
    stderr when it did not come from the flag, so nobody records a decision under a name
    they did not see."""
    from reasondraft.config import load_settings

    setting = load_settings({"reviewer": given})["reviewer"]
    if setting.value is None:
        raise InputError("no reviewer: pass --reviewer NAME, or set REASONDRAFT_REVIEWER or "
                         "reviewer = \"NAME\" in reasondraft.toml")
    if not setting.value.strip():
        raise InputError("the reviewer must not be blank", where=setting.source)
    if setting.source != "--reviewer":
        err_console.print(safe(f"reviewer: {setting.value} (from {setting.source})",
                               one_line=True), soft_wrap=True)
    return str(setting.value)


def _signers(allowed: Path | None, required: bool) -> Any:
    from reasondraft.review.signing import signers

    return signers(allowed, required=required)


def _sources(repo: Path | None, repos: Path | None, eval_report: Path | None = None) -> Any:
    from reasondraft.guidelines import load_guidelines
    from reasondraft.verify import Sources

    if repo is not None and repos is not None:
        raise InputError("give --repo or --repos, not both")
    return Sources(repo=repo, repos=repos, eval_report=eval_report,
                   guidelines=load_guidelines())


@app.command("show")
def show_command(
    draft: DraftArg,
    no_expand: Annotated[bool, typer.Option(
        "--no-expand", help="Plain text: the draft as written, nothing resolved.")] = False,
    pager: Annotated[bool | None, typer.Option(
        "--pager/--no-pager", help="Page the output (default: when longer than the screen).")
    ] = None,
    repo: RepoOpt = None,
    repos: ReposOpt = None,
    eval_report: EvalReportOpt = None,
    html: Annotated[Path | None, typer.Option(
        "--html", help="Write the task page as one self-contained HTML file instead "
                       "(read-only; needs reasondraft[web]).")] = None,
) -> None:
    """Show a draft with each reference expanded in place and a verify badge per reference."""
    from rich.console import Group as Renderables

    if html is not None:
        from reasondraft.web import require

        require("show --html")
        from reasondraft.web.standalone import write_html

        write_html(draft, html, _sources(repo, repos, eval_report))
        console.print(Text.assemble("wrote ", safe(html, one_line=True)))
        return
    from reasondraft.review.show import show

    items = Renderables(*show(draft, sources=_sources(repo, repos, eval_report),
                              expand=not no_expand))
    if pager is None:
        pager = console.is_terminal and len(console.render_lines(items, pad=False)) \
            > console.height
    if pager:
        os.environ.setdefault("LESS", "FRX")  # as git does: colors, quit if one screen
        with console.pager(styles=True):
            console.print(items, soft_wrap=no_expand)
    else:
        console.print(items, soft_wrap=no_expand)


@app.command("serve")
def serve_command(
    directory: Annotated[Path, typer.Argument(
        help="A folder of task folders (or one task folder).")],
    host: Annotated[str, typer.Option(
        "--host", help="Address to bind; another than 127.0.0.1 makes the tasks readable "
                       "from other machines (a warning is printed).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port (0: any free one).")] = 8765,
    no_open: Annotated[bool, typer.Option(
        "--no-open", help="Do not open the browser.")] = False,
    repo: RepoOpt = None,
    repos: ReposOpt = None,
    eval_report: EvalReportOpt = None,
) -> None:
    """Review in the browser: the queue of tasks and each task's page (trace beside what it
    cites, the issue, the diff, the trajectory), approve and reject. Prints its URL first.
    """
    from reasondraft.web import require

    require("serve")
    from reasondraft.verify.inputs import draft_paths
    from reasondraft.web.serve import serve

    draft_paths(directory)  # no drafts: one line and exit 2 before binding anything
    serve(directory, _sources(repo, repos, eval_report), host=host, port=port,
          open_browser=not no_open, say=lambda url: print(url, flush=True),
          warn=lambda message: err_console.print(safe(message, "bold yellow"),
                                                 soft_wrap=True))


@app.command("edit")
def edit_command(
    draft: DraftArg,
    repo: RepoOpt = None,
    repos: ReposOpt = None,
    author: Annotated[str | None, typer.Option(
        "--author", help="Who edits: recorded as the draft's author when the body changed "
                         "(default: REASONDRAFT_USER, else the project file's user).")] = None,
) -> None:
    """Open a draft in $VISUAL / $EDITOR, then verify it and print the findings.

    Exit status as for verify: 0 no errors, 1 errors, 2 the draft could not be verified.
    """
    from reasondraft.config import current_user
    from reasondraft.document import one_draft, read_draft
    from reasondraft.review.edit import check_edited, open_in_editor, record_author
    from reasondraft.review.report import render_modified
    from reasondraft.verify import exit_status
    from reasondraft.verify.report import render

    path = one_draft(draft)
    before = read_draft(path, strict=False)
    if before.front_error:
        err_console.print(safe(f"warning: {before.front_error}; opening it anyway",
                               "bold yellow", one_line=True), soft_wrap=True)
    editor = current_user(author)
    open_in_editor(path)
    if record_author(path, before, editor) == "unknown":
        err_console.print(safe("note: the body changed but no author is recorded: pass "
                               "--author or set REASONDRAFT_USER", "yellow"), soft_wrap=True)
    edited = check_edited(path, _sources(repo, repos))
    if edited.report is None:
        err_console.print(safe(f"warning: {edited.problem}; saved as is, not verified",
                               "bold yellow", one_line=True), soft_wrap=True)
        raise typer.Exit(2)
    render([edited.report], console)
    render_modified(edited.standing, console)
    raise typer.Exit(exit_status([edited.report]))


@app.command("approve")
def approve_command(
    draft: DraftArg,
    reviewer: ReviewerOpt = None,
    note: NoteOpt = None,
    override: Annotated[str | None, typer.Option(
        "--override", help="Approve despite verify errors or blocking scores; the reason is "
                           "recorded.")] = None,
    score: Annotated[list[str] | None, typer.Option(
        "--score", help="ITEM=N: score a rubric item 1-4 (repeatable; reasondraft guidelines "
                        "lists the items and what each score means).")] = None,
    force: ForceOpt = False,
    sign: Annotated[Path | None, typer.Option(
        "--sign", help="Sign the record with this SSH key (ssh-keygen -Y sign, namespace "
                       "reasondraft).")] = None,
    repo: RepoOpt = None,
    repos: ReposOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Verify, then record the approval (bound to the body's and the inputs' sha256) and set
    status approved.

    Refused (exit 1) while verify finds errors or a score is below its item's blocking
    threshold, unless --override "reason". Refused (exit 2) when a required item is not
    scored, or the reviewer is the draft's author (unless the guidelines allow it).
    """
    from reasondraft.document import one_draft
    from reasondraft.review.decide import approve, parse_scores
    from reasondraft.review.report import render_outcome
    from reasondraft.verify import DraftReport
    from reasondraft.verify.report import render_draft

    draft = one_draft(draft)  # one draft is what it takes: said before anything else
    outcome = approve(draft, _reviewer(reviewer), note=note, override=override, force=force,
                      sources=_sources(repo, repos), sign=sign,
                      scores=parse_scores(score or []))
    if as_json:
        print_json(outcome.to_json())
    else:
        if not outcome.written:
            render_draft(DraftReport(outcome.path, outcome.report), console)
        render_outcome(outcome, console)
    raise typer.Exit(0 if outcome.written else 1)


@app.command("reject")
def reject_command(
    draft: DraftArg,
    reason: Annotated[str, typer.Option("--reason", help="Why; kept in the record.")],
    reviewer: ReviewerOpt = None,
    code: Annotated[list[str] | None, typer.Option(
        "--code", help="A reject reason code (repeatable; reasondraft guidelines lists "
                       "them).")] = None,
    note: NoteOpt = None,
    force: ForceOpt = False,
    repo: RepoOpt = None,
    repos: ReposOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a rejection (with the verify summary and the reject codes) and set status
    rejected."""
    from reasondraft.document import one_draft
    from reasondraft.review.decide import reject
    from reasondraft.review.report import render_outcome

    draft = one_draft(draft)  # one draft is what it takes: said before anything else
    outcome = reject(draft, _reviewer(reviewer), reason, note=note, force=force,
                     sources=_sources(repo, repos), codes=code)
    if as_json:
        print_json(outcome.to_json())
    else:
        render_outcome(outcome, console)


@app.command("status")
def status_command(
    directory: Annotated[Path, typer.Argument(
        help="A folder of task folders (or one task folder or draft.md).")],
    verify: Annotated[bool, typer.Option(
        "--verify", help="Also verify every draft (errors and warnings columns).")] = False,
    by: Annotated[str | None, typer.Option(
        "--by", help="'model': summarize per provenance model and prompt hash.")] = None,
    allowed_signers: AllowedSignersOpt = None,
    require_signed: RequireSignedOpt = False,
    repo: RepoOpt = None,
    repos: ReposOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Where every draft stands: status, errors, steps, reviewer, age, edit rate, totals."""
    from reasondraft.review.report import render_by_model, render_status
    from reasondraft.review.status import by_model, scan

    if by not in (None, "model"):
        raise InputError(f"--by {by}: unknown grouping (supported: model)")
    rows = scan(directory, verify=verify, sources=_sources(repo, repos),
                signers=_signers(allowed_signers, required=require_signed))
    if by:
        summaries = by_model(rows)
        print_json(summaries) if as_json else render_by_model(summaries, console)
    elif as_json:
        print_json([row.to_json() for row in rows])
    else:
        render_status(rows, console)


@app.command("export")
def export_command(
    directory: Annotated[Path | None, typer.Argument(
        help="A folder of task folders (or one task folder or draft.md).")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="The JSONL file to write (--format hf: the dataset folder).")] = None,
    include_all: Annotated[bool, typer.Option(
        "--all", help="Every draft, not only approved ones (each line has its status).")
    ] = False,
    to: Annotated[str, typer.Option(
        "--format", help="jsonl (one export line per trace) or hf (a folder "
                         "datasets.load_dataset loads, with a dataset card of the batch's "
                         "figures).")] = "jsonl",
    pairs: Annotated[Path | None, typer.Option(
        "--pairs", help="Write training rows instead (JSONL): SFT (prompt, approved trace) "
                        "and preference (chosen: approved, rejected: the model's draft).")
    ] = None,
    min_edit_rate: Annotated[float, typer.Option(
        "--min-edit-rate", help="--pairs: the edit rate from which a draft gives a "
                                "preference row.")] = 0.05,
    schema: Annotated[bool, typer.Option(
        "--schema", help="Print the JSON Schema of one line (and of a --pairs row) and "
                         "exit.")] = False,
    allowed_signers: AllowedSignersOpt = None,
    require_signed: RequireSignedOpt = False,
    repo: RepoOpt = None,
    repos: ReposOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write approved traces as JSON Lines: trace, resolved references, review, provenance.

    Every approval is verified again: one whose recorded errors differ from verify's
    (without an override) is not exported as approved.

    Exit status 1 when a draft that should be exported could not be (listed with why).
    """
    from reasondraft.review import export as exporting
    from reasondraft.review.report import render_export

    if schema:
        print_json(exporting.schema())
        return
    if to not in ("jsonl", "hf"):
        raise InputError(f"--format {to}: unknown (known: jsonl, hf)")
    if pairs is not None:
        _export_pairs(directory, pairs, out, min_edit_rate=min_edit_rate,
                      sources=_sources(repo, repos), as_json=as_json,
                      signers=_signers(allowed_signers, required=require_signed))
        return
    if directory is None or out is None:
        raise InputError("give a DIR and --out FILE.jsonl (or --schema)" if to == "jsonl"
                         else "give a DIR and --out FOLDER for the dataset")
    sources, signers = _sources(repo, repos), _signers(allowed_signers,
                                                        required=require_signed)
    if to == "hf":
        from reasondraft.quality.dataset import export_hf

        dataset = export_hf(directory, out, include_all=include_all, sources=sources,
                            signers=signers)
        result = dataset.export
    else:
        result = exporting.export(directory, out, include_all=include_all, sources=sources,
                                  signers=signers)
    if as_json:
        print_json(dataset.to_json() if to == "hf" else result.to_json())
    else:
        render_export(result, console)
    raise typer.Exit(1 if result.failed else 0)


def _export_pairs(directory: Path | None, pairs: Path, out: Path | None, *,
                  min_edit_rate: float, sources: Any, signers: Any, as_json: bool) -> None:
    """export --pairs: the rows, then what was left out and why (exit 1 when a draft
    failed to export)."""
    from reasondraft.quality.pairs import export_pairs

    if directory is None or out is not None:
        raise InputError("give a DIR and --pairs FILE.jsonl (without --out)")
    result = export_pairs(directory, pairs, min_edit_rate=min_edit_rate, sources=sources,
                          signers=signers)
    if as_json:
        print_json(result.to_json())
    else:
        console.print(safe(f"wrote {result.sft} SFT and {result.preference} preference rows "
                           f"(edit rate >= {min_edit_rate}) to {pairs}", "bold"),
                      soft_wrap=True)
        for folder, why in result.left_out:
            console.print(safe(f"left out {folder}: {why}", "yellow", one_line=True),
                          soft_wrap=True)
        for path, error in result.export.failed:
            console.print(safe(f"not exported: {path}: {error}", "red", one_line=True),
                          soft_wrap=True)
    raise typer.Exit(1 if result.export.failed else 0)


@app.command("demo")
def demo_command(
    out: Annotated[Path | None, typer.Option(
        "--out", help="Work folder (default: a new temporary folder).")] = None,
    example: Annotated[str, typer.Option(
        "--example", help="tinyconf (the patch works) or slugkit (the patch does not "
                          "resolve the task: the honest outcome).")] = "tinyconf",
) -> None:
    """Draft a bundled example task offline with the fixture model, verify it, show it."""
    from rich.console import Group as Renderables

    from reasondraft.draft.demo import DEMO_MODEL, EXAMPLES, run_demo
    from reasondraft.review.show import show
    from reasondraft.verify import verify_draft
    from reasondraft.verify.report import summary_line

    if example not in EXAMPLES:
        raise InputError(f"--example {example}: unknown (known: {', '.join(EXAMPLES)})")
    with console.status(f"drafting the {example} example task with {DEMO_MODEL} ..."):
        _, result = run_demo(out, example)
    draft = result.folder / "draft.md"
    console.print(Renderables(*show(draft)))
    console.rule("[bold]summary")
    console.print(summary_line(verify_draft(draft)))
    console.print(f"{DEMO_MODEL}: {result.usage.calls} call(s), {result.repairs} repair(s) "
                  "after the verifier's findings went back to the model", highlight=False)
    # one command a line, never wrapped: they are there to be pasted
    for label, line in (("next", command_line("show", str(draft))),
                        ("then", command_line("approve", str(draft), "--reviewer", "YOU"))):
        console.print(Text.assemble(f"{label}: ", safe(line, "bold")), soft_wrap=True)


@app.command("batch")
def batch_command(
    instances: Annotated[Path, typer.Option("--instances", help="Instances: .jsonl or .json.")],
    trajectories: Annotated[Path, typer.Option(
        "--trajectories", help="Folder of trajectories named after the instance ids; a "
                               "subfolder per run (DIR/<run>/<instance_id>.<ext>) drafts "
                               "each run into <out>/<instance_id>__<run>/.")],
    repos: Annotated[Path, typer.Option("--repos", help=REPOS_HELP)],
    out: OutOpt = None,
    model: ModelOpt = None,
    api_base: ApiBaseOpt = None,
    jobs: Annotated[int, typer.Option("-j", "--jobs", help="Tasks at once.")] = 4,
    max_cost: Annotated[float | None, typer.Option(
        "--max-cost", help="Stop starting tasks once this many USD would be spent.")] = None,
    shard: Annotated[str | None, typer.Option(
        "--shard", help="K/N: take a stable 1/N of the instances.")] = None,
    only: Annotated[str | None, typer.Option(
        "--only", help="Comma-separated instance ids (or <instance_id>__<run> task folder "
                       "names).")] = None,
    retry_failed: Annotated[bool, typer.Option(
        "--retry-failed", help="Run tasks that failed in an earlier run again.")] = False,
    patch: Annotated[str | None, typer.Option(
        "--patch", help="'gold' to explain the instances' patches instead of the "
                        "trajectories' submissions.")] = None,
    eval_report: Annotated[Path | None, typer.Option(
        "--eval-report", help="The SWE-bench harness's evaluation of the instances: a report "
                              "file covering them (per-instance reports or a run summary) or a "
                              "folder of <instance_id>/report.json (e.g. logs/run_evaluation/"
                              "<run>/<model>).")] = None,
    max_input_tokens: MaxInputTokensOpt = None,
    max_repairs: MaxRepairsOpt = None,
    log: LogOpt = None,
) -> None:
    """Draft many tasks concurrently; resumable, within a budget, sharded across machines."""
    from reasondraft.batch.run import batch_from_cli

    flags = {"model": model, "api_base": api_base, "out": out, "log": log,
             "max_input_tokens": max_input_tokens, "max_repairs": max_repairs}
    batch = batch_from_cli(flags, instances=instances, trajectories=trajectories,
                           repos=repos, jobs=jobs, max_cost=max_cost, shard=shard, only=only,
                           retry_failed=retry_failed, patch=patch, eval_report=eval_report,
                           console=console)
    if batch.stopped is not None:  # as a shell reports a process a signal ended
        raise typer.Exit(128 + batch.stopped)
    raise typer.Exit(1 if any(r.status == "failed" for r in batch.records.values()) else 0)


# -- quality of a batch (docs/quality.md): compare, report, plant, calibration -------------

@app.command("compare")
def compare_command(
    a: Annotated[Path, typer.Argument(help="A draft.md or its task folder.")],
    b: Annotated[Path, typer.Argument(help="Another trace of the same task.")],
    *,
    as_json: JsonOpt = False,
) -> None:
    """Compare two traces of one task: outcome, root cause, cited lines and steps, decisions,
    hunk map and test claims, each as a figure with the differences to look at."""
    from reasondraft.quality.compare import compare
    from reasondraft.quality.report import render_comparison

    result = compare(a, b)
    print_json(result.to_json()) if as_json else render_comparison(result, console)


@app.command("plant")
def plant_command(
    drafts: Annotated[list[Path], typer.Argument(help="Approved drafts (files or folders).")],
    out: Annotated[Path, typer.Option("--out", help="The review batch to plant into.")],
    seed: Annotated[int | None, typer.Option(
        "--seed", help="Seed of the choices (default: a random one, kept in the answers).")
    ] = None,
    answers: Annotated[Path | None, typer.Option(
        "--answers", help="The sealed answer file (default: <OUT>.answers.json beside it).")
    ] = None,
    *,
    as_json: JsonOpt = False,
) -> None:
    """Copy approved drafts back to draft state, each with one defect the verifier cannot
    see, into folders with random names; seal which defect is where in an answer file."""
    from reasondraft.quality.plant import plant
    from reasondraft.quality.report import render_plant

    result = plant(drafts, out, seed=seed, answers=answers)
    print_json(result.to_json()) if as_json else render_plant(result, console)


@app.command("report")
def report_command(
    directory: Annotated[Path, typer.Argument(
        help="A folder of task folders (or one task folder).")],
    verify: Annotated[bool, typer.Option(
        "--verify", help="Verify every draft too: the check families across the batch.")
    ] = False,
    html: Annotated[Path | None, typer.Option(
        "--html", help="Also write a self-contained HTML report with plots here.")] = None,
    calibration: Annotated[Path | None, typer.Option(
        "--calibration", help="plant's answer file: add each reviewer's catch rate per "
                              "defect kind (as the calibration command).")] = None,
    repo: RepoOpt = None,
    repos: ReposOpt = None,
    *,
    as_json: JsonOpt = False,
) -> None:
    """The quality of a batch: review outcomes, rework, reject codes, rubric scores per item,
    author and reviewer, edit rate per model and section, check families, time to decision,
    and agreement between reviewers and between traces of one instance."""
    from reasondraft.files import check_output_file
    from reasondraft.quality.batch import batch_report
    from reasondraft.quality.calibration import calibrate
    from reasondraft.quality.report import render_batch, render_calibration

    if html is not None:
        check_output_file(html)  # before the work
    result = batch_report(directory, verify=verify, sources=_sources(repo, repos))
    planted = calibrate(calibration, directory) if calibration is not None else None
    if planted is not None:
        result.calibration = planted.to_json()
    if html is not None:
        from reasondraft.quality.html import write_html

        write_html(result, html)
    if as_json:
        print_json(result.to_json())
        return
    render_batch(result, console)
    if planted is not None:
        render_calibration(planted, console)
    if html is not None:
        console.print(safe(f"HTML report written to {html}"), soft_wrap=True)


@app.command("calibration")
def calibration_command(
    answers: Annotated[Path, typer.Argument(help="The answer file plant wrote.")],
    directory: Annotated[Path, typer.Argument(help="The review batch planted into.")],
    *,
    as_json: JsonOpt = False,
) -> None:
    """Each reviewer's catch rate per kind of planted defect: caught when rejected or edited
    where the defect is before approval, missed when approved with it."""
    from reasondraft.quality.calibration import calibrate
    from reasondraft.quality.report import render_calibration

    result = calibrate(answers, directory)
    print_json(result.to_json()) if as_json else render_calibration(result, console)


def main() -> None:
    """Console-script entry point.

    Pydantic looks for plugins when it builds its first model: a scan of every installed
    package's metadata (~4 ms of each start, 100 packages installed). The command line uses
    none; typer skips the scan for its own validators the same way. Setting
    ``PYDANTIC_DISABLE_PLUGINS`` yourself (even to nothing) keeps your choice."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    app_for(sys.argv[1:])()


def app_for(args: list[str]) -> typer.Typer:
    """The app holding only the command named first in ``args``, when one is: typer builds
    every registered command's parameters at each start (~0.5 ms a command, a tenth of a
    cold ``verify`` for all of them) and a run uses one. Anything else (``--help``,
    ``--version``, a misspelt name) gets the whole app."""
    named = [info for info in app.registered_commands if args and info.name == args[0]]
    if not named:
        return app
    one = copy.copy(app)
    one.registered_commands = named
    return one
