"""What the agent had seen and done by each step: file windows, test runs, edits, failures.

Evidence checks ask questions in time ("had the agent seen these lines when the trace says
it concluded this?", "did it run that test?"), so the trajectory is read once into a
:class:`History`. Windows come from what an observation *shows*, with line numbers where it
prints them: SWE-agent's ``[File: path (N lines total)]`` windows (``open``, ``goto``,
``scroll``, ``edit``), the editor's ``cat -n`` views (``view`` with ``view_range``, OpenHands
reads), ``grep -n`` hits; and from the command where it does not: ``cat``/``nl`` (the whole
file, or what a following ``head``/``tail`` keeps), ``sed -n a,bp``, ``head``/``tail``.
Each observation is scanned at most :data:`~reasondraft.trajectory.testrun.SCAN` characters
from each end, and each step once, so building it is linear in the trajectory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from reasondraft.trajectory.kinds import shell_command
from reasondraft.trajectory.model import Step, StepKind, Trajectory
from reasondraft.trajectory.paths import Workspace, looks_like_path
from reasondraft.trajectory.shell import SimpleCommand, parse_commands
from reasondraft.trajectory.testrun import TestRun, bounded, parse_test_output, same_test

_SWE_HEADER = re.compile(r"^\[File: (.+?) \((\d+) lines total\)\]$", re.MULTILINE)
_SWE_LINE = re.compile(r"^(\d+):", re.MULTILINE)
_CATN_HEADER = re.compile(r"result of running `cat -n` on (?:a snippet of )?(\S+?):?$",
                          re.MULTILINE)
_CATN_LINE = re.compile(r"^ *(\d+)\t", re.MULTILINE)
_GREP_HIT = re.compile(r"^(\d+)[:-]", re.MULTILINE)
_GREP_FILE_HIT = re.compile(r"^([^\s:]+):(\d+):", re.MULTILINE)
_SED_RANGE = re.compile(r"^(\d+)(?:,(\d+))?p$")
_TRACEBACK_END = re.compile(r"^Traceback \(most recent call last\):\n(?:.*\n)*?"
                            r"[\w.]*(?:Error|Exception|Interrupt|Exit)\b[^\n]*\n*\Z",
                            re.MULTILINE)
_REJECTED = ("Your proposed edit has introduced new syntax error", "No replacement was "
             "performed", "Invalid `path` parameter")
SHOWING = (StepKind.VIEW, StepKind.SEARCH, StepKind.EDIT)  # kinds whose output may show code
VIEWERS = frozenset({"cat", "nl", "bat", "less", "more"})
RUNNERS = ("runtests.py", "pytest", "py.test", "manage.py")
EDIT_TEXT_KEYS = ("new_str", "file_text", "replacement_text", "content", "new_content",
                  "insert_text", "text")


@dataclass(frozen=True)
class Window:
    """Lines of ``path`` step ``step`` showed: ``start``..``end`` (``end`` None: to the end
    of the file), or the last ``tail`` lines. ``edited`` says the agent had changed the file
    before, so the numbers are those of its copy (``total`` lines long, when printed)."""

    step: int
    start: int
    end: int | None
    edited: bool = False
    total: int | None = None
    tail: int = 0


@dataclass(frozen=True)
class Edit:
    """An edit of ``path`` at ``step``; ``added`` holds the non-blank lines it writes
    (stripped), empty when the tool does not say."""

    step: int
    path: str
    added: tuple[str, ...]


@dataclass(frozen=True)
class Failure:
    """A failure event of the agent path, named with the kinds the trace uses."""

    kind: str
    steps: tuple[int, ...]
    what: str


@dataclass
class History:
    windows: dict[str, list[Window]] = field(default_factory=dict)
    runs: dict[int, TestRun] = field(default_factory=dict)
    test_commands: dict[int, str] = field(default_factory=dict)
    first_edit: dict[str, int] = field(default_factory=dict)
    edits: list[Edit] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    def seen(self, path: str, by_step: int) -> list[Window]:
        """The windows of ``path`` shown at or before ``by_step``."""
        return [w for w in self.windows.get(path, []) if w.step <= by_step]

    def ran(self, test_id: str, by_step: int) -> bool:
        """True if a test run at or before ``by_step`` ran the test."""
        return any(self.ran_at(step, test_id) for step in self.test_commands if step <= by_step)

    def ran_at(self, step: int, test_id: str) -> bool:
        """True if the test run of ``step`` ran the test: its output names it, or its
        command names it, its file or a directory or module holding it, or names no file at
        all (the whole suite)."""
        command = self.test_commands.get(step)
        if command is None:
            return False
        run = self.runs.get(step)
        if run and any(same_test(test_id, p) for p in run.failing + run.passing):
            return True
        file = test_id.split("::", 1)[0].split(" ", 1)[0]
        name = test_id.rsplit("::", 1)[-1].split("[", 1)[0].split(" ", 1)[0]
        if "::" in command or " -k" in command:
            return name in command
        targets = [_target(w) for w in command.split()[1:]
                   if looks_like_path(w) and not w.endswith(RUNNERS)]
        return not targets or any(file == t or file.startswith(t + "/") or t.endswith("/" + file)
                                  for t in targets)


def _target(word: str) -> str:
    """A test command's operand as a path prefix: ``./tests/`` -> ``tests``, a dotted
    module (Django) -> its path."""
    word = word.removeprefix("./").rstrip("/")
    if "/" not in word and not word.endswith(".py"):
        word = word.replace(".", "/")
    return word


def build_history(trajectory: Trajectory) -> History:
    """Read a trajectory once into what the agent saw, ran and changed, step by step."""
    history = History()
    workspace = Workspace(trajectory.workspace_root)
    for step in trajectory.steps:
        text = bounded(step.observation.text).replace("\r\n", "\n") if step.observation else ""
        command = shell_command(step.action.name, step.action.arguments)
        if command is None and step.action.name == "bash":
            command = step.action.arguments.get("command")
        _edits(history, step, text)
        _windows(history, step, text, command, workspace)
        if step.kind is StepKind.TEST:
            history.test_commands[step.number] = command or step.action.text
            run = parse_test_output(text)
            if run is not None:
                history.runs[step.number] = run
        _failures(history, step, text)
    return history


def _add(history: History, path: str | None, window: Window) -> None:
    if path:
        edited = history.first_edit.get(path, window.step + 1) <= window.step
        history.windows.setdefault(path, []).append(
            Window(window.step, window.start, window.end, edited, window.total, window.tail))


def _windows(history: History, step: Step, text: str, command: Any,
             workspace: Workspace) -> None:
    shown = False
    for header, body in _segments(_SWE_HEADER, text):
        numbers = [int(n) for n in _SWE_LINE.findall(body)]
        if numbers:
            _add(history, workspace.relative(header.group(1)),
                 Window(step.number, min(numbers), max(numbers), total=int(header.group(2))))
            shown = True
    for header, body in _segments(_CATN_HEADER, text):
        numbers = [int(n) for n in _CATN_LINE.findall(body)]
        if numbers:
            _add(history, workspace.relative(header.group(1)),
                 Window(step.number, min(numbers), max(numbers)))
            shown = True
    if shown:
        return
    args = step.action.arguments
    span = args.get("view_range")
    if isinstance(span, list) and len(span) == 2 and all(isinstance(n, int) for n in span) \
            and step.kind is StepKind.VIEW and step.paths:
        end = span[1] if span[1] > 0 else None
        _add(history, step.paths[0], Window(step.number, max(span[0], 1), end))
    elif isinstance(command, str) and text.strip() and step.kind in SHOWING:
        _shell_windows(history, step, text, command, workspace)
    elif step.kind is StepKind.VIEW and step.action.name in ("read", "read_file") and \
            step.paths and text.strip():
        _add(history, step.paths[0], Window(step.number, 1, None))


def _segments(header: re.Pattern[str], text: str) -> list[tuple[re.Match[str], str]]:
    """Each header match with the text up to the next one."""
    matches = list(header.finditer(text))
    ends = [m.start() for m in matches[1:]] + [len(text)] if matches else []
    return [(m, text[m.end():end]) for m, end in zip(matches, ends, strict=True)]


def _files(cmd: SimpleCommand, *, skip_first: bool = False) -> list[str]:
    words = [a for a in cmd.args if not a.startswith("-")]
    if skip_first:
        words = words[1:]
    return [w for w in words if looks_like_path(w)]


def _count(cmd: SimpleCommand, default: int = 10) -> tuple[int, bool]:
    """``head``/``tail``'s line count, and whether it is ``+K`` (from line K on)."""
    args = list(cmd.args)
    for index, arg in enumerate(args):
        value = None
        if arg in ("-n", "--lines") and index + 1 < len(args):
            value = args[index + 1]
        elif arg.startswith("--lines="):
            value = arg.split("=", 1)[1]
        elif re.fullmatch(r"-n?\+?\d+", arg):
            value = arg.lstrip("-n")
        if value is not None:
            plus = value.startswith("+")
            return (int(value.lstrip("+")) if value.lstrip("+").isdigit() else default), plus
    return default, False


