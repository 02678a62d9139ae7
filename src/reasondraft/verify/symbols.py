"""Symbol checks: ``path::Name.attr`` is defined in that file.

Python definitions (classes, functions, async functions, methods, nested classes, module- and
class-level assignments and annotations, ``self.x`` set in methods) come first from a line
scan that follows indentation, which costs a fraction of a parse. Any name the scan does not
find is looked up with ``ast`` before it is reported, so a miss is always the parser's
verdict. Other languages use definition patterns (keywords such as class/def/func/fn,
JavaScript assignments and methods, C-like function heads, #define).
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import posixpath
import re

from reasondraft.repo import FileText, Rev
from reasondraft.verify.citation import Citation, Target
from reasondraft.verify.context import VerifyContext
from reasondraft.verify.files import side_name

Span = tuple[int, int]  # first and last line, 1-based
PYTHON_SUFFIXES = (".py", ".pyi")
MAX_CANDIDATES = 30

_PY_DEF = re.compile(r"([ \t]*)(?:async[ \t]+)?(def|class)[ \t]+([A-Za-z_]\w*)")
_PY_NAME = re.compile(r"[ \t]*([A-Za-z_]\w*)[ \t]*(?:(?::[^=\n]+)?=(?!=)|:[ \t]*[^\s=])")
_PY_SELF = re.compile(r"[ \t]+self\.([A-Za-z_]\w*)[ \t]*(?::[^=]*)?=(?!=)")
_TRIPLE = re.compile(r"\"\"\"|'''")
_STRINGS = re.compile(r"\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'")
_KEYWORDS = frozenset({"else", "try", "finally", "pass", "return", "break", "continue",
                       "raise", "global", "nonlocal", "import", "from", "del", "assert",
                       "yield", "await", "print", "lambda", "with", "if", "elif", "while",
                       "for", "except", "match", "case"})


def is_python(path: str) -> bool:
    return path.endswith(PYTHON_SUFFIXES)


# -- Python: the line scan ----------------------------------------------------------------------


def scan_python(lines: tuple[str, ...]) -> dict[str, Span]:
    """Qualified names defined in Python source, from indentation alone (no parse)."""
    defs: dict[str, Span] = {}
    stack: list[tuple[int, str, int, bool]] = []  # indent, qualname, first line, is class
    in_string, depth, decorated, previous = "", 0, 0, 0
    pending = ""  # an assignment whose brackets are still open: its span grows

    def close(indent: int) -> None:
        while stack and stack[-1][0] >= indent:
            _, name, first, _ = stack.pop()
            defs.setdefault(name, (first, previous))

    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped or (stripped[0] == "#" and not in_string and not depth):
            continue
        if not (in_string or depth):
            close(len(line) - len(line.lstrip()))
            if stripped[0] == "@":
                decorated = decorated or number
            elif (match := _PY_DEF.match(line)) is not None:
                name = f"{stack[-1][1]}.{match.group(3)}" if stack else match.group(3)
                stack.append((len(match.group(1)), name, decorated or number,
                              match.group(2) == "class"))
                decorated = 0
            else:
                decorated = 0
                pending = _assignment(line, stack, defs, number)
        if in_string or _TRIPLE.search(line):
            in_string = _string_state(line, in_string)
        if not in_string:
            depth = max(0, depth + _bracket_change(line))
        if pending:
            defs[pending] = (defs[pending][0], number)
            pending = pending if depth or in_string else ""
        previous = number
    close(0)
    return defs


def _assignment(line: str, stack: list[tuple[int, str, int, bool]], defs: dict[str, Span],
                number: int) -> str:
    """Module and class attributes; ``self.x = ...`` in a method names ``Class.x``.

    Returns the name when this line defines it first (its span may go on), else ''.
    """
    name = ""
    if not stack or stack[-1][3]:
        match = _PY_NAME.match(line)
        if match and match.group(1) not in _KEYWORDS:
            name = f"{stack[-1][1]}.{match.group(1)}" if stack else match.group(1)
    elif len(stack) >= 2 and stack[-2][3]:
        match = _PY_SELF.match(line)
        if match:
            name = f"{stack[-2][1]}.{match.group(1)}"
    if not name or name in defs:
        return ""
    defs[name] = (number, number)
    return name


def _string_state(line: str, state: str) -> str:
    """The triple-quote delimiter still open after ``line`` ('' when none)."""
    pos = 0
    while True:
        if state:
            end = line.find(state, pos)
            if end < 0:
                return state
            state, pos = "", end + 3
        else:
            match = _TRIPLE.search(line, pos)
            if match is None:
                return ""
            state, pos = match.group(), match.end()


def _bracket_change(line: str) -> int:
    """Brackets opened minus closed on a line, outside strings and comments."""
    code = _STRINGS.sub("", line).split("#", 1)[0] if "'" in line or '"' in line else (
        line.split("#", 1)[0])
    return (code.count("(") + code.count("[") + code.count("{")
            - code.count(")") - code.count("]") - code.count("}"))


# -- Python: the parser -------------------------------------------------------------------------


def parse_python(text: str) -> dict[str, Span] | None:
    """Qualified names defined in Python source, from ``ast`` (None if it does not parse)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    defs: dict[str, Span] = {}
    _visit(tree.body, "", None, defs)
    return defs


