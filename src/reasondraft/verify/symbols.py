"""Symbol checks: ``path::Name.attr`` is defined in that file.

Python definitions (classes, functions, async functions, methods, nested classes, module- and
class-level assignments and annotations, ``self.x`` set in methods) are first searched for
directly: a regular expression finds the lines that could define the last name, and the
indentation above each says what encloses it. That costs a fraction of a parse. A name this
search does not find is looked up with ``ast`` before it is reported, so a miss is always the
parser's verdict. Other languages use definition patterns (keywords such as class/def/func/fn,
JavaScript assignments and methods, C-like function heads, #define).
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import functools
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
_STRINGS = re.compile(r"\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'")


def is_python(path: str) -> bool:
    return path.endswith(PYTHON_SUFFIXES)


# -- Python: the targeted search ----------------------------------------------------------------


# A line that could define a name: def/class NAME, self.NAME = (or annotated), NAME = (or
# annotated). One pattern for every name (the name is compared after the match): compiling
# one pattern per looked-up name cost more than the search itself.
_DEFINES = re.compile(
    r"(?P<indent>[ \t]*)(?:(?P<block>(?:async[ \t]+)?(?:def|class)[ \t]+)(?P<name>\w+)"
    r"|(?P<self>self\.)(?P<attr>\w+)[ \t]*(?:(?::[^=\n]+)?=(?!=)|:[ \t]*[^\s=])"
    r"|(?P<assigned>\w+)[ \t]*(?:(?::[^=\n]+)?=(?!=)|:[ \t]*[^\s=]))")


def _defines(text: str, start: int, leaf: str) -> re.Match[str] | None:
    """The match of the line at ``start`` if it could define ``leaf``, else None."""
    match = _DEFINES.match(text, start)
    if match is None or leaf != (match.group("name") or match.group("attr")
                                 or match.group("assigned")):
        return None
    return match


def find_python(file: FileText, symbol: str) -> Span | None:
    """Where a dotted name is defined, found from its candidate lines and their indentation.

    Each candidate's enclosing classes and functions are read by walking up to lines of
    smaller indent; the chain must equal the dotted prefix (a ``self.x`` candidate must sit
    in a method of that class, an assignment directly in that class or module, and neither
    inside the brackets of a call or literal). A dotted name is looked for from its parent's
    first definition on (nothing before it can have that parent), so the same-named methods
    of earlier classes are not walked.
    """
    found = _find_python(file, symbol.split("."))
    return _span(file.lines, found[1], block=found[2]) if found else None


def _find_python(file: FileText, names: list[str]) -> tuple[int, int, bool] | None:
    """(offset, index) of the line defining the dotted ``names``, and whether it opens a
    block (def/class) rather than a statement."""
    *parents, leaf = names
    text, lines = file.text, file.lines
    offset = index = 0
    if parents:
        outer = _find_python(file, parents)
        if outer is None:
            return None
        offset, index, _ = outer
    counted, at = offset, text.find(leaf, offset)
    while at >= 0:
        start = text.rfind("\n", 0, at) + 1
        at = text.find(leaf, at + len(leaf))
        match = _defines(text, start, leaf)
        if match is None or (at >= 0 and text.rfind("\n", 0, at) + 1 == start):
            continue  # not a definition, or the line's later occurrence will be tried
        index += text.count("\n", counted, start)
        counted = start
        chain, bracketed = _enclosing(lines, index, len(match.group("indent")))
        chain_names = [name for _, name in chain]
        if match.group("block"):
            ok = chain_names == parents
        elif match.group("self"):
            ok = (not bracketed and len(chain) >= 2 and chain_names[:-1] == parents
                  and chain[-1][0] == "def" and chain[-2][0] == "class")
        else:
            ok = not bracketed and chain_names == parents and (not chain or chain[-1][0] == "class")
        if ok:
            return start, index, bool(match.group("block"))
    return None


def _enclosing(lines: tuple[str, ...], index: int,
               indent: int) -> tuple[list[tuple[str, str]], bool]:
    """(kind, name) of the classes and functions around line ``index``, outermost first,
    and whether the nearest less-indented line leaves a bracket open (a continuation)."""
    chain: list[tuple[str, str]] = []
    bracketed: bool | None = None
    for row in range(index - 1, -1, -1):
        if not indent:
            break
        line = lines[row]
        if not line or line[:indent].isspace():  # blank or indented at least as deep
            continue
        stripped = line.lstrip()
        if not stripped or stripped[0] in "#)]}" or len(line) - len(stripped) >= indent:
            continue
        indent = len(line) - len(stripped)
        block = _PY_DEF.match(line)
        if bracketed is None:
            bracketed = not block and _bracket_change(line) > 0
        if block:
            chain.append((block.group(2), block.group(3)))
    return chain[::-1], bool(bracketed)


def _span(lines: tuple[str, ...], index: int, *, block: bool) -> Span:
    """1-based first and last line: a block with its decorators, or a (bracketed) statement."""
    head = lines[index]
    indent = len(head) - len(head.lstrip())
    first = index
    while first > 0 and lines[first - 1].startswith(head[:indent] + "@"):
        first -= 1
    last = index
    if block:
        for row in range(index + 1, len(lines)):
            stripped = lines[row].lstrip()
            if not stripped or stripped[0] in "#)]}":
                continue
            if len(lines[row]) - len(stripped) <= indent:
                break
            last = row
    else:
        depth = _bracket_change(head)
        while depth > 0 and last + 1 < len(lines):
            last += 1
            depth += _bracket_change(lines[last])
    return first + 1, last + 1


def _bracket_change(line: str) -> int:
    """Brackets opened minus closed on a line, outside strings and comments."""
    code = _STRINGS.sub("", line) if "'" in line or '"' in line else line
    code = code.split("#", 1)[0]
    return (code.count("(") + code.count("[") + code.count("{")
            - code.count(")") - code.count("]") - code.count("}"))


# -- Python: the parser -------------------------------------------------------------------------


def parse_python(text: str) -> dict[str, Span] | None:
    """Qualified names defined in Python source, from ``ast`` (None if it does not parse)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    defs: dict[str, Span] = {}
    _visit(tree.body, "", None, defs)
    return defs


