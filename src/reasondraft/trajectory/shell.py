"""Split an agent's shell command into simple commands, without ever running it.

Kinds and paths are read from the words of each simple command (``cd /testbed && python
-m pytest tests/x.py | head`` is three), so this module does the shell-aware part once:
heredoc bodies and SWE-agent ``edit`` bodies are dropped (they are file content, not
commands), quotes are honoured, wrappers such as ``timeout 60`` or ``xargs`` and leading
``VAR=value`` assignments are peeled off, and redirections are kept apart from the words.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass

SEPARATORS = frozenset({"&&", "||", ";", ";;", "|", "|&", "&", "\n", "(", ")"})
OUTPUT_REDIRECTS = frozenset({">", ">>", ">|", "&>", "&>>"})
FD_REDIRECTS = frozenset({">&", "<&"})
WRAPPERS = frozenset({"sudo", "time", "nohup", "exec", "command", "builtin", "env", "nice"})
BODY_COMMANDS = frozenset({"edit", "insert", "append", "plan"})  # SWE-agent, CodeR: body text

_HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][\w.-]*)\1")
_ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")
_EXTRA_WORDCHARS = ":@%+,^[]{}!#$"


@dataclass(frozen=True)
class SimpleCommand:
    """One program invocation: its words, and the files it redirects output to or from."""

    words: tuple[str, ...]
    writes: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()

    @property
    def program(self) -> str:
        """The program's base name (``./runtests.py`` -> ``runtests.py``), or ''."""
        return posixpath.basename(self.words[0]) if self.words else ""

    @property
    def args(self) -> tuple[str, ...]:
        return self.words[1:]


def strip_bodies(command: str) -> str:
    """The command lines without heredoc bodies or SWE-agent edit text."""
    lines = command.replace("\\\n", " ").split("\n")
    first = lines[0].split(maxsplit=1)
    if first and first[0] in BODY_COMMANDS and len(lines) > 1:
        return lines[0]
    kept: list[str] = []
    pending: list[str] = []
    for line in lines:
        if pending:
            if line.strip() == pending[0]:
                pending.pop(0)
            continue
        kept.append(line)
        pending = [match.group(2) for match in _HEREDOC.finditer(line)]
    return "\n".join(kept)


def tokenize(script: str) -> list[str]:
    """Shell words and operators; newlines are kept as separators. Never raises."""
    lexer = shlex.shlex(script, posix=True, punctuation_chars=True)
    lexer.whitespace = " \t\r"
    lexer.commenters = ""
    lexer.wordchars += _EXTRA_WORDCHARS
    try:
        return list(lexer)
    except ValueError:  # unbalanced quotes: fall back to plain words per line
        tokens: list[str] = []
        for line in script.split("\n"):
            tokens.extend(line.split())
            tokens.append("\n")
        return tokens


def _peel(words: list[str]) -> list[str]:
    """Drop leading assignments and wrappers (``timeout 60``, ``xargs -0``) to reach
    the program that does the work."""
    while words:
        head = posixpath.basename(words[0])
        if _ASSIGNMENT.match(words[0]) or head in WRAPPERS:
            words = words[1:]
        elif head in ("timeout", "xargs"):
            rest = words[1:]
            while rest and rest[0].startswith("-"):
                rest = rest[1:]
            words = rest[1:] if head == "timeout" else rest  # timeout's duration
        else:
            break
    return words


def _simple(tokens: list[str]) -> SimpleCommand | None:
    """Build one SimpleCommand from the tokens between two separators."""
    words: list[str] = []
    writes: list[str] = []
    reads: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        target = tokens[index + 1] if index + 1 < len(tokens) else ""
        if token in OUTPUT_REDIRECTS or token == "<" or token in FD_REDIRECTS or token == "<<":
            if words and words[-1].isdigit():
                words.pop()  # the fd number of 2> or 1>>
            if token in OUTPUT_REDIRECTS and target and target != "/dev/null":
                writes.append(target)
            elif token == "<" and target:
                reads.append(target)
            index += 2
            continue
        words.append(token)
        index += 1
    words = _peel(words)
    if not words and not writes:
        return None
    return SimpleCommand(tuple(words), tuple(writes), tuple(reads))


def parse_commands(command: str) -> list[SimpleCommand]:
    """The simple commands of a shell command line, in order."""
    commands: list[SimpleCommand] = []
    current: list[str] = []
    for token in [*tokenize(strip_bodies(command)), "\n"]:
        if token in SEPARATORS:
            simple = _simple(current)
            if simple is not None:
                commands.append(simple)
            current = []
        else:
            current.append(token)
    return commands
