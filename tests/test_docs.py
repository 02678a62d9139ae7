"""The README and docs/ as contracts: links resolve, the README opens with the two commands,
and the command reference and the finding-code table cover what the code has.

Docs drift silently: a moved section leaves a dead link, a new command or finding code goes
undocumented. These tests make that a failing test instead of a newcomer's wasted hour.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from itertools import pairwise
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from reasondraft.cli import app
from reasondraft.verify.findings import CODES, family

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]
MD = MarkdownIt("commonmark").enable("table")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
INSTALL_DEMO = ("python3.11 -m venv .venv && .venv/bin/pip install -q . && "
                ".venv/bin/reasondraft demo")
INSTALL_TEST = ("python3.11 -m venv .venv && .venv/bin/pip install -q '.[dev]' && "
                ".venv/bin/python -m pytest")


@cache  # each page is parsed once, however many links point into it
def _tokens(path: Path) -> list[Token]:
    return MD.parse(path.read_text(encoding="utf-8"))


def _inline_text(token: Token) -> str:
    """A heading's text as GitHub renders it: code spans keep their content, marks go."""
    return "".join(child.content for child in token.children or []
                   if child.type in ("text", "code_inline"))


def slug(text: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces become hyphens."""
    kept = "".join(ch for ch in text.strip().lower()
                   if ch in " -_" or unicodedata.category(ch)[0] in "LNM")
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading anchor of a page, with GitHub's -1, -2 suffixes for repeats."""
    seen: dict[str, int] = {}
    found = set()
    tokens = _tokens(path)
    for opening, inline in pairwise(tokens):
        if opening.type != "heading_open":
            continue
        base = slug(_inline_text(inline))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(path: Path) -> list[str]:
    """Every link target written in a page (inline links; code is not Markdown)."""
    targets = []
    for token in _tokens(path):
        for child in token.children or []:
            if child.type == "link_open":
                targets.append(str(child.attrs["href"]))
    return targets


def relative_links() -> list[tuple[Path, str]]:
    return [(page, target) for page in PAGES for target in links(page)
            if not SCHEME.match(target)]


def test_docs_pages_exist() -> None:
    names = {page.name for page in DOCS}
    assert {"design.md", "performance.md", "security.md", "verify.md", "formats.md"} <= names


@pytest.mark.parametrize(("page", "target"), relative_links(),
                         ids=lambda v: v.name if isinstance(v, Path) else v)
def test_relative_link_resolves(page: Path, target: str) -> None:
    file_part, _, fragment = target.partition("#")
    resolved = (page.parent / file_part).resolve() if file_part else page
    assert resolved.is_relative_to(ROOT), f"{page.name}: {target} leaves the repository"
    assert resolved.exists(), f"{page.name}: {target}: no such file"
    if fragment:
        assert resolved.suffix == ".md", f"{page.name}: {target}: anchor into a non-page"
        assert fragment in anchors(resolved), f"{page.name}: {target}: no such heading"


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = {(README.parent / target.partition("#")[0]).resolve()
              for target in links(README) if not SCHEME.match(target)}
    assert [page.name for page in DOCS if page not in linked] == []


def test_readme_opens_with_the_two_commands() -> None:
    tokens = [t for t in _tokens(README) if t.type not in ("heading_open", "heading_close")]
    first, second = tokens[1], tokens[2]  # tokens[0] is the title's text
    assert (first.type, second.type) == ("fence", "fence")
    assert [first.content.strip(), second.content.strip()] == [INSTALL_DEMO, INSTALL_TEST]


def test_readme_test_command_is_what_ci_runs() -> None:
    assert INSTALL_TEST in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_command_has_a_reference_section() -> None:
    commands = {info.name for info in app.registered_commands}
    documented = anchors(README)
    assert sorted(name for name in commands if f"reasondraft-{name}" not in documented) == []


def test_every_finding_code_is_in_the_table_with_its_severity_and_family() -> None:
    rows = {}
    for line in (ROOT / "docs" / "verify.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells and re.fullmatch(r"`RD-[A-Z]\d{3}`", cells[0]):
            rows[cells[0].strip("`")] = (cells[1], cells[2])
    expected = {code: (severity, family(code)) for code, (severity, _) in CODES.items()}
    assert rows == expected
