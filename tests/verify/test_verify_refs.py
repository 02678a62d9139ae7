"""The [[reference]] grammar: parsing, formatting back, and finding references in Markdown."""

from __future__ import annotations

import random

import pytest

from reasondraft.refs import (
    UNTERMINATED,
    FileRef,
    RefError,
    StepRef,
    TestRef,
    find_references,
    parse_ref,
)


@pytest.mark.parametrize("text, expected", [
    ("pkg/a.py", FileRef("pkg/a.py")),
    ("pkg/a.py#L4", FileRef("pkg/a.py", 4)),
    ("pkg/a.py#L4-L9", FileRef("pkg/a.py", 4, 9)),
    ("pkg/a.py#L4-L4", FileRef("pkg/a.py", 4, 4)),
    ("pkg/a.py#L40-L44@patched", FileRef("pkg/a.py", 40, 44, rev="patched")),
    ("pkg/a.py@base", FileRef("pkg/a.py", rev="base")),
    ("pkg/a.py::Session.request", FileRef("pkg/a.py", symbol="Session.request")),
    ("pkg/a.py::f@patched", FileRef("pkg/a.py", symbol="f", rev="patched")),
    ("docs/My File.md", FileRef("docs/My File.md")),
    ("pkg/a.py#L0", FileRef("pkg/a.py", 0)),
    ("pkg/a.py#L9-L3", FileRef("pkg/a.py", 9, 3)),
    ("test:tests/test_x.py::TestY::test_z[param-1]",
     TestRef("tests/test_x.py::TestY::test_z[param-1]")),
    ("test:test_foo (model_fields.test_jsonfield.TestQuerying)",
     TestRef("test_foo (model_fields.test_jsonfield.TestQuerying)")),
    ("step:7", StepRef(7)),
    ("step:7-9", StepRef(7, 9)),
])
def test_parse_and_format_round_trip(text: str, expected) -> None:
    assert parse_ref(text) == expected
    assert parse_ref(text).format() == text


@pytest.mark.parametrize("text, message, suggestion", [
    ("", "empty", None),
    ("pkg/a.py#L", "#L<line>", None),
    ("pkg/a.py#L4-6", "#L<line>", "pkg/a.py#L4-L6"),
    ("pkg/a.py#42", "#L<line>", "pkg/a.py#L42"),
    ("pkg/a.py#L05", "#L<line>", "pkg/a.py#L5"),
    ("README.md#usage", "#L<line>", None),
    ("step:", "step:N", None),
    ("step:x", "step:N", None),
    ("step:3-", "step:N", None),
    ("test:", "node id", None),
    ("http://example.com", "unknown reference scheme 'http:'", None),
    ("Step:3", "unknown reference scheme", "step:3"),
    ("pkg/a.py@head", "unknown revision '@head'", None),
    ("pkg/a.py::A::b", "dotted name", "pkg/a.py::A.b"),
    ("pkg/a.py::", "dotted name", None),
    (" pkg/a.py", "spaces", "pkg/a.py"),
    ("#L4", "no file", None),
])
def test_malformed_references_are_errors_with_hints(text, message, suggestion) -> None:
    with pytest.raises(RefError) as caught:
        parse_ref(text)
    assert message in caught.value.message
    assert caught.value.suggestion == suggestion


def test_positions_code_and_escapes() -> None:
    text = ("# Title\n"
            "See [[a.py#L1-L3]] and `[[no.py]]` and \\[[esc.py]] and ``a `[[b]]` c``.\n"
            "Then [[test:t.py::test_a[x-1]]] and [see [[b.py]]](http://x) [[step:3]]]\n"
            "\n"
            "```python\n"
            "[[fenced.py]]\n"
            "```\n"
            "\n"
            "    [[indented.py]]\n"
            "\n"
            "<!-- [[html.py]] -->\n")
    found = [(o.raw, o.line, o.column) for o in find_references(text)]
    assert found == [("a.py#L1-L3", 2, 7), ("test:t.py::test_a[x-1]", 3, 8),
                     ("b.py", 3, 44), ("step:3", 3, 64)]
    lines = text.split("\n")
    for raw, line, column in found:
        assert lines[line - 1][column - 1:column - 1 + len(raw)] == raw


def test_quote_blocks_sections_and_blocks() -> None:
    text = ("## Step 1: Look\n\n"
            "First [[a.py]] and [[step:1]].\n\n"
            "- item [[b.py]]\n"
            "- item [[c.py]]\n\n"
            "> ```quote a.py#L2-L3\n"
            "> x = 1\n"
            "> ...\n"
            "> ```\n\n"
            "## Tests\n\n"
            "| t | why |\n|---|---|\n| [[test:t.py::a]] | [[test:t.py::b]] |\n")
    found = find_references(text)
    assert [o.raw for o in found] == ["a.py", "step:1", "b.py", "c.py", "a.py#L2-L3",
                                      "test:t.py::a", "test:t.py::b"]
    assert found[0].block is found[1].block
    assert found[2].block != found[3].block
    quote = found[4]
    assert quote.quote == ("x = 1", "...")
    assert (quote.line, quote.column) == (8, 12)
    assert [o.block.section for o in found] == ["Step 1: Look"] * 5 + ["Tests"] * 2
    assert found[5].line == found[6].line == 17