def _visit(body: list[ast.stmt], prefix: str, owner: str | None,
           defs: dict[str, Span], *, assignments: bool = True) -> None:
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
                _visit(getattr(node, field, []), prefix, owner, defs, assignments=assignments)
            for clause in [*getattr(node, "handlers", []), *getattr(node, "cases", [])]:
                _visit(clause.body, prefix, owner, defs, assignments=assignments)


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


@functools.lru_cache(maxsize=256)
def _patterns(name: str) -> tuple[re.Pattern[str], ...]:
    n = re.escape(name)
    return tuple(re.compile(p, re.M) for p in (
        rf"\b(?:{_DEF_KEYWORDS})[ \t]+(?:\([^)\n]*\)[ \t]*)?[*&]?{n}\b",
        rf"(?:^|[\s,{{])(?:this\.|exports\.)?{n}[ \t]*[=:][ \t]*"
        rf"(?:function\b|async\b|\([^)\n]*\)[ \t]*=>|[\w$]+[ \t]*=>)",
        rf"^[ \t]*{_NOT_A_HEAD}\w[\w:<>,*& \t\[\]]*[ \t*&](?:\w+::)*{n}[ \t]*\([^;\n]*$",
        rf"^[ \t]*(?:(?:static|async|get|set|public|private|protected|override)[ \t]+)*"
        rf"{n}[ \t]*\([^)\n]*\)[ \t]*(?::[^{{;\n]*)?\{{",
        rf"^[ \t]*#[ \t]*define[ \t]+{n}\b",
    ))


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
        span = find_python(target.file, symbol)
        if span is not None:
            return span
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
    return list(found or ())


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
    candidates = [f.new_path for f in ctx.patch or [] if target.rev is Rev.PATCHED
                  and f.new_path and f.new_path.endswith(suffix)]
    candidates += ctx.view.git.grep_files(ctx.view.base_commit, pattern, *spec)
    found: list[str] = []
    for path in dict.fromkeys(candidates[:MAX_CANDIDATES]):
        if path == target.path or not ctx.exists(path, target.rev):
            continue
        file = ctx.read(path, target.rev)
        if file is not None and definition(ctx, Target(path, target.rev, file), symbol):
            found.append(path)
            if len(found) == limit:
                break
    return found