def _shell_windows(history: History, step: Step, text: str, command: str,
                   workspace: Workspace) -> None:
    commands = parse_commands(command)
    cwd: str | None = None
    for index, cmd in enumerate(commands):
        program = cmd.program
        after = commands[index + 1] if index + 1 < len(commands) else None
        if program == "cd" and cmd.args:
            cwd = workspace.directory(cmd.args[0], cwd)
            continue
        if program in VIEWERS or program in ("head", "tail", "sed", "grep"):
            names = _files(cmd, skip_first=program in ("sed", "grep"))
            if program == "sed" and ("-n" not in cmd.args or len(names) != 1):
                continue
            for name in names[:1] if program != "grep" else names:
                path = workspace.relative(name, cwd)
                _shell_window(history, step, text, cmd, after, path, len(names))


def _shell_window(history: History, step: Step, text: str, cmd: SimpleCommand,
                  after: SimpleCommand | None, path: str | None, files: int) -> None:
    """The window one simple command (with the filter piped after it) showed of ``path``."""
    n = step.number
    program = cmd.program
    if program in VIEWERS and after is not None and \
            not _files(after, skip_first=after.program == "grep"):
        cmd, program = after, after.program  # cat FILE | head -50, cat FILE | grep -n x
    if program in VIEWERS:
        _add(history, path, Window(n, 1, None))
    elif program == "head":
        count, _ = _count(cmd)
        _add(history, path, Window(n, 1, count))
    elif program == "tail":
        count, plus = _count(cmd)
        _add(history, path, Window(n, count, None) if plus else Window(n, 1, None, tail=count))
    elif program == "sed":
        script = next((a for a in cmd.args if _SED_RANGE.match(a)), None)
        match = _SED_RANGE.match(script) if script else None
        if match:
            first = int(match.group(1))
            _add(history, path, Window(n, first, int(match.group(2) or first)))
    elif program == "grep" and any(a.startswith("-") and "n" in a[1:] and not a.startswith("--")
                                   for a in cmd.args):
        if files <= 1:
            for number in _GREP_HIT.findall(text):
                _add(history, path, Window(n, int(number), int(number)))
        else:
            for name, number in _GREP_FILE_HIT.findall(text):
                if path and (name == path or name.endswith("/" + path)):
                    _add(history, path, Window(n, int(number), int(number)))


