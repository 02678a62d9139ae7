"""What kind of step an action is: view, search, edit, run, test, submit, think, message.

Shell commands are classified per simple command (see :mod:`shell`) and the strongest kind
wins, so ``cd /testbed && python -m pytest -x 2>&1 | tail`` is a test run and
``echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && cat patch.txt`` a submission. Tool calls are
classified by tool name, with shell tools falling through to their command.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from reasondraft.trajectory.model import StepKind
from reasondraft.trajectory.shell import SimpleCommand, parse_commands

# Strongest first: a command that edits and then views is an edit.
PRIORITY = (StepKind.SUBMIT, StepKind.EDIT, StepKind.TEST, StepKind.RUN, StepKind.SEARCH,
            StepKind.VIEW, StepKind.THINK, StepKind.MESSAGE, StepKind.OTHER)

SUBMIT_MARKERS = ("COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT", "MINI_SWE_AGENT_FINAL_OUTPUT")
NEUTRAL = frozenset({"cd", "pushd", "popd", "true", "export", "set", "source", ".", "echo",
                     "printf", "pwd", "clear", "sleep"})
VIEW = frozenset({"cat", "head", "tail", "less", "more", "nl", "bat", "open", "goto",
                  "scroll_up", "scroll_down", "view", "ls", "tree", "wc", "stat", "file", "diff",
                  "filemap", "read", "read_file", "view_file", "open_file", "list_dir",
                  "list_files", "readfile"})
SEARCH = frozenset({"grep", "egrep", "fgrep", "rg", "ag", "ack", "find", "fd", "locate",
                    "search_dir", "search_file", "find_file", "glob", "which", "whereis",
                    "search", "codebase_search", "file_search"})
EDIT = frozenset({"edit", "create", "insert", "append", "str_replace", "patch", "touch",
                  "write", "write_file", "create_file", "edit_file", "multiedit",
                  "apply_patch", "replace", "undo_edit", "notebookedit"})
TEST = frozenset({"pytest", "py.test", "tox", "nox", "nosetests", "nose2", "runtests",
                  "runtests.py", "trial", "run_tests"})
TEST_MODULES = frozenset({"pytest", "unittest", "nose", "nose2", "tox"})
TEST_SUBCOMMAND = frozenset({"go", "cargo", "npm", "yarn", "pnpm", "mvn", "gradle", "gradlew",
                             "dotnet", "bun", "deno"})
SUBMIT = frozenset({"submit", "finish", "task_complete", "complete", "attempt_completion"})
THINK = frozenset({"think", "plan", "reflect"})
MESSAGE = frozenset({"message", "send_message", "ask_user", "respond", "succeed", "fail"})
EDITORS = frozenset({"str_replace_editor", "str_replace_based_edit_tool", "text_editor",
                     "edit_file", "file_editor"})
SHELLS = frozenset({"bash", "execute_bash", "shell", "run", "run_command", "terminal", "exec",
                    "execute_command", "run_shell_command", "cmd", "sh", "execute"})
GIT_VIEW = frozenset({"diff", "show", "log", "status", "blame", "ls-files"})
GIT_EDIT = frozenset({"apply", "am"})
_PYTHON = re.compile(r"^python[\d.]*$")


def strongest(kinds: Iterable[StepKind]) -> StepKind | None:
    """The highest-priority kind among ``kinds``, or None when there are none."""
    found = set(kinds)
    return next((kind for kind in PRIORITY if kind in found), None)


def _python_kind(args: tuple[str, ...]) -> StepKind:
    if "-m" in args:
        module = args[args.index("-m") + 1] if args.index("-m") + 1 < len(args) else ""
        return StepKind.TEST if module in TEST_MODULES else StepKind.RUN
    script = next((a for a in args if not a.startswith("-")), "")
    return StepKind.TEST if script.rsplit("/", 1)[-1] in TEST else StepKind.RUN


def _sed_kind(args: tuple[str, ...]) -> StepKind:
    in_place = any(a == "--in-place" or (a.startswith("-i") and not a.startswith("--"))
                   for a in args)
    return StepKind.EDIT if in_place else StepKind.VIEW


def _perl_kind(args: tuple[str, ...]) -> StepKind:
    in_place = any(a.startswith("-") and not a.startswith("--") and "i" in a[1:] for a in args)
    return StepKind.EDIT if in_place else StepKind.RUN


def _git_kind(args: tuple[str, ...]) -> StepKind:
    sub = next((a for a in args if not a.startswith("-")), "")
    if sub in GIT_VIEW:
        return StepKind.VIEW
    if sub == "grep":
        return StepKind.SEARCH
    return StepKind.EDIT if sub in GIT_EDIT else StepKind.RUN


def _simple_kind(cmd: SimpleCommand) -> StepKind | None:
    """The kind of one simple command; None for commands that decide nothing (``cd``).
    A view or search whose output goes to a file (``git diff > patch.txt``) showed the
    agent nothing: it is a run."""
    kind = _program_kind(cmd)
    if cmd.captured and kind in (StepKind.VIEW, StepKind.SEARCH):
        return StepKind.RUN
    return kind


def _program_kind(cmd: SimpleCommand) -> StepKind | None:
    """The kind the program and its arguments imply."""
    program, args = cmd.program, cmd.args
    if program in ("echo", "printf") and any(m in a for a in args for m in SUBMIT_MARKERS):
        return StepKind.SUBMIT
    if cmd.writes and program in ("cat", "echo", "printf", "tee", ""):
        return StepKind.EDIT
    if program == "tee" and args:
        return StepKind.EDIT
    if program in NEUTRAL:
        return None
    if program in EDITORS:
        return StepKind.VIEW if args[:1] == ("view",) else StepKind.EDIT
    if _PYTHON.match(program):
        return _python_kind(args)
    special = {"sed": _sed_kind, "perl": _perl_kind, "git": _git_kind}.get(program)
    if special:
        return special(args)
    if program == "make" and any(a.startswith(("test", "check")) for a in args):
        return StepKind.TEST
    if program in TEST_SUBCOMMAND and "test" in args[:2]:
        return StepKind.TEST
    return _name_kind(program)


def _name_kind(name: str) -> StepKind | None:
    """The kind a tool or program name implies on its own, or None if it says nothing."""
    for names, kind in ((SUBMIT, StepKind.SUBMIT), (EDIT, StepKind.EDIT),
                        (TEST, StepKind.TEST), (SEARCH, StepKind.SEARCH),
                        (VIEW, StepKind.VIEW), (THINK, StepKind.THINK),
                        (MESSAGE, StepKind.MESSAGE)):
        if name in names:
            return kind
    if "search" in name:
        return StepKind.SEARCH
    if name.startswith("exit_"):  # SWE-agent's exit_cost, exit_context, exit_format
        return StepKind.OTHER
    return None


def classify_command(command: str) -> StepKind:
    """The kind of a shell command line (RUN when nothing more specific applies)."""
    commands = parse_commands(command)
    if not commands:
        return StepKind.MESSAGE if not command.strip() else StepKind.RUN
    kinds = [_simple_kind(cmd) or (StepKind.RUN if cmd.program not in NEUTRAL else None)
             for cmd in commands]
    return strongest(k for k in kinds if k is not None) or StepKind.RUN


def shell_command(name: str, arguments: dict[str, Any]) -> str | None:
    """The command line a tool call runs, when the tool is a shell; else None."""
    command = arguments.get("command", arguments.get("cmd"))
    lowered = name.lower()
    is_shell = lowered in SHELLS or any(word in lowered for word in ("bash", "shell"))
    return command if is_shell and isinstance(command, str) else None


def classify_tool(name: str, arguments: dict[str, Any]) -> StepKind:
    """The kind of a tool call, from its name and (for shells and editors) its arguments."""
    command = shell_command(name, arguments)
    if command is not None:
        return classify_command(command)
    lowered = name.lower()
    if lowered in EDITORS:
        return StepKind.VIEW if arguments.get("command") == "view" else StepKind.EDIT
    return _name_kind(lowered) or StepKind.OTHER
