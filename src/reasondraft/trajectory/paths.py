"""Repo-relative paths of the files a step touched.

Agents run inside a container where the repository sits at a workspace root (``/testbed``,
``/repo``, ``/app`` (Harbor), ``/<owner>__<name>``, ``/workspace/<owner>__<name>__<ver>``,
or the run's working directory). :class:`Workspace` strips that root; paths outside it
(``/tmp``, ``/dev/null``, site-packages) are dropped: a reference must name a repo file.
Paths are read from tool arguments and from the words of shell commands — never from
observations, which list files the agent did not necessarily touch.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from typing import Any

from reasondraft.trajectory.kinds import EDITORS, shell_command
from reasondraft.trajectory.shell import SimpleCommand, parse_commands

ROOT_PATTERN = re.compile(
    r"^(/testbed|/repo|/app|/workspace/[\w.-]+__[\w.-]+|/[A-Za-z0-9][\w.-]*__[\w.-]+)(?=/|$)")
PATH_KEYS = ("path", "paths", "file_path", "filename", "file", "filepath", "target_file",
             "notebook_path", "dir_path", "directory")
_PATH_CHARS = re.compile(r"^[\w./+@-]+$")
_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,9}$")
_ABSOLUTE = re.compile(r"(?<![\w.])/[\w.+-]+(?:/[\w.+-]+)*")

# Programs whose first operand is a pattern or a script, not a file.
PATTERN_FIRST = frozenset({"grep", "egrep", "fgrep", "rg", "ag", "ack", "sed", "awk",
                           "search_dir", "search_file", "find_file"})
# Programs whose operands are never repository files.
NO_FILES = frozenset({"echo", "printf", "cd", "export", "pip", "pip3", "conda", "apt-get",
                      "apt", "npm", "yarn", "which", "plan", "succeed", "fail", "submit",
                      "sleep", "kill", "ps", "curl", "wget", "make", "tox"})
# SWE-agent commands that act on the file open in its editor.
ON_OPEN_FILE = frozenset({"edit", "goto", "scroll_up", "scroll_down", "insert", "append"})
GIT_FILE_SUBCOMMANDS = frozenset({"diff", "log", "add", "rm", "mv", "checkout", "restore",
                                  "blame", "apply", "ls-files"})


def guess_root(paths: Iterable[str]) -> str | None:
    """The first well-known workspace root (``/testbed``, ``/<owner>__<name>``, ...) that
    one of ``paths`` lies in, or None."""
    for path in paths:
        match = ROOT_PATTERN.match(path)
        if match:
            return match.group(1)
    return None


def root_in_texts(texts: Iterable[str]) -> str | None:
    """The first well-known workspace root mentioned in ``texts`` (tool arguments)."""
    return guess_root(m for text in texts for m in _ABSOLUTE.findall(text[:4000]))


def looks_like_path(word: str) -> bool:
    """A shell word that names a file: has a slash or an extension, no glob or URL."""
    if not word or word.startswith(("-", "~")) or not _PATH_CHARS.match(word):
        return False
    if word.strip("./") == "":
        return False
    return "/" in word or bool(_EXTENSION.search(word))


class Workspace:
    """The root the agent's repository was mounted at, and the mapping to repo paths."""

    def __init__(self, root: str | None) -> None:
        self.root = root.rstrip("/") if root and root != "/" else None

    def relative(self, path: str, cwd: str | None = None) -> str | None:
        """``path`` relative to the repository, or None when it lies outside it."""
        path = path.strip()
        if not path:
            return None
        if not path.startswith("/"):
            base = cwd or self.root
            path = posixpath.join(base, path) if base else path
        if path.startswith("/"):
            root = self.root or guess_root([path])
            if root is None or not (path == root or path.startswith(root + "/")):
                return None
            path = path[len(root) + 1:]
        path = posixpath.normpath(path) if path else "."
        if path == "." or path == ".." or path.startswith("../"):
            return None
        return path

    def unrooted(self, text: str) -> str:
        """``text`` with each absolute path inside the repository written repo-relative and
        the root itself as ``.``, for display (``view /workspace/a__b__1.0/x.py`` reads
        ``view x.py``); other paths (``/tmp/x``) stay as written."""
        return _ABSOLUTE.sub(lambda match: self._unrooted_path(match.group()), text)

    def _unrooted_path(self, path: str) -> str:
        root = self.root or guess_root([path])
        return "." if path == root else self.relative(path) or path

    def directory(self, path: str, cwd: str | None) -> str:
        """The absolute (or, with no root known, relative) directory ``cd path`` enters."""
        base = cwd or self.root or ""
        return posixpath.normpath(posixpath.join(base, path)) if base else path


def _operands(cmd: SimpleCommand) -> list[str]:
    """The words of ``cmd`` that may name files, by the program's argument conventions."""
    program, args = cmd.program, list(cmd.args)
    positionals = [a for a in args if not a.startswith("-")]
    if program in NO_FILES:
        return []
    if program in EDITORS:
        return positionals[1:2]
    if program == "find":
        leading = []
        for arg in args:
            if arg.startswith(("-", "(", "!")):
                break
            leading.append(arg)
        return leading
    if program == "git":
        sub = positionals[0] if positionals else ""
        return positionals[1:] if sub in GIT_FILE_SUBCOMMANDS else []
    if re.match(r"^python[\d.]*$", program):
        if "-c" in args:
            return []
        if "-m" in args:
            after = args[args.index("-m") + 2:]
            return [a for a in after if not a.startswith("-")]
        return positionals
    if program in PATTERN_FIRST and not any(a in ("-e", "-f") for a in args):
        return positionals[1:]
    return positionals


def _clean(word: str) -> str:
    """A pytest node id names its file: ``tests/t.py::T::test[x]`` -> ``tests/t.py``."""
    return word.split("::", 1)[0]


def command_paths(command: str, workspace: Workspace, cwd: str | None = None,
                  open_file: str | None = None) -> list[str]:
    """Repo-relative paths a shell command names, following ``cd`` within the command.

    ``open_file`` is SWE-agent's open file, which ``edit``/``goto``/``scroll_*`` and a
    ``search_file`` without a file argument act on.
    """
    found: list[str] = []
    for cmd in parse_commands(command):
        if cmd.program == "cd" and cmd.args:
            cwd = workspace.directory(cmd.args[0], cwd)
            continue
        words = [_clean(w) for w in _operands(cmd)]
        candidates = [w for w in words if looks_like_path(w)] + list(cmd.writes + cmd.reads)
        uses_open_file = cmd.program in ON_OPEN_FILE or (
            cmd.program == "search_file" and len(cmd.args) < 2)
        if uses_open_file and open_file:
            candidates.append(open_file)
        found.extend(p for p in (workspace.relative(c, cwd) for c in candidates) if p)
    return unique(found)


def tool_paths(name: str, arguments: dict[str, Any], workspace: Workspace,
               cwd: str | None = None) -> list[str]:
    """Repo-relative paths named by a tool call's arguments (and its command, for shells)."""
    found: list[str] = []
    for key in PATH_KEYS:
        value = arguments.get(key)
        values = value if isinstance(value, list) else [value]
        found.extend(p for v in values if isinstance(v, str)
                     for p in [workspace.relative(v, cwd)] if p)
    command = shell_command(name, arguments)
    if command is not None:
        found.extend(command_paths(command, workspace, cwd))
    return unique(found)


def unique(items: Iterable[str]) -> list[str]:
    """Items in first-seen order without repeats."""
    return list(dict.fromkeys(items))