def _visit(body: list[ast.stmt], prefix: str, owner: str | None,
           defs: dict[str, Span], assignments: bool = True) -> None:
    for node in body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            name = prefix + node.name
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            defs.setdefault(name, (first, node.end_lineno or node.lineno))
            if isinstance(node, ast.ClassDef):
                _visit(node.body, name + ".", name, defs)
            else:
                _function(node, name, owner, defs)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            if not assignments:
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Name):
                        defs.setdefault(prefix + leaf.id,
                                        (node.lineno, node.end_lineno or node.lineno))
        else:  # if / try / with / for / while / match at this scope
            for field in ("body", "orelse", "finalbody"):
                _visit(getattr(node, field, []), prefix, owner, defs, assignments)
            for clause in [*getattr(node, "handlers", []), *getattr(node, "cases", [])]:
                _visit(clause.body, prefix, owner, defs, assignments)


def _function(node: ast.FunctionDef | ast.AsyncFunctionDef, name: str, owner: str | None,
              defs: dict[str, Span]) -> None:
    """Nested definitions of a function, and the attributes a method sets on self."""
    _visit(node.body, name + ".", None, defs, assignments=False)
    if owner is None or not node.args.args:
        return
    this = node.args.args[0].arg
    for leaf in ast.walk(node):
        if (isinstance(leaf, ast.Attribute) and isinstance(leaf.ctx, ast.Store)
                and isinstance(leaf.value, ast.Name) and leaf.value.id == this):
            defs.setdefault(f"{owner}.{leaf.attr}", (leaf.lineno, leaf.end_lineno or leaf.lineno))


# -- other languages ----------------------------------------------------------------------------

_DEF_KEYWORDS = ("class|struct|interface|enum|trait|union|module|namespace|protocol|object|"
                 "record|type|typedef|def|defp|defmodule|function|func|fn|sub|proc|macro|"
                 "let|const|var|val|impl")
_NOT_A_HEAD = r"(?!(?:return|if|while|for|switch|else|new|throw|case|await|yield|delete)\b)"


def _patterns(name: str) -> list[re.Pattern[str]]:
    n = re.escape(name)
    return [re.compile(p, re.M) for p in (
        rf"\b(?:{_DEF_KEYWORDS})[ \t]+(?:\([^)\n]*\)[ \t]*)?[*&]?{n}\b",
        rf"(?:^|[\s,{{])(?:this\.|exports\.)?{n}[ \t]*[=:][ \t]*"
        rf"(?:function\b|async\b|\([^)\n]*\)[ \t]*=>|[\w$]+[ \t]*=>)",
        rf"^[ \t]*{_NOT_A_HEAD}\w[\w:<>,*& \t\[\]]*[ \t*&](?:\w+::)*{n}[ \t]*\([^;\n]*$",
        rf"^[ \t]*(?:(?:static|async|get|set|public|private|protected|override)[ \t]+)*"
        rf"{n}[ \t]*\([^)\n]*\)[ \t]*(?::[^{{;\n]*)?\{{",
        rf"^[ \t]*#[ \t]*define[ \t]+{n}\b",
    )]


def find_by_pattern(file: FileText, symbol: str) -> Span | None:
    """Each dotted part defined, in order, by a definition pattern; the last part's span."""
    position, line = 0, 0
    for part in symbol.split("."):
        hits = [m.end() for p in _patterns(part) for m in [p.search(file.text, position)] if m]
        if not hits:
            return None
        line = file.text.count("\n", 0, min(hits)) + 1
        position = file.text.find("\n", min(hits)) + 1 or len(file.text)
    return line, _block_end(file.lines, line)