def _edits(history: History, step: Step, text: str) -> None:
    if step.kind is not StepKind.EDIT:
        return
    if any(marker in text for marker in _REJECTED):
        history.failures.append(Failure("tool error", (step.number,),
                                        f"the edit was rejected: {step.action.text[:60]}"))
        return
    added = _added_lines(step.action.arguments)
    for path in step.paths:
        history.first_edit.setdefault(path, step.number)
        history.edits.append(Edit(step.number, path, added))


def _added_lines(arguments: dict[str, Any]) -> tuple[str, ...]:
    """The non-blank lines an edit writes, as its tool call gives them."""
    for key in EDIT_TEXT_KEYS:
        value = arguments.get(key)
        if isinstance(value, str):
            return tuple(line.strip() for line in value.splitlines() if line.strip())
    command = arguments.get("command")
    if isinstance(command, str) and command.startswith("edit ") and "\n" in command:
        body = command.split("\n", 1)[1].rsplit("end_of_edit", 1)[0]
        return tuple(line.strip() for line in body.splitlines() if line.strip())
    return ()


def _failures(history: History, step: Step, text: str) -> None:
    run = history.runs.get(step.number)
    code = step.observation.exit_code if step.observation else None
    what = step.action.text[:60]
    if run is not None and run.ok is False:
        history.failures.append(Failure("failed run", (step.number,),
                                        f"{what} ({run.says()})"))
    elif code not in (None, 0) and not (step.kind is StepKind.SEARCH and code == 1):
        history.failures.append(Failure("failed run", (step.number,), f"{what} (exit {code})"))
    elif code is None and step.kind in (StepKind.RUN, StepKind.TEST) and \
            _TRACEBACK_END.search(text[-4000:]):
        history.failures.append(Failure("failed run", (step.number,),
                                        f"{what} (ended in a traceback)"))
