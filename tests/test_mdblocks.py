"""The line scanner and the lean tokenizer find the blocks stock markdown-it finds.

Documents are generated from pieces chosen for CommonMark's corner cases (setext underlines,
lists that may or may not interrupt a paragraph, fences closed by longer or indented markers,
unclosed fences, ATX closing runs, tables, HTML, indentation). Where the scanner answers it
must answer exactly what markdown-it does; where it is unsure it must say so (None).
"""

from __future__ import annotations

import random

import pytest
from markdown_it import MarkdownIt

from reasondraft.mdblocks import Leaf, _scan, leaf_blocks, leaves, tokenize

STOCK = MarkdownIt("commonmark").enable("table").disable("reference")
PLAIN = ["para [[a.py]]", "more text", "", "", "# Head", "## Sec #", "#nohead", "###### six",
         "- item [[b.py]]", "* star", "+ plus", "-foo", "*emph*", "**Decision:** x", "1. one",
         "1) one", "2. two", "2) two", "10. ten", "1.5 million", "```quote d.py#L1",
         "```python", "```", "````", "~~~", "~~~~ quote e.py", "   ```", "   ~~~", "code",
         "# h ##", "#", "# #", "### x ### y", "- a: b", "+ [[y]]", "```   ", " ", "   "]
TRICKY = ["Setext", "===", "---", "--", "  cont", "    indented", "> quote [[c.py]]",
          "<div>", "| a | b |", "|---|---|", "a | b", "***", "* * *", "\t tab", "   - nested",
          "- ", "-", "1.", "  ```", "- - x", "- # h", "- ```", "- 1. x", "-  two",
          "<!-- c -->", "= = =", "``` a`b", "```quote f.py#L2\\", "``` &amp;", "    ```"]


def stock_leaves(src: str) -> list[Leaf]:
    """The leaves of the stock tokenizer's full token stream (paragraph_open and all)."""
    tokens: list = []
    STOCK.block.parse(src, STOCK, {}, tokens)
    return leaves(tokens)


def documents(pieces: list[str], count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["\n".join(rng.choice(pieces) for _ in range(rng.randint(1, 14)))
            + ("\n" if rng.random() < 0.5 else "") for _ in range(count)]


@pytest.mark.parametrize("pieces", [PLAIN, PLAIN + TRICKY], ids=["plain", "tricky"])
def test_scanner_and_tokenizer_agree_with_markdown_it(pieces: list[str]) -> None:
    answered = 0
    for doc in documents(pieces, 3000, seed=len(pieces)):
        expected = stock_leaves(doc)
        assert tokenize(doc) == expected, doc
        scanned = _scan(doc.split("\n")) if "\t" not in doc else None
        if scanned is not None:
            answered += 1
            assert scanned == expected, doc
    assert answered > 300  # the scanner is not giving up on everything


def test_scanner_reads_a_typical_draft() -> None:
    draft = ("## Summary\n\nThe bug is in [[a.py::f]].\n\n## Step 1: Read\n\n"
             "Phase: understand · Trajectory steps: [[step:1]]\n\n"
             "```quote a.py#L1-L2\ndef f():\n    return 1\n```\n\n"
             "**Decision:** which fix?\n- Considered: a\n- Chosen: a\n\n## Tests\n\n"
             "- [[test:t.py::test_f]] fails before the fix and passes after.\n")
    assert _scan(draft.split("\n")) == stock_leaves(draft)
    assert leaf_blocks(draft) == stock_leaves(draft)


def test_scanner_gives_up_on_containers_and_indentation() -> None:
    for doc in ["> [[a.py]]\n", "- a\n  ```\n  x\n  ```\n", "    [[code.py]]\n",
                "a\n---\n", "| a |\n|---|\n", "<div>\n[[a.py]]\n</div>\n"]:
        assert _scan(doc.split("\n")) is None, doc
        assert leaf_blocks(doc) == stock_leaves(doc)


def test_more_setext_headings_than_markdown_it_nests() -> None:
    """Each setext heading was left open: past markdown-it's nesting limit (20) the rest
    of the document was not read, so its references went unverified."""
    doc = "| t |\n|---|\n\n" + "Title [[a.py]]\n---\n\ntext [[b.py]]\n\n" * 30
    assert tokenize(doc) == stock_leaves(doc)
    assert sum(leaf.kind == "text" for leaf in leaf_blocks(doc)) == 31  # the table row too
