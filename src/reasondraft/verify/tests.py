"""Test checks: ``[[test:node_id]]`` names a test that exists, and tests said to fail before
the fix are the instance's FAIL_TO_PASS.

A test exists when the instance lists it (FAIL_TO_PASS / PASS_TO_PASS), or when its file is
at the base commit, added or changed by the diff or by the instance's test patch, and defines
the function (inside the named classes; a method inherited within the file counts).
Parametrization brackets are ignored. Node ids may be pytest's (``path::Class::test[p]``),
Django's (``test_x (module.Class)``) or a bare function name (``test_x``).

"Said to fail before the fix": in the ``## Tests`` section, a paragraph or list item that
says the test fails before (or without) the fix, or fails at the base commit — as format 1
writes "fails before the fix and passes after" — or a format-2 test line that puts it in
the FAIL_TO_PASS set. A negation right before "fail" ("does not fail") does not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reasondraft.refs import TestRef
from reasondraft.repo import Rev, UnsafePath, clean_path
from reasondraft.verify.citation import Citation, Target
from reasondraft.verify.context import VerifyContext
from reasondraft.verify.files import nearest_path, repo_relative
from reasondraft.verify.findings import Finding, finding
from reasondraft.verify.symbols import (
    definition,
    find_python,
    is_python,
    names,
    similar_name,
)

_DJANGO = re.compile(r"^(\w+) \(([\w.]+)\)$")
_WORD = re.compile(r"^[A-Za-z_]\w*$")
_FAILS_BEFORE = re.compile(
    r"(?<!not )(?<!n't )(?<!never )\bfail(?:s|ed|ing)?\s+(?:\w+\s+){0,3}?"
    r"(?:(?:before|without)\s+(?:the\s+|this\s+|a\s+|any\s+)?(?:fix|patch|change|diff)"
    r"|(?:on|at)\s+the\s+base)\b", re.IGNORECASE)
_TESTS_SECTION = re.compile(r"^tests?\b", re.IGNORECASE)
_IN_FAIL_TO_PASS = re.compile(r"(?:^|\s)[·•|\-\u2013—]\s+FAIL_TO_PASS(?:\s|$)")


@dataclass(frozen=True)
class TestId:
    """A node id taken apart: file (pytest) or module (Django), classes and function."""

    __test__ = False
    path: str | None
    module: str | None
    classes: tuple[str, ...]
    name: str

    @property
    def qualname(self) -> str:
        return ".".join((*self.classes, self.name))


def strip_params(node_id: str) -> str:
    """The node id without a trailing ``[parametrization]`` (brackets may nest)."""
    if not node_id.endswith("]"):
        return node_id
    depth = 0
    for index in range(len(node_id) - 1, -1, -1):
        depth += {"]": 1, "[": -1}.get(node_id[index], 0)
        if depth == 0:
            return node_id[:index]
    return node_id


def parse_test_id(node_id: str) -> TestId:
    """Take a pytest, Django or bare node id apart (parametrization removed)."""
    node_id = strip_params(node_id.strip())
    django = _DJANGO.match(node_id)
    if django:
        name, dotted = django.groups()
        parts = dotted.split(".")
        if parts[-1] == name:  # newer Django prints 'test_x (module.Class.test_x)'
            parts.pop()
        return TestId(None, ".".join(parts[:-1]) or None, tuple(parts[-1:]), name)
    if "::" in node_id:
        path, *rest = node_id.split("::")
        return TestId(path, None, tuple(rest[:-1]), rest[-1] if rest else "")
    if node_id.endswith(".py") or "/" in node_id:
        return TestId(node_id, None, (), "")
    return TestId(None, None, (), node_id)


def listed(ctx: VerifyContext, node_id: str, which: str = "both") -> bool:
    """True if the instance lists the test (exactly, or ignoring parametrization/forms)."""
    if ctx.instance is None:
        return False
    tests = ctx.instance.FAIL_TO_PASS + (ctx.instance.PASS_TO_PASS if which == "both" else [])
    if node_id in tests:
        return True
    wanted = parse_test_id(node_id)
    return any(_same_test(wanted, parse_test_id(other)) for other in tests)


def _same_test(a: TestId, b: TestId) -> bool:
    if not a.name or a.name != b.name:
        return False
    if a.classes and b.classes and a.classes[-1] != b.classes[-1]:
        return False
    return not (a.path and b.path and a.path != b.path)


def check_test(c: Citation, ctx: VerifyContext) -> None:
    """The test exists; ``c.target`` becomes its definition when it can be found."""
    assert isinstance(c.ref, TestRef)
    node_id = c.ref.node_id
    test = parse_test_id(node_id)
    known = listed(ctx, node_id)
    if test.path is None and test.module is None:
        if not known and not _defined_anywhere(ctx, test.name):
            c.add("RD-T001", f"no test function {test.name} in the repository, the diff or "
                  "the test patch")
        return
    if test.path is not None and not _repo_path(c, ctx, test.path):
        return
    paths = [test.path] if test.path else _module_paths(ctx, test.module or "")
    sides = [Target(path, rev, file) for path in paths for rev, file in ctx.sides(path)]
    if sides and not test.name:
        c.target = sides[0]
        return
    for quick in (True, False):  # a test the test patch adds: found without parsing the base
        for side in sides:
            span = _find(ctx, side, test, quick=quick)
            if span is not None:
                c.target = Target(side.path, side.rev, side.file, span[0], span[1])
                return
    if known:
        return
    if not sides:
        where = test.path or f"module {test.module}"
        nearest = nearest_path(test.path, ctx.files(Rev.PATCHED)) if test.path else None
        c.add("RD-T001", f"{where} does not exist at the base commit, after the diff or "
              "after the test patch",
              TestRef(node_id.replace(test.path, nearest, 1)).format()
              if nearest and test.path else None)
        return
    c.add("RD-T001", f"{test.qualname} is not defined in {', '.join(paths)}"
          + _did_you_mean(ctx, paths[0], test, node_id))


def _repo_path(c: Citation, ctx: VerifyContext, path: str) -> bool:
    """False (with a finding) for a test path that leaves the tree or is absolute."""
    try:
        clean_path(path)
        return True
    except UnsafePath as exc:
        assert isinstance(c.ref, TestRef)
        fixed = repo_relative(path, ctx) if path.startswith("/") else None
        c.add("RD-T001", f"{exc}: test ids use repo-relative paths",
              TestRef(c.ref.node_id.replace(path, fixed, 1)).format() if fixed else None)
        return False


def _find(ctx: VerifyContext, target: Target, test: TestId, *,
          quick: bool) -> tuple[int, int] | None:
    """The test's definition in one version of its file (inherited methods count). ``quick``:
    by the targeted line search alone -- every side is searched so before any is parsed (a
    test the test patch adds is missing at the base, and parsing a large test file to
    confirm that cost more than all the other checks together)."""
    if not is_python(target.path):
        return (1, len(target.file.lines)) if quick and re.search(
            rf"\b{re.escape(test.name)}\b", target.file.text) else None
    if quick:
        return find_python(target.file, test.qualname)
    span = definition(ctx, target, test.qualname)
    if span is None and test.classes and definition(ctx, target, ".".join(test.classes)):
        inherited = [n for n in names(ctx, target) if n.endswith("." + test.name)]
        span = definition(ctx, target, inherited[0]) if inherited else None
    return span


def _did_you_mean(ctx: VerifyContext, path: str, test: TestId, node_id: str) -> str:
    """A close test name in the file, or a FAIL_TO_PASS id with the same function."""
    defined: list[str] = []
    for rev, file in ctx.sides(path):
        defined += names(ctx, Target(path, rev, file))
    close = similar_name(test.qualname, defined)
    if close:
        return f"; did you mean {close.replace('.', '::')}?"
    fail = [t for t in (ctx.instance.FAIL_TO_PASS if ctx.instance else [])
            if parse_test_id(t).name == test.name and t != node_id]
    return f"; FAIL_TO_PASS has {fail[0]}" if fail else ""


def _module_paths(ctx: VerifyContext, module: str) -> list[str]:
    """Files that hold a dotted test module (Django runs tests/<module>.py)."""
    tail = "/" + module.replace(".", "/") + ".py"
    everywhere = set(ctx.files(Rev.BASE)) | set(ctx.files(Rev.PATCHED))
    return sorted(path for path in everywhere if ("/" + path).endswith(tail))


def _defined_anywhere(ctx: VerifyContext, name: str) -> bool:
    """A bare test name: defined in some Python file at base or by either diff."""
    if not _WORD.match(name):
        return False
    pattern = f"^[[:space:]]*(async[[:space:]]+)?def[[:space:]]+{name}[[:space:]]*\\("
    if ctx.view.git.grep_files(ctx.view.base_commit, pattern, "*.py"):
        return True
    changed = [f.new_path for view in (ctx.view, ctx.test_view) if view and view.patch
               for f in view.patch if f.new_path and is_python(f.new_path)]
    for path in changed:
        for rev, file in ctx.sides(path):
            if any(n.rsplit(".", 1)[-1] == name for n in names(ctx, Target(path, rev, file))):
                return True
    return False


def check_test_patch(ctx: VerifyContext, line: int) -> list[Finding]:
    """RD-I002 when a check needed the instance's test patch and it does not apply: the
    tests it adds were reported missing and its changes went unread, so the draft is told
    why, once. (Applying it only to say so would cost a draft that cites no test about a
    fifth of its verify time.)"""
    if ctx.test_patch_error is None:
        return []
    return [finding("RD-I002", line, f"the instance's test patch does not apply at the base "
                    f"commit ({ctx.test_patch_error}): tests it adds or changes are not "
                    "checked against it")]


def check_fails_before(citations: list[Citation], ctx: VerifyContext) -> None:
    """Tests said to fail before the fix (in the Tests section) must be in FAIL_TO_PASS."""
    if ctx.instance is None or not ctx.instance.FAIL_TO_PASS:
        return
    for c in citations:
        if not isinstance(c.ref, TestRef) or not _TESTS_SECTION.match(c.block.section):
            continue
        text = c.block.text
        put = _IN_FAIL_TO_PASS.search(text) and text.lstrip("-*+ ").startswith(f"[[{c.raw}]]")
        if not (put or _FAILS_BEFORE.search(text)) or listed(ctx, c.ref.node_id, "fail"):
            continue
        near = [t for t in ctx.instance.FAIL_TO_PASS
                if parse_test_id(t).name == parse_test_id(c.ref.node_id).name]
        # A format-2 entry puts the test in the set (an error); prose saying it fails before
        # may be about a test the agent wrote (a warning).
        c.add("RD-T005" if put else "RD-T002", f"{c.ref.node_id} is "
              f"{'put in' if put else 'described as failing before the fix but is not in'} "
              f"FAIL_TO_PASS{', which does not list it' if put else ''} "
              f"({_count(ctx.instance.FAIL_TO_PASS)})",
              TestRef(near[0]).format() if len(near) == 1 else None)


def _count(tests: list[str]) -> str:
    return f"{len(tests)} test" + ("" if len(tests) == 1 else "s")

