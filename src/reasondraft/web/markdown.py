"""Draft Markdown as HTML, each reference a link to its panel.

markdown-it renders with raw HTML off (a ``<script>`` in a draft is text) and its own link
validation (``javascript:`` links are not made). The text of every reference is escaped and
wrapped in a link; which verified :class:`Citation` it is comes from the order references
occur in: the n-th ``[[raw]]`` of the body is the n-th citation with that raw text, as
verify found them. A ```` ```quote REF ```` fence gets a link to its reference above the
quoted lines. Every block carries ``id="L<draft.md line>"`` so findings link to their line.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup, escape

from reasondraft.refs import QUOTE_INFO

RefLink = Callable[[int], str]  # citation index -> the HTML of its link's opening tag


class Linker:
    """Hands out citation indexes by raw text, in the order the body cites them."""

    def __init__(self, raws: Sequence[tuple[str, bool]]) -> None:
        """``raws``: (raw text, is a quote fence) per citation, in body order."""
        self.inline: dict[str, deque[int]] = {}
        self.quotes: dict[str, deque[int]] = {}
        for index, (raw, quote) in enumerate(raws):
            (self.quotes if quote else self.inline).setdefault(raw, deque()).append(index)
        self.longest = sorted(self.inline, key=len, reverse=True)

    def take_inline(self, text: str, at: int) -> tuple[str, int] | None:
        """(raw, citation index) of the reference opening at ``text[at]`` ('[['), if any."""
        for raw in self.longest:
            queue = self.inline[raw]
            if queue and text.startswith(f"[[{raw}]]", at):
                return raw, queue.popleft()
        return None

    def take_quote(self, raw: str) -> int | None:
        queue = self.quotes.get(raw)
        return queue.popleft() if queue else None


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.add_render_rule("text", _render_text)
    md.add_render_rule("fence", _render_fence)
    return md


def _render_text(_self: Any, tokens: list[Token], idx: int, _options: Any,
                 env: dict[str, Any]) -> str:
    text = tokens[idx].content
    linker: Linker | None = env.get("linker")
    if linker is None or "[[" not in text:
        return str(escape(text))
    out: list[str] = []
    position = 0
    at = text.find("[[")
    while at >= 0:
        found = linker.take_inline(text, at)
        if found is None:
            at = text.find("[[", at + 1)
            continue
        raw, index = found
        end = at + len(raw) + 4
        out += [str(escape(text[position:at])), env["link"](index),
                str(escape(text[at:end])), "</a>"]
        position = end
        at = text.find("[[", end)
    out.append(str(escape(text[position:])))
    return "".join(out)


def _render_fence(_self: Any, tokens: list[Token], idx: int, _options: Any,
                  env: dict[str, Any]) -> str:
    token = tokens[idx]
    info = token.info.strip()
    head, _, rest = info.partition(" ")
    linker: Linker | None = env.get("linker")
    index = linker.take_quote(rest.strip()) if linker and head == QUOTE_INFO else None
    attrs = f' id="{escape(token.attrGet("id"))}"' if token.attrGet("id") else ""
    code = f"<pre{attrs}><code>{escape(token.content)}</code></pre>\n"
    if index is None:
        return code
    return (f'<figure class="quote">{env["link"](index)}{escape("quote " + rest.strip())}'
            f"</a>{code}</figure>\n")


_MD = _markdown()


def render_markdown(body: str, *, first_line: int = 1,
                    raws: Sequence[tuple[str, bool]] = (), link: RefLink | None = None,
                    ) -> tuple[Markup, list[int]]:
    """The body as HTML and the draft.md lines its blocks start at (sorted); with ``raws``
    and ``link``, each reference is a link (see the module docstring)."""
    env: dict[str, Any] = {}
    if link is not None:
        env = {"linker": Linker(raws), "link": link}
    tokens = _MD.parse(body, env)
    starts: list[int] = []
    for token in tokens:
        if token.nesting != -1 and token.block and token.map and token.level == 0:
            line = token.map[0] + first_line
            token.attrSet("id", f"L{line}")
            starts.append(line)
    return Markup(_MD.renderer.render(tokens, _MD.options, env)), starts
