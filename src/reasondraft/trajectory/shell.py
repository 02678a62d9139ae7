"""Split an agent's shell command into simple commands, without ever running it.

Kinds and paths are read from the words of each simple command (``cd /testbed && python
-m pytest tests/x.py | head`` is three), so this module does the shell-aware part once:
heredoc bodies and SWE-agent ``edit`` bodies are dropped (they are file content, not
commands), quotes are honoured, wrappers such as ``timeout 60`` or ``xargs`` and leading
``VAR=value`` assignments are peeled off, and redirections are kept apart from the words.

The tokenizer reads words the way ``shlex`` does in POSIX mode with punctuation characters,
but consumes runs of plain characters at once, so its time is linear in the command (shlex
grows each token a character at a time: a 1.6 MB quoted argument took a minute). Only the
first :data:`MAX_COMMAND_CHARS` characters of a command are tokenized: kinds and paths come
from the start of a command, and an agent's megabyte-long ``python -c`` script holds none.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections import deque
from dataclasses import dataclass

SEPARATORS = frozenset({"&&", "||", ";", ";;", "|", "|&", "&", "\n", "(", ")"})
OUTPUT_REDIRECTS = frozenset({">", ">>", ">|", "&>", "&>>"})
FD_REDIRECTS = frozenset({">&", "<&"})
WRAPPERS = frozenset({"sudo", "time", "nohup", "exec", "command", "builtin", "env", "nice"})
BODY_COMMANDS = frozenset({"edit", "insert", "append", "plan"})  # SWE-agent, CodeR: body text

_HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][\w.-]*)\1")
_ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")
_EXTRA_WORDCHARS = ":@%+,^[]{}!#$"

MAX_COMMAND_CHARS = 100_000  # of a command (bodies dropped) read for its kinds and paths

# The character classes of shlex(posix=True, punctuation_chars=True) with our additions.
_WORDCHARS = shlex.shlex(posix=True, punctuation_chars=True).wordchars + _EXTRA_WORDCHARS
_PUNCTUATION = "();<>|&"
_BLANKS = " \t\r"
_WORD_RUN = re.compile(f"[{re.escape(_WORDCHARS)}]+")
_PUNCTUATION_RUN = re.compile(f"[{re.escape(_PUNCTUATION)}]+")
_BLANK_RUN = re.compile(f"[{_BLANKS}]*")
_DOUBLE_QUOTED_RUN = re.compile(r'[^"\\]*')


class _Unbalanced(ValueError):
    """An unclosed quote or a trailing backslash: shlex would raise here."""


@dataclass(frozen=True)
class SimpleCommand:
    """One program invocation: its words, and the files it redirects output to or from.
    ``captured``: its standard output goes to a file, so the agent saw none of it."""

    words: tuple[str, ...]
    writes: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    captured: bool = False

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
    pending: deque[str] = deque()  # heredoc delimiters still to see, in order
    for line in lines:
        if pending:
            if line.strip() == pending[0]:
                pending.popleft()
            continue
        kept.append(line)
        pending = deque(match.group(2) for match in _HEREDOC.finditer(line))
    return "\n".join(kept)


def tokenize(script: str) -> list[str]:
    """Shell words and operators; newlines are kept as separators. Never raises."""
    complete = len(script) <= MAX_COMMAND_CHARS
    try:
        return _tokens(script if complete else script[:MAX_COMMAND_CHARS], complete=complete)
    except _Unbalanced:  # unbalanced quotes: fall back to plain words per line
        tokens: list[str] = []
        for line in script.split("\n"):
            tokens.extend(line.split())
            tokens.append("\n")
        return tokens


def _tokens(script: str, *, complete: bool) -> list[str]:
    """The tokens shlex gives for ``script``; a cut ``script`` (not ``complete``) may end
    inside a quote or after a backslash, which then just ends the last word."""
    tokens: list[str] = []
    n = len(script)
    pos = _BLANK_RUN.match(script, 0).end()  # type: ignore[union-attr]
    while pos < n:
        char = script[pos]
        if char in _PUNCTUATION:
            run = _PUNCTUATION_RUN.match(script, pos)
            assert run is not None
            tokens.append(run.group())
            pos = run.end()
        elif char in _WORDCHARS or char in "'\"\\":
            word, pos = _word(script, pos, complete=complete)
            tokens.append(word)
        else:  # any other character is a token of its own, as in shlex ("\n" among them)
            tokens.append(char)
            pos += 1
        pos = _BLANK_RUN.match(script, pos).end()  # type: ignore[union-attr]
    return tokens


def _word(script: str, pos: int, *, complete: bool) -> tuple[str, int]:
    """The word starting at ``pos`` (plain runs, quotes, escapes) and where it ends."""
    parts: list[str] = []
    n = len(script)
    while pos < n:
        char = script[pos]
        if char == "'":
            close = script.find("'", pos + 1)
            if close < 0:
                if complete:
                    raise _Unbalanced("no closing quotation")
                parts.append(script[pos + 1:])
                return "".join(parts), n
            parts.append(script[pos + 1:close])
            pos = close + 1
        elif char == '"':
            pos = _double_quoted(script, pos + 1, parts, complete=complete)
        elif char == "\\":
            if pos + 1 >= n:
                if complete:
                    raise _Unbalanced("no escaped character")
                return "".join(parts), n
            parts.append(script[pos + 1])
            pos += 2
        elif char in _WORDCHARS:
            run = _WORD_RUN.match(script, pos)
            assert run is not None
            parts.append(run.group())
            pos = run.end()
        else:  # a blank, an operator or another character ends the word
            break
    return "".join(parts), pos


def _double_quoted(script: str, pos: int, parts: list[str], *, complete: bool) -> int:
    """Read a double-quoted part from just after its quote; return the index after it.
    A backslash escapes only ``"`` and itself, as in shlex."""
    n = len(script)
    while True:
        run = _DOUBLE_QUOTED_RUN.match(script, pos)
        assert run is not None
        parts.append(run.group())
        pos = run.end()
        if pos >= n:
            if complete:
                raise _Unbalanced("no closing quotation")
            return n
        if script[pos] == '"':
            return pos + 1
        if pos + 1 >= n:  # a backslash at the very end
            if complete:
                raise _Unbalanced("no escaped character")
            return n
        escaped = script[pos + 1]
        parts.append(escaped if escaped in '"\\' else "\\" + escaped)
        pos += 2


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
    captured = False
    index = 0
    while index < len(tokens):
        token = tokens[index]
        target = tokens[index + 1] if index + 1 < len(tokens) else ""
        if token in OUTPUT_REDIRECTS or token == "<" or token in FD_REDIRECTS or token == "<<":
            fd = words.pop() if words and words[-1].isdigit() else "1"  # of 2> or 1>>
            if token in OUTPUT_REDIRECTS and target and target != "/dev/null":
                writes.append(target)
                captured = captured or fd == "1"
            elif token == "<" and target:
                reads.append(target)
            index += 2
            continue
        words.append(token)
        index += 1
    words = _peel(words)
    if not words and not writes:
        return None
    return SimpleCommand(tuple(words), tuple(writes), tuple(reads), captured)


def parse_commands(command: str) -> list[SimpleCommand]:
    """The simple commands of a shell command line, in order.

    A parenthesis among a command's words is a word (``search_file builtin_str(method)``,
    ``find . \\( -name a -o -name b \\)``): bash opens a subshell only where a command
    starts or after ``$``, and reading ``method`` as a program made a search a run."""
    commands: list[SimpleCommand] = []
    current: list[str] = []
    open_words = 0  # parentheses read as words and not yet closed
    for token in [*tokenize(strip_bodies(command)), "\n"]:
        opens = token == "(" and bool(current) and not current[-1].endswith("$")
        if opens or (token == ")" and open_words):
            open_words += 1 if opens else -1
            current.append(token)
        elif token in SEPARATORS:
            simple = _simple(current)
            if simple is not None:
                commands.append(simple)
            current, open_words = [], 0
        else:
            current.append(token)
    return commands