def _block_end(lines: tuple[str, ...], first: int) -> int:
    """Last line of the block opened at ``first``: up to the next line indented no deeper
    (included when it closes the block with '}' or 'end')."""
    head = lines[first - 1]
    indent = len(head) - len(head.lstrip())
    for number in range(first + 1, len(lines) + 1):
        line = lines[number - 1]
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            closing = line.lstrip().startswith(("}", "end", ")"))
            return number if closing else number - 1
    return len(lines)


# -- lookup and the check -----------------------------------------------------------------------


def definition(ctx: VerifyContext, target: Target, symbol: str) -> Span | None:
    """Where ``symbol`` is defined in the target file, or None."""
    if target.file.binary:
        return None
    if is_python(target.path):
        scanned = ctx.memo("pyscan", target.path, target.rev,
                           lambda: scan_python(target.file.lines))
        if symbol in scanned:
            return scanned[symbol]
        parsed = ctx.memo("pyast", target.path, target.rev,
                          lambda: parse_python(target.file.text))
        if parsed is not None:
            return parsed.get(symbol)
    return find_by_pattern(target.file, symbol)


def names(ctx: VerifyContext, target: Target) -> list[str]:
    """Every name the file is known to define (for 'did you mean')."""
    if not is_python(target.path):
        return []
    found = ctx.memo("pyast", target.path, target.rev, lambda: parse_python(target.file.text))
    return list(found or ctx.memo("pyscan", target.path, target.rev,
                                  lambda: scan_python(target.file.lines)))


def check_symbol(c: Citation, ctx: VerifyContext) -> bool:
    """Narrow ``c.target`` to the symbol's definition; False (with a finding) if undefined."""
    ref, target = c.file_ref, c.target
    if ref.symbol is None or target is None:
        return True
    span = definition(ctx, target, ref.symbol)
    if span is not None:
        c.target = dataclasses.replace(target, start=span[0], end=span[1])
        return True
    message = f"{ref.symbol} is not defined in {target.path} {side_name(target.rev)}"
    elsewhere = defined_in(ctx, ref.symbol, target)
    if elsewhere:
        c.add("RD-S001", f"{message}; it is defined in {', '.join(elsewhere)}",
              dataclasses.replace(ref, path=elsewhere[0]).format())
        return False
    close = similar_name(ref.symbol, names(ctx, target))
    c.add("RD-S001", message + (f"; did you mean {close}?" if close else ""),
          dataclasses.replace(ref, symbol=close).format() if close else None)
    return False


def similar_name(symbol: str, defined: list[str]) -> str | None:
    """A defined name with the same parent and a near spelling of the last part."""
    parent, _, leaf = symbol.rpartition(".")
    siblings = {name.rpartition(".")[2]: name for name in defined
                if name.rpartition(".")[0] == parent}
    close = difflib.get_close_matches(leaf, list(siblings), n=1, cutoff=0.75)
    return siblings[close[0]] if close else None


def defined_in(ctx: VerifyContext, symbol: str, target: Target, limit: int = 3) -> list[str]:
    """Other files that define ``symbol`` on the target's side (git grep, then confirmed)."""
    top = symbol.split(".")[0] if is_python(target.path) else symbol.rsplit(".", 1)[-1]
    word = f"{top}([^[:alnum:]_]|$)"
    if is_python(target.path):
        pattern = (f"^[[:space:]]*(async[[:space:]]+)?(def|class)[[:space:]]+{word}"
                   f"|^{top}[[:space:]]*(:[^=]*)?=")
    else:
        pattern = f"({_DEF_KEYWORDS})[[:space:]]+{word}"
    suffix = posixpath.splitext(target.path)[1]
    spec = (f"*{suffix}",) if suffix else ()
    candidates = ctx.view.git.grep_files(ctx.view.base_commit, pattern, *spec)
    if target.rev is Rev.PATCHED and ctx.patch is not None:
        candidates += [f.new_path for f in ctx.patch if f.new_path and f.new_path.endswith(suffix)]
    found: list[str] = []
    for path in dict.fromkeys(candidates[:MAX_CANDIDATES]):
        file = ctx.read(path, target.rev) if path != target.path else None
        if file is not None and definition(ctx, Target(path, target.rev, file), symbol):
            found.append(path)
            if len(found) == limit:
                break
    return found