def test_malformed_and_empty_quote_are_occurrences_not_crashes() -> None:
    found = find_references("[[foo.py#L]] [[step:]] [[nope:x]]\n\n```quote\nx\n```\n")
    assert [o.ref for o in found] == [None] * 4
    assert all(o.error is not None for o in found)
    assert "names no reference" in found[3].error.message


def test_crlf_and_unclosed_brackets() -> None:
    found = find_references("a [[x.py]]\r\nb [[y.py\r\nc data[[0]] [[z.py]]\r\n")
    assert [(o.raw, o.line) for o in found] == [("x.py", 1), ("y.py", 2), ("0", 3),
                                                ("z.py", 3)]
    assert found[1].ref is None
    assert found[1].error.message == UNTERMINATED


def test_unterminated_reference_is_malformed_once_per_line() -> None:
    text = ("Intro.\n\n"
            "See [[foo.py#L1 for the helper, and [[bar.py#L2 too.\n"
            "Then [[a [[b.py]] closes the inner one.\n")
    found = find_references(text)
    assert [(o.raw, o.line, o.column, o.ref) for o in found] == [
        ("foo.py#L1 for the helper, and [[bar.py#L2 too.", 3, 7, None),
        ("a [[b.py]] closes the inner one.", 4, 8, None),
        ("b.py", 4, 12, FileRef("b.py"))]
    assert all(o.error.message == UNTERMINATED for o in found[:2])
    long = find_references("[[" + "x" * 500)[0].raw
    assert len(long) == 60
    assert long.endswith("…")


def test_brackets_in_code_are_not_references_even_unterminated() -> None:
    text = ("Index with `data[[0` or ``x[[`` and \\[[not.py here.\n\n"
            "```python\nrows = m[[1, 2]\n```\n\n"
            "    indented [[code.py\n\n"
            "<div>[[html.py</div>\n")
    assert find_references(text) == []


def _naive(text: str) -> list[tuple[int, int, int | None]]:
    """(line, column, end) of each ``[[`` of one plain block, by the grammar read literally:
    walk on from the opener counting brackets it opened; ``end`` is None when unclosed."""
    found, pos = [], 0
    while (start := text.find("[[", pos)) >= 0:
        depth, i, end = 0, start + 2, None
        while i < len(text) and text[i] != "\n":
            if text[i] == "[":
                depth += 1
            elif text[i] == "]" and depth:
                depth -= 1
            elif text[i] == "]" and text[i + 1:i + 2] == "]":
                end = i
                break
            i += 1
        line = text.count("\n", 0, start)
        found.append((line + 1, start - (text.rfind("\n", 0, start) + 1) + 3, end))
        pos = end + 2 if end is not None else start + 2
    return found


def test_scanner_agrees_with_the_grammar_read_literally() -> None:
    rng = random.Random(12)
    pieces = ["[", "]", "[[", "]]", "a", " ", "\n", "x.py", "#L1", "step:2", "]]]", "[x]"]
    for _ in range(3000):
        text = "p " + "".join(rng.choice(pieces) for _ in range(rng.randint(1, 25)))
        expected, seen_lines = [], set()
        for line, column, end in _naive(text):
            if end is None and line in seen_lines:
                continue  # one unterminated finding per line
            seen_lines.add(line) if end is None else None
            expected.append((line, column, end is None))
        got = [(o.line, o.column, o.error is not None and o.error.message == UNTERMINATED)
               for o in find_references(text)]
        assert got == expected, text


# Sizes at which the scanner, when it read the rest of a line once per opener (or counted
# lines from the block start once per reference), took tens of seconds; now each is a pass.
def test_a_line_of_openers_is_one_unterminated_reference() -> None:
    for text in ("x " + "[" * 40_000, "x " + "[[a" * 15_000, "x " + "[[`" * 15_000):
        found = find_references(text + "\n\nlater [[a.py]]\n")
        assert [(o.line, o.column, o.raw[:3], o.ref) for o in found] == [
            (1, 5, text[4:7], None), (3, 9, "a.p", FileRef("a.py"))]


def test_many_references_on_one_line_keep_their_columns() -> None:
    count = 100_000
    found = find_references("x " + "[[a.py#L1]] " * count + "[[b]]")
    assert len(found) == count + 1
    assert {o.line for o in found} == {1}
    assert found[-1].ref == FileRef("b")
    assert [o.column for o in found[:3]] == [5, 17, 29]
    assert found[-1].column == 2 + 12 * count + 3


def test_unmatched_code_span_openers_of_many_lengths() -> None:
    runs = "".join("`" * k + " [[a.py]] " for k in range(1, 1400))  # 1 MB, one line
    assert len(find_references(runs)) == 1399


def test_text_without_references_is_cheap_and_empty() -> None:
    assert find_references("# Title\n\nPlain prose with [one bracket].\n") == []
